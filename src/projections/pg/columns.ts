// The select list that reads a row of PostgreSQL as drizzle reads the same table's row on SQLite: each column of the
// SQLite schema under its camelCase key. The tables have the same column names (test/pg/read-models.test.ts), so the
// shape comes from the SQLite schema and PostgreSQL's own extra columns (users.position) are left out.
import { getTableColumns, type Table } from 'drizzle-orm'

// `only`: these columns, for a query that reads part of a row (its row type picks the same keys).
export function columnsOf(table: Table, alias?: string, only?: readonly string[]): string {
  const prefix = alias === undefined ? '' : `${alias}.`
  return Object.entries(getTableColumns(table))
    .filter(([key]) => only === undefined || only.includes(key))
    .map(([key, column]) => `${prefix}"${column.name}" AS "${key}"`)
    .join(', ')
}
