// collective_temp_keys and their doors on PostgreSQL: the rows of ../collective-keys.ts. Each lock's
// CollectiveTempKeyCreated adds the key (once, the first PIN seed kept) and that lock's doors with the key's createdAt.
import type { Tx } from '../../db/pg/connection'
import type { LockEvent } from '../../domain/lock/events'
import type { PgProjection } from '../../eventstore/pg-store'
import type { StoredEvent } from '../../eventstore/types'

async function apply(tx: Tx, stored: StoredEvent): Promise<void> {
  const event = stored as StoredEvent<LockEvent>
  switch (event.type) {
    case 'CollectiveTempKeyCreated': {
      const d = event.data
      const [key] = await tx<{ created_at: string }[]>`
        INSERT INTO collective_temp_keys (uuid, description, valid_from, valid_until, pin_seed, created_at, created_by)
        VALUES (${d.tempKeyUuid}, ${d.description ?? null}, ${d.validFrom}, ${d.validUntil}, ${d.pinSeed ?? null}, ${d.timestamp}, ${d.createdBy})
        ON CONFLICT (uuid) DO UPDATE SET pin_seed = coalesce(collective_temp_keys.pin_seed, excluded.pin_seed)
        RETURNING created_at`
      const doors = d.doors.map((door) => ({
        uuid: d.tempKeyUuid,
        door_id: door.id,
        lock_id: d.lockId,
        lock_uuid: d.lockUuid,
        label: door.label ?? null,
        access_method: door.accessMethod,
        created_at: key?.created_at ?? d.timestamp,
      }))
      if (doors.length > 0) await tx`INSERT INTO collective_temp_key_doors ${tx(doors)}`
      return
    }
    case 'CollectiveTempKeyRevoked':
      await tx`UPDATE collective_temp_keys SET revoked_at = ${event.data.timestamp} WHERE uuid = ${event.data.tempKeyUuid} AND revoked_at IS NULL`
      return
    case 'LockUuidChanged':
      await tx`UPDATE collective_temp_key_doors SET lock_uuid = ${event.data.newUuid} WHERE lock_id = ${event.data.lockId}`
      return
    default:
      return
  }
}

export const collectiveKeysPgProjection: PgProjection = {
  name: 'collective-keys',
  tables: ['collective_temp_keys', 'collective_temp_key_doors'],
  apply,
}
