// The write path on PostgreSQL: load, decide, append with expected version, evolve, snapshot, and the caller's writes
// beside the log, committed together. Commands on one stream group-commit as the SQLite Writer's do: the writers of a
// hot stream would otherwise queue on its row lock for one commit each, so while a transaction of a stream runs here,
// its next commands wait and then go in one transaction, a savepoint each. A conflict with another process, or a
// deadlock, re-decides the whole transaction on the new state.
import type { Tx } from '../db/pg/connection'
import { type Handled, isSnapshotDue, MAX_ATTEMPTS } from './command-handler'
import { ConcurrencyError } from './errors'
import type { PgEventStore } from './pg-store'
import type { LoadedHead } from './store'
import type { Aggregate, Event, EventMetadata, StoredEvent } from './types'

// A racing first append of a new stream (the loser's insert of its row), or a deadlock the server broke by aborting
// this transaction (a projection's rows locked in another order): decided again from scratch.
const isRetryable = (error: unknown) => error instanceof ConcurrencyError || (error as { code?: unknown } | null)?.code === '40P01'

// Commands of one stream per transaction. Each savepoint that writes takes a subtransaction id, which the server keeps
// (released or not) until the commit; past 64 in one transaction other sessions' snapshots must look them up on disk.
const MAX_PER_BATCH = 50

type Pending = {
  aggregate: { name: string; stateVersion: number }
  load: (tx: Tx) => Promise<LoadedHead<unknown>>
  run: (tx: Tx, head: LoadedHead<unknown>) => Promise<Handled<unknown, Event>>
  resolve: (handled: Handled<unknown, Event>) => void
  reject: (error: unknown) => void
}
type Outcome = { ok: true; handled: Handled<unknown, Event> } | { ok: false; error: unknown }

export class PgCommandHandler {
  // The commands waiting for each stream whose transaction is running; a stream is here exactly while it has one.
  private readonly queues = new Map<string, Pending[]>()

  constructor(
    readonly store: PgEventStore,
    // Called once a batch committed, with its events in order: metrics, the wake-up of other processes' log tails.
    // Must not throw: the callers of the batch are answered after it.
    private readonly onCommitted: (events: StoredEvent[]) => void = () => {},
  ) {}

  handle<S, C extends { metadata: { now: number } }, E extends Event, N>(
    aggregate: Aggregate<S, C, E, N>,
    streamId: string,
    command: C,
    metadata: EventMetadata,
    // Writes outside the log (the vaults) that must commit with the events, or not at all.
    alongside?: (handled: Handled<S, E>, tx: Tx) => Promise<void>,
  ): Promise<Handled<S, E>> {
    return new Promise((resolve, reject) => {
      const pending: Pending = {
        aggregate,
        load: (tx) => this.store.loadHead(aggregate, streamId, tx, true),
        run: async (tx, head) => {
          // The head the batch carries is this stream's, and a stream's commands are all of its one aggregate.
          const handled = await this.decideAndAppend(aggregate, streamId, command, metadata, tx, head as LoadedHead<S>)
          await alongside?.(handled, tx)
          return handled
        },
        resolve: resolve as (handled: Handled<unknown, Event>) => void,
        reject,
      }
      const queue = this.queues.get(streamId)
      if (queue) queue.push(pending)
      else {
        this.queues.set(streamId, [pending])
        void this.drain(streamId)
      }
    })
  }

  // One command on each of several streams (a collective key's locks), in one transaction: every stream gets its events
  // or none does. The streams are locked in id order, so two such commands over the same locks cannot deadlock. Not
  // queued behind a stream's batch: it waits on the row lock, and a batch holds no other stream's row to wait on it.
  async handleAcross<S, C extends { metadata: { now: number } }, E extends Event, N>(
    aggregate: Aggregate<S, C, E, N>,
    commands: readonly { streamId: string; command: C }[],
    metadata: EventMetadata,
  ): Promise<Handled<S, E>[]> {
    const inLockOrder = [...commands.entries()].sort(([, a], [, b]) => (a.streamId < b.streamId ? -1 : 1))
    for (let attempt = 1; ; attempt++) {
      try {
        const handled = await this.store.transaction(async (tx) => {
          const results: Handled<S, E>[] = []
          for (const [i, { streamId, command }] of inLockOrder) {
            const head = await this.store.loadHead(aggregate, streamId, tx, true)
            results[i] = await this.decideAndAppend(aggregate, streamId, command, metadata, tx, head)
          }
          return results
        })
        for (const [i, { streamId }] of commands.entries()) {
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

  // Batches of the stream's queue until it is empty, when the stream leaves `queues` (in the same tick as the check, so
  // a handle arriving after it starts a new drain).
  private async drain(streamId: string): Promise<void> {
    for (;;) {
      const queue = this.queues.get(streamId)
      if (queue === undefined || queue.length === 0) {
        this.queues.delete(streamId)
        return
      }
      await this.commitBatch(streamId, queue.splice(0, MAX_PER_BATCH))
    }
  }

  // One transaction for `batch`: the stream's row is locked and its head loaded once, then each command decides on the
  // state the one before left, in a savepoint of its own, so a command that fails (refused, or its writes beside the log
  // did) rolls back alone and only its caller hears of it. Every caller hears after the commit. Never throws.
  private async commitBatch(streamId: string, batch: Pending[]): Promise<void> {
    const [first] = batch
    if (first === undefined) return
    for (let attempt = 1; ; attempt++) {
      let outcomes: Outcome[]
      try {
        outcomes = await this.store.transaction(async (tx) => {
          let head = await first.load(tx)
          // Alone, a command needs no savepoint (one round trip more): the transaction is its own.
          const alone = batch.length === 1
          const outcomes: Outcome[] = []
          for (const pending of batch) {
            try {
              // postgres.js fails a whole transaction any of whose statements failed, caught or not, unless the
              // statement ran in a savepoint's own scope, as these do.
              const handled = alone ? await pending.run(tx, head) : await tx.savepoint((sp) => pending.run(sp, head))
              if (handled.events.length > 0) head = { state: handled.state, version: handled.version, atHead: true, unsnapshotted: 0 }
              outcomes.push({ ok: true, handled })
            } catch (error) {
              if (alone || isRetryable(error)) throw error
              outcomes.push({ ok: false, error })
            }
          }
          return outcomes
        })
      } catch (error) {
        if (isRetryable(error) && attempt < MAX_ATTEMPTS) continue
        for (const pending of batch) pending.reject(error)
        return
      }
      const committed = outcomes.flatMap((outcome) => (outcome.ok ? [outcome.handled] : []))
      const last = committed.findLast((handled) => handled.events.length > 0)
      if (last) this.store.remember(first.aggregate, streamId, last.version, last.state)
      const events = committed.flatMap((handled) => handled.events)
      if (events.length > 0) this.onCommitted(events)
      batch.forEach((pending, i) => {
        const outcome = outcomes[i]
        if (outcome?.ok) pending.resolve(outcome.handled)
        else pending.reject(outcome?.error)
      })
      return
    }
  }

  // Decides on `head`, the stream's state with its row locked by this transaction.
  private async decideAndAppend<S, C extends { metadata: { now: number } }, E extends Event, N>(
    aggregate: Aggregate<S, C, E, N>,
    streamId: string,
    command: C,
    metadata: EventMetadata,
    tx: Tx,
    head: LoadedHead<S>,
  ): Promise<Handled<S, E>> {
    const { state, version, unsnapshotted } = head
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
