// Every authentication rule over HTTP (docs §5.5, DESIGN Identity): spoofed internal headers, API keys (unknown,
// rotated, expired), JWTs (expired, garbled, alg none, other secret, wrong issuer/audience, external issuer), both
// headers at once, and what another tenant or user gets (403, or 404 where existence would leak).
import { describe, expect, it } from 'bun:test'
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose'
import { testContext } from '../support/context'

const ADMIN_KEY = 'admin-key-for-principal-tests-0123456789'
const HOUR = 3_600_000

const hs256 = (secret: string, claims: { sub: string; iss?: string; aud?: string; exp?: number }) =>
  new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(claims.iss ?? 'spkey')
    .setAudience(claims.aud ?? 'spkey')
    .setIssuedAt()
    .setExpirationTime(claims.exp ?? '1h')
    .sign(new TextEncoder().encode(secret))

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')

describe('internal headers sent by a client', () => {
  it.each(['X-Org-Id', 'X-User-Id'])('should refuse %s with 400 and a details entry, even with a valid key', async (header) => {
    const ctx = testContext()
    const { apiKey } = await ctx.org()
    const { userId } = await ctx.user()
    const res = await ctx.call('GET', `/users/${userId}/profile`, { apiKey, headers: { [header]: 'someone' } })
    expect(res.status).toBe(400)
    expect(res.json.details).toEqual([{ field: header.toLowerCase(), message: 'must not be sent by clients' }])
  })
})

describe('API keys', () => {
  it('should answer 401 without any credentials', async () => {
    const ctx = testContext()
    const { userId } = await ctx.user()
    const res = await ctx.call('GET', `/users/${userId}/profile`)
    expect(res.status).toBe(401)
    expect(res.json).toMatchObject({ success: false, error: 'Unauthorized', code: 401 })
  })

  it('should answer 401 for an unknown key', async () => {
    const ctx = testContext()
    const { userId } = await ctx.user()
    const res = await ctx.call('GET', `/users/${userId}/profile`, { apiKey: 'x'.repeat(40) })
    expect(res.status).toBe(401)
  })

  it('should refuse the old key at once after a rotation, and accept the new one', async () => {
    const ctx = testContext({ ADMIN_API_KEY: ADMIN_KEY })
    const { orgId, apiKey: oldKey } = await ctx.org()
    expect((await ctx.call('GET', '/events', { apiKey: oldKey })).status).toBe(200)
    const rotated = await ctx.call('POST', '/api-keys/rotate', { headers: { 'x-admin-api-key': ADMIN_KEY }, body: { orgId } })
    expect(rotated.status).toBe(201)
    expect((await ctx.call('GET', '/events', { apiKey: oldKey })).status).toBe(401)
    expect((await ctx.call('GET', '/events', { apiKey: rotated.json.apiKey })).status).toBe(200)
  })

  it('should refuse a key once its expiresAt has passed', async () => {
    const ctx = testContext({ ADMIN_API_KEY: ADMIN_KEY })
    const orgId = 'expiring-org'
    const admin = { 'x-admin-api-key': ADMIN_KEY }
    await ctx.call('POST', `/tenants/${orgId}/register`, { headers: admin, body: { orgName: 'Expiring', ownerEmail: 'o@expiring.test' } })
    const expiresAt = new Date(ctx.clock.now() + HOUR).toISOString()
    const issued = await ctx.call('POST', '/api-keys', { headers: admin, body: { orgId, orgName: 'Expiring', expiresAt } })
    expect(issued.status).toBe(201)
    expect((await ctx.call('GET', '/events', { apiKey: issued.json.apiKey })).status).toBe(200)
    ctx.clock.advance(HOUR)
    expect((await ctx.call('GET', '/events', { apiKey: issued.json.apiKey })).status).toBe(401)
  })
})

