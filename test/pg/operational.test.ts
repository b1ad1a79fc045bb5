// The operational tables (written directly, never derived from the log) on PostgreSQL: every SQLite table that is
// neither the event store nor a read model has a PostgreSQL table of the same shape, and every export of the SQLite
// modules that read and write them has a PostgreSQL twin of the same name and parameters (or is listed as touching no
// table), so a table or a function added on SQLite alone fails here. operational-auth and operational-webhooks run
// each twin beside its SQLite function.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import * as apiKeys from '../../src/auth/api-keys'
import * as sessions from '../../src/auth/sessions'
import * as siteAdmins from '../../src/auth/site-admins'
import { type Db, openDatabase } from '../../src/db/connection'
import * as pgApiKeys from '../../src/db/pg/api-keys'
import type { Sql, Tx } from '../../src/db/pg/connection'
import * as pgSecrets from '../../src/db/pg/secrets'
import * as pgSessions from '../../src/db/pg/sessions'
import * as pgSiteAdmins from '../../src/db/pg/site-admins'
import * as pgVault from '../../src/db/pg/vault'
import * as vault from '../../src/db/vault'
import { allProjections } from '../../src/projections'
import * as secrets from '../../src/secrets'
import * as deliveryLog from '../../src/webhooks/delivery-log'
import * as pgDeliveryLog from '../../src/webhooks/pg-delivery-log'
import * as pgSubscriptions from '../../src/webhooks/pg-subscriptions'
import * as subscriptions from '../../src/webhooks/subscriptions'
import { pgProcesses } from '../fixtures/postgres'
import { pgShape, sqliteShape } from './fixtures/table-shape'

const EVENT_STORE = ['events', 'snapshots', 'entity_states']
const READ_MODELS = allProjections.flatMap((projection) => projection.tables)

const db = pgProcesses()
const sqlite = openDatabase(':memory:').$client
let sql: Sql
beforeAll(async () => {
  await db.setUp()
  sql = db.pool()
})
afterAll(() => {
  sqlite.close()
  return db.closeAll()
})

const operational = sqlite
  .query<{ name: string }, []>(
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '__drizzle%'",
  )
  .all()
  .map((table) => table.name)
  .filter((table) => !EVENT_STORE.includes(table) && !READ_MODELS.includes(table))
  .sort()

describe('the operational tables on PostgreSQL', () => {
  it('should be the ones the vaults, sign-in, sessions and webhooks write', () => {
    expect(operational).toEqual([
      'api_key_usage',
      'login_links',
      'revoked_sessions',
      'settings',
      'site_admins',
      'user_credentials',
      'user_emails',
      'user_phone_numbers',
      'webhook_deliveries',
      'webhooks',
    ])
  })

  for (const table of operational) {
    it(`should give ${table} SQLite's columns, primary key and indexes`, async () => {
      const shape = await pgShape(sql, table)
      expect(shape.columns.length).toBeGreaterThan(0)
      expect(shape).toEqual(sqliteShape(sqlite, table))
    })
  }
})

// What a twin must be, checked by the compiler: a function taking the same arguments (for Db the pool, a transaction or
// either: a command's vault writes take its transaction) and promising the same result, or making the same port (an
// object whose members all promise) at once; a class whose public members promise what the SQLite class's answer.
const NO_TABLE = 'touches no table'
type PgArgs<A extends unknown[], Connection> = { [I in keyof A]: A[I] extends Db ? Connection : A[I] }
type Port = Record<string, (...args: never[]) => Promise<unknown>>
type PgResult<R> = [R] extends [Port] ? R : Promise<Awaited<R>>
type AsyncMembers<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : T[K] }
type TwinOf<F> = F extends abstract new (
  ...args: never[]
) => infer I
  ? abstract new (
      ...args: never[]
    ) => AsyncMembers<I>
  : F extends (...args: infer A) => infer R
    ? ((...args: PgArgs<A, Sql>) => PgResult<R>) | ((...args: PgArgs<A, Tx>) => PgResult<R>)
    : typeof NO_TABLE
type Twins<M> = { [K in keyof M]: TwinOf<M[K]> | typeof NO_TABLE }

const twins = <M extends object>(module: string, sqlite: M, pg: Twins<M>) => ({ module, sqlite, pg })

