// Decision rows against the whole history: for random sequences of temp-key commands, the command handler (lock facts
// from snapshot + tail or carried within a batch, the named key's row from entity_states) decides exactly what the
// decider decides on the full history folded in memory, and a cold reload finds the same state.
import { describe, expect, it } from 'bun:test'
import fc from 'fast-check'
import { openDatabase } from '../../src/db/connection'
import type { LockCommand } from '../../src/domain/lock/commands'
import { lockAggregate } from '../../src/domain/lock/decide'
import { type LockEvent, lockStreamId } from '../../src/domain/lock/events'
import type { LockEntity } from '../../src/domain/lock/state'
import { CommandHandler } from '../../src/eventstore/command-handler'
import { EventStore } from '../../src/eventstore/store'
import { Writer } from '../../src/eventstore/writer'
import { given } from '../support/given-when-then'
import { tempDbPath } from '../support/temp-db'

const LOCK = 77
const OWNER = 'a11ce000-0000-4000-8000-000000000001'
const KEYS = [1, 2, 3, 4].map((i) => `7e57c0de-0000-4000-8000-00000000000${i}`)
const START = Date.parse('2026-06-01T10:00:00.000Z')
const HOUR = 3_600_000
const iso = (ms: number) => new Date(ms).toISOString()

type Step = { kind: 'create' | 'update' | 'delete' | 'use' | 'refuse'; key: number; maxUses: number | null; hours: number }

const step = fc.record({
  kind: fc.constantFrom<Step['kind']>('create', 'update', 'delete', 'use', 'use', 'use', 'refuse'),
  key: fc.integer({ min: 0, max: KEYS.length - 1 }),
  maxUses: fc.constantFrom(null, 1, 2, 3),
  hours: fc.integer({ min: 1, max: 30 }),
})

function command(s: Step, now: number): LockCommand {
  const tempKeyUuid = KEYS[s.key] ?? ''
  const metadata = { now }
  switch (s.kind) {
    case 'create':
      return {
        type: 'CreateTempKey',
        data: {
          tempKeyUuid,
          accessMode: 'public',
          allowedUserIds: [],
          validFrom: iso(START),
          validUntil: iso(START + s.hours * HOUR),
          maxUses: s.maxUses,
          description: null,
          schedule: null,
          createdBy: OWNER,
        },
        metadata,
      }
    case 'update':
      return {
        type: 'UpdateTempKey',
        data: { tempKeyUuid, changes: { maxUses: s.maxUses, validUntil: iso(START + s.hours * HOUR) }, updatedBy: OWNER },
        metadata,
      }
    case 'delete':
      return { type: 'DeleteTempKey', data: { tempKeyUuid, deletedBy: OWNER }, metadata }
    case 'use':
      return { type: 'UseTempKey', data: { tempKeyUuid, userId: null, open: { requestId: null, reason: null } }, metadata }
    case 'refuse':
      return { type: 'RefuseTempKeyOpen', data: { tempKeyUuid, reason: 'expired', userId: null }, metadata }
  }
}

type Outcome = { events: { type: string; data: unknown }[] } | { error: string }

// The reference: the decider on the whole history, every key folded in memory.
function reference(history: LockEvent[], cmd: LockCommand): Outcome {
  const folded = given(lockAggregate, history)
  const id = lockAggregate.entities?.ofCommand(cmd) ?? null
  try {
    return { events: lockAggregate.decider.decide(cmd, folded.state, id === null ? null : folded.entity(id)) }
  } catch (error) {
    return { error: (error as Error).constructor.name }
  }
}

describe('decision rows', () => {
  it('should decide as the whole history would, batch after batch, and reload to the same state', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(step, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 12 }), async (batches) => {
        const path = tempDbPath()
        const db = openDatabase(path)
        const store = new EventStore(db, { aggregates: [lockAggregate], snapshotEvery: 3 })
        const handler = new CommandHandler(store, new Writer(db))
        const streamId = lockStreamId(LOCK)
        const create: LockCommand = {
          type: 'CreateLock',
          data: {
            lockId: LOCK,
            index: 1,
            uuid: 'b0b00000-0000-4000-8000-0000000000aa',
            serialNumber: null,
            vendorName: null,
            name: null,
            ownerId: OWNER,
            orgId: null,
            keys: [],
          },
          metadata: { now: START },
        }
        await handler.handle(lockAggregate, streamId, create, {})
        const history: LockEvent[] = store.readStream(streamId) as unknown as LockEvent[]
        let now = START
        for (const batch of batches) {
          const commands = batch.map((s) => command(s, (now += (s.hours % 5) * HOUR)))
          // One batch: every command joins the same group commit, in order.
          const settled = await Promise.allSettled(commands.map((cmd) => handler.handle(lockAggregate, streamId, cmd, {})))
          for (const [i, cmd] of commands.entries()) {
            const expected = reference(history, cmd)
            const result = settled[i]
            const actual: Outcome =
              result?.status === 'fulfilled'
                ? { events: result.value.events.map(({ type, data }) => ({ type, data })) }
                : { error: ((result?.reason ?? new Error()) as Error).constructor.name }
            expect(actual).toEqual(expected)
            if ('events' in expected) history.push(...(expected.events as LockEvent[]))
          }
        }
        const folded = given(lockAggregate, history)
        const cold = new EventStore(db, { aggregates: [lockAggregate], snapshotEvery: 3 })
        expect(cold.load(lockAggregate, streamId).state).toEqual(folded.state)
        for (const key of KEYS) expect(cold.loadEntity<LockEntity>(lockAggregate, streamId, key)).toEqual(folded.entity(key))
        db.$client.close()
      }),
      { numRuns: 40 },
    )
  })
})
