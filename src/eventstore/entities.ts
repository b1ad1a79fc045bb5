// Decision rows: the state of each entity a stream holds too many of to fold (a lock's temp keys, a user's physical
// keys), one row per (stream, entity), written with every append in its transaction and read by primary key when a
// command names the entity. Like snapshots they are derived from the log, and rebuilt from it when their shape changes.
import type { Statement } from 'bun:sqlite'
import type { Db } from '../db/connection'
import type { AnyAggregate, Entities, Event, StoredEvent } from './types'

export type AnyEntities = Entities<never, Event, unknown>

export const entityModels = (aggregates: readonly AnyAggregate[]): AnyEntities[] =>
  aggregates.flatMap((aggregate) => (aggregate.entities ? [aggregate.entities as AnyEntities] : []))

// The entities an appended event moves on: each model whose streams it is on, with the entity it names there.
export function* entitiesMoved(models: readonly AnyEntities[], event: StoredEvent): Generator<[AnyEntities, string]> {
  for (const entities of models) {
    if (!event.streamId.startsWith(entities.streamPrefix)) continue
    const entityId = entities.ofEvent(event)
    if (entityId !== null) yield [entities, entityId]
  }
}

// Stream ids of one kind share a prefix: [prefix, prefix + U+FFFF) is that kind's key range in an index.
export const prefixRange = (prefix: string): [string, string] => [prefix, `${prefix}\uffff`]

export class DecisionRows {
  private readonly models: AnyEntities[]
  private readonly q: {
    get: Statement<{ state: string }, [string, string]>
    put: Statement<unknown, [string, string, string]>
    remove: Statement<unknown, [string, string]>
    clear: Statement<unknown, [string, string]>
    marker: Statement<{ value: string }, [string]>
    setMarker: Statement<unknown, [string, string]>
  }

  constructor(db: Db, aggregates: readonly AnyAggregate[]) {
    this.models = entityModels(aggregates)
    const c = db.$client
    this.q = {
      get: c.query('SELECT state FROM entity_states WHERE stream_id = ? AND entity_id = ?'),
      put: c.query(
        'INSERT INTO entity_states (stream_id, entity_id, state) VALUES (?, ?, ?) ' +
          'ON CONFLICT(stream_id, entity_id) DO UPDATE SET state = excluded.state',
      ),
      remove: c.query('DELETE FROM entity_states WHERE stream_id = ? AND entity_id = ?'),
      clear: c.query('DELETE FROM entity_states WHERE stream_id >= ? AND stream_id < ?'),
      marker: c.query('SELECT value FROM settings WHERE key = ?'),
      setMarker: c.query('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
    }
  }

  load<E>(streamId: string, entityId: string): E | null {
    const row = this.q.get.get(streamId, entityId)
    return row ? (JSON.parse(row.state) as E) : null
  }

  // Runs inside the append for every event: the entity it names moves on, or leaves decision state.
  apply(event: StoredEvent): void {
    for (const [entities, entityId] of entitiesMoved(this.models, event)) {
      const current = this.load(event.streamId, entityId)
      const next = entities.evolve(current, event)
      if (next === current) continue
      if (next === null) this.q.remove.run(event.streamId, entityId)
      else this.q.put.run(event.streamId, entityId, JSON.stringify(next))
    }
  }

  // Rows (and snapshots) are current when the settings record this aggregate's state version beside them.
  isCurrent(aggregate: AnyAggregate): boolean {
    return this.q.marker.get(markerKey(aggregate))?.value === String(aggregate.stateVersion)
  }

  markCurrent(aggregate: AnyAggregate): void {
    this.q.setMarker.run(markerKey(aggregate), String(aggregate.stateVersion))
  }

  clear(streamPrefix: string): void {
    this.q.clear.run(...prefixRange(streamPrefix))
  }
}

export const markerKey = (aggregate: { name: string }) => `decision-state:${aggregate.name}`
