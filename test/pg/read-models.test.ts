// The read models on PostgreSQL against SQLite's: the same tables, columns, keys and indexes, and row for row the same
// contents after the same log, both for the log of a database written by an older spkey (test/fixtures/main-6ad9dde.db)
// replayed through both sets of projections, and for a history that has every event type today, decided on each.
import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { copyFileSync } from 'node:fs'
import { type Db, openDatabase } from '../../src/db/connection'
import { migratePostgres, openPostgres, type Sql } from '../../src/db/pg/connection'
import { writeEmail as writePgEmail } from '../../src/db/pg/vault'
import { writeEmail } from '../../src/db/vault'
import { lockAggregate } from '../../src/domain/lock/decide'
import { type LockEvent, lockStreamId } from '../../src/domain/lock/events'
import { orgAggregate } from '../../src/domain/org/decide'
import { type OrgEvent, orgStreamId } from '../../src/domain/org/events'
import { userAggregate } from '../../src/domain/user/decide'
import { type UserEvent, userStreamId } from '../../src/domain/user/events'
import { CommandHandler } from '../../src/eventstore/command-handler'
import { PgCommandHandler } from '../../src/eventstore/pg-command-handler'
import { PgEventStore } from '../../src/eventstore/pg-store'
import { type EventRow, EventStore, toStored } from '../../src/eventstore/store'
import type { AnyAggregate, EventMetadata, StoredEvent } from '../../src/eventstore/types'
import { Writer } from '../../src/eventstore/writer'
import { allProjections } from '../../src/projections'
import { allPgProjections } from '../../src/projections/pg'
import { copyEmailFromVault as copyPgEmailFromVault } from '../../src/projections/pg/users'
import { copyEmailFromVault, physicalKeyDecisions } from '../../src/projections/users'
import { freshDatabase } from '../fixtures/postgres'
import { pgShape, sqliteShape } from './fixtures/table-shape'
import { tempDbPath } from '../support/temp-db'

const TABLES = allProjections.flatMap((projection) => projection.tables)
// Not a read model, but the vault the users projection copies UserEmailUpdated's address from.
const VAULT = ['user_emails']

const pools: Sql[] = []
async function freshPostgres(): Promise<Sql> {
  const pool = openPostgres(await freshDatabase())
  pools.push(pool)
  await migratePostgres(pool)
  return pool
}

let sql: Sql
let sqlite: Database
beforeAll(async () => {
  sqlite = openDatabase(':memory:').$client
  sql = await freshPostgres()
})
afterAll(() => {
  sqlite.close()
  return Promise.all(pools.map((pool) => pool.end({ timeout: 1 })))
})

describe('the read-model tables on PostgreSQL', () => {
  for (const table of [...TABLES, ...VAULT]) {
    it(`should give ${table} SQLite's columns, primary key and indexes`, async () => {
      const shape = await pgShape(sql, table)
      expect(shape.columns.length).toBeGreaterThan(0)
      expect(shape).toEqual(sqliteShape(sqlite, table))
    })
  }
})

type Row = Record<string, unknown>

// Code-unit order on the primary key, the same for rows from either database (their collations may differ).
function sortedByKey(rows: Row[], key: string[]): Row[] {
  const compare = (a: unknown, b: unknown) => (a === b ? 0 : (a as string | number) < (b as string | number) ? -1 : 1)
  return rows.sort((a, b) => key.reduce((order, column) => order || compare(a[column], b[column]), 0))
}

// Each read-model table of both databases, rows sorted by primary key. The one type that legitimately differs:
// PostgreSQL's boolean is SQLite's 0/1.
async function readModels(db: Db, pg: Sql): Promise<{ table: string; sqlite: Row[]; pg: Row[] }[]> {
  return Promise.all(
    TABLES.map(async (table) => {
      const key = sqliteShape(sqlite, table).primaryKey
      const pgRows = (await pg.unsafe<Row[]>(`SELECT * FROM ${table}`)).map((row) =>
        Object.fromEntries(Object.entries(row).map(([column, value]) => [column, typeof value === 'boolean' ? Number(value) : value])),
      )
      const sqliteRows = db.$client.query<Row, []>(`SELECT * FROM ${table}`).all()
      return { table, sqlite: sortedByKey(sqliteRows, key), pg: sortedByKey(pgRows, key) }
    }),
  )
}

