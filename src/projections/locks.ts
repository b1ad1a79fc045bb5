// Read models of the lock stream: locks, programmed keys, residents and temp keys (with their use counts).
import { and, eq, gt, sql } from 'drizzle-orm'
import type { Db } from '../db/connection'
import { lockKeys, lockResidents, locks, type TempKeyRow, tempKeys } from '../db/schema'
import type { LockEvent } from '../domain/lock/events'
import type { Projection } from '../eventstore/projections'
import type { StoredEvent } from '../eventstore/types'
import { perDb } from './prepared'
import { lockChanges, lockCreatedRows, lockKeyRow, residentRow, rewritesWhitelist, tempKeyChanges, tempKeyRow } from './rows'

const statements = perDb((db) => ({
  findLock: db
    .select()
    .from(locks)
    .where(eq(locks.lockId, sql.placeholder('lockId')))
    .prepare(),
  keyHolders: db
    .select({ userId: lockKeys.userId })
    .from(lockKeys)
    .where(eq(lockKeys.lockId, sql.placeholder('lockId')))
    .prepare(),
  findTempKey: db
    .select()
    .from(tempKeys)
    .where(eq(tempKeys.uuid, sql.placeholder('uuid')))
    .prepare(),
}))

// The lock's live keys after a position, in creation order or newest first, over temp_keys_lock_page. `candidate` is
// the status filter on the time and use columns alone, 1 for no filter: it may admit a scheduled key outside its
// window (exact status needs the schedule, in code) but never leaves out a key that has the status.
// Both plain SQL for either database (aliases quoted, as PostgreSQL keeps their case only so).
export const LIVE_KEY_COLUMNS =
  'uuid, lock_id AS "lockId", lock_uuid AS "lockUuid", access_mode AS "accessMode", allowed_user_ids AS "allowedUserIds", ' +
  'valid_from AS "validFrom", valid_until AS "validUntil", max_uses AS "maxUses", used_count AS "usedCount", schedule, description, ' +
  'created_at AS "createdAt", created_by AS "createdBy", deleted_at AS "deletedAt"'
export const USES_LEFT = '(max_uses IS NULL OR used_count < max_uses)'
const CANDIDATE = `CASE $status
    WHEN 'valid' THEN valid_from <= $now AND valid_until > $now AND ${USES_LEFT}
    WHEN 'not-yet-valid' THEN valid_from > $now OR (valid_until > $now AND ${USES_LEFT} AND schedule IS NOT NULL)
    WHEN 'expired' THEN valid_from <= $now AND valid_until <= $now
    WHEN 'used-up' THEN valid_from <= $now AND valid_until > $now AND NOT ${USES_LEFT}
    ELSE 1 END AS candidate`
const liveKeysAfter = (direction: 'ASC' | 'DESC') =>
  `SELECT ${LIVE_KEY_COLUMNS}, ${CANDIDATE} FROM temp_keys ` +
  `WHERE lock_id = $lockId AND deleted_at IS NULL AND (created_at, uuid) ${direction === 'ASC' ? '>' : '<'} ($createdAt, $uuid) ` +
  `ORDER BY created_at ${direction}, uuid ${direction} LIMIT $max`

type LiveKeyParams = { lockId: number; createdAt: string; uuid: string; status: string | null; now: string; max: number }
export type LiveKeyRow = TempKeyRow & { candidate: number }

export const LIVE_KEY_PAGE_SQL = { ASC: liveKeysAfter('ASC'), DESC: liveKeysAfter('DESC') }

const pages = perDb((db) => ({
  ASC: db.$client.query<LiveKeyRow, [LiveKeyParams]>(LIVE_KEY_PAGE_SQL.ASC),
  DESC: db.$client.query<LiveKeyRow, [LiveKeyParams]>(LIVE_KEY_PAGE_SQL.DESC),
}))

// Every key of a lock, deleted ones too, or every key a principal created, newest first below a position: the unified
// GET /temp-keys (docs §3.1), one LIMIT query over temp_keys_lock_created or temp_keys_creator.
const LISTED_KEY_COLUMNS =
  'uuid, lock_id AS lockId, lock_uuid AS lockUuid, valid_from AS validFrom, valid_until AS validUntil, description, ' +
  'created_at AS createdAt, created_by AS createdBy, deleted_at AS deletedAt'
const keysBelow = (column: 'lock_id' | 'created_by') =>
  `SELECT ${LISTED_KEY_COLUMNS} FROM temp_keys WHERE ${column} = $value AND (created_at, uuid) < ($createdAt, $uuid) ` +
  'ORDER BY created_at DESC, uuid DESC LIMIT $max'
