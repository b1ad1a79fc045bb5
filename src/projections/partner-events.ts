// Routes each event to the partner (org) that receives it: lock events to the lock's org, physical-key events to
// the issuing org, access grants to the lock's org. Runs before the other projections so a removed physical
// key's issuer can still be read.
import type { Db } from '../db/connection'
import type { Projection } from '../eventstore/projections'
import type { StoredEvent } from '../eventstore/types'
import { perDb } from './prepared'

// Plain bun:sqlite statements: this runs for nearly every event appended, inside the batch transaction.
const statements = perDb((db) => ({
  lockOrg: db.$client.query<{ orgId: string | null }, [number]>('SELECT org_id AS orgId FROM locks WHERE lock_id = ?'),
  issuer: db.$client.query<{ orgId: string }, [string, number]>(
    'SELECT org_id AS orgId FROM physical_keys WHERE user_id = ? AND number = ?',
  ),
  route: db.$client.query<unknown, [number, string, string]>('INSERT INTO partner_events (position, org_id, type) VALUES (?, ?, ?)'),
}))

const lockOrg = (db: Db, lockId: number) => (Number.isInteger(lockId) ? (statements(db).lockOrg.get(lockId)?.orgId ?? null) : null)

const str = (value: unknown) => (typeof value === 'string' ? value : null)
const num = (value: unknown) => (typeof value === 'number' ? value : Number(value))

export function partnerOf(db: Db, event: StoredEvent): string | null {
  const data = event.data
  if (event.streamId.startsWith('lock-')) {
    if (event.type === 'OrganizationSet' || event.type === 'LockCreated') return str(data.orgId) ?? lockOrg(db, num(data.lockId))
    return lockOrg(db, num(data.lockId))
  }
  switch (event.type) {
    case 'PhysicalKeyAdded':
      return str(data.orgId)
    case 'PhysicalKeyRemoved': {
      const row = statements(db).issuer.get(str(data.userId) ?? '', num(data.number))
      return row?.orgId ?? null
    }
    case 'AccessibleLockAdded':
    case 'AccessibleLockRemoved':
      return lockOrg(db, num(data.lockId))
    default:
      return null
  }
}

function apply(db: Db, event: StoredEvent): void {
  const orgId = partnerOf(db, event)
  if (orgId !== null) statements(db).route.run(event.position, orgId, event.type)
}

export const partnerEventsProjection: Projection = { name: 'partner-events', tables: ['partner_events'], apply }
