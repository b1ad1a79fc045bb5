// users, physical_keys and accessible_locks on PostgreSQL: the rows of ../users.ts (rows.ts builds them), each user
// with its UserCreated's position where SQLite has its rowid.
import type { Tx } from '../../db/pg/connection'
import { accessibleLocks, physicalKeys, users } from '../../db/pg/read-models'
import type { UserEvent } from '../../domain/user/events'
import type { PgProjection } from '../../eventstore/pg-store'
import type { StoredEvent } from '../../eventstore/types'
import { accessibleLockRow, physicalKeyRow, userRow } from '../rows'
import { named } from './named'

async function apply(tx: Tx, stored: StoredEvent): Promise<void> {
  const event = stored as StoredEvent<UserEvent>
  switch (event.type) {
    case 'UserCreated':
      await tx`INSERT INTO users ${tx(named(users, { ...userRow(event), position: event.position }))}`
      return
    case 'PhysicalKeyAdded':
      await tx`INSERT INTO physical_keys ${tx(named(physicalKeys, physicalKeyRow(event.data)))}`
      return
    case 'PhysicalKeyRemoved':
      await tx`DELETE FROM physical_keys WHERE user_id = ${event.data.userId} AND number = ${event.data.number}`
      return
    case 'AccessibleLockAdded': {
      const { userId, lockId, ...grant } = accessibleLockRow(event.data)
      await tx`
        INSERT INTO accessible_locks ${tx(named(accessibleLocks, { userId, lockId, ...grant }))}
        ON CONFLICT (user_id, lock_id) DO UPDATE SET ${tx(named(accessibleLocks, grant))}`
      return
    }
    case 'AccessibleLockRemoved':
      await tx`DELETE FROM accessible_locks WHERE user_id = ${event.data.userId} AND lock_id = ${event.data.lockId}`
      return
    case 'UserEmailUpdated':
      await copyEmailFromVault(tx, event.data.userId)
      return
    case 'UserPhoneNumberUpdated':
    case 'UserPasswordChanged':
    case 'LoginLinkIssued':
      return
  }
}

// UserEmailUpdated carries a masked address only: the raw one is in the vault. Also for UpdateEmail to run after it
// wrote the vault, which inside the append is not there yet.
export async function copyEmailFromVault(tx: Tx, userId: string): Promise<void> {
  await tx`UPDATE users SET email = COALESCE((SELECT email FROM user_emails WHERE user_id = ${userId}), email) WHERE user_id = ${userId}`
}

export const usersPgProjection: PgProjection = { name: 'users', tables: ['users', 'physical_keys', 'accessible_locks'], apply }
