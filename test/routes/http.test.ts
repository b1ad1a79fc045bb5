// httpBasics, the hooks every route gets: on an app of its own (what it adds to a reply, what it hands the recorder)
// and through createApp (the server-set query field, the docs pages' headers). The request id, the security headers on
// every kind of reply, 404/405, 413 and the error envelope are covered through createApp in health, errors and
// security/web tests.
import { describe, expect, it } from 'bun:test'
import { Elysia, t } from 'elysia'
import { loadConfig } from '../../src/config'
import { createLogger } from '../../src/logger'
import { createMetrics } from '../../src/metrics'
import { replyRecorder } from '../../src/request-context'
import { type AppRoutes, httpBasics } from '../../src/routes/http'
import { testContext } from '../support/context'

const ID = /^req_[0-9a-f]{32}$/

function bareApp() {
  const lines: string[] = []
  const logger = createLogger('info', (line) => lines.push(line))
  const config = loadConfig({ DATABASE_PATH: ':memory:', MAX_BODY_BYTES: '64' })
  const routes: AppRoutes = () => app.routes
  const app = new Elysia()
    .use(httpBasics({ config, logger }, replyRecorder(createMetrics(), logger), routes))
    .get('/plain', () => ({ ok: true }))
    .get('/built', ({ set }) => {
      set.headers['set-cookie'] = 'fromSet=1'
      return new Response('<p>built</p>', {
        headers: { 'content-type': 'text/html', 'set-cookie': 'fromHandler=1', 'x-frame-options': 'SAMEORIGIN' },
      })
    })
    .get('/created', () => new Response('{}', { status: 201 }))
    .post('/echo', ({ body }) => body, { body: t.Object({ name: t.String() }) })
  const handle = (path: string, init: RequestInit = {}) => app.handle(new Request(`http://localhost${path}`, init))
  const accessLog = () =>
    lines
      .map((line) => JSON.parse(line))
      .flatMap((record) => (record.msg === 'request' ? [{ route: record.route, status: record.status }] : []))
  return { handle, accessLog }
}

describe('a Response a handler built', () => {
  it('should get the request id and security headers added, keeping its own headers and both sets of cookies', async () => {
    const { handle } = bareApp()

    const response = await handle('/built', { headers: { 'x-request-id': 'lb-1' } })

    expect(response.status).toBe(200)
    expect(await response.text()).toBe('<p>built</p>')
    expect(response.headers.get('x-request-id')).toBe('lb-1')
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
    expect(response.headers.get('content-security-policy')).toContain("default-src 'self'")
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN')
    expect(response.headers.getSetCookie().sort()).toEqual(['fromHandler=1', 'fromSet=1'])
  })
})

describe('each reply', () => {
  it('should be logged once, with its route and the status the client gets', async () => {
    const { handle, accessLog } = bareApp()
    const big = JSON.stringify({ name: 'x'.repeat(100) })

    const statuses = [
      (await handle('/plain')).status,
      (await handle('/created')).status,
      (await handle('/plain?_callerOrgId=o')).status,
      (await handle('/plain', { method: 'DELETE' })).status,
      (await handle('/nowhere')).status,
      (
        await handle('/echo', {
          method: 'POST',
          body: big,
          headers: { 'content-type': 'application/json', 'content-length': String(big.length) },
        })
      ).status,
      (await handle('/echo', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status,
    ]

    expect(statuses).toEqual([200, 201, 400, 405, 404, 413, 400])
    expect(accessLog()).toEqual([
      { route: '/plain', status: 200 },
      { route: '/created', status: 201 },
      { route: 'unmatched', status: 400 },
      { route: 'unmatched', status: 405 },
      { route: 'unmatched', status: 404 },
      { route: 'unmatched', status: 413 },
      { route: '/echo', status: 400 },
    ])
  })
})

describe('the server-set _callerOrgId in a query', () => {
  it('should be refused however its name is percent-encoded', async () => {
    const ctx = testContext()

    for (const query of ['_callerOrgId=o', '%5FcallerOrgId=o', '%5fcallerOrgId=o', '_c%61llerOrgId=o', 'a=1&_callerOrgId']) {
      const response = await ctx.call('GET', `/healthz?${query}`)
      expect(response.status).toBe(400)
      expect(response.json.details).toEqual([{ field: '_callerOrgId', message: 'Server-set field: clients must not send it' }])
    }
  })

  it('should not be confused with a value or another name', async () => {
    const ctx = testContext()

    for (const query of ['q=_callerOrgId', '_callerOrgIds=1', 'callerOrgId=1', 'q=%20']) {
      expect((await ctx.call('GET', `/healthz?${query}`)).status).toBe(200)
    }
  })
})

describe('the security headers', () => {
  it('should leave out the CSP under /swagger only', async () => {
    const ctx = testContext()

    const docs = await ctx.call('GET', '/swagger/json')
    const api = await ctx.call('GET', '/healthz?from=/swagger')

    expect(docs.headers.get('content-security-policy')).toBeNull()
    expect(docs.headers.get('x-frame-options')).toBe('DENY')
    expect(api.headers.get('content-security-policy')).toContain("default-src 'self'")
    expect(api.headers.get('x-request-id')).toMatch(ID)
  })
})
