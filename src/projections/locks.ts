// Read models of the lock stream: locks, programmed keys, residents and temp keys (with their use counts).
import { and, eq, sql } from 'drizzle-orm'
import type { Db } from '../db/connection'
import { lockKeys, lockResidents, locks, tempKeys } from '../db/schema'
import type { LockEvent } from '../domain/lock/events'
import type { Projection } from '../eventstore/projections'
import type { StoredEvent } from '../eventstore/types'
import { perDb } from './prepared'

const statements = perDb((db) => ({
  findLock: db.select().from(locks).where(eq(locks.lockId, sql.placeholder('lockId'))).prepare(),
  keyHolders: db.select({ userId: lockKeys.userId }).from(lockKeys).where(eq(lockKeys.lockId, sql.placeholder('lockId'))).prepare(),
  findTempKey: db.select().from(tempKeys).where(eq(tempKeys.uuid, sql.placeholder('uuid'))).prepare(),
  listTempKeys: db
    .select()
    .from(tempKeys)
    .where(eq(tempKeys.lockId, sql.placeholder('lockId')))
    .orderBy(tempKeys.createdAt, tempKeys.uuid)
    .prepare(),
}))

// The hot write (every open records a use), a plain bun:sqlite statement run inside the batch transaction.
const writes = perDb((db) => ({
  used: db.$client.query<unknown, [number, string]>('UPDATE temp_keys SET used_count = ? WHERE uuid = ?'),
}))

function apply(db: Db, stored: StoredEvent): void {
  const event = stored as StoredEvent<LockEvent>
  const at = event.data.timestamp
  const touch = (lockId: number, values: Partial<typeof locks.$inferInsert>) =>
    db.update(locks).set({ ...values, updatedAt: at }).where(eq(locks.lockId, lockId)).run()
  switch (event.type) {
    case 'LockCreated': {
      const { lockId, uuid, index, serialNumber, vendorName, ownerId, orgId, keys = [] } = event.data
      db.insert(locks)
        .values({
          lockId,
          uuid,
          index,
          serialNumber: serialNumber ?? null,
          vendorName: vendorName ?? null,
          ownerId: ownerId ?? null,
          orgId: orgId ?? null,
          createdAt: at,
          updatedAt: at,
        })
        .run()
      for (const key of keys) {
        db.insert(lockKeys)
          .values({ lockId, keyUuid: key.uuid, keyIndexNumber: key.indexNumber ?? null, userId: key.userId ?? null, addedAt: at })
          .run()
      }
      return
    }
    case 'OwnerSet':
      return touch(event.data.lockId, { ownerId: event.data.userId })
    case 'OrganizationSet':
      return touch(event.data.lockId, { orgId: event.data.orgId })
    case 'LockUuidChanged':
      db.update(tempKeys).set({ lockUuid: event.data.newUuid }).where(eq(tempKeys.lockId, event.data.lockId)).run()
      return touch(event.data.lockId, { uuid: event.data.newUuid })
    case 'LockDriverConfigured':
      return touch(event.data.lockId, { driver: event.data.driver, bridgeUrl: event.data.bridgeUrl })
    case 'KeyAdded': {
      const { lockId, keyUuid, keyIndexNumber, userId } = event.data
      const row = { keyIndexNumber: keyIndexNumber ?? null, userId: userId ?? null }
      db.insert(lockKeys)
        .values({ lockId, keyUuid, ...row, addedAt: at })
        .onConflictDoUpdate({ target: [lockKeys.lockId, lockKeys.keyUuid], set: row })
        .run()
      return
    }
    case 'KeyRemoved':
      db.delete(lockKeys)
        .where(and(eq(lockKeys.lockId, event.data.lockId), eq(lockKeys.keyUuid, event.data.keyUuid)))
        .run()
      return
    case 'ResidentAdded': {
      const { lockId, userId, name, email } = event.data
      db.insert(lockResidents).values({ lockId, userId, name, email: email ?? null }).onConflictDoNothing().run()
      return
    }
    case 'ResidentRemoved':
      db.delete(lockResidents)
        .where(and(eq(lockResidents.lockId, event.data.lockId), eq(lockResidents.userId, event.data.userId)))
        .run()
      return
    case 'TempKeyCreated': {
      const d = event.data
      db.insert(tempKeys)
        .values({
          uuid: d.tempKeyUuid,
          lockId: d.lockId,
          lockUuid: d.lockUuid,
          accessMode: d.accessMode,
          allowedUserIds: JSON.stringify(d.allowedUserIds),
          validFrom: d.validFrom,
          validUntil: d.validUntil,
          maxUses: d.maxUses,
          usedCount: 0,
          schedule: d.schedule ? JSON.stringify(d.schedule) : null,
          description: d.description ?? null,
          createdAt: at,
          createdBy: d.createdBy,
          deletedAt: null,
        })
        .run()
      return
    }
    case 'TempKeyUpdated': {
      const { allowedUserIds, schedule, description, ...plain } = event.data.changes
      db.update(tempKeys)
        .set({
          ...plain,
          ...(allowedUserIds !== undefined ? { allowedUserIds: JSON.stringify(allowedUserIds) } : {}),
          ...(schedule !== undefined ? { schedule: schedule === null ? null : JSON.stringify(schedule) } : {}),
          ...(description !== undefined ? { description } : {}),
        })
        .where(eq(tempKeys.uuid, event.data.tempKeyUuid))
        .run()
      return
    }
    case 'TempKeyDeleted':
      db.update(tempKeys).set({ deletedAt: at }).where(eq(tempKeys.uuid, event.data.tempKeyUuid)).run()
      return
    case 'TempKeyUsed':
      writes(db).used.run(event.data.usedCount, event.data.tempKeyUuid)
      return
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

export function listTempKeys(db: Db, lockId: number) {
  return statements(db).listTempKeys.all({ lockId })
}

export function listLockKeys(db: Db, lockId: number) {
  return db.select().from(lockKeys).where(eq(lockKeys.lockId, lockId)).orderBy(lockKeys.addedAt, lockKeys.keyUuid).all()
}

export function listLockResidents(db: Db, lockId: number) {
  return db.select().from(lockResidents).where(eq(lockResidents.lockId, lockId)).orderBy(lockResidents.name).all()
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

// The programmed lock keys a user holds, across locks.
export function listKeysHeldBy(db: Db, userId: string) {
  return db.select().from(lockKeys).where(eq(lockKeys.userId, userId)).orderBy(lockKeys.lockId, lockKeys.keyUuid).all()
}
