// The reads of ../collective-keys.ts on PostgreSQL: same names, same parameters after the connection, the same rows.
// Pages run newest first by (created_at, uuid), both COLLATE "C" (src/db/pg/read-models.ts): byte order, as SQLite's,
// so TOP ('\u{10FFFF}') is above every instant and the indexes serve the order.
import type { Sql, Tx } from '../../db/pg/connection'
import { type CollectiveTempKeyDoorRow, type CollectiveTempKeyRow, collectiveTempKeyDoors, collectiveTempKeys } from '../../db/schema'
import { type CollectiveKeyPosition, TOP } from '../collective-keys'
import { columnsOf } from './columns'

const KEY = columnsOf(collectiveTempKeys, 'k')
const DOOR = columnsOf(collectiveTempKeyDoors)

export async function findCollectiveKey(sql: Sql | Tx, uuid: string): Promise<CollectiveTempKeyRow | undefined> {
  const [row] = await sql<CollectiveTempKeyRow[]>`SELECT ${sql.unsafe(KEY)} FROM collective_temp_keys k WHERE k.uuid = ${uuid}`
  return row
}

export async function doorsOfKey(sql: Sql | Tx, uuid: string): Promise<CollectiveTempKeyDoorRow[]> {
  return [
    ...(await sql<CollectiveTempKeyDoorRow[]>`
      SELECT ${sql.unsafe(DOOR)} FROM collective_temp_key_doors WHERE uuid = ${uuid} ORDER BY door_id`),
  ]
}

// One page newest first, plus one row more than `limit` to tell whether another page follows: over
// collective_temp_key_doors_lock_created (the doors carry their key's createdAt) then each key by primary key, or over collective_temp_keys_creator.
export async function pageCollectiveKeys(
  sql: Sql | Tx,
  filter: { lockId: number } | { createdBy: string },
  after: CollectiveKeyPosition | null,
  limit: number,
): Promise<CollectiveTempKeyRow[]> {
  const { createdAt, uuid } = after ?? TOP
  const rows =
    'lockId' in filter
      ? await sql<CollectiveTempKeyRow[]>`
          SELECT ${sql.unsafe(KEY)} FROM collective_temp_key_doors d JOIN collective_temp_keys k ON k.uuid = d.uuid
          WHERE d.lock_id = ${filter.lockId} AND (d.created_at, d.uuid) < (${createdAt}, ${uuid})
          ORDER BY d.created_at DESC, d.uuid DESC LIMIT ${limit + 1}`
      : await sql<CollectiveTempKeyRow[]>`
          SELECT ${sql.unsafe(KEY)} FROM collective_temp_keys k
          WHERE k.created_by = ${filter.createdBy} AND (k.created_at, k.uuid) < (${createdAt}, ${uuid})
          ORDER BY k.created_at DESC, k.uuid DESC LIMIT ${limit + 1}`
  return [...rows]
}
