// The only write path: load (snapshot + tail, and the row of the one entity the command names), decide, append with
// expected version, evolve, snapshot.
import { ConcurrencyError } from './errors'
import type { EventStore } from './store'
import type { Aggregate, Event, EventMetadata, StoredEvent } from './types'
import type { Writer } from './writer'

export type Handled<S, E extends Event> = { events: StoredEvent<E>[]; version: number; state: S }

// A conflict (another writer appended first) re-decides on the new state, this many times in all.
export const MAX_ATTEMPTS = 3

// Every N events, and at once after a load that had to fold N or more (a log written without snapshots, by an import or
// a direct append): that fold is then paid once, not after every restart or cache drop.
export const isSnapshotDue = (version: number, newVersion: number, unsnapshotted: number, every: number) =>
  Math.floor(newVersion / every) > Math.floor(version / every) || unsnapshotted >= every

export class CommandHandler {
  constructor(
    readonly store: EventStore,
    readonly writer: Writer,
    // Called once the events are durable (their batch committed): metrics, live subscribers.
    private readonly onCommitted: (events: StoredEvent[]) => void = () => {},
  ) {
    writer.onBatchEnd((committed) => store.settle(committed))
  }

  async handle<S, C extends { metadata: { now: number } }, E extends Event, N>(
    aggregate: Aggregate<S, C, E, N>,
    streamId: string,
    command: C,
    metadata: EventMetadata,
    // Writes outside the log (the PII/credential vaults) that must commit with the events, or not at all.
    alongside?: (handled: Handled<S, E>) => void,
  ): Promise<Handled<S, E>> {
    const handled = await this.writer.run(streamId, () => {
      const result = this.decideAndAppend(aggregate, streamId, command, metadata)
      alongside?.(result)
      // Last, so a command whose savepoint rolls back (alongside threw) leaves nothing for the next to start from.
      this.store.carry(aggregate, streamId, result.version, result.state)
      return result
    })
    if (handled.events.length > 0) this.onCommitted(handled.events)
    return handled
  }

  // One command on each of several streams (a collective key's locks), in one savepoint: every stream gets its events
  // or none does, so a refusal on a later stream leaves nothing of the earlier ones. Batched as a write of the first.
  async handleAcross<S, C extends { metadata: { now: number } }, E extends Event, N>(
    aggregate: Aggregate<S, C, E, N>,
    commands: readonly { streamId: string; command: C }[],
    metadata: EventMetadata,
  ): Promise<Handled<S, E>[]> {
    const first = commands[0]
    if (first === undefined) return []
    const handled = await this.writer.run(first.streamId, () => {
      const results = commands.map(({ streamId, command }) => ({
        streamId,
        result: this.decideAndAppend(aggregate, streamId, command, metadata),
      }))
      for (const { streamId, result } of results) this.store.carry(aggregate, streamId, result.version, result.state)
      return results.map(({ result }) => result)
    })
    const events = handled.flatMap((result) => result.events)
    if (events.length > 0) this.onCommitted(events)
    return handled
  }

  // Synchronous so it can run inside a batch transaction; a conflict (another process appended) re-decides.
  decideAndAppend<S, C extends { metadata: { now: number } }, E extends Event, N>(
    aggregate: Aggregate<S, C, E, N>,
    streamId: string,
    command: C,
    metadata: EventMetadata,
  ): Handled<S, E> {
    const entityId = aggregate.entities?.ofCommand(command) ?? null
    for (let attempt = 1; ; attempt++) {
      const { state, version, atHead, unsnapshotted } = this.store.loadHead(aggregate, streamId)
      const entity = entityId === null ? null : this.store.loadEntity<N>(aggregate, streamId, entityId)
      const decided = aggregate.decider.decide(command, state, entity)
      if (decided.length === 0) return { events: [], version, state }
      try {
        // Within the batch transaction a head just read from the log needs no second read before the insert.
        const stored = atHead
          ? this.store.appendAtHead(streamId, version, decided, metadata, command.metadata.now)
          : this.store.append(streamId, version, decided, metadata, command.metadata.now)
        let next = state
        for (const event of decided) next = aggregate.decider.evolve(next, event)
        const newVersion = version + decided.length
        if (isSnapshotDue(version, newVersion, unsnapshotted, this.store.snapshotEvery)) {
          this.store.saveSnapshot(streamId, newVersion, aggregate.stateVersion, next)
        }
        return { events: stored as StoredEvent<E>[], version: newVersion, state: next }
      } catch (error) {
        if (!(error instanceof ConcurrencyError) || attempt >= MAX_ATTEMPTS) throw error
      }
    }
  }
}
