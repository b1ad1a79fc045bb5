// Wires the real dependencies from a config; tests pass overrides (clock, logger, drivers).
import { ApiKeyLookup, sqliteApiKeys } from './auth/api-keys'
import { createJwtService, type JwtService } from './auth/jwt'
import { SessionRevocations } from './auth/sessions'
import { type Clock, systemClock } from './clock'
import type { Config } from './config'
import type { Commands, Data, Deliveries, Exclusive, Feed, Log, Once, Sessions } from './data/port'
import { sqliteCommands, sqliteData, sqliteDeliveries, sqliteFeed, sqliteLog } from './data/sqlite'
import { type Db, migrationsCurrent, openDatabase } from './db/connection'
import { truncateWalWhenIdle } from './db/wal'
import { lockAggregate } from './domain/lock/decide'
import { userAggregate } from './domain/user/decide'
import { CommandHandler } from './eventstore/command-handler'
import { EventStore } from './eventstore/store'
import { Writer } from './eventstore/writer'
import { createDriver, type DriverSettings, type LockDriver } from './locks/drivers'
import type { DriverRegistry } from './locks/drivers/port'
import { type DriverKind, driverRegistry } from './locks/drivers/registry'
import { Doors, type TempKeyOpen } from './locks/doors'
import { KeyWorkflows } from './locks/key-workflows'
import { Pins } from './locks/pins'
import { createLogger, type Logger } from './logger'
import { createMetrics, type Metrics, watchReadCache } from './metrics'
import { allProjections } from './projections'
import { physicalKeyDecisions } from './projections/users'
import { ReadCache } from './reads/cache'
import { Reads } from './reads/reads'
import { memoryRateLimiters, type RateLimiters } from './routes/rate-limit'
import { type FirstStart, loadSecrets, type Secrets } from './secrets'
import { KeyedMutex } from './support/keyed-mutex'
import { OnceCache } from './support/once'
import { WebhookDispatcher } from './webhooks/dispatcher'
import { AppendSignal } from './webhooks/signal'

// What every route, page and service is given: the same on both databases (data/port.ts), so none of them knows which.
export type Deps = {
  config: Config
  // Which database this process runs on; only wiring, readiness and operations tell them apart.
  backend: 'sqlite' | 'postgres'
  data: Data
  log: Log
  commands: Commands
  feed: Feed
  clock: Clock
  logger: Logger
  metrics: Metrics
  secrets: Secrets
  jwt: JwtService
  // Session JWTs ended by sign-out; jwt.verify refuses them.
  sessions: Sessions
  apiKeys: ApiKeyLookup
  // Hot read answers, dropped when their streams change (see reads/cache.ts); `reads` names every one of them.
  readCache: ReadCache
  reads: Reads
  rateLimiters: RateLimiters
  drivers: DriverRegistry
  // Every action on a lock's device: one per lock at a time, recorded once confirmed (see locks/doors.ts).
  doors: Doors
  // Temp-key PINs: minted, derived again for the guest page, hashed with the PIN secret (see locks/pins.ts).
  pins: Pins
  // BulkAddKeys runs, in the background after the answer (see locks/key-workflows.ts); `serve` stops them on shutdown.
  keyWorkflows: KeyWorkflows
  // Fires after each durable append: wakes the webhook dispatcher and live event streams.
  appended: AppendSignal
  // Partner fan-out; constructed idle: `serve` starts it (tests start it when they want deliveries).
  webhooks: WebhookDispatcher
  // What /readyz reports: the database reachable and writable, its migrations current, and on PostgreSQL how far
  // behind the log tail is and whether this process delivers webhooks.
  readiness: () => Promise<Readiness>
  // The background work of a serving process (`serve` starts it; tests do not) and the database's close.
  lifecycle: Lifecycle
}

export type Readiness = {
  database: 'sqlite' | 'postgres'
  migrations: boolean
  writable: boolean
  // PostgreSQL: the log tail's lag (caches answer only while it is within the bound) and the webhook leader role.
  tail?: { lagMs: number; fresh: boolean }
  webhookLeader?: boolean
}

export type Lifecycle = {
  // Webhook delivery (on PostgreSQL: by whichever process holds the lease) and housekeeping.
  start(): Promise<void>
  stopBackground(): Promise<void>
  close(): Promise<void>
}

// On one SQLite file: the connection and the event store beside the shared deps (the CLI's backup and rebuild, the
// WAL's truncation, tests that look at rows).
export type SqliteDeps = Deps & { backend: 'sqlite'; db: Db; store: EventStore; handler: CommandHandler }

// pinSeeds: where PIN seeds come from (random by default; tests make PINs collide with a short cycle).
export type DepsOverrides = Partial<Pick<Deps, 'clock' | 'logger' | 'drivers'>> & { pinSeeds?: () => string }

