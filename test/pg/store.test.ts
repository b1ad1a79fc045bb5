// The PostgreSQL event store and command handler on a real server: the lock aggregate's own rules, several pools
// standing in for several processes.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { lockAggregate } from '../../src/domain/lock/decide'
import type { LockCommand } from '../../src/domain/lock/commands'
import { lockStreamId } from '../../src/domain/lock/events'
import { ConcurrencyError } from '../../src/eventstore/errors'
import { PgCommandHandler } from '../../src/eventstore/pg-command-handler'
import { LOG_START, PgEventStore } from '../../src/eventstore/pg-store'
import { createLockCommand, createTempKeyCommand } from '../fixtures/lock-commands'
import { pgProcesses } from '../fixtures/postgres'

const NOW = Date.parse('2026-12-05T12:00:00Z')
const db = pgProcesses()
const pool = (max = 10) => db.pool(max)
beforeAll(() => db.setUp())
afterAll(() => db.closeAll())

let nextLock = 1
const command = (type: LockCommand['type'], data: object) => ({ type, data, metadata: { now: NOW } }) as LockCommand

// A process of its own: pool, store and handler.
const process = (snapshotEvery = 100) => {
  const store = new PgEventStore(pool(), { aggregates: [lockAggregate], snapshotEvery })
  return { store, commands: new PgCommandHandler(store) }
}

async function lockWithKey(commands: PgCommandHandler, maxUses: number | null) {
  const lockId = nextLock++
  const streamId = lockStreamId(lockId)
  const tempKeyUuid = crypto.randomUUID()
  await commands.handle(lockAggregate, streamId, createLockCommand(lockId, NOW), {})
  await commands.handle(lockAggregate, streamId, createTempKeyCommand(tempKeyUuid, maxUses, NOW), {})
  return { streamId, tempKeyUuid }
}

const use = (tempKeyUuid: string) => command('UseTempKey', { tempKeyUuid, userId: null, open: null })

describe('appending on PostgreSQL', () => {
  it('should refuse an append whose expected version is not the head, and append nothing', async () => {
    const { store } = process()
    await store.transaction((tx) => store.append(tx, 'test-1', 0, [{ type: 'A', data: {} }], {}, NOW))
    const stale = store.transaction((tx) => store.append(tx, 'test-1', 0, [{ type: 'B', data: {} }], {}, NOW))
    await expect(stale).rejects.toBeInstanceOf(ConcurrencyError)
    const behind = store.transaction((tx) => store.append(tx, 'test-1', 2, [{ type: 'B', data: {} }], {}, NOW))
    await expect(behind).rejects.toBeInstanceOf(ConcurrencyError)
    expect((await store.readStream('test-1')).map((e) => e.type)).toEqual(['A'])
    expect(await store.streamVersion('test-1')).toBe(1)
  })

  it('should keep the payload as appended, key order included', async () => {
    const { store } = process()
    const data = { zeta: 1, alpha: { b: 2, a: [1, 'x'] }, mid: null }
    await store.transaction((tx) => store.append(tx, 'test-2', 0, [{ type: 'A', data }], { requestId: 'r1' }, NOW))
    const [event] = await store.readStream('test-2')
    expect(JSON.stringify(event?.data)).toBe(JSON.stringify(data))
    expect(event?.metadata).toEqual({ requestId: 'r1' })
    expect(event?.createdAt).toBe(NOW)
  })
})

describe('a temp key with maxUses used from three processes at once', () => {
  for (const maxUses of [1, 7, 50]) {
    it(`should record exactly ${maxUses} uses of 200 racing attempts`, async () => {
      const processes = [process(), process(), process()]
      const { streamId, tempKeyUuid } = await lockWithKey(processes[0]!.commands, maxUses)
      const outcomes = await Promise.allSettled(
        Array.from({ length: 200 }, (_, i) => processes[i % 3]!.commands.handle(lockAggregate, streamId, use(tempKeyUuid), {})),
      )
      const used = outcomes.filter((o) => o.status === 'fulfilled' && o.value.events.some((e) => e.type === 'TempKeyUsed'))
      expect(used).toHaveLength(maxUses)
      // Every other attempt was refused by the rule, none lost to a conflict.
      const refused = outcomes.filter((o) => o.status === 'rejected')
      expect(refused).toHaveLength(200 - maxUses)
      for (const o of refused) expect(((o as PromiseRejectedResult).reason as Error).message).toMatch(/used up|maximum|uses/i)
      const events = await processes[1]!.store.readStream(streamId)
      expect(events.filter((e) => e.type === 'TempKeyUsed')).toHaveLength(maxUses)
      expect(events.map((e) => e.streamVersion)).toEqual(events.map((_, i) => i + 1))
    })
  }
})

