// Routes each event to the partner (org) that receives it: lock events to the lock's org, physical-key events to
// the issuing org, access grants to the lock's org. Runs before the other projections so a removed physical
// key's issuer can still be read.
import type { Db } from '../db/connection'
import type { Projection } from '../eventstore/projections'
import type { StoredEvent } from '../eventstore/types'
import { perDb } from './prepared'
import { partnerRoute } from './rows'

// Plain bun:sqlite statements: this runs for nearly every event appended, inside the batch transaction.
const statements = perDb((db) => ({
  lockOrg: db.$client.query<{ orgId: string | null }, [number]>('SELECT org_id AS orgId FROM locks WHERE lock_id = ?'),
  issuer: db.$client.query<{ orgId: string }, [string, number]>(
    'SELECT org_id AS orgId FROM physical_keys WHERE user_id = ? AND number = ?',
  ),
  route: db.$client.query<unknown, [number, string, string]>('INSERT INTO partner_events (position, org_id, type) VALUES (?, ?, ?)'),
}))

// The org the event's route names: given in the event, or read from the lock's or the key's row.
export function partnerOf(db: Db, event: StoredEvent): string | null {
  const route = partnerRoute(event)
  if (route === null || route.from === 'event') return route?.orgId ?? null
  const row = route.from === 'lock' ? statements(db).lockOrg.get(route.lockId) : statements(db).issuer.get(route.userId, route.number)
  return row?.orgId ?? null
}

function apply(db: Db, event: StoredEvent): void {
  const orgId = partnerOf(db, event)
  if (orgId !== null) statements(db).route.run(event.position, orgId, event.type)
}

export const partnerEventsProjection: Projection = { name: 'partner-events', tables: ['partner_events'], apply }
