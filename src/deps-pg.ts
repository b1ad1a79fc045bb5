// The same Deps on PostgreSQL (DATABASE_URL): several spkey processes on one database. What one process kept in
// memory is shared through the database or kept coherent by the log tail:
// - read caches answer only while the tail is fresh, and drop what any process's commit touched (pg-tail.ts);
// - a key's opens and a lock's device actions are exclusive across processes (session advisory locks, door-locks.ts);
// - Idempotency-Key outcomes, rate-limit windows and signed-out sessions live in tables;
// - one process at a time delivers webhooks, by lease (leadership.ts).
import { ApiKeyLookup } from './auth/api-keys'
import type { Config } from './config'
import { postgresCommands, postgresData, postgresLog } from './data/postgres'
import { pgApiKeys } from './db/pg/api-keys'
import { migratePostgres, openPostgres, type Sql } from './db/pg/connection'
import { PgDoorLocks } from './db/pg/door-locks'
import { Leadership } from './db/pg/leadership'
import { pgMigrations } from './db/pg/migrations'
import { PgOnce } from './db/pg/once'
import { pgRateLimiters } from './db/pg/rate-limits'
import { loadSecrets } from './db/pg/secrets'
import { PgSessionRevocations } from './db/pg/sessions'
import { assemble, createDeps, type Deps, type SqliteDeps, type DepsOverrides, type Lifecycle, type Readiness } from './deps'
import { lockAggregate } from './domain/lock/decide'
import { userAggregate } from './domain/user/decide'
import { PgCommandHandler } from './eventstore/pg-command-handler'
import { PgEventStore } from './eventstore/pg-store'
import { CommitSignal, LogTail } from './eventstore/pg-tail'
import type { StoredEvent } from './eventstore/types'
import type { TempKeyOpen } from './locks/doors'
import { createLogger } from './logger'
import { createMetrics, watchScaleOut } from './metrics'
import { allPgProjections } from './projections/pg'
import { partnerOrderingKeys } from './projections/pg/partner-events'
import { ReadCache } from './reads/cache'
import { Reads } from './reads/reads'
import type { FirstStart } from './secrets'
import { PgDeliveryLog } from './webhooks/pg-delivery-log'
import { PgPartnerFeed } from './webhooks/pg-feed'
import { AppendSignal } from './webhooks/signal'

// How stale the tail may be while caches still answer: the bound on another process's change being seen.
export const COHERENCE_BOUND_MS = 500

export type PostgresDeps = Deps & { backend: 'postgres'; sql: Sql; store: PgEventStore; tail: LogTail; leadership: Leadership }

export async function createPgDeps(
  config: Config & { databaseUrl: string },
  overrides: DepsOverrides = {},
): Promise<PostgresDeps & { firstStart: FirstStart }> {
  const sql = openPostgres(config.databaseUrl, { max: config.pgPoolSize })
  // Door locks and the webhook lease each hold a connection while their work runs, and that work queries through
  // `sql`: from one pool, enough opens at once would hold every connection and wait for one of them forever.
  const holders = openPostgres(config.databaseUrl, { max: config.pgPoolSize })
  await migratePostgres(sql)
  const logger = overrides.logger ?? createLogger(config.logLevel, undefined, process.stdout.isTTY === true)
  const metrics = createMetrics()
  const appended = new AppendSignal()
  const store = new PgEventStore(sql, {
    projections: allPgProjections,
    aggregates: [lockAggregate, userAggregate],
    snapshotEvery: config.snapshotEvery,
    orderingKeys: partnerOrderingKeys,
  })
  // Asks the tail (below, started before anything is read) whether it may answer.
  const readCache = new ReadCache({ current: () => tail.isFresh(COHERENCE_BOUND_MS) })
  const changed = (events: readonly StoredEvent[]) => {
    for (const event of events) readCache.changed(event.streamId, event.streamVersion)
  }
  const tail = new LogTail(store, {
    pollMs: 100,
    onEvents: (events) => {
      changed(events)
      if (events.length > 0) appended.notify()
    },
    onRebuilt: () => readCache.clear(),
  })
  const commits = new CommitSignal(sql)
  const handler = new PgCommandHandler(store, (events) => {
    for (const event of events) metrics.eventsAppended.inc({ type: event.type })
    // This process's own commits drop its entries at once; the others' tails hear of them by NOTIFY.
    changed(events)
    appended.notify()
    commits.signal()
  })
  const upgraded = await store.upgrade()
  if (upgraded.length > 0) logger.info('decision state rebuilt from the log in its current shape', { aggregates: upgraded })
  await tail.start()
  const { secrets, firstStart } = await loadSecrets(sql, config)
  const sessions = new PgSessionRevocations(sql, { boundMs: COHERENCE_BOUND_MS })
  await sessions.start()
  const data = postgresData(sql)
  const reads = new Reads(data, readCache)
  const shared = assemble(config, overrides, {
    backend: 'postgres',
    data,
    log: postgresLog(store),
    commands: postgresCommands(handler),
    feed: new PgPartnerFeed(sql),
    deliveries: new PgDeliveryLog(sql),
    metrics,
    logger,
    secrets,
    sessions,
    apiKeys: new ApiKeyLookup(pgApiKeys(sql), reads),
    readCache,
    reads,
    rateLimiters: pgRateLimiters(sql),
    exclusive: new PgDoorLocks(holders),
    opens: new PgOnce<TempKeyOpen>(sql),
    appended,
  })
  const leadership = new Leadership(holders, 'webhooks', {
    onElected: () => {
      logger.info('this process now delivers webhooks')
      shared.webhooks.start()
    },
    onDeposed: () => {
      logger.warn('this process no longer delivers webhooks')
      void shared.webhooks.stop()
    },
  })
  watchScaleOut(metrics, tail, leadership)
  const lifecycle: Lifecycle = {
    start: () => leadership.start(),
    async stopBackground() {
      await leadership.stop()
      await shared.webhooks.stop()
    },
    async close() {
      await tail.stop()
      await sessions.stop()
      await Promise.all([sql.end({ timeout: 5 }), holders.end({ timeout: 5 })])
    },
  }
  const readiness = async (): Promise<Readiness> => {
    let writable = false
    let migrations = false
    try {
      const [row] = await sql<{ recovery: boolean; applied: number }[]>`
        SELECT pg_is_in_recovery() AS recovery, (SELECT count(*)::int FROM __drizzle_migrations) AS applied`
      writable = row?.recovery === false
      migrations = row?.applied === pgMigrations.length
    } catch {
      // Unreachable: neither.
    }
    return {
      database: 'postgres',
      migrations,
      writable,
      tail: { lagMs: Math.round(tail.lagMs()), fresh: tail.isFresh(COHERENCE_BOUND_MS) },
      webhookLeader: leadership.isLeader,
    }
  }
  return { ...shared, backend: 'postgres', sql, store, tail, leadership, readiness, lifecycle, firstStart }
}

// The database the config names: PostgreSQL when DATABASE_URL is set, else the SQLite file.
export async function openDeps(
  config: Config,
  overrides: DepsOverrides = {},
): Promise<(SqliteDeps | PostgresDeps) & { firstStart: FirstStart }> {
  const { databaseUrl } = config
  return databaseUrl === null ? createDeps(config, overrides) : createPgDeps({ ...config, databaseUrl }, overrides)
}
