// Read models of the user stream: users (profile), physical keys, accessible locks. The next key number lives in the
// user stream's state, where decisions read it: a copy in `users` would cost every add one more page to write.
import { and, eq, sql } from 'drizzle-orm'
import type { Db } from '../db/connection'
import { accessibleLocks, type PhysicalKeyRow, physicalKeys, users } from '../db/schema'
import type { UserEvent } from '../domain/user/events'
import type { Projection } from '../eventstore/projections'
import type { StoredEvent } from '../eventstore/types'
import { perDb } from './prepared'
import type { EntityReader } from '../eventstore/store'
import { physicalKeyEntities } from '../domain/user/decide'
import { accessibleLockRow, physicalKeyRow, userRow } from './rows'

// The projection's hot writes, plain bun:sqlite statements: they run inside the batch transaction for every command.
const writes = perDb((db) => ({
  addKey: db.$client.query<unknown, [string, number, string, string | null, string | null, number]>(
    'INSERT INTO physical_keys (user_id, number, org_id, org_name, note, added_at) VALUES (?, ?, ?, ?, ?, ?)',
  ),
  removeKey: db.$client.query<unknown, [string, number]>('DELETE FROM physical_keys WHERE user_id = ? AND number = ?'),
}))

const statements = perDb((db) => ({
  findUser: db
    .select()
    .from(users)
    .where(eq(users.userId, sql.placeholder('userId')))
    .prepare(),
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

// Raw on purpose: the inventory list is a hot read, and drizzle's per-row mapping doubled its cost.
const KEY_COLUMNS = 'user_id AS userId, number, org_id AS orgId, org_name AS orgName, note, added_at AS addedAt'

function apply(db: Db, stored: StoredEvent): void {
  const event = stored as StoredEvent<UserEvent>
  switch (event.type) {
    case 'UserCreated':
      db.insert(users).values(userRow(event)).run()
      return
    case 'PhysicalKeyAdded': {
      const { userId, number, orgId, orgName, note, addedAt } = physicalKeyRow(event.data)
      writes(db).addKey.run(userId, number, orgId, orgName, note, addedAt)
      return
    }
    case 'PhysicalKeyRemoved':
      writes(db).removeKey.run(event.data.userId, event.data.number)
      return
    case 'AccessibleLockAdded': {
      const { userId, lockId, ...grant } = accessibleLockRow(event.data)
      db.insert(accessibleLocks)
        .values({ userId, lockId, ...grant })
        .onConflictDoUpdate({ target: [accessibleLocks.userId, accessibleLocks.lockId], set: grant })
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
    case 'LoginLinkIssued':
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
// after: the number the previous page ended with (null: from the start).
export type PhysicalKeyPageQuery = { after: number | null; limit: number }

// The docs' cap, and the largest page.
export const PHYSICAL_KEYS_CAP = 100

// A LIKE pattern SQLite can check for q, whose ASCII case-folding is all SQLite knows. `exact`: it admits exactly the
// notes whose toLowerCase() contains q's, as when q is ASCII without i or k (only İ and the Kelvin sign lower-case
// into ASCII, to i and k). Otherwise i, k and every non-ASCII character become `_` (one character): the pattern
// still admits every match, and code decides. A combining dot above (İ lower-cases into two characters) gets none.
export function notePattern(needle: string): { pattern: string; exact: boolean } | null {
  if (needle.includes('\u0307')) return null
  let exact = true
  const body = [...needle].map((ch) => {
    if (ch.charCodeAt(0) < 128 && ch !== 'i' && ch !== 'k') return ch === '%' || ch === '_' || ch === '\\' ? `\\${ch}` : ch
    exact = false
    return '_'
  })
  return { pattern: `%${body.join('')}%`, exact }
}

type Binding = string | number

// The statements of an inventory read. `exact`: SQL alone decides (count and page); otherwise `candidates` (by number)
// are the keys that may match, and code checks q on each.
export function inventorySql(userId: string, filter: PhysicalKeyFilter) {
  const where: string[] = []
  const args: Binding[] = []
  const and = (condition: string, ...values: Binding[]) => {
    where.push(condition)
    args.push(...values)
  }
  and('user_id = ?', userId)
  if (filter.orgIds !== null) and(`org_id IN (${filter.orgIds.map(() => '?').join(', ')})`, ...filter.orgIds)
  if (filter.orgId !== undefined) and('org_id = ?', filter.orgId)
  if (filter.orgName !== undefined) and('org_name = ?', filter.orgName)
  // An empty q matches every key, as ''.includes('') does.
  const needle = filter.q ? filter.q.toLowerCase() : null
  const like = needle === null ? null : notePattern(needle)
  if (needle !== null) and('note IS NOT NULL')
  if (like !== null) and("note LIKE ? ESCAPE '\\'", like.pattern)
  const matching = `FROM physical_keys WHERE ${where.join(' AND ')}`
  return {
    args,
    needle,
    exact: needle === null || like?.exact === true,
    count: `SELECT count(*) AS n ${matching}`,
    // then: after, limit + 1
    page: `SELECT ${KEY_COLUMNS} ${matching} AND number > ? ORDER BY number LIMIT ?`,
    candidates: `SELECT ${KEY_COLUMNS} ${matching} ORDER BY number`,
  }
}

// Filters AND-ed, by number, a page after `after`, total counting every match; over the primary key or
// physical_keys_user_org. q is a case-insensitive substring of the note (Unicode-aware, as toLowerCase).
export function listPhysicalKeys(
  db: Db,
  userId: string,
  filter: PhysicalKeyFilter,
  page: PhysicalKeyPageQuery = { after: null, limit: PHYSICAL_KEYS_CAP },
) {
  const sql = inventorySql(userId, filter)
  const after = page.after ?? 0
  let total = 0
  let rows: PhysicalKeyRow[] = []
  if (sql.exact || sql.needle === null) {
    total = db.$client.query<{ n: number }, Binding[]>(sql.count).get(...sql.args)?.n ?? 0
    rows = db.$client.query<PhysicalKeyRow, Binding[]>(sql.page).all(...sql.args, after, page.limit + 1)
  } else {
    for (const key of db.$client.query<PhysicalKeyRow, Binding[]>(sql.candidates).iterate(...sql.args)) {
      if (!(key.note ?? '').toLowerCase().includes(sql.needle)) continue
      total++
      if (key.number > after && rows.length <= page.limit) rows.push(key)
    }
  }
  const keys = rows.slice(0, page.limit)
  return { keys, total, next: rows.length > page.limit ? (keys.at(-1)?.number ?? null) : null }
}

export function getPhysicalKey(db: Db, userId: string, number: number) {
  return statements(db).keyOf.get({ userId, number })
}

// What RemovePhysicalKey decides on (the key's issuer), read from this model's own row inside the append's transaction:
// the row is written with every PhysicalKeyAdded and deleted with every PhysicalKeyRemoved, exactly the key's decision
// state. A decision row beside it cost a second write per key (AddPhysicalKey for 10,000 users: 7,000 -> 10,100 req/s
// without it in the same bench).
export const physicalKeyDecisions =
  (db: Db): EntityReader =>
  (streamId, entityId) => {
    const key = getPhysicalKey(db, streamId.slice(physicalKeyEntities.streamPrefix.length), Number(entityId))
    return key ? { orgId: key.orgId } : null
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

// One row of the key desk's list: a key the org handed out, with its holder's e-mail.
export type IssuedKeyRow = { userId: string; number: number; email: string | null; note: string | null; addedAt: number }
// Where a page of the desk's list ends: the order of physical_keys_org_added.
export type IssuedKeyPosition = { addedAt: number; userId: string; number: number }
export type IssuedKeyPageQuery = { q: string; after: IssuedKeyPosition | null; limit: number }

// LIKE's own wildcards and escape, matched literally.
export const likeContaining = (q: string) => `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`

// The desk's page statement: physical_keys_org_added walked backwards from the cursor, each key joined to its holder
// by primary key (CROSS JOIN keeps that order: SQLite never drives from users), stopping at the page's LIMIT. q is
// matched by SQLite's LIKE, which folds ASCII case only. then: orgId, [addedAt, userId, number], [pattern, pattern], limit
export function issuedKeysSql({ searched, after }: { searched: boolean; after: boolean }): string {
  const where = ['k.org_id = ?']
  if (after) where.push('(k.added_at, k.user_id, k.number) < (?, ?, ?)')
  if (searched) where.push("(k.note LIKE ? ESCAPE '\\' OR u.email LIKE ? ESCAPE '\\')")
  return (
    'SELECT k.user_id AS userId, k.number, u.email, k.note, k.added_at AS addedAt ' +
    'FROM physical_keys AS k CROSS JOIN users AS u ON u.user_id = k.user_id ' +
    `WHERE ${where.join(' AND ')} ORDER BY k.added_at DESC, k.user_id DESC, k.number DESC LIMIT ?`
  )
}

// Every key an organisation handed out (all holders), newest first, a page after `after`; q a case-insensitive
// substring of the note or the holder's e-mail. No total: counting would cost the whole org's keys on every page.
export function listIssuedKeys(db: Db, orgId: string, { q, after, limit }: IssuedKeyPageQuery) {
  const args: Binding[] = [orgId]
  if (after !== null) args.push(after.addedAt, after.userId, after.number)
  if (q !== '') args.push(likeContaining(q), likeContaining(q))
  const sql = issuedKeysSql({ searched: q !== '', after: after !== null })
  const rows = db.$client.query<IssuedKeyRow, Binding[]>(sql).all(...args, limit + 1)
  const keys = rows.slice(0, limit)
  const last = keys.at(-1)
  const next = rows.length > limit && last ? { addedAt: last.addedAt, userId: last.userId, number: last.number } : null
  return { keys, next }
}

// Everyone, newest first, a page after `before` (a rowid: the users table is a rowid table, rowids grow with each
// UserCreated, and a rebuild replays them in the same order). One LIMIT query over the primary key.
export function listUsers(db: Db, page: { before: number | null; limit: number }) {
  const rows = db
    .select({
      rowid: sql<number>`rowid`,
      userId: users.userId,
      email: users.email,
      firstName: users.firstName,
      lastName: users.lastName,
      createdAt: users.createdAt,
    })
    .from(users)
    .where(page.before === null ? undefined : sql`rowid < ${page.before}`)
    .orderBy(sql`rowid DESC`)
    .limit(page.limit + 1)
    .all()
  const shown = rows.slice(0, page.limit)
  return { users: shown, next: rows.length > page.limit ? (shown.at(-1)?.rowid ?? null) : null }
}
