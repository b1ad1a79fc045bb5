// The generic command handler on a real SQLite file, driven by a tiny counter decider defined here: snapshots
// bound the load, snapshots are only a cache, conflicts are retried, and concurrent commands share one commit.
import { describe, expect, it } from 'bun:test'
import { openDatabase } from '../../src/db/connection'
import { CommandHandler } from '../../src/eventstore/command-handler'
import { ConcurrencyError } from '../../src/eventstore/errors'
import { EventStore } from '../../src/eventstore/store'
import type { Aggregate, Command, Decider, Event } from '../../src/eventstore/types'
import { Writer } from '../../src/eventstore/writer'
import { given } from '../support/given-when-then'
import { tempDbPath, uniqueId } from '../support/temp-db'

const NOW = Date.parse('2026-06-01T10:00:00.000Z')

class CounterError extends Error {}

type CounterState = { count: number }
type CounterCommand =
  | Command<'Increment', { by: number }>
  | Command<'Decrement', { by: number }>
  // Many events from one command: how the tests write a long stream in one transaction.
  | Command<'IncrementMany', { times: number }>
type CounterEvent = Event<'Incremented', { by: number }> | Event<'Decremented', { by: number }>

const increment = (by = 1): CounterCommand => ({ type: 'Increment', data: { by }, metadata: { now: NOW } })
const decrement = (by = 1): CounterCommand => ({ type: 'Decrement', data: { by }, metadata: { now: NOW } })
const incrementMany = (times: number): CounterCommand => ({ type: 'IncrementMany', data: { times }, metadata: { now: NOW } })
const incremented = (by = 1): CounterEvent => ({ type: 'Incremented', data: { by } })
const decremented = (by = 1): CounterEvent => ({ type: 'Decremented', data: { by } })

function decideCounter(command: CounterCommand, state: CounterState): CounterEvent[] {
  switch (command.type) {
    case 'Increment':
      return command.data.by === 0 ? [] : [incremented(command.data.by)]
    case 'Decrement':
      if (command.data.by > state.count) throw new CounterError(`cannot go below zero from ${state.count}`)
      return [decremented(command.data.by)]
    case 'IncrementMany':
      return Array.from({ length: command.data.times }, () => incremented())
    default: {
      const unknown: never = command
      throw new Error(`unknown command ${JSON.stringify(unknown)}`)
    }
  }
}

function evolveCounter(state: CounterState, event: CounterEvent): CounterState {
  switch (event.type) {
    case 'Incremented':
      return { count: state.count + event.data.by }
    case 'Decremented':
      return { count: state.count - event.data.by }
  }
}

const counterDecider: Decider<CounterState, CounterCommand, CounterEvent> = {
  decide: decideCounter,
  evolve: evolveCounter,
  initialState: { count: 0 },
}

const counter: Aggregate<CounterState, CounterCommand, CounterEvent> = { name: 'counter', stateVersion: 1, decider: counterDecider }

function setup(options: { snapshotEvery?: number } = {}) {
  const path = tempDbPath()
  const db = openDatabase(path)
  const store = new EventStore(db, { snapshotEvery: options.snapshotEvery ?? 100 })
  const writer = new Writer(db)
  const committed: string[] = []
  const handler = new CommandHandler(store, writer, (events) => committed.push(...events.map((e) => e.streamId)))
  return { path, db, store, writer, handler, committed }
}

// A decider whose first `sneakyCalls` decisions append to the same stream behind the handler's back, as another
// process would between the handler's load and its append.
function racingCounter(store: EventStore, streamId: string, sneakyCalls: number) {
  let calls = 0
  const aggregate: Aggregate<CounterState, CounterCommand, CounterEvent> = {
    ...counter,
    decider: {
      ...counterDecider,
      decide: (command, state) => {
        calls++
        if (calls <= sneakyCalls) store.append(streamId, store.streamVersion(streamId), [incremented(100)], {}, NOW)
        return decideCounter(command, state)
      },
    },
  }
  return { aggregate, calls: () => calls }
}

describe('the counter decider', () => {
  describe('when nothing has happened yet', () => {
    it('should count an increment', () => {
      given(counterDecider)
        .when(increment(2))
        .then([incremented(2)])
    })

    it('should refuse to go below zero', () => {
      given(counterDecider).when(decrement()).thenThrows(CounterError, 'below zero')
    })
  })

  describe('when the counter is at 3', () => {
    const history = [incremented(2), incremented(1)]

    it('should decrement to 1', () => {
      given(counterDecider, history).when(decrement(2)).thenState({ count: 1 })
    })

    it('should decide nothing for an increment by zero', () => {
      given(counterDecider, history).when(increment(0)).then([])
    })
  })
})