describe('state kept beside the log', () => {
  it('should decide from the decision row and a snapshot a cold process reads back the same', async () => {
    const writer = process(5)
    const { streamId, tempKeyUuid } = await lockWithKey(writer.commands, 10)
    for (let i = 0; i < 6; i++) await writer.commands.handle(lockAggregate, streamId, use(tempKeyUuid), {})
    const cold = process(5)
    const [snapshot] = await cold.store.sql<{ stream_version: number }[]>`
      SELECT stream_version FROM snapshots WHERE stream_id = ${streamId}`
    expect(snapshot?.stream_version).toBe(5)
    const row = await cold.store.transaction((tx) => cold.store.loadEntity<{ usedCount: number }>(streamId, tempKeyUuid, tx))
    expect(row?.usedCount).toBe(6)
    // The cold process folds from the snapshot: only the events after it.
    await cold.store.transaction((tx) => cold.store.loadHead(lockAggregate, streamId, tx))
    expect(cold.store.eventsFolded).toBe(3)
    for (let i = 0; i < 4; i++) await cold.commands.handle(lockAggregate, streamId, use(tempKeyUuid), {})
    await expect(writer.commands.handle(lockAggregate, streamId, use(tempKeyUuid), {})).rejects.toThrow()
  })

  it('should not let an older snapshot replace a newer one', async () => {
    const { store } = process()
    await store.transaction((tx) => store.saveSnapshot(tx, 'test-snap', 200, 1, { at: 200 }))
    await store.transaction((tx) => store.saveSnapshot(tx, 'test-snap', 100, 1, { at: 100 }))
    const [row] = await store.sql<{ state: unknown }[]>`SELECT state FROM snapshots WHERE stream_id = 'test-snap'`
    expect(row?.state).toEqual({ at: 200 })
  })

  it('should rebuild decision rows written for another state shape, once, at start', async () => {
    const writer = process()
    const { streamId, tempKeyUuid } = await lockWithKey(writer.commands, 3)
    await writer.commands.handle(lockAggregate, streamId, use(tempKeyUuid), {})
    await writer.store.sql`DELETE FROM entity_states WHERE stream_id = ${streamId}`
    await writer.store.sql`UPDATE settings SET value = 'old' WHERE key = 'decision-state:lock'`
    const starting = [process(), process()]
    const upgraded = await Promise.all(starting.map((p) => p.store.upgrade()))
    expect(upgraded.sort()).toEqual([[], ['lock']])
    const row = await writer.store.transaction((tx) => writer.store.loadEntity<{ usedCount: number }>(streamId, tempKeyUuid, tx))
    expect(row?.usedCount).toBe(1)
  })
})

// An append whose transaction stays open until released: a commit that drew its position early and lands late.
function appendHeldOpen(store: PgEventStore, streamId: string, type: string) {
  let release = () => {}
  const held = new Promise<void>((resolve) => (release = resolve))
  const done = store.transaction(async (tx) => {
    await store.append(tx, streamId, 0, [{ type, data: {} }], {}, NOW)
    await held
  })
  return { release, done }
}

