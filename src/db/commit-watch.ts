// Commits made through other connections to the same SQLite file (the admin CLI while the server runs, a second
// process): PRAGMA data_version moves when one lands. One watcher per connection, shared by every in-memory copy of
// database facts (the event store's states, the read cache), tells each to drop what it holds.
import type { Database, Statement } from 'bun:sqlite'

export class CommitWatch {
  private readonly dataVersion: Statement<{ data_version: number }, []>
  private readonly listeners: (() => void)[] = []
  private seen: number
  private checkedAt = Number.NEGATIVE_INFINITY

  constructor(client: Database) {
    this.dataVersion = client.query('PRAGMA data_version')
    this.seen = this.read()
  }

  onExternalCommit(listener: () => void): void {
    this.listeners.push(listener)
  }

  // Looks unless it looked less than `maxAgeMs` ago (0: always); every listener hears of a commit it finds.
  check(maxAgeMs = 0): void {
    const tick = performance.now()
    if (maxAgeMs > 0 && tick - this.checkedAt < maxAgeMs) return
    this.checkedAt = tick
    const version = this.read()
    if (version === this.seen) return
    this.seen = version
    for (const listener of this.listeners) listener()
  }

  private read(): number {
    return this.dataVersion.get()?.data_version ?? 0
  }
}

const watches = new WeakMap<Database, CommitWatch>()

// The connection's watcher: every reader of one connection must share it, or the first to look would hide a commit
// from the others.
export function commitWatchOf(client: Database): CommitWatch {
  let watch = watches.get(client)
  if (watch === undefined) watches.set(client, (watch = new CommitWatch(client)))
  return watch
}
