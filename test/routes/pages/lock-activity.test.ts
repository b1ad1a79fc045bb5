// The owner's activity log on /locks/{id}: who opened when and with which key, refused attempts and why, escaped,
// newest first, 50 a page with an opaque cursor, and only for the lock's owner; on both databases.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'bun:test'
import { lockAggregate } from '../../../src/domain/lock/decide'
import { BACKENDS, contextOn, manualClock } from '../../support/context'
import { fakeDriver } from '../../support/fake-driver'
import { createTestLock, createTestTempKey } from '../../support/locks'
import { onceOf } from '../../support/pages'

const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'
const XSS = '<img src=x onerror=alert(1)>'
const HOUR = 3_600_000
// The tests' times count from here.
const NOW = Date.parse('2026-06-01T10:00:00.000Z')

type Ctx = Awaited<ReturnType<typeof contextOn>>
type Driver = ReturnType<typeof fakeDriver>

// An owner's lock with a key holder, and a stranger, new on the context.
async function world(ctx: Ctx, driver: Driver) {
  const [owner, holder, stranger] = [await ctx.user(), await ctx.user(), await ctx.user()]
  const lock = await createTestLock(ctx, { ownerId: owner.userId, name: 'Front door', keyHolderIds: [holder.userId] })

  async function request(method: string, path: string, userId: string | null, body?: Record<string, string>, htmx = false) {
    const browser = await ctx.browser(userId)
    const headers: Record<string, string> = { accept: BROWSER, cookie: browser.cookie }
    if (htmx) headers['hx-request'] = 'true'
    if (body) headers['content-type'] = 'application/x-www-form-urlencoded'
    const form = body && new URLSearchParams({ _csrf: browser.csrf, ...body }).toString()
    const res = await ctx.app.handle(new Request(`http://localhost${path}`, { method, headers, body: form }))
    return { status: res.status, headers: res.headers, text: await res.text() }
  }
  const lockPage = (userId: string | null, query = '') => request('GET', `/locks/${lock.lockId}${query}`, userId)
  // The activity log's entries, newest first, as text without tags.
  const entries = (html: string) =>
    [...html.matchAll(/<li class="activity-item ([a-z-]+)">(.*?)<\/li>/g)].map(([, kind, body]) => ({
      kind,
      text: (body ?? '')
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    }))
  // An organisation's opens recorded straight through the command handler: quick history for the paging tests.
  async function recordOpens(count: number, label = 'test') {
    for (let i = 0; i < count; i++) {
      const command = {
        type: 'RecordLockOpen' as const,
        data: { requestId: null, reason: `${label} ${i}` },
        metadata: { now: ctx.clock.now() },
      }
      await ctx.deps.commands.handle(lockAggregate, lock.streamId, command, { principal: 'org:acme' })
    }
  }
  return { ctx, driver, owner, holder, stranger, lock, request, lockPage, entries, recordOpens }
}