export const TEMP_KEY_PAGE_SQL = { byLock: keysBelow('lock_id'), byCreator: keysBelow('created_by') }

export type ListedTempKeyRow = Pick<
  TempKeyRow,
  'uuid' | 'lockId' | 'lockUuid' | 'validFrom' | 'validUntil' | 'description' | 'createdAt' | 'createdBy' | 'deletedAt'
>
type ListedKeyParams = { value: number | string; createdAt: string; uuid: string; max: number }

const listed = perDb((db) => ({
  byLock: db.$client.query<ListedTempKeyRow, [ListedKeyParams]>(TEMP_KEY_PAGE_SQL.byLock),
  byCreator: db.$client.query<ListedTempKeyRow, [ListedKeyParams]>(TEMP_KEY_PAGE_SQL.byCreator),
}))

// The hot write (every open records a use), a plain bun:sqlite statement run inside the batch transaction.
const writes = perDb((db) => ({
  used: db.$client.query<unknown, [number, string]>('UPDATE temp_keys SET used_count = ? WHERE uuid = ?'),
}))

function apply(db: Db, stored: StoredEvent): void {
  const event = stored as StoredEvent<LockEvent>
  const at = event.data.timestamp
  // The lock row's own columns (owner, org, uuid, driver): the same for every database, see rows.ts.
  const changed = lockChanges(event)
  if (changed !== null) db.update(locks).set(changed).where(eq(locks.lockId, event.data.lockId)).run()
  switch (event.type) {
    case 'LockCreated': {
      const { lock, keys } = lockCreatedRows(event.data)
      db.insert(locks).values(lock).run()
      for (const key of keys) db.insert(lockKeys).values(key).run()
      return
    }
    case 'LockUuidChanged':
      db.update(tempKeys).set({ lockUuid: event.data.newUuid }).where(eq(tempKeys.lockId, event.data.lockId)).run()
      return
    case 'KeyAdded': {
      const row = lockKeyRow(event.data.lockId, event.data, at)
      const { keyIndexNumber, userId } = row
      db.insert(lockKeys)
        .values(row)
        .onConflictDoUpdate({ target: [lockKeys.lockId, lockKeys.keyUuid], set: { keyIndexNumber, userId } })
        .run()
      return
    }
    case 'KeyRemoved':
      db.delete(lockKeys)
        .where(and(eq(lockKeys.lockId, event.data.lockId), eq(lockKeys.keyUuid, event.data.keyUuid)))
        .run()
      return
    case 'ResidentAdded':
      db.insert(lockResidents).values(residentRow(event.data)).onConflictDoNothing().run()
      return
    case 'ResidentRemoved':
      db.delete(lockResidents)
        .where(and(eq(lockResidents.lockId, event.data.lockId), eq(lockResidents.userId, event.data.userId)))
        .run()
      return
    case 'TempKeyCreated':
      db.insert(tempKeys).values(tempKeyRow(event)).run()
      return
    case 'TempKeyUpdated': {
      const { tempKeyUuid, changes } = event.data
      const before = rewritesWhitelist(changes) ? (statements(db).findTempKey.get({ uuid: tempKeyUuid })?.enteredEmails ?? null) : null
      db.update(tempKeys)
        .set(tempKeyChanges(changes, event.metadata, before))
        .where(eq(tempKeys.uuid, tempKeyUuid))
        .run()
      return
    }
    case 'TempKeyDeleted':
      db.update(tempKeys).set({ deletedAt: at }).where(eq(tempKeys.uuid, event.data.tempKeyUuid)).run()
      return
    case 'TempKeyUsed':
      writes(db).used.run(event.data.usedCount, event.data.tempKeyUuid)
      return
    case 'OwnerSet':
    case 'OrganizationSet':
    case 'LockDriverConfigured':
    case 'LockOpenRequested':
    case 'KeyWriteRequested':
    case 'BulkAddKeysStarted':
    case 'BulkAddKeyFailed':
    case 'BulkAddKeysFinished':
    case 'TempKeyOpenRefused':
      return
  }
}

export const locksProjection: Projection = {
  name: 'locks',
  tables: ['locks', 'lock_keys', 'lock_residents', 'temp_keys'],
  apply,
}

export function findLock(db: Db, lockId: number) {
  return statements(db).findLock.get({ lockId })
}