describe('the PostgreSQL projections', () => {
  it('should list the same tables as the SQLite ones, in the same order of projections', () => {
    expect(allPgProjections.map(({ name, tables }) => ({ name, tables }))).toEqual(
      allProjections.map(({ name, tables }) => ({ name, tables })),
    )
  })
})

const FIXTURE = new URL('../fixtures/main-6ad9dde.db', import.meta.url).pathname

// The fixture's log as the current store reads events, from a copy opened read-only.
function fixtureLog(): StoredEvent[] {
  const path = tempDbPath()
  copyFileSync(FIXTURE, path)
  const file = new Database(path, { readonly: true })
  try {
    return file.query<EventRow, []>('SELECT * FROM events ORDER BY position').all().map(toStored)
  } finally {
    file.close()
  }
}

describe('the log of a database written by main at 6ad9dde, replayed event by event', () => {
  it('should leave every read-model table the same on PostgreSQL as on SQLite', async () => {
    const log = fixtureLog()
    const db = openDatabase(':memory:')
    const pg = await freshPostgres()
    for (const event of log) {
      db.$client.transaction(() => {
        for (const projection of allProjections) projection.apply(db, event)
      })()
      await pg.begin(async (tx) => {
        for (const projection of allPgProjections) await projection.apply(tx, event)
      })
    }
    const tables = await readModels(db, pg)
    for (const { table, sqlite, pg } of tables) expect({ table, rows: pg }).toEqual({ table, rows: sqlite })
    const filled = tables.filter((t) => t.sqlite.length > 0).map((t) => t.table)
    expect(filled.sort()).toEqual(['api_keys', 'locks', 'orgs', 'partner_events', 'physical_keys', 'temp_keys', 'users'])
    db.$client.close()
  })
})

// Every event type there is: a type added to an event union fails to compile here until it is listed, and the test
// below fails until the generated history appends it.
const EVERY_EVENT_TYPE: Record<LockEvent['type'] | UserEvent['type'] | OrgEvent['type'], true> = {
  LockCreated: true,
  OwnerSet: true,
  OrganizationSet: true,
  LockUuidChanged: true,
  LockOpenRequested: true,
  KeyAdded: true,
  KeyRemoved: true,
  KeyWriteRequested: true,
  BulkAddKeysStarted: true,
  BulkAddKeyFailed: true,
  BulkAddKeysFinished: true,
  ResidentAdded: true,
  ResidentRemoved: true,
  LockDriverConfigured: true,
  TempKeyCreated: true,
  TempKeyUpdated: true,
  TempKeyDeleted: true,
  TempKeyUsed: true,
  TempKeyOpenRefused: true,
  CollectiveTempKeyCreated: true,
  CollectiveTempKeyRevoked: true,
  TempKeyPinReserved: true,
  TempKeyPinReleased: true,
  PinOpenRefused: true,
  OrganizationRegistered: true,
  ApiKeyIssued: true,
  ApiKeyRevoked: true,
  OrgMemberAdded: true,
  OrgMemberRemoved: true,
  UserCreated: true,
  UserPhoneNumberUpdated: true,
  UserEmailUpdated: true,
  UserPasswordChanged: true,
  LoginLinkIssued: true,
  PhysicalKeyAdded: true,
  PhysicalKeyRemoved: true,
  AccessibleLockAdded: true,
  AccessibleLockRemoved: true,
}

type Step = { stream: 'lock' | 'user' | 'org'; id: string; type: string; data: object; metadata?: EventMetadata }

const AGGREGATES: Record<Step['stream'], AnyAggregate> = { lock: lockAggregate, user: userAggregate, org: orgAggregate }
const streamOf = (step: Step) =>
  step.stream === 'lock' ? lockStreamId(Number(step.id)) : step.stream === 'user' ? userStreamId(step.id) : orgStreamId(step.id)

const lock = (id: number, type: string, data: object, metadata?: EventMetadata): Step => ({
  stream: 'lock',
  id: String(id),
  type,
  data,
  metadata,
})
const user = (id: string, type: string, data: object): Step => ({ stream: 'user', id, type, data })
const org = (id: string, type: string, data: object): Step => ({ stream: 'org', id, type, data })

const MARA = 'user-mara'
const NG = 'user-ng'
const FRONT = 100
const BACK = 101
const window = { validFrom: '2026-01-01T00:00:00.000Z', validUntil: '2027-12-31T00:00:00.000Z' }
const weekdays = { timezone: 'Europe/Athens', weekly: [{ days: ['mon', 'tue'], from: '08:00', until: '18:00' }] }
const tempKey = (tempKeyUuid: string, more: object) => ({
  tempKeyUuid,
  accessMode: 'public',
  allowedUserIds: [],
  ...window,
  maxUses: null,
  description: null,
  schedule: null,
  createdBy: 'org:acme',
  ...more,
})

