// The operational tables (written directly, never derived from the log) on PostgreSQL: every SQLite table that is
// neither the event store nor a read model has a PostgreSQL table of the same shape, so a table added on SQLite alone
// fails here.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { openDatabase } from '../../src/db/connection'
import type { Sql } from '../../src/db/pg/connection'
import { allProjections } from '../../src/projections'
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
