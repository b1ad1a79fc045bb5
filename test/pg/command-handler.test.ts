// Group commit on PostgreSQL: the commands of one stream that wait while its transaction runs commit together, each in a
// savepoint of its own, on the lock aggregate's own rules.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import type { Tx } from '../../src/db/pg/connection'
import { Conflict } from '../../src/domain/errors'
import type { LockCommand } from '../../src/domain/lock/commands'
import { lockAggregate } from '../../src/domain/lock/decide'
import { lockStreamId } from '../../src/domain/lock/events'
import { PgCommandHandler } from '../../src/eventstore/pg-command-handler'
import { PgEventStore } from '../../src/eventstore/pg-store'
import type { StoredEvent } from '../../src/eventstore/types'
import { createLockCommand, createTempKeyCommand } from '../fixtures/lock-commands'
import { pgProcesses } from '../fixtures/postgres'

const NOW = Date.parse('2026-12-05T12:00:00Z')
const db = pgProcesses()
beforeAll(() => db.setUp())
afterAll(() => db.closeAll())

let nextLock = 1
const command = (type: LockCommand['type'], data: object) => ({ type, data, metadata: { now: NOW } }) as LockCommand
const open = (requestId: string) => command('RecordLockOpen', { requestId, reason: null })
const use = (tempKeyUuid: string) => command('UseTempKey', { tempKeyUuid, userId: null, open: null })
const createKey = (tempKeyUuid: string, maxUses: number | null) => createTempKeyCommand(tempKeyUuid, maxUses, NOW)

// A process of its own (pool, store, handler), counting the transactions it begins and the events it is told of.
const process = (max = 4) => {
  const store = new PgEventStore(db.pool(max), { aggregates: [lockAggregate] })
  const begin = store.transaction.bind(store)
  const counted = { transactions: 0, told: [] as StoredEvent[] }
  store.transaction = <T>(work: (tx: Tx) => Promise<T>) => {
    counted.transactions++
    return begin(work)
  }
  const commands = new PgCommandHandler(store, (events) => counted.told.push(...events))
  return { store, commands, counted }
}

async function newLock(commands: PgCommandHandler) {
  const lockId = nextLock++
  const streamId = lockStreamId(lockId)
  await commands.handle(lockAggregate, streamId, createLockCommand(lockId, NOW), {})
  return streamId
}

const requestIds = (events: StoredEvent[]) =>
  events.filter((e) => e.type === 'LockOpenRequested').map((e) => (e.data as { requestId: string }).requestId)

describe('commands on one stream from one process', () => {
  it('should commit 200 at once in a handful of transactions, in the order they came, each told once', async () => {
    const { store, commands, counted } = process()
    const streamId = await newLock(commands)
    counted.transactions = 0
    counted.told = []
    const ids = Array.from({ length: 200 }, (_, i) => `r${i}`)
    const handled = await Promise.all(ids.map((id) => commands.handle(lockAggregate, streamId, open(id), {})))
    // 50 to a transaction, and the first perhaps alone when it found the stream idle.
    expect(counted.transactions).toBeLessThanOrEqual(5)
    const events = await store.readStream(streamId)
    expect(events.map((e) => e.streamVersion)).toEqual(events.map((_, i) => i + 1))
    expect(requestIds(events)).toEqual(ids)
    expect(handled.map((h) => h.version)).toEqual(ids.map((_, i) => i + 2))
    expect(requestIds(counted.told)).toEqual(ids)
  })

  it("should roll back only a failing command's own writes and tell only its caller", async () => {
    const { store, commands, counted } = process()
    const streamId = await newLock(commands)
    const tempKeyUuid = crypto.randomUUID()
    await commands.handle(lockAggregate, streamId, createKey(tempKeyUuid, 1), {})
    counted.transactions = 0
    const handle = (c: LockCommand, alongside?: (tx: Tx) => Promise<void>) =>
      commands.handle(lockAggregate, streamId, c, {}, alongside && ((_handled, tx) => alongside(tx)))
    const running = handle(open('first'))
    const outcomes = await Promise.allSettled([
      handle(open('a')),
      handle(use(tempKeyUuid)),
      handle(open('b')),
      // Refused by the rule: the key is used up by the use before it in this batch.
      handle(use(tempKeyUuid)),
      // Appended, then its writes beside the log fail: a statement the server refuses, then a Conflict.
      handle(open('c'), async (tx) => {
        await tx`SELECT 1 / 0`
      }),
      handle(open('d'), async () => {
        throw new Conflict('This email belongs to another user')
      }),
      handle(open('e')),
    ])
    await running
    // The seven after the first shared a transaction (the first too, when it came while the stream's last batch was
    // still settling).
    expect(counted.transactions).toBeLessThanOrEqual(2)
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'rejected', 'rejected', 'rejected', 'fulfilled'])
    const reasons = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as Error & { code?: string }] : []))
    expect(reasons[0]?.message).toMatch(/used up|maximum|uses/i)
    expect(reasons[1]?.code).toBe('22012')
    expect(reasons[2]).toBeInstanceOf(Conflict)
    const events = await store.readStream(streamId)
    expect(events.map((e) => e.streamVersion)).toEqual(events.map((_, i) => i + 1))
    expect(requestIds(events)).toEqual(['first', 'a', 'b', 'e'])
    expect(events.filter((e) => e.type === 'TempKeyUsed')).toHaveLength(1)
    const last = outcomes.at(-1)
    expect(last?.status === 'fulfilled' && last.value.version).toBe(events.length)
  })
  it('should leave no trace of a command alone in its transaction whose writes beside the log fail', async () => {
    const { store, commands } = process()
    const streamId = await newLock(commands)
    const refused = commands.handle(lockAggregate, streamId, open('alone'), {}, async () => {
      throw new Conflict('This email belongs to another user')
    })
    await expect(refused).rejects.toBeInstanceOf(Conflict)
    expect(await store.streamVersion(streamId)).toBe(1)
    expect(requestIds(await store.readStream(streamId))).toEqual([])
  })
})

