// The WAL file at rest. Under load checkpoints run every 40,000 pages (connection.ts), so the file grows to ~160 MB and
// SQLite reuses it from the start rather than shrinking it; once writes have paused for `idleMs`, a truncating
// checkpoint copies what it holds into the database file and empties it. Readers in flight can make it partial: it is
// tried again after the next pause.
import type { Writer } from '../eventstore/writer'
import type { Db } from './connection'

export function truncateWalWhenIdle(db: Db, writer: Writer, idleMs = 2_000): () => void {
  const checkpoint = db.$client.prepare('PRAGMA wal_checkpoint(TRUNCATE)')
  let timer: ReturnType<typeof setTimeout> | undefined
  let stopped = false
  writer.onBatchEnd(() => {
    if (stopped) return
    clearTimeout(timer)
    timer = setTimeout(() => checkpoint.run(), idleMs)
    timer.unref()
  })
  return () => {
    stopped = true
    clearTimeout(timer)
  }
}