describe('reading the whole log', () => {
  it('should not skip an event whose transaction drew its position first and committed last', async () => {
    const { store } = process()
    const start = await store.settledHead()
    const { release, done: late } = appendHeldOpen(store, 'test-late', 'Late')
    await Bun.sleep(50)
    await store.transaction((tx) => store.append(tx, 'test-early', 0, [{ type: 'Early', data: {} }], {}, NOW))
    const before = await store.readCommitted(start, 100)
    expect(before.events.map((e) => e.type)).toEqual([])
    release()
    await late
    const after = await store.readCommitted(start, 100)
    expect(after.events.map((e) => e.type)).toEqual(['Late', 'Early'])
    expect((await store.readCommitted(after.cursor, 100)).events).toEqual([])
  })

  it('should commit the events of one ordering key in position order, a later append waiting for the earlier', async () => {
    const store = new PgEventStore(pool(), { orderingKeys: async (_tx, streamId) => [`org:${streamId.split('-')[1]}`] })
    const head = await store.headPosition()
    const { release, done: first } = appendHeldOpen(store, 'x-acme-1', 'First')
    await Bun.sleep(50)
    const second = store.transaction((tx) => store.append(tx, 'x-acme-2', 0, [{ type: 'Second', data: {} }], {}, NOW))
    const otherOrg = store.transaction((tx) => store.append(tx, 'x-globex-1', 0, [{ type: 'Other', data: {} }], {}, NOW))
    await otherOrg
    await Bun.sleep(50)
    // Another org's writer went ahead; acme's second append waits for the first to commit.
    expect((await store.readAll(head, 100)).map((e) => e.type)).toEqual(['Other'])
    release()
    await Promise.all([first, second])
    const acme = (await store.readAll(head, 100)).filter((e) => e.streamId.startsWith('x-acme'))
    expect(acme.map((e) => e.type)).toEqual(['First', 'Second'])
    expect(acme[0]!.position).toBeLessThan(acme[1]!.position)
  })

  it('should start a new reader at the settled head', async () => {
    const { store } = process()
    await store.transaction((tx) => store.append(tx, 'test-head', 0, [{ type: 'A', data: {} }], {}, NOW))
    const head = await store.settledHead()
    expect(head).not.toEqual(LOG_START)
    expect((await store.readCommitted(head, 10)).events).toEqual([])
  })
})

describe('one command on each of several streams', () => {
  const createKey = (tempKeyUuid: string) => createTempKeyCommand(tempKeyUuid, null, NOW)

  it('should append to every stream or, when a later one refuses, to none', async () => {
    const { store, commands } = process()
    const [a, b] = [nextLock++, nextLock++]
    for (const lockId of [a, b]) await commands.handle(lockAggregate, lockStreamId(lockId), createLockCommand(lockId, NOW), {})
    const taken = crypto.randomUUID()
    await commands.handle(lockAggregate, lockStreamId(b), createKey(taken), {})
    const across = [
      { streamId: lockStreamId(a), command: createKey(taken) },
      { streamId: lockStreamId(b), command: createKey(taken) },
    ]
    await expect(commands.handleAcross(lockAggregate, across, {})).rejects.toThrow('already exists')
    expect(await store.streamVersion(lockStreamId(a))).toBe(1)
    const fresh = crypto.randomUUID()
    const both = across.map(({ streamId }) => ({ streamId, command: createKey(fresh) }))
    const handled = await commands.handleAcross(lockAggregate, both, {})
    expect(handled.map((h) => h.events.map((e) => e.type))).toEqual([['TempKeyCreated'], ['TempKeyCreated']])
  })

  it('should not deadlock when commands name the same streams in opposite orders, from three processes', async () => {
    const processes = [process(), process(), process()]
    const [a, b] = [nextLock++, nextLock++]
    for (const lockId of [a, b])
      await processes[0]!.commands.handle(lockAggregate, lockStreamId(lockId), createLockCommand(lockId, NOW), {})
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) => {
        const uuid = crypto.randomUUID()
        const streams = i % 2 === 0 ? [a, b] : [b, a]
        const across = streams.map((lockId) => ({ streamId: lockStreamId(lockId), command: createKey(uuid) }))
        return processes[i % 3]!.commands.handleAcross(lockAggregate, across, {})
      }),
    )
    expect(results.filter((r) => r.status === 'rejected')).toEqual([])
    expect(await processes[0]!.store.streamVersion(lockStreamId(a))).toBe(31)
  })
})