describe('a temp key with maxUses 7 used 200 times at once from three processes', () => {
  it('should record exactly 7 uses, in fewer transactions than commands', async () => {
    const processes = [process(), process(), process()]
    const streamId = await newLock(processes[0]!.commands)
    const tempKeyUuid = crypto.randomUUID()
    await processes[0]!.commands.handle(lockAggregate, streamId, createKey(tempKeyUuid, 7), {})
    for (const p of processes) p.counted.transactions = 0
    const outcomes = await Promise.allSettled(
      Array.from({ length: 200 }, (_, i) => processes[i % 3]!.commands.handle(lockAggregate, streamId, use(tempKeyUuid), {})),
    )
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(7)
    for (const o of outcomes) if (o.status === 'rejected') expect((o.reason as Error).message).toMatch(/used up|maximum|uses/i)
    const events = await processes[1]!.store.readStream(streamId)
    expect(events.filter((e) => e.type === 'TempKeyUsed')).toHaveLength(7)
    expect(events.map((e) => e.streamVersion)).toEqual(events.map((_, i) => i + 1))
    expect(processes.reduce((sum, p) => sum + p.counted.transactions, 0)).toBeLessThan(20)
  })
})

describe('a command across streams while a batch of one of them is in flight', () => {
  it('should neither deadlock nor lose a command, from two processes with small pools', async () => {
    const processes = [process(2), process(2)]
    const [a, b] = [await newLock(processes[0]!.commands), await newLock(processes[0]!.commands)]
    const outcomes = await Promise.allSettled(
      Array.from({ length: 240 }, (_, i) => {
        const { commands } = processes[i % 2]!
        if (i % 8 === 0) {
          const uuid = crypto.randomUUID()
          const streams = i % 16 === 0 ? [a, b] : [b, a]
          return commands.handleAcross(
            lockAggregate,
            streams.map((streamId) => ({ streamId, command: createKey(uuid, null) })),
            {},
          )
        }
        return commands.handle(lockAggregate, i % 3 === 0 ? b : a, open(`x${i}`), {})
      }),
    )
    expect(outcomes.filter((o) => o.status === 'rejected')).toEqual([])
    const [onA, onB] = [await processes[1]!.store.readStream(a), await processes[1]!.store.readStream(b)]
    const across = 240 / 8
    const opensOnB = Array.from({ length: 240 }, (_, i) => i).filter((i) => i % 8 !== 0 && i % 3 === 0).length
    expect(onB.map((e) => e.streamVersion)).toEqual(onB.map((_, i) => i + 1))
    expect(onA.map((e) => e.streamVersion)).toEqual(onA.map((_, i) => i + 1))
    expect([onA.length, onB.length]).toEqual([1 + across + (240 - across - opensOnB), 1 + across + opensOnB])
  })
})
