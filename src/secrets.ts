// Server secrets generated on first start and kept in the settings table (env values win when set).
import { eq } from 'drizzle-orm'
import type { Config } from './config'
import type { Db } from './db/connection'
import { settings } from './db/schema'

export type Secrets = { jwtSecret: string; adminKeyHash: string; signupHookSecret: string; csrfSecret: string; pinSecret: string }

export type FirstStart = { adminApiKey?: string; signupHookSecret?: string }

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'

// Unbiased: bytes >= 248 are redrawn so every one of the 62 characters is equally likely.
export function randomAlphanumeric(length: number): string {
  let out = ''
  while (out.length < length) {
    for (const byte of crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (byte < 248 && out.length < length) out += ALPHANUMERIC[byte % 62]
    }
  }
  return out
}

export function sha256Hex(value: string): string {
  return Bun.SHA256.hash(value, 'hex')
}

export const randomSecret = () => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')

function getOrCreate(db: Db, key: string, create: () => string): { value: string; created: boolean } {
  const existing = db.select().from(settings).where(eq(settings.key, key)).get()
  if (existing) return { value: existing.value, created: false }
  const value = create()
  db.insert(settings).values({ key, value }).onConflictDoNothing().run()
  const stored = db.select().from(settings).where(eq(settings.key, key)).get()
  return { value: stored?.value ?? value, created: stored?.value === value }
}

// Returns the secrets and, on the very first start, the plaintext values to show once.
export function loadSecrets(db: Db, config: Config): { secrets: Secrets; firstStart: FirstStart } {
  const firstStart: FirstStart = {}
  const jwt = config.jwtSecret ?? getOrCreate(db, 'jwt_secret', randomSecret).value
  let adminPlain: string | undefined
  const admin = config.adminApiKey
    ? sha256Hex(config.adminApiKey)
    : getOrCreate(db, 'admin_key_hash', () => sha256Hex((adminPlain = randomAlphanumeric(40))))
  const adminKeyHash = typeof admin === 'string' ? admin : admin.value
  if (typeof admin !== 'string' && admin.created && adminPlain) firstStart.adminApiKey = adminPlain
  const hook = config.signupHookSecret
    ? { value: config.signupHookSecret, created: false }
    : getOrCreate(db, 'signup_hook_secret', randomSecret)
  if (hook.created) firstStart.signupHookSecret = hook.value
  const csrfSecret = getOrCreate(db, 'csrf_secret', randomSecret).value
  // Keys the temp-key PINs' hashes: kept in the database unless PIN_SECRET is set, which keeps a copied database file
  // from revealing the PINs (a million guesses against a known key are no work).
  const pinSecret = config.pinSecret ?? getOrCreate(db, 'pin_secret', randomSecret).value
  return { secrets: { jwtSecret: jwt, adminKeyHash, signupHookSecret: hook.value, csrfSecret, pinSecret }, firstStart }
}
