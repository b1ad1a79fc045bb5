// The key desk's list of everything its organisation handed out, over HTTP (app.handle, cookie session): newest first
// across holders, never another org's keys, searched by note or e-mail, paged by a plain Next page link, staff only;
// on both databases.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { addOrgMember } from '../../../src/auth/tenants'
import { BACKENDS, contextOn } from '../../support/context'

const MINUTE = 60_000

type Ctx = Awaited<ReturnType<typeof contextOn>>
let setups = 0

// Two organisations and a staff member of the first, new on the context; `person` makes a user whose address ends in
// `name@example.test` (a number before it keeps it unique on the shared context, and no search below matches digits).
async function setup(ctx: Ctx) {
  const tag = ++setups
  const person = (name: string) => ctx.user({ email: `${tag}-${name}@example.test` })
  const acme = await ctx.org({ name: 'Acme Keys' })
  const other = await ctx.org({ name: 'Other Org' })
  const staff = await ctx.user()
  await addOrgMember(ctx.deps, acme.orgId, staff.userId)
  const desk = `/orgs/${acme.orgId}/keys`
  const page = async (path: string, options: { as?: string; htmx?: boolean } = {}) => {
    const browser = await ctx.browser(options.as ?? staff.userId)
    const headers: Record<string, string> = { accept: 'text/html', cookie: browser.cookie }
    if (options.htmx) Object.assign(headers, { 'hx-request': 'true', 'hx-target': 'keys' })
    return ctx.call('GET', path, { headers })
  }
  // Each key a minute after the last, so "newest first" has one answer.
  const hand = async (holder: { userId: string }, note: string, org = acme) => {
    ctx.clock.advance(MINUTE)
    const res = await ctx.call('POST', `/users/${holder.userId}/AddPhysicalKey`, { apiKey: org.apiKey, body: { orgId: org.orgId, note } })
    expect(res.status).toBeLessThan(300)
  }
  return { acme, other, staff, desk, page, hand, person }
}

// The list's rows as "e-mail note", in page order.
const listed = (markup: string) =>
  [
    ...markup.matchAll(
      /<td data-label="Holder">(?:<a href="[^"]*">|<span class="muted">)([^<]*)<\/(?:a|span)><\/td><td data-label="Note" class="key-note">([^<]*)<\/td>/g,
    ),
  ].map(([, holder, note]) => `${holder} ${note}`)

const nextLink = (markup: string) => /<a [^>]*href="([^"]*)"[^>]*>Next page<\/a>/.exec(markup)?.[1]?.replaceAll('&amp;', '&') ?? null

