// Opens the PostgreSQL pool (postgres.js) and applies the embedded migrations under an advisory lock, so N processes
// starting together migrate once.
import postgres from 'postgres'
import { NewerDatabaseError } from '../connection'
import { pgMigrations } from './migrations'

export type Sql = postgres.Sql
export type Tx = postgres.TransactionSql

export type PgOptions = {
  // Connections in the pool; the store holds one per command in flight, the log tail and each door lock one more.
  max?: number
}

// Positions, versions and times are bigint columns well below 2^53: read them as numbers, as bun:sqlite gives them.
const INT8 = 20

export function openPostgres(url: string, options: PgOptions = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    onnotice: () => {},
    types: {
      bigint: { to: INT8, from: [INT8], serialize: (value: number) => String(value), parse: (value: string) => Number(value) },
    },
    connection: {
      application_name: 'spkey',
      // A transaction left open pins the oldest snapshot every log reader waits behind (see pg-store readCommitted):
      // the server ends one idle for this long. No command holds a transaction across a driver call.
      idle_in_transaction_session_timeout: 30_000,
    },
  })
}

const MIGRATION_LOCK = 'spkey:migrations'

// Idempotent and safe to race: the first process applies what is pending in one transaction (DDL is transactional
// here); the others wait on the lock and then find nothing to do. Refuses a database migrated by a newer spkey.
export async function migratePostgres(sql: Sql): Promise<number> {
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(hashtextextended(${MIGRATION_LOCK}, 0))`
    await tx`CREATE TABLE IF NOT EXISTS __drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL, created_at bigint)`
    const applied = await tx<{ created_at: number }[]>`SELECT created_at FROM __drizzle_migrations`
    const known = new Set(pgMigrations.map((m) => m.folderMillis))
    if (applied.some((row) => !known.has(row.created_at))) {
      throw new NewerDatabaseError(
        'this database was migrated by a newer spkey version; upgrade spkey or restore a backup made for this version',
      )
    }
    const done = new Set(applied.map((row) => row.created_at))
    const pending = pgMigrations.filter((m) => !done.has(m.folderMillis))
    for (const migration of pending) {
      for (const statement of migration.sql) if (statement.trim()) await tx.unsafe(statement)
      await tx`INSERT INTO __drizzle_migrations (hash, created_at) VALUES (${migration.hash}, ${migration.folderMillis})`
    }
    await adoptRestoredLog(tx)
    return pending.length
  })
}

// Transaction ids count for the whole server, so a log restored (pg_dump) onto another server can carry ids ahead of
// that server's counter. Such events look uncommitted to every log reader (pg-store readCommitted) until the counter
// passes them: the tail would never be fresh and caches would stay off. Every transaction whose rows a statement sees
// committed has an id below that statement's snapshot's xmax (other processes keep writing meanwhile), so rows at or
// past it came from elsewhere and are older than anything this server wrote: they become transaction 0, read first, in
// position order.
async function adoptRestoredLog(tx: Tx): Promise<void> {
  const [ahead] = await tx`SELECT 1 FROM events WHERE tx_id >= pg_snapshot_xmax(pg_current_snapshot()) LIMIT 1`
  if (ahead === undefined) return
  await tx`ALTER TABLE events DISABLE TRIGGER events_no_update_or_delete`
  await tx`UPDATE events SET tx_id = '0' WHERE tx_id >= pg_snapshot_xmax(pg_current_snapshot())`
  await tx`ALTER TABLE events ENABLE TRIGGER events_no_update_or_delete`
}

// Work that commits as one: a transaction of its own on a pool, a savepoint inside the caller's transaction (as
// bun:sqlite nests one). A transaction's handle also has `begin`, which would take another connection: told apart
// by its `savepoint`.
export function atomically<T>(q: Sql | Tx, work: (tx: Tx) => Promise<T>): Promise<T> {
  return ('savepoint' in q ? q.savepoint(work) : q.begin(work)) as Promise<T>
}