describe('a stream handled by the command handler', () => {
  it('should append the decided events and return them with the new version and state', async () => {
    const { store, handler, committed } = setup()
    const streamId = uniqueId('counter')

    await handler.handle(counter, streamId, increment(5), { requestId: 'req_a' })
    const result = await handler.handle(counter, streamId, decrement(2), { requestId: 'req_b' })

    expect(result.version).toBe(2)
    expect(result.state).toEqual({ count: 3 })
    expect(result.events).toMatchObject([{ type: 'Decremented', data: { by: 2 }, streamVersion: 2, metadata: { requestId: 'req_b' } }])
    expect(store.readStream(streamId).map((e) => ({ type: e.type, data: e.data }))).toEqual([incremented(5), decremented(2)])
    expect(committed).toEqual([streamId, streamId])
  })

  it('should append nothing and keep the version when decide returns no events', async () => {
    const { store, handler, committed } = setup()
    const streamId = uniqueId('counter')
    await handler.handle(counter, streamId, increment(), {})

    const result = await handler.handle(counter, streamId, increment(0), {})

    expect(result).toEqual({ events: [], version: 1, state: { count: 1 } })
    expect(store.streamVersion(streamId)).toBe(1)
    expect(committed).toEqual([streamId])
  })

  it('should reject a refused command and leave the stream untouched', async () => {
    const { store, handler } = setup()
    const streamId = uniqueId('counter')
    await handler.handle(counter, streamId, increment(), {})

    await expect(handler.handle(counter, streamId, decrement(5), {})).rejects.toBeInstanceOf(CounterError)
    expect(store.streamVersion(streamId)).toBe(1)
  })
})

describe('when snapshots are taken every N events', () => {
  it('should snapshot the state at the last N boundary crossed', async () => {
    const { db, handler } = setup({ snapshotEvery: 5 })
    const streamId = uniqueId('counter')

    for (let i = 0; i < 12; i++) await handler.handle(counter, streamId, increment(), {})

    const row = db.$client.query('SELECT stream_version, schema_version, state FROM snapshots WHERE stream_id = ?').get(streamId)
    expect(row).toEqual({ stream_version: 10, schema_version: 1, state: JSON.stringify({ count: 10 }) })
  })

  describe('and a stream holds 100,000 events', () => {
    // N does not divide 100,000, so the last snapshot (99,968) leaves a tail of 32 events to fold.
    const N = 64
    const TOTAL = 100_000

    async function longStream() {
      const ctx = setup({ snapshotEvery: N })
      const streamId = uniqueId('counter')
      // One command, one transaction, 99,900 events; then single commands across a few snapshot boundaries.
      await ctx.handler.handle(counter, streamId, incrementMany(TOTAL - 100), {})
      for (let i = 0; i < 100; i++) await ctx.handler.handle(counter, streamId, increment(), {})
      // A fresh store: no cached state, so load() must use the snapshot.
      const store = new EventStore(ctx.db, { snapshotEvery: N })
      return { ...ctx, streamId, store }
    }

    it('should load by folding only the tail after the latest snapshot', async () => {
      const { store, streamId } = await longStream()
      const before = store.eventsFolded

      const loaded = store.load(counter, streamId)

      expect(loaded).toEqual({ state: { count: TOTAL }, version: TOTAL })
      expect(store.eventsFolded - before).toBeLessThan(N)
      expect(store.eventsFolded - before).toBe(TOTAL % N)
    })

    it('should load the same state after every snapshot is deleted (a snapshot is only a cache)', async () => {
      const { db, store, streamId } = await longStream()
      const withSnapshot = store.load(counter, streamId)
      store.forget()
      db.$client.exec('DELETE FROM snapshots')
      const before = store.eventsFolded

      const withoutSnapshot = store.load(counter, streamId)

      expect(withoutSnapshot).toEqual(withSnapshot)
      expect(store.eventsFolded - before).toBe(TOTAL)
    }, 60_000)
  })

  it('should snapshot at once after folding N or more events no snapshot covered, so the fold is paid once', async () => {
    const { db, store, handler } = setup({ snapshotEvery: 10 })
    const streamId = uniqueId('counter')
    store.append(
      streamId,
      0,
      Array.from({ length: 25 }, () => incremented()),
      {},
      NOW,
    )
    await handler.handle(counter, streamId, increment(), {})

    const fresh = new EventStore(db, { snapshotEvery: 10 })
    expect(fresh.load(counter, streamId)).toEqual({ state: { count: 26 }, version: 26 })
    expect(fresh.eventsFolded).toBe(0)
  })

  it('should ignore a snapshot written for another state version', async () => {
    const { store, handler } = setup({ snapshotEvery: 2 })
    const streamId = uniqueId('counter')
    for (let i = 0; i < 4; i++) await handler.handle(counter, streamId, increment(), {})
    // A snapshot with a wrong state under the current version would be served; under an old version it is skipped.
    store.saveSnapshot(streamId, 4, 0, { count: 999 })
    store.forget()

    expect(store.load(counter, streamId)).toEqual({ state: { count: 4 }, version: 4 })
  })
})