for (const backend of BACKENDS) {
  describe(`the lock's activity (${backend})`, () => {
    const driver = fakeDriver()
    const clock = manualClock(NOW)
    let ctx: Ctx
    beforeAll(async () => {
      ctx = await contextOn(backend, {}, clock, { drivers: driver.registry })
    })
    afterAll(() => ctx.close())
    beforeEach(() => {
      clock.set(NOW)
      driver.state.mode = 'ok'
      driver.state.calls.length = 0
    })

    describe('the activity log on /locks/{id}', () => {
      it("should put the owner's open from the page at the top, saying who and how, in local time", async () => {
        const w = await world(ctx, driver)
        const open = await w.request('POST', `/locks/${w.lock.lockId}/open`, w.owner.userId, {})
        expect(open.status).toBe(303)
        const res = await w.lockPage(w.owner.userId)
        expect(res.status).toBe(200)
        expect(res.text).toContain('<title>Front door · spkey</title>')
        expect(w.entries(res.text)[0]).toEqual({
          kind: 'opened',
          text: `2026-06-01 10:00 UTC Door opened by ${w.owner.email} · as the owner`,
        })
        expect(res.text).toContain('<time datetime="2026-06-01T10:00:00.000Z" data-local="">')
        expect(res.text).toContain('<script src="/public/temp-keys.js" defer>')
      })

      it("should send the owner's htmx open the log again out of band, with the open on top, and a key holder none", async () => {
        const w = await world(ctx, driver)
        const res = await w.request('POST', `/locks/${w.lock.lockId}/open`, w.owner.userId, {}, true)
        expect(res.text).toStartWith('<div id="open-result"')
        expect(res.text).toContain('<section class="card" id="activity" aria-labelledby="activity-title" hx-swap-oob="true">')
        expect(w.entries(res.text)[0]?.kind).toBe('opened')
        const holder = await w.request('POST', `/locks/${w.lock.lockId}/open`, w.holder.userId, {}, true)
        expect(holder.text).toContain('The door is open.')
        expect(holder.text).not.toContain('activity')
      })

      it("should name a key holder's own key and a guest's temp key, once per open", async () => {
        const w = await world(ctx, driver)
        const uuid = await createTestTempKey(w.ctx, w.lock, { description: 'Cleaner' })
        await w.request('POST', `/locks/${w.lock.lockId}/open`, w.holder.userId, {})
        const guest = await w.request('GET', `/temp-keys/${uuid}`, null)
        const opened = await w.request('POST', `/temp-keys/${uuid}/open`, null, { _once: onceOf(guest.text) })
        expect(opened.status).toBe(303)
        const [first, second] = w.entries((await w.lockPage(w.owner.userId)).text)
        expect(first).toEqual({ kind: 'opened', text: '2026-06-01 10:00 UTC Door opened by a guest (not signed in) · temp key “Cleaner”' })
        expect(second).toEqual({ kind: 'opened', text: `2026-06-01 10:00 UTC Door opened by ${w.holder.email} · with their key #1` })
        // The guest's TempKeyUsed is part of its open, not a line of its own.
        expect(w.entries((await w.lockPage(w.owner.userId)).text).filter((e) => e.kind === 'key-used')).toEqual([])
      })

      it('should show a refused attempt with its reason, the escaped description and who tried', async () => {
        const w = await world(ctx, driver)
        const now = w.ctx.clock.now()
        const validUntil = new Date(now - HOUR).toISOString()
        const uuid = await createTestTempKey(w.ctx, w.lock, {
          description: XSS,
          validFrom: new Date(now - 2 * HOUR).toISOString(),
          validUntil,
        })
        const refused = await w.request('POST', `/temp-keys/${uuid}/open`, w.stranger.userId, {})
        expect(refused.status).toBe(400)
        expect(w.driver.state.calls).toEqual([])
        const res = await w.lockPage(w.owner.userId)
        expect(w.entries(res.text)[0]).toEqual({
          kind: 'refused',
          text: `2026-06-01 10:00 UTC Refused: the key had expired ${w.stranger.email} · temp key “&lt;img src=x onerror=alert(1)&gt;”`,
        })
        expect(res.text).not.toContain(XSS)
      })

      it('should page 50 events at a time, newest first, with an Older link only while older events exist', async () => {
        const w = await world(ctx, driver)
        await w.recordOpens(49, 'early')
        const full = await w.lockPage(w.owner.userId)
        expect(w.entries(full.text)).toHaveLength(50)
        expect(full.text).not.toContain('>Older</a>')
        await w.recordOpens(1, 'late')
        const first = await w.lockPage(w.owner.userId)
        const lines = w.entries(first.text)
        expect(lines).toHaveLength(50)
        expect(lines[0]?.text).toBe('2026-06-01 10:00 UTC Door opened by organisation acme · reason: late 0')
        expect(lines[1]?.text).toContain('reason: early 48')
        expect(lines[49]?.text).toContain('reason: early 0')
        expect(first.text).not.toContain('Lock registered')
        const older = /<a href="(\/locks\/\d+\?before=[A-Za-z0-9_-]+)" rel="next">Older<\/a>/.exec(first.text)?.[1]
        expect(older).toBeDefined()
        const last = await w.request('GET', older ?? '', w.owner.userId)
        expect(w.entries(last.text).map((e) => e.kind)).toEqual(['event'])
        expect(last.text).toContain('<strong>Lock registered</strong>')
        expect(last.text).not.toContain('>Older</a>')
        expect(last.text).toContain(`<a href="/locks/${w.lock.lockId}">Newest</a>`)
      })

      it("should answer a cursor it did not give out with 400, and a page past the history's start as empty", async () => {
        const w = await world(ctx, driver)
        expect((await w.lockPage(w.owner.userId, '?before=bm90LWEtY3Vyc29y')).status).toBe(400)
        expect((await w.lockPage(w.owner.userId, '?before=WzFd')).status).toBe(400)
        const res = await w.lockPage(w.owner.userId, '?before=WzJd')
        expect(w.entries(res.text).map((e) => e.kind)).toEqual(['event'])
      })

      it('should show the log to the owner only: a key holder gets the page without it, a stranger 404, a visitor sign-in', async () => {
        const w = await world(ctx, driver)
        await w.recordOpens(1)
        const holder = await w.lockPage(w.holder.userId)
        expect(holder.status).toBe(200)
        expect(holder.text).not.toContain('activity-item')
        expect(holder.text).not.toContain('Residents')
        expect((await w.lockPage(w.stranger.userId)).status).toBe(404)
        expect((await w.lockPage(w.stranger.userId, '?before=WzJd')).status).toBe(404)
        const visitor = await w.lockPage(null)
        expect(visitor.status).toBe(303)
        expect(visitor.headers.get('location')).toBe(`/login?next=/locks/${w.lock.lockId}`)
      })
    })
  })
}
