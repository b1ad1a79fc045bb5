// Site administrators, and the one-time setup link that makes the first: while no administrator exists, each server
// start (and the CLI's `setup-link`) mints a new token, keeps only its SHA-256 in the settings table (replacing any
// earlier one) and shows the link once. Creating the administrator spends it in one atomic DELETE, so two submits (or
// two processes) can never both make one.
import { and, eq, sql } from 'drizzle-orm'
import type { Db } from '../db/connection'
import { settings, siteAdmins } from '../db/schema'
import { sha256Hex } from '../secrets'
import { setupPath } from '../../views/paths'

const SETUP_TOKEN_KEY = 'setup_token_hash'
const TOKEN = /^[A-Za-z0-9_-]{43}$/

export const hasSiteAdmin = (db: Db): boolean => db.select({ n: sql<number>`count(*)` }).from(siteAdmins).get()?.n !== 0

export const isSiteAdmin = (db: Db, userId: string): boolean =>
  db.select({ userId: siteAdmins.userId }).from(siteAdmins).where(eq(siteAdmins.userId, userId)).get() !== undefined

export function addSiteAdmin(db: Db, userId: string, now: number): void {
  db.insert(siteAdmins).values({ userId, addedAt: now }).onConflictDoNothing().run()
}

// A fresh token (32 random bytes, base64url) whose hash replaces the last one; null once an administrator exists.
export function mintSetupToken(db: Db): string | null {
  if (hasSiteAdmin(db)) return null
  const token = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')
  const tokenHash = sha256Hex(token)
  db.insert(settings)
    .values({ key: SETUP_TOKEN_KEY, value: tokenHash })
    .onConflictDoUpdate({ target: settings.key, set: { value: tokenHash } })
    .run()
  return token
}

const matches = (token: string) => and(eq(settings.key, SETUP_TOKEN_KEY), eq(settings.value, sha256Hex(token)))

// Whether the link would still make the first administrator, without spending it.
export function isSetupTokenUsable(db: Db, token: string): boolean {
  return TOKEN.test(token) && !hasSiteAdmin(db) && db.select({ key: settings.key }).from(settings).where(matches(token)).get() !== undefined
}

// Spends the token: true the first time only.
export function claimSetupToken(db: Db, token: string): boolean {
  if (!TOKEN.test(token) || hasSiteAdmin(db)) return false
  return db.delete(settings).where(matches(token)).returning({ key: settings.key }).get() !== undefined
}

// Puts a claimed token back when making the administrator failed after the claim (nothing was made).
export function restoreSetupToken(db: Db, token: string): void {
  if (hasSiteAdmin(db)) return
  db.insert(settings)
    .values({ key: SETUP_TOKEN_KEY, value: sha256Hex(token) })
    .onConflictDoNothing()
    .run()
}

export const setupUrl = (publicUrl: string, token: string) => `${publicUrl}${setupPath(token)}`
