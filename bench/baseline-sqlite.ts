// Baseline: raw bun:sqlite, WAL, one INSERT per transaction, synchronous=FULL (the durability spkey keeps).
import { Database } from 'bun:sqlite'

export function rawInsertLoop(path: string, count: number, maxMs: number): { txPerSec: number; count: number } {
  const db = new Database(path, { create: true })
  db.exec('PRAGMA journal_mode = WAL')
  db.exec('PRAGMA synchronous = FULL')
  db.exec('CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY AUTOINCREMENT, stream TEXT, data TEXT, created_at INTEGER)')
  const insert = db.query('INSERT INTO t (stream, data, created_at) VALUES (?, ?, ?)')
  const started = performance.now()
  let done = 0
  while (done < count && performance.now() - started < maxMs) {
    db.transaction(() => insert.run(`s-${done}`, '{"orgId":"acme","note":"bench"}', Date.now())).immediate()
    done++
  }
  const seconds = (performance.now() - started) / 1000
  db.close()
  return { txPerSec: Math.round(done / seconds), count: done }
}
