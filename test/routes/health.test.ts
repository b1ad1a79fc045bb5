// Probes, request ids, security headers and the OpenAPI document, through app.handle, on both databases.
import { Database } from 'bun:sqlite'
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { BACKENDS, contextOn, testContext } from '../support/context'

type Ctx = Awaited<ReturnType<typeof contextOn>>

const getter =
  (ctx: Pick<Ctx, 'app'>) =>
  (path: string, headers: Record<string, string> = {}) =>
    ctx.app.handle(new Request(`http://localhost${path}`, { headers }))

// What /readyz adds on PostgreSQL: its log tail's lag (fresh within the coherence bound) and whether this process
// delivers the webhooks (it does once its lifecycle has started and won the lease).
const scaleOut = (backend: string, webhookLeader: boolean) =>
  backend === 'postgres' ? { tail: { lagMs: expect.any(Number), fresh: true }, webhookLeader } : {}

for (const backend of BACKENDS) {
  describe(`the operational routes (${backend})`, () => {
    let ctx: Ctx
    beforeAll(async () => {
      ctx = await contextOn(backend)
    })
    afterAll(() => ctx.close())
    const get = (path: string, headers: Record<string, string> = {}) => getter(ctx)(path, headers)

    describe('a freshly migrated server', () => {
      it('should answer /healthz 200', async () => {
        const response = await get('/healthz')

        expect(response.status).toBe(200)
        expect(await response.json()).toEqual({ status: 'ok' })
      })

      it('should answer /readyz 200 with migrations current and the database writable', async () => {
        const response = await get('/readyz')

        expect(response.status).toBe(200)
        expect(await response.json()).toEqual({ status: 'ready', migrations: true, writable: true, ...scaleOut(backend, false) })
      })
    })

    describe('the X-Request-Id header', () => {
      it('should echo a safe incoming id', async () => {
        const response = await get('/healthz', { 'x-request-id': 'lb-7f3a.01:retry_2' })

        expect(response.headers.get('x-request-id')).toBe('lb-7f3a.01:retry_2')
      })

      it('should replace an unsafe incoming id with a generated one', async () => {
        const response = await get('/healthz', { 'x-request-id': 'evil id <script>' })

        expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/)
      })

      it('should generate a fresh id per request when none is sent', async () => {
        const first = (await get('/healthz')).headers.get('x-request-id')
        const second = (await get('/healthz')).headers.get('x-request-id')

        expect(first).toMatch(/^req_[0-9a-f]{32}$/)
        expect(second).toMatch(/^req_[0-9a-f]{32}$/)
        expect(first).not.toBe(second)
      })
    })

    describe('every response', () => {
      it('should carry the security headers, errors included', async () => {
        for (const path of ['/healthz', '/no/such/thing']) {
          const response = await get(path)
          expect(response.headers.get('x-content-type-options')).toBe('nosniff')
          expect(response.headers.get('referrer-policy')).toBe('no-referrer')
          expect(response.headers.get('x-frame-options')).toBe('DENY')
          expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'")
          expect(response.headers.get('content-security-policy')).toContain("default-src 'self'")
        }
      })
    })

    describe('the OpenAPI document', () => {
      it('should list the operational routes', async () => {
        const response = await get('/swagger/json')

        expect(response.status).toBe(200)
        const document = (await response.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> }
        expect(document.openapi).toStartWith('3.')
        expect(document.paths['/healthz']).toHaveProperty('get')
        expect(document.paths['/readyz']).toHaveProperty('get')
      })

      it('should serve the UI without the strict CSP that would block it', async () => {
        const response = await get('/swagger')

        expect(response.status).toBe(200)
        expect(response.headers.get('content-type')).toContain('text/html')
        expect(response.headers.get('content-security-policy')).toBeNull()
        expect(response.headers.get('x-content-type-options')).toBe('nosniff')
      })

      it('should load the UI only from this server, which serves its script as JavaScript (a LAN without internet)', async () => {
        const html = await (await get('/swagger')).text()

        const scripts = [...html.matchAll(/<script\b[^>]*\bsrc="([^"]*)"/g)].map((match) => match[1] ?? '')
        expect(scripts.length).toBeGreaterThan(0)
        expect(html).not.toMatch(/(src|href)="(https?:)?\/\//)
        for (const src of scripts) {
          expect(src).toMatch(/^\/[^/]/)
          const script = await get(src)
          expect(script.status).toBe(200)
          expect(script.headers.get('content-type')).toContain('text/javascript')
          expect((await script.text()).length).toBeGreaterThan(100_000)
        }
      })
    })
  })
}

describe('on PostgreSQL, when this process holds the webhook lease', () => {
  it('should say so in /readyz until its background work stops', async () => {
    const ctx = await contextOn('postgres')
    const get = getter(ctx)
    try {
      await ctx.deps.lifecycle.start()
      const leading = await get('/readyz')
      await ctx.deps.lifecycle.stopBackground()
      const stepped = await get('/readyz')

      expect(leading.status).toBe(200)
      expect(await leading.json()).toEqual({ status: 'ready', migrations: true, writable: true, ...scaleOut('postgres', true) })
      expect(await stepped.json()).toEqual({ status: 'ready', migrations: true, writable: true, ...scaleOut('postgres', false) })
    } finally {
      await ctx.close()
    }
  })
})

describe('on PostgreSQL, when the database is out of reach', () => {
  it('should answer /readyz 503 while /healthz stays 200', async () => {
    const ctx = await contextOn('postgres')
    const get = getter(ctx)
    await ctx.close()

    const ready = await get('/readyz')
    const healthy = await get('/healthz')

    expect(ready.status).toBe(503)
    expect(await ready.json()).toMatchObject({ status: 'not-ready', migrations: false, writable: false, webhookLeader: false })
    expect(healthy.status).toBe(200)
  })
})

// SQLite only: a second connection to the same file holding the write lock is how a busy SQLite database looks;
// PostgreSQL has no single write lock (its case above is an unreachable server).
describe('on SQLite, when the database cannot take a write lock', () => {
  it('should answer /readyz 503 while /healthz stays 200', async () => {
    const ctx = testContext()
    const get = getter(ctx)
    const rival = new Database(ctx.deps.config.databasePath)
    rival.exec('PRAGMA busy_timeout = 0')
    ctx.deps.db.$client.exec('PRAGMA busy_timeout = 0')
    rival.exec('BEGIN IMMEDIATE')

    const ready = await get('/readyz')
    const healthy = await get('/healthz')
    rival.exec('ROLLBACK')
    rival.close()

    expect(ready.status).toBe(503)
    expect(await ready.json()).toEqual({ status: 'not-ready', migrations: true, writable: false })
    expect(healthy.status).toBe(200)
  })
})
