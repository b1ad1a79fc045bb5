// The reads of ../locks.ts on PostgreSQL: same names, same parameters after the connection, the same rows. The text
// the lists order by (temp_keys.created_at, uuid, the validity instants, lock_keys.added_at, key_uuid,
// lock_residents.name) is COLLATE "C" (src/db/pg/read-models.ts): byte order, as SQLite's, served by the same indexes.
import type { Sql, Tx } from '../../db/pg/connection'
import { type Lock, lockKeys, lockResidents, locks, type TempKeyRow, tempKeys } from '../../db/schema'
import {
  LIVE_KEY_COLUMNS,
  type ListedTempKeyRow,
  type LiveKeyRow,
  type LiveKeyScan,
  SCAN_START,
  type TempKeyPosition,
  USES_LEFT,
} from '../locks'
import { columnsOf } from './columns'

const LOCK = columnsOf(locks, 'l')
const LOCK_KEY = columnsOf(lockKeys)
const RESIDENT = columnsOf(lockResidents)
const TEMP_KEY = columnsOf(tempKeys)

type LockKeyRow = typeof lockKeys.$inferSelect

export async function findLock(sql: Sql | Tx, lockId: number): Promise<Lock | undefined> {
  const [row] = await sql<Lock[]>`SELECT ${sql.unsafe(LOCK)} FROM locks l WHERE l.lock_id = ${lockId}`
  return row
}

// In key order, as SQLite reads them off the primary key.
export async function lockKeyHolderIds(sql: Sql | Tx, lockId: number): Promise<string[]> {
  const rows = await sql<{ userId: string | null }[]>`SELECT user_id AS "userId" FROM lock_keys WHERE lock_id = ${lockId} ORDER BY key_uuid`
  return rows.flatMap((row) => (row.userId ? [row.userId] : []))
}

export async function findTempKey(sql: Sql | Tx, uuid: string): Promise<TempKeyRow | undefined> {
  const [row] = await sql<TempKeyRow[]>`SELECT ${sql.unsafe(TEMP_KEY)} FROM temp_keys WHERE uuid = ${uuid}`
  return row
}

// LIVE_KEY_PAGE_SQL's candidate (../locks.ts): PostgreSQL's CASE gives a boolean, read as SQLite's 0/1.
const candidate = (sql: Sql | Tx, status: string | null, now: string) => sql`(CASE ${status}::text
    WHEN 'valid' THEN valid_from <= ${now} AND valid_until > ${now} AND ${sql.unsafe(USES_LEFT)}
    WHEN 'not-yet-valid' THEN valid_from > ${now} OR (valid_until > ${now} AND ${sql.unsafe(USES_LEFT)} AND schedule IS NOT NULL)
    WHEN 'expired' THEN valid_from <= ${now} AND valid_until <= ${now}
    WHEN 'used-up' THEN valid_from <= ${now} AND valid_until > ${now} AND NOT ${sql.unsafe(USES_LEFT)}
    ELSE true END)::int AS candidate`

// The most rows one statement of a scan reads: a scan of the whole list (max null) goes on in statements this long.
const SCAN_CHUNK = 1000

// The live keys after a position over temp_keys_lock_page, as ../locks.ts's scanLiveTempKeys, one LIMIT statement
// per chunk from the last row's position: a caller that stops early has read no more than that chunk. deleted_at
// (NULL in every row here) leads the order so that the index gives it: PostgreSQL does not take IS NULL as fixing a
// column, as it takes `=`.
export async function* scanLiveTempKeys(sql: Sql | Tx, lockId: number, scan: LiveKeyScan): AsyncGenerator<LiveKeyRow> {
  let position: TempKeyPosition = scan.after ?? (scan.newestFirst ? SCAN_START.newest : SCAN_START.oldest)
  let left = scan.max ?? Number.POSITIVE_INFINITY
  const now = new Date(scan.now).toISOString()
  while (left > 0) {
    const chunk = Math.min(left, SCAN_CHUNK)
    const { createdAt, uuid } = position
    const rows = await sql<LiveKeyRow[]>`
      SELECT ${sql.unsafe(LIVE_KEY_COLUMNS)}, ${candidate(sql, scan.status, now)} FROM temp_keys
      WHERE lock_id = ${lockId} AND deleted_at IS NULL AND ${
        scan.newestFirst
          ? sql`(created_at, uuid) < (${createdAt}, ${uuid}) ORDER BY deleted_at DESC, created_at DESC, uuid DESC`
          : sql`(created_at, uuid) > (${createdAt}, ${uuid}) ORDER BY deleted_at, created_at, uuid`
      } LIMIT ${chunk}`
    yield* rows
    const last = rows.at(-1)
    if (last === undefined || rows.length < chunk) return
    left -= rows.length
    position = { createdAt: last.createdAt, uuid: last.uuid }
  }
}

