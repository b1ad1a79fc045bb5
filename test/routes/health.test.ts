// Probes, request ids, security headers and the OpenAPI document, through app.handle on a temp-file database.
import { Database } from 'bun:sqlite'
import { describe, expect, it } from 'bun:test'
import { createApp } from '../../src/app'
import { loadConfig } from '../../src/config'
import { createDeps } from '../../src/deps'
import { createLogger } from '../../src/logger'
import { tempDbPath } from '../support/temp-db'

function testApp() {
  const config = loadConfig({ DATABASE_PATH: tempDbPath(), LOG_LEVEL: 'silent' })
  const deps = createDeps(config, { logger: createLogger('silent') })
  const app = createApp(deps)
  const get = (path: string, headers: Record<string, string> = {}) => app.handle(new Request(`http://localhost${path}`, { headers }))
  return { deps, get }
}

describe('a freshly migrated server', () => {
  it('should answer /healthz 200', async () => {
    const { get } = testApp()

    const response = await get('/healthz')

    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ok' })
  })

  it('should answer /readyz 200 with migrations current and the database writable', async () => {
    const { get } = testApp()

    const response = await get('/readyz')

    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ status: 'ready', migrations: true, writable: true })
  })
})

describe('when the database cannot take a write lock', () => {
  it('should answer /readyz 503 while /healthz stays 200', async () => {
    const { deps, get } = testApp()
    const rival = new Database(deps.config.databasePath)
    rival.exec('PRAGMA busy_timeout = 0')
    deps.db.$client.exec('PRAGMA busy_timeout = 0')
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

describe('the X-Request-Id header', () => {
  it('should echo a safe incoming id', async () => {
    const { get } = testApp()

    const response = await get('/healthz', { 'x-request-id': 'lb-7f3a.01:retry_2' })

    expect(response.headers.get('x-request-id')).toBe('lb-7f3a.01:retry_2')
  })

  it('should replace an unsafe incoming id with a generated one', async () => {
    const { get } = testApp()

    const response = await get('/healthz', { 'x-request-id': 'evil id <script>' })

    expect(response.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/)
  })

  it('should generate a fresh id per request when none is sent', async () => {
    const { get } = testApp()

    const first = (await get('/healthz')).headers.get('x-request-id')
    const second = (await get('/healthz')).headers.get('x-request-id')

    expect(first).toMatch(/^req_[0-9a-f]{32}$/)
    expect(second).toMatch(/^req_[0-9a-f]{32}$/)
    expect(first).not.toBe(second)
  })
})

describe('every response', () => {
  it('should carry the security headers, errors included', async () => {
    const { get } = testApp()

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
    const { get } = testApp()

    const response = await get('/swagger/json')

    expect(response.status).toBe(200)
    const document = (await response.json()) as { openapi: string; paths: Record<string, Record<string, unknown>> }
    expect(document.openapi).toStartWith('3.')
    expect(document.paths['/healthz']).toHaveProperty('get')
    expect(document.paths['/readyz']).toHaveProperty('get')
  })

  it('should serve the UI without the strict CSP that would block it', async () => {
    const { get } = testApp()

    const response = await get('/swagger')

    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toContain('text/html')
    expect(response.headers.get('content-security-policy')).toBeNull()
    expect(response.headers.get('x-content-type-options')).toBe('nosniff')
  })

  it('should load the UI only from this server, which serves its script as JavaScript (a LAN without internet)', async () => {
    const { get } = testApp()

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