// Every SQLite module that reads or writes an operational table (webhooks/dispatcher.ts reaches them only through
// subscriptions.ts and delivery-log.ts; the api_keys listing's join to api_key_usage is a read-model query; the
// sign-in links' reads are data/sqlite.ts's own, held to postgres.ts's by the Data type). Functions that reach the
// database only through the ports (auth/credentials.ts, auth/login-links.ts) have none.
const MODULES = [
  twins('db/vault', vault, {
    writePhoneNumber: pgVault.writePhoneNumber,
    phoneNumberOf: pgVault.phoneNumberOf,
    findUserByPhoneNumber: pgVault.findUserByPhoneNumber,
    writeEmail: pgVault.writeEmail,
    writePasswordHash: pgVault.writePasswordHash,
    passwordHashOf: pgVault.passwordHashOf,
    applyVaultWrites: pgVault.applyVaultWrites,
  }),
  twins('secrets', secrets, {
    loadSecrets: pgSecrets.loadSecrets,
    randomAlphanumeric: NO_TABLE,
    randomSecret: NO_TABLE,
    sha256Hex: NO_TABLE,
  }),
  // ApiKeyLookup reads and writes through its source.
  twins('auth/api-keys', apiKeys, { sqliteApiKeys: pgApiKeys.pgApiKeys, ApiKeyLookup: NO_TABLE, generateApiKey: NO_TABLE }),
  twins('auth/sessions', sessions, { SessionRevocations: pgSessions.PgSessionRevocations }),
  twins('auth/site-admins', siteAdmins, {
    hasSiteAdmin: pgSiteAdmins.hasSiteAdmin,
    isSiteAdmin: pgSiteAdmins.isSiteAdmin,
    addSiteAdmin: pgSiteAdmins.addSiteAdmin,
    mintSetupToken: pgSiteAdmins.mintSetupToken,
    isSetupTokenUsable: pgSiteAdmins.isSetupTokenUsable,
    claimSetupToken: pgSiteAdmins.claimSetupToken,
    restoreSetupToken: pgSiteAdmins.restoreSetupToken,
    setupUrl: NO_TABLE,
  }),
  twins('webhooks/subscriptions', subscriptions, {
    tenantExists: pgSubscriptions.tenantExists,
    createSubscription: pgSubscriptions.createSubscription,
    listSubscriptions: pgSubscriptions.listSubscriptions,
    listAllSubscriptions: pgSubscriptions.listAllSubscriptions,
    findSubscription: pgSubscriptions.findSubscription,
    updateSubscription: pgSubscriptions.updateSubscription,
    deleteSubscription: pgSubscriptions.deleteSubscription,
    forgetExpiredSecret: pgSubscriptions.forgetExpiredSecret,
    forgetExpiredSecrets: pgSubscriptions.forgetExpiredSecrets,
    rotateSecret: pgSubscriptions.rotateSecret,
    rewind: pgSubscriptions.rewind,
    listDeliveries: pgSubscriptions.listDeliveries,
    findDelivery: pgSubscriptions.findDelivery,
    recentDeliveries: pgSubscriptions.recentDeliveries,
    health: pgSubscriptions.health,
    pruneDeliveries: pgSubscriptions.pruneDeliveries,
    parseEvents: NO_TABLE,
    checkUrl: NO_TABLE,
    newSubscription: NO_TABLE,
    subscriptionChanges: NO_TABLE,
    restartsDelivery: NO_TABLE,
    rotation: NO_TABLE,
    signingSecrets: NO_TABLE,
  }),
  twins('webhooks/delivery-log', deliveryLog, { DeliveryLog: pgDeliveryLog.PgDeliveryLog }),
]

// A port's SQLite factory, sqliteX, has pgX for its twin; any other function its own name.
const pgName = (name: string) => (name.startsWith('sqlite') ? `pg${name.slice('sqlite'.length)}` : name)

const isClass = (value: unknown) => typeof value === 'function' && /^class\b/.test(Function.prototype.toString.call(value))

describe('the PostgreSQL twins of the functions on operational tables', () => {
  for (const { module, sqlite, pg } of MODULES) {
    it(`should cover every export of ${module}, each with the same name and number of parameters`, () => {
      const exports = Object.entries(sqlite)
      expect(Object.keys(pg).sort()).toEqual(exports.map(([name]) => name).sort())
      for (const [name, value] of exports) {
        const twin: unknown = pg[name as keyof typeof pg]
        if (twin === NO_TABLE) continue
        expect({ name, isFunction: typeof twin }).toEqual({ name, isFunction: 'function' })
        const { name: twinName, length } = twin as (...args: never[]) => unknown
        if (isClass(value)) expect(twinName).toBe(`Pg${name}`)
        else expect({ name: twinName, length }).toEqual({ name: pgName(name), length: (value as (...args: never[]) => unknown).length })
      }
    })
  }
})