describe('when another writer appends between load and append', () => {
  it('should retry with the fresh state and succeed', async () => {
    const { store, handler } = setup()
    const streamId = uniqueId('counter')
    const racing = racingCounter(store, streamId, 1)

    const result = await handler.handle(racing.aggregate, streamId, increment(1), {})

    expect(racing.calls()).toBe(2)
    expect(result.version).toBe(2)
    expect(result.state).toEqual({ count: 101 })
    expect(store.readStream(streamId).map((e) => e.data)).toEqual([{ by: 100 }, { by: 1 }])
  })

  it('should build on appends made through another connection despite its cached state', async () => {
    const first = setup()
    const secondDb = openDatabase(first.path)
    const second = new CommandHandler(new EventStore(secondDb), new Writer(secondDb))
    const streamId = uniqueId('counter')

    await first.handler.handle(counter, streamId, increment(1), {})
    await second.handle(counter, streamId, increment(10), {})
    const result = await first.handler.handle(counter, streamId, increment(100), {})

    expect(result).toMatchObject({ version: 3, state: { count: 111 } })
    secondDb.$client.close()
  })

  it('should give up with ConcurrencyError after 3 attempts, keeping none of its writes', async () => {
    const { store, handler } = setup()
    const streamId = uniqueId('counter')
    const racing = racingCounter(store, streamId, Number.POSITIVE_INFINITY)

    await expect(handler.handle(racing.aggregate, streamId, increment(1), {})).rejects.toBeInstanceOf(ConcurrencyError)

    expect(racing.calls()).toBe(3)
    // The rival appends ran inside the failed command's savepoint, so they rolled back with it.
    expect(store.readStream(streamId)).toEqual([])
  })
})

