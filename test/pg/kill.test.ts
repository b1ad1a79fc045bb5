// Three writer processes on one PostgreSQL, 8 commands in flight each on the same four locks, killed with SIGKILL
// at random: nothing acknowledged is lost, nothing is recorded twice, every stream's version is its last event's.
import { afterAll, expect, it } from 'bun:test'
import { type Subprocess, spawn } from 'bun'
import { join } from 'node:path'
import { migratePostgres, openPostgres, type Sql } from '../../src/db/pg/connection'
import { lockAggregate } from '../../src/domain/lock/decide'
import { lockStreamId } from '../../src/domain/lock/events'
import { PgCommandHandler } from '../../src/eventstore/pg-command-handler'
import { PgEventStore } from '../../src/eventstore/pg-store'
import { createLockCommand } from '../fixtures/lock-commands'
import { freshDatabase } from '../fixtures/postgres'

const WRITER = join(import.meta.dir, 'fixtures/writer.ts')
let sql: Sql | undefined
afterAll(() => sql?.end({ timeout: 1 }))

type Writer = { process: Subprocess<'ignore', 'pipe', 'inherit'>; acknowledged: string[]; done: Promise<void> }

function startWriter(url: string, name: string): Writer {
  const child = spawn(['bun', WRITER, url, name, '1'], { stdout: 'pipe', stderr: 'inherit', stdin: 'ignore' })
  const acknowledged: string[] = []
  // Read to the end (the child's death closes the pipe): every line is a command whose commit was acknowledged.
  const done = new Response(child.stdout).text().then((text) => {
    acknowledged.push(...text.split('\n').filter((line) => line !== ''))
  })
  return { process: child, acknowledged, done }
}

it('should lose no acknowledged command and record none twice when writers are killed with SIGKILL', async () => {
  const url = await freshDatabase()
  sql = openPostgres(url)
  await migratePostgres(sql)
  const commands = new PgCommandHandler(new PgEventStore(sql, { aggregates: [lockAggregate] }))
  for (let lockId = 1; lockId <= 4; lockId++) {
    await commands.handle(lockAggregate, lockStreamId(lockId), createLockCommand(lockId), {})
  }
  const writers = [0, 1, 2].map((i) => startWriter(url, `w${i}g0`))
  const all = [...writers]
  for (let kill = 1; kill <= 6; kill++) {
    await Bun.sleep(400 + Math.random() * 400)
    const victim = Math.floor(Math.random() * writers.length)
    writers[victim]!.process.kill('SIGKILL')
    await writers[victim]!.done
    writers[victim] = startWriter(url, `w${victim}g${kill}`)
    all.push(writers[victim]!)
  }
  await Bun.sleep(500)
  for (const writer of writers) writer.process.kill('SIGKILL')
  await Promise.all(all.map((writer) => writer.done))

  const acknowledged = all.flatMap((writer) => writer.acknowledged)
  expect(acknowledged.length).toBeGreaterThan(100)
  const recorded = await sql<{ id: string }[]>`SELECT data->>'requestId' AS id FROM events WHERE type = 'LockOpenRequested'`
  const ids = recorded.map((row) => row.id)
  expect(new Set(ids).size).toBe(ids.length)
  const missing = acknowledged.filter((id) => !ids.includes(id))
  expect(missing).toEqual([])
  const streams = await sql<{ stream_id: string; version: number; last: number; n: number }[]>`
    SELECT s.stream_id, s.version, max(e.stream_version)::int AS last, count(*)::int AS n
    FROM streams s JOIN events e USING (stream_id) GROUP BY s.stream_id, s.version`
  expect(streams).toHaveLength(4)
  for (const stream of streams) expect([stream.version, stream.n]).toEqual([stream.last, stream.last])
}, 60_000)
