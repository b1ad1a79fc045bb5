// The start page and the header every page shares, over HTTP (app.handle, cookie session): what a visitor and a
// signed-in person see, and that every link a page shows them leads somewhere (no 404 for that viewer); on both
// databases.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { addOrgMember } from '../../../src/auth/tenants'
import { BACKENDS, contextOn } from '../../support/context'
import { freshLockId } from '../../support/locks'

const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'

type Ctx = Awaited<ReturnType<typeof contextOn>>

// An organisation, a lock owner with two locks, a staff member and a guest, new on the context.
async function world(ctx: Ctx) {
  const acme = await ctx.org({ name: '<i>Acme</i> & Co' })
  const [owner, staff, guest] = [await ctx.user(), await ctx.user(), await ctx.user()]
  await addOrgMember(ctx.deps, acme.orgId, staff.userId)
  for (const index of [1, 2]) {
    const body = { index, uuid: crypto.randomUUID(), ownerId: owner.userId }
    expect((await ctx.call('POST', `/locks/${freshLockId()}/CreateLock`, { apiKey: acme.apiKey, body })).status).toBe(201)
  }
  async function page(path: string, userId?: string) {
    const headers: Record<string, string> = { accept: BROWSER }
    const browser = userId ? await ctx.browser(userId) : null
    if (browser) headers.cookie = browser.cookie
    const res = await ctx.app.handle(new Request(`http://localhost${path}`, { headers }))
    return { status: res.status, headers: res.headers, text: await res.text(), csrf: browser?.csrf }
  }
  return { ctx, acme, owner, staff, guest, page }
}

