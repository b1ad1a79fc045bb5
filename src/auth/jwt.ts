// JWTs: spkey's own HS256 tokens (issuer/audience/expiry checked), and optionally an external issuer's
// RS256/ES256/EdDSA tokens via JWKS or a public key. `alg: none` and unexpected algorithms never verify, nor do
// signed-out (revoked) sessions.
import {
  type CryptoKey,
  createRemoteJWKSet,
  decodeProtectedHeader,
  importSPKI,
  type JWTPayload,
  jwtVerify,
  SignJWT,
} from 'jose'

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
  isRevoked?: (token: string) => boolean
}

export type VerifiedToken = { userId: string; exp: number }

const EXTERNAL_ALGORITHMS = ['RS256', 'ES256', 'EdDSA']
const CACHE_LIMIT = 10_000

export type JwtService = {
  sign: (userId: string, ttlSeconds: number, extra?: Record<string, unknown>) => Promise<string>
  verify: (token: string) => Promise<VerifiedToken | null>
}

export function createJwtService(options: JwtOptions): JwtService {
  const key = new TextEncoder().encode(options.secret)
  const jwks = options.jwksUrl ? createRemoteJWKSet(new URL(options.jwksUrl)) : undefined
  let publicKey: Promise<CryptoKey> | undefined
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
    if (options.publicKey) {
      publicKey ??= importSPKI(options.publicKey, alg)
      return (await jwtVerify(token, await publicKey, checks)).payload
    }
    return null
  }

  return {
    sign: (userId, ttlSeconds, extra = {}) =>
      new SignJWT(extra)
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(userId)
        .setIssuer(options.issuer)
        .setAudience(options.audience)
        .setIssuedAt()
        .setExpirationTime(`${ttlSeconds}s`)
        .sign(key),

    async verify(token) {
      if (options.isRevoked?.(token)) return null
      const cached = cache.get(token)
      if (cached) {
        if (cached.exp * 1000 > Date.now()) return cached
        cache.delete(token)
      }
      try {
        const { alg } = decodeProtectedHeader(token)
        const payload =
          alg === 'HS256'
            ? (await jwtVerify(token, key, { algorithms: ['HS256'], issuer: options.issuer, audience: options.audience }))
                .payload
            : await external(token, alg ?? '')
        if (!payload || typeof payload.sub !== 'string' || typeof payload.exp !== 'number') return null
        const verified = { userId: payload.sub, exp: payload.exp }
        if (cache.size >= CACHE_LIMIT) cache.clear()
        cache.set(token, verified)
        return verified
      } catch {
        return null
      }
    },
  }
}
