// Rows read back under their drizzle keys (camelCase), as drizzle hands them out on SQLite: the inverse of
// projections/pg/named.ts.
import { getTableColumns } from 'drizzle-orm'
import type { PgTable } from 'drizzle-orm/pg-core'

export function keyed<T extends PgTable>(table: T, row: Record<string, unknown>): T['$inferSelect'] {
  const out: Record<string, unknown> = {}
  for (const [key, column] of Object.entries(getTableColumns(table))) out[key] = row[column.name]
  // The columns are the table's own, read with their types (bigint as number, see connection.ts).
  return out as T['$inferSelect']
}
