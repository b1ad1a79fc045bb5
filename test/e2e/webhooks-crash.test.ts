// The real server (`bun src/main.ts serve`) on a temp database delivers to a local receiver, is SIGKILLed while a
// delivery is in flight, and restarts on the same file: every event arrives at least once, and a duplicate carries
// the webhook-id of its first delivery.
import { describe, expect, it } from 'bun:test'
import { createUser, issueApiKey, registerOrg } from '../../src/auth/tenants'
import { loadConfig } from '../../src/config'
import { createDeps } from '../../src/deps'
import { createLogger } from '../../src/logger'
import { startServer } from '../support/server'
import { tempDbPath } from '../support/temp-db'
import { startReceiver, waitFor } from '../webhooks/receiver'

const EVENTS = 120
const HELD = 40

async function provision(databasePath: string) {
  const deps = createDeps(loadConfig({ DATABASE_PATH: databasePath, LOG_LEVEL: 'silent' }), { logger: createLogger('silent') })
  try {
    const orgId = 'crash-partner'
    await registerOrg(deps, { orgId, orgName: 'Crash Partner' })
    const { apiKey } = await issueApiKey(deps, orgId, { createdBy: 'test' })
    const { userId } = await createUser(deps, { email: 'crash@example.test' })
    return { orgId, apiKey, userId }
  } finally {
    deps.db.$client.close()
  }
}

describe('webhooks across a crash of the real server', () => {
  it('should deliver every event at least once, duplicates with the same webhook-id', async () => {
    const databasePath = tempDbPath()
    const partner = await provision(databasePath)
    const receiver = startReceiver()
    // The HELD-th request is never answered before the kill: its event must be re-sent after the restart.
    receiver.respond(async (_, index) => {
      await Bun.sleep(index === HELD ? 10_000 : 2)
      return new Response('ok')
    })
    try {
      const env = { DATABASE_PATH: databasePath, ADMIN_API_KEY: 'crash-test-admin', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' }
      const first = await startServer(env)
      const created = await fetch(`${first.url}/webhooks`, {
        method: 'POST',
        headers: { 'x-api-key': partner.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify({ url: receiver.url }),
      })
      expect(created.status).toBe(201)

      const expected = new Set<string>()
      for (let batch = 0; batch < EVENTS / 10; batch++) {
        const answers = await Promise.all(
          Array.from({ length: 10 }, () =>
            fetch(`${first.url}/users/${partner.userId}/AddPhysicalKey`, {
              method: 'POST',
              headers: { 'x-api-key': partner.apiKey, 'content-type': 'application/json' },
              body: JSON.stringify({ orgId: partner.orgId }),
            }).then((r) => r.json()),
          ),
        )
        for (const answer of answers) expected.add(`${answer.aggregateId}@${answer.version}`)
      }
      expect(expected.size).toBe(EVENTS)

      await waitFor(() => receiver.received.length > HELD, 20_000, 'the held delivery')
      await first.stop('SIGKILL')
      const beforeCrash = receiver.received.length
      receiver.respond(() => new Response('ok'))

      const second = await startServer(env)
      const key = (r: { json: any }) => `${r.json.detail.aggregateId}@${r.json.detail.version}`
      await waitFor(() => [...expected].every((k) => receiver.received.some((r) => key(r) === k)), 30_000, 'every event')

      const idsByEvent = new Map<string, Set<string>>()
      for (const request of receiver.received) {
        const ids = idsByEvent.get(key(request)) ?? new Set<string>()
        ids.add(request.headers.get('webhook-id') ?? '')
        idsByEvent.set(key(request), ids)
        expect(request.headers.get('webhook-id')).toBe(request.json.id)
      }
      expect([...idsByEvent.keys()].sort()).toEqual([...expected].sort())
      for (const ids of idsByEvent.values()) expect(ids.size).toBe(1)
      const duplicates = receiver.received.length - expected.size
      expect(duplicates).toBeGreaterThanOrEqual(1)
      // Delivered in order on both sides of the crash.
      const versions = receiver.received.map((r) => r.json.detail.version as number)
      expect(versions.slice(0, beforeCrash)).toEqual([...versions.slice(0, beforeCrash)].sort((a, b) => a - b))
      expect(versions.slice(beforeCrash)).toEqual([...versions.slice(beforeCrash)].sort((a, b) => a - b))

      expect((await second.stop()).exitCode).toBe(0)
    } finally {
      receiver.stop()
    }
  }, 60_000)
})
