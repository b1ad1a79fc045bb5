// The read models on PostgreSQL against SQLite's: the same tables, columns, keys and indexes, and row for row the same
// contents after the same log, both for the log of a database written by an older spkey (test/fixtures/main-6ad9dde.db)
// replayed through both sets of projections, and for a history that has every event type today, decided on each.
import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { copyFileSync } from 'node:fs'
import { type Db, openDatabase } from '../../src/db/connection'
import type { Sql } from '../../src/db/pg/connection'
import type { LockEvent } from '../../src/domain/lock/events'
import type { OrgEvent } from '../../src/domain/org/events'
import type { UserEvent } from '../../src/domain/user/events'
import { type EventRow, EventStore, toStored } from '../../src/eventstore/store'
import type { StoredEvent } from '../../src/eventstore/types'
import { allProjections } from '../../src/projections'
import { allPgProjections } from '../../src/projections/pg'
import { closePools, freshPostgres, NG, onPostgres, onSqlite } from '../fixtures/history'
import { tempDbPath } from '../support/temp-db'
import { pgShape, type Shape, sqliteShape } from './fixtures/table-shape'

const TABLES = allProjections.flatMap((projection) => projection.tables)
// Not read models: the vault the users projection copies UserEmailUpdated's address from, and the API keys' last use
// the tenant list joins.
const BESIDE = ['user_emails', 'api_key_usage']

// PostgreSQL's users.position stands for SQLite's rowid (src/db/pg/read-models.ts), which SELECT * and PRAGMA do not
// show: left out of the comparisons here; test/pg/queries.test.ts proves it orders users as rowids do.
const ROWID = { column: 'position', shape: ['position not null'], index: 'unique users_position(position)' }

let sql: Sql
let sqlite: Database
beforeAll(async () => {
  sqlite = openDatabase(':memory:').$client
  sql = await freshPostgres()
})
afterAll(() => {
  sqlite.close()
  return closePools()
})

// PostgreSQL's shape of a table, without users' rowid stand-in.
async function pgShapeShown(table: string): Promise<Shape> {
  const shape = await pgShape(sql, table)
  const shown = (name: string) => table !== 'users' || !(ROWID.shape.includes(name) || name === ROWID.index)
  return { ...shape, columns: shape.columns.filter(shown), indexes: shape.indexes.filter(shown) }
}

describe('the read-model tables on PostgreSQL', () => {
  for (const table of [...TABLES, ...BESIDE]) {
    it(`should give ${table} SQLite's columns, primary key and indexes`, async () => {
      const shape = await pgShapeShown(table)
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

// Each read-model table of both databases, rows sorted by primary key, users without PostgreSQL's rowid stand-in. The
// one type that legitimately differs: PostgreSQL's boolean is SQLite's 0/1.
async function readModels(db: Db, pg: Sql): Promise<{ table: string; sqlite: Row[]; pg: Row[] }[]> {
  return Promise.all(
    TABLES.map(async (table) => {
      const key = sqliteShape(sqlite, table).primaryKey
      const pgRows = (await pg.unsafe<Row[]>(`SELECT * FROM ${table}`)).map((row) =>
        Object.fromEntries(
          Object.entries(row)
            .filter(([column]) => table !== 'users' || column !== ROWID.column)
            .map(([column, value]) => [column, typeof value === 'boolean' ? Number(value) : value]),
        ),
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
