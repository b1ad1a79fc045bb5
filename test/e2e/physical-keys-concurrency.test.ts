// 50 AddPhysicalKey requests for one user at once, over real HTTP against the real server process: every one gets
// its own number, 1..50 without gaps, and the log holds exactly 50 PhysicalKeyAdded events: none lost, none doubled.
import { Database } from 'bun:sqlite'
import { afterAll, describe, expect, it } from 'bun:test'
import { userStreamId } from '../../src/domain/user/events'
import { cli, type RunningServer, startServer } from '../support/server'

const CONCURRENT = 50

type Added = { number: number; version: number; note: string }

let server: RunningServer | undefined
afterAll(async () => {
  await server?.stop()
})

// Provisioning through the admin CLI, on the running server's database.
async function provision(env: Record<string, string>) {
  const org = await cli(['org', 'create', '--name', 'Race Co', '--id', 'race'], env)
  const user = await cli(['user', 'create', '--email', 'racer@example.test'], env)
  expect({ org: org.exitCode, user: user.exitCode }).toEqual({ org: 0, user: 0 })
  const { apiKey } = org.json as { apiKey: string }
  const { userId } = user.json as { userId: string }
  return { apiKey, userId }
}

// The log as stored, read straight from the file (WAL: safe while the server runs).
function loggedEvents(dbPath: string, streamId: string) {
  const db = new Database(dbPath, { readonly: true })
  try {
    return db
      .query<{ type: string; data: string }, [string]>('SELECT type, data FROM events WHERE stream_id = ? ORDER BY stream_version')
      .all(streamId)
      .map((row) => ({ type: row.type, data: JSON.parse(row.data) as { number: number; note: string } }))
  } finally {
    db.close()
  }
}

describe('when 50 AddPhysicalKey requests for one user arrive at once', () => {
  it('should give 50 distinct consecutive numbers and append exactly 50 events', async () => {
    server = await startServer({ LOG_LEVEL: 'silent' })
    const { apiKey, userId } = await provision(server.env)
    const url = server.url

    const responses = await Promise.all(
      Array.from({ length: CONCURRENT }, async (_, i) => {
        const response = await fetch(`${url}/users/${userId}/AddPhysicalKey`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
          body: JSON.stringify({ orgId: 'race', orgName: 'Race Co', note: `request ${i}` }),
        })
        return { status: response.status, body: (await response.json()) as Added }
      }),
    )
    expect(responses.map((r) => r.status)).toEqual(Array(CONCURRENT).fill(200))
    const numbers = responses.map((r) => r.body.number).sort((a, b) => a - b)
    expect(numbers).toEqual(Array.from({ length: CONCURRENT }, (_, i) => i + 1))
    // Each answer describes its own event: its own note, its own stream version.
    expect(new Set(responses.map((r) => r.body.note)).size).toBe(CONCURRENT)
    expect(new Set(responses.map((r) => r.body.version)).size).toBe(CONCURRENT)

    const list = await fetch(`${url}/users/${userId}/PhysicalKeys`, { headers: { 'x-api-key': apiKey } })
    expect(((await list.json()) as { total: number }).total).toBe(CONCURRENT)

    const added = loggedEvents(server.dbPath, userStreamId(userId)).filter((e) => e.type === 'PhysicalKeyAdded')
    expect(added).toHaveLength(CONCURRENT)
    expect(added.map((e) => e.data.number)).toEqual(Array.from({ length: CONCURRENT }, (_, i) => i + 1))
    expect(new Set(added.map((e) => e.data.note)).size).toBe(CONCURRENT)
    // The answers and the log agree on which request got which number.
    const byNote = new Map(added.map((e) => [e.data.note, e.data.number]))
    for (const { body } of responses) expect(byNote.get(body.note)).toBe(body.number)
  }, 60_000)
})