// The site's own links on a page: href="/..." (not the stylesheet or scripts under /public, which the static test covers).
const linksOf = (html: string) => [
  ...new Set([...html.matchAll(/<a [^>]*href="(\/[^"]*)"/g)].map((m) => (m[1] ?? '').replaceAll('&amp;', '&'))),
]

// Follows every link from `start` for this viewer, breadth first, up to `max` pages: none may be a 404.
async function crawl(
  page: (path: string, userId?: string) => Promise<{ status: number; text: string }>,
  start: string,
  userId?: string,
  max = 40,
) {
  const seen = new Map<string, number>()
  const queue = [start]
  while (queue.length > 0 && seen.size < max) {
    const path = queue.shift() ?? start
    if (seen.has(path)) continue
    const res = await page(path, userId)
    seen.set(path, res.status)
    if (res.status === 200) queue.push(...linksOf(res.text).filter((link) => !seen.has(link)))
  }
  return seen
}

for (const backend of BACKENDS) {
  describe(`the start page and the header (${backend})`, () => {
    let ctx: Ctx
    beforeAll(async () => {
      ctx = await contextOn(backend)
    })
    afterAll(() => ctx.close())

    describe('GET /', () => {
      it('should tell a visitor what spkey is and offer to sign in', async () => {
        const w = await world(ctx)
        const res = await w.page('/')
        expect(res.status).toBe(200)
        expect(res.headers.get('content-type')).toContain('text/html')
        expect(res.text).toContain('spkey opens smart locks')
        expect(linksOf(res.text)).toEqual(['/', '/login'])
        expect(res.text).toContain('<a href="/" class="brand" aria-current="page">')
        expect(res.text).not.toContain('action="/logout"')
      })

      it('should show an owner their locks with a count and their keys, and staff their organisations', async () => {
        const w = await world(ctx)
        const owner = await w.page('/', w.owner.userId)
        expect(owner.status).toBe(200)
        expect(owner.text).toMatch(/<a href="\/locks">My locks <span class="count">\(2\)<\/span><\/a>/)
        expect(linksOf(owner.text)).toEqual(['/', '/locks', '/me/keys'])
        expect(owner.text).toContain(`name="_csrf" value="${owner.csrf}"`)
        expect(owner.text).toContain(w.owner.email)
        expect(owner.text).toContain('<a href="/" aria-current="page">Start</a>')
        expect(owner.text).toContain('<a href="/" class="brand">')

        const staff = await w.page('/', w.staff.userId)
        expect(staff.text).toContain('(0)')
        expect(linksOf(staff.text)).toEqual(['/', '/locks', '/me/keys', `/orgs/${w.acme.orgId}/keys`, `/orgs/${w.acme.orgId}/webhooks`])
        expect(staff.text).toContain('&lt;i&gt;Acme&lt;/i&gt; &amp; Co')
        expect(staff.text).not.toContain('<i>Acme</i>')
      })

      it('should lead a site administrator to the console from the dashboard and the header, and no one else', async () => {
        const w = await world(ctx)
        await w.ctx.deps.data.addSiteAdmin(w.owner.userId, w.ctx.clock.now())
        const admin = await w.page('/', w.owner.userId)
        expect(admin.text).toContain('<h2>Administration</h2>')
        expect(linksOf(admin.text)).toEqual(['/', '/locks', '/me/keys', '/admin/orgs', '/admin/users', '/admin/locks', '/admin/webhooks'])
        expect(admin.text).toContain('<a href="/admin/orgs">Admin</a>')
        const staff = await w.page('/', w.staff.userId)
        expect(staff.text).not.toContain('Administration')
        expect(staff.text).not.toContain('/admin/')
      })
    })

    describe('the header', () => {
      it('should mark the page the reader is on', async () => {
        const w = await world(ctx)
        const mine = (await w.page('/me/keys', w.owner.userId)).text
        expect(mine).toContain('<a href="/me/keys" aria-current="page">My keys</a>')
        expect(mine).toContain('<a href="/locks">My locks</a>')
        expect((await w.page('/locks', w.owner.userId)).text).toContain('<a href="/locks" aria-current="page">My locks</a>')
        expect((await w.page('/login')).text).toContain('<a href="/login" aria-current="page">Sign in</a>')
      })

      it('should keep the way back to the start page on an error page, which now answers', async () => {
        const w = await world(ctx)
        const missing = await w.page('/no-such-page')
        expect(missing.status).toBe(404)
        expect(missing.text).toContain('Back to the start page')
        expect(linksOf(missing.text)).toEqual(['/'])
        expect((await w.page('/')).status).toBe(200)
      })
    })

    describe('links', () => {
      it('should lead nowhere that answers 404, for a visitor, an owner, staff and a site administrator', async () => {
        const w = await world(ctx)
        const admin = await w.ctx.user()
        await w.ctx.deps.data.addSiteAdmin(admin.userId, w.ctx.clock.now())
        for (const viewer of [undefined, w.owner.userId, w.staff.userId, w.guest.userId, admin.userId]) {
          const seen = await crawl(w.page, '/', viewer)
          const broken = [...seen].filter(([, status]) => status === 404)
          expect(broken).toEqual([])
          expect(seen.size).toBeGreaterThan(1)
        }
      })
    })

    describe('the header’s Admin entry', () => {
      it('should be on every page a site administrator reaches, and on none for anyone else', async () => {
        const w = await world(ctx)
        await w.ctx.deps.data.addSiteAdmin(w.owner.userId, w.ctx.clock.now())
        await addOrgMember(w.ctx.deps, w.acme.orgId, w.owner.userId)
        const ADMIN_ENTRY = '<a href="/admin/orgs">Admin</a>'
        const seen = await crawl(w.page, '/', w.owner.userId, 60)
        const pages = [...seen].filter(([path, status]) => status === 200 && !path.startsWith('/temp-keys/'))
        const paths = pages.map(([path]) => path)
        for (const expected of ['/locks', '/me/keys', `/orgs/${w.acme.orgId}/keys`]) expect(paths).toContain(expected)
        for (const [path] of pages) {
          const text = (await w.page(path, w.owner.userId)).text
          if (!text.includes('class="top"')) continue
          expect({ path, admin: text.includes(ADMIN_ENTRY) || text.includes('aria-current="page">Admin</a>') }).toEqual({
            path,
            admin: true,
          })
        }
        for (const path of ['/', '/locks', '/me/keys']) expect((await w.page(path, w.staff.userId)).text).not.toContain('>Admin</a>')
      })
    })
  })
}
