// A fresh app on a temp-file database with a controllable clock, plus helpers to provision tenants and users
// and to call the API the way an integrator would (app.handle, no network).
import { expect } from 'bun:test'
import type { Elysia } from 'elysia'
import { createApp } from '../../src/app'
import { createUser, issueApiKey, registerOrg } from '../../src/auth/tenants'
import type { Clock } from '../../src/clock'
import { loadConfig } from '../../src/config'
import { createDeps, type Deps, type DepsOverrides } from '../../src/deps'
import { createPgDeps } from '../../src/deps-pg'
import { freshDatabase } from '../fixtures/postgres'
import { createLogger } from '../../src/logger'
import { mintCsrf } from '../../src/routes/pages/support'
import { tempDbPath, uniqueId } from './temp-db'

export type ManualClock = Clock & { set: (ms: number) => void; advance: (ms: number) => void }

export function manualClock(start = Date.parse('2026-06-01T10:00:00.000Z')): ManualClock {
  let now = start
  return { now: () => now, set: (ms) => (now = ms), advance: (ms) => (now += ms) }
}

export type CallOptions = {
  body?: unknown
  rawBody?: string
  apiKey?: string
  token?: string
  headers?: Record<string, string>
}

export function testContext(
  env: Record<string, string> = {},
  clock: ManualClock = manualClock(),
  overrides: Pick<DepsOverrides, 'drivers' | 'pinSeeds'> = {},
) {
  const logLines: string[] = []
  const deps = createDeps(testConfig(env), { clock, logger: createLogger('info', (line) => logLines.push(line)), ...overrides })
  const ctx = contextFor(deps, clock, logLines)
  return { ...ctx, deps, eventsOf: (streamId: string) => deps.store.readStream(streamId) }
}

// A body as JSON, undefined when it is none. Tests read arbitrary JSON bodies.
export function jsonOf(text: string): any {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

export type Backend = Deps['backend']
// The backends the suites that prove "same API, same guarantees" run on (issue 21): each such suite runs once per entry.
export const BACKENDS: readonly Backend[] = ['sqlite', 'postgres']

// The same context on either database, for suites that run on both: on PostgreSQL a fresh database on the throwaway
// cluster (test/fixtures/postgres.ts). Only the ports (deps.data, deps.log, ...) are there to look at rows with; close()
// when the suite is done.
export async function contextOn(
  backend: Backend,
  env: Record<string, string> = {},
  clock: ManualClock = manualClock(),
  overrides: Pick<DepsOverrides, 'drivers' | 'pinSeeds'> = {},
) {
  const logLines: string[] = []
  const logger = createLogger('info', (line) => logLines.push(line))
  const config = testConfig(env)
  const deps: Deps =
    backend === 'sqlite'
      ? createDeps(config, { clock, logger, ...overrides })
      : await createPgDeps({ ...config, databaseUrl: await freshDatabase() }, { clock, logger, ...overrides })
  return { ...contextFor(deps, clock, logLines), close: () => deps.lifecycle.close() }
}

// BulkAddKeys runs without the docs' one-second pause between device commands unless a test sets one.
const testConfig = (env: Record<string, string>) =>
  loadConfig({ DATABASE_PATH: tempDbPath(), LOG_LEVEL: 'info', BULK_ADD_KEYS_INTERVAL_MS: '0', ...env })

function contextFor(deps: Deps, clock: ManualClock, logLines: string[]) {
  // As a plain Elysia: tests call it, never its route types, and carrying those through every world() in a test file
  // makes the compiler give up (TS2589) once the app has enough routes.
  const app: Elysia = createApp(deps) as unknown as Elysia
  async function call(method: string, path: string, options: CallOptions = {}) {
    const headers: Record<string, string> = { ...options.headers }
    if (options.apiKey) headers['x-api-key'] = options.apiKey
    if (options.token) headers.authorization = `Bearer ${options.token}`
    let body: string | undefined
    if (options.rawBody !== undefined) body = options.rawBody
    else if (options.body !== undefined) body = JSON.stringify(options.body)
    if (body !== undefined) headers['content-type'] ??= 'application/json'
    const response = await app.handle(new Request(`http://localhost${path}`, { method, headers, body }))
    const text = await response.text()
    return { status: response.status, headers: response.headers, text, json: jsonOf(text) }
  }

  async function org(options: { orgId?: string; name?: string; isSuper?: boolean } = {}) {
    const orgId = options.orgId ?? uniqueId('org')
    await registerOrg(deps, { orgId, orgName: options.name ?? `Org ${orgId}`, isSuper: options.isSuper ?? false })
    const { apiKey } = await issueApiKey(deps, orgId, { createdBy: 'test' })
    return { orgId, apiKey }
  }

  async function user(options: { email?: string; userId?: string } = {}) {
    const email = options.email ?? `${uniqueId('user')}@example.test`
    const { userId } = await createUser(deps, { userId: options.userId, email })
    const token = await deps.jwt.sign(userId, 3600)
    return { userId, email, token }
  }

  // A browser's cookies as spkey would have set them: a session for `userId` (none for null) and a CSRF token signed
  // for that session, which forms send back as `_csrf`.
  async function browser(userId: string | null) {
    const session = userId === null ? null : await deps.jwt.sign(userId, 3600)
    const { csrfToken } = mintCsrf(deps, session)
    const cookie = [`spkey_csrf=${csrfToken}`, ...(session === null ? [] : [`spkey_session=${session}`])].join('; ')
    return { cookie, csrf: csrfToken, session }
  }

  // The log's head position: what refused() compares before and after.
  const head = () => deps.log.headPosition()
  // A stream's events, on either database.
  const streamEvents = async (streamId: string) => deps.log.readStreamRange(streamId, 1, await deps.log.streamVersion(streamId))

  return { deps, app, clock, call, org, user, browser, head, streamEvents, logLines }
}

// Runs a request that must be refused and asserts its envelope and that nothing at all was appended to the log;
// `head` is the log's head position (a context's head()).
export async function refused(
  w: { head: () => number | Promise<number> },
  status: number,
  call: () => Promise<{ status: number; json: any }>,
) {
  const before = await w.head()
  const res = await call()
  expect({ status: res.status, success: res.json?.success }).toEqual({ status, success: false })
  expect(await w.head()).toBe(before)
  return res
}
