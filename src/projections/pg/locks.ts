// locks, lock_keys, lock_residents and temp_keys on PostgreSQL: the rows of ../locks.ts (rows.ts builds them).
import type { Tx } from '../../db/pg/connection'
import { lockKeys, lockResidents, locks, tempKeys } from '../../db/pg/read-models'
import type { LockEvent } from '../../domain/lock/events'
import type { PgProjection } from '../../eventstore/pg-store'
import type { StoredEvent } from '../../eventstore/types'
import { lockChanges, lockCreatedRows, lockKeyRow, residentRow, rewritesWhitelist, tempKeyChanges, tempKeyRow } from '../rows'
import { named } from './named'

async function apply(tx: Tx, stored: StoredEvent): Promise<void> {
  const event = stored as StoredEvent<LockEvent>
  const at = event.data.timestamp
  const changed = lockChanges(event)
  if (changed !== null) await tx`UPDATE locks SET ${tx(named(locks, changed))} WHERE lock_id = ${event.data.lockId}`
  switch (event.type) {
    case 'LockCreated': {
      const { lock, keys } = lockCreatedRows(event.data)
      await tx`INSERT INTO locks ${tx(named(locks, lock))}`
      if (keys.length > 0) await tx`INSERT INTO lock_keys ${tx(keys.map((key) => named(lockKeys, key)))}`
      return
    }
    case 'LockUuidChanged':
      await tx`UPDATE temp_keys SET lock_uuid = ${event.data.newUuid} WHERE lock_id = ${event.data.lockId}`
      return
    case 'KeyAdded': {
      const row = lockKeyRow(event.data.lockId, event.data, at)
      await tx`
        INSERT INTO lock_keys ${tx(named(lockKeys, row))}
        ON CONFLICT (lock_id, key_uuid) DO UPDATE SET key_index_number = excluded.key_index_number, user_id = excluded.user_id`
      return
    }
    case 'KeyRemoved':
      await tx`DELETE FROM lock_keys WHERE lock_id = ${event.data.lockId} AND key_uuid = ${event.data.keyUuid}`
      return
    case 'ResidentAdded':
      await tx`INSERT INTO lock_residents ${tx(named(lockResidents, residentRow(event.data)))} ON CONFLICT DO NOTHING`
      return
    case 'ResidentRemoved':
      await tx`DELETE FROM lock_residents WHERE lock_id = ${event.data.lockId} AND user_id = ${event.data.userId}`
      return
    case 'TempKeyCreated':
      await tx`INSERT INTO temp_keys ${tx(named(tempKeys, tempKeyRow(event)))}`
      return
    case 'TempKeyUpdated': {
      const { tempKeyUuid, changes } = event.data
      const [key] = rewritesWhitelist(changes)
        ? await tx<{ entered_emails: string | null }[]>`SELECT entered_emails FROM temp_keys WHERE uuid = ${tempKeyUuid}`
        : []
      const set = tempKeyChanges(changes, event.metadata, key?.entered_emails ?? null)
      await tx`UPDATE temp_keys SET ${tx(named(tempKeys, set))} WHERE uuid = ${tempKeyUuid}`
      return
    }
    case 'TempKeyDeleted':
      await tx`UPDATE temp_keys SET deleted_at = ${at} WHERE uuid = ${event.data.tempKeyUuid}`
      return
    case 'TempKeyUsed':
      await tx`UPDATE temp_keys SET used_count = ${event.data.usedCount} WHERE uuid = ${event.data.tempKeyUuid}`
      return
    // The other events write nothing here: the lock's own columns (lockChanges above), or audit only.
  }
}

export const locksPgProjection: PgProjection = {
  name: 'locks',
  tables: ['locks', 'lock_keys', 'lock_residents', 'temp_keys'],
  apply,
}
