// The door opens exactly as often as allowed, over real HTTP: a real server (child process, default simulated
// driver), a public key with maxUses = 10 and 200 concurrent opens -> 10 successes, 190 refusals, 10 door openings
// in the log; and a double submit with one Idempotency-Key opens once.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { openDatabase } from '../../src/db/connection'
import { lockStreamId } from '../../src/domain/lock/events'
import { EventStore } from '../../src/eventstore/store'
import { cli, type RunningServer, startServer } from '../support/server'

describe('when 200 guests open a maxUses=10 key at once', () => {
  let server: RunningServer
  let apiKey = ''

  beforeAll(async () => {
    // Rate limits off: this test is about the use count, not about throttling one address.
    server = await startServer({ LOG_LEVEL: 'silent', OPEN_RATE_LIMIT_PER_IP: '0', OPEN_RATE_LIMIT_PER_KEY: '0' })
    const org = await cli(['org', 'create', '--name', 'Concurrency Co', '--id', `conc-${crypto.randomUUID().slice(0, 8)}`], server.env)
    expect(org.exitCode).toBe(0)
    apiKey = String((org.json as { apiKey: string }).apiKey)
  })

  afterAll(async () => {
    await server?.stop()
  })

  const api = (path: string, body: object) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
      body: JSON.stringify(body),
    })

  async function lockWithKey(lockId: number, maxUses: number | null) {
    expect((await api(`/locks/${lockId}/CreateLock`, { index: lockId, uuid: crypto.randomUUID() })).status).toBe(201)
    const now = Date.now()
    const created = await api(`/locks/${lockId}/create-temp-key`, {
      accessMode: 'public',
      validFrom: new Date(now - 60_000).toISOString(),
      validUntil: new Date(now + 3_600_000).toISOString(),
      maxUses,
    })
    expect(created.status).toBe(200)
    return ((await created.json()) as { tempKeyUuid: string }).tempKeyUuid
  }

  const open = (uuid: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/temp-keys/${uuid}/open`, { method: 'POST', headers: { accept: 'application/json', ...headers } })

  function lockEvents(lockId: number) {
    const db = openDatabase(server.dbPath)
    try {
      return new EventStore(db).readStream(lockStreamId(lockId)).map((e) => ({ type: e.type, data: e.data }))
    } finally {
      db.$client.close()
    }
  }

  it('should open exactly 10 times and refuse the other 190', async () => {
    const lockId = 700_000 + Math.floor(Math.random() * 100_000)
    const uuid = await lockWithKey(lockId, 10)
    const responses = await Promise.all(Array.from({ length: 200 }, () => open(uuid)))
    const statuses = responses.map((r) => r.status)
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as { event?: { data: { usedCount: number } }; message?: string }[]
    expect(statuses.filter((s) => s === 200)).toHaveLength(10)
    expect(statuses.filter((s) => s === 400)).toHaveLength(190)
    const counts = bodies.flatMap((b) => (b.event ? [b.event.data.usedCount] : [])).sort((a, b) => a - b)
    expect(counts).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    expect(bodies.filter((b) => b.message?.includes('used up'))).toHaveLength(190)

    const events = lockEvents(lockId)
    expect(events.filter((e) => e.type === 'TempKeyUsed')).toHaveLength(10)
    // Door openings: the log records one LockOpenRequested per confirmed driver call.
    expect(events.filter((e) => e.type === 'LockOpenRequested')).toHaveLength(10)
    expect(events.filter((e) => e.type === 'TempKeyOpenRefused')).toHaveLength(190)

    const list = await fetch(`${server.url}/locks/${lockId}/temp-keys`, { headers: { 'x-api-key': apiKey, accept: 'application/json' } })
    const { tempKeys } = (await list.json()) as { tempKeys: { usedCount: number; status: string }[] }
    expect(tempKeys[0]).toMatchObject({ usedCount: 10, status: 'used-up' })
  }, 60_000)

  it('should open once for two concurrent requests with the same Idempotency-Key', async () => {
    const lockId = 800_000 + Math.floor(Math.random() * 100_000)
    const uuid = await lockWithKey(lockId, null)
    const headers = { 'idempotency-key': crypto.randomUUID() }
    const [a, b] = await Promise.all([open(uuid, headers), open(uuid, headers)])
    expect([a.status, b.status]).toEqual([200, 200])
    expect(await b.json()).toEqual(await a.json())
    const events = lockEvents(lockId)
    expect(events.filter((e) => e.type === 'TempKeyUsed')).toHaveLength(1)
    expect(events.filter((e) => e.type === 'LockOpenRequested')).toHaveLength(1)
  }, 30_000)
})
