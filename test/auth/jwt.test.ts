// The two token paths of the JWT service: spkey's own HS256 tokens (the @elysiajs/jwt plugin) and an external
// provider's RS256/ES256 tokens (jose, against a JWKS served over real HTTP or a public key), and the header deciding
// which path a token takes.
import { afterEach, describe, expect, it } from 'bun:test'
import { decodeJwt, decodeProtectedHeader, exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose'
import { createJwtService } from '../../src/auth/jwt'

const SECRET = 'jwt-service-test-secret-0123456789abcdef'
const OWN = { secret: SECRET, issuer: 'spkey', audience: 'spkey' }
const IDP = { externalIssuer: 'https://idp.example.test', externalAudience: 'spkey-app' }

const servers: { stop: () => void }[] = []
afterEach(() => {
  for (const server of servers.splice(0)) server.stop()
})

const hs256 = (secret: string | Uint8Array, claims: Record<string, unknown>) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('spkey')
    .setAudience('spkey')
    .setExpirationTime('1h')
    .sign(typeof secret === 'string' ? new TextEncoder().encode(secret) : secret)

// An identity provider: key pairs of the given algorithms, their public halves published as a JWKS on 127.0.0.1.
async function identityProvider(algorithms: ('RS256' | 'ES256')[]) {
  const keys = await Promise.all(
    algorithms.map(async (alg) => ({ alg, kid: `${alg}-key`, ...(await generateKeyPair(alg, { extractable: true })) })),
  )
  const jwks = { keys: await Promise.all(keys.map(async (k) => ({ ...(await exportJWK(k.publicKey)), alg: k.alg, kid: k.kid }))) }
  const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => Response.json(jwks) })
  servers.push(server)
  const sign = (alg: 'RS256' | 'ES256', sub: string, claims: { iss?: string; aud?: string } = {}) => {
    const key = keys.find((k) => k.alg === alg)
    if (!key) throw new Error(`no ${alg} key`)
    return new SignJWT({})
      .setProtectedHeader({ alg, kid: key.kid })
      .setSubject(sub)
      .setIssuer(claims.iss ?? IDP.externalIssuer)
      .setAudience(claims.aud ?? IDP.externalAudience)
      .setExpirationTime('1h')
      .sign(key.privateKey)
  }
  return { jwksUrl: `http://127.0.0.1:${server.port}/.well-known/jwks.json`, sign }
}

describe("spkey's own tokens", () => {
  it('should sign HS256 with subject, issuer, audience, issue time, expiry and the jti asked for, and verify it', async () => {
    const jwt = createJwtService(OWN)
    const token = await jwt.sign('user-1', 600, { jti: 'session-a' })
    const claims = decodeJwt(token)
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' })
    expect(claims).toMatchObject({ sub: 'user-1', iss: 'spkey', aud: 'spkey', jti: 'session-a' })
    expect((claims.exp ?? 0) - (claims.iat ?? 0)).toBe(600)
    expect(await jwt.verify(token)).toEqual({ userId: 'user-1', exp: claims.exp ?? 0 })
  })

  it('should verify a token signed before the switch to the plugin (jose, same secret and claims)', async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject('user-2')
      .setIssuer('spkey')
      .setAudience('spkey')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SECRET))
    expect(await createJwtService(OWN).verify(token)).toMatchObject({ userId: 'user-2' })
  })

  it('should refuse a correctly signed token without a subject or an expiry', async () => {
    const jwt = createJwtService(OWN)
    expect(await jwt.verify(await hs256(SECRET, {}))).toBeNull()
    const noExpiry = await new SignJWT({ sub: 'user-1' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('spkey')
      .setAudience('spkey')
      .sign(new TextEncoder().encode(SECRET))
    expect(await jwt.verify(noExpiry)).toBeNull()
  })

  it('should refuse HS384 signed with the right secret: spkey signs nothing but HS256', async () => {
    const token = await new SignJWT({ sub: 'user-1' })
      .setProtectedHeader({ alg: 'HS384' })
      .setIssuer('spkey')
      .setAudience('spkey')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SECRET))
    expect(await createJwtService(OWN).verify(token)).toBeNull()
  })
})

describe("an external provider's tokens via JWKS (JWT_JWKS_URL)", () => {
  it('should accept RS256 and ES256 tokens signed by keys in the set', async () => {
    const idp = await identityProvider(['RS256', 'ES256'])
    const jwt = createJwtService({ ...OWN, ...IDP, jwksUrl: idp.jwksUrl })
    expect(await jwt.verify(await idp.sign('RS256', 'user-rs'))).toMatchObject({ userId: 'user-rs' })
    expect(await jwt.verify(await idp.sign('ES256', 'user-es'))).toMatchObject({ userId: 'user-es' })
  })

  it('should refuse a token for another issuer or audience when those are configured', async () => {
    const idp = await identityProvider(['ES256'])
    const jwt = createJwtService({ ...OWN, ...IDP, jwksUrl: idp.jwksUrl })
    expect(await jwt.verify(await idp.sign('ES256', 'user-1', { iss: 'https://elsewhere.test' }))).toBeNull()
    expect(await jwt.verify(await idp.sign('ES256', 'user-1', { aud: 'another-app' }))).toBeNull()
  })

  it('should refuse a token signed by a key that is not in the set', async () => {
    const idp = await identityProvider(['ES256'])
    const stranger = await identityProvider(['ES256'])
    const jwt = createJwtService({ ...OWN, ...IDP, jwksUrl: idp.jwksUrl })
    expect(await jwt.verify(await stranger.sign('ES256', 'user-1'))).toBeNull()
  })

  it("should still verify spkey's own tokens beside the provider's", async () => {
    const idp = await identityProvider(['RS256'])
    const jwt = createJwtService({ ...OWN, ...IDP, jwksUrl: idp.jwksUrl })
    expect(await jwt.verify(await jwt.sign('user-own', 60))).toMatchObject({ userId: 'user-own' })
  })
})

describe('the header deciding the path (algorithm confusion)', () => {
  it("should refuse an HS256 token keyed with the provider's public key (JWT_PUBLIC_KEY)", async () => {
    const { publicKey } = await generateKeyPair('RS256', { extractable: true })
    const pem = await exportSPKI(publicKey)
    const jwt = createJwtService({ ...OWN, publicKey: pem })
    expect(await jwt.verify(await hs256(pem, { sub: 'user-1' }))).toBeNull()
  })

  it('should refuse an RS256 token when no external key is configured', async () => {
    const idp = await identityProvider(['RS256'])
    expect(await createJwtService(OWN).verify(await idp.sign('RS256', 'user-1'))).toBeNull()
  })
})