// The simulated door always; the HTTP bridge driver when BRIDGE_SECRET is set, MQTT when MQTT_URL is (it connects on
// first use). LOCK_DRIVER picks the default; a lock's own ConfigureLockDriver choice overrides it.
export function lockDrivers(config: Config): DriverRegistry {
  const settings: DriverSettings = {
    timeoutMs: config.driverTimeoutMs,
    simulated: { delayMs: config.simulatedDelayMs },
    ...(config.bridgeSecret ? { http: { secret: config.bridgeSecret } } : {}),
    ...(config.mqttUrl ? { mqtt: { url: config.mqttUrl, prefix: config.mqttPrefix } } : {}),
  }
  const drivers: Partial<Record<DriverKind, LockDriver>> = { simulated: createDriver('simulated', settings) }
  if (settings.http) drivers.http = createDriver('http', settings)
  if (settings.mqtt) drivers.mqtt = createDriver('mqtt', settings)
  return driverRegistry(drivers, config.lockDriver)
}

export function createDeps(config: Config, overrides: DepsOverrides = {}): SqliteDeps & { firstStart: FirstStart } {
  const db = openDatabase(config.databasePath)
  const readCache = ReadCache.onSqlite(db)
  const store = new EventStore(db, {
    projections: [...allProjections, readCache.projection],
    aggregates: [lockAggregate, userAggregate],
    entityReaders: { [userAggregate.name]: physicalKeyDecisions(db) },
    snapshotEvery: config.snapshotEvery,
  })
  const metrics = createMetrics()
  const appended = new AppendSignal()
  const handler = new CommandHandler(store, new Writer(db), (events) => {
    for (const event of events) metrics.eventsAppended.inc({ type: event.type })
    appended.notify()
  })
  const { secrets, firstStart } = loadSecrets(db, config)
  const logger = overrides.logger ?? createLogger(config.logLevel, undefined, process.stdout.isTTY === true)
  const upgraded = store.upgrade()
  if (upgraded.length > 0) logger.info('decision state rebuilt from the log in its current shape', { aggregates: upgraded })
  const data = sqliteData(db)
  const reads = new Reads(data, readCache)
  const shared = assemble(config, overrides, {
    backend: 'sqlite',
    data,
    log: sqliteLog(store),
    commands: sqliteCommands(handler, db),
    feed: sqliteFeed(db),
    deliveries: sqliteDeliveries(db),
    metrics,
    logger,
    secrets,
    sessions: new SessionRevocations(db),
    apiKeys: new ApiKeyLookup(sqliteApiKeys(db), reads),
    readCache,
    reads,
    rateLimiters: memoryRateLimiters,
    exclusive: new KeyedMutex(),
    opens: new OnceCache<TempKeyOpen>(),
    appended,
  })
  let stopWalTruncation = () => {}
  const lifecycle: Lifecycle = {
    async start() {
      shared.webhooks.start()
      stopWalTruncation = truncateWalWhenIdle(db, handler.writer)
    },
    async stopBackground() {
      stopWalTruncation()
      await shared.webhooks.stop()
    },
    async close() {
      db.$client.close()
    },
  }
  const readiness = async (): Promise<Readiness> => {
    let writable = true
    try {
      db.$client.exec('BEGIN IMMEDIATE; ROLLBACK')
    } catch {
      writable = false
    }
    return { database: 'sqlite', migrations: migrationsCurrent(db), writable }
  }
  return { ...shared, backend: 'sqlite', db, store, handler, readiness, lifecycle, firstStart }
}

// The parts that are the same on both databases, made from the database's own.
export type BackendParts = Pick<
  Deps,
  | 'backend'
  | 'data'
  | 'log'
  | 'commands'
  | 'feed'
  | 'metrics'
  | 'logger'
  | 'secrets'
  | 'sessions'
  | 'apiKeys'
  | 'readCache'
  | 'reads'
  | 'rateLimiters'
  | 'appended'
> & { deliveries: Deliveries; exclusive: Exclusive; opens: Once<TempKeyOpen> }

export function assemble(config: Config, overrides: DepsOverrides, parts: BackendParts): Omit<Deps, 'readiness' | 'lifecycle'> {
  const { deliveries, exclusive, opens, ...rest } = parts
  const { data, log, commands, feed, metrics, logger, secrets, sessions, reads, readCache, appended } = parts
  watchReadCache(metrics, readCache)
  const jwt = createJwtService({
    secret: secrets.jwtSecret,
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
    jwksUrl: config.jwtJwksUrl,
    publicKey: config.jwtPublicKey,
    externalIssuer: config.jwtExternalIssuer,
    externalAudience: config.jwtExternalAudience,
    isRevoked: sessions.isRevoked,
  })
  const clock = overrides.clock ?? systemClock
  const drivers = overrides.drivers ?? lockDrivers(config)
  const doors = new Doors({ drivers, commands, log, reads, clock, logger, exclusive, opens })
  const keyWorkflows = new KeyWorkflows({
    doors,
    commands,
    clock,
    logger,
    intervalMs: config.bulkAddKeysIntervalMs,
    attempts: config.bulkAddKeysAttempts,
  })
  return {
    ...rest,
    config,
    clock,
    jwt,
    drivers,
    doors,
    pins: new Pins(secrets.pinSecret, overrides.pinSeeds),
    keyWorkflows,
    webhooks: new WebhookDispatcher({ data, feed, deliveries, config, clock, logger, metrics, appended }),
  }
}