// One collective key over both locks, each lock's command naming its own doors.
const shared = (doors: { id: number; label: string | null; accessMethod: string }[]) => ({
  tempKeyUuid: 'shared-1',
  ...window,
  description: 'guests',
  createdBy: MARA,
  doors,
  pin: { hash: 'pin-hash-1', seed: 'pin-seed-1' },
})

// Every command whose events a projection reads, through the deciders, in an order that takes each projection branch:
// inserts, upserts over an existing row, updates and deletes, and events routed to a partner by each kind of route.
const HISTORY: Step[] = [
  org('acme', 'RegisterOrganization', { orgId: 'acme', orgName: 'Acme', ownerEmail: 'boss@acme.test', isSuper: false }),
  org('root', 'RegisterOrganization', { orgId: 'root', orgName: 'Root', ownerEmail: null, isSuper: true }),
  org('acme', 'IssueApiKey', { keyHash: 'hash-1', prefix: 'pre1', createdBy: 'admin', expiresAt: null, rotate: false }),
  org('acme', 'IssueApiKey', {
    keyHash: 'hash-2',
    prefix: 'pre2',
    createdBy: 'admin',
    expiresAt: '2027-06-01T00:00:00.000Z',
    rotate: true,
  }),
  user(MARA, 'CreateUser', {
    userId: MARA,
    email: 'mara@example.test',
    firstName: 'Mara',
    lastName: null,
    phoneNumber: '+30 694 123 4567',
  }),
  user(NG, 'CreateUser', { userId: NG, email: null, firstName: null, lastName: 'Ng' }),
  user(NG, 'UpdateEmail', { email: 'ng@example.test', onFile: false }),
  user(MARA, 'UpdatePhoneNumber', { phoneNumber: null }),
  user(MARA, 'ChangePassword', {}),
  user(MARA, 'IssueLoginLink', { expiresAt: '2026-12-06T00:00:00.000Z' }),
  org('acme', 'AddOrgMember', { userId: MARA, role: 'staff' }),
  org('acme', 'AddOrgMember', { userId: NG, role: 'staff' }),
  org('acme', 'RemoveOrgMember', { userId: NG }),
  lock(FRONT, 'CreateLock', {
    lockId: FRONT,
    index: 1,
    uuid: 'front-uuid-1',
    serialNumber: 'SN-1',
    vendorName: 'Vendor',
    name: 'Front door',
    ownerId: MARA,
    orgId: 'acme',
    keys: [{ uuid: 'key-1', indexNumber: 1, userId: MARA }, { uuid: 'key-2' }],
  }),
  lock(BACK, 'CreateLock', {
    lockId: BACK,
    index: 2,
    uuid: 'back-uuid',
    serialNumber: null,
    vendorName: null,
    ownerId: null,
    orgId: null,
    keys: [],
  }),
  lock(BACK, 'SetOrganization', { orgId: 'root' }),
  lock(BACK, 'SetOwner', { userId: NG }),
  lock(FRONT, 'ConfigureLockDriver', { driver: 'http', bridgeUrl: 'http://bridge.test/front' }),
  lock(BACK, 'ConfigureLockDriver', { driver: null, bridgeUrl: null }),
  lock(FRONT, 'RecordLockOpen', { requestId: 'req-1', reason: 'app' }),
  lock(FRONT, 'AddKey', { keyUuid: 'key-3', keyIndexNumber: 3, userId: NG }),
  lock(FRONT, 'AddKey', { keyUuid: 'key-1', keyIndexNumber: 9, userId: null }),
  lock(FRONT, 'RemoveKey', { keyUuid: 'key-2', keyIndexNumber: null }),
  lock(FRONT, 'WriteKey', { keyUuid: 'key-3', keyIndexNumber: null }),
  lock(FRONT, 'StartBulkAddKeys', {
    instanceId: 'bulk-1',
    keys: [
      { keyUuid: 'key-4', keyIndexNumber: 4, userId: null },
      { keyUuid: 'key-5', keyIndexNumber: null, userId: MARA },
    ],
  }),
  lock(FRONT, 'AddKey', { keyUuid: 'key-4', keyIndexNumber: 4, userId: null }),
  lock(FRONT, 'RecordBulkAddKeyFailure', { instanceId: 'bulk-1', keyUuid: 'key-5', reason: 'timeout', attempts: 3 }),
  lock(FRONT, 'FinishBulkAddKeys', { instanceId: 'bulk-1', added: 1, unchanged: 0, failed: 1, skipped: 0 }),
  lock(FRONT, 'AddResident', { userId: MARA, email: 'mara@example.test', name: 'Mara' }),
  lock(FRONT, 'AddResident', { userId: NG, email: 'ng@example.test', name: 'Ng' }),
  lock(FRONT, 'RemoveResident', { userId: NG, email: 'ng@example.test' }),
  lock(FRONT, 'CreateTempKey', tempKey('temp-1', { maxUses: 3, description: 'cleaner', schedule: weekdays })),
  lock(FRONT, 'CreateTempKey', tempKey('temp-2', { accessMode: 'user-whitelist', allowedUserIds: [MARA, NG] }), {
    enteredEmails: { [MARA]: 'mara@example.test' },
  }),
  lock(FRONT, 'CreateTempKey', tempKey('temp-3', {})),
  lock(
    FRONT,
    'UpdateTempKey',
    { tempKeyUuid: 'temp-2', changes: { allowedUserIds: [MARA, NG, 'user-x'] }, updatedBy: 'org:acme' },
    {
      enteredEmails: { [NG]: 'ng@example.test' },
    },
  ),
  lock(FRONT, 'UpdateTempKey', { tempKeyUuid: 'temp-2', changes: { allowedUserIds: [NG, 'user-x'] }, updatedBy: 'org:acme' }),
  lock(FRONT, 'UpdateTempKey', {
    tempKeyUuid: 'temp-1',
    changes: { schedule: null, maxUses: 5, description: 'window cleaner', validUntil: '2027-11-30T00:00:00.000Z' },
    updatedBy: 'org:acme',
  }),
  lock(FRONT, 'UseTempKey', { tempKeyUuid: 'temp-1', userId: null, open: null }),
  lock(FRONT, 'UseTempKey', { tempKeyUuid: 'temp-1', userId: MARA, open: { requestId: 'req-2', reason: null } }),
  lock(FRONT, 'UpdateTempKey', { tempKeyUuid: 'temp-1', changes: { schedule: weekdays, accessMode: 'public' }, updatedBy: 'org:acme' }),
  lock(FRONT, 'RefuseTempKeyOpen', { tempKeyUuid: 'temp-2', reason: 'not-allowed', userId: 'user-stranger' }),
  lock(FRONT, 'DeleteTempKey', { tempKeyUuid: 'temp-3', deletedBy: 'org:acme' }),
  lock(FRONT, 'CreateCollectiveTempKey', shared([{ id: 1, label: 'Front', accessMethod: 'both' }])),
  lock(BACK, 'CreateCollectiveTempKey', shared([{ id: 2, label: null, accessMethod: 'code' }])),
  lock(FRONT, 'UseCollectiveDoor', { tempKeyUuid: 'shared-1', doorId: 1, openedWith: 'page', requestId: 'req-3' }),
  lock(BACK, 'RefuseCollectiveDoorOpen', { tempKeyUuid: 'shared-1', doorId: 2, reason: 'code-only' }),
  lock(BACK, 'RefusePinOpen', { reason: 'no-match' }),
  lock(BACK, 'RevokeCollectiveTempKey', { tempKeyUuid: 'shared-1', revokedBy: MARA }),
  lock(FRONT, 'ChangeLockUuid', { newUuid: 'front-uuid-2' }),
  user(MARA, 'AddPhysicalKey', { orgId: 'acme', orgName: 'Acme', note: 'blue fob' }),
  user(MARA, 'AddPhysicalKey', { orgId: 'root', orgName: null, note: null }),
  user(MARA, 'AddPhysicalKey', { orgId: 'acme', orgName: null, note: 'spare' }),
  user(NG, 'AddPhysicalKey', { orgId: 'acme', orgName: 'Acme', note: null }),
  user(MARA, 'RemovePhysicalKey', { number: 1, issuerScope: ['acme'] }),
  user(MARA, 'RemovePhysicalKey', { number: 2, issuerScope: null }),
  user(MARA, 'AddAccessibleLock', {
    lockId: String(FRONT),
    lockName: 'Front door',
    accessLevel: 'USER',
    ...window,
    grantedBy: 'org:acme',
  }),
  user(NG, 'AddAccessibleLock', {
    lockId: String(FRONT),
    lockName: 'Front',
    accessLevel: 'GUEST',
    validFrom: null,
    validUntil: null,
    grantedBy: MARA,
  }),
  user(NG, 'AddAccessibleLock', {
    lockId: String(BACK),
    lockName: 'Back',
    accessLevel: 'ADMIN',
    validFrom: null,
    validUntil: null,
    grantedBy: 'root',
  }),
  user(NG, 'RemoveAccessibleLock', { lockId: String(BACK), removedBy: 'root', reason: 'moved out' }),
]