const LISTED = columnsOf(tempKeys, undefined, [
  'uuid',
  'lockId',
  'lockUuid',
  'validFrom',
  'validUntil',
  'description',
  'createdAt',
  'createdBy',
  'deletedAt',
])

// ../locks.ts's pageTempKeys: a lock's keys (deleted ones too) or a principal's, newest first below a position, one LIMIT
// statement over temp_keys_lock_created or temp_keys_creator.
export async function pageTempKeys(
  sql: Sql | Tx,
  filter: { lockId: number } | { createdBy: string },
  below: TempKeyPosition | null,
  max: number,
): Promise<ListedTempKeyRow[]> {
  const { createdAt, uuid } = below ?? SCAN_START.newest
  const where = 'lockId' in filter ? sql`lock_id = ${filter.lockId}` : sql`created_by = ${filter.createdBy}`
  return [
    ...(await sql<ListedTempKeyRow[]>`
      SELECT ${sql.unsafe(LISTED)} FROM temp_keys WHERE ${where} AND (created_at, uuid) < (${createdAt}, ${uuid})
      ORDER BY created_at DESC, uuid DESC LIMIT ${max}`),
  ]
}

export async function listLockKeys(sql: Sql | Tx, lockId: number): Promise<LockKeyRow[]> {
  return [...(await sql<LockKeyRow[]>`SELECT ${sql.unsafe(LOCK_KEY)} FROM lock_keys WHERE lock_id = ${lockId} ORDER BY added_at, key_uuid`)]
}

// By name, residents of one name by user id.
export async function listLockResidents(sql: Sql | Tx, lockId: number): Promise<(typeof lockResidents.$inferSelect)[]> {
  return [
    ...(await sql<(typeof lockResidents.$inferSelect)[]>`
      SELECT ${sql.unsafe(RESIDENT)} FROM lock_residents WHERE lock_id = ${lockId} ORDER BY name, user_id`),
  ]
}

type OwnedLockRow = Lock & { keysCount: number; residentCount: number }

// A user's locks with their key and resident counts; `orgId` narrows them to one organisation's locks.
export async function listOwnedLocks(sql: Sql | Tx, ownerId: string, orgId: string | null = null) {
  const rows = await sql<OwnedLockRow[]>`
    SELECT ${sql.unsafe(LOCK)},
      (SELECT count(*) FROM lock_keys k WHERE k.lock_id = l.lock_id) AS "keysCount",
      (SELECT count(*) FROM lock_residents r WHERE r.lock_id = l.lock_id) AS "residentCount"
    FROM locks l WHERE l.owner_id = ${ownerId} ${orgId === null ? sql`` : sql`AND l.org_id = ${orgId}`}
    ORDER BY l.lock_id`
  return rows.map(({ keysCount, residentCount, ...lock }) => ({ lock, keysCount, residentCount }))
}

export async function countOwnedLocks(sql: Sql | Tx, ownerId: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`SELECT count(*) AS n FROM locks WHERE owner_id = ${ownerId}`
  return row?.n ?? 0
}

// The key a user holds on one lock, if any: of several, the first in key order, as SQLite finds it.
export async function findLockKeyOf(sql: Sql | Tx, lockId: number, userId: string): Promise<LockKeyRow | undefined> {
  const [row] = await sql<LockKeyRow[]>`
    SELECT ${sql.unsafe(LOCK_KEY)} FROM lock_keys WHERE lock_id = ${lockId} AND user_id = ${userId} ORDER BY key_uuid LIMIT 1`
  return row
}

// The programmed lock keys a user holds, across locks.
export async function listKeysHeldBy(sql: Sql | Tx, userId: string): Promise<LockKeyRow[]> {
  return [...(await sql<LockKeyRow[]>`SELECT ${sql.unsafe(LOCK_KEY)} FROM lock_keys WHERE user_id = ${userId} ORDER BY lock_id, key_uuid`)]
}

// Every lock, by id, a page after `after` (the last id shown). One LIMIT query over the primary key.
export async function listLocks(sql: Sql | Tx, page: { after: number | null; limit: number }) {
  const rows = await sql<Lock[]>`
    SELECT ${sql.unsafe(LOCK)} FROM locks l ${page.after === null ? sql`` : sql`WHERE l.lock_id > ${page.after}`}
    ORDER BY l.lock_id LIMIT ${page.limit + 1}`
  const shown = rows.slice(0, page.limit)
  return { locks: shown, next: rows.length > page.limit ? (shown.at(-1)?.lockId ?? null) : null }
}
