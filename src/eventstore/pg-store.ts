// The event store on PostgreSQL, for N spkey processes on one database: the same log, decision rows and snapshots as
// store.ts, asynchronous, each call inside the transaction it is given. An append's version check is a compare-and-set
// on the stream's row (Emmett, Marten); appends that share an ordering key (a partner org) commit in position order
// (message-db's advisory lock), so a reader of one key's events by position never skips a late commit.
import type { Sql, Tx } from '../db/pg/connection'
import { type AnyEntities, entitiesMoved, entityModels, markerKey, prefixRange } from './entities'
import { ConcurrencyError } from './errors'
import { type LoadedHead, storedEvent } from './store'
import type { Aggregate, AnyAggregate, Event, EventMetadata, StoredEvent } from './types'

export type PgProjection = {
  name: string
  tables: string[]
  apply: (tx: Tx, event: StoredEvent) => Promise<void>
}

// Where a reader of the whole log is: the last event it took, in (transaction id, position) order.
export type LogCursor = { txId: string; position: number }
// Announces a finished rebuild: rows changed without an event, which no log tail would otherwise notice.
export const REBUILT_CHANNEL = 'spkey_rebuilt'

export const LOG_START: LogCursor = { txId: '0', position: 0 }

export type PgEventStoreOptions = {
  projections?: PgProjection[]
  aggregates?: AnyAggregate[]
  snapshotEvery?: number
  cacheSize?: number
  // The keys (partner orgs) whose events must commit in position order; each is held by an advisory transaction lock
  // from before the events draw their positions until the commit.
  orderingKeys?: (tx: Tx, streamId: string, events: Event[]) => Promise<string[]>
}

type EventRow = {
  position: number
  tx_id: string
  stream_id: string
  stream_version: number
  type: string
  data: Record<string, unknown>
  metadata: EventMetadata
  created_at: number
}

type Cached = { aggregate: string; stateVersion: number; version: number; state: unknown }

const toStored = (row: EventRow): StoredEvent => storedEvent(row, row.data, row.metadata)

const isUniqueViolation = (error: unknown) => (error as { code?: unknown } | null)?.code === '23505'

// Held by whoever refolds decision state (upgrade, rebuild), so two processes never do it together.
const DECISION_STATE_LOCK = 'spkey:decision-state'

export class PgEventStore {
  readonly snapshotEvery: number
  eventsFolded = 0
  private readonly projections: PgProjection[]
  private readonly aggregates: AnyAggregate[]
  private readonly models: AnyEntities[]
  private readonly orderingKeys: NonNullable<PgEventStoreOptions['orderingKeys']>
  // Committed states by stream. Another process may have appended since: every load checks the stream's version
  // first (one primary-key read) and folds only what is newer, so a cached state costs a fold, never a wrong decision.
  private readonly cache = new Map<string, Cached>()
  private readonly cacheSize: number

