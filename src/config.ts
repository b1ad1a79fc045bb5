// The only reader of process.env: environment -> typed configuration with the embedded defaults.
export type Config = {
  port: number
  host: string
  databasePath: string
  publicUrl: string
  jwtSecret: string | undefined
  jwtIssuer: string
  jwtAudience: string
  jwtJwksUrl: string | undefined
  jwtPublicKey: string | undefined
  jwtExternalIssuer: string | undefined
  jwtExternalAudience: string | undefined
  adminApiKey: string | undefined
  signupHookSecret: string | undefined
  snapshotEvery: number
  logLevel: LogLevel
  lockDriver: 'simulated' | 'http' | 'mqtt'
  maxBodyBytes: number
  trustProxy: boolean
  shutdownGraceMs: number
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent'

const LOG_LEVELS: LogLevel[] = ['debug', 'info', 'warn', 'error', 'silent']
const DRIVERS = ['simulated', 'http', 'mqtt'] as const

type Env = Record<string, string | undefined>

function int(env: Env, name: string, fallback: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`)
  return value
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const found = allowed.find((value) => value === raw)
  if (!found) throw new Error(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`)
  return found
}

export function loadConfig(env: Env = process.env): Config {
  const port = int(env, 'PORT', 3000)
  const host = env.HOST || '0.0.0.0'
  return {
    port,
    host,
    databasePath: env.DATABASE_PATH || './data/spkey.db',
    publicUrl: (env.PUBLIC_URL || `http://localhost:${port}`).replace(/\/$/, ''),
    jwtSecret: env.JWT_SECRET || undefined,
    jwtIssuer: env.JWT_ISSUER || 'spkey',
    jwtAudience: env.JWT_AUDIENCE || 'spkey',
    jwtJwksUrl: env.JWT_JWKS_URL || undefined,
    jwtPublicKey: env.JWT_PUBLIC_KEY || undefined,
    jwtExternalIssuer: env.JWT_EXTERNAL_ISSUER || undefined,
    jwtExternalAudience: env.JWT_EXTERNAL_AUDIENCE || undefined,
    adminApiKey: env.ADMIN_API_KEY || undefined,
    signupHookSecret: env.SIGNUP_HOOK_SECRET || undefined,
    snapshotEvery: int(env, 'SNAPSHOT_EVERY', 100) || 100,
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    lockDriver: oneOf(env, 'LOCK_DRIVER', DRIVERS, 'simulated'),
    maxBodyBytes: int(env, 'MAX_BODY_BYTES', 64 * 1024),
    trustProxy: env.TRUST_PROXY === 'true',
    shutdownGraceMs: int(env, 'SHUTDOWN_GRACE_MS', 10_000),
  }
}
