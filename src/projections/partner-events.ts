// Routes each event to the partner (org) that receives it: lock events to the lock's org, physical-key events to
// the issuing org, access grants to the lock's org. Runs before the other projections so a removed physical
// key's issuer can still be read.
import { and, eq, sql } from 'drizzle-orm'
import type { Db } from '../db/connection'
import { locks, partnerEvents, physicalKeys } from '../db/schema'
import type { Projection } from '../eventstore/projections'
import type { StoredEvent } from '../eventstore/types'
import { perDb } from './prepared'

const statements = perDb((db) => ({
  lockOrg: db.select({ orgId: locks.orgId }).from(locks).where(eq(locks.lockId, sql.placeholder('lockId'))).prepare(),
  issuer: db
    .select({ orgId: physicalKeys.orgId })
    .from(physicalKeys)
    .where(and(eq(physicalKeys.userId, sql.placeholder('userId')), eq(physicalKeys.number, sql.placeholder('number'))))
    .prepare(),
  route: db
    .insert(partnerEvents)
    .values({ position: sql.placeholder('position'), orgId: sql.placeholder('orgId'), type: sql.placeholder('type') })
    .prepare(),
}))

const lockOrg = (db: Db, lockId: number) =>
  Number.isInteger(lockId) ? (statements(db).lockOrg.get({ lockId })?.orgId ?? null) : null

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
      const row = statements(db).issuer.get({ userId: str(data.userId) ?? '', number: num(data.number) })
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
  if (orgId !== null) statements(db).route.run({ position: event.position, orgId, type: event.type })
}

export const partnerEventsProjection: Projection = { name: 'partner-events', tables: ['partner_events'], apply }