  constructor(
    readonly sql: Sql,
    options: PgEventStoreOptions = {},
  ) {
    this.projections = options.projections ?? []
    this.aggregates = (options.aggregates ?? []).filter((aggregate) => aggregate.entities !== undefined)
    this.models = entityModels(this.aggregates)
    this.orderingKeys = options.orderingKeys ?? (async () => [])
    this.snapshotEvery = options.snapshotEvery ?? 100
    this.cacheSize = options.cacheSize ?? 10_000
  }

  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    return this.sql.begin(work) as Promise<T>
  }

  async streamVersion(streamId: string, q: Sql | Tx = this.sql): Promise<number> {
    const [row] = await q<{ version: number }[]>`SELECT version FROM streams WHERE stream_id = ${streamId}`
    return row?.version ?? 0
  }

  private async lockStream(streamId: string, tx: Tx): Promise<number> {
    const [row] = await tx<{ version: number }[]>`SELECT version FROM streams WHERE stream_id = ${streamId} FOR UPDATE`
    return row?.version ?? 0
  }

  async headPosition(): Promise<number> {
    const [row] = await this.sql<{ p: number | null }[]>`SELECT max(position) AS p FROM events`
    return row?.p ?? 0
  }

  // Inside `tx`: ordering locks, the version's compare-and-set, the events, their decision rows and every projection.
  // Under READ COMMITTED a racing writer of the same stream waits on its row, then matches nothing: ConcurrencyError.
  async append(
    tx: Tx,
    streamId: string,
    expectedVersion: number,
    events: Event[],
    metadata: EventMetadata,
    createdAt: number,
  ): Promise<StoredEvent[]> {
    if (events.length === 0) return []
    const keys = [...new Set(await this.orderingKeys(tx, streamId, events))].sort()
    for (const key of keys) await tx`SELECT pg_advisory_xact_lock(hashtextextended(${key}, 0))`
    const newVersion = expectedVersion + events.length
    if (expectedVersion === 0) {
      try {
        await tx`SAVEPOINT new_stream`
        await tx`INSERT INTO streams (stream_id, version) VALUES (${streamId}, ${newVersion})`
        await tx`RELEASE SAVEPOINT new_stream`
      } catch (error) {
        if (!isUniqueViolation(error)) throw error
        await tx`ROLLBACK TO SAVEPOINT new_stream`
        throw new ConcurrencyError(streamId, expectedVersion, await this.streamVersion(streamId, tx))
      }
    } else {
      const moved = await tx`UPDATE streams SET version = ${newVersion} WHERE stream_id = ${streamId} AND version = ${expectedVersion}`
      if (moved.count === 0) throw new ConcurrencyError(streamId, expectedVersion, await this.streamVersion(streamId, tx))
    }
    // Sent as text: the client's json() helper would send jsonb, reordering the payload's keys.
    const metadataJson = JSON.stringify(metadata)
    const stored: StoredEvent[] = []
    for (const [i, event] of events.entries()) {
      const streamVersion = expectedVersion + i + 1
      const [row] = await tx<{ position: number }[]>`
        INSERT INTO events (stream_id, stream_version, type, data, metadata, created_at)
        VALUES (${streamId}, ${streamVersion}, ${event.type}, ${JSON.stringify(event.data)}::text::json, ${metadataJson}::text::json, ${createdAt})
        RETURNING position`
      const one: StoredEvent = { ...event, position: row?.position ?? 0, streamId, streamVersion, metadata, createdAt }
      await this.applyDecisionRows(tx, one)
      for (const projection of this.projections) await projection.apply(tx, one)
      stored.push(one)
    }
    return stored
  }

  async readStreamRange(streamId: string, fromVersion: number, toVersion: number): Promise<StoredEvent[]> {
    const rows = await this.sql<EventRow[]>`
      SELECT * FROM events WHERE stream_id = ${streamId} AND stream_version BETWEEN ${fromVersion} AND ${toVersion}
      ORDER BY stream_version`
    return rows.map(toStored)
  }

  // A stream's state at its head for a read (a lock's settings for a device command), outside any command.
  async load<S, C, E extends Event>(aggregate: Aggregate<S, C, E, unknown>, streamId: string): Promise<{ state: S; version: number }> {
    const { state, version } = await this.loadHead(aggregate, streamId, this.sql)
    return { state, version }
  }

  async readStream(streamId: string, fromVersion = 1): Promise<StoredEvent[]> {
    const rows = await this.sql<EventRow[]>`
      SELECT * FROM events WHERE stream_id = ${streamId} AND stream_version >= ${fromVersion} ORDER BY stream_version`
    return rows.map(toStored)
  }

  // Position order: exact for a reader of one ordering key's events (see orderingKeys), not for the whole log.
  async readAll(afterPosition: number, limit: number): Promise<StoredEvent[]> {
    const rows = await this.sql<EventRow[]>`SELECT * FROM events WHERE position > ${afterPosition} ORDER BY position LIMIT ${limit}`
    return rows.map(toStored)
  }

  // The whole log after `after`, as far as it is settled: only events of transactions older than the oldest one still
  // running, in (transaction id, position) order. A position drawn early but committed late is read when it commits,
  // never skipped (Emmett's readMessagesBatch).
  async readCommitted(after: LogCursor, limit: number): Promise<{ events: StoredEvent[]; cursor: LogCursor }> {
    const rows = await this.sql<EventRow[]>`
      SELECT * FROM events
      WHERE (tx_id, position) > (${after.txId}::xid8, ${after.position})
        AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
      ORDER BY tx_id, position LIMIT ${limit}`
    const last = rows.at(-1)
    return { events: rows.map(toStored), cursor: last ? { txId: last.tx_id, position: last.position } : after }
  }

  // The newest cursor readCommitted would reach now: where a reader that wants only what comes next starts.
  async settledHead(): Promise<LogCursor> {
    const [row] = await this.sql<{ tx_id: string; position: number }[]>`
      SELECT tx_id, position FROM events WHERE tx_id < pg_snapshot_xmin(pg_current_snapshot())
      ORDER BY tx_id DESC, position DESC LIMIT 1`
    return row ? { txId: row.tx_id, position: row.position } : LOG_START
  }

  // The state at the stream's head as `tx` sees it: the cached state when it is the head, its tail folded when the
  // stream moved on, else the snapshot (when its shape is current) and the tail after it. `forUpdate` locks the stream's
  // row until the transaction ends: the writers of one hot stream then queue instead of deciding in vain and retrying.
  async loadHead<S, C, E extends Event>(
    aggregate: Aggregate<S, C, E, unknown>,
    streamId: string,
    // A transaction when `forUpdate`.
    tx: Sql | Tx,
    forUpdate = false,
  ): Promise<LoadedHead<S>> {
    const head = forUpdate ? await this.lockStream(streamId, tx as Tx) : await this.streamVersion(streamId, tx)
    const cached = this.cache.get(streamId)
    if (cached && cached.aggregate === aggregate.name && cached.stateVersion === aggregate.stateVersion && cached.version <= head) {
      if (cached.version === head) return { state: cached.state as S, version: head, atHead: true, unsnapshotted: 0 }
      const loaded = await this.fold(aggregate, streamId, cached.state as S, cached.version, tx)
      return { ...loaded, atHead: true, unsnapshotted: 0 }
    }
    const [snapshot] = await tx<{ stream_version: number; schema_version: number; state: S }[]>`
      SELECT stream_version, schema_version, state FROM snapshots WHERE stream_id = ${streamId}`
    const usable = snapshot?.schema_version === aggregate.stateVersion && snapshot.stream_version <= head ? snapshot : undefined
    const from = usable?.stream_version ?? 0
    const loaded = await this.fold(aggregate, streamId, usable ? usable.state : aggregate.decider.initialState, from, tx)
    return { ...loaded, atHead: true, unsnapshotted: loaded.version - from }
  }

  private async fold<S, C, E extends Event>(
    aggregate: Aggregate<S, C, E, unknown>,
    streamId: string,
    state: S,
    version: number,
    tx: Sql | Tx,
  ) {
    const { evolve } = aggregate.decider
    const rows = await tx<{ stream_version: number; type: string; data: E['data'] }[]>`
      SELECT stream_version, type, data FROM events WHERE stream_id = ${streamId} AND stream_version > ${version}
      ORDER BY stream_version`
    for (const row of rows) {
      state = evolve(state, { type: row.type, data: row.data } as E)
      version = row.stream_version
      this.eventsFolded++
    }
    return { state, version }
  }

  async loadEntity<N>(streamId: string, entityId: string, tx: Sql | Tx): Promise<N | null> {
    const [row] = await tx<{ state: N }[]>`SELECT state FROM entity_states WHERE stream_id = ${streamId} AND entity_id = ${entityId}`
    return row?.state ?? null
  }

  private async applyDecisionRows(tx: Tx, event: StoredEvent): Promise<void> {
    for (const [entities, entityId] of entitiesMoved(this.models, event)) {
      const current = await this.loadEntity(event.streamId, entityId, tx)
      const next = entities.evolve(current, event)
      if (next === current) continue
      if (next === null) await tx`DELETE FROM entity_states WHERE stream_id = ${event.streamId} AND entity_id = ${entityId}`
      else
        await tx`
          INSERT INTO entity_states (stream_id, entity_id, state) VALUES (${event.streamId}, ${entityId}, ${tx.json(next as never)})
          ON CONFLICT (stream_id, entity_id) DO UPDATE SET state = excluded.state`
    }
  }

  // A slower writer's older snapshot never replaces a newer one.
  async saveSnapshot(tx: Tx, streamId: string, version: number, stateVersion: number, state: unknown): Promise<void> {
    await tx`
      INSERT INTO snapshots (stream_id, stream_version, schema_version, state)
      VALUES (${streamId}, ${version}, ${stateVersion}, ${tx.json(state as never)})
      ON CONFLICT (stream_id) DO UPDATE SET stream_version = excluded.stream_version,
        schema_version = excluded.schema_version, state = excluded.state
      WHERE snapshots.stream_version < excluded.stream_version OR snapshots.schema_version <> excluded.schema_version`
  }

  // Only a committed state belongs here; the newest version of a stream wins.
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

  // Decision rows written for an older state shape (or none yet) are rebuilt from the log at start, as store.ts does;
  // under an advisory lock, so of N processes starting together one does it and the others find it done.
  async upgrade(): Promise<string[]> {
    return this.transaction(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(hashtextextended(${DECISION_STATE_LOCK}, 0))`
      const upgraded: string[] = []
      for (const aggregate of this.aggregates) {
        const [marker] = await tx<{ value: string }[]>`SELECT value FROM settings WHERE key = ${markerKey(aggregate)}`
        if (marker?.value === String(aggregate.stateVersion)) continue
        await this.refold(tx, aggregate)
        upgraded.push(aggregate.name)
      }
      if (upgraded.length > 0) this.cache.clear()
      return upgraded
    })
  }

  // Replays the whole log into emptied read-model tables and decision rows, in one transaction, as store.ts does. As
  // under SQLite's write lock, appends wait until it commits (the log's SHARE lock, taken after any append in flight
  // commits) while readers go on with the rows they saw: DELETE, not TRUNCATE, whose lock would stop them too.
  async rebuild(onProgress?: (done: number, total: number) => void): Promise<number> {
    return this.transaction(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(hashtextextended(${DECISION_STATE_LOCK}, 0))`
      await tx`LOCK TABLE events IN SHARE MODE`
      // A rolled-back append leaves a gap in positions: the head is not the count.
      const [count] = await tx<{ n: number }[]>`SELECT count(*)::int AS n FROM events`
      const total = count?.n ?? 0
      for (const aggregate of this.aggregates) await this.refold(tx, aggregate)
      for (const table of this.projections.flatMap((p) => p.tables)) await tx`DELETE FROM ${tx(table)}`
      let done = 0
      let after = 0
      for (;;) {
        const batch = await tx<EventRow[]>`SELECT * FROM events WHERE position > ${after} ORDER BY position LIMIT 5000`
        if (batch.length === 0) {
          // Delivered at commit: other processes drop what they cached from the rows this replaced (pg-tail.ts).
          await tx`SELECT pg_notify(${REBUILT_CHANNEL}, '')`
          return done
        }
        for (const event of batch.map(toStored)) for (const projection of this.projections) await projection.apply(tx, event)
        after = batch[batch.length - 1]?.position ?? after
        done += batch.length
        onProgress?.(done, total)
      }
    })
  }

  private async refold(tx: Tx, aggregate: AnyAggregate): Promise<void> {
    const prefix = aggregate.entities?.streamPrefix ?? ''
    const [from, to] = prefixRange(prefix)
    await tx`DELETE FROM entity_states WHERE stream_id >= ${from} AND stream_id < ${to}`
    await tx`DELETE FROM snapshots WHERE stream_id >= ${from} AND stream_id < ${to}`
    const { evolve, initialState } = aggregate.decider
    let streamId: string | null = null
    let state = initialState
    let version = 0
    const finish = async () => {
      if (streamId !== null && version >= this.snapshotEvery) await this.saveSnapshot(tx, streamId, version, aggregate.stateVersion, state)
    }
    // Read a page at a time by (stream, version), not through a cursor: a cursor holds the transaction's connection,
    // and the decision rows written on the way would queue behind it for good.
    let after = { streamId: '', version: 0 }
    for (;;) {
      const batch = await tx<EventRow[]>`
        SELECT stream_id, stream_version, type, data FROM events
        WHERE stream_id >= ${from} AND stream_id < ${to} AND (stream_id, stream_version) > (${after.streamId}, ${after.version})
        ORDER BY stream_id, stream_version LIMIT 1000`
      for (const row of batch) {
        if (row.stream_id !== streamId) {
          await finish()
          streamId = row.stream_id
          state = initialState
        }
        const event = { type: row.type, data: row.data, streamId: row.stream_id } as StoredEvent
        state = evolve(state, event)
        version = row.stream_version
        await this.applyDecisionRows(tx, event)
      }
      const last = batch.at(-1)
      if (last === undefined || batch.length < 1000) break
      after = { streamId: last.stream_id, version: last.stream_version }
    }
    await finish()
    await tx`
      INSERT INTO settings (key, value) VALUES (${markerKey(aggregate)}, ${String(aggregate.stateVersion)})
      ON CONFLICT (key) DO UPDATE SET value = excluded.value`
  }
}
