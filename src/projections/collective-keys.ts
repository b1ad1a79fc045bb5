// Read model of collective temp keys: each lock's CollectiveTempKeyCreated adds the key (once) and its door there (with
// the key's createdAt, the lock's list order), a revocation stamps the key, a lock's new UUID reaches its doors. Lists
// page newest first by (createdAt, uuid), each from one index: the creator's on the keys, the lock's on the doors.
import { asc, eq } from 'drizzle-orm'
import type { Db } from '../db/connection'
import { type CollectiveTempKeyDoorRow, type CollectiveTempKeyRow, collectiveTempKeyDoors, collectiveTempKeys } from '../db/schema'
import type { LockEvent } from '../domain/lock/events'
import type { Projection } from '../eventstore/projections'
import type { StoredEvent } from '../eventstore/types'
import { perDb } from './prepared'

const KEY_COLUMNS =
  'k.uuid, k.description, k.valid_from AS validFrom, k.valid_until AS validUntil, k.pin_seed AS pinSeed, ' +
  'k.created_at AS createdAt, k.created_by AS createdBy, k.revoked_at AS revokedAt'

type PageParams = { createdAt: string; uuid: string; max: number }

// A key has one door per lock, so the lock's page has each key once.
export const COLLECTIVE_PAGE_SQL = {
  byLock:
    `SELECT ${KEY_COLUMNS} FROM collective_temp_key_doors d JOIN collective_temp_keys k ON k.uuid = d.uuid ` +
    'WHERE d.lock_id = $lockId AND (d.created_at, d.uuid) < ($createdAt, $uuid) ORDER BY d.created_at DESC, d.uuid DESC LIMIT $max',
  byCreator:
    `SELECT ${KEY_COLUMNS} FROM collective_temp_keys k ` +
    'WHERE k.created_by = $createdBy AND (k.created_at, k.uuid) < ($createdAt, $uuid) ORDER BY k.created_at DESC, k.uuid DESC LIMIT $max',
}

const statements = perDb((db) => ({
  // Answers the key's createdAt as first recorded, whichever lock's event this is.
  insertKey: db.$client.query<{ createdAt: string }, [string, string | null, string, string, string | null, string, string]>(
    'INSERT INTO collective_temp_keys (uuid, description, valid_from, valid_until, pin_seed, created_at, created_by) ' +
      'VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(uuid) DO UPDATE SET pin_seed = coalesce(pin_seed, excluded.pin_seed) ' +
      'RETURNING created_at AS createdAt',
  ),
  insertDoor: db.$client.query<unknown, [string, number, number, string, string | null, string, string]>(
    'INSERT INTO collective_temp_key_doors (uuid, door_id, lock_id, lock_uuid, label, access_method, created_at) ' +
      'VALUES (?, ?, ?, ?, ?, ?, ?)',
  ),
  revoke: db.$client.query<unknown, [string, string]>(
    'UPDATE collective_temp_keys SET revoked_at = ? WHERE uuid = ? AND revoked_at IS NULL',
  ),
  lockUuid: db.$client.query<unknown, [string, number]>('UPDATE collective_temp_key_doors SET lock_uuid = ? WHERE lock_id = ?'),
  byLock: db.$client.query<CollectiveTempKeyRow, [PageParams & { lockId: number }]>(COLLECTIVE_PAGE_SQL.byLock),
  byCreator: db.$client.query<CollectiveTempKeyRow, [PageParams & { createdBy: string }]>(COLLECTIVE_PAGE_SQL.byCreator),
}))

function apply(db: Db, stored: StoredEvent): void {
  const event = stored as StoredEvent<LockEvent>
  const q = statements(db)
  switch (event.type) {
    case 'CollectiveTempKeyCreated': {
      const d = event.data
      const key = q.insertKey.get(
        d.tempKeyUuid,
        d.description ?? null,
        d.validFrom,
        d.validUntil,
        d.pinSeed ?? null,
        d.timestamp,
        d.createdBy,
      )
      const createdAt = key?.createdAt ?? d.timestamp
      for (const door of d.doors) {
        q.insertDoor.run(d.tempKeyUuid, door.id, d.lockId, d.lockUuid, door.label ?? null, door.accessMethod, createdAt)
      }
      return
    }
    case 'CollectiveTempKeyRevoked':
      q.revoke.run(event.data.timestamp, event.data.tempKeyUuid)
      return
    case 'LockUuidChanged':
      q.lockUuid.run(event.data.newUuid, event.data.lockId)
      return
    default:
      return
  }
}

export const collectiveKeysProjection: Projection = {
  name: 'collective-keys',
  tables: ['collective_temp_keys', 'collective_temp_key_doors'],
  apply,
}

export function findCollectiveKey(db: Db, uuid: string): CollectiveTempKeyRow | undefined {
  return db.select().from(collectiveTempKeys).where(eq(collectiveTempKeys.uuid, uuid)).get()
}

export function doorsOfKey(db: Db, uuid: string): CollectiveTempKeyDoorRow[] {
  return db
    .select()
    .from(collectiveTempKeyDoors)
    .where(eq(collectiveTempKeyDoors.uuid, uuid))
    .orderBy(asc(collectiveTempKeyDoors.doorId))
    .all()
}

export type CollectiveKeyPosition = { createdAt: string; uuid: string }

// Above every ISO instant: where a newest-first page without a cursor starts.
export const TOP: CollectiveKeyPosition = { createdAt: '\u{10FFFF}', uuid: '' }

// One page newest first, plus one row more than `limit` to tell whether another page follows.
export function pageCollectiveKeys(
  db: Db,
  filter: { lockId: number } | { createdBy: string },
  after: CollectiveKeyPosition | null,
  limit: number,
): CollectiveTempKeyRow[] {
  const params = { ...(after ?? TOP), max: limit + 1 }
  const q = statements(db)
  return 'lockId' in filter
    ? q.byLock.all({ ...params, lockId: filter.lockId })
    : q.byCreator.all({ ...params, createdBy: filter.createdBy })
}
