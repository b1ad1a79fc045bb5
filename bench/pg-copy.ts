// The bench's history on PostgreSQL: what bench/seed-history.ts wrote into a SQLite file, copied onto a fresh
// database, and that database copied again for a second set of servers.
import { issueApiKey, registerOrg } from '../src/auth/tenants'
import { loadConfig } from '../src/config'
import { openPostgres } from '../src/db/pg/connection'
import { createPgDeps } from '../src/deps-pg'
import { lockAggregate } from '../src/domain/lock/decide'
import { lockStreamId } from '../src/domain/lock/events'
import { entitiesMoved, entityModels } from '../src/eventstore/entities'
import { PgEventStore } from '../src/eventstore/pg-store'
import { createLogger } from '../src/logger'
import { allPgProjections } from '../src/projections/pg'
import { postgresUrl } from '../test/fixtures/postgres'
import { seed } from './support'

const ROWS_PER_STATEMENT = 5_000

const chunks = <T>(items: T[]): T[][] =>
  Array.from({ length: Math.ceil(items.length / ROWS_PER_STATEMENT) }, (_, i) =>
    items.slice(i * ROWS_PER_STATEMENT, (i + 1) * ROWS_PER_STATEMENT),
  )

// The same history on PostgreSQL, in seconds rather than minutes (appended one command at a time it costs some 15
// statements an event: over five minutes for the big lock here): the SQLite log's lock streams inserted as they are,
// thousands of rows a statement, each temp key's decision row as the appends would have left it, then every
// projection replayed by PgEventStore.rebuild (the CLI's rebuild). That store knows no aggregates, so its rebuild
// leaves the decision rows alone: its refold of them never finishes past 1,000 lock events (its cursor and the row
// writes wait on each other on the one connection).
export async function copyToPostgres(
  databasePath: string,
  databaseUrl: string,
  orgId: string,
  lockIds: number[],
): Promise<{ apiKey: string; events: number }> {
  const config = { ...loadConfig({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'silent' }), databaseUrl }
  const pg = await createPgDeps(config, { logger: createLogger('silent') })
  try {
    await registerOrg(pg, { orgId, orgName: 'Bench' })
    const { apiKey } = await issueApiKey(pg, orgId, { createdBy: 'bench' })
    const logs = await seed(databasePath, (sqlite) =>
      Promise.all(
        lockIds.map(async (lockId) => {
          const streamId = lockStreamId(lockId)
          return { streamId, events: await sqlite.log.readStreamRange(streamId, 1, await sqlite.log.streamVersion(streamId)) }
        }),
      ),
    )
    const models = entityModels([lockAggregate])
    await pg.store.transaction(async (tx) => {
      for (const { streamId, events } of logs) {
        await tx`INSERT INTO streams (stream_id, version) VALUES (${streamId}, ${events.length})`
        for (const rows of chunks(events)) {
          // Sent as text: the json columns keep each payload's text as it was appended.
          await tx`
            INSERT INTO events (stream_id, stream_version, type, data, metadata, created_at)
            SELECT ${streamId}, version, type, data::json, metadata::json, created_at
            FROM unnest(
              ${rows.map((e) => e.streamVersion)}::int[], ${rows.map((e) => e.type)}::text[],
              ${rows.map((e) => JSON.stringify(e.data))}::text[], ${rows.map((e) => JSON.stringify(e.metadata))}::text[],
              ${rows.map((e) => e.createdAt)}::bigint[]
            ) AS copied(version, type, data, metadata, created_at)`
        }
        const states = new Map<string, unknown>()
        for (const event of events) {
          for (const [entities, entityId] of entitiesMoved(models, event)) {
            const next = entities.evolve(states.get(entityId) ?? null, event)
            if (next === null) states.delete(entityId)
            else states.set(entityId, next)
          }
        }
        for (const rows of chunks([...states])) {
          await tx`
            INSERT INTO entity_states (stream_id, entity_id, state)
            SELECT ${streamId}, entity_id, state::jsonb
            FROM unnest(${rows.map(([id]) => id)}::text[], ${rows.map(([, state]) => JSON.stringify(state))}::text[]) AS copied(entity_id, state)`
        }
      }
    })
    await new PgEventStore(pg.sql, { projections: allPgProjections }).rebuild()
    return { apiKey, events: logs.reduce((sum, log) => sum + log.events.length, 0) }
  } finally {
    await pg.lifecycle.close()
  }
}

// The 2-process servers get a copy of their own (CREATE DATABASE ... TEMPLATE): the idle 1-process server's tail never
// hears of their commits, and each backend starts from the same history.
export async function copyDatabase(databaseUrl: string): Promise<string> {
  const name = `t_${crypto.randomUUID().replaceAll('-', '')}`
  const admin = openPostgres(postgresUrl('postgres'), { max: 1 })
  try {
    await admin.unsafe(`CREATE DATABASE ${name} TEMPLATE ${new URL(databaseUrl).pathname.slice(1)}`)
  } finally {
    await admin.end()
  }
  return postgresUrl(name)
}
