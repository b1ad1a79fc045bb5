// The hot reads Bun's router tries before the app: a read-cache hit is answered exactly as the Elysia route would
// answer it, and everything the hot path cannot answer the same way goes on to the app.
import { afterEach, describe, expect, test } from 'bun:test'
import { replyRecorder } from '../../src/request-context'
import { type HotRoutes, hotReads } from '../../src/routes/hot-reads'
import { testContext } from '../support/context'
import { createTestLock, createTestTempKey } from '../support/locks'
import { onceOf } from '../support/pages'

type Ctx = ReturnType<typeof testContext>
// What legitimately differs between two replies: the request id, the date and the per-view once token.
const comparable = (headers: Headers) => Object.entries(headers.toJSON()).filter(([name]) => name !== 'x-request-id' && name !== 'date')

// The hot routes with a fallback that records what reached it instead of the app.
function hotWithProbe(ctx: Ctx) {
  const reachedApp: string[] = []
  const app = {
    fetch: (request: Request) => {
      reachedApp.push(new URL(request.url).pathname)
      return ctx.app.handle(request)
    },
  }
  const routes: HotRoutes = hotReads(ctx.deps, replyRecorder(ctx.deps.metrics, ctx.deps.logger), () => app)
  const get = (route: string, path: string, params: Record<string, string>, headers: Record<string, string> = {}) => {
    const request = Object.assign(new Request(`http://localhost${path}`, { headers }), { params })
    const handler = routes[route]?.GET
    if (!handler) throw new Error(`no hot route ${route}`)
    return Promise.resolve(handler(request))
  }
  return { reachedApp, get }
}

async function inventory(ctx: Ctx) {
  const { orgId, apiKey } = await ctx.org()
  const { userId, token } = await ctx.user()
  await ctx.call('POST', `/users/${userId}/AddPhysicalKey`, { apiKey, body: { orgId, note: 'front door' } })
  return { orgId, apiKey, userId, token, path: `/users/${userId}/PhysicalKeys` }
}

describe('GET /users/{id}/PhysicalKeys before the app', () => {
  test('a cached inventory is answered here, byte for byte and header for header as the route answers it', async () => {
    const ctx = testContext()
    const { apiKey, userId, path } = await inventory(ctx)
    const { reachedApp, get } = hotWithProbe(ctx)
    const fromRoute = await ctx.call('GET', path, { apiKey })

    const hot = await get('/users/:id/PhysicalKeys', path, { id: userId }, { 'x-api-key': apiKey })

    expect(reachedApp).toEqual([])
    expect(hot.status).toBe(200)
    expect(await hot.text()).toBe(fromRoute.text)
    expect(comparable(hot.headers)).toEqual(comparable(fromRoute.headers))
    expect(hot.headers.get('x-request-id')).toMatch(/^req_[0-9a-f]{32}$/)
    const metrics = (await ctx.call('GET', '/metrics')).text
    expect(metrics).toContain('spkey_http_requests_total{method="GET",route="/users/:id/PhysicalKeys",status="200"} 2\n')
    expect(ctx.logLines.filter((line) => line.includes('"route":"/users/:id/PhysicalKeys"')).at(-1)).toContain('"principal":"org"')
  })

  test('a miss, a query, a token, an internal header, a body, an encoded param or an unknown key go on to the app', async () => {
    const ctx = testContext()
    const { apiKey, userId, token, path } = await inventory(ctx)
    const { reachedApp, get } = hotWithProbe(ctx)
    const params = { id: userId }

    const miss = await get('/users/:id/PhysicalKeys', path, params, { 'x-api-key': apiKey })
    await get('/users/:id/PhysicalKeys', `${path}?q=front`, params, { 'x-api-key': apiKey })
    await get('/users/:id/PhysicalKeys', path, params, { 'x-api-key': apiKey, authorization: `Bearer ${token}` })
    const spoofed = await get('/users/:id/PhysicalKeys', path, params, { 'x-api-key': apiKey, 'x-org-id': 'other' })
    await get('/users/:id/PhysicalKeys', path, params, { 'x-api-key': apiKey, 'content-length': '0' })
    await get('/users/:id/PhysicalKeys', path.replace('PhysicalKeys', 'Physical%4Beys'), params, { 'x-api-key': apiKey })
    const unknown = await get('/users/:id/PhysicalKeys', path, params, { 'x-api-key': 'not-a-key' })

    expect(miss.status).toBe(200)
    expect(reachedApp).toHaveLength(7)
    expect(spoofed.status).toBe(400)
    expect(unknown.status).toBe(401)
    expect((await get('/users/:id/PhysicalKeys', path, params, { 'x-api-key': apiKey })).status).toBe(200)
    expect(reachedApp).toHaveLength(7)
  })

  test('another org is never answered from a body cached for the first', async () => {
    const ctx = testContext()
    const { apiKey, userId, path } = await inventory(ctx)
    const other = await ctx.org()
    const { reachedApp, get } = hotWithProbe(ctx)
    await ctx.call('GET', path, { apiKey })

    const seen = await get('/users/:id/PhysicalKeys', path, { id: userId }, { 'x-api-key': other.apiKey })

    expect(reachedApp).toEqual([path])
    expect(await seen.json()).toEqual({ keys: [], total: 0, nextCursor: null })
  })
})