for (const backend of BACKENDS) {
  describe(`/orgs/{orgId}/keys: the org’s issued keys (${backend})`, () => {
    let ctx: Ctx
    beforeAll(async () => {
      ctx = await contextOn(backend)
    })
    afterAll(() => ctx.close())

    it('should list every holder’s keys newest first, each holder linking to their view on the desk', async () => {
      const { acme, desk, page, hand, person } = await setup(ctx)
      const ann = await person('ann')
      const bob = await person('bob')
      await hand(ann, 'front door')
      await hand(bob, 'garage')
      await hand(ann, 'back door')
      const res = await page(desk)
      expect(res.status).toBe(200)
      const list = res.text.slice(res.text.indexOf('id="issued-keys"'))
      expect(list).toContain('Keys Acme Keys has handed out')
      expect(listed(list)).toEqual([`${ann.email} back door`, `${bob.email} garage`, `${ann.email} front door`])
      expect(list).toContain(`href="/orgs/${acme.orgId}/keys?email=${encodeURIComponent(bob.email)}"`)
      expect(list).toContain('<time datetime=')
      expect(nextLink(list)).toBeNull()
    })

    it('should never show another organisation’s keys', async () => {
      const { other, desk, page, hand, person } = await setup(ctx)
      const ann = await person('ann')
      await hand(ann, 'ours')
      await hand(ann, 'theirs', other)
      const res = await page(desk)
      expect(listed(res.text)).toEqual([`${ann.email} ours`])
      expect(res.text).not.toContain('theirs')
    })

    it('should find keys by note or by e-mail, case-insensitively, with LIKE’s wildcards taken literally', async () => {
      const { desk, page, hand, person } = await setup(ctx)
      const ann = await person('ann')
      const bob = await person('bob_door')
      await hand(ann, 'Front Door')
      await hand(bob, 'garage')
      await hand(ann, '100% blue fob')
      expect(listed((await page(`${desk}?q=door`)).text)).toEqual([`${bob.email} garage`, `${ann.email} Front Door`])
      expect(listed((await page(`${desk}?q=ANN%40`)).text)).toEqual([`${ann.email} 100% blue fob`, `${ann.email} Front Door`])
      expect(listed((await page(`${desk}?q=0%25`)).text)).toEqual([`${ann.email} 100% blue fob`])
      expect(listed((await page(`${desk}?q=b_d`)).text)).toEqual([`${bob.email} garage`])
      const none = await page(`${desk}?q=cellar`)
      expect(listed(none.text)).toEqual([])
      expect(none.text).toContain('No keys match “cellar”.')
      // htmx (the search box) gets the #keys region alone.
      const fragment = await page(`${desk}?q=garage`, { htmx: true })
      expect(fragment.text.startsWith('<div id="keys"')).toBe(true)
      expect(listed(fragment.text)).toEqual([`${bob.email} garage`])
    })

    it('should page 50 keys at a time through a plain Next page link that keeps the search', async () => {
      const { desk, page, hand, person } = await setup(ctx)
      const ann = await person('ann')
      const bob = await person('bob')
      for (let i = 1; i <= 60; i++) await hand(i % 2 === 0 ? bob : ann, `fob ${i}`)
      await hand(bob, 'odd one')
      const expected = Array.from({ length: 60 }, (_, i) => 60 - i).map((i) => `${(i % 2 === 0 ? bob : ann).email} fob ${i}`)

      const first = await page(`${desk}?q=fob`)
      expect(listed(first.text)).toEqual(expected.slice(0, 50))
      const next = nextLink(first.text)
      expect(next).toMatch(new RegExp(`^${desk}\\?q=fob&cursor=[A-Za-z0-9_-]+$`))
      const second = await page(next ?? '')
      expect(second.status).toBe(200)
      expect(listed(second.text)).toEqual(expected.slice(50))
      expect(nextLink(second.text)).toBeNull()
      expect(second.text).toContain('First page')
      // Unsearched, the key added last leads and the second page starts where the first ended.
      const all = await page(desk)
      expect(listed(all.text)[0]).toBe(`${bob.email} odd one`)
      expect(listed((await page(nextLink(all.text) ?? '')).text)).toEqual(expected.slice(49))
      // A cursor this list did not give out is refused, not a different page.
      expect((await page(`${desk}?cursor=bm90LWEtY3Vyc29y`)).status).toBe(400)
    })

    it('should show the list to staff only: others get the desk’s 403', async () => {
      const { other, desk, page, hand, person } = await setup(ctx)
      const ann = await person('ann')
      await hand(ann, 'front door')
      const stranger = await page(desk, { as: ann.userId })
      expect(stranger.status).toBe(403)
      expect(stranger.text).toContain('Only staff of this organisation')
      expect(stranger.text).not.toContain('front door')
      const otherStaff = await ctx.user()
      await addOrgMember(ctx.deps, other.orgId, otherStaff.userId)
      const elsewhere = await page(`${desk}?q=door`, { as: otherStaff.userId, htmx: true })
      expect(elsewhere.status).toBe(403)
      expect(elsewhere.text).not.toContain('front door')
    })

    it('should give way to the user’s own inventory once a user is found', async () => {
      const { desk, page, hand, person } = await setup(ctx)
      const ann = await person('ann')
      await hand(ann, 'front door')
      const res = await page(`${desk}?email=${encodeURIComponent(ann.email)}`)
      expect(res.text).not.toContain('id="issued-keys"')
      expect(res.text).toContain(`Keys Acme Keys issued to ${ann.email}`)
    })
  })
}
