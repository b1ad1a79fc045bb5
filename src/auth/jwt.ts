// JWTs: spkey's own HS256 tokens signed and verified by @elysiajs/jwt (issuer/audience/expiry checked), and optionally
// an external issuer's RS256/ES256/EdDSA tokens via JWKS or a public key, which jose verifies (the plugin checks
// against its one secret, not a key set). `alg: none` and unexpected algorithms never verify, nor do signed-out
// (revoked) sessions.
import { createPublicKey, type KeyObject } from 'node:crypto'
import { jwt } from '@elysiajs/jwt'
import { t } from 'elysia'
import { createRemoteJWKSet, decodeProtectedHeader, type JWTPayload, jwtVerify } from 'jose'

export type JwtOptions = {
  secret: string
  issuer: string
  audience: string
  jwksUrl?: string
  publicKey?: string
  externalIssuer?: string
  externalAudience?: string
  // Signed-out sessions (auth/sessions.ts): consulted on every verify, before the cache, so a revoked token fails on
  // the very next request even if it was verified moments ago.
  isRevoked?: (token: string) => boolean | Promise<boolean>
}

// verifiedEmail: only on an external provider's tokens, the address it vouches for (`email` with `email_verified:
// true`), else null; spkey's own tokens carry none, as spkey itself knows its users' addresses.
export type VerifiedToken = { userId: string; exp: number; verifiedEmail?: string | null }

const OWN_ALGORITHM = 'HS256'
const EXTERNAL_ALGORITHMS = ['RS256', 'ES256', 'EdDSA']
// What verification reads from spkey's own tokens: the plugin refuses one without them.
const OwnClaims = t.Object({ sub: t.String(), exp: t.Number() })
const CACHE_LIMIT = 10_000

export type JwtService = {
  sign: (userId: string, ttlSeconds: number, claims?: { jti?: string }) => Promise<string>
  verify: (token: string) => Promise<VerifiedToken | null>
}

// JWT_PUBLIC_KEY, imported once at start with the one algorithm its type allows: a token's own `alg` never picks how
// the key is read, and a key spkey cannot use stops the start instead of failing every token later.
export function externalPublicKey(pem: string): { key: KeyObject; algorithm: string } {
  const key = createPublicKey(pem)
  const type = key.asymmetricKeyType
  if (type === 'rsa') return { key, algorithm: 'RS256' }
  if (type === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return { key, algorithm: 'ES256' }
  if (type === 'ed25519') return { key, algorithm: 'EdDSA' }
  throw new Error(`JWT_PUBLIC_KEY must be an RSA, P-256 or Ed25519 public key (RS256, ES256, EdDSA), got ${type ?? 'unknown'}`)
}

const verifiedEmailOf = (payload: JWTPayload): string | null =>
  payload.email_verified === true && typeof payload.email === 'string' ? payload.email.trim().toLowerCase() : null

export function createJwtService(options: JwtOptions): JwtService {
  // The plugin's decorator, built once and reached through deps rather than mounted on the app: the CLI and the hot
  // reads answered before Elysia must sign and verify with the very same one.
  const own = jwt({
    name: 'ownTokens',
    secret: options.secret,
    alg: OWN_ALGORITHM,
    iss: options.issuer,
    aud: options.audience,
    schema: OwnClaims,
  }).decorator.ownTokens
  const ownChecks = { algorithms: [OWN_ALGORITHM], issuer: options.issuer, audience: options.audience }
  const jwks = options.jwksUrl ? createRemoteJWKSet(new URL(options.jwksUrl)) : undefined
  const publicKey = options.publicKey ? externalPublicKey(options.publicKey) : undefined
  // Verified tokens by their exact text: verification is the hot path of every B2C request.
  const cache = new Map<string, VerifiedToken>()

  const external = async (token: string, alg: string): Promise<JWTPayload | null> => {
    if (!EXTERNAL_ALGORITHMS.includes(alg)) return null
    const checks = {
      algorithms: EXTERNAL_ALGORITHMS,
      ...(options.externalIssuer ? { issuer: options.externalIssuer } : {}),
      ...(options.externalAudience ? { audience: options.externalAudience } : {}),
    }
    if (jwks) return (await jwtVerify(token, jwks, checks)).payload
    if (publicKey) return (await jwtVerify(token, publicKey.key, { ...checks, algorithms: [publicKey.algorithm] })).payload
    return null
  }

  // The one place a token's path is chosen, by its header: spkey signs nothing but HS256, and an external provider's
  // token must never be checked against spkey's secret.
  const verifyPayload = async (token: string): Promise<{ payload: JWTPayload | null; own: boolean }> => {
    const { alg } = decodeProtectedHeader(token)
    if (alg === OWN_ALGORITHM) return { payload: (await own.verify(token, ownChecks)) || null, own: true }
    return { payload: await external(token, alg ?? ''), own: false }
  }

  return {
    sign: (userId, ttlSeconds, claims = {}) => own.sign({ ...claims, sub: userId, exp: `${ttlSeconds}s` }),

    async verify(token) {
      if (await options.isRevoked?.(token)) return null
      const cached = cache.get(token)
      if (cached) {
        if (cached.exp * 1000 > Date.now()) return cached
        cache.delete(token)
      }
      try {
        const { payload, own: isOwn } = await verifyPayload(token)
        if (!payload || typeof payload.sub !== 'string' || typeof payload.exp !== 'number') return null
        const claims = isOwn ? {} : { verifiedEmail: verifiedEmailOf(payload) }
        const verified: VerifiedToken = { userId: payload.sub, exp: payload.exp, ...claims }
        if (cache.size >= CACHE_LIMIT) cache.clear()
        cache.set(token, verified)
        return verified
      } catch {
        return null
      }
    },
  }
}