describe('the guest page before the app', () => {
  const page = async (ctx: Ctx) => {
    const lock = await createTestLock(ctx)
    const uuid = await createTestTempKey(ctx, lock)
    return { lock, uuid, path: `/temp-keys/${uuid}` }
  }

  test('a cached page is answered here with this browser’s CSRF token and a fresh once token', async () => {
    const ctx = testContext()
    const { uuid, path } = await page(ctx)
    const { reachedApp, get } = hotWithProbe(ctx)
    const browser = await ctx.browser(null)
    const headers = { accept: 'text/html', cookie: browser.cookie }
    const fromRoute = await ctx.call('GET', path, { headers })

    const hot = await get('/temp-keys/:uuid', path, { uuid }, headers)
    const html = await hot.text()

    expect(reachedApp).toEqual([])
    expect(html).toContain(`name="_csrf" value="${browser.csrf}"`)
    expect(onceOf(html)).toMatch(/^[A-Za-z0-9_-]{20,}$/)
    expect(onceOf(html)).not.toBe(onceOf(fromRoute.text))
    expect(html.replace(onceOf(html), '')).toBe(fromRoute.text.replace(onceOf(fromRoute.text), ''))
    expect(comparable(hot.headers)).toEqual(comparable(fromRoute.headers))
  })

  test('each guest gets the page in their own language, from the app and from here alike', async () => {
    const ctx = testContext()
    const { uuid, path } = await page(ctx)
    const { reachedApp, get } = hotWithProbe(ctx)
    const { cookie } = await ctx.browser(null)
    const greekBrowser = { accept: 'text/html', 'accept-language': 'el-GR,el;q=0.9', cookie }
    const englishBrowser = { accept: 'text/html', 'accept-language': 'en-GB', cookie }
    const greekFromRoute = await ctx.call('GET', path, { headers: greekBrowser })
    const englishFromRoute = await ctx.call('GET', path, { headers: englishBrowser })

    const greek = await get('/temp-keys/:uuid', path, { uuid }, greekBrowser)
    const english = await get('/temp-keys/:uuid', path, { uuid }, englishBrowser)
    const chosen = await get('/temp-keys/:uuid', path, { uuid }, { ...greekBrowser, cookie: `${cookie}; spkey_lang=en` })

    expect(reachedApp).toEqual([])
    expect([greek.headers.get('content-language'), english.headers.get('content-language')]).toEqual(['el', 'en'])
    expect(comparable(greek.headers)).toEqual(comparable(greekFromRoute.headers))
    expect(comparable(english.headers)).toEqual(comparable(englishFromRoute.headers))
    const greekHtml = await greek.text()
    expect(greekHtml).toContain('<html lang="el">')
    expect(greekHtml).toContain('Άνοιγμα πόρτας')
    expect(await english.text()).toContain('<html lang="en">')
    expect(await chosen.text()).toContain('<html lang="en">')
  })

  test('a browser without a CSRF cookie is given one, and the page carries it', async () => {
    const ctx = testContext()
    const { uuid, path } = await page(ctx)
    const { reachedApp, get } = hotWithProbe(ctx)
    await ctx.call('GET', path, { headers: { accept: 'text/html' } })

    const hot = await get('/temp-keys/:uuid', path, { uuid }, { accept: 'text/html' })

    expect(reachedApp).toEqual([])
    const minted = /^spkey_csrf=([^;]+); Path=\/; HttpOnly; SameSite=Lax; Max-Age=2592000$/.exec(hot.headers.get('set-cookie') ?? '')?.[1]
    expect(minted).toBeDefined()
    expect(await hot.text()).toContain(`name="_csrf" value="${minted}"`)
  })

  test('a CSRF cookie spkey could not have minted (planted markup) is replaced, never written into the page', async () => {
    const ctx = testContext()
    const { uuid, path } = await page(ctx)
    const { get } = hotWithProbe(ctx)
    const planted = { accept: 'text/html', cookie: 'spkey_csrf="><form action=//evil.example><input name=x' }

    const fromRoute = await ctx.call('GET', path, { headers: planted })
    const hot = await get('/temp-keys/:uuid', path, { uuid }, planted)

    for (const reply of [
      { headers: fromRoute.headers, html: fromRoute.text },
      { headers: hot.headers, html: await hot.text() },
    ]) {
      const minted = /^spkey_csrf=([A-Za-z0-9_-]{32}\.[A-Za-z0-9_-]{43});/.exec(reply.headers.get('set-cookie') ?? '')?.[1]
      expect(minted).toBeDefined()
      expect(reply.html).toContain(`name="_csrf" value="${minted}"`)
      expect(reply.html).not.toContain('evil.example')
    }
  })

  test('a signed-in viewer, the flash after an open, an unknown key and a changed key go on to the app', async () => {
    const ctx = testContext()
    const { uuid, path, lock } = await page(ctx)
    const { token } = await ctx.user()
    const { reachedApp, get } = hotWithProbe(ctx)
    await ctx.call('GET', path, { headers: { accept: 'text/html' } })

    await get('/temp-keys/:uuid', path, { uuid }, { cookie: `spkey_session=${token}` })
    await get('/temp-keys/:uuid', `${path}?opened=1`, { uuid })
    const unknownUuid = crypto.randomUUID()
    const unknown = await get('/temp-keys/:uuid', `/temp-keys/${unknownUuid}`, { uuid: unknownUuid })
    expect(reachedApp).toHaveLength(3)
    expect(unknown.status).toBe(404)

    await ctx.call('POST', `/temp-keys/${uuid}/open`, { headers: { accept: 'application/json' } })
    const afterUse = await get('/temp-keys/:uuid', path, { uuid })
    expect(reachedApp).toHaveLength(4)
    expect(afterUse.status).toBe(200)
    expect(await afterUse.text()).toContain(`Lock ${lock.lockId}`)
  })
})

describe('hot reads through a listening server', () => {
  let stop = () => {}
  afterEach(() => stop())

  test('Bun’s router serves them, and a write shows on the very next read', async () => {
    const ctx = testContext()
    const { orgId, apiKey, path } = await inventory(ctx)
    ctx.app.listen({ port: 0, hostname: '127.0.0.1' })
    stop = () => void ctx.app.stop(true)
    const base = `http://127.0.0.1:${ctx.app.server?.port}`
    const read = async () => (await (await fetch(base + path, { headers: { 'x-api-key': apiKey } })).json()) as { total: number }

    expect((await read()).total).toBe(1)
    const hits = ctx.deps.readCache.hits
    expect((await read()).total).toBe(1)
    expect(ctx.deps.readCache.hits).toBeGreaterThan(hits)

    const added = await fetch(`${base}/users/${path.split('/')[2]}/AddPhysicalKey`, {
      method: 'POST',
      headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ orgId, note: 'back door' }),
    })
    expect(added.status).toBe(200)
    expect((await read()).total).toBe(2)
    const head = await fetch(base + path, { method: 'HEAD', headers: { 'x-api-key': apiKey } })
    expect(head.status).toBe(200)
  })
})
