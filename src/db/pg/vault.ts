// The PII and credential vaults on PostgreSQL, as ../vault.ts: raw phone numbers, e-mails set after creation and
// password hashes, never in the log. Writers take the command's transaction (applyVaultWrites, below), so the
// vault and its audit event commit together.
import type { VaultWrite } from '../../data/port'
import { Conflict } from '../../domain/errors'
import { copyEmailFromVault } from '../../projections/pg/users'
import { findUserByEmail } from '../../projections/pg/users-queries'
import type { Sql, Tx } from './connection'
import { users } from '../schema'
import { keyed } from './rows'

export async function writePhoneNumber(sql: Sql | Tx, userId: string, phoneNumber: string | null): Promise<void> {
  if (phoneNumber === null) {
    await sql`DELETE FROM user_phone_numbers WHERE user_id = ${userId}`
    return
  }
  await sql`
    INSERT INTO user_phone_numbers (user_id, phone_number) VALUES (${userId}, ${phoneNumber})
    ON CONFLICT (user_id) DO UPDATE SET phone_number = excluded.phone_number`
}

export async function phoneNumberOf(sql: Sql | Tx, userId: string): Promise<string | null> {
  const [row] = await sql<{ phone_number: string }[]>`SELECT phone_number FROM user_phone_numbers WHERE user_id = ${userId}`
  return row?.phone_number ?? null
}

// Exact match; several users may share a number (a family landline): the earliest-created one answers. Ids in code-unit
// order, as SQLite compares text.
export async function findUserByPhoneNumber(sql: Sql | Tx, phoneNumber: string) {
  const [row] = await sql<(Record<string, unknown> & { vault_phone_number: string })[]>`
    SELECT u.*, p.phone_number AS vault_phone_number FROM user_phone_numbers p JOIN users u ON u.user_id = p.user_id
    WHERE p.phone_number = ${phoneNumber}
    ORDER BY u.created_at COLLATE "C", u.user_id COLLATE "C" LIMIT 1`
  return row && { user: keyed(users, row), phoneNumber: row.vault_phone_number }
}

// Set once per user (UpdateEmail refuses a user who has an e-mail), unique across users.
export async function writeEmail(sql: Sql | Tx, userId: string, email: string): Promise<void> {
  await sql`INSERT INTO user_emails (user_id, email) VALUES (${userId}, ${email})`
}

export async function writePasswordHash(sql: Sql | Tx, userId: string, passwordHash: string, now: number): Promise<void> {
  await sql`
    INSERT INTO user_credentials (user_id, password_hash, updated_at) VALUES (${userId}, ${passwordHash}, ${now})
    ON CONFLICT (user_id) DO UPDATE SET password_hash = excluded.password_hash, updated_at = excluded.updated_at`
}

export async function passwordHashOf(sql: Sql | Tx, userId: string): Promise<string | null> {
  const [row] = await sql<{ password_hash: string }[]>`SELECT password_hash FROM user_credentials WHERE user_id = ${userId}`
  return row?.password_hash ?? null
}

// A command's writes beside its events (data/port.ts VaultWrite), in its transaction, as ../vault.ts applies them.
export async function applyVaultWrites(tx: Tx, writes: readonly VaultWrite[]): Promise<void> {
  for (const write of writes) {
    switch (write.kind) {
      case 'phone-number':
        await writePhoneNumber(tx, write.userId, write.phoneNumber)
        break
      case 'email': {
        const owner = await findUserByEmail(tx, write.email)
        if (owner && owner.userId !== write.userId) throw new Conflict('This email belongs to another user')
        await writeEmail(tx, write.userId, write.email)
        await copyEmailFromVault(tx, write.userId)
        break
      }
      case 'password-hash':
        await writePasswordHash(tx, write.userId, write.passwordHash, write.now)
        break
      case 'login-link':
        // Expired links are worthless: each issue sweeps them out.
        await tx`DELETE FROM login_links WHERE expires_at < ${write.now}`
        await tx`
          INSERT INTO login_links (token_hash, user_id, created_at, expires_at, used_at)
          VALUES (${write.tokenHash}, ${write.userId}, ${write.now}, ${write.expiresAt}, NULL)`
        break
    }
  }
}
