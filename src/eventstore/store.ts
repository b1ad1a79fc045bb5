// The event store: one SQLite file, append with expected version, read by stream or globally, snapshots.
import type { Statement } from 'bun:sqlite'
import type { Db } from '../db/connection'
import { ConcurrencyError } from './errors'
import type { Projection } from './projections'
import type { Aggregate, Event, EventMetadata, StoredEvent } from './types'

type EventRow = {
  position: number
  stream_id: string
  stream_version: number
  type: string
  data: string
  metadata: string
  created_at: number
}

type SnapshotRow = { stream_version: number; schema_version: number; state: string }

export type Loaded<State> = { state: State; version: number }

export type EventStoreOptions = { projections?: Projection[]; snapshotEvery?: number; cacheSize?: number }

type Cached = { aggregate: string; stateVersion: number; version: number; state: unknown }

const toStored = (row: EventRow): StoredEvent => ({
  position: row.position,
  streamId: row.stream_id,
  streamVersion: row.stream_version,
  type: row.type,
  data: JSON.parse(row.data),
  metadata: JSON.parse(row.metadata),
  createdAt: row.created_at,
})

export class EventStore {
  readonly snapshotEvery: number
  // Counts events folded by load(): lets tests prove a snapshot bounds the work.
  eventsFolded = 0
  private readonly projections: Projection[]
  // Committed aggregate states, validated against the log's current version on every load (so another
  // process appending, or a rolled-back batch, can never make it serve a stale state).
  private readonly cache = new Map<string, Cached>()
  private readonly cacheSize: number
  private readonly q: {
    version: Statement<{ v: number | null }, [string]>
    insert: Statement<unknown, [string, number, string, string, string, number]>
    readStream: Statement<EventRow, [string, number]>
    readStreamRange: Statement<EventRow, [string, number, number]>
    readAll: Statement<EventRow, [number, number]>
    snapshot: Statement<SnapshotRow, [string]>
    saveSnapshot: Statement<unknown, [string, number, number, string]>
    head: Statement<{ p: number | null }, []>
  }

