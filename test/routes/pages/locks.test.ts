// The owner's lock pages over HTTP (app.handle, cookie session, fake driver): the list, a lock's page for its owner, a
// key holder and anyone else, and the Open button as a plain form and with htmx; on both databases.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'bun:test'
import { lockStreamId } from '../../../src/domain/lock/events'
import { BACKENDS, contextOn } from '../../support/context'
import { fakeDriver } from '../../support/fake-driver'
import { freshLockId } from '../../support/locks'

const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'

type Ctx = Awaited<ReturnType<typeof contextOn>>

// An owner's lock with a key holder and a resident, and a stranger's lock, new on the context.
async function world(ctx: Ctx, driver: ReturnType<typeof fakeDriver>) {
  const org = await ctx.org()
  const [owner, holder, stranger] = [await ctx.user(), await ctx.user(), await ctx.user()]
  const lockId = freshLockId()
  const serialNumber = 'SN-0042'
  const name = '<script>alert("sn")</script>'
  await ctx.call('POST', `/locks/${lockId}/CreateLock`, {
    apiKey: org.apiKey,
    body: { index: 1, uuid: crypto.randomUUID(), ownerId: owner.userId, serialNumber, name },
  })
  await ctx.call('POST', `/locks/${lockId}/AddKey`, {
    apiKey: org.apiKey,
    body: { keyUuid: crypto.randomUUID(), keyIndexNumber: 1, userId: holder.userId },
  })
  await ctx.call('POST', `/locks/${lockId}/AddResident`, { apiKey: org.apiKey, body: { email: stranger.email, name: '<b>Flat 2</b>' } })
  const otherLock = freshLockId()
  await ctx.call('POST', `/locks/${otherLock}/CreateLock`, {
    apiKey: org.apiKey,
    body: { index: 2, uuid: crypto.randomUUID(), ownerId: stranger.userId },
  })
  driver.state.calls.length = 0

  // csrf: post the browser's own CSRF token as the form.
  async function page(method: string, path: string, options: { userId?: string; body?: string; csrf?: boolean; htmx?: boolean } = {}) {
    const headers: Record<string, string> = { accept: BROWSER }
    const browser = await ctx.browser(options.userId ?? null)
    if (options.userId) headers.cookie = browser.cookie
    const body = options.csrf ? `_csrf=${browser.csrf}` : options.body
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded'
    if (options.htmx) headers['hx-request'] = 'true'
    const res = await ctx.app.handle(new Request(`http://localhost${path}`, { method, headers, body }))
    return { status: res.status, headers: res.headers, text: await res.text(), csrf: browser.csrf }
  }
  const lockEvents = async () => (await ctx.streamEvents(lockStreamId(lockId))).map((e) => e.type)
  return { ctx, driver: driver.state, owner, holder, stranger, lockId, otherLock, page, lockEvents }
}

