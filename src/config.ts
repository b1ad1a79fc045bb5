// The only reader of process.env: environment -> typed configuration with the embedded defaults.
export type Config = {
  port: number
  host: string
  databasePath: string
  // PostgreSQL instead of the SQLite file at databasePath when set.
  databaseUrl: string | null
  // PostgreSQL connections for this process's queries; door locks and the webhook lease have a pool of this size beside it.
  pgPoolSize: number
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
  // Lock drivers: the simulated door always exists; http needs the bridge secret, mqtt the broker URL.
  bridgeSecret: string | undefined
  mqttUrl: string | undefined
  mqttPrefix: string
  driverTimeoutMs: number
  simulatedDelayMs: number
  // BulkAddKeys: the pause between its device commands (docs: "a 1-second delay between commands") and between the
  // attempts at one key, and how many attempts a key gets before the run records it failed and goes on.
  bulkAddKeysIntervalMs: number
  bulkAddKeysAttempts: number
  maxBodyBytes: number
  // How many reverse proxies in front append to X-Forwarded-For (0 = the header is ignored): the client is the entry
  // the outermost of them appended, counted from the right, since everything left of it the client could have sent.
  trustedProxyHops: number
  shutdownGraceMs: number
  // Temp-key opens per minute, per client IP and per key (0 = no limit): guessing and hammering get 429.
  openRateLimitPerIp: number
  openRateLimitPerKey: number
  // Entrance-panel PINs of temp keys: off answers 503 to open-with-pin and to creating a key with a code door.
  pinAccess: boolean
  // The HMAC secret of the PINs' hashes; generated and kept in the database when unset.
  pinSecret: string | undefined
  // Partner webhooks: per-request timeout, retry delays after the first attempt, disable after failing this long,
  // and whether plain-HTTP endpoints are accepted (true suits self-hosting on a LAN; set false to require HTTPS).
  webhookTimeoutMs: number
  webhookRetryScheduleMs: number[]
  webhookDisableAfterMs: number
  webhookAllowHttp: boolean
  // After a secret rotation, deliveries are also signed with the old secret for this long (0 = the old one stops at once).
  webhookSecretOverlapMs: number
  // Whether webhook URLs may reach loopback, private (RFC 1918), link-local, unique-local, CGNAT or multicast
  // addresses (SSRF guard); true only for sites whose partner endpoint really is on their own network.
  webhookAllowPrivateTargets: boolean
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

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

// "250ms", "5s", "30m", "2h", "5d"; a bare number is milliseconds.
export function parseDuration(raw: string): number | null {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(raw)
  if (!match) return null
  return Math.round(Number(match[1]) * (UNIT_MS[match[2] ?? 'ms'] ?? 1))
}

function duration(env: Env, name: string, fallback: string): number {
  const raw = env[name] || fallback
  const value = parseDuration(raw)
  if (value === null) throw new Error(`${name} must be a duration like 15s, 5m or 2h, got "${raw}"`)
  return value
}

function durations(env: Env, name: string, fallback: string): number[] {
  const raw = env[name] || fallback
  const values = raw.split(',').map(parseDuration)
  const valid = values.filter((value): value is number => value !== null)
  if (valid.length !== values.length) throw new Error(`${name} must be a comma-separated list of durations, got "${raw}"`)
  return valid
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (raw === 'true' || raw === '1') return true
  if (raw === 'false' || raw === '0') return false
  throw new Error(`${name} must be true or false, got "${raw}"`)
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const found = allowed.find((value) => value === raw)
  if (!found) throw new Error(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`)
  return found
}

// The default driver must be one this server can build: refuse to start rather than fail every open.
function lockDriver(env: Env): Config['lockDriver'] {
  const kind = oneOf(env, 'LOCK_DRIVER', DRIVERS, 'simulated')
  if (kind === 'http' && !env.BRIDGE_SECRET)
    throw new Error('LOCK_DRIVER=http needs BRIDGE_SECRET (the HMAC secret shared with the bridges)')
  if (kind === 'mqtt' && !env.MQTT_URL) throw new Error('LOCK_DRIVER=mqtt needs MQTT_URL (e.g. mqtt://127.0.0.1:1883)')
  return kind
}

// DATABASE_URL selects PostgreSQL (several processes on one database); without it spkey keeps its SQLite file. A URL
// of another scheme is refused rather than quietly ignored in favour of a file the operator did not choose.
function databaseUrl(env: Env): string | null {
  const url = env.DATABASE_URL?.trim()
  if (!url) return null
  if (!/^postgres(ql)?:\/\//.test(url)) throw new Error('DATABASE_URL must be a PostgreSQL URL (postgres://user:password@host:5432/db)')
  return url
}

export function loadConfig(env: Env = process.env): Config {
  const port = int(env, 'PORT', 3000)
  const host = env.HOST || '0.0.0.0'
  return {
    port,
    host,
    databasePath: env.DATABASE_PATH || './data/spkey.db',
    databaseUrl: databaseUrl(env),
    pgPoolSize: int(env, 'PG_POOL_SIZE', 20),
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
    lockDriver: lockDriver(env),
    bridgeSecret: env.BRIDGE_SECRET || undefined,
    mqttUrl: env.MQTT_URL || undefined,
    mqttPrefix: env.MQTT_PREFIX || 'spkey',
    driverTimeoutMs: int(env, 'DRIVER_TIMEOUT_MS', 5000) || 5000,
    simulatedDelayMs: int(env, 'SIMULATED_DELAY_MS', 0),
    bulkAddKeysIntervalMs: int(env, 'BULK_ADD_KEYS_INTERVAL_MS', 1000),
    bulkAddKeysAttempts: int(env, 'BULK_ADD_KEYS_ATTEMPTS', 3) || 3,
    maxBodyBytes: int(env, 'MAX_BODY_BYTES', 64 * 1024),
    trustedProxyHops: env.TRUST_PROXY === 'true' ? int(env, 'TRUST_PROXY_HOPS', 1) || 1 : 0,
    shutdownGraceMs: int(env, 'SHUTDOWN_GRACE_MS', 10_000),
    openRateLimitPerIp: int(env, 'OPEN_RATE_LIMIT_PER_IP', 30),
    openRateLimitPerKey: int(env, 'OPEN_RATE_LIMIT_PER_KEY', 60),
    pinAccess: oneOf(env, 'PIN_ACCESS', ['on', 'off'] as const, 'on') === 'on',
    pinSecret: env.PIN_SECRET || undefined,
    webhookTimeoutMs: duration(env, 'WEBHOOK_TIMEOUT_MS', '15000'),
    webhookRetryScheduleMs: durations(env, 'WEBHOOK_RETRY_SCHEDULE', '5s,5m,30m,2h,5h,10h,10h'),
    webhookDisableAfterMs: duration(env, 'WEBHOOK_DISABLE_AFTER', '5d'),
    webhookAllowHttp: bool(env, 'WEBHOOK_ALLOW_HTTP', true),
    webhookSecretOverlapMs: duration(env, 'WEBHOOK_SECRET_OVERLAP', '24h'),
    webhookAllowPrivateTargets: bool(env, 'WEBHOOK_ALLOW_PRIVATE_TARGETS', false),
  }
}
