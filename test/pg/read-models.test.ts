// The read models on PostgreSQL against SQLite's: the same tables, columns, keys and indexes.
import type { Database } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { openDatabase } from '../../src/db/connection'
import { migratePostgres, openPostgres, type Sql } from '../../src/db/pg/connection'
import { allProjections } from '../../src/projections'
import { freshDatabase } from '../fixtures/postgres'

const TABLES = allProjections.flatMap((projection) => projection.tables)
// Not a read model, but the vault the users projection copies UserEmailUpdated's address from.
const VAULT = ['user_emails']

let sql: Sql
let sqlite: Database
beforeAll(async () => {
  sqlite = openDatabase(':memory:').$client
  sql = openPostgres(await freshDatabase())
  await migratePostgres(sql)
})
afterAll(() => {
  sqlite.close()
  return sql.end({ timeout: 1 })
})

type Shape = { columns: string[]; primaryKey: string[]; indexes: string[] }

function sqliteShape(table: string): Shape {
  const c = sqlite
  const info = c.query<{ name: string; notnull: number; pk: number }, []>(`PRAGMA table_info(${table})`).all()
  const indexes = c
    .query<{ name: string; origin: string; unique: number }, []>(`PRAGMA index_list(${table})`)
    .all()
    .filter((index) => index.origin !== 'pk')
    .map((index) => {
      const columns = c.query<{ name: string }, []>(`PRAGMA index_info(${index.name})`).all()
      return `${index.unique ? 'unique ' : ''}${index.name}(${columns.map((column) => column.name).join(',')})`
    })
  return {
    columns: info.map((column) => `${column.name}${column.notnull || column.pk ? ' not null' : ''}`).sort(),
    primaryKey: info
      .filter((column) => column.pk > 0)
      .sort((a, b) => a.pk - b.pk)
      .map((column) => column.name),
    indexes: indexes.sort(),
  }
}

async function pgShape(table: string): Promise<Shape> {
  const columns = await sql<{ name: string; nullable: string }[]>`
    SELECT column_name AS name, is_nullable AS nullable FROM information_schema.columns WHERE table_name = ${table}`
  const primaryKey = await sql<{ name: string }[]>`
    SELECT a.attname AS name FROM pg_index i
    JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) ON true
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
    WHERE i.indrelid = ${table}::regclass AND i.indisprimary ORDER BY k.n`
  const indexes = await sql<{ name: string; columns: string; unique: boolean }[]>`
    SELECT c.relname AS name, string_agg(a.attname, ',' ORDER BY k.n) AS columns, i.indisunique AS unique FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid
    JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) ON true
    JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
    WHERE i.indrelid = ${table}::regclass AND NOT i.indisprimary GROUP BY c.relname, i.indisunique`
  return {
    columns: columns.map((column) => `${column.name}${column.nullable === 'NO' ? ' not null' : ''}`).sort(),
    primaryKey: primaryKey.map((column) => column.name),
    indexes: indexes.map((index) => `${index.unique ? 'unique ' : ''}${index.name}(${index.columns})`).sort(),
  }
}

describe('the read-model tables on PostgreSQL', () => {
  for (const table of [...TABLES, ...VAULT]) {
    it(`should give ${table} SQLite's columns, primary key and indexes`, async () => {
      const shape = await pgShape(table)
      expect(shape.columns.length).toBeGreaterThan(0)
      expect(shape).toEqual(sqliteShape(table))
    })
  }
})
