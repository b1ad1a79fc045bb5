// The event store on a real SQLite file: append/read, optimistic concurrency, the append-only log, paging,
// durability across reopen, inline projections in the append transaction, rebuild, and the newer-database guard.
import { Database } from 'bun:sqlite'
import { describe, expect, it } from 'bun:test'
import { type Db, NewerDatabaseError, openDatabase } from '../../src/db/connection'
import { migrations } from '../../src/db/migrations'
import { ConcurrencyError } from '../../src/eventstore/errors'
import type { Projection } from '../../src/eventstore/projections'
import { EventStore } from '../../src/eventstore/store'
import type { Event, StoredEvent } from '../../src/eventstore/types'
import { tempDbPath, uniqueId } from '../support/temp-db'

const NOW = Date.parse('2026-06-01T10:00:00.000Z')

const noted = (text: string, extra: Record<string, unknown> = {}): Event => ({ type: 'Noted', data: { text, ...extra } })

// A read model of its own: one row per stream, counting its events and keeping the last text.
function notesProjection(db: Db, options: { failOn?: string } = {}) {
  const table = `test_notes_${Math.random().toString(36).slice(2, 10)}`
  db.$client.exec(
    `CREATE TABLE ${table} (stream_id TEXT PRIMARY KEY, events INTEGER NOT NULL, last_text TEXT, last_position INTEGER NOT NULL)`,
  )
  const upsert = db.$client.query(
    `INSERT INTO ${table} (stream_id, events, last_text, last_position) VALUES (?1, 1, ?2, ?3) ` +
      'ON CONFLICT(stream_id) DO UPDATE SET events = events + 1, last_text = ?2, last_position = ?3',
  )
  const seen: { position: number; inTransaction: boolean; visibleInLog: boolean }[] = []
  const projection: Projection = {
    name: 'testNotes',
    tables: [table],
    apply(db, event) {
      if (event.data.text === options.failOn) throw new Error('projection refused the event')
      const logged = db.$client.query('SELECT count(*) AS n FROM events WHERE position = ?').get(event.position) as { n: number }
      seen.push({ position: event.position, inTransaction: db.$client.inTransaction, visibleInLog: logged.n === 1 })
      upsert.run(event.streamId, String(event.data.text), event.position)
    },
  }
  const dump = () => db.$client.query(`SELECT * FROM ${table} ORDER BY stream_id`).all()
  return { projection, table, seen, dump }
}

function openStore(path = tempDbPath()) {
  const db = openDatabase(path)
  return { db, store: new EventStore(db), path }
}

describe('an empty stream', () => {
  it('should append events at versions 1..n with increasing positions and read them back unchanged', () => {
    const { store } = openStore()
    const streamId = uniqueId('note')
    const metadata = { requestId: 'req_1', principal: 'org:acme', causationId: 'c-1', correlationId: 'k-1' }
    const events = [
      noted('first', { nested: { list: [1, 2.5, null, 'ü ✓'], flag: true } }),
      noted('second', { empty: {}, quote: '"\'\\' }),
      { type: 'Archived', data: {} },
    ]

    const stored = store.append(streamId, 0, events, metadata, NOW)
    const read = store.readStream(streamId)

    expect(read).toEqual(stored)
    expect(read.map((e) => e.streamVersion)).toEqual([1, 2, 3])
    expect(read.map((e) => ({ type: e.type, data: e.data }))).toEqual(events)
    for (const event of read) {
      expect(event).toMatchObject({ streamId, metadata, createdAt: NOW })
    }
    const positions = read.map((e) => e.position)
    expect(positions).toEqual([...positions].sort((a, b) => a - b))
    expect(new Set(positions).size).toBe(3)
    expect(store.streamVersion(streamId)).toBe(3)
    expect(store.headPosition()).toBe(positions[2] ?? -1)
  })

  it('should continue versions from the expected version on the next append', () => {
    const { store } = openStore()
    const streamId = uniqueId('note')
    store.append(streamId, 0, [noted('a')], {}, NOW)
    const [next] = store.append(streamId, 1, [noted('b')], {}, NOW + 1)

    expect(next?.streamVersion).toBe(2)
    expect(store.readStream(streamId, 2).map((e) => e.data.text)).toEqual(['b'])
    expect(store.readStreamRange(streamId, 1, 1).map((e) => e.data.text)).toEqual(['a'])
  })
})

