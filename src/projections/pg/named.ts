// A row of rows.ts under its PostgreSQL column names, for postgres.js's insert and update helpers
// (`INSERT INTO t ${tx(named(t, row))}`, `UPDATE t SET ${tx(named(t, changes))}`). Undefined values are left out, as
// drizzle leaves them out on SQLite: a column an event does not name keeps its value.
import { getTableColumns } from 'drizzle-orm'
import type { PgTable } from 'drizzle-orm/pg-core'

export function named<T extends PgTable>(table: T, values: Partial<T['$inferInsert']>): Record<string, unknown> {
  const columns = getTableColumns(table)
  const row: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(values)) {
    const column = columns[key]
    if (column !== undefined && value !== undefined) row[column.name] = value
  }
  return row
}