describe('JWTs issued by spkey', () => {
  it('should accept a token from deps.jwt.sign for its own user', async () => {
    const ctx = testContext()
    const { userId, token } = await ctx.user()
    const res = await ctx.call('GET', `/users/${userId}/profile`, { token })
    expect(res.status).toBe(200)
    expect(res.json.userId).toBe(userId)
  })

  it('should refuse an expired token', async () => {
    const ctx = testContext()
    const { userId } = await ctx.user()
    const token = await hs256(ctx.deps.secrets.jwtSecret, { sub: userId, exp: Math.floor(Date.now() / 1000) - 60 })
    expect((await ctx.call('GET', `/users/${userId}/profile`, { token })).status).toBe(401)
  })

  it('should refuse a garbled token', async () => {
    const ctx = testContext()
    const { userId, token } = await ctx.user()
    for (const garbled of ['not-a-jwt', 'a.b.c', `${token.slice(0, -4)}AAAA`]) {
      expect((await ctx.call('GET', `/users/${userId}/profile`, { token: garbled })).status).toBe(401)
    }
  })

  it('should refuse an unsigned alg:none token', async () => {
    const ctx = testContext()
    const { userId } = await ctx.user()
    const exp = Math.floor(Date.now() / 1000) + 3600
    const none = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url({ sub: userId, iss: 'spkey', aud: 'spkey', exp })}.`
    expect((await ctx.call('GET', `/users/${userId}/profile`, { token: none })).status).toBe(401)
  })

  it('should refuse a token signed with another secret', async () => {
    const ctx = testContext()
    const { userId } = await ctx.user()
    const token = await hs256('some-other-secret-entirely', { sub: userId })
    expect((await ctx.call('GET', `/users/${userId}/profile`, { token })).status).toBe(401)
  })

  it('should refuse a token for another issuer or audience', async () => {
    const ctx = testContext()
    const { userId } = await ctx.user()
    const secret = ctx.deps.secrets.jwtSecret
    for (const token of [await hs256(secret, { sub: userId, iss: 'elsewhere' }), await hs256(secret, { sub: userId, aud: 'elsewhere' })]) {
      expect((await ctx.call('GET', `/users/${userId}/profile`, { token })).status).toBe(401)
    }
  })

  it('should refuse an Authorization header that is not "Bearer <token>"', async () => {
    const ctx = testContext()
    const { userId } = await ctx.user()
    const res = await ctx.call('GET', `/users/${userId}/profile`, { headers: { authorization: 'Basic dXNlcjpwYXNz' } })
    expect(res.status).toBe(401)
  })

  it('should use JWT_SECRET when it is set', async () => {
    const ctx = testContext({ JWT_SECRET: 'configured-secret-for-this-test' })
    const { userId } = await ctx.user()
    const token = await hs256('configured-secret-for-this-test', { sub: userId })
    expect((await ctx.call('GET', `/users/${userId}/profile`, { token })).status).toBe(200)
  })
})

describe("JWTs from an external issuer's key (JWT_PUBLIC_KEY)", () => {
  const external = async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true })
    const ctx = testContext({ JWT_PUBLIC_KEY: await exportSPKI(publicKey) })
    const sign = (sub: string) =>
      new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).setSubject(sub).setExpirationTime('1h').sign(privateKey)
    return { ctx, sign }
  }

  it('should accept an RS256 token signed by that key', async () => {
    const { ctx, sign } = await external()
    const { userId } = await ctx.user()
    const res = await ctx.call('GET', `/users/${userId}/profile`, { token: await sign(userId) })
    expect(res.status).toBe(200)
    expect(res.json.userId).toBe(userId)
  })

  it('should refuse a tampered token (payload changed, signature kept)', async () => {
    const { ctx, sign } = await external()
    const { userId } = await ctx.user()
    const victim = await ctx.user()
    const [header, , signature] = (await sign(userId)).split('.')
    const tampered = `${header}.${b64url({ sub: victim.userId, exp: Math.floor(Date.now() / 1000) + 3600 })}.${signature}`
    expect((await ctx.call('GET', `/users/${victim.userId}/profile`, { token: tampered })).status).toBe(401)
  })

  it('should refuse an RS256 token signed by another key', async () => {
    const { ctx } = await external()
    const { userId } = await ctx.user()
    const other = await generateKeyPair('RS256')
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject(userId)
      .setExpirationTime('1h')
      .sign(other.privateKey)
    expect((await ctx.call('GET', `/users/${userId}/profile`, { token })).status).toBe(401)
  })

  it("should still accept spkey's own HS256 tokens", async () => {
    const { ctx } = await external()
    const { userId, token } = await ctx.user()
    expect((await ctx.call('GET', `/users/${userId}/profile`, { token })).status).toBe(200)
  })

  it('should not let a first token with another alg break the key for later ones (issue 24 #4)', async () => {
    const { ctx, sign } = await external()
    const { userId } = await ctx.user()
    const junk = `${b64url({ alg: 'ES256', typ: 'JWT' })}.${b64url({ sub: userId, exp: Math.floor(Date.now() / 1000) + 3600 })}.AAAA`
    expect((await ctx.call('GET', `/users/${userId}/profile`, { token: junk })).status).toBe(401)
    expect((await ctx.call('GET', `/users/${userId}/profile`, { token: await sign(userId) })).status).toBe(200)
  })

  it('should accept only the algorithm the key type fixes, and refuse to start with a key it cannot use', async () => {
    const ec = await generateKeyPair('ES256', { extractable: true })
    const ctx = testContext({ JWT_PUBLIC_KEY: await exportSPKI(ec.publicKey) })
    const { userId } = await ctx.user()
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).setSubject(userId).setExpirationTime('1h').sign(ec.privateKey)
    expect((await ctx.call('GET', `/users/${userId}/profile`, { token })).status).toBe(200)
    const p384 = await generateKeyPair('ES384', { extractable: true })
    const pem = await exportSPKI(p384.publicKey)
    expect(() => testContext({ JWT_PUBLIC_KEY: pem })).toThrow(/JWT_PUBLIC_KEY/)
  })

  describe('CreateUser with an external token (issue 24 #9)', () => {
    const create = async (claims: Record<string, unknown>, email: string) => {
      const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true })
      const ctx = testContext({ JWT_PUBLIC_KEY: await exportSPKI(publicKey) })
      const userId = crypto.randomUUID()
      const token = await new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256' })
        .setSubject(userId)
        .setExpirationTime('1h')
        .sign(privateKey)
      const res = await ctx.call('POST', `/users/${userId}/CreateUser`, { token, body: { userId, email } })
      return { res, events: ctx.eventsOf(`user-${userId}`) }
    }

    it('should refuse an e-mail the provider has not verified, appending nothing', async () => {
      const unverified = await create({ email: 'victim@example.test', email_verified: false }, 'victim@example.test')
      expect(unverified.res.status).toBe(403)
      expect(unverified.events).toEqual([])
      const unclaimed = await create({}, 'victim@example.test')
      expect(unclaimed.res.status).toBe(403)
    })

    it('should refuse a verified e-mail other than the one asked for', async () => {
      const { res } = await create({ email: 'me@example.test', email_verified: true }, 'victim@example.test')
      expect(res.status).toBe(403)
    })

    it('should create the user with the verified e-mail, in any letter case', async () => {
      const { res, events } = await create({ email: 'Me@Example.test', email_verified: true }, 'me@example.TEST')
      expect(res.status).toBe(201)
      expect(events.map((e) => e.type)).toEqual(['UserCreated'])
    })
  })

  it('should refuse an external token when no external key is configured', async () => {
    const ctx = testContext()
    const { userId } = await ctx.user()
    const { privateKey } = await generateKeyPair('RS256')
    const token = await new SignJWT({}).setProtectedHeader({ alg: 'RS256' }).setSubject(userId).setExpirationTime('1h').sign(privateKey)
    expect((await ctx.call('GET', `/users/${userId}/profile`, { token })).status).toBe(401)
  })
})

describe("JWTs from an external issuer's JWKS (JWT_JWKS_URL)", () => {
  it('should accept an ES256 token from a key in the set, checking JWT_EXTERNAL_ISSUER', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true })
    const jwks = { keys: [{ ...(await exportJWK(publicKey)), alg: 'ES256', kid: 'idp-1' }] }
    const idp = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => Response.json(jwks) })
    try {
      const ctx = testContext({ JWT_JWKS_URL: `http://127.0.0.1:${idp.port}/jwks`, JWT_EXTERNAL_ISSUER: 'https://idp.test' })
      const { userId } = await ctx.user()
      const sign = (iss: string) =>
        new SignJWT({})
          .setProtectedHeader({ alg: 'ES256', kid: 'idp-1' })
          .setSubject(userId)
          .setIssuer(iss)
          .setExpirationTime('1h')
          .sign(privateKey)
      expect((await ctx.call('GET', `/users/${userId}/profile`, { token: await sign('https://idp.test') })).status).toBe(200)
      expect((await ctx.call('GET', `/users/${userId}/profile`, { token: await sign('https://other.test') })).status).toBe(401)
    } finally {
      idp.stop()
    }
  })
})