export function lockKeyHolderIds(db: Db, lockId: number): string[] {
  return statements(db)
    .keyHolders.all({ lockId })
    .flatMap((row) => (row.userId ? [row.userId] : []))
}

export function findTempKey(db: Db, uuid: string) {
  return statements(db).findTempKey.get({ uuid })
}

export type TempKeyPosition = { createdAt: string; uuid: string }
export type LiveKeyScan = { after: TempKeyPosition | null; newestFirst: boolean; status: string | null; now: number; max: number | null }

// Where a scan without a cursor starts: below every ISO instant, or (newest first) above every one.
export const SCAN_START: { oldest: TempKeyPosition; newest: TempKeyPosition } = {
  oldest: { createdAt: '', uuid: '' },
  newest: { createdAt: '\u{10FFFF}', uuid: '' },
}

// Rows come one at a time, so a caller that stops early has read only what it looked at.
export function scanLiveTempKeys(db: Db, lockId: number, scan: LiveKeyScan): IterableIterator<LiveKeyRow> {
  const { createdAt, uuid } = scan.after ?? (scan.newestFirst ? SCAN_START.newest : SCAN_START.oldest)
  const params = { lockId, createdAt, uuid, status: scan.status, now: new Date(scan.now).toISOString(), max: scan.max ?? -1 }
  return pages(db)[scan.newestFirst ? 'DESC' : 'ASC'].iterate(params)
}

// At most `max` keys, newest first, strictly below `below` (null: from the newest).
export function pageTempKeys(
  db: Db,
  filter: { lockId: number } | { createdBy: string },
  below: TempKeyPosition | null,
  max: number,
): ListedTempKeyRow[] {
  const { createdAt, uuid } = below ?? SCAN_START.newest
  const q = listed(db)
  return 'lockId' in filter
    ? q.byLock.all({ value: filter.lockId, createdAt, uuid, max })
    : q.byCreator.all({ value: filter.createdBy, createdAt, uuid, max })
}

export function listLockKeys(db: Db, lockId: number) {
  return db.select().from(lockKeys).where(eq(lockKeys.lockId, lockId)).orderBy(lockKeys.addedAt, lockKeys.keyUuid).all()
}

// By name, residents of one name by user id: an order PostgreSQL gives too (its rows have no insertion order).
export function listLockResidents(db: Db, lockId: number) {
  return db.select().from(lockResidents).where(eq(lockResidents.lockId, lockId)).orderBy(lockResidents.name, lockResidents.userId).all()
}

// A user's locks with their key and resident counts; `orgId` narrows them to one organisation's locks.
export function listOwnedLocks(db: Db, ownerId: string, orgId: string | null = null) {
  const keysCount = db.$count(lockKeys, eq(lockKeys.lockId, locks.lockId))
  const residentCount = db.$count(lockResidents, eq(lockResidents.lockId, locks.lockId))
  return db
    .select({ lock: locks, keysCount, residentCount })
    .from(locks)
    .where(orgId === null ? eq(locks.ownerId, ownerId) : and(eq(locks.ownerId, ownerId), eq(locks.orgId, orgId)))
    .orderBy(locks.lockId)
    .all()
}

export const countOwnedLocks = (db: Db, ownerId: string): number =>
  db.select({ n: sql<number>`count(*)` }).from(locks).where(eq(locks.ownerId, ownerId)).get()?.n ?? 0

// The key a user holds on one lock, if any (the activity log names it for the holder's opens).
export function findLockKeyOf(db: Db, lockId: number, userId: string) {
  return db
    .select()
    .from(lockKeys)
    .where(and(eq(lockKeys.lockId, lockId), eq(lockKeys.userId, userId)))
    .get()
}

// The programmed lock keys a user holds, across locks.
export function listKeysHeldBy(db: Db, userId: string) {
  return db.select().from(lockKeys).where(eq(lockKeys.userId, userId)).orderBy(lockKeys.lockId, lockKeys.keyUuid).all()
}

// Every lock, by id, a page after `after` (the last id shown). One LIMIT query over the primary key.
export function listLocks(db: Db, page: { after: number | null; limit: number }) {
  const rows = db
    .select()
    .from(locks)
    .where(page.after === null ? undefined : gt(locks.lockId, page.after))
    .orderBy(locks.lockId)
    .limit(page.limit + 1)
    .all()
  const shown = rows.slice(0, page.limit)
  return { locks: shown, next: rows.length > page.limit ? (shown.at(-1)?.lockId ?? null) : null }
}
