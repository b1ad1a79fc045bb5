// The one error mapper, through app.handle: every failure answers the superset envelope (or an HTML page with the
// same status), never a stack trace, always with the request id that the logged error line carries too.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { Elysia, t } from 'elysia'
import postgres from 'postgres'
import { createApp } from '../../src/app'
import { loadConfig } from '../../src/config'
import { createDeps } from '../../src/deps'
import { Forbidden } from '../../src/domain/errors'
import { createLogger } from '../../src/logger'
import { BACKENDS, contextOn } from '../support/context'
import { tempDbPath } from '../support/temp-db'

// As postgres.js raises them: the server's fields (code = SQLSTATE) copied onto the error; its own and the socket's
// failures are plain errors with a code.
const PostgresError = postgres.PostgresError as unknown as new (fields: { message: string; code: string }) => Error
const connectionError = (code: string) => Object.assign(new Error(`write ${code} db.internal:5432`), { code })

// Routes that exist only in this test, mounted on a real createApp result, to reach each error path.
const probeRoutes = new Elysia({ name: 'test.probe', prefix: '/probe' })
  .post('/echo', ({ body }) => body, {
    body: t.Object(
      { name: t.String({ minLength: 2 }), count: t.Number({ minimum: 1 }), tags: t.Optional(t.Array(t.String({ minLength: 1 }))) },
      { additionalProperties: false },
    ),
  })
  .get('/boom', () => {
    throw new Error('kaboom: secret internals at /srv/spkey')
  })
  .get('/boom/:secret', () => {
    throw new Error('kaboom')
  })
  .get('/forbidden', () => {
    throw new Forbidden('Only the owner may do this')
  })
  .get('/postgres/:code', ({ params }) => {
    throw new PostgresError({ message: 'from the server', code: params.code })
  })
  .get('/connection/:code', ({ params }) => {
    throw connectionError(params.code)
  })

function testApp(env: Record<string, string> = {}) {
  const logLines: string[] = []
  const config = loadConfig({ DATABASE_PATH: tempDbPath(), LOG_LEVEL: 'silent', ...env })
  const deps = createDeps(config, { logger: createLogger('error', (line) => logLines.push(line)) })
  const app = createApp(deps).use(probeRoutes)
  const request = async (method: string, path: string, init: { body?: string; headers?: Record<string, string> } = {}) => {
    const response = await app.handle(new Request(`http://localhost${path}`, { method, ...init }))
    const text = await response.text()
    return { status: response.status, headers: response.headers, text, json: text.startsWith('{') ? JSON.parse(text) : undefined }
  }
  const loggedErrors = () => logLines.map((line) => JSON.parse(line) as Record<string, unknown>)
  return { request, loggedErrors }
}

const REQUEST_ID = /^req_[0-9a-f]{32}$/

describe('a path no route serves', () => {
  it('should answer 404 in the error envelope', async () => {
    const { request } = testApp()

    const response = await request('GET', '/no/such/thing')

    expect(response.status).toBe(404)
    expect(response.headers.get('content-type')).toContain('application/json')
    expect(response.json).toEqual({
      success: false,
      error: 'Not Found',
      message: 'The requested resource was not found',
      code: 404,
      errors: [{ code: 404, message: 'The requested resource was not found' }],
      requestId: expect.stringMatching(REQUEST_ID),
    })
    expect(response.headers.get('x-request-id')).toBe(response.json.requestId)
  })
})

describe('a path served under other methods', () => {
  it('should answer 405 with an Allow header listing them', async () => {
    const { request } = testApp()

    const onHealth = await request('DELETE', '/healthz')
    const onProbe = await request('GET', '/probe/echo')

    expect(onHealth.status).toBe(405)
    expect(onHealth.headers.get('allow')).toBe('GET')
    expect(onHealth.json).toMatchObject({ success: false, error: 'Method Not Allowed', code: 405 })
    expect(onProbe.status).toBe(405)
    expect(onProbe.headers.get('allow')).toBe('POST')
  })
})

describe('a request body', () => {
  const json = { 'content-type': 'application/json' }

  it('should answer 400 when the JSON is malformed', async () => {
    const { request } = testApp()

    const response = await request('POST', '/probe/echo', { body: '{"name": "ab", ', headers: json })

    expect(response.status).toBe(400)
    expect(response.json).toMatchObject({ success: false, error: 'Bad Request', code: 400, message: expect.stringContaining('Malformed') })
  })

  it('should answer 400 listing each offending field in details', async () => {
    const { request } = testApp()
    const body = JSON.stringify({ name: 'x', count: 0, tags: ['ok', ''], extra: true })

    const response = await request('POST', '/probe/echo', { body, headers: json })

    expect(response.status).toBe(400)
    expect(response.json).toMatchObject({ success: false, error: 'Bad Request', code: 400, requestId: expect.stringMatching(REQUEST_ID) })
    const details: { field: string; message: string }[] = response.json.details
    expect(details.map((d) => d.field).sort()).toEqual(['count', 'extra', 'name', 'tags[1]'])
    for (const detail of details) expect(detail.message.length).toBeGreaterThan(0)
    expect(details.find((d) => d.field === 'extra')?.message).toBe('Unknown field: it must not be sent')
    expect(response.json.message).toContain('name')
  })

  it('should pass a valid body through to the handler', async () => {
    const { request } = testApp()

    const response = await request('POST', '/probe/echo', { body: JSON.stringify({ name: 'ab', count: 2 }), headers: json })

    expect(response.status).toBe(200)
    expect(response.json).toEqual({ name: 'ab', count: 2 })
  })

  it('should answer 413 in the envelope when the declared length exceeds MAX_BODY_BYTES', async () => {
    const { request } = testApp({ MAX_BODY_BYTES: '64' })
    const body = JSON.stringify({ name: 'x'.repeat(100), count: 1 })

    const response = await request('POST', '/probe/echo', { body, headers: { ...json, 'content-length': String(body.length) } })

    expect(response.status).toBe(413)
    expect(response.json).toMatchObject({ success: false, error: 'Payload Too Large', code: 413 })
  })
})

