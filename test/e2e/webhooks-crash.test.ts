// The real server (`bun src/main.ts serve`) on a temp database delivers to a local receiver, is SIGKILLed while a
// delivery is in flight, and restarts on the same file: every event arrives at least once, and a duplicate carries
// the webhook-id of its first delivery.
import { afterAll, describe, expect, it } from 'bun:test'
import { join } from 'node:path'
import type { Subprocess } from 'bun'
import { createUser, issueApiKey, registerOrg } from '../../src/auth/tenants'
import { loadConfig } from '../../src/config'
import { createDeps } from '../../src/deps'
import { createLogger } from '../../src/logger'
import { tempDbPath } from '../support/temp-db'
import { startReceiver, waitFor } from '../webhooks/receiver'

const ROOT = join(import.meta.dir, '..', '..')
const EVENTS = 120
const HELD = 40

const running = new Set<Subprocess>()
afterAll(() => {
  for (const child of running) child.kill('SIGKILL')
})

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

async function startServer(databasePath: string) {
  const env = { ...process.env, PORT: '0', HOST: '127.0.0.1', DATABASE_PATH: databasePath, LOG_LEVEL: 'warn', ADMIN_API_KEY: 'crash-test-admin', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' }
  const child = Bun.spawn([process.execPath, 'src/main.ts', 'serve'], { cwd: ROOT, env, stdout: 'pipe', stderr: 'inherit' })
  running.add(child)
  let stdout = ''
  const decoder = new TextDecoder()
  const reader = child.stdout.getReader()
  const started = Date.now()
  let port: string | undefined
  while (!(port = /spkey listening on http:\/\/[^\s:]+:(\d+)/.exec(stdout)?.[1])) {
    if (Date.now() - started > 20_000) throw new Error(`server did not start:\n${stdout}`)
    const chunk = await reader.read()
    if (chunk.done) throw new Error(`server exited before listening:\n${stdout}`)
    stdout += decoder.decode(chunk.value, { stream: true })
  }
  reader.releaseLock()
  void child.stdout.pipeTo(new WritableStream())
  return { url: `http://127.0.0.1:${port}`, child }
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
      const first = await startServer(databasePath)
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
      first.child.kill('SIGKILL')
      await first.child.exited
      running.delete(first.child)
      const beforeCrash = receiver.received.length
      receiver.respond(() => new Response('ok'))

      const second = await startServer(databasePath)
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

      second.child.kill('SIGTERM')
      expect(await second.child.exited).toBe(0)
      running.delete(second.child)
    } finally {
      receiver.stop()
    }
  }, 60_000)
})