const NOW = Date.parse('2026-12-05T12:00:00Z')

// The same history through the SQLite command handler (group-commit writer, inline projections) and through the
// PostgreSQL one: its events, and UpdateEmail's vault write beside them as the route makes it.
async function onSqlite(): Promise<{ db: Db; log: StoredEvent[] }> {
  const db = openDatabase(tempDbPath())
  const store = new EventStore(db, {
    projections: allProjections,
    aggregates: [lockAggregate, userAggregate],
    entityReaders: { [userAggregate.name]: physicalKeyDecisions(db) },
  })
  const commands = new CommandHandler(store, new Writer(db))
  for (const [i, step] of HISTORY.entries()) {
    const command = { type: step.type, data: step.data, metadata: { now: NOW + i * 1000 } }
    await commands.handle(AGGREGATES[step.stream], streamOf(step), command as never, step.metadata ?? {}, ({ events }) => {
      if (step.type !== 'UpdateEmail' || events.length === 0) return
      writeEmail(db, step.id, (step.data as { email: string }).email)
      copyEmailFromVault(db, step.id)
    })
  }
  return { db, log: store.readAll(0, 10_000) }
}

async function onPostgres(): Promise<{ pg: Sql; log: StoredEvent[] }> {
  const pg = await freshPostgres()
  const store = new PgEventStore(pg, { projections: allPgProjections, aggregates: [lockAggregate, userAggregate] })
  const commands = new PgCommandHandler(store)
  for (const [i, step] of HISTORY.entries()) {
    const command = { type: step.type, data: step.data, metadata: { now: NOW + i * 1000 } }
    await commands.handle(AGGREGATES[step.stream], streamOf(step), command as never, step.metadata ?? {}, async ({ events }, tx) => {
      if (step.type !== 'UpdateEmail' || events.length === 0) return
      await writePgEmail(tx, step.id, (step.data as { email: string }).email)
      await copyPgEmailFromVault(tx, step.id)
    })
  }
  return { pg, log: await store.readAll(0, 10_000) }
}

