// The read cache on its own: stream invalidation through its projection, time-bounded entries, another
// connection's commits, and the byte budget.
import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { openDatabase } from '../../src/db/connection'
import { EventStore } from '../../src/eventstore/store'
import type { Aggregate, StoredEvent } from '../../src/eventstore/types'
import { ReadCache } from '../../src/reads/cache'
import { tempDbPath } from '../support/temp-db'

const eventOn = (streamId: string): StoredEvent => ({
  position: 1,
  streamId,
  streamVersion: 1,
  type: 'Anything',
  data: {},
  metadata: {},
  createdAt: 0,
})

const notes: Aggregate<null, never, StoredEvent> = {
  name: 'notes',
  stateVersion: 1,
  decider: { decide: () => [], evolve: (state) => state, initialState: null },
}

function given() {
  const path = tempDbPath()
  const db = openDatabase(path)
  return { path, db, cache: ReadCache.onSqlite(db, 1_000) }
}

describe('ReadCache', () => {
  test('an event on a stream drops the entries built from it, and only those', () => {
    const { db, cache } = given()
    cache.set('a', 'A', ['user-1'])
    cache.set('b', 'B', ['user-2'])
    cache.set('ab', 'AB', ['user-1', 'user-2'])

    cache.projection.apply(db, eventOn('user-1'))

    expect(cache.get('a', 0)).toBeUndefined()
    expect(cache.get('ab', 0)).toBeUndefined()
    expect(cache.get('b', 0)).toBe('B')
  })

  test('an entry is served until its freshUntil instant, not at it', () => {
    const { cache } = given()
    cache.set('page', 'P', ['lock-1'], { freshUntil: 1_000 })

    expect(cache.get('page', 999)).toBe('P')
    expect(cache.get('page', 1_000)).toBeUndefined()
    expect(cache.get('page', 999)).toBeUndefined()
  })

  test('a commit by another connection (another process, e.g. the admin CLI) empties the cache within a millisecond', () => {
    const { path, cache } = given()
    cache.set('a', 'A', ['org-1'])
    expect(cache.get('a', 0)).toBe('A')

    const other = new Database(path)
    other.exec('PRAGMA journal_mode = WAL')
    other.run("INSERT INTO api_key_usage (key_hash, last_used_at) VALUES ('x', 1)")
    other.close()
    Bun.sleepSync(2)

    expect(cache.get('a', 0)).toBeUndefined()
  })

  test('a commit by another connection that the event store notices first still empties the cache', () => {
    const { path, db, cache } = given()
    const store = new EventStore(db)
    cache.set('a', 'A', ['org-1'])

    const other = new Database(path)
    other.run("INSERT INTO api_key_usage (key_hash, last_used_at) VALUES ('x', 1)")
    other.close()
    store.load(notes, 'notes-1')

    expect(cache.get('a', 0)).toBeUndefined()
  })

  test('the byte budget evicts the oldest entries first and refuses one larger than the budget', () => {
    const { cache } = given()
    cache.set('old', 'x', [], { bytes: 600 })
    cache.set('new', 'y', [], { bytes: 300 })
    cache.set('newest', 'z', [], { bytes: 300 })
    cache.set('huge', 'w', [], { bytes: 2_000 })

    expect(cache.get('old', 0)).toBeUndefined()
    expect(cache.get('new', 0)).toBe('y')
    expect(cache.get('newest', 0)).toBe('z')
    expect(cache.get('huge', 0)).toBeUndefined()
    expect(cache.size).toBe(2)
  })

  test('the key counts against the budget: long keys with tiny values cannot outgrow it (issue 24 #1)', () => {
    const { cache } = given()
    for (let i = 0; i < 20; i++) cache.set(`${i}:${'k'.repeat(200)}`, 'v', [], { bytes: 1 })

    expect(cache.size).toBeLessThanOrEqual(4)
    expect(cache.get(`19:${'k'.repeat(200)}`, 0)).toBe('v')
    cache.set('x'.repeat(1_000), 'v', [], { bytes: 1 })
    expect(cache.get('x'.repeat(1_000), 0)).toBeUndefined()
  })

  test('setting a key again replaces it and its streams', () => {
    const { db, cache } = given()
    cache.set('k', 'first', ['user-1'])
    cache.set('k', 'second', ['user-2'])

    cache.projection.apply(db, eventOn('user-1'))

    expect(cache.get('k', 0)).toBe('second')
  })
})

describe('ReadCache, when a change lands while a value is being built', () => {
  test('a value whose stream changed during its build is answered but not kept', async () => {
    const { cache } = given()
    const built = await cache.through('page', 0, async () => {
      await Bun.sleep(1)
      cache.changed('lock-1')
      return { value: 'old page', streams: ['lock-1'] }
    })
    expect(built).toBe('old page')
    expect(cache.get('page', 0)).toBeUndefined()
    expect(await cache.through('page', 0, async () => ({ value: 'new page', streams: ['lock-1'] }))).toBe('new page')
    expect(cache.get('page', 0)).toBe('new page')
  })

  test('a value set with the mark taken before its reads is not kept after a change to one of its streams', () => {
    const { cache } = given()
    const builtAt = cache.mark()
    cache.changed('user-1')
    cache.set('inventory', 'stale', ['user-1', 'user-2'], { builtAt })
    expect(cache.get('inventory', 0)).toBeUndefined()
    cache.changed('user-3')
    cache.set('inventory', 'fresh', ['user-1', 'user-2'], { builtAt: cache.mark() - 1 })
    expect(cache.get('inventory', 0)).toBe('fresh')
  })
})

describe('ReadCache, told of one change twice', () => {
  // On PostgreSQL a process hears of its own commit at once and again from its log tail.
  test('drops what the change touched once, and keeps what was built after it', () => {
    const { cache } = given()
    cache.set('page', 'before', ['lock-1'])
    cache.changed('lock-1', 5)
    expect(cache.get('page', 0)).toBeUndefined()
    cache.set('page', 'after', ['lock-1'])
    cache.changed('lock-1', 5)
    expect(cache.get('page', 0)).toBe('after')
    cache.changed('lock-1', 6)
    expect(cache.get('page', 0)).toBeUndefined()
  })
})

describe('ReadCache, when other processes cannot be vouched for', () => {
  test('nothing is answered or kept while coherence is not current (a PostgreSQL tail that lags)', () => {
    let current = true
    const cache = new ReadCache({ current: () => current })
    cache.set('a', 'A', ['org-1'])
    current = false
    expect(cache.get('a', 0)).toBeUndefined()
    cache.set('b', 'B', ['org-1'])
    current = true
    expect(cache.get('b', 0)).toBeUndefined()
    expect(cache.get('a', 0)).toBe('A')
  })
})
