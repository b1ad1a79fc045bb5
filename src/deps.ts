// Wires the real dependencies from a config; tests pass overrides (clock, logger, drivers).
import { ApiKeyLookup } from './auth/api-keys'
import { createJwtService, type JwtService } from './auth/jwt'
import { type Clock, systemClock } from './clock'
import type { Config } from './config'
import { type Db, openDatabase } from './db/connection'
import { CommandHandler } from './eventstore/command-handler'
import { EventStore } from './eventstore/store'
import { Writer } from './eventstore/writer'
import type { DriverRegistry, OpenOutcome } from './locks/door'
import { driverRegistry } from './locks/drivers/registry'
import { KeyedMutex } from './locks/mutex'
import { OnceCache } from './locks/once'
import { createLogger, type Logger } from './logger'
import { createMetrics, type Metrics } from './metrics'
import { allProjections } from './projections'
import { type FirstStart, loadSecrets, type Secrets } from './secrets'

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
  apiKeys: ApiKeyLookup
  drivers: DriverRegistry
  // One door action per lock at a time; repeated submissions of one open share its outcome.
  doors: KeyedMutex
  opens: OnceCache<OpenOutcome>
}

export type DepsOverrides = Partial<Pick<Deps, 'clock' | 'logger' | 'drivers'>>

export function createDeps(config: Config, overrides: DepsOverrides = {}): Deps & { firstStart: FirstStart } {
  const db = openDatabase(config.databasePath)
  const store = new EventStore(db, { projections: allProjections, snapshotEvery: config.snapshotEvery })
  const metrics = createMetrics()
  const commands = new CommandHandler(store, new Writer(db), (events) => {
    for (const event of events) metrics.eventsAppended.inc({ type: event.type })
  })
  const { secrets, firstStart } = loadSecrets(db, config)
  const jwt = createJwtService({
    secret: secrets.jwtSecret,
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
    jwksUrl: config.jwtJwksUrl,
    publicKey: config.jwtPublicKey,
    externalIssuer: config.jwtExternalIssuer,
    externalAudience: config.jwtExternalAudience,
  })
  return {
    config,
    db,
    store,
    commands,
    clock: overrides.clock ?? systemClock,
    logger: overrides.logger ?? createLogger(config.logLevel, undefined, process.stdout.isTTY === true),
    metrics,
    secrets,
    jwt,
    apiKeys: new ApiKeyLookup(db),
    drivers: overrides.drivers ?? driverRegistry({}, config.lockDriver),
    doors: new KeyedMutex(),
    opens: new OnceCache(),
    firstStart,
  }
}
