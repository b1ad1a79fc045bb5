// The inventory pages over HTTP (app.handle, cookie session): /me/keys and the staff desk /orgs/{orgId}/keys,
// with and without htmx, CSRF on every POST, inline validation, the confirmation step, escaping, and the events; on
// both databases.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'bun:test'
import { addOrgMember } from '../../../src/auth/tenants'
import { userStreamId } from '../../../src/domain/user/events'
import { BACKENDS, contextOn, manualClock } from '../../support/context'

const XSS = '<script>alert(1)</script>'
const XSS_ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;'
// Markup with every quoted attribute value blanked: what is left is where an unescaped tag would execute. Inside a
// double-quoted attribute `<` is inert, and @kitajs/html escapes the quote that could end it.
const outsideAttributes = (markup: string) => markup.replace(/"[^"]*"/g, '""')

// csrf: the token to send (default: the browser's own; null: none); csrfHeader: send it as htmx does, in X-CSRF-Token.
type PageOptions = {
  as?: string | null
  htmx?: boolean
  target?: string
  csrf?: string | null
  csrfHeader?: boolean
  headers?: Record<string, string>
}

type Ctx = Awaited<ReturnType<typeof contextOn>>
// The tests' times count from here.
const NOW = Date.parse('2026-06-01T10:00:00.000Z')

// Two organisations, a staff member of the first and a key holder, new on the context.
async function setup(ctx: Ctx, options: { acmeName?: string } = {}) {
  const acme = await ctx.org({ name: options.acmeName ?? 'Acme Keys' })
  const other = await ctx.org({ name: 'Other Org' })
  const staff = await ctx.user()
  await addOrgMember(ctx.deps, acme.orgId, staff.userId)
  const holder = await ctx.user()
  const desk = `/orgs/${acme.orgId}/keys`

  async function headersFor(options: PageOptions) {
    const headers: Record<string, string> = { accept: 'text/html', ...options.headers }
    const browser = await ctx.browser(options.as ?? null)
    headers.cookie = browser.cookie
    if (options.htmx) headers['hx-request'] = 'true'
    if (options.target) headers['hx-target'] = options.target
    return { headers, csrf: browser.csrf }
  }
  const page = async (path: string, options: PageOptions = {}) => {
    const { headers, csrf } = await headersFor({ as: holder.userId, ...options })
    return { ...(await ctx.call('GET', path, { headers })), csrf }
  }
  const post = async (path: string, form: Record<string, string>, options: PageOptions = {}) => {
    const { headers, csrf: valid } = await headersFor({ as: staff.userId, ...options })
    const csrf = options.csrf === undefined ? valid : options.csrf
    const fields = csrf === null || options.csrfHeader ? form : { _csrf: csrf, ...form }
    if (csrf !== null && options.csrfHeader) headers['x-csrf-token'] = csrf
    headers['content-type'] = 'application/x-www-form-urlencoded'
    return ctx.call('POST', path, { headers, rawBody: new URLSearchParams(fields).toString() })
  }
  const addViaApi = (body: object, apiKey = acme.apiKey) => ctx.call('POST', `/users/${holder.userId}/AddPhysicalKey`, { apiKey, body })
  const events = () => ctx.streamEvents(userStreamId(holder.userId))
  return { ctx, acme, other, staff, holder, desk, page, post, addViaApi, events }
}