for (const backend of BACKENDS) {
  describe(`the lock pages (${backend})`, () => {
    const driver = fakeDriver()
    let ctx: Ctx
    beforeAll(async () => {
      ctx = await contextOn(backend, {}, undefined, { drivers: driver.registry })
    })
    afterAll(() => ctx.close())
    beforeEach(() => {
      driver.state.mode = 'ok'
    })

    describe('GET /locks', () => {
      it('should send a signed-out visitor to sign in, and back', async () => {
        const w = await world(ctx, driver)
        const res = await w.page('GET', '/locks')
        expect(res.status).toBe(303)
        expect(res.headers.get('location')).toBe('/login?next=/locks')
      })

      it("should list the owner's locks by name, escaped, and no one else's", async () => {
        const w = await world(ctx, driver)
        const res = await w.page('GET', '/locks', { userId: w.owner.userId })
        expect(res.status).toBe(200)
        expect(res.headers.get('content-type')).toContain('text/html')
        expect(res.text).toContain(`href="/locks/${w.lockId}"`)
        expect(res.text).toContain('&lt;script&gt;alert(&quot;sn&quot;)&lt;/script&gt;')
        expect(res.text).not.toContain('<script>alert')
        expect(res.text).not.toContain('SN-0042')
        expect(res.text).not.toContain(`/locks/${w.otherLock}"`)
        const none = await w.page('GET', '/locks', { userId: w.holder.userId })
        expect(none.text).toContain('You do not own a lock yet.')
      })
    })

    describe('GET /locks/{id}', () => {
      it('should show the owner the name, details, the Open button, keys, residents and the activity log', async () => {
        const w = await world(ctx, driver)
        const res = await w.page('GET', `/locks/${w.lockId}`, { userId: w.owner.userId })
        expect(res.status).toBe(200)
        expect(res.text).toContain(`hx-post="/locks/${w.lockId}/open"`)
        expect(res.text).toContain(`action="/locks/${w.lockId}/open"`)
        expect(res.text).toContain(`name="_csrf" value="${res.csrf}"`)
        expect(res.text).toContain(`href="/locks/${w.lockId}/temp-keys"`)
        expect(res.text).toContain('&lt;b&gt;Flat 2&lt;/b&gt;')
        expect(res.text).toContain('<strong>Resident added</strong>')
        expect(res.text).toContain('<h1>&lt;script&gt;alert(&quot;sn&quot;)&lt;/script&gt;</h1>')
        expect(res.text).toContain('<title>&lt;script&gt;alert(&quot;sn&quot;)&lt;/script&gt; · spkey</title>')
        expect(res.text).not.toContain('<b>Flat 2</b>')
        expect(res.text).not.toContain('<script>alert')
      })

      it('should show a key holder the Open button only', async () => {
        const w = await world(ctx, driver)
        const res = await w.page('GET', `/locks/${w.lockId}`, { userId: w.holder.userId })
        expect(res.status).toBe(200)
        expect(res.text).toContain('Open the door')
        expect(res.text).not.toContain('id="activity-title"')
        expect(res.text).not.toContain('Flat 2')
      })

      it("should answer someone else's lock and a missing lock with the same 404 page", async () => {
        const w = await world(ctx, driver)
        const theirs = await w.page('GET', `/locks/${w.otherLock}`, { userId: w.owner.userId })
        const missing = await w.page('GET', '/locks/999999', { userId: w.owner.userId })
        expect(theirs.status).toBe(404)
        expect(missing.status).toBe(404)
        expect(theirs.headers.get('content-type')).toContain('text/html')
        expect(theirs.text).toContain('Lock not found')
        expect(theirs.text.replace(/<code>[^<]*<\/code>/, '')).toBe(missing.text.replace(/<code>[^<]*<\/code>/, ''))
      })

      it('should send a signed-out visitor to sign in and back to the lock', async () => {
        const w = await world(ctx, driver)
        const res = await w.page('GET', `/locks/${w.lockId}`)
        expect(res.status).toBe(303)
        expect(res.headers.get('location')).toBe(`/login?next=/locks/${w.lockId}`)
      })

      it("should show the result of a plain form's open after the redirect", async () => {
        const w = await world(ctx, driver)
        const res = await w.page('GET', `/locks/${w.lockId}?open=offline`, { userId: w.owner.userId })
        expect(res.text).toContain('The lock is offline')
        expect((await w.page('GET', `/locks/${w.lockId}?open=maybe`, { userId: w.owner.userId })).status).toBe(400)
      })

      it('should show no open result when nothing was opened', async () => {
        const w = await world(ctx, driver)
        const res = await w.page('GET', `/locks/${w.lockId}`, { userId: w.owner.userId })
        expect(res.text).toContain('<div id="open-result" role="status" aria-live="polite"></div>')
        for (const text of ['The door is open.', 'The lock is offline', 'The lock did not respond']) expect(res.text).not.toContain(text)
      })
    })

    describe('POST /locks/{id}/open', () => {
      it('should open and redirect a plain form back to the lock page', async () => {
        const w = await world(ctx, driver)
        const res = await w.page('POST', `/locks/${w.lockId}/open`, { userId: w.owner.userId, csrf: true })
        expect(res.status).toBe(303)
        expect(res.headers.get('location')).toBe(`/locks/${w.lockId}?open=opened`)
        expect((await w.lockEvents()).at(-1)).toBe('LockOpenRequested')
        expect(w.driver.calls.map((c) => [c.action, c.ctx.reason, c.ctx.userId])).toEqual([['open', 'web', w.owner.userId]])
      })

      it('should answer htmx with the result fragment', async () => {
        const w = await world(ctx, driver)
        const res = await w.page('POST', `/locks/${w.lockId}/open`, { userId: w.holder.userId, csrf: true, htmx: true })
        expect(res.status).toBe(200)
        expect(res.headers.get('vary')).toContain('HX-Request')
        expect(res.text).toStartWith('<div id="open-result"')
        expect(res.text).toContain('The door is open.')
        expect(res.text).not.toContain('<html')
      })

      it('should say so when the lock is offline (recorded) or fails (nothing recorded)', async () => {
        const w = await world(ctx, driver)
        w.driver.mode = 'offline'
        const offline = await w.page('POST', `/locks/${w.lockId}/open`, { userId: w.owner.userId, csrf: true, htmx: true })
        expect(offline.text).toContain('The lock is offline')
        expect((await w.lockEvents()).at(-1)).toBe('LockOpenRequested')
        w.driver.mode = 'failure'
        const before = await w.ctx.head()
        const failed = await w.page('POST', `/locks/${w.lockId}/open`, { userId: w.owner.userId, csrf: true, htmx: true })
        expect(failed.status).toBe(200)
        expect(failed.text).toContain('The lock did not respond')
        expect(await w.ctx.head()).toBe(before)
        const plain = await w.page('POST', `/locks/${w.lockId}/open`, { userId: w.owner.userId, csrf: true })
        expect(plain.headers.get('location')).toBe(`/locks/${w.lockId}?open=failed`)
      })

      it('should refuse a missing CSRF token, strangers and signed-out visitors without driving the door', async () => {
        const w = await world(ctx, driver)
        const before = await w.ctx.head()
        expect((await w.page('POST', `/locks/${w.lockId}/open`, { userId: w.owner.userId, body: '_csrf=wrong' })).status).toBe(403)
        expect((await w.page('POST', `/locks/${w.lockId}/open`, { userId: w.owner.userId, body: '' })).status).toBe(403)
        expect((await w.page('POST', `/locks/${w.lockId}/open`, { userId: w.stranger.userId, csrf: true })).status).toBe(404)
        const browser = await w.ctx.browser(null)
        const signedOut = await w.ctx.app.handle(
          new Request(`http://localhost/locks/${w.lockId}/open`, {
            method: 'POST',
            headers: { accept: BROWSER, cookie: browser.cookie, 'content-type': 'application/x-www-form-urlencoded' },
            body: `_csrf=${browser.csrf}`,
          }),
        )
        expect(signedOut.status).toBe(303)
        expect(signedOut.headers.get('location')).toBe(`/login?next=/locks/${w.lockId}`)
        expect(w.driver.calls).toEqual([])
        expect(await w.ctx.head()).toBe(before)
      })
    })
  })
}
