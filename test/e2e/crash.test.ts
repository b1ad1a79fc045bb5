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
import { createDoor, seed, startChild, tempDir } from '../../bench/support'
import { lockAggregate } from '../../src/domain/lock/decide'
import { lockStreamId } from '../../src/domain/lock/events'

const KILLS = Number(process.env.CRASH_KILLS ?? 5)
const CLIENTS = 32

type Ack = { userId: string; number: number; version: number }
type OpenAck = { version: number }

const MAX_USES = 40

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
    const { apiKey, tempKeyUuid } = await seed(databasePath, async (deps) => {
      await registerOrg(deps, { orgId: 'crash', orgName: 'Crash Co' })
      const { apiKey } = await issueApiKey(deps, 'crash', { createdBy: 'test' })
      for (const userId of userIds) {
        const data = { userId, email: null, firstName: null, lastName: null }
        await deps.commands.handle(userAggregate, userStreamId(userId), { type: 'CreateUser', data, metadata: { now: Date.now() } }, {})
      }
      const door = await createDoor(deps, 1, 'crash')
      // The door's key may open only MAX_USES times, however often the server dies.
      const changes = { maxUses: MAX_USES }
      const data = { tempKeyUuid: door.tempKeyUuid, changes, updatedBy: 'test' }
      await deps.commands.handle(lockAggregate, lockStreamId(1), { type: 'UpdateTempKey', data, metadata: { now: Date.now() } }, {})
      return { apiKey, tempKeyUuid: door.tempKeyUuid }
    })

    const acks: Ack[] = []
    const opens: OpenAck[] = []
    let kills = 0
    while (kills < KILLS) {
      const env = { DATABASE_PATH: databasePath, LOG_LEVEL: 'silent', OPEN_RATE_LIMIT_PER_IP: '0', OPEN_RATE_LIMIT_PER_KEY: '0' }
      const server = await startChild(['src/main.ts', 'serve'], env)
      let running = true
      const opener = async () => {
        while (running) {
          try {
            const response = await fetch(`${server.url}/temp-keys/${tempKeyUuid}/open`, {
              method: 'POST',
              headers: { accept: 'application/json' },
            })
            if (response.ok) opens.push({ version: ((await response.json()) as { version: number }).version })
            else await Bun.sleep(5)
          } catch {
            // died under this request
          }
        }
      }
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
      const clients = [...Array.from({ length: CLIENTS - 4 }, client), ...Array.from({ length: 4 }, opener)]
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
    // Every acknowledged open is in the log, and the key never opened more than MAX_USES times.
    const lockEvents = store.readStream(lockStreamId(1))
    for (const open of opens) expect(lockEvents.find((e) => e.streamVersion === open.version)?.type).toBe('TempKeyUsed')
    const uses = lockEvents.filter((e) => e.type === 'TempKeyUsed')
    expect(uses.length).toBeLessThanOrEqual(MAX_USES)
    expect(uses.map((e) => e.data.usedCount)).toEqual(uses.map((_, i) => i + 1))
    expect(lockEvents.filter((e) => e.type === 'LockOpenRequested').length).toBe(uses.length)
    const row = db.$client.query<{ used_count: number }, [string]>('SELECT used_count FROM temp_keys WHERE uuid = ?').get(tempKeyUuid)
    expect(row?.used_count).toBe(uses.length)
    db.$client.close()

    const tables = allProjections.flatMap((p) => p.tables)
    const live = tableDump(databasePath, tables)
    const rebuilt = openDatabase(databasePath)
    new EventStore(rebuilt, { projections: allProjections }).rebuild()
    rebuilt.$client.close()
    expect(tableDump(databasePath, tables)).toEqual(live)
    console.log(
      `crash test: ${kills} kills survived, ${acks.length + opens.length} acknowledged commands verified present ` +
        `(${opens.length} opens of a key limited to ${MAX_USES})`,
    )
    cleanup()
  }, 120_000)
})
