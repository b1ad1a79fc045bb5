// The write path on PostgreSQL: one transaction per command (the server groups commits across connections, so the
// SQLite Writer's batching has no part here): load, decide, append with expected version, evolve, snapshot, and the
// caller's writes beside the log, committed together. A conflict with another process re-decides on the new state.
import type { Tx } from '../db/pg/connection'
import { type Handled, isSnapshotDue, MAX_ATTEMPTS } from './command-handler'
import { ConcurrencyError } from './errors'
import type { PgEventStore } from './pg-store'
import type { Aggregate, Event, EventMetadata, StoredEvent } from './types'

// A racing first append of a new stream (the loser's insert of its row), or a deadlock the server broke by aborting
// this transaction (a projection's rows locked in another order): decided again from scratch.
const isRetryable = (error: unknown) => error instanceof ConcurrencyError || (error as { code?: unknown } | null)?.code === '40P01'

export class PgCommandHandler {
  constructor(
    readonly store: PgEventStore,
    // Called once the events are committed: metrics, the wake-up of other processes' log tails.
    private readonly onCommitted: (events: StoredEvent[]) => void = () => {},
  ) {}

  async handle<S, C extends { metadata: { now: number } }, E extends Event, N>(
    aggregate: Aggregate<S, C, E, N>,
    streamId: string,
    command: C,
    metadata: EventMetadata,
    // Writes outside the log (the vaults) that must commit with the events, or not at all.
    alongside?: (handled: Handled<S, E>, tx: Tx) => Promise<void>,
  ): Promise<Handled<S, E>> {
    const [handled] = await this.commit(aggregate, [streamId], async (tx) => {
      const result = await this.decideAndAppend(aggregate, streamId, command, metadata, tx)
      await alongside?.(result, tx)
      return [result]
    })
    // One command, one result.
    return handled as Handled<S, E>
  }

  // One command on each of several streams (a collective key's locks), in one transaction: every stream gets its events
  // or none does. The streams are locked in id order, so two such commands over the same locks cannot deadlock.
  async handleAcross<S, C extends { metadata: { now: number } }, E extends Event, N>(
    aggregate: Aggregate<S, C, E, N>,
    commands: readonly { streamId: string; command: C }[],
    metadata: EventMetadata,
  ): Promise<Handled<S, E>[]> {
    const inLockOrder = [...commands.entries()].sort(([, a], [, b]) => (a.streamId < b.streamId ? -1 : 1))
    const streamIds = commands.map(({ streamId }) => streamId)
    return this.commit(aggregate, streamIds, async (tx) => {
      const results: Handled<S, E>[] = []
      for (const [i, { streamId, command }] of inLockOrder) {
        results[i] = await this.decideAndAppend(aggregate, streamId, command, metadata, tx)
      }
      return results
    })
  }

  // `work` in one transaction, run again from scratch when a racing writer or a deadlock aborted it (isRetryable). Once
  // committed, each stream's new state (results[i] is streamIds[i]'s) is remembered and the events are announced.
  private async commit<S, E extends Event>(
    aggregate: { name: string; stateVersion: number },
    streamIds: readonly string[],
    work: (tx: Tx) => Promise<Handled<S, E>[]>,
  ): Promise<Handled<S, E>[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        const handled = await this.store.transaction(work)
        for (const [i, streamId] of streamIds.entries()) {
          const result = handled[i]
          if (result && result.events.length > 0) this.store.remember(aggregate, streamId, result.version, result.state)
        }
        const events = handled.flatMap((result) => result.events)
        if (events.length > 0) this.onCommitted(events)
        return handled
      } catch (error) {
        if (!isRetryable(error) || attempt >= MAX_ATTEMPTS) throw error
      }
    }
  }

  private async decideAndAppend<S, C extends { metadata: { now: number } }, E extends Event, N>(
    aggregate: Aggregate<S, C, E, N>,
    streamId: string,
    command: C,
    metadata: EventMetadata,
    tx: Tx,
  ): Promise<Handled<S, E>> {
    const { state, version, unsnapshotted } = await this.store.loadHead(aggregate, streamId, tx, true)
    const entityId = aggregate.entities?.ofCommand(command) ?? null
    const entity = entityId === null ? null : await this.store.loadEntity<N>(streamId, entityId, tx)
    const decided = aggregate.decider.decide(command, state, entity)
    if (decided.length === 0) return { events: [], version, state }
    const stored = await this.store.append(tx, streamId, version, decided, metadata, command.metadata.now)
    let next = state
    for (const event of decided) next = aggregate.decider.evolve(next, event)
    const newVersion = version + decided.length
    if (isSnapshotDue(version, newVersion, unsnapshotted, this.store.snapshotEvery)) {
      await this.store.saveSnapshot(tx, streamId, newVersion, aggregate.stateVersion, next)
    }
    return { events: stored as StoredEvent<E>[], version: newVersion, state: next }
  }
}
