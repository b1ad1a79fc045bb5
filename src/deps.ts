// Wires the real dependencies from a config; tests pass overrides (clock, logger, drivers).
import { ApiKeyLookup } from './auth/api-keys'
import { createJwtService, type JwtService } from './auth/jwt'
import { SessionRevocations } from './auth/sessions'
import { type Clock, systemClock } from './clock'
import type { Config } from './config'
import { type Db, openDatabase } from './db/connection'
import { lockAggregate } from './domain/lock/decide'
import { userAggregate } from './domain/user/decide'
import { CommandHandler } from './eventstore/command-handler'
import { EventStore } from './eventstore/store'
import { Writer } from './eventstore/writer'
import { createDriver, type DriverSettings, type LockDriver } from './locks/drivers'
import type { DriverRegistry } from './locks/drivers/port'
import { type DriverKind, driverRegistry } from './locks/drivers/registry'
import { Doors } from './locks/doors'
import { KeyWorkflows } from './locks/key-workflows'
import { Pins } from './locks/pins'
import { createLogger, type Logger } from './logger'
import { createMetrics, type Metrics, watchReadCache } from './metrics'
import { allProjections } from './projections'
import { physicalKeyDecisions } from './projections/users'
import { ReadCache } from './reads/cache'
import { Reads } from './reads/reads'
import { type FirstStart, loadSecrets, type Secrets } from './secrets'
import { WebhookDispatcher } from './webhooks/dispatcher'
import { AppendSignal } from './webhooks/signal'

export type Deps = {
  config: Config
  db: Db
  store: EventStore
  commands: CommandHandler
  clock: Clock
  logger: Logger
  metrics: Metrics
  secrets: Secrets
  jwt: JwtService
  // Session JWTs ended by sign-out; jwt.verify refuses them.
  sessions: SessionRevocations
  apiKeys: ApiKeyLookup
  // Hot read answers, dropped when their streams change (see reads/cache.ts); `reads` names every one of them.
  readCache: ReadCache
  reads: Reads
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
}

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

export function createDeps(config: Config, overrides: DepsOverrides = {}): Deps & { firstStart: FirstStart } {
  const db = openDatabase(config.databasePath)
  const readCache = ReadCache.onSqlite(db)
  const store = new EventStore(db, {
    projections: [...allProjections, readCache.projection],
    aggregates: [lockAggregate, userAggregate],
    entityReaders: { [userAggregate.name]: physicalKeyDecisions(db) },
    snapshotEvery: config.snapshotEvery,
  })
  const metrics = createMetrics()
  watchReadCache(metrics, readCache)
  const appended = new AppendSignal()
  const commands = new CommandHandler(store, new Writer(db), (events) => {
    for (const event of events) metrics.eventsAppended.inc({ type: event.type })
    appended.notify()
  })
  const { secrets, firstStart } = loadSecrets(db, config)
  const sessions = new SessionRevocations(db)
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
  const logger = overrides.logger ?? createLogger(config.logLevel, undefined, process.stdout.isTTY === true)
  const upgraded = store.upgrade()
  if (upgraded.length > 0) logger.info('decision state rebuilt from the log in its current shape', { aggregates: upgraded })
  const reads = new Reads(db, readCache)
  const drivers = overrides.drivers ?? lockDrivers(config)
  const doors = new Doors({ drivers, commands, store, reads, clock, logger })
  const keyWorkflows = new KeyWorkflows({
    doors,
    commands,
    clock,
    logger,
    intervalMs: config.bulkAddKeysIntervalMs,
    attempts: config.bulkAddKeysAttempts,
  })
  return {
    config,
    db,
    store,
    commands,
    clock,
    logger,
    metrics,
    secrets,
    jwt,
    sessions,
    apiKeys: new ApiKeyLookup(db, reads),
    readCache,
    reads,
    drivers,
    doors,
    pins: new Pins(secrets.pinSecret, overrides.pinSeeds),
    keyWorkflows,
    appended,
    webhooks: new WebhookDispatcher({ db, config, clock, logger, metrics, appended }),
    firstStart,
  }
}
