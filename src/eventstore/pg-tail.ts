// How one process on PostgreSQL learns what the others committed: a tail of the settled log (polling is the truth,
// LISTEN only wakes it early), and how far behind it may be. Caches answer only while the tail is fresh; when it lags
// (its connection lost, or a long transaction holding back the settled log) they are bypassed, so a revocation made
// through another process never outlives the bound.
import type { Sql } from '../db/pg/connection'
import { type LogCursor, type PgEventStore, REBUILT_CHANNEL } from './pg-store'
import type { StoredEvent } from './types'

export const COMMIT_CHANNEL = 'spkey_commits'

// After a commit: one NOTIFY per tick however many commands committed in it, and never inside the append (a NOTIFY
// in a transaction takes a lock every committing NOTIFY shares).
export class CommitSignal {
  private pending = false

  constructor(private readonly sql: Sql) {}

  signal(): void {
    if (this.pending) return
    this.pending = true
    queueMicrotask(() => {
      this.pending = false
      this.sql.notify(COMMIT_CHANNEL, '').catch(() => {})
    })
  }
}

export type LogTailOptions = {
  onEvents: (events: StoredEvent[]) => void
  // A rebuild of the read models (the CLI's `rebuild`) committed: rows changed without events.
  onRebuilt?: () => void
  pollMs?: number
  batch?: number
  now?: () => number
}

export class LogTail {
  private cursor: LogCursor | undefined
  // When the last catch-up began that found nothing more to read, settled or not: everything committed before then
  // has been handed to onEvents.
  private caughtUpAt = Number.NEGATIVE_INFINITY
  private timer: ReturnType<typeof setInterval> | undefined
  private listening: { unlisten(): Promise<void> }[] = []
  private running: Promise<void> | undefined
  private again = false
  private readonly now: () => number

  constructor(
    private readonly store: PgEventStore,
    private readonly options: LogTailOptions,
  ) {
    this.now = options.now ?? Date.now
  }

  // From the settled head: what was committed before the start is already in what this process will read.
  async start(): Promise<void> {
    this.cursor = await this.store.settledHead()
    this.listening = [
      await this.store.sql.listen(COMMIT_CHANNEL, () => this.wake()),
      await this.store.sql.listen(REBUILT_CHANNEL, () => this.options.onRebuilt?.()),
    ]
    this.timer = setInterval(() => this.wake(), this.options.pollMs ?? 100)
    await this.wake()
  }

  async stop(): Promise<void> {
    clearInterval(this.timer)
    await Promise.all(this.listening.map((listening) => listening.unlisten().catch(() => {})))
    await this.running
  }

  // How long ago the tail last knew it had everything; caches may answer for `boundMs` after that, no longer.
  lagMs(): number {
    return this.now() - this.caughtUpAt
  }

  isFresh(boundMs = 500): boolean {
    return this.lagMs() <= boundMs
  }

  // One catch-up at a time; a wake-up during one runs another right after it.
  wake(): Promise<void> {
    if (this.running) {
      this.again = true
      return this.running
    }
    this.running = this.catchUp()
      .catch(() => {})
      .finally(() => {
        this.running = undefined
        if (this.again) {
          this.again = false
          void this.wake()
        }
      })
    return this.running
  }

  private async catchUp(): Promise<void> {
    const batch = this.options.batch ?? 500
    for (;;) {
      const startedAt = this.now()
      const cursor = this.cursor ?? (await this.store.settledHead())
      const { events, cursor: next } = await this.store.readCommitted(cursor, batch)
      this.cursor = next
      if (events.length > 0) this.options.onEvents(events)
      if (events.length === batch) continue
      // Committed but not settled yet (an older transaction still running): not caught up, read again next time.
      if (await this.hasUnsettled(next)) return
      this.caughtUpAt = startedAt
      return
    }
  }

  private async hasUnsettled(after: LogCursor): Promise<boolean> {
    const [row] = await this.store.sql<{ behind: boolean }[]>`
      SELECT EXISTS (SELECT 1 FROM events WHERE (tx_id, position) > (${after.txId}::xid8, ${after.position})) AS behind`
    return row?.behind ?? true
  }
}