describe('an API key and a JWT together', () => {
  it('should let the key decide the tenant and record the JWT user as the actor', async () => {
    const ctx = testContext()
    const { apiKey } = await ctx.org({ isSuper: true })
    const actor = await ctx.user()
    const target = await ctx.user()
    // Alone, the actor's token may not change another user; with the org key it may, and the audit names the actor.
    expect(
      (await ctx.call('POST', `/users/${target.userId}/UpdatePhoneNumber`, { token: actor.token, body: { phoneNumber: '+301234' } }))
        .status,
    ).toBe(403)
    const res = await ctx.call('POST', `/users/${target.userId}/UpdatePhoneNumber`, {
      apiKey,
      token: actor.token,
      body: { phoneNumber: '+301234' },
    })
    expect(res.status).toBe(200)
    expect(ctx.eventsOf(`user-${target.userId}`).at(-1)?.metadata.principal).toBe(actor.userId)
  })

  it('should refuse the pair when the JWT does not verify, even with a valid key', async () => {
    const ctx = testContext()
    const { apiKey } = await ctx.org()
    const { userId } = await ctx.user()
    expect((await ctx.call('GET', `/users/${userId}/profile`, { apiKey, token: 'garbage' })).status).toBe(401)
  })
})

describe('other tenants and other users', () => {
  it("should answer 403 to a user reading or changing another user's record", async () => {
    const ctx = testContext()
    const alice = await ctx.user()
    const bob = await ctx.user()
    expect((await ctx.call('GET', `/users/${alice.userId}/profile`, { token: bob.token })).status).toBe(403)
    expect((await ctx.call('GET', `/users/${alice.userId}/phone-number`, { token: bob.token })).status).toBe(403)
    const change = await ctx.call('POST', `/users/${alice.userId}/UpdatePhoneNumber`, { token: bob.token, body: { phoneNumber: '+30999' } })
    expect(change.status).toBe(403)
    expect(ctx.eventsOf(`user-${alice.userId}`).map((e) => e.type)).toEqual(['UserCreated'])
  })

  it("should answer 403 to a user for someone else's record whether or not it exists", async () => {
    const ctx = testContext()
    const bob = await ctx.user()
    expect((await ctx.call('GET', `/users/${crypto.randomUUID()}/profile`, { token: bob.token })).status).toBe(403)
  })

  it("should hide another organisation's physical key (404) and refuse to remove it (403)", async () => {
    const ctx = testContext()
    const acme = await ctx.org()
    const globex = await ctx.org()
    const { userId } = await ctx.user()
    const added = await ctx.call('POST', `/users/${userId}/AddPhysicalKey`, { apiKey: acme.apiKey, body: { orgId: acme.orgId } })
    expect(added.status).toBe(200)
    expect((await ctx.call('GET', `/users/${userId}/PhysicalKeys/1`, { apiKey: globex.apiKey })).status).toBe(404)
    expect((await ctx.call('GET', `/users/${userId}/PhysicalKeys/1`, { apiKey: acme.apiKey })).status).toBe(200)
    const removed = await ctx.call('POST', `/users/${userId}/RemovePhysicalKey`, { apiKey: globex.apiKey, body: { number: 1 } })
    expect(removed.status).toBe(403)
  })
})

