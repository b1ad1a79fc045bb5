// The reads of ../users.ts on PostgreSQL: same names, same parameters after the connection, the same rows. SQLite's
// LIKE folds ASCII case only; ILIKE over COLLATE "C" text folds the same (PostgreSQL's C locale lower-cases ASCII only).
import type { Sql, Tx } from '../../db/pg/connection'
import { accessibleLocks, type PhysicalKeyRow, physicalKeys, type User, users } from '../../db/schema'
import {
  type IssuedKeyPageQuery,
  type IssuedKeyRow,
  likeContaining,
  notePattern,
  PHYSICAL_KEYS_CAP,
  type PhysicalKeyFilter,
  type PhysicalKeyPageQuery,
} from '../users'
import { columnsOf } from './columns'

const USER = columnsOf(users)
const KEY = columnsOf(physicalKeys)
const GRANT = columnsOf(accessibleLocks)

export async function findUser(sql: Sql | Tx, userId: string): Promise<User | undefined> {
  const [row] = await sql<User[]>`SELECT ${sql.unsafe(USER)} FROM users WHERE user_id = ${userId}`
  return row
}

// The inventory's filters as in inventorySql (../users.ts); a one-org scope is `org_id = $1` (PostgreSQL reads
// `IN ($1)` so), which keeps the page on physical_keys_user_org in number order.
function inventoryWhere(sql: Sql | Tx, userId: string, filter: PhysicalKeyFilter, like: { pattern: string } | null, searched: boolean) {
  const { orgIds, orgId, orgName } = filter
  const none = sql``
  return sql`WHERE user_id = ${userId}
    ${orgIds === null ? none : orgIds.length === 0 ? sql`AND false` : sql`AND org_id IN ${sql(orgIds)}`}
    ${orgId === undefined ? none : sql`AND org_id = ${orgId}`}
    ${orgName === undefined ? none : sql`AND org_name = ${orgName}`}
    ${searched ? sql`AND note IS NOT NULL` : none}
    ${like === null ? none : sql`AND note COLLATE "C" ILIKE ${like.pattern} ESCAPE '\\'`}`
}

// ../users.ts's listPhysicalKeys: SQL decides when q's pattern is exact, else code checks each candidate's note.
export async function listPhysicalKeys(
  sql: Sql | Tx,
  userId: string,
  filter: PhysicalKeyFilter,
  page: PhysicalKeyPageQuery = { after: null, limit: PHYSICAL_KEYS_CAP },
) {
  const needle = filter.q ? filter.q.toLowerCase() : null
  const like = needle === null ? null : notePattern(needle)
  const where = () => inventoryWhere(sql, userId, filter, like, needle !== null)
  const after = page.after ?? 0
  let total = 0
  let rows: PhysicalKeyRow[] = []
  if (needle === null || like?.exact === true) {
    const [counted] = await sql<{ n: number }[]>`SELECT count(*) AS n FROM physical_keys ${where()}`
    total = counted?.n ?? 0
    rows = [
      ...(await sql<PhysicalKeyRow[]>`
        SELECT ${sql.unsafe(KEY)} FROM physical_keys ${where()} AND number > ${after} ORDER BY number LIMIT ${page.limit + 1}`),
    ]
  } else {
    const candidates = sql<PhysicalKeyRow[]>`SELECT ${sql.unsafe(KEY)} FROM physical_keys ${where()} ORDER BY number`
    for await (const batch of candidates.cursor(256)) {
      for (const key of batch) {
        if (!(key.note ?? '').toLowerCase().includes(needle)) continue
        total++
        if (key.number > after && rows.length <= page.limit) rows.push(key)
      }
    }
  }
  const keys = rows.slice(0, page.limit)
  return { keys, total, next: rows.length > page.limit ? (keys.at(-1)?.number ?? null) : null }
}

export async function getPhysicalKey(sql: Sql | Tx, userId: string, number: number): Promise<PhysicalKeyRow | undefined> {
  const [row] = await sql<PhysicalKeyRow[]>`SELECT ${sql.unsafe(KEY)} FROM physical_keys WHERE user_id = ${userId} AND number = ${number}`
  return row
}

// E-mails are matched as stored, then lower-cased (how spkey stores the ones it creates).
export async function findUserByEmail(sql: Sql | Tx, email: string): Promise<User | undefined> {
  const [exact] = await sql<User[]>`SELECT ${sql.unsafe(USER)} FROM users WHERE email = ${email}`
  if (exact !== undefined) return exact
  const [lowered] = await sql<User[]>`SELECT ${sql.unsafe(USER)} FROM users WHERE email = ${email.toLowerCase()}`
  return lowered
}

// granted_at and lock_id are COLLATE "C": byte order, as SQLite orders them.
export async function listAccessibleLocks(sql: Sql | Tx, userId: string): Promise<(typeof accessibleLocks.$inferSelect)[]> {
  return [
    ...(await sql<(typeof accessibleLocks.$inferSelect)[]>`
    SELECT ${sql.unsafe(GRANT)} FROM accessible_locks WHERE user_id = ${userId} ORDER BY granted_at, lock_id`),
  ]
}

// ../users.ts's key desk page: physical_keys_org_added walked backwards from the cursor (user_id is COLLATE "C", so
// the index's order is SQLite's), each key joined to its holder by primary key, stopping at the LIMIT.
export async function listIssuedKeys(sql: Sql | Tx, orgId: string, { q, after, limit }: IssuedKeyPageQuery) {
  const pattern = likeContaining(q)
  const rows = await sql<IssuedKeyRow[]>`
    SELECT k.user_id AS "userId", k.number, u.email, k.note, k.added_at AS "addedAt"
    FROM physical_keys k JOIN users u ON u.user_id = k.user_id
    WHERE k.org_id = ${orgId}
    ${after === null ? sql`` : sql`AND (k.added_at, k.user_id, k.number) < (${after.addedAt}, ${after.userId}, ${after.number})`}
    ${q === '' ? sql`` : sql`AND (k.note COLLATE "C" ILIKE ${pattern} ESCAPE '\\' OR u.email COLLATE "C" ILIKE ${pattern} ESCAPE '\\')`}
    ORDER BY k.added_at DESC, k.user_id DESC, k.number DESC LIMIT ${limit + 1}`
  const keys = rows.slice(0, limit)
  const last = keys.at(-1)
  const next = rows.length > limit && last ? { addedAt: last.addedAt, userId: last.userId, number: last.number } : null
  return { keys, next }
}

// Everyone, newest first, a page after `before`: users.position (where the UserCreated is in the log) stands for
// SQLite's rowid, in the same order; the cursor is that number. One LIMIT query over users_position.
export async function listUsers(sql: Sql | Tx, page: { before: number | null; limit: number }) {
  const rows = await sql<(Pick<User, 'userId' | 'email' | 'firstName' | 'lastName' | 'createdAt'> & { rowid: number })[]>`
    SELECT position AS rowid, user_id AS "userId", email, first_name AS "firstName", last_name AS "lastName", created_at AS "createdAt"
    FROM users ${page.before === null ? sql`` : sql`WHERE position < ${page.before}`}
    ORDER BY position DESC LIMIT ${page.limit + 1}`
  const shown = rows.slice(0, page.limit)
  return { users: shown, next: rows.length > page.limit ? (shown.at(-1)?.rowid ?? null) : null }
}
