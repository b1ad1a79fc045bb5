// The migration that lets a lock's collective keys page from one index: doors written before it take their key's
// createdAt, so an upgraded database lists them in order like a new one.
import { Database } from 'bun:sqlite'
import { expect, test } from 'bun:test'
import { migrations } from '../../src/db/migrations'

test('doors recorded before the created_at column get their key’s createdAt', () => {
  const db = new Database(':memory:')
  const start = migrations.findIndex((migration) => migration.tag.endsWith('_unified_temp_keys'))
  expect(start).toBeGreaterThan(0)
  const run = (from: number, to: number) => {
    for (const migration of migrations.slice(from, to)) for (const statement of migration.sql) db.exec(statement)
  }
  run(0, start)
  db.exec(
    "INSERT INTO collective_temp_keys (uuid, valid_from, valid_until, created_at, created_by) VALUES ('k1', 'a', 'b', '2026-06-01T10:00:00.000Z', 'u')",
  )
  db.exec("INSERT INTO collective_temp_key_doors (uuid, door_id, lock_id, lock_uuid, access_method) VALUES ('k1', 1, 7, 'l', 'key')")
  run(start, migrations.length)
  expect(db.query('SELECT uuid, lock_id AS lockId, created_at AS createdAt FROM collective_temp_key_doors').all()).toEqual([
    { uuid: 'k1', lockId: 7, createdAt: '2026-06-01T10:00:00.000Z' },
  ])
})