describe('a broken business rule', () => {
  it('should answer its DomainError status and message', async () => {
    const { request, loggedErrors } = testApp()

    const response = await request('GET', '/probe/forbidden')

    expect(response.status).toBe(403)
    expect(response.json).toMatchObject({ success: false, error: 'Forbidden', message: 'Only the owner may do this', code: 403 })
    expect(loggedErrors()).toEqual([])
  })
})

describe('a PostgreSQL failure', () => {
  it("should answer a unique violation 409, as SQLite's constraint failure", async () => {
    const { request } = testApp()

    const response = await request('GET', '/probe/postgres/23505')

    expect(response.status).toBe(409)
    expect(response.json).toMatchObject({ success: false, error: 'Conflict', message: 'This resource already exists', code: 409 })
  })

  it('should answer 503 with Retry-After while the server is out of reach, shutting down, read-only or out of space', async () => {
    const { request } = testApp()

    const responses = await Promise.all([
      request('GET', '/probe/connection/CONNECTION_CLOSED'),
      request('GET', '/probe/connection/ECONNREFUSED'),
      request('GET', '/probe/postgres/57P01'),
      request('GET', '/probe/postgres/25006'),
      request('GET', '/probe/postgres/53100'),
    ])

    for (const response of responses) {
      expect(response.status).toBe(503)
      expect(response.headers.get('retry-after')).toBe('5')
      expect(response.json).toMatchObject({ success: false, error: 'Service Unavailable', code: 503 })
    }
  })

  it('should answer any other server error 500', async () => {
    const { request } = testApp()

    expect((await request('GET', '/probe/postgres/42P01')).status).toBe(500)
  })
})

describe('an unhandled exception', () => {
  it('should answer 500 with the request id and no internals in the body', async () => {
    const { request } = testApp()

    const response = await request('GET', '/probe/boom')

    expect(response.status).toBe(500)
    expect(response.json).toEqual({
      success: false,
      error: 'Internal Server Error',
      message: 'An unexpected error occurred on the server',
      code: 500,
      errors: [{ code: 500, message: 'An unexpected error occurred on the server' }],
      requestId: expect.stringMatching(REQUEST_ID),
    })
    expect(response.text).not.toContain('kaboom')
    expect(response.text).not.toContain('/srv/spkey')
    expect(response.text).not.toMatch(/\.tsx?:\d+/)
  })

  it('should log one error line carrying the same request id and the stack', async () => {
    const { request, loggedErrors } = testApp()

    const response = await request('GET', '/probe/boom', { headers: { 'x-request-id': 'trace-500-check' } })

    expect(response.json.requestId).toBe('trace-500-check')
    expect(loggedErrors()).toEqual([
      expect.objectContaining({
        level: 'error',
        requestId: 'trace-500-check',
        route: '/probe/boom',
        error: 'kaboom: secret internals at /srv/spkey',
        stack: expect.stringContaining('kaboom'),
      }),
    ])
  })
})

describe('a 5xx on a path with a secret in it (issue 24 #14)', () => {
  it('should log the route pattern, never the path', async () => {
    const { request, loggedErrors } = testApp()
    const secret = crypto.randomUUID()
    expect((await request('GET', `/probe/boom/${secret}`)).status).toBe(500)
    expect(loggedErrors()).toEqual([expect.objectContaining({ route: '/probe/boom/:secret' })])
    expect(JSON.stringify(loggedErrors())).not.toContain(secret)
  })
})

describe('a browser asking for HTML', () => {
  const html = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' }

  it('should get an HTML error page with the same status', async () => {
    const { request } = testApp()

    const response = await request('GET', '/no/such/page', { headers: html })

    expect(response.status).toBe(404)
    expect(response.headers.get('content-type')).toContain('text/html')
    expect(response.text).toStartWith('<!doctype html>')
    expect(response.text).toContain('Not Found')
  })

  it('should show the request id on a 500 page, but no internals', async () => {
    const { request } = testApp()

    const response = await request('GET', '/probe/boom', { headers: html })

    expect(response.status).toBe(500)
    expect(response.headers.get('content-type')).toContain('text/html')
    expect(response.text).toContain(response.headers.get('x-request-id') ?? 'missing request id')
    expect(response.text).not.toContain('kaboom')
  })

  it('should still get JSON when JSON is preferred', async () => {
    const { request } = testApp()

    const response = await request('GET', '/no/such/page', { headers: { accept: 'application/json, text/html' } })

    expect(response.headers.get('content-type')).toContain('application/json')
    expect(response.json).toMatchObject({ code: 404 })
  })
})

// The mapper itself is the same on either database; this refusal is checked on a route that reads users, on both.
for (const backend of BACKENDS) {
  describe(`a client-sent _callerOrgId in a query (${backend})`, () => {
    let ctx: Awaited<ReturnType<typeof contextOn>>
    beforeAll(async () => {
      ctx = await contextOn(backend)
    })
    afterAll(() => ctx.close())

    it('should be refused with 400 and a details entry on any route, even one without a query schema', async () => {
      const { apiKey } = await ctx.org()
      const { userId } = await ctx.user()
      const response = await ctx.call('GET', `/users/${userId}/profile?_callerOrgId=other`, { apiKey })
      expect(response.status).toBe(400)
      expect(response.json.details).toEqual([{ field: '_callerOrgId', message: 'Server-set field: clients must not send it' }])
    })
  })
}
