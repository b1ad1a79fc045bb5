// A partner's feed on PostgreSQL never skips an event: writers in several orgs on three processes, each commit held
// open a random while after its events drew their positions, and a reader per org following positions as it goes.
import { afterAll, beforeAll, expect, it } from 'bun:test'
import type { Sql } from '../../src/db/pg/connection'
import { lockAggregate } from '../../src/domain/lock/decide'
import { lockStreamId } from '../../src/domain/lock/events'
import { PgCommandHandler } from '../../src/eventstore/pg-command-handler'
import { PgEventStore } from '../../src/eventstore/pg-store'
import { allPgProjections } from '../../src/projections/pg'
import { partnerOrderingKeys } from '../../src/projections/pg/partner-events'
import { createLockCommand } from '../fixtures/lock-commands'
import { pgProcesses } from '../fixtures/postgres'

const db = pgProcesses()
beforeAll(() => db.setUp())
afterAll(() => db.closeAll())

const ORGS = ['acme', 'globex', 'initech']
const LOCKS_PER_ORG = 3

const process = () =>
  new PgCommandHandler(
    new PgEventStore(db.pool(12), { projections: allPgProjections, aggregates: [lockAggregate], orderingKeys: partnerOrderingKeys }),
  )

// What GET /events reads for one partner: its routed positions after a cursor, in position order.
async function follow(sql: Sql, orgId: string, until: () => boolean): Promise<number[]> {
  const seen: number[] = []
  for (;;) {
    const done = until()
    const rows = await sql<{ position: number }[]>`
      SELECT position FROM partner_events WHERE org_id = ${orgId} AND position > ${seen.at(-1) ?? 0} ORDER BY position LIMIT 50`
    seen.push(...rows.map((row) => row.position))
    if (done && rows.length === 0) return seen
    await Bun.sleep(2)
  }
}

it('should hand every partner every one of its events, in position order, while commits land out of order', async () => {
  const processes = [process(), process(), process()]
  const lockIds = ORGS.flatMap((_, o) => Array.from({ length: LOCKS_PER_ORG }, (_, i) => 100 * (o + 1) + i))
  for (const lockId of lockIds) {
    const command = createLockCommand(lockId)
    command.data.orgId = ORGS[Math.floor(lockId / 100) - 1] as string
    await processes[0]!.handle(lockAggregate, lockStreamId(lockId), command, {})
  }
  let writing = true
  const readers = ORGS.map((orgId) => follow(db.pool(1), orgId, () => !writing))
  const heldOpen = async () => Bun.sleep(Math.random() * 15)
  await Promise.all(
    Array.from({ length: 240 }, (_, i) => {
      const lockId = lockIds[i % lockIds.length] as number
      const command = { type: 'RecordLockOpen' as const, data: { requestId: `r${i}`, reason: null }, metadata: { now: Date.now() } }
      return processes[i % 3]!.handle(lockAggregate, lockStreamId(lockId), command, {}, heldOpen)
    }),
  )
  writing = false
  const seen = await Promise.all(readers)
  const sql = db.pool(1)
  for (const [o, orgId] of ORGS.entries()) {
    const all = await sql<{ position: number }[]>`SELECT position FROM partner_events WHERE org_id = ${orgId} ORDER BY position`
    expect(all.length).toBeGreaterThan(80)
    expect(seen[o]).toEqual(all.map((row) => row.position))
  }
}, 60_000)
