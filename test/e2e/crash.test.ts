// Crash safety: 32 concurrent clients write while the real server is SIGKILLed at random moments and restarted on
// the same file. Every acknowledged command must be in the log, read models must equal a replay, and the file
// must pass SQLite's integrity check.
import { describe, expect, it } from 'bun:test'
import { join } from 'node:path'
import { issueApiKey, registerOrg } from '../../src/auth/tenants'
import { openDatabase } from '../../src/db/connection'
import { userAggregate } from '../../src/domain/user/decide'
import { userStreamId } from '../../src/domain/user/events'
import { EventStore } from '../../src/eventstore/store'
import { allProjections } from '../../src/projections'
import { seed, startChild, tempDir } from '../../bench/support'

const KILLS = Number(process.env.CRASH_KILLS ?? 5)
const CLIENTS = 32

type Ack = { userId: string; number: number; version: number }

const tableDump = (path: string, tables: string[]) => {
  const db = openDatabase(path)
  const dump = Object.fromEntries(tables.map((table) => [table, db.$client.query(`SELECT * FROM ${table} ORDER BY 1, 2`).all()]))
  db.$client.close()
  return dump
}

describe('when the server is killed mid-stream', () => {
  it('should keep every acknowledged command, and read models equal to a replay', async () => {
    const { dir, cleanup } = tempDir()
    const databasePath = join(dir, 'spkey.db')
    const userIds = Array.from({ length: 8 }, () => crypto.randomUUID())
    const apiKey = await seed(databasePath, async (deps) => {
      await registerOrg(deps, { orgId: 'crash', orgName: 'Crash Co' })
      const { apiKey } = await issueApiKey(deps, 'crash', { createdBy: 'test' })
      for (const userId of userIds) {
        const data = { userId, email: null, firstName: null, lastName: null }
        await deps.commands.handle(userAggregate, userStreamId(userId), { type: 'CreateUser', data, metadata: { now: Date.now() } }, {})
      }
      return apiKey
    })

    const acks: Ack[] = []
    let kills = 0
    while (kills < KILLS) {
      const server = await startChild(['src/main.ts', 'serve'], { DATABASE_PATH: databasePath, LOG_LEVEL: 'silent' })
      let running = true
      const client = async () => {
        while (running) {
          const userId = userIds[Math.floor(Math.random() * userIds.length)] ?? ''
          try {
            const response = await fetch(`${server.url}/users/${userId}/AddPhysicalKey`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
              body: JSON.stringify({ orgId: 'crash', note: 'crash test' }),
            })
            if (response.ok) {
              const body = (await response.json()) as { number: number; version: number }
              acks.push({ userId, number: body.number, version: body.version })
            }
          } catch {
            // the server died under this request: unacknowledged, may or may not have landed
          }
        }
      }
      const clients = Array.from({ length: CLIENTS }, client)
      await Bun.sleep(150 + Math.random() * 350)
      server.process.kill('SIGKILL')
      await server.process.exited
      running = false
      await Promise.all(clients)
      kills++
    }
    expect(acks.length).toBeGreaterThan(0)

    const db = openDatabase(databasePath)
    expect(db.$client.query('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' })
    const store = new EventStore(db, { projections: allProjections })
    for (const ack of acks) {
      const event = store.readStream(userStreamId(ack.userId), ack.version)[0]
      expect(event?.type).toBe('PhysicalKeyAdded')
      expect(event?.data.number).toBe(ack.number)
    }
    // Numbers stay unique and consecutive per user even across crashes.
    for (const userId of userIds) {
      const numbers = store.readStream(userStreamId(userId)).flatMap((e) => (e.type === 'PhysicalKeyAdded' ? [Number(e.data.number)] : []))
      expect(numbers).toEqual(numbers.map((_, i) => i + 1))
    }
    db.$client.close()

    const tables = allProjections.flatMap((p) => p.tables)
    const live = tableDump(databasePath, tables)
    const rebuilt = openDatabase(databasePath)
    new EventStore(rebuilt, { projections: allProjections }).rebuild()
    rebuilt.$client.close()
    expect(tableDump(databasePath, tables)).toEqual(live)
    console.log(`crash test: ${kills} kills survived, ${acks.length} acknowledged commands verified present`)
    cleanup()
  }, 120_000)
})
