// Issue 21: commands per second through the command handler on PostgreSQL (one process, two processes) beside the
// SQLite handler and the raw bun:sqlite loop, in one run on this machine: 32 commands in flight in all, spread over 64
// locks and all on one hot lock. PostgreSQL runs as a throwaway cluster with fsync on, like the SQLite file's FULL.
import { join } from 'node:path'
import { openDatabase } from '../src/db/connection'
import { migratePostgres, openPostgres } from '../src/db/pg/connection'
import { lockAggregate } from '../src/domain/lock/decide'
import { lockStreamId } from '../src/domain/lock/events'
import { CommandHandler } from '../src/eventstore/command-handler'
import { PgCommandHandler } from '../src/eventstore/pg-command-handler'
import { PgEventStore } from '../src/eventstore/pg-store'
import { EventStore } from '../src/eventstore/store'
import { Writer } from '../src/eventstore/writer'
import { createLockCommand } from '../test/fixtures/lock-commands'
import { durableCluster, freshDatabase } from '../test/fixtures/postgres'
import { rawInsertLoop } from './baseline-sqlite'
import type { BenchOptions, Row } from './run'
import { tempDir } from './support'

const INFLIGHT = 32
const SPREAD = Array.from({ length: 64 }, (_, i) => i + 1)
const HOT = [SPREAD.length + 1]
const ALL = [...SPREAD, ...HOT]

type Handler = Pick<CommandHandler, 'handle'> | Pick<PgCommandHandler, 'handle'>

async function createLocks(handler: Handler): Promise<void> {
  for (const lockId of ALL) await handler.handle(lockAggregate, lockStreamId(lockId), createLockCommand(lockId), {})
}

// `processes` children share the in-flight commands; their counts add up.
async function drive(target: string, locks: number[], processes: number, seconds: number): Promise<number> {
  const children = Array.from({ length: processes }, () =>
    Bun.spawn(['bun', join(import.meta.dir, 'command-load.ts'), target, locks.join(','), String(INFLIGHT / processes), String(seconds)], {
      stdout: 'pipe',
      stderr: 'inherit',
    }),
  )
  const results = await Promise.all(children.map(async (child) => JSON.parse(await new Response(child.stdout).text())))
  return Math.round(results.reduce((sum, r) => sum + r.commands / r.seconds, 0))
}

export async function pgStore(options: BenchOptions): Promise<Row[]> {
  const seconds = options.quick ? 1 : options.durationSec
  const { dir, cleanup } = tempDir()
  const raw = rawInsertLoop(join(dir, 'raw.db'), options.quick ? 300 : 20_000, seconds * 1000).txPerSec
  const sqlitePath = join(dir, 'spkey.db')
  const db = openDatabase(sqlitePath)
  await createLocks(new CommandHandler(new EventStore(db, { aggregates: [lockAggregate] }), new Writer(db)))
  db.$client.close()
  durableCluster()
  const url = await freshDatabase()
  const sql = openPostgres(url)
  await migratePostgres(sql)
  await createLocks(new PgCommandHandler(new PgEventStore(sql, { aggregates: [lockAggregate] })))
  await sql.end()

  const rows: Row[] = []
  for (const [shape, locks] of [
    ['64 locks', SPREAD],
    ['one hot lock', HOT],
  ] as const) {
    const sqlite = await drive(sqlitePath, [...locks], 1, seconds)
    const row = (name: string, value: number): Row => ({
      scenario: `commands, ${shape}: ${name}`,
      value,
      unit: 'cmd/s',
      baseline: `sqlite handler ${sqlite}; raw sqlite loop ${raw}`,
      ratio: Math.round((value / sqlite) * 100) / 100,
      target: `x raw ${Math.round((value / raw) * 100) / 100}`,
    })
    rows.push(row('sqlite, 1 process', sqlite))
    rows.push(row('postgres, 1 process', await drive(url, [...locks], 1, seconds)))
    rows.push(row('postgres, 2 processes', await drive(url, [...locks], 2, seconds)))
  }
  cleanup()
  return rows
}