  constructor(
    readonly db: Db,
    options: EventStoreOptions = {},
  ) {
    this.projections = options.projections ?? []
    this.snapshotEvery = options.snapshotEvery ?? 100
    this.cacheSize = options.cacheSize ?? 10_000
    const c = db.$client
    this.q = {
      version: c.query('SELECT max(stream_version) AS v FROM events WHERE stream_id = ?'),
      insert: c.query(
        'INSERT INTO events (stream_id, stream_version, type, data, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      readStream: c.query('SELECT * FROM events WHERE stream_id = ? AND stream_version >= ? ORDER BY stream_version'),
      readStreamRange: c.query(
        'SELECT * FROM events WHERE stream_id = ? AND stream_version BETWEEN ? AND ? ORDER BY stream_version',
      ),
      readAll: c.query('SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?'),
      snapshot: c.query('SELECT stream_version, schema_version, state FROM snapshots WHERE stream_id = ?'),
      saveSnapshot: c.query(
        'INSERT INTO snapshots (stream_id, stream_version, schema_version, state) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT(stream_id) DO UPDATE SET stream_version = excluded.stream_version, ' +
          'schema_version = excluded.schema_version, state = excluded.state',
      ),
      head: c.query('SELECT max(position) AS p FROM events'),
    }
  }

  projectionList(): Projection[] {
    return [...this.projections]
  }

  streamVersion(streamId: string): number {
    return this.q.version.get(streamId)?.v ?? 0
  }

  headPosition(): number {
    return this.q.head.get()?.p ?? 0
  }

  // Atomic: version check, inserts and every inline projection commit together or not at all. Inside the
  // writer's batch the caller's savepoint already gives that; alone, it opens its own BEGIN IMMEDIATE.
  append(
    streamId: string,
    expectedVersion: number,
    events: Event[],
    metadata: EventMetadata,
    createdAt: number,
  ): StoredEvent[] {
    const client = this.db.$client
    const write = () => {
      const actual = this.streamVersion(streamId)
      if (actual !== expectedVersion) throw new ConcurrencyError(streamId, expectedVersion, actual)
      const metadataJson = JSON.stringify(metadata)
      return events.map((event, i) => {
        const streamVersion = expectedVersion + i + 1
        const { lastInsertRowid } = this.q.insert.run(
          streamId,
          streamVersion,
          event.type,
          JSON.stringify(event.data),
          metadataJson,
          createdAt,
        )
        const stored: StoredEvent = { ...event, position: Number(lastInsertRowid), streamId, streamVersion, metadata, createdAt }
        for (const projection of this.projections) projection.apply(this.db, stored)
        return stored
      })
    }
    return client.inTransaction ? write() : client.transaction(write).immediate()
  }

  readStream(streamId: string, fromVersion = 1): StoredEvent[] {
    return this.q.readStream.all(streamId, fromVersion).map(toStored)
  }

  // Versions are contiguous from 1, so a page of history is a version range (the stream_version index serves it).
  readStreamRange(streamId: string, fromVersion: number, toVersion: number): StoredEvent[] {
    return this.q.readStreamRange.all(streamId, fromVersion, toVersion).map(toStored)
  }

  readAll(afterPosition: number, limit: number): StoredEvent[] {
    return this.q.readAll.all(afterPosition, limit).map(toStored)
  }

  // The cached state when it is current; else the latest snapshot (when its shape is current) plus the tail.
  load<S, C, E extends Event>(aggregate: Aggregate<S, C, E>, streamId: string): Loaded<S> {
    const { evolve, initialState } = aggregate.decider
    const current = this.streamVersion(streamId)
    const cached = this.cache.get(streamId)
    const fresh =
      cached && cached.aggregate === aggregate.name && cached.stateVersion === aggregate.stateVersion && cached.version <= current
    if (fresh && cached.version === current) return { state: cached.state as S, version: current }
    const snapshot = fresh ? undefined : this.q.snapshot.get(streamId)
    const usable = snapshot && snapshot.schema_version === aggregate.stateVersion
    let state: S = fresh ? (cached.state as S) : usable ? (JSON.parse(snapshot.state) as S) : initialState
    let version = fresh ? cached.version : usable ? snapshot.stream_version : 0
    for (const event of this.readStream(streamId, version + 1)) {
      state = evolve(state, event as unknown as E)
      version = event.streamVersion
      this.eventsFolded++
    }
    return { state, version }
  }

  // Only states whose events are committed belong here (the command handler calls it after the batch commits).
  remember(aggregate: { name: string; stateVersion: number }, streamId: string, version: number, state: unknown): void {
    const cached = this.cache.get(streamId)
    if (cached && cached.version > version) return
    this.cache.delete(streamId)
    this.cache.set(streamId, { aggregate: aggregate.name, stateVersion: aggregate.stateVersion, version, state })
    if (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next().value
      if (oldest !== undefined) this.cache.delete(oldest)
    }
  }

  forget(): void {
    this.cache.clear()
  }

  saveSnapshot(streamId: string, version: number, stateVersion: number, state: unknown): void {
    this.q.saveSnapshot.run(streamId, version, stateVersion, JSON.stringify(state))
  }

  // Replays the whole log into emptied read-model tables, in one transaction.
  rebuild(onProgress?: (done: number, total: number) => void): number {
    const c = this.db.$client
    const total = this.headPosition()
    let done = 0
    c.transaction(() => {
      for (const table of this.projections.flatMap((p) => p.tables)) c.exec(`DELETE FROM ${table}`)
      let after = 0
      for (;;) {
        const batch = this.readAll(after, 5000)
        if (batch.length === 0) break
        for (const event of batch) for (const projection of this.projections) projection.apply(this.db, event)
        after = batch[batch.length - 1]?.position ?? after
        done += batch.length
        onProgress?.(done, total)
      }
    }).immediate()
    return done
  }
}