describe('when the expected version is stale', () => {
  it('should raise ConcurrencyError and write nothing', () => {
    const { store } = openStore()
    const streamId = uniqueId('note')
    store.append(streamId, 0, [noted('a'), noted('b')], {}, NOW)
    const head = store.headPosition()

    let thrown: unknown
    try {
      store.append(streamId, 0, [noted('lost')], {}, NOW)
    } catch (error) {
      thrown = error
    }

    expect(thrown).toBeInstanceOf(ConcurrencyError)
    expect(thrown).toMatchObject({ streamId, expectedVersion: 0, actualVersion: 2 })
    expect(store.readStream(streamId).map((e) => e.data.text)).toEqual(['a', 'b'])
    expect(store.headPosition()).toBe(head)
  })

  it('should refuse an expected version ahead of the stream too', () => {
    const { store } = openStore()
    const streamId = uniqueId('note')

    expect(() => store.append(streamId, 3, [noted('a')], {}, NOW)).toThrow(ConcurrencyError)
    expect(store.readStream(streamId)).toEqual([])
  })
})

describe('a stored event', () => {
  it('should refuse a raw UPDATE and a raw DELETE (the log is append-only)', () => {
    const { db, store } = openStore()
    const streamId = uniqueId('note')
    const [event] = store.append(streamId, 0, [noted('fact')], {}, NOW)

    expect(() => db.$client.query("UPDATE events SET type = 'Rewritten' WHERE stream_id = ?").run(streamId)).toThrow(/append-only/)
    expect(() => db.$client.query('DELETE FROM events WHERE stream_id = ?').run(streamId)).toThrow(/append-only/)
    expect(() => db.$client.exec('DELETE FROM events')).toThrow(/append-only/)
    expect(store.readStream(streamId)).toEqual(event ? [event] : [])
  })
})

describe('a log spanning several streams', () => {
  it('should page through readAll in position order without gaps or repeats', () => {
    const { store } = openStore()
    const start = store.headPosition()
    const streams = [uniqueId('a'), uniqueId('b'), uniqueId('c')]
    const appended: StoredEvent[] = []
    for (let i = 0; i < 25; i++) {
      const streamId = streams[i % streams.length] ?? ''
      appended.push(...store.append(streamId, store.streamVersion(streamId), [noted(`n${i}`)], {}, NOW + i))
    }

    const pages: StoredEvent[][] = []
    let after = start
    for (;;) {
      const page = store.readAll(after, 10)
      if (page.length === 0) break
      pages.push(page)
      after = page[page.length - 1]?.position ?? after
    }

    expect(pages.map((p) => p.length)).toEqual([10, 10, 5])
    expect(pages.flat()).toEqual(appended)
    expect(store.readAll(appended[11]?.position ?? 0, 3)).toEqual(appended.slice(12, 15))
  })
})

