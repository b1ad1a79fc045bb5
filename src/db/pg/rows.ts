// Rows read back under their drizzle keys (camelCase), as drizzle hands them out on SQLite: the inverse of
// projections/pg/named.ts. Given the SQLite table, a row has SQLite's columns only (PostgreSQL's users.position left out).
import { getTableColumns, type Table } from 'drizzle-orm'

export function keyed<T extends Table>(table: T, row: Record<string, unknown>): T['$inferSelect'] {
  const out: Record<string, unknown> = {}
  for (const [key, column] of Object.entries(getTableColumns(table))) out[key] = row[column.name]
  // The columns are the table's own, read with their types (bigint as number, see connection.ts).
  return out as T['$inferSelect']
}