describe('when the cached state may be behind the log', () => {
  it('should build on the commands before it in the same batch, on the same stream', async () => {
    const { store, handler } = setup()
    const streamId = uniqueId('counter')
    await handler.handle(counter, streamId, increment(1), {})

    const results = await Promise.all([2, 3, 4].map((by) => handler.handle(counter, streamId, increment(by), {})))

    expect(results.map((r) => [r.version, r.state.count])).toEqual([
      [2, 3],
      [3, 6],
      [4, 10],
    ])
    expect(store.load(counter, streamId)).toEqual({ state: { count: 10 }, version: 4 })
  })

  it('should carry each command state to the next one of the batch: no event is read back or folded again', async () => {
    const { store, writer, handler } = setup()
    const streamId = uniqueId('counter')
    await handler.handle(counter, streamId, increment(1), {})
    const folded = store.eventsFolded
    const batchesBefore = writer.batches

    const results = await Promise.all(Array.from({ length: 8 }, () => handler.handle(counter, streamId, increment(1), {})))

    expect(writer.batches - batchesBefore).toBe(1)
    expect(results.map((r) => r.version)).toEqual(Array.from({ length: 8 }, (_, i) => i + 2))
    expect(store.eventsFolded).toBe(folded)
  })

  it('should drop the carried states of a batch that rolled back as a whole', async () => {
    const { db, store, handler } = setup()
    const streamId = uniqueId('counter')
    await handler.handle(counter, streamId, increment(1), {})
    const client = db.$client
    client.exec(`PRAGMA max_page_count = ${(client.query('PRAGMA page_count').get() as { page_count: number }).page_count}`)
    const pad = () =>
      client
        .query('INSERT INTO snapshots (stream_id, stream_version, schema_version, state) VALUES (?, 0, 0, ?)')
        .run(uniqueId('pad'), 'x'.repeat(20_000))

    const outcomes = await Promise.allSettled([
      handler.handle(counter, streamId, increment(5), {}),
      handler.handle(counter, streamId, increment(7), {}, pad),
    ])
    client.exec('PRAGMA max_page_count = 1073741823')

    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected'])
    expect(store.load(counter, streamId)).toEqual({ state: { count: 1 }, version: 1 })
    expect(await handler.handle(counter, streamId, increment(2), {})).toMatchObject({ version: 2, state: { count: 3 } })
  })

  it('should not build on a command that was rolled back', async () => {
    const { store, handler } = setup()
    const streamId = uniqueId('counter')
    await handler.handle(counter, streamId, increment(1), {})
    const failing = handler.handle(counter, streamId, increment(50), {}, () => {
      throw new Error('vault write failed')
    })
    await expect(failing).rejects.toThrow('vault write failed')

    expect(store.load(counter, streamId)).toEqual({ state: { count: 1 }, version: 1 })
    const next = await handler.handle(counter, streamId, increment(2), {})
    expect(next).toMatchObject({ version: 2, state: { count: 3 } })
    expect(store.readStream(streamId).map((e) => e.data)).toEqual([{ by: 1 }, { by: 2 }])
  })

  it('should see appends made on the same connection outside the handler, by this store or another', async () => {
    const { db, store, handler } = setup()
    const streamId = uniqueId('counter')
    await handler.handle(counter, streamId, increment(1), {})

    store.append(streamId, 1, [incremented(10)], {}, NOW)
    expect(store.load(counter, streamId)).toEqual({ state: { count: 11 }, version: 2 })
    new EventStore(db).append(streamId, 2, [incremented(100)], {}, NOW)
    const result = await handler.handle(counter, streamId, increment(1000), {})

    expect(result).toMatchObject({ version: 4, state: { count: 1111 } })
  })

  it('should append after a snapshot that is the newest fact of the stream', async () => {
    const { db, handler } = setup({ snapshotEvery: 2 })
    const streamId = uniqueId('counter')
    for (let i = 0; i < 4; i++) await handler.handle(counter, streamId, increment(), {})
    // A fresh handler: nothing cached, the snapshot (version 4) is the head.
    const fresh = new CommandHandler(new EventStore(db, { snapshotEvery: 2 }), new Writer(db))

    const result = await fresh.handle(counter, streamId, increment(), {})

    expect(result).toMatchObject({ version: 5, state: { count: 5 } })
  })

  it('should refuse with ConcurrencyError rather than leave a gap when a snapshot claims versions the log lacks', async () => {
    const { db, store, handler } = setup()
    const streamId = uniqueId('counter')
    await handler.handle(counter, streamId, increment(), {})
    store.saveSnapshot(streamId, 7, counter.stateVersion, { count: 7 })
    const fresh = new CommandHandler(new EventStore(db), new Writer(db))

    await expect(fresh.handle(counter, streamId, increment(), {})).rejects.toBeInstanceOf(ConcurrencyError)
    expect(store.streamVersion(streamId)).toBe(1)
  })
})

