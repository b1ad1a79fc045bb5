// Read models of the user stream: users (profile), physical keys, accessible locks. The next key number lives in the
// user stream's state, where decisions read it: a copy in `users` would cost every add one more page to write.
import { and, eq, sql } from 'drizzle-orm'
import type { Db } from '../db/connection'
import { accessibleLocks, type PhysicalKeyRow, physicalKeys, users } from '../db/schema'
import type { UserEvent } from '../domain/user/events'
import type { Projection } from '../eventstore/projections'
import type { StoredEvent } from '../eventstore/types'
import { perDb } from './prepared'

// The projection's hot writes, plain bun:sqlite statements: they run inside the batch transaction for every command.
const writes = perDb((db) => ({
  addKey: db.$client.query<unknown, [string, number, string, string | null, string | null, number]>(
    'INSERT INTO physical_keys (user_id, number, org_id, org_name, note, added_at) VALUES (?, ?, ?, ?, ?, ?)',
  ),
  removeKey: db.$client.query<unknown, [string, number]>('DELETE FROM physical_keys WHERE user_id = ? AND number = ?'),
}))

const statements = perDb((db) => ({
  findUser: db.select().from(users).where(eq(users.userId, sql.placeholder('userId'))).prepare(),
  // Raw on purpose: the inventory list is a hot read, and drizzle's per-row mapping doubled its cost.
  keysOf: db.$client.query<PhysicalKeyRow, [string]>(
    'SELECT user_id AS userId, number, org_id AS orgId, org_name AS orgName, note, added_at AS addedAt ' +
      'FROM physical_keys WHERE user_id = ? ORDER BY number',
  ),
  // UserEmailUpdated carries a masked address only: the raw one is in the vault (written by the same command).
  copyEmail: db.$client.query<unknown, [string, string]>(
    'UPDATE users SET email = COALESCE((SELECT email FROM user_emails WHERE user_id = ?), email) WHERE user_id = ?',
  ),
  keyOf: db
    .select()
    .from(physicalKeys)
    .where(and(eq(physicalKeys.userId, sql.placeholder('userId')), eq(physicalKeys.number, sql.placeholder('number'))))
    .prepare(),
}))

function apply(db: Db, stored: StoredEvent): void {
  const event = stored as StoredEvent<UserEvent>
  switch (event.type) {
    case 'UserCreated': {
      const { userId, email, firstName, lastName, status } = event.data
      const createdAt = new Date(event.createdAt).toISOString()
      db.insert(users)
        .values({ userId, email, firstName: firstName ?? null, lastName: lastName ?? null, status, createdAt })
        .run()
      return
    }
    case 'PhysicalKeyAdded': {
      const { userId, number, orgId, orgName, note, addedAt } = event.data
      writes(db).addKey.run(userId, number, orgId, orgName ?? null, note ?? null, addedAt)
      return
    }
    case 'PhysicalKeyRemoved':
      writes(db).removeKey.run(event.data.userId, event.data.number)
      return
    case 'AccessibleLockAdded': {
      const { userId, lockId, lockName, accessLevel, grantedBy, validFrom, validUntil, grantedAt } = event.data
      const row = { lockName, accessLevel, grantedBy, validFrom: validFrom ?? null, validUntil: validUntil ?? null, grantedAt }
      db.insert(accessibleLocks)
        .values({ userId, lockId, ...row })
        .onConflictDoUpdate({ target: [accessibleLocks.userId, accessibleLocks.lockId], set: row })
        .run()
      return
    }
    case 'AccessibleLockRemoved':
      db.delete(accessibleLocks)
        .where(and(eq(accessibleLocks.userId, event.data.userId), eq(accessibleLocks.lockId, event.data.lockId)))
        .run()
      return
    case 'UserEmailUpdated':
      copyEmailFromVault(db, event.data.userId)
      return
    case 'UserPhoneNumberUpdated':
    case 'UserPasswordChanged':
      return
  }
}

// Also run by UpdateEmail after it wrote the vault: inside the append the vault row is not there yet.
export function copyEmailFromVault(db: Db, userId: string): void {
  statements(db).copyEmail.run(userId, userId)
}

export const usersProjection: Projection = {
  name: 'users',
  tables: ['users', 'physical_keys', 'accessible_locks'],
  apply,
}

export function findUser(db: Db, userId: string) {
  return statements(db).findUser.get({ userId })
}

export type PhysicalKeyFilter = { orgIds: string[] | null; orgId?: string; orgName?: string; q?: string }

const PHYSICAL_KEYS_CAP = 100

// Filters AND-ed; q is a case-insensitive substring of the note (Unicode-aware, hence in JS); total before the cap.
export function listPhysicalKeys(db: Db, userId: string, filter: PhysicalKeyFilter) {
  const needle = filter.q?.toLowerCase()
  const matches = statements(db)
    .keysOf.all(userId)
    .filter(
      (key) =>
        (filter.orgIds === null || filter.orgIds.includes(key.orgId)) &&
        (filter.orgId === undefined || key.orgId === filter.orgId) &&
        (filter.orgName === undefined || key.orgName === filter.orgName) &&
        (needle === undefined || (key.note ?? '').toLowerCase().includes(needle)),
    )
  return { keys: matches.slice(0, PHYSICAL_KEYS_CAP), total: matches.length }
}

export function getPhysicalKey(db: Db, userId: string, number: number) {
  return statements(db).keyOf.get({ userId, number })
}

// E-mails are matched as stored, then lower-cased (how spkey stores the ones it creates).
export function findUserByEmail(db: Db, email: string) {
  const exact = db.select().from(users).where(eq(users.email, email)).get()
  return exact ?? db.select().from(users).where(eq(users.email, email.toLowerCase())).get()
}

export function listAccessibleLocks(db: Db, userId: string) {
  return db
    .select()
    .from(accessibleLocks)
    .where(eq(accessibleLocks.userId, userId))
    .orderBy(accessibleLocks.grantedAt, accessibleLocks.lockId)
    .all()
}
