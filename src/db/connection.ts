// Opens the SQLite file with the durability pragmas and applies embedded migrations.
import { Database } from 'bun:sqlite'
import { closeSync, existsSync, mkdirSync, openSync } from 'node:fs'
import { dirname } from 'node:path'
import { drizzle, type BunSQLiteDatabase } from 'drizzle-orm/bun-sqlite'
import { migrations } from './migrations'
import * as schema from './schema'

export type Db = BunSQLiteDatabase<typeof schema> & { $client: Database }

export class NewerDatabaseError extends Error {}

export function openDatabase(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  // Owner-only from the first byte: the file holds the JWT and webhook secrets and phone numbers. SQLite gives the
  // -wal and -shm files the database file's mode.
  if (path !== ':memory:' && !existsSync(path)) closeSync(openSync(path, 'a', 0o600))
  const client = new Database(path, { create: true, strict: true })
  client.exec('PRAGMA journal_mode = WAL')
  client.exec('PRAGMA synchronous = FULL')
  client.exec('PRAGMA busy_timeout = 5000')
  client.exec('PRAGMA foreign_keys = ON')
  // Write-path costs, durability untouched (every commit is still fsynced, above). The group commit runs each command
  // in its own savepoint: their undo records (the statement sub-journal) stay in memory instead of spilling into a temp
  // file written page by page. Checkpoints every 40,000 WAL pages (~160 MB) instead of 1,000: a page rewritten by many
  // batches is copied into the database file (and that file fsynced) once per checkpoint rather than forty times. The
  // committing connection runs each checkpoint and every request in flight waits 20-50 ms for it: fewer, larger ones
  // halved how often a busy server stalled (a checkpointing worker thread instead slowed every commit's fsync).
  client.exec('PRAGMA temp_store = MEMORY')
  // 16 MB of page cache instead of 2 MB: a lock with 50,000 past keys spreads its live keys' rows over many pages, and
  // opens on it ran at 0.75x of a 10-key lock's with the default against 0.87x with this (alternating wrk runs, one server).
  client.exec('PRAGMA cache_size = -16000')
  client.exec('PRAGMA wal_autocheckpoint = 40000')
  const db = drizzle({ client, schema })
  migrate(db)
  return db
}

// drizzle's own migrator reads files from disk; this one takes the embedded list and also refuses a newer database.
function migrate(db: Db): void {
  const client = db.$client
  client.exec(
    'CREATE TABLE IF NOT EXISTS __drizzle_migrations (id INTEGER PRIMARY KEY AUTOINCREMENT, hash text NOT NULL, created_at numeric)',
  )
  const applied = client.query<{ created_at: number }, []>('SELECT created_at FROM __drizzle_migrations').all()
  const known = new Set(migrations.map((m) => m.folderMillis))
  const unknown = applied.filter((row) => !known.has(Number(row.created_at)))
  if (unknown.length > 0) {
    throw new NewerDatabaseError(
      'this database was migrated by a newer spkey version; upgrade spkey or restore a backup made for this version',
    )
  }
  const done = new Set(applied.map((row) => Number(row.created_at)))
  const pending = migrations.filter((m) => !done.has(m.folderMillis))
  if (pending.length === 0) return
  client
    .transaction(() => {
      for (const migration of pending) {
        for (const statement of migration.sql) if (statement.trim()) client.exec(statement)
        client.query('INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)').run(migration.hash, migration.folderMillis)
      }
    })
    .immediate()
}

export function migrationsCurrent(db: Db): boolean {
  const row = db.$client.query<{ n: number }, []>('SELECT count(*) AS n FROM __drizzle_migrations').get()
  return row?.n === migrations.length
}