for (const backend of BACKENDS) {
  describe(`the inventory pages (${backend})`, () => {
    const clock = manualClock(NOW)
    let ctx: Ctx
    beforeAll(async () => {
      ctx = await contextOn(backend, {}, clock)
    })
    afterAll(() => ctx.close())
    beforeEach(() => clock.set(NOW))

    describe('/me/keys', () => {
      it('should send a visitor who is not signed in to /login?next=/me/keys', async () => {
        const { page } = await setup(ctx)
        const res = await page('/me/keys', { as: null })
        expect(res.status).toBe(303)
        expect(res.headers.get('location')).toBe('/login?next=/me/keys')
        const htmx = await page('/me/keys?q=a', { as: null, htmx: true })
        expect(htmx.status).toBe(204)
        expect(htmx.headers.get('hx-redirect')).toBe('/login?next=/me/keys%3Fq%3Da')
      })

      it('should show an empty state, set the CSRF cookie and answer HTML with the security headers', async () => {
        const { holder } = await setup(ctx)
        const token = await ctx.deps.jwt.sign(holder.userId, 3600)
        const res = await ctx.call('GET', '/me/keys', { headers: { cookie: `spkey_session=${token}` } })
        expect(res.status).toBe(200)
        expect(res.headers.get('content-type')).toContain('text/html')
        expect(res.headers.get('vary')).toContain('HX-Request')
        expect(res.headers.get('content-security-policy')).toContain("script-src 'self'")
        expect(res.headers.get('set-cookie')).toContain('spkey_csrf=')
        expect(res.text).toContain('No physical keys yet')
        expect(res.text).toContain(holder.email)
      })

      it('should list every key with number, issuing org, note and date, in number order', async () => {
        const { acme, other, page, addViaApi } = await setup(ctx)
        await addViaApi({ orgId: acme.orgId, orgName: 'Acme Keys', note: 'Front door' })
        ctx.clock.advance(86_400_000)
        await addViaApi({ orgId: other.orgId, orgName: 'Other Org', note: 'Garage fob' }, other.apiKey)
        const res = await page('/me/keys')
        expect(res.status).toBe(200)
        const rows = [...res.text.matchAll(/<tr id="key-(\d+)">([\s\S]*?)<\/tr>/g)]
        expect(rows.map((row) => Number(row[1]))).toEqual([1, 2])
        expect(rows[0]?.[2]).toContain('Acme Keys')
        expect(rows[0]?.[2]).toContain('Front door')
        expect(rows[0]?.[2]).toContain('<time datetime="2026-06-01T10:00:00.000Z">1 Jun 2026</time>')
        expect(rows[1]?.[2]).toContain('Other Org')
        expect(rows[1]?.[2]).toContain('2 Jun 2026')
      })

      it('should filter by the search box, case-insensitively, and answer only the table to htmx', async () => {
        const { acme, page, addViaApi } = await setup(ctx)
        await addViaApi({ orgId: acme.orgId, note: 'Front door' })
        await addViaApi({ orgId: acme.orgId, note: 'Schlüssel zur Tür' })
        const full = await page('/me/keys?q=FRONT')
        expect(full.text).toContain('<!doctype html>')
        expect(full.text).toContain('Front door')
        expect(full.text).not.toContain('Schlüssel')
        expect(full.text).toContain('hx-trigger="input changed delay:300ms, search"')

        const fragment = await page(`/me/keys?q=${encodeURIComponent('TÜR')}`, { htmx: true })
        expect(fragment.status).toBe(200)
        expect(fragment.headers.get('vary')).toContain('HX-Request')
        expect(fragment.text.startsWith('<div id="keys"')).toBe(true)
        expect(fragment.text).not.toContain('<html')
        expect(fragment.text).toContain('Schlüssel zur Tür')
        expect(fragment.text).not.toContain('Front door')

        const none = await page('/me/keys?q=window', { htmx: true })
        expect(none.text).toContain('No keys match “window”.')
        // A history restore wants the whole page, not a fragment.
        const restore = await page('/me/keys', { htmx: true, headers: { 'hx-history-restore-request': 'true' } })
        expect(restore.text).toContain('<!doctype html>')
      })

      it('should list 50 keys a page with a plain Next page link that htmx upgrades to swapping #keys', async () => {
        const { acme, page, addViaApi } = await setup(ctx)
        for (let i = 0; i < 101; i++) await addViaApi({ orgId: acme.orgId, note: i % 2 ? 'odd' : 'even' })
        const numbers = (html: string) => [...html.matchAll(/<tr id="key-(\d+)"/g)].map((m) => Number(m[1]))
        const next = (html: string) =>
          /<a class="button secondary" href="([^"]+)" hx-get="([^"]+)" hx-target="#keys"[^>]*>Next page<\/a>/.exec(html)
        const first = await page('/me/keys')
        expect(numbers(first.text)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1))
        expect(first.text).toContain('50 of 101 keys on this page.')
        const link = next(first.text)
        expect(link?.[1]).toMatch(/^\/me\/keys\?cursor=[A-Za-z0-9_-]+$/)
        expect(link?.[2]).toBe(link?.[1])
        expect(first.text).not.toContain('>First page</a>')
        // Without JS: the link's full page; with htmx: the #keys fragment alone.
        const second = await page(link?.[1] ?? '')
        expect(second.text).toContain('<!doctype html>')
        expect(numbers(second.text)).toEqual(Array.from({ length: 50 }, (_, i) => i + 51))
        const third = await page(next(second.text)?.[1] ?? '', { htmx: true })
        expect(third.text).not.toContain('<!doctype html>')
        expect(numbers(third.text)).toEqual([101])
        expect(next(third.text)).toBeNull()
        expect(third.text).toContain('href="/me/keys" hx-get="/me/keys"')
        // A search pages too, and its links keep the search.
        const even = await page('/me/keys?q=EVEN')
        expect(numbers(even.text)).toHaveLength(50)
        expect(next(even.text)?.[1]).toMatch(/^\/me\/keys\?q=EVEN&cursor=/)
        expect((await page('/me/keys?cursor=bm9wZQ')).status).toBe(400)
      })

      it('should link staff to the desks of their organisations', async () => {
        const { staff, page, desk } = await setup(ctx)
        const res = await page('/me/keys', { as: staff.userId })
        expect(res.text).toContain(`href="${desk}"`)
        expect(res.text).toContain('Hand out keys for Acme Keys')
      })
    })

    describe('/orgs/{orgId}/keys', () => {
      it('should send a visitor who is not signed in to the login page', async () => {
        const { page, desk } = await setup(ctx)
        const res = await page(desk, { as: null })
        expect(res.status).toBe(303)
        expect(res.headers.get('location')).toBe(`/login?next=${desk}`)
      })

      it('should answer a friendly 403 page, never JSON, to anyone who is not staff of the org', async () => {
        const { other, holder, page, post, desk, events } = await setup(ctx)
        const res = await page(desk, { as: holder.userId, headers: { accept: '*/*' } })
        expect(res.status).toBe(403)
        expect(res.headers.get('content-type')).toContain('text/html')
        expect(res.text).toContain('Only staff of this organisation')
        expect(res.json).toBeUndefined()
        // Staff of another org are strangers here too.
        const otherStaff = await ctx.user()
        await addOrgMember(ctx.deps, other.orgId, otherStaff.userId)
        expect((await page(desk, { as: otherStaff.userId })).status).toBe(403)
        const add = await post(`${desk}/add`, { email: holder.email, note: 'x' }, { as: otherStaff.userId })
        expect(add.status).toBe(403)
        expect(await events()).toHaveLength(1)
      })

      it('should show the find form, then the user’s keys from this org only', async () => {
        const { acme, other, holder, page, staff, desk, addViaApi } = await setup(ctx)
        await addViaApi({ orgId: acme.orgId, note: 'ours' })
        await addViaApi({ orgId: other.orgId, note: 'theirs' }, other.apiKey)
        const empty = await page(desk, { as: staff.userId })
        expect(empty.status).toBe(200)
        expect(empty.text).toContain('Find a user by e-mail')
        expect(empty.text).toContain('Keys issued by Acme Keys')
        const found = await page(`${desk}?email=${encodeURIComponent(holder.email.toUpperCase())}`, { as: staff.userId })
        expect(found.text).toContain('ours')
        expect(found.text).not.toContain('theirs')
        expect(found.text).toContain(`name="_csrf" value="${found.csrf}"`)
        expect(found.text).toContain(`value="${holder.email}"`)
      })

      it('should say so when no user has the e-mail, and answer only the panel to htmx', async () => {
        const { page, staff, desk } = await setup(ctx)
        const res = await page(`${desk}?email=nobody%40example.test`, { as: staff.userId, htmx: true, target: 'user-panel' })
        expect(res.text.startsWith('<div id="user-panel">')).toBe(true)
        expect(res.text).toContain('No user has the e-mail address “nobody@example.test”')
        expect(res.headers.get('vary')).toContain('HX-Target')
      })

      describe('adding a key', () => {
        it('should add through the domain command and redirect a plain form with 303', async () => {
          const { acme, holder, staff, post, page, desk, events } = await setup(ctx)
          const res = await post(`${desk}/add`, { email: holder.email, note: 'Blue fob' })
          expect(res.status).toBe(303)
          const location = res.headers.get('location') ?? ''
          expect(location).toBe(`${desk}?email=${encodeURIComponent(holder.email)}&added=1`)
          expect((await events()).at(-1)).toMatchObject({
            type: 'PhysicalKeyAdded',
            data: { userId: holder.userId, number: 1, orgId: acme.orgId, orgName: 'Acme Keys', note: 'Blue fob' },
            metadata: { principal: staff.userId },
          })
          const after = await page(location, { as: staff.userId })
          expect(after.text).toContain('Key #1 added.')
          expect(after.text).toContain('Blue fob')
        })

        it('should answer htmx with the cleared form and the inventory out of band', async () => {
          const { holder, post, desk } = await setup(ctx)
          const res = await post(`${desk}/add`, { email: holder.email, note: 'Card' }, { htmx: true, target: 'add-key' })
          expect(res.status).toBe(200)
          expect(res.text.startsWith('<form id="add-key"')).toBe(true)
          expect(res.text).not.toContain('<html')
          expect(res.text).toContain('Key #1 added.')
          expect(res.text).toContain('<section id="inventory" class="card inventory" hx-swap-oob="true">')
          expect(res.text).toMatch(/<tr id="key-1">[\s\S]*Card/)
        })

        it('should record no note when the field is left empty', async () => {
          const { holder, post, desk, events } = await setup(ctx)
          await post(`${desk}/add`, { email: holder.email, note: '  ' })
          expect((await events()).at(-1)?.data).not.toHaveProperty('note')
        })

        it('should show the API’s note rule inline next to the field, keep the text, and append nothing', async () => {
          const { holder, post, desk, events } = await setup(ctx)
          const note = 'n'.repeat(501)
          const plain = await post(`${desk}/add`, { email: holder.email, note })
          expect(plain.status).toBe(400)
          expect(plain.text).toContain('<!doctype html>')
          expect(plain.text).toMatch(
            /<textarea[^>]*aria-invalid="true"[^>]*>n{501}<\/textarea><p id="add-key-note-error" class="field-error">/,
          )
          expect(plain.text).toContain('Keep the note to 500 characters or fewer (it has 501).')
          const htmx = await post(`${desk}/add`, { email: holder.email, note }, { htmx: true })
          expect(htmx.status).toBe(200)
          expect(htmx.text.startsWith('<form id="add-key"')).toBe(true)
          expect(htmx.text).toContain('class="field-error"')
          expect(htmx.text).not.toContain('hx-swap-oob')
          expect(await events()).toHaveLength(1)
        })

        it('should refuse a POST without the CSRF token, or with a wrong one, and append nothing', async () => {
          const { holder, post, desk, events } = await setup(ctx)
          expect((await post(`${desk}/add`, { email: holder.email }, { csrf: null })).status).toBe(403)
          expect((await post(`${desk}/add`, { email: holder.email }, { csrf: 'forged' })).status).toBe(403)
          expect(await events()).toHaveLength(1)
          // htmx sends the token as a header (hx-headers on <body>).
          const viaHeader = await post(`${desk}/add`, { email: holder.email }, { htmx: true, csrfHeader: true })
          expect(viaHeader.status).toBe(200)
          expect(await events()).toHaveLength(2)
        })
      })

      it('should page through a long inventory, the removal flow staying on the page it started from', async () => {
        const { acme, other, staff, holder, page, post, desk, addViaApi } = await setup(ctx)
        await addViaApi({ orgId: other.orgId }, other.apiKey)
        for (let i = 0; i < 52; i++) await addViaApi({ orgId: acme.orgId })
        const numbers = (html: string) => [...html.matchAll(/<tr id="key-(\d+)"/g)].map((m) => Number(m[1]))
        const nextUrl = (html: string) =>
          /<a class="button secondary" href="([^"]+)"[^>]*hx-target="#keys"[^>]*>Next page<\/a>/.exec(html)?.[1] ?? ''
        const first = await page(`${desk}?email=${encodeURIComponent(holder.email)}`, { as: staff.userId })
        expect(numbers(first.text)).toEqual(Array.from({ length: 50 }, (_, i) => i + 2))
        const next = nextUrl(first.text)
        expect(next).toMatch(new RegExp(`^${desk}\\?email=[^&]+&cursor=[A-Za-z0-9_-]+$`))
        const fragment = await page(next, { as: staff.userId, htmx: true, target: 'keys' })
        expect(fragment.text.startsWith('<div id="keys"')).toBe(true)
        expect(numbers(fragment.text)).toEqual([52, 53])
        const cursor = new URL(next, 'http://x').searchParams.get('cursor') ?? ''
        // No JS: Remove asks on the same page, Confirm posts the cursor back and lands there again.
        expect(fragment.text).toContain(`cursor=${cursor}&confirm=53`)
        const removed = await post(`${desk}/remove`, { email: holder.email, q: '', cursor, number: '53' })
        expect(removed.status).toBe(303)
        expect(removed.headers.get('location')).toContain(`cursor=${cursor}`)
        const after = await page(removed.headers.get('location') ?? '', { as: staff.userId })
        expect(numbers(after.text)).toEqual([52])
        expect(after.text).toContain('Key #53 removed.')
      })

      describe('removing a key', () => {
        async function withKey() {
          const s = await setup(ctx)
          await s.addViaApi({ orgId: s.acme.orgId, note: 'Front door' })
          const query = `?email=${encodeURIComponent(s.holder.email)}`
          return { ...s, query }
        }

        it('should ask for confirmation first, on the page and as a single row for htmx', async () => {
          const { staff, page, desk, query, events } = await withKey()
          const plain = await page(`${desk}${query}&confirm=1`, { as: staff.userId })
          expect(plain.text).toContain('Remove key #1?')
          expect(plain.text).toMatch(/<form method="post" action="[^"]*\/remove"/)
          expect(plain.text).toContain('Confirm')
          expect(plain.text).toContain('Cancel')
          const row = await page(`${desk}${query}&confirm=1`, { as: staff.userId, htmx: true, target: 'key-1' })
          expect(row.text.startsWith('<tr id="key-1" class="confirm-row">')).toBe(true)
          expect(row.text).toContain('Remove key #1?')
          const cancel = await page(`${desk}${query}`, { as: staff.userId, htmx: true, target: 'key-1' })
          expect(cancel.text.startsWith('<tr id="key-1">')).toBe(true)
          expect(cancel.text).toContain('>Remove</a>')
          // Asking is not removing.
          expect(await events()).toHaveLength(2)
        })

        it('should remove on confirm: 303 for a plain form, the key list for htmx', async () => {
          const { acme, holder, staff, post, page, desk, query, events, addViaApi } = await withKey()
          const res = await post(`${desk}/remove`, { email: holder.email, q: '', number: '1' })
          expect(res.status).toBe(303)
          expect(res.headers.get('location')).toBe(`${desk}${query}&removed=1`)
          expect((await events()).at(-1)).toMatchObject({
            type: 'PhysicalKeyRemoved',
            data: { number: 1 },
            metadata: { principal: staff.userId },
          })
          const after = await page(res.headers.get('location') ?? '', { as: staff.userId })
          expect(after.text).toContain('Key #1 removed.')
          expect(after.text).not.toContain('Front door')

          await addViaApi({ orgId: acme.orgId, note: 'Back door' })
          const htmx = await post(`${desk}/remove`, { email: holder.email, q: 'back', number: '2' }, { htmx: true, target: 'keys' })
          expect(htmx.status).toBe(200)
          expect(htmx.text.startsWith('<div id="keys"')).toBe(true)
          expect(htmx.text).toContain('Key #2 removed.')
          expect(htmx.text).toContain('No keys match “back”.')
        })

        it('should explain, not crash, when the key is already gone or another org issued it', async () => {
          const { other, holder, post, desk, events, addViaApi } = await withKey()
          await post(`${desk}/remove`, { email: holder.email, number: '1' })
          const count = (await events()).length
          const gone = await post(`${desk}/remove`, { email: holder.email, number: '1' }, { htmx: true })
          expect(gone.status).toBe(200)
          expect(gone.text).toContain('Key #1 is not in this inventory any more')
          const plain = await post(`${desk}/remove`, { email: holder.email, number: '1' })
          expect(plain.status).toBe(404)
          expect(plain.text).toContain('<!doctype html>')
          expect(plain.text).toContain('Key #1 is not in this inventory any more')

          await addViaApi({ orgId: other.orgId }, other.apiKey)
          const foreign = await post(`${desk}/remove`, { email: holder.email, number: '2' }, { htmx: true })
          expect(foreign.text).toContain('Key #2 was handed out by another organisation')
          expect(await events()).toHaveLength(count + 1)
        })

        it('should refuse a removal without the CSRF token', async () => {
          const { holder, post, desk, events } = await withKey()
          expect((await post(`${desk}/remove`, { email: holder.email, number: '1' }, { csrf: null })).status).toBe(403)
          expect(await events()).toHaveLength(2)
        })
      })

      it('should answer the search box with the #keys fragment only', async () => {
        const { acme, holder, staff, page, desk, addViaApi } = await setup(ctx)
        await addViaApi({ orgId: acme.orgId, note: 'Front door' })
        await addViaApi({ orgId: acme.orgId, note: 'Garage' })
        const res = await page(`${desk}?email=${encodeURIComponent(holder.email)}&q=GAR`, { as: staff.userId, htmx: true, target: 'keys' })
        expect(res.text.startsWith('<div id="keys"')).toBe(true)
        expect(res.text).toContain('Garage')
        expect(res.text).not.toContain('Front door')
      })
    })

    describe('escaping user-supplied text', () => {
      it('should escape a stored <script> note, org name, e-mail and search text on both pages', async () => {
        const { holder, staff, page, desk, addViaApi, acme } = await setup(ctx, { acmeName: `Acme ${XSS}` })
        const added = await addViaApi({ orgId: acme.orgId, orgName: XSS, note: XSS })
        expect(added.status).toBe(200)

        const mine = await page(`/me/keys?q=${encodeURIComponent('<script>')}`)
        expect(mine.text).not.toContain(XSS)
        expect(mine.text).toContain(XSS_ESCAPED)

        const staffPage = await page(`${desk}?email=${encodeURIComponent(holder.email)}`, { as: staff.userId })
        expect(staffPage.text).not.toContain(XSS)
        expect(staffPage.text).toContain(XSS_ESCAPED)
        expect(staffPage.text).toContain(`Keys issued by Acme ${XSS_ESCAPED}`)

        const search = await page(`${desk}?email=${encodeURIComponent(holder.email)}&q=${encodeURIComponent(`"${XSS}`)}`, {
          as: staff.userId,
        })
        expect(outsideAttributes(search.text)).not.toContain('<script>alert')
        expect(search.text).toContain(`value="&#34;${XSS}"`)

        const lookup = await page(`${desk}?email=${encodeURIComponent(XSS)}`, { as: staff.userId })
        expect(lookup.text).toContain(`No user has the e-mail address “${XSS_ESCAPED}”`)

        const noMatch = await page(`/me/keys?q=${encodeURIComponent(`"><img src=x onerror=alert(1)>`)}`)
        expect(outsideAttributes(noMatch.text)).not.toContain('<img')
        expect(noMatch.text).toContain('No keys match “&quot;&gt;&lt;img src=x onerror=alert(1)&gt;”.')
        for (const markup of [mine.text, staffPage.text, lookup.text]) expect(outsideAttributes(markup)).not.toContain('<script>alert')
      })
    })
  })
}