describe('when the database file is closed and opened again', () => {
  it('should read every event back and not reapply migrations', () => {
    const path = tempDbPath()
    const first = openStore(path)
    const streams = [uniqueId('x'), uniqueId('y')]
    const written = streams.flatMap((streamId, i) =>
      first.store.append(streamId, 0, [noted(`${i}-a`), noted(`${i}-b`, { n: i })], { requestId: `r${i}` }, NOW + i),
    )
    first.db.$client.close()

    const second = openStore(path)

    expect(second.store.readAll(0, 1000)).toEqual(written)
    expect(second.store.readStream(streams[1] ?? '')).toEqual(written.slice(2))
    const applied = second.db.$client.query('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }
    expect(applied.n).toBe(migrations.length)
    expect(second.db.$client.query('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' })
    // 2 = FULL: an acknowledged append survives a power cut.
    expect(second.db.$client.query('PRAGMA synchronous').get()).toEqual({ synchronous: 2 })
  })
})

describe('a store with an inline projection', () => {
  it('should show the projection every event inside the append transaction', () => {
    const db = openDatabase(tempDbPath())
    const notes = notesProjection(db)
    const store = new EventStore(db, { projections: [notes.projection] })
    const streamId = uniqueId('note')

    const stored = [...store.append(streamId, 0, [noted('a'), noted('b')], {}, NOW), ...store.append(streamId, 2, [noted('c')], {}, NOW)]

    expect(notes.seen).toEqual(stored.map((e) => ({ position: e.position, inTransaction: true, visibleInLog: true })))
    expect(notes.dump()).toEqual([{ stream_id: streamId, events: 3, last_text: 'c', last_position: stored[2]?.position }])
  })

  it('should roll the whole append back when the projection throws', () => {
    const db = openDatabase(tempDbPath())
    const notes = notesProjection(db, { failOn: 'poison' })
    const store = new EventStore(db, { projections: [notes.projection] })
    const streamId = uniqueId('note')
    const head = store.headPosition()

    expect(() => store.append(streamId, 0, [noted('fine'), noted('poison')], {}, NOW)).toThrow('projection refused the event')

    expect(store.readStream(streamId)).toEqual([])
    expect(store.headPosition()).toBe(head)
    expect(notes.dump()).toEqual([])
    expect(db.$client.inTransaction).toBe(false)
  })
})

describe('when read models are rebuilt from the log', () => {
  it('should produce table contents identical to the live projection', () => {
    const db = openDatabase(tempDbPath())
    const notes = notesProjection(db)
    const store = new EventStore(db, { projections: [notes.projection] })
    const streams = Array.from({ length: 7 }, () => uniqueId('note'))
    // More events than one rebuild page (5,000), in one transaction so the setup stays fast.
    db.$client
      .transaction(() => {
        for (let i = 0; i < 12_000; i++) {
          const streamId = streams[i % streams.length] ?? ''
          store.append(streamId, store.streamVersion(streamId), [noted(`t${i}`, { i })], {}, NOW + i)
        }
      })
      .immediate()
    const live = notes.dump()
    // Damage the read model so a rebuild that did nothing would be caught.
    db.$client.exec(`DELETE FROM ${notes.table} WHERE rowid % 2 = 0; UPDATE ${notes.table} SET events = -1`)
    db.$client.exec(`INSERT INTO ${notes.table} VALUES ('stray', 1, 'x', 0)`)
    const progress: [number, number][] = []

    const replayed = store.rebuild((done, total) => progress.push([done, total]))

    expect(replayed).toBe(store.headPosition())
    expect(notes.dump()).toEqual(live)
    expect(live).toHaveLength(7)
    expect(progress.at(-1)).toEqual([replayed, store.headPosition()])
    expect(progress.map(([done]) => done)).toEqual([...progress.map(([done]) => done)].sort((a, b) => a - b))
  })
})

describe('a database migrated by a newer spkey', () => {
  it('should refuse to open with NewerDatabaseError and leave the file alone', () => {
    const path = tempDbPath()
    const first = openStore(path)
    const streamId = uniqueId('note')
    first.store.append(streamId, 0, [noted('kept')], {}, NOW)
    const future = Math.max(...migrations.map((m) => m.folderMillis)) + 86_400_000
    first.db.$client.query('INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)').run('from-the-future', future)
    first.db.$client.close()

    expect(() => openDatabase(path)).toThrow(NewerDatabaseError)

    // Once the unknown migration is gone (a restored backup), the same file opens with its events intact.
    const raw = new Database(path)
    raw.query('DELETE FROM __drizzle_migrations WHERE created_at = ?').run(future)
    raw.close()
    expect(
      openStore(path)
        .store.readStream(streamId)
        .map((e) => e.data.text),
    ).toEqual(['kept'])
  })
})
