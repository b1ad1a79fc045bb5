// Site administrators and the one-time setup link on PostgreSQL, as ../../auth/site-admins.ts: the token's hash in
// settings, spent by one DELETE ... RETURNING, which a racing process's DELETE of the same row waits behind and then
// finds gone, so of two processes only one makes the first administrator.
import { sha256Hex } from '../../secrets'
import type { Sql, Tx } from './connection'

const SETUP_TOKEN_KEY = 'setup_token_hash'
const TOKEN = /^[A-Za-z0-9_-]{43}$/

export async function hasSiteAdmin(sql: Sql | Tx): Promise<boolean> {
  const [row] = await sql<{ any: boolean }[]>`SELECT EXISTS (SELECT 1 FROM site_admins) AS any`
  return row?.any === true
}

export async function isSiteAdmin(sql: Sql | Tx, userId: string): Promise<boolean> {
  const rows = await sql`SELECT 1 FROM site_admins WHERE user_id = ${userId}`
  return rows.length > 0
}

export async function addSiteAdmin(sql: Sql | Tx, userId: string, now: number): Promise<void> {
  await sql`INSERT INTO site_admins (user_id, added_at) VALUES (${userId}, ${now}) ON CONFLICT (user_id) DO NOTHING`
}

// A fresh token (32 random bytes, base64url) whose hash replaces the last one; null once an administrator exists.
export async function mintSetupToken(sql: Sql | Tx): Promise<string | null> {
  if (await hasSiteAdmin(sql)) return null
  const token = Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')
  const tokenHash = sha256Hex(token)
  await sql`
    INSERT INTO settings (key, value) VALUES (${SETUP_TOKEN_KEY}, ${tokenHash})
    ON CONFLICT (key) DO UPDATE SET value = excluded.value`
  return token
}

// Whether the link would still make the first administrator, without spending it.
export async function isSetupTokenUsable(sql: Sql | Tx, token: string): Promise<boolean> {
  if (!TOKEN.test(token) || (await hasSiteAdmin(sql))) return false
  const rows = await sql`SELECT 1 FROM settings WHERE key = ${SETUP_TOKEN_KEY} AND value = ${sha256Hex(token)}`
  return rows.length > 0
}

// Spends the token: true the first time only, in whichever process asks first.
export async function claimSetupToken(sql: Sql | Tx, token: string): Promise<boolean> {
  if (!TOKEN.test(token) || (await hasSiteAdmin(sql))) return false
  const spent = await sql`DELETE FROM settings WHERE key = ${SETUP_TOKEN_KEY} AND value = ${sha256Hex(token)} RETURNING key`
  return spent.length > 0
}

// Puts a claimed token back when making the administrator failed after the claim (nothing was made).
export async function restoreSetupToken(sql: Sql | Tx, token: string): Promise<void> {
  if (await hasSiteAdmin(sql)) return
  await sql`INSERT INTO settings (key, value) VALUES (${SETUP_TOKEN_KEY}, ${sha256Hex(token)}) ON CONFLICT (key) DO NOTHING`
}