// A rebuild on PostgreSQL as EventStore.rebuild does it on SQLite: the read models emptied, the log replayed in one
// transaction; the vault stays.
async function rebuildPg(pg: Sql, log: StoredEvent[]): Promise<void> {
  await pg.begin(async (tx) => {
    for (const table of TABLES) await tx.unsafe(`DELETE FROM ${table}`)
    for (const event of log) for (const projection of allPgProjections) await projection.apply(tx, event)
  })
}

async function expectSameReadModels(db: Db, pg: Sql): Promise<void> {
  const tables = await readModels(db, pg)
  for (const { table, sqlite, pg } of tables) {
    expect({ table, filled: sqlite.length > 0 }).toEqual({ table, filled: true })
    expect({ table, rows: pg }).toEqual({ table, rows: sqlite })
  }
  // The vault's address reached users: the one path through a table outside the log.
  expect(tables.find((t) => t.table === 'users')?.pg).toContainEqual(expect.objectContaining({ user_id: NG, email: 'ng@example.test' }))
}

describe('a history with every event type, decided on each database', () => {
  it('should append the same log and leave every read-model table the same on PostgreSQL as on SQLite, also after a rebuild', async () => {
    const sqliteRun = await onSqlite()
    const pgRun = await onPostgres()
    expect(pgRun.log).toEqual(sqliteRun.log)
    expect([...new Set(sqliteRun.log.map((event) => event.type))].sort()).toEqual(Object.keys(EVERY_EVENT_TYPE).sort())
    await expectSameReadModels(sqliteRun.db, pgRun.pg)

    // Replayed with the vault already written, UserEmailUpdated copies the address in the projection itself.
    new EventStore(sqliteRun.db, { projections: allProjections }).rebuild()
    await rebuildPg(pgRun.pg, pgRun.log)
    await expectSameReadModels(sqliteRun.db, pgRun.pg)
    sqliteRun.db.$client.close()
  })
})
