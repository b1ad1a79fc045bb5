// The event store: one SQLite file, append with expected version, read by stream or globally, snapshots.
import type { Database, Statement } from 'bun:sqlite'
import { type CommitWatch, commitWatchOf } from '../db/commit-watch'
import type { Db } from '../db/connection'
import { DecisionRows, prefixRange } from './entities'
import { ConcurrencyError } from './errors'
import type { Projection } from './projections'
import type { Aggregate, AnyAggregate, Event, EventMetadata, StoredEvent } from './types'

// A row of the events table as bun:sqlite reads it, and the stored event it holds.
export type EventRow = {
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

// `atHead`: the version is the log's head as this connection sees it (read from the log, or a cached state known to be
// there), not taken on trust from a snapshot; inside a transaction, appending right after needs no second look.
// `unsnapshotted`: how many events a load from storage folded after the newest snapshot (0 from memory).
export type LoadedHead<State> = Loaded<State> & { atHead: boolean; unsnapshotted: number }

type TailRow = { stream_version: number; type: string; data: string }

export type EntityReader = (streamId: string, entityId: string) => unknown

export type EventStoreOptions = {
  projections?: Projection[]
  // The aggregates with decision rows (Aggregate.entities): their rows are kept on every append.
  aggregates?: AnyAggregate[]
  // Entities whose state a read model already holds, row for row, in the append's transaction (by aggregate name):
  // read from there instead of keeping a second row per entity.
  entityReaders?: Record<string, EntityReader>
  snapshotEvery?: number
  cacheSize?: number
}

type Cached = { aggregate: string; stateVersion: number; version: number; state: unknown }

// A row of the events table, its payload and metadata already parsed (shared with the PostgreSQL store).
export const storedEvent = (
  row: Pick<EventRow, 'position' | 'stream_id' | 'stream_version' | 'type' | 'created_at'>,
  data: StoredEvent['data'],
  metadata: EventMetadata,
): StoredEvent => ({
  position: row.position,
  streamId: row.stream_id,
  streamVersion: row.stream_version,
  type: row.type,
  data,
  metadata,
  createdAt: row.created_at,
})

export const toStored = (row: EventRow): StoredEvent => storedEvent(row, JSON.parse(row.data), JSON.parse(row.metadata))

// What this connection itself appended: per stream, the highest version inserted (committed or not, rolled back or
// not). Shared by every EventStore on the connection; `epoch` moves when the map is emptied to bound it, and every
// store then drops its cache. Commits by other connections show as a new PRAGMA data_version instead.
type Appended = { heads: Map<string, number>; epoch: number }
const appendedBy = new WeakMap<Database, Appended>()
const MAX_TRACKED_STREAMS = 100_000

function appendedOn(client: Database): Appended {
  let appended = appendedBy.get(client)
  if (appended === undefined) appendedBy.set(client, (appended = { heads: new Map(), epoch: 0 }))
  return appended
}

const isUniqueViolation = (error: unknown) =>
  error instanceof Error && 'code' in error && (error as { code: unknown }).code === 'SQLITE_CONSTRAINT_UNIQUE'

export class EventStore {
  readonly snapshotEvery: number
  // Counts events folded by load(): lets tests prove a snapshot bounds the work.
  eventsFolded = 0
  private readonly projections: Projection[]
  private readonly aggregates: AnyAggregate[]
  private readonly entityReaders: Record<string, EntityReader>
  private readonly rows: DecisionRows
  // Committed aggregate states, never served stale: another process appending, or a rolled-back batch, cannot make it
  // answer an old version (see loadHead).
  private readonly cache = new Map<string, Cached>()
  // States decided earlier in the write transaction still open (a group-commit batch): a later command of the same
  // stream starts from there instead of re-reading and re-folding the events before it. They join the cache once the
  // transaction commits, and are dropped if it rolls back (settle).
  private readonly carried = new Map<string, Cached>()
  private readonly cacheSize: number
  private readonly appended: Appended
  private seenEpoch: number
  private readonly commits: CommitWatch
  private readonly q: {
    version: Statement<{ v: number | null }, [string]>
    insert: Statement<unknown, [string, number, string, string, string, number]>
    readStream: Statement<EventRow, [string, number]>
    readTail: Statement<TailRow, [string, number]>
    readStreamRange: Statement<EventRow, [string, number, number]>
    readKind: Statement<TailRow & { stream_id: string }, [string, string]>
    deleteSnapshots: Statement<unknown, [string, string]>
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
    this.aggregates = (options.aggregates ?? []).filter((aggregate) => aggregate.entities !== undefined)
    this.entityReaders = options.entityReaders ?? {}
    this.rows = new DecisionRows(
      db,
      this.aggregates.filter((aggregate) => this.entityReaders[aggregate.name] === undefined),
    )
    this.snapshotEvery = options.snapshotEvery ?? 100
    this.cacheSize = options.cacheSize ?? 10_000
    const c = db.$client
    this.q = {
      version: c.query('SELECT max(stream_version) AS v FROM events WHERE stream_id = ?'),
      insert: c.query('INSERT INTO events (stream_id, stream_version, type, data, metadata, created_at) VALUES (?, ?, ?, ?, ?, ?)'),
      readStream: c.query('SELECT * FROM events WHERE stream_id = ? AND stream_version >= ? ORDER BY stream_version'),
      // What a fold needs (deciders evolve on type and data): no metadata to read and parse.
      readTail: c.query(
        'SELECT stream_version, type, data FROM events WHERE stream_id = ? AND stream_version >= ? ORDER BY stream_version',
      ),
      readKind: c.query(
        'SELECT stream_id, stream_version, type, data FROM events WHERE stream_id >= ? AND stream_id < ? ORDER BY stream_id, stream_version',
      ),
      deleteSnapshots: c.query('DELETE FROM snapshots WHERE stream_id >= ? AND stream_id < ?'),
      readStreamRange: c.query('SELECT * FROM events WHERE stream_id = ? AND stream_version BETWEEN ? AND ? ORDER BY stream_version'),
      readAll: c.query('SELECT * FROM events WHERE position > ? ORDER BY position LIMIT ?'),
      snapshot: c.query('SELECT stream_version, schema_version, state FROM snapshots WHERE stream_id = ?'),
      saveSnapshot: c.query(
        'INSERT INTO snapshots (stream_id, stream_version, schema_version, state) VALUES (?, ?, ?, ?) ' +
          'ON CONFLICT(stream_id) DO UPDATE SET stream_version = excluded.stream_version, ' +
          'schema_version = excluded.schema_version, state = excluded.state',
      ),
      head: c.query('SELECT max(position) AS p FROM events'),
    }
    this.appended = appendedOn(c)
    this.seenEpoch = this.appended.epoch
    this.commits = commitWatchOf(c)
    this.commits.onExternalCommit(() => this.cache.clear())
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
  append(streamId: string, expectedVersion: number, events: Event[], metadata: EventMetadata, createdAt: number): StoredEvent[] {
    const client = this.db.$client
    const write = () => {
      const actual = this.streamVersion(streamId)
      if (actual !== expectedVersion) throw new ConcurrencyError(streamId, expectedVersion, actual)
      return this.insert(streamId, expectedVersion, events, metadata, createdAt)
    }
    return client.inTransaction ? write() : client.transaction(write).immediate()
  }

  // append() for a caller that learnt `headVersion` earlier in the transaction it is still in (loadHead said atHead):
  // the head cannot have moved unless something in that same transaction appended to the stream, and then the
  // (stream_id, stream_version) unique index refuses the first insert: that refusal is the ConcurrencyError.
  appendAtHead(streamId: string, headVersion: number, events: Event[], metadata: EventMetadata, createdAt: number): StoredEvent[] {
    if (!this.db.$client.inTransaction) return this.append(streamId, headVersion, events, metadata, createdAt)
    return this.insert(streamId, headVersion, events, metadata, createdAt)
  }

  private insert(streamId: string, expectedVersion: number, events: Event[], metadata: EventMetadata, createdAt: number): StoredEvent[] {
    const metadataJson = JSON.stringify(metadata)
    const stored: StoredEvent[] = []
    for (let i = 0; i < events.length; i++) {
      const event = events[i] as Event
      const streamVersion = expectedVersion + i + 1
      let position: number
      try {
        const data = JSON.stringify(event.data)
        position = Number(this.q.insert.run(streamId, streamVersion, event.type, data, metadataJson, createdAt).lastInsertRowid)
      } catch (error) {
        // position is the rowid: only (stream_id, stream_version) can clash, so the stream moved past expectedVersion.
        if (isUniqueViolation(error)) throw new ConcurrencyError(streamId, expectedVersion, this.streamVersion(streamId))
        throw error
      }
      const heads = this.appended.heads
      if ((heads.get(streamId) ?? 0) < streamVersion) heads.set(streamId, streamVersion)
      const one: StoredEvent = { ...event, position, streamId, streamVersion, metadata, createdAt }
      this.rows.apply(one)
      for (const projection of this.projections) projection.apply(this.db, one)
      stored.push(one)
    }
    return stored
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
  load<S, C, E extends Event>(aggregate: Aggregate<S, C, E, unknown>, streamId: string): Loaded<S> {
    const { state, version } = this.loadHead(aggregate, streamId)
    return { state, version }
  }

  // load(), saying whether the version is the log's head. A cached state is the head when no other connection has
  // committed since this store last looked (PRAGMA data_version; else the whole cache goes) and this connection has not
  // appended to the stream past it (a later command of the same batch, a rolled-back one, a direct append): then it is
  // checked against the head (one indexed read), its tail folded if the log moved on. Without a cached state the
  // snapshot and the tail after it are read, and the last event read is the head.
  loadHead<S, C, E extends Event>(aggregate: Aggregate<S, C, E, unknown>, streamId: string): LoadedHead<S> {
    this.dropCacheIfOutdated()
    const carried = this.carried.get(streamId)
    if (carried && carried.aggregate === aggregate.name && this.appended.heads.get(streamId) === carried.version) {
      return { state: carried.state as S, version: carried.version, atHead: true, unsnapshotted: 0 }
    }
    const cached = this.cache.get(streamId)
    if (cached && cached.aggregate === aggregate.name && cached.stateVersion === aggregate.stateVersion) {
      const appendedHead = this.appended.heads.get(streamId)
      if (appendedHead === undefined || appendedHead === cached.version) {
        return { state: cached.state as S, version: cached.version, atHead: true, unsnapshotted: 0 }
      }
      const current = this.streamVersion(streamId)
      if (cached.version === current) return { state: cached.state as S, version: current, atHead: true, unsnapshotted: 0 }
      if (cached.version < current)
        return { ...this.fold(aggregate, streamId, cached.state as S, cached.version), atHead: true, unsnapshotted: 0 }
    }
    const snapshot = this.q.snapshot.get(streamId)
    const usable = snapshot?.schema_version === aggregate.stateVersion ? snapshot : undefined
    const from = usable?.stream_version ?? 0
    const loaded = this.fold(aggregate, streamId, usable ? (JSON.parse(usable.state) as S) : aggregate.decider.initialState, from)
    // An empty tail after version 0 is an empty stream; after a snapshot it only says the snapshot is the newest fact.
    return { ...loaded, atHead: usable === undefined || loaded.version !== from, unsnapshotted: loaded.version - from }
  }

  private fold<S, C, E extends Event>(aggregate: Aggregate<S, C, E, unknown>, streamId: string, state: S, version: number): Loaded<S> {
    const { evolve } = aggregate.decider
    for (const row of this.q.readTail.all(streamId, version + 1)) {
      state = evolve(state, { type: row.type, data: JSON.parse(row.data) } as E)
      version = row.stream_version
      this.eventsFolded++
    }
    return { state, version }
  }

  // The state of one entity of a stream (null: none, or it left decision state), as of the transaction reading it.
  loadEntity<E>(aggregate: { name: string }, streamId: string, entityId: string): E | null {
    const reader = this.entityReaders[aggregate.name]
    return reader ? ((reader(streamId, entityId) as E | null) ?? null) : this.rows.load<E>(streamId, entityId)
  }

  // A state decided and appended inside the open write transaction (see `carried`).
  carry(aggregate: { name: string; stateVersion: number }, streamId: string, version: number, state: unknown): void {
    this.carried.set(streamId, { aggregate: aggregate.name, stateVersion: aggregate.stateVersion, version, state })
  }

  // The write transaction ended: carried states are committed facts now, or never were.
  settle(committed: boolean): void {
    if (committed) for (const [streamId, carried] of this.carried) this.remember(streamId, carried)
    this.carried.clear()
  }

  // Only states whose events are committed belong here; the newest version of a stream wins.
  private remember(streamId: string, entry: Cached): void {
    const cached = this.cache.get(streamId)
    if (cached && cached.version > entry.version) return
    this.cache.delete(streamId)
    this.cache.set(streamId, entry)
    if (this.cache.size > this.cacheSize) {
      const oldest = this.cache.keys().next().value
      if (oldest !== undefined) this.cache.delete(oldest)
    }
  }

  forget(): void {
    this.cache.clear()
  }

  private dropCacheIfOutdated(): void {
    const appended = this.appended
    if (appended.heads.size > MAX_TRACKED_STREAMS) {
      appended.heads.clear()
      appended.epoch++
    }
    if (appended.epoch !== this.seenEpoch) {
      this.cache.clear()
      this.seenEpoch = appended.epoch
    }
    // Exact, not throttled: a state cached before another process's commit must never be decided on.
    this.commits.check()
  }

  saveSnapshot(streamId: string, version: number, stateVersion: number, state: unknown): void {
    this.q.saveSnapshot.run(streamId, version, stateVersion, JSON.stringify(state))
  }

  // Decision state written by an older spkey (another state version, or none: before decision rows) is rebuilt from
  // the log once, at start: each such aggregate's rows replayed and its snapshots refolded in the new shape, in one
  // transaction. Returns the names of the aggregates brought up to date.
  upgrade(): string[] {
    const outdated = this.aggregates.filter((aggregate) => !this.rows.isCurrent(aggregate))
    if (outdated.length === 0) return []
    this.db.$client
      .transaction(() => {
        for (const aggregate of outdated) this.refold(aggregate)
      })
      .immediate()
    this.cache.clear()
    return outdated.map((aggregate) => aggregate.name)
  }

  private refold(aggregate: AnyAggregate): void {
    const prefix = aggregate.entities?.streamPrefix
    if (prefix === undefined) return
    const range = prefixRange(prefix)
    this.rows.clear(prefix)
    this.q.deleteSnapshots.run(...range)
    const { evolve, initialState } = aggregate.decider
    let streamId: string | null = null
    let state = initialState
    let version = 0
    const finish = () => {
      if (streamId !== null && version >= this.snapshotEvery) this.saveSnapshot(streamId, version, aggregate.stateVersion, state)
    }
    for (const row of this.q.readKind.iterate(...range)) {
      if (row.stream_id !== streamId) {
        finish()
        streamId = row.stream_id
        state = initialState
      }
      const event = { type: row.type, data: JSON.parse(row.data), streamId: row.stream_id } as StoredEvent
      state = evolve(state, event)
      version = row.stream_version
      this.rows.apply(event)
    }
    finish()
    this.rows.markCurrent(aggregate)
  }

  // Replays the whole log into emptied read-model tables and decision rows, in one transaction.
  rebuild(onProgress?: (done: number, total: number) => void): number {
    const c = this.db.$client
    const total = this.headPosition()
    let done = 0
    c.transaction(() => {
      for (const aggregate of this.aggregates) this.refold(aggregate)
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
