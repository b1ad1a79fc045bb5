import { describe, expect, it } from 'bun:test'
import { NewerDatabaseError } from '../../src/db/connection'
import { migratePostgres, openPostgres } from '../../src/db/pg/connection'
import { pgMigrations } from '../../src/db/pg/migrations'
import { LOG_START, PgEventStore } from '../../src/eventstore/pg-store'
import { freshDatabase } from '../fixtures/postgres'

describe('PostgreSQL migrations', () => {
  it('should apply every migration once when several processes start together', async () => {
    const url = await freshDatabase()
    const pools = [openPostgres(url), openPostgres(url), openPostgres(url)]
    try {
      const applied = await Promise.all(pools.map((sql) => migratePostgres(sql)))
      expect(applied.sort()).toEqual([0, 0, pgMigrations.length])
      const [row] = await pools[0]!<{ n: number }[]>`SELECT count(*)::int AS n FROM __drizzle_migrations`
      expect(row?.n).toBe(pgMigrations.length)
    } finally {
      await Promise.all(pools.map((sql) => sql.end()))
    }
  })

  it('should refuse a database migrated by a newer spkey', async () => {
    const sql = openPostgres(await freshDatabase())
    try {
      await migratePostgres(sql)
      await sql`INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('from-the-future', ${Date.now() + 86_400_000 * 365})`
      await expect(migratePostgres(sql)).rejects.toBeInstanceOf(NewerDatabaseError)
    } finally {
      await sql.end()
    }
  })

  it('should refuse to change or delete a stored event', async () => {
    const sql = openPostgres(await freshDatabase())
    try {
      await migratePostgres(sql)
      await sql`INSERT INTO events (stream_id, stream_version, type, data, metadata, created_at) VALUES ('s', 1, 'T', '{}', '{}', 0)`
      await expect(sql`UPDATE events SET type = 'U'`).rejects.toThrow('append-only')
      await expect(sql`DELETE FROM events`).rejects.toThrow('append-only')
      await expect(sql`TRUNCATE events`).rejects.toThrow('append-only')
    } finally {
      await sql.end()
    }
  })

  // pg_dump restored onto another server: its transaction ids can be far ahead of that server's counter.
  it('should make a restored log readable at once, leaving events written here where they are', async () => {
    const sql = openPostgres(await freshDatabase())
    try {
      await migratePostgres(sql)
      await sql`INSERT INTO events (stream_id, stream_version, type, data, metadata, created_at) VALUES ('here', 1, 'T', '{}', '{}', 0)`
      const [current] = await sql<{ id: string }[]>`SELECT pg_current_xact_id()::text AS id`
      const future = String(BigInt(current?.id ?? '0') + 1_000_000n)
      await sql`INSERT INTO events (stream_id, stream_version, type, data, metadata, created_at, tx_id)
        VALUES ('restored', 1, 'T', '{}', '{}', 0, ${future}::xid8)`
      const store = new PgEventStore(sql)
      expect((await store.readCommitted(LOG_START, 10)).events.map((e) => e.streamId)).toEqual(['here'])

      await migratePostgres(sql)

      expect((await store.readCommitted(LOG_START, 10)).events.map((e) => e.streamId)).toEqual(['restored', 'here'])
      const [here] = await sql<{ tx: string }[]>`SELECT tx_id::text AS tx FROM events WHERE stream_id = 'here'`
      expect(here?.tx).not.toBe('0')
      await expect(sql`UPDATE events SET type = 'U'`).rejects.toThrow('append-only')
    } finally {
      await sql.end()
    }
  })
})