describe('server-set fields sent by a client', () => {
  it('should refuse _callerOrgId in a body with 400 and a details entry', async () => {
    const ctx = testContext()
    const { orgId, apiKey } = await ctx.org()
    const { userId } = await ctx.user()
    await ctx.call('POST', `/users/${userId}/AddPhysicalKey`, { apiKey, body: { orgId } })
    const res = await ctx.call('POST', `/users/${userId}/RemovePhysicalKey`, { apiKey, body: { number: 1, _callerOrgId: orgId } })
    expect(res.status).toBe(400)
    expect(res.json.details).toEqual([{ field: '_callerOrgId', message: 'Server-set field: clients must not send it' }])
    expect(ctx.eventsOf(`user-${userId}`).map((e) => e.type)).toEqual(['UserCreated', 'PhysicalKeyAdded'])
  })

  it('should refuse _callerOrgId in a query with 400 and a details entry', async () => {
    const ctx = testContext()
    const { orgId, apiKey } = await ctx.org()
    const { userId } = await ctx.user()
    await ctx.call('POST', `/users/${userId}/AddPhysicalKey`, { apiKey, body: { orgId } })
    const res = await ctx.call('GET', `/users/${userId}/PhysicalKeys/1?_callerOrgId=${orgId}`, { apiKey })
    expect(res.status).toBe(400)
    expect(res.json.details).toEqual([{ field: '_callerOrgId', message: 'Server-set field: clients must not send it' }])
  })
})