describe('when many commands arrive at once (group commit)', () => {
  it('should commit 50 concurrent commands on distinct streams in a few batches', async () => {
    const { store, writer, handler } = setup()
    const streams = Array.from({ length: 50 }, () => uniqueId('counter'))
    const batchesBefore = writer.batches

    const results = await Promise.all(streams.map((streamId, i) => handler.handle(counter, streamId, increment(i + 1), {})))

    expect(results.map((r) => r.version)).toEqual(streams.map(() => 1))
    expect(store.readAll(0, 1000).filter((e) => streams.includes(e.streamId))).toHaveLength(50)
    for (const [i, streamId] of streams.entries()) {
      expect(store.readStream(streamId).map((e) => e.data)).toEqual([{ by: i + 1 }])
    }
    expect(writer.batches - batchesBefore).toBeLessThanOrEqual(5)
  })

  it('should take at most 8 commands of one stream into a batch, so a hot stream cannot hold others back', async () => {
    const { store, writer, handler } = setup()
    const hot = uniqueId('counter')
    const other = uniqueId('counter')
    const batchesBefore = writer.batches
    const order: string[] = []

    const hotOnes = Array.from({ length: 20 }, () => handler.handle(counter, hot, increment(), {}).then(() => order.push(hot)))
    const otherOne = handler.handle(counter, other, increment(), {}).then(() => order.push(other))
    await Promise.all([...hotOnes, otherOne])

    expect(writer.batches - batchesBefore).toBe(3)
    expect(order.indexOf(other)).toBe(8)
    expect(store.streamVersion(hot)).toBe(20)
  })

  it('should reject only the failing command of a batch and commit the others', async () => {
    const { store, writer, handler } = setup()
    const streams = Array.from({ length: 10 }, () => uniqueId('counter'))
    const batchesBefore = writer.batches

    const outcomes = await Promise.allSettled(
      streams.map((streamId, i) => handler.handle(counter, streamId, i === 4 ? decrement(1) : increment(), {})),
    )

    expect(outcomes.map((o) => o.status)).toEqual(streams.map((_, i) => (i === 4 ? 'rejected' : 'fulfilled')))
    const failed = outcomes[4]
    expect(failed?.status === 'rejected' && failed.reason).toBeInstanceOf(CounterError)
    expect(streams.map((streamId) => store.streamVersion(streamId))).toEqual(streams.map((_, i) => (i === 4 ? 0 : 1)))
    expect(writer.batches - batchesBefore).toBeLessThanOrEqual(2)
  })

  it('should reject the whole batch with SQLITE_FULL when the disk fills, then go on once space returns', async () => {
    const { db, store, handler } = setup()
    const streams = Array.from({ length: 8 }, () => uniqueId('counter'))
    const client = db.$client
    const pages = (client.query('PRAGMA page_count').get() as { page_count: number }).page_count
    client.exec(`PRAGMA max_page_count = ${pages}`)
    const note = 'x'.repeat(20_000)
    const big = (streamId: string) =>
      handler.handle(counter, streamId, increment(), {}, () => {
        // A large companion write that cannot fit: SQLite then rolls the whole transaction back by itself.
        client
          .query('INSERT INTO snapshots (stream_id, stream_version, schema_version, state) VALUES (?, 0, 0, ?)')
          .run(`${streamId}-pad`, note)
      })

    const outcomes = await Promise.allSettled(streams.map(big))

    expect(outcomes.map((o) => o.status)).toEqual(streams.map(() => 'rejected'))
    for (const outcome of outcomes) {
      expect(outcome.status === 'rejected' && outcome.reason).toMatchObject({ code: 'SQLITE_FULL' })
    }
    expect(streams.map((streamId) => store.streamVersion(streamId))).toEqual(streams.map(() => 0))
    expect(client.inTransaction).toBe(false)

    client.exec('PRAGMA max_page_count = 1073741823')
    const after = await handler.handle(counter, streams[0] ?? '', increment(), {})
    expect(after.version).toBe(1)
  })

  it('should roll back the events of a command whose companion write fails, and only those', async () => {
    const { store, handler } = setup()
    const streams = Array.from({ length: 6 }, () => uniqueId('counter'))

    const outcomes = await Promise.allSettled(
      streams.map((streamId, i) =>
        handler.handle(counter, streamId, increment(), {}, () => {
          if (i === 2) throw new Error('vault write failed')
        }),
      ),
    )

    expect(outcomes.map((o) => o.status)).toEqual(streams.map((_, i) => (i === 2 ? 'rejected' : 'fulfilled')))
    expect(streams.map((streamId) => store.streamVersion(streamId))).toEqual(streams.map((_, i) => (i === 2 ? 0 : 1)))
  })
})

describe('handleAcross: one command on each of several streams', () => {
  it('should append to every stream in one go, or, when a later stream refuses, to none of them', async () => {
    const { handler, store } = setup()
    const [a, b] = [uniqueId('counter'), uniqueId('counter')]
    await handler.handle(counter, b, increment(1), {})
    const both = await handler.handleAcross(
      counter,
      [
        { streamId: a, command: increment(2) },
        { streamId: b, command: increment(3) },
      ],
      {},
    )
    expect(both.map((handled) => handled.version)).toEqual([1, 2])
    // b is at 4: decrementing it by 5 is refused, and a's decrement, decided first, is rolled back with it.
    const refused = handler.handleAcross(
      counter,
      [
        { streamId: a, command: decrement(1) },
        { streamId: b, command: decrement(5) },
      ],
      {},
    )
    expect(refused).rejects.toBeInstanceOf(CounterError)
    await refused.catch(() => {})
    expect([store.streamVersion(a), store.streamVersion(b)]).toEqual([1, 2])
    expect(store.load(counter, a).state).toEqual({ count: 2 })
    // The stream decided before the refusal starts from its committed state, not the rolled-back one.
    expect((await handler.handle(counter, a, decrement(2), {})).state).toEqual({ count: 0 })
  })
})
