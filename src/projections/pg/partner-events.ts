// partner_events on PostgreSQL: the routes of ../partner-events.ts (rows.ts decides them), the lock's org or the key's
// issuer read inside the append's transaction. Runs first, before the users projection deletes a removed key's row.
import type { Tx } from '../../db/pg/connection'
import type { PgProjection } from '../../eventstore/pg-store'
import type { Event, StoredEvent } from '../../eventstore/types'
import { partnerRoute } from '../rows'

async function partnerOf(tx: Tx, event: StoredEvent): Promise<string | null> {
  const route = partnerRoute(event)
  if (route === null || route.from === 'event') return route?.orgId ?? null
  const [row] =
    route.from === 'lock'
      ? await tx<{ org_id: string | null }[]>`SELECT org_id FROM locks WHERE lock_id = ${route.lockId}`
      : await tx<{ org_id: string }[]>`SELECT org_id FROM physical_keys WHERE user_id = ${route.userId} AND number = ${route.number}`
  return row?.org_id ?? null
}

// The orgs a command's events go to, read before the events draw their positions: the store's ordering keys
// (pg-store.ts), so each partner's events commit in position order and a feed reader following positions never
// skips a late commit. An earlier event of the same command that moves a lock to another org names that org itself.
export async function partnerOrderingKeys(tx: Tx, streamId: string, events: Event[]): Promise<string[]> {
  const orgs = await Promise.all(events.map((event) => partnerOf(tx, { ...event, streamId } as StoredEvent)))
  return orgs.flatMap((orgId) => (orgId === null ? [] : [`partner:${orgId}`]))
}

async function apply(tx: Tx, event: StoredEvent): Promise<void> {
  const orgId = await partnerOf(tx, event)
  if (orgId !== null) await tx`INSERT INTO partner_events (position, org_id, type) VALUES (${event.position}, ${orgId}, ${event.type})`
}

export const partnerEventsPgProjection: PgProjection = { name: 'partner-events', tables: ['partner_events'], apply }
