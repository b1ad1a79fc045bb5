// Temp-key pages over HTTP (app.handle, cookie session, fake driver): the guest page in every state, the browser
// open (303 + one-time flash, htmx fragments, refusals rendered with their status, CSRF for cookie users, one open
// per form token), the confirmation page, and the owner's list / create / edit / delete pages, with weekly schedules;
// on both databases.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'bun:test'
import { addOrgMember } from '../../../src/auth/tenants'
import type { Schedule } from '../../../src/domain/lock/state'
import { BACKENDS, contextOn, manualClock } from '../../support/context'
import { fakeDriver } from '../../support/fake-driver'
import { createTestLock, createTestTempKey } from '../../support/locks'
import { onceOf } from '../../support/pages'

const XSS = '<script>alert(1)</script>'
const XSS_ESCAPED = '&lt;script&gt;alert(1)&lt;/script&gt;'
const HOUR = 3_600_000

// The tests' times count from here.
const NOW = Date.parse('2026-06-01T10:00:00.000Z')

type As = { as?: string | null; htmx?: boolean; csrf?: string | null; cookies?: string[] }
type Ctx = Awaited<ReturnType<typeof contextOn>>

// An owner, an organisation and a lock of theirs, new on the context.
async function setup(ctx: Ctx) {
  const owner = await ctx.user()
  const acme = await ctx.org()
  const lock = await createTestLock(ctx, { ownerId: owner.userId, orgId: acme.orgId, vendorName: 'Front door' })

  async function headersFor(options: As) {
    const headers: Record<string, string> = { accept: 'text/html,application/xhtml+xml' }
    const browser = await ctx.browser(options.as ?? null)
    headers.cookie = [browser.cookie, ...(options.cookies ?? [])].join('; ')
    if (options.htmx) headers['hx-request'] = 'true'
    return { headers, csrf: browser.csrf }
  }
  const page = async (path: string, options: As = {}) => ctx.call('GET', path, { headers: (await headersFor(options)).headers })
  // A form as fields, or as pairs when a name repeats (window rows, ticked days).
  const post = async (path: string, form: Record<string, string> | [string, string][], options: As = {}) => {
    const { headers, csrf: valid } = await headersFor(options)
    const csrf = options.csrf === undefined ? valid : options.csrf
    const pairs = Array.isArray(form) ? form : Object.entries(form)
    const fields = csrf === null ? pairs : [['_csrf', csrf], ...pairs]
    headers['content-type'] = 'application/x-www-form-urlencoded'
    return ctx.call('POST', path, { headers, rawBody: new URLSearchParams(fields).toString() })
  }
  const types = async () => (await ctx.streamEvents(lock.streamId)).map((e) => e.type)
  return { owner, acme, lock, page, post, types }
}

// The owner form with a weekly schedule: each row's from/until in order, a ticked day as "<row>:<day>".
type Row = { days: string[]; from: string; until: string }
function scheduleForm(zone: string, rows: Row[], base: Record<string, string> = {}): [string, string][] {
  const fields: Record<string, string> = {
    timezone: 'UTC',
    validFrom: '2026-06-01T09:00',
    validUntil: '2026-07-01T09:00',
    accessMode: 'public',
    allowedEmails: '',
    maxUses: '',
    description: '',
    ...base,
  }
  return [
    ...Object.entries(fields),
    ['scheduleMode', 'weekly'],
    ['scheduleTimezone', zone],
    ...rows.flatMap((row, i): [string, string][] => [
      ...row.days.map((day): [string, string] => ['windowDays', `${i}:${day}`]),
      ['windowFrom', row.from],
      ['windowUntil', row.until],
    ]),
  ]
}
const WORKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri']
const BLANK: Row = { days: [], from: '', until: '' }

for (const backend of BACKENDS) {
  describe(`temp-key pages (${backend})`, () => {
    // One server for the tests; its guests' opens all come from one address: only the per-key limit is tested here.
    const driver = fakeDriver()
    const clock = manualClock(NOW)
    let ctx: Ctx
    beforeAll(async () => {
      ctx = await contextOn(backend, { OPEN_RATE_LIMIT_PER_IP: '0' }, clock, { drivers: driver.registry })
    })
    afterAll(() => ctx.close())
    beforeEach(() => {
      clock.set(NOW)
      driver.state.mode = 'ok'
      driver.state.calls.length = 0
    })

    describe('GET /temp-keys/{uuid}', () => {
      it('should show a valid public key: lock, escaped description, local-time window, uses left and the Open form', async () => {
        const { lock, page } = await setup(ctx)
        const uuid = await createTestTempKey(ctx, lock, { maxUses: 2, description: `Plants ${XSS}` })
        const res = await ctx.call('GET', `/temp-keys/${uuid}`)
        expect(res.status).toBe(200)
        expect(res.headers.get('content-type')).toContain('text/html')
        expect(res.headers.get('set-cookie')).toContain('spkey_csrf=')
        expect(res.headers.get('cache-control')).toBe('no-store')
        expect(res.text).toContain(`Lock ${lock.lockId} · Front door`)
        expect(res.text).toContain(lock.uuid)
        expect(res.text).toContain(`Plants ${XSS_ESCAPED}`)
        expect(res.text).not.toContain(XSS)
        expect(res.text).toMatch(/<time datetime="2026-06-01T09:00:00.000Z" data-local="">2026-06-01 09:00 UTC<\/time>/)
        expect(res.text).toContain('2 of 2')
        expect(res.text).toContain('<span class="badge valid">Valid</span>')
        // Messengers append tracking parameters to shared links.
        expect((await page(`/temp-keys/${uuid}?utm_source=chat&fbclid=abc`)).status).toBe(200)
        const browser = await ctx.browser(null)
        const body = (await ctx.call('GET', `/temp-keys/${uuid}`, { headers: { accept: 'text/html', cookie: browser.cookie } })).text
        expect(body).toContain(`action="/temp-keys/${uuid}/open"`)
        expect(body).toContain(`hx-post="/temp-keys/${uuid}/open"`)
        expect(body).toContain('hx-disabled-elt="find button"')
        expect(body).toContain(`name="_csrf" value="${browser.csrf}"`)
        expect(body).toMatch(/name="_once" value="[A-Za-z0-9_-]{20,}"/)
        expect(body).toContain('<script src="/public/temp-keys.js" defer></script>')
        expect(body).not.toMatch(/<script>(?!alert)/)
      })

      it('should give each view a fresh one-time token', async () => {
        const { lock, page } = await setup(ctx)
        const uuid = await createTestTempKey(ctx, lock)
        expect(onceOf((await page(`/temp-keys/${uuid}`)).text)).not.toBe(onceOf((await page(`/temp-keys/${uuid}`)).text))
      })

      it('should show a clear page for each state where the key cannot open', async () => {
        const { lock, owner, page } = await setup(ctx)
        const now = ctx.clock.now()
        const later = await createTestTempKey(ctx, lock, {
          validFrom: new Date(now + HOUR).toISOString(),
          validUntil: new Date(now + 2 * HOUR).toISOString(),
        })
        const past = await createTestTempKey(ctx, lock, {
          validFrom: new Date(now - 2 * HOUR).toISOString(),
          validUntil: new Date(now - HOUR).toISOString(),
        })
        const usedUp = await createTestTempKey(ctx, lock, { maxUses: 1 })
        await ctx.call('POST', `/temp-keys/${usedUp}/open`)
        const scheduled = await createTestTempKey(ctx, lock, {
          validUntil: '2026-07-01T00:00:00.000Z',
          schedule: { timezone: 'Europe/Athens', weekly: [{ days: ['tue'], from: '09:00', until: '12:00' }] },
        })
        const deleted = await createTestTempKey(ctx, lock, { description: 'secret' })
        await ctx.call('POST', `/locks/${lock.lockId}/delete-temp-key`, { token: owner.token, body: { tempKeyUuid: deleted } })

        const expectations: [string, string[]][] = [
          [later, ['Not valid yet', 'This key opens the door from', new Date(now + HOUR).toISOString()]],
          [past, ['This key has expired', 'Expired']],
          [usedUp, ['This key has been used up', '0 of 1']],
          [scheduled, ['The next time this key opens the door', '2026-06-02T06:00:00.000Z', 'Tue 09:00–12:00 (Europe/Athens)']],
          [deleted, ['This key was deleted']],
        ]
        for (const [uuid, texts] of expectations) {
          const res = await page(`/temp-keys/${uuid}`)
          expect(res.status).toBe(200)
          for (const text of texts) expect({ uuid, has: res.text.includes(text), text }).toEqual({ uuid, has: true, text })
          expect(res.text).not.toContain('name="_once"')
        }
        expect((await page(`/temp-keys/${deleted}`)).text).not.toContain('secret')
      })

      it('should answer an HTML 404 page for an unknown key or a malformed id', async () => {
        for (const id of [crypto.randomUUID(), 'example_string']) {
          const res = await ctx.call('GET', `/temp-keys/${id}`)
          expect(res.status).toBe(404)
          expect(res.headers.get('content-type')).toContain('text/html')
          expect(res.text).toContain('Key not found')
        }
      })

      it('should ask for sign-in on a whitelist key, admit a listed user, and tell others it is not theirs', async () => {
        const { lock, page } = await setup(ctx)
        const guest = await ctx.user()
        const other = await ctx.user()
        const uuid = await createTestTempKey(ctx, lock, {
          accessMode: 'user-whitelist',
          allowedUserIds: [guest.userId],
          description: 'For Anna',
        })
        const anonymous = await page(`/temp-keys/${uuid}`)
        expect(anonymous.status).toBe(200)
        expect(anonymous.text).toContain(`href="/login?next=/temp-keys/${uuid}"`)
        expect(anonymous.text).not.toContain('For Anna')
        expect(anonymous.text).not.toContain('name="_once"')
        const listed = await page(`/temp-keys/${uuid}`, { as: guest.userId })
        expect(listed.text).toContain('For Anna')
        expect(listed.text).toContain('name="_once"')
        const unlisted = await page(`/temp-keys/${uuid}`, { as: other.userId })
        expect(unlisted.text).toContain('This key was not shared with your account')
        expect(unlisted.text).toContain(other.email)
        expect(unlisted.text).not.toContain('name="_once"')
      })
    })

    describe('POST /temp-keys/{uuid}/open from a browser', () => {
      it('should answer 303 to the key page, which shows "Door opened" once (not on a reload)', async () => {
        const { lock, page, post } = await setup(ctx)
        const uuid = await createTestTempKey(ctx, lock, { maxUses: 2 })
        const view = await page(`/temp-keys/${uuid}`)
        const res = await post(`/temp-keys/${uuid}/open`, { _once: onceOf(view.text) })
        expect(res.status).toBe(303)
        expect(res.headers.get('location')).toBe(`/temp-keys/${uuid}?opened=1`)
        const flash = res.headers.get('set-cookie') ?? ''
        expect(flash).toContain(`spkey_opened=${uuid}`)
        expect(flash).toContain('HttpOnly')
        const after = await page(`/temp-keys/${uuid}?opened=1`, { cookies: [`spkey_opened=${uuid}`] })
        expect(after.text).toContain('Door opened.')
        expect(after.text).toContain('1 of 2')
        expect(after.headers.get('set-cookie')).toContain('spkey_opened=; ')
        const reload = await page(`/temp-keys/${uuid}?opened=1`)
        expect(reload.text).not.toContain('Door opened.')
        expect(driver.state.calls).toHaveLength(1)
      })

      it('should open once for a double submit of the same form token', async () => {
        const { lock, page, post, types } = await setup(ctx)
        const uuid = await createTestTempKey(ctx, lock, { maxUses: 5 })
        const once = onceOf((await page(`/temp-keys/${uuid}`)).text)
        const [a, b] = await Promise.all([
          post(`/temp-keys/${uuid}/open`, { _once: once }),
          post(`/temp-keys/${uuid}/open`, { _once: once }),
        ])
        expect([a.status, b.status]).toEqual([303, 303])
        expect(driver.state.calls).toHaveLength(1)
        expect((await types()).filter((t) => t === 'TempKeyUsed')).toHaveLength(1)
      })

      it('should redirect to the confirmation page when the lock was offline', async () => {
        const { lock, post, page } = await setup(ctx)
        const uuid = await createTestTempKey(ctx, lock)
        driver.state.mode = 'offline'
        const res = await post(`/temp-keys/${uuid}/open`, { _once: 'offline-1' })
        expect(res.status).toBe(303)
        expect(res.headers.get('location')).toBe(`/temp-keys/${uuid}/confirmation?offline=true`)
        const confirmation = await page(`/temp-keys/${uuid}/confirmation?offline=true`)
        expect(confirmation.status).toBe(200)
        expect(confirmation.text).toContain('The door open command was sent')
        expect(confirmation.text).toContain('The lock was offline')
        expect(confirmation.text).toContain(lock.uuid)
        expect(confirmation.text).toContain(`href="/temp-keys/${uuid}"`)
        const online = await page(`/temp-keys/${uuid}/confirmation`)
        expect(online.text).toContain('The lock received the command.')
        expect((await page(`/temp-keys/${crypto.randomUUID()}/confirmation`)).status).toBe(404)
      })

      it('should render each refusal on the page with its status', async () => {
        const { lock, post, types } = await setup(ctx)
        const now = ctx.clock.now()
        const expired = await createTestTempKey(ctx, lock, {
          validFrom: new Date(now - 2 * HOUR).toISOString(),
          validUntil: new Date(now - HOUR).toISOString(),
        })
        const res = await post(`/temp-keys/${expired}/open`, { _once: 'x1' })
        expect(res.status).toBe(400)
        expect(res.headers.get('content-type')).toContain('text/html')
        expect(res.text).toContain('<p>This key has expired.</p>')
        expect(res.text).toContain('<html')
        expect((await types()).at(-1)).toBe('TempKeyOpenRefused')

        const guest = await ctx.user()
        const whitelist = await createTestTempKey(ctx, lock, { accessMode: 'user-whitelist', allowedUserIds: [guest.userId] })
        const signIn = await post(`/temp-keys/${whitelist}/open`, { _once: 'x2' })
        expect(signIn.status).toBe(401)
        expect(signIn.text).toContain('<p>Sign in to use this key.</p>')
        expect(signIn.text).toContain(`/login?next=/temp-keys/${whitelist}`)

        const unknown = await post(`/temp-keys/${crypto.randomUUID()}/open`, { _once: 'x3' })
        expect(unknown.status).toBe(404)
        expect(unknown.text).toContain('Key not found')

        const ok = await createTestTempKey(ctx, lock)
        driver.state.mode = 'failure'
        const failed = await post(`/temp-keys/${ok}/open`, { _once: 'x4' })
        expect(failed.status).toBe(502)
        expect(failed.text).toContain('The lock did not answer. Nothing was recorded; try again.')
        expect(failed.text).toMatch(/<span>Reference:<\/span> <code>req_[0-9a-f]+<\/code>/)
      })

      it('should render a rate-limited open as a 429 page with Retry-After', async () => {
        // A server of its own, limiting each key to one open.
        const own = await contextOn(backend, { OPEN_RATE_LIMIT_PER_KEY: '1' }, manualClock(NOW), { drivers: driver.registry })
        try {
          const { lock, post } = await setup(own)
          const uuid = await createTestTempKey(own, lock)
          expect((await post(`/temp-keys/${uuid}/open`, { _once: 'r1' })).status).toBe(303)
          const limited = await post(`/temp-keys/${uuid}/open`, { _once: 'r2' })
          expect(limited.status).toBe(429)
          expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
          expect(limited.text).toContain('Too many tries. Wait a minute and try again.')
          expect(limited.text).toContain('name="_once"')
        } finally {
          await own.close()
        }
      })

      it('should require the CSRF token from a cookie-authenticated user', async () => {
        const { lock, post } = await setup(ctx)
        const guest = await ctx.user()
        const uuid = await createTestTempKey(ctx, lock, { accessMode: 'user-whitelist', allowedUserIds: [guest.userId] })
        const forged = await post(`/temp-keys/${uuid}/open`, { _once: 'c1' }, { as: guest.userId, csrf: 'wrong-token' })
        expect(forged.status).toBe(403)
        expect(driver.state.calls).toHaveLength(0)
        const ok = await post(`/temp-keys/${uuid}/open`, { _once: 'c2' }, { as: guest.userId })
        expect(ok.status).toBe(303)
        const used = (await ctx.streamEvents(lock.streamId)).at(-1)
        expect(used?.type).toBe('TempKeyUsed')
        expect(used?.data.userId).toBe(guest.userId)
      })

      it('should answer htmx with the card fragment: the result inline, refusals too (with their status)', async () => {
        const { lock, post } = await setup(ctx)
        const uuid = await createTestTempKey(ctx, lock, { maxUses: 1 })
        const res = await post(`/temp-keys/${uuid}/open`, { _once: 'h1' }, { htmx: true })
        expect(res.status).toBe(200)
        expect(res.headers.get('vary')).toContain('HX-Request')
        expect(res.text).not.toContain('<html')
        expect(res.text).toContain('Door opened.')
        expect(res.text).toContain('This key has been used up')
        const again = await post(`/temp-keys/${uuid}/open`, { _once: 'h2' }, { htmx: true })
        expect(again.status).toBe(400)
        expect(again.text).not.toContain('<html')
        expect(again.text).toContain('<p>This key has been used up.</p>')
      })
    })

    describe('owner page /locks/{id}/temp-keys', () => {
      it('should list the keys with status, link, copy button and QR code, and offer the create form', async () => {
        const { lock, owner, page } = await setup(ctx)
        const uuid = await createTestTempKey(ctx, lock, { maxUses: 3, description: XSS })
        const res = await page(`/locks/${lock.lockId}/temp-keys`, { as: owner.userId })
        expect(res.status).toBe(200)
        expect(res.headers.get('content-type')).toContain('text/html')
        expect(res.headers.get('cache-control')).toBe('no-store')
        const link = `${ctx.deps.config.publicUrl}/temp-keys/${uuid}`
        expect(res.text).toContain(`value="${link}"`)
        expect(res.text).toContain(`data-copy="${link}"`)
        expect(res.text).toMatch(/<img class="qr" src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+"/)
        expect(res.text).toContain('0 of 3 used · 3 left')
        expect(res.text).toContain(XSS_ESCAPED)
        expect(res.text).not.toContain(XSS)
        expect(res.text).toContain(`action="/locks/${lock.lockId}/temp-keys"`)
        expect(res.text).toContain('<label for="f-validFrom">Valid from</label>')
        expect(res.text).toContain('type="datetime-local"')
        expect(res.text).toContain(`href="/locks/${lock.lockId}/temp-keys/${uuid}/delete"`)
        const qr = /src="data:image\/svg\+xml;base64,([^"]+)"/.exec(res.text)?.[1] ?? ''
        expect(Buffer.from(qr, 'base64').toString()).toContain('<svg')
      })

      it('should serve JSON on the same path to API clients', async () => {
        const { lock, owner } = await setup(ctx)
        await createTestTempKey(ctx, lock)
        const res = await ctx.call('GET', `/locks/${lock.lockId}/temp-keys`, {
          token: owner.token,
          headers: { accept: 'application/json' },
        })
        expect(res.status).toBe(200)
        expect(res.json.tempKeys).toHaveLength(1)
      })

      it('should send a visitor to sign in, show 404 to strangers and 403 to key holders, and admit org staff', async () => {
        const { lock, acme, owner, page } = await setup(ctx)
        const path = `/locks/${lock.lockId}/temp-keys`
        const anonymous = await page(path)
        expect(anonymous.status).toBe(303)
        expect(anonymous.headers.get('location')).toBe(`/login?next=${path}`)
        const stranger = await page(path, { as: (await ctx.user()).userId })
        expect(stranger.status).toBe(404)
        expect(stranger.headers.get('content-type')).toContain('text/html')
        const holder = await ctx.user()
        const held = await createTestLock(ctx, { ownerId: owner.userId, keyHolderIds: [holder.userId] })
        expect((await page(`/locks/${held.lockId}/temp-keys`, { as: holder.userId })).status).toBe(403)
        const staff = await ctx.user()
        await addOrgMember(ctx.deps, acme.orgId, staff.userId)
        expect((await page(path, { as: staff.userId })).status).toBe(200)
      })

      it('should create a key from the form in the browser time zone, as the signed-in owner', async () => {
        const { lock, owner, post } = await setup(ctx)
        const guest = await ctx.user()
        const form = {
          timezone: 'Europe/Athens',
          validFrom: '2026-06-01T13:00',
          validUntil: '2026-06-08T13:00',
          accessMode: 'user-whitelist',
          allowedEmails: guest.email.toUpperCase(),
          maxUses: '2',
          description: 'Week pass',
        }
        const res = await post(`/locks/${lock.lockId}/temp-keys`, form, { as: owner.userId })
        expect(res.status).toBe(303)
        expect(res.headers.get('location')).toMatch(new RegExp(`^/locks/${lock.lockId}/temp-keys\\?done=created#key-`))
        const created = (await ctx.streamEvents(lock.streamId)).at(-1)
        expect(created?.type).toBe('TempKeyCreated')
        expect(created?.data).toMatchObject({
          validFrom: '2026-06-01T10:00:00.000Z',
          validUntil: '2026-06-08T10:00:00.000Z',
          accessMode: 'user-whitelist',
          allowedUserIds: [guest.userId],
          maxUses: 2,
          description: 'Week pass',
          createdBy: owner.userId,
        })
        expect(created?.metadata.principal).toBe(owner.userId)
      })

      it('should show form errors inline (400) and append nothing; CSRF is required', async () => {
        const { lock, owner, post } = await setup(ctx)
        const before = (await ctx.streamEvents(lock.streamId)).length
        const form = {
          validFrom: '2026-06-01T13:00',
          validUntil: '2026-06-01T12:00',
          accessMode: 'user-whitelist',
          allowedEmails: 'nobody@example.test',
          maxUses: '0',
          description: '',
        }
        const res = await post(`/locks/${lock.lockId}/temp-keys`, form, { as: owner.userId })
        expect(res.status).toBe(400)
        expect(res.text).toContain('Enter a whole number of at least 1')
        expect(res.text).toContain('aria-invalid="true"')
        expect(res.text).toContain('nobody@example.test</textarea>')
        const order = await post(`/locks/${lock.lockId}/temp-keys`, { ...form, accessMode: 'public', maxUses: '' }, { as: owner.userId })
        expect(order.status).toBe(400)
        expect(order.text).toContain('must be after validFrom')
        const forged = await post(
          `/locks/${lock.lockId}/temp-keys`,
          { ...form, accessMode: 'public', validUntil: '2026-06-02T12:00' },
          { as: owner.userId, csrf: null },
        )
        expect(forged.status).toBe(403)
        expect((await ctx.streamEvents(lock.streamId)).length).toBe(before)
      })

      it('should answer an e-mail with no account exactly as one with an account, creating the user (issue 24 #13)', async () => {
        const { lock, owner, post } = await setup(ctx)
        const known = await ctx.user()
        const form = (email: string) => ({
          timezone: 'UTC',
          validFrom: '2026-06-01T13:00',
          validUntil: '2026-06-02T13:00',
          accessMode: 'user-whitelist',
          allowedEmails: email,
        })
        const forKnown = await post(`/locks/${lock.lockId}/temp-keys`, form(known.email), { as: owner.userId })
        const forNobody = await post(`/locks/${lock.lockId}/temp-keys`, form('Nobody@Example.test'), { as: owner.userId })
        expect([forKnown.status, forNobody.status]).toEqual([303, 303])
        expect(forNobody.text).toBe(forKnown.text)
        const nobody = await ctx.call('GET', '/users/by-email?email=nobody@example.test&searchOnly=true', {
          apiKey: (await ctx.org({ isSuper: true })).apiKey,
        })
        expect(nobody.status).toBe(200)
        expect((await ctx.streamEvents(lock.streamId)).at(-1)?.data).toMatchObject({ allowedUserIds: [nobody.json.uuid] })
        const malformed = await post(`/locks/${lock.lockId}/temp-keys`, form('not-an-address'), { as: owner.userId })
        expect(malformed.status).toBe(400)
        expect(malformed.text).toContain('Not an e-mail address: not-an-address.')
      })

      it('should show the e-mails the owner typed, and only ids for people whitelisted by id (issue 24 #5)', async () => {
        const { lock, owner, page, post } = await setup(ctx)
        const typed = await ctx.user()
        const victim = await ctx.user()
        const form = {
          timezone: 'UTC',
          validFrom: '2026-06-01T13:00',
          validUntil: '2026-06-02T13:00',
          accessMode: 'user-whitelist',
          allowedEmails: typed.email,
        }
        expect((await post(`/locks/${lock.lockId}/temp-keys`, form, { as: owner.userId })).status).toBe(303)
        const byId = await ctx.call('POST', `/locks/${lock.lockId}/create-temp-key`, {
          token: owner.token,
          body: {
            accessMode: 'user-whitelist',
            allowedUserIds: [victim.userId, typed.userId],
            validFrom: '2026-06-01T10:00:00Z',
            validUntil: '2026-06-02T10:00:00Z',
          },
        })
        expect(byId.status).toBe(200)
        const list = await page(`/locks/${lock.lockId}/temp-keys`, { as: owner.userId })
        expect(list.status).toBe(200)
        expect(list.text).toContain(typed.email)
        expect(list.text).toContain(victim.userId)
        expect(list.text).not.toContain(victim.email)
        const edit = await page(`/locks/${lock.lockId}/temp-keys/${byId.json.tempKeyUuid}/edit`, { as: owner.userId })
        expect(edit.text).toContain(victim.userId)
        expect(edit.text).not.toContain(victim.email)
        expect(edit.text).not.toContain(typed.email)
      })

      it('should keep people listed by id when the edit form is saved unchanged', async () => {
        const { lock, owner, page, post } = await setup(ctx)
        const guest = await ctx.user()
        const uuid = await createTestTempKey(ctx, lock, {
          accessMode: 'user-whitelist',
          allowedUserIds: [guest.userId],
          validFrom: '2026-06-01T09:00:00.000Z',
          validUntil: '2026-06-02T09:00:00.000Z',
        })
        const edit = await page(`/locks/${lock.lockId}/temp-keys/${uuid}/edit`, { as: owner.userId })
        const listed = /<textarea[^>]*name="allowedEmails"[^>]*>([^<]*)<\/textarea>/.exec(edit.text)?.[1] ?? ''
        expect(listed.trim()).toBe(guest.userId)
        const form = {
          timezone: 'UTC',
          validFrom: '2026-06-01T09:00',
          validUntil: '2026-06-02T09:00',
          accessMode: 'user-whitelist',
          allowedEmails: listed,
          maxUses: '5',
        }
        expect((await post(`/locks/${lock.lockId}/temp-keys/${uuid}/edit`, form, { as: owner.userId })).status).toBe(303)
        expect((await ctx.streamEvents(lock.streamId)).at(-1)?.data.changes).toEqual({ maxUses: 5 })
      })

      it('should edit a key, recording only what changed', async () => {
        const { lock, owner, page, post } = await setup(ctx)
        const uuid = await createTestTempKey(ctx, lock, {
          maxUses: 2,
          validFrom: '2026-06-01T09:00:00.000Z',
          validUntil: '2026-06-02T09:00:00.000Z',
        })
        const edit = await page(`/locks/${lock.lockId}/temp-keys/${uuid}/edit`, { as: owner.userId })
        expect(edit.status).toBe(200)
        expect(edit.text).toContain('value="2026-06-01T09:00"')
        expect(edit.text).toContain('data-utc="2026-06-01T09:00:00.000Z"')
        const form = {
          timezone: 'UTC',
          validFrom: '2026-06-01T09:00',
          validUntil: '2026-06-02T09:00',
          accessMode: 'public',
          allowedEmails: '',
          maxUses: '4',
          description: '',
        }
        const res = await post(`/locks/${lock.lockId}/temp-keys/${uuid}/edit`, form, { as: owner.userId })
        expect(res.status).toBe(303)
        const updated = (await ctx.streamEvents(lock.streamId)).at(-1)
        expect(updated?.type).toBe('TempKeyUpdated')
        expect(updated?.data.changes).toEqual({ maxUses: 4 })
        expect(updated?.data.updatedBy).toBe(owner.userId)
        const bad = await post(
          `/locks/${lock.lockId}/temp-keys/${uuid}/edit`,
          { ...form, validUntil: '2026-05-01T09:00' },
          { as: owner.userId },
        )
        expect(bad.status).toBe(400)
        expect(bad.text).toContain('must be after validFrom')
        expect((await page(`/locks/${lock.lockId}/temp-keys/${crypto.randomUUID()}/edit`, { as: owner.userId })).status).toBe(404)
      })

      it('should delete a key after a confirmation step', async () => {
        const { lock, owner, page, post } = await setup(ctx)
        const uuid = await createTestTempKey(ctx, lock)
        const confirm = await page(`/locks/${lock.lockId}/temp-keys/${uuid}/delete`, { as: owner.userId })
        expect(confirm.status).toBe(200)
        expect(confirm.text).toContain('Delete this temporary key?')
        expect((await ctx.streamEvents(lock.streamId)).at(-1)?.type).toBe('TempKeyCreated')
        const res = await post(`/locks/${lock.lockId}/temp-keys/${uuid}/delete`, {}, { as: owner.userId })
        expect(res.status).toBe(303)
        expect(res.headers.get('location')).toBe(`/locks/${lock.lockId}/temp-keys?done=deleted`)
        expect((await ctx.streamEvents(lock.streamId)).at(-1)?.type).toBe('TempKeyDeleted')
        const list = await page(`/locks/${lock.lockId}/temp-keys?done=deleted`, { as: owner.userId })
        expect(list.text).toContain('Key deleted')
        expect(list.text).not.toContain(`key-${uuid}`)
        expect((await page(`/temp-keys/${uuid}`)).text).toContain('This key was deleted')
        const stranger = await ctx.user()
        expect((await post(`/locks/${lock.lockId}/temp-keys/${uuid}/delete`, {}, { as: stranger.userId })).status).toBe(404)
      })
    })

    describe('owner page /locks/{id}/temp-keys, page by page', () => {
      const listed = (html: string) => [...html.matchAll(/<li class="card owner-key" id="key-([0-9a-f-]+)"/g)].map((m) => m[1])
      const nextLink = (html: string) => /<a class="button secondary" href="([^"]+)"[^>]*>Next page: older keys<\/a>/.exec(html)

      it('should show the newest 25 keys with a plain "Next page" link (htmx-upgraded) to the older ones', async () => {
        const { lock, owner, page } = await setup(ctx)
        const made: string[] = []
        for (let i = 0; i < 27; i++) {
          ctx.clock.advance(1000)
          made.push(await createTestTempKey(ctx, lock))
        }
        const newestFirst = made.reverse()
        const first = await page(`/locks/${lock.lockId}/temp-keys`, { as: owner.userId })
        expect(first.status).toBe(200)
        expect(listed(first.text)).toEqual(newestFirst.slice(0, 25))
        const link = nextLink(first.text)
        expect(link?.[1]).toMatch(new RegExp(`^/locks/${lock.lockId}/temp-keys\\?cursor=[A-Za-z0-9_-]+$`))
        expect(link?.[0]).toContain(`hx-get="${link?.[1]}"`)
        expect(link?.[0]).toContain('hx-select="#owner-keys-page"')
        expect(first.text).not.toContain('>Newest keys</a>')
        expect(first.text).toContain('Create a temporary key')

        const second = await page(link?.[1] ?? '', { as: owner.userId })
        expect(second.status).toBe(200)
        expect(listed(second.text)).toEqual(newestFirst.slice(25))
        expect(nextLink(second.text)).toBeNull()
        expect(second.text).toContain(`<a href="/locks/${lock.lockId}/temp-keys">Newest keys</a>`)
      })

      it('should show no pager for a short list, and the error page for a cursor it did not give out', async () => {
        const { lock, owner, page } = await setup(ctx)
        await createTestTempKey(ctx, lock)
        const short = await page(`/locks/${lock.lockId}/temp-keys`, { as: owner.userId })
        expect(short.text).not.toContain('class="pager"')
        const bad = await page(`/locks/${lock.lockId}/temp-keys?cursor=bm9wZQ`, { as: owner.userId })
        expect(bad.status).toBe(400)
        expect(bad.headers.get('content-type')).toContain('text/html')
      })
    })

    describe('owner page /locks/{id}/temp-keys with a weekly schedule', () => {
      it('should create a key with the schedule from the form, skipping blank rows, and list it', async () => {
        const { lock, owner, page, post } = await setup(ctx)
        const fresh = await page(`/locks/${lock.lockId}/temp-keys`, { as: owner.userId })
        expect(fresh.text).toContain('name="scheduleMode" value="none" checked')
        expect(fresh.text).toContain('data-timezone-default')
        expect(fresh.text).toContain('type="time"')
        const rows = [{ days: WORKDAYS, from: '08:00', until: '18:00' }, BLANK, { days: ['sat'], from: '22:00', until: '02:00' }]
        const res = await post(`/locks/${lock.lockId}/temp-keys`, scheduleForm('Europe/Berlin', rows), { as: owner.userId })
        expect(res.status).toBe(303)
        const created = (await ctx.streamEvents(lock.streamId)).at(-1)
        expect(created?.type).toBe('TempKeyCreated')
        expect(created?.data.schedule).toEqual({
          timezone: 'Europe/Berlin',
          weekly: [
            { days: WORKDAYS, from: '08:00', until: '18:00' },
            { days: ['sat'], from: '22:00', until: '02:00' },
          ],
        })
        const list = await page(`/locks/${lock.lockId}/temp-keys?done=created`, { as: owner.userId })
        expect(list.text).toContain('Mon, Tue, Wed, Thu, Fri 08:00–18:00 (Europe/Berlin)')
        expect(list.text).toContain('Sat 22:00–02:00 (Europe/Berlin)')
      })

      it('should pre-fill the edit form and record only the schedule when only it changed', async () => {
        const { lock, owner, page, post } = await setup(ctx)
        const schedule: Schedule = { timezone: 'Europe/Berlin', weekly: [{ days: ['fri', 'mon'], from: '08:00', until: '18:00' }] }
        const uuid = await createTestTempKey(ctx, lock, {
          validFrom: '2026-06-01T09:00:00.000Z',
          validUntil: '2026-07-01T09:00:00.000Z',
          schedule,
        })
        const path = `/locks/${lock.lockId}/temp-keys/${uuid}/edit`
        const edit = await page(path, { as: owner.userId })
        expect(edit.status).toBe(200)
        expect(edit.text).toContain('name="scheduleMode" value="weekly" checked')
        expect(edit.text).toContain('value="Europe/Berlin"')
        expect(edit.text).toContain('value="0:mon" checked')
        expect(edit.text).toContain('value="0:fri" checked')
        expect(edit.text).not.toContain('value="0:tue" checked')
        expect(edit.text).toContain('value="08:00"')
        expect(edit.text).toContain('value="1:mon"')
        expect(edit.text).not.toContain('data-timezone-default')
        const before = (await ctx.streamEvents(lock.streamId)).length
        const same = await post(path, scheduleForm('Europe/Berlin', [{ days: ['mon', 'fri'], from: '08:00', until: '18:00' }, BLANK]), {
          as: owner.userId,
        })
        expect(same.status).toBe(303)
        expect((await ctx.streamEvents(lock.streamId)).length).toBe(before)
        const rows = [
          { days: ['mon', 'fri'], from: '08:00', until: '12:00' },
          { days: ['sun'], from: '10:00', until: '11:00' },
        ]
        const res = await post(path, scheduleForm('Europe/Berlin', rows), { as: owner.userId })
        expect(res.status).toBe(303)
        const updated = (await ctx.streamEvents(lock.streamId)).at(-1)
        expect(updated?.type).toBe('TempKeyUpdated')
        expect(updated?.data.changes).toEqual({ schedule: { timezone: 'Europe/Berlin', weekly: rows } })
        expect((await page(`/locks/${lock.lockId}/temp-keys`, { as: owner.userId })).text).toContain('Sun 10:00–11:00 (Europe/Berlin)')
      })

      it('should remove the schedule when the owner chooses "any time"', async () => {
        const { lock, owner, page, post } = await setup(ctx)
        const schedule: Schedule = { timezone: 'UTC', weekly: [{ days: ['mon'], from: '08:00', until: '18:00' }] }
        const uuid = await createTestTempKey(ctx, lock, {
          validFrom: '2026-06-01T09:00:00.000Z',
          validUntil: '2026-07-01T09:00:00.000Z',
          schedule,
        })
        const form = scheduleForm('UTC', [{ days: ['mon'], from: '08:00', until: '18:00' }]).map(([name, value]): [string, string] =>
          name === 'scheduleMode' ? [name, 'none'] : [name, value],
        )
        const res = await post(`/locks/${lock.lockId}/temp-keys/${uuid}/edit`, form, { as: owner.userId })
        expect(res.status).toBe(303)
        const updated = (await ctx.streamEvents(lock.streamId)).at(-1)
        expect(updated?.type).toBe('TempKeyUpdated')
        expect(updated?.data.changes).toEqual({ schedule: null })
        const list = await page(`/locks/${lock.lockId}/temp-keys`, { as: owner.userId })
        expect(list.text).toContain(`key-${uuid}`)
        expect(list.text).not.toContain('Opens only')
      })

      it('should refuse an invalid schedule inline (400), keep what was typed and append nothing', async () => {
        const { lock, owner, post } = await setup(ctx)
        const uuid = await createTestTempKey(ctx, lock, { validFrom: '2026-06-01T09:00:00.000Z', validUntil: '2026-07-01T09:00:00.000Z' })
        const before = (await ctx.streamEvents(lock.streamId)).length
        const rows = [
          { days: [], from: '08:00', until: '18:00' },
          { days: ['tue'], from: '8am', until: '18:00' },
        ]
        const res = await post(`/locks/${lock.lockId}/temp-keys`, scheduleForm('Mars/Olympus_Mons', rows), { as: owner.userId })
        expect(res.status).toBe(400)
        expect(res.text).toContain('Enter a time zone such as Europe/Berlin.')
        expect(res.text).toContain('<p class="field-error" id="err-windows-0">Tick at least one day.</p>')
        expect(res.text).toContain('<p class="field-error" id="err-windows-1">Enter the time the window opens (HH:MM).</p>')
        expect(res.text).toContain('value="Mars/Olympus_Mons"')
        expect(res.text).toContain('value="1:tue" checked')
        expect(res.text).toContain('value="8am"')
        expect(res.text).toContain('aria-invalid="true"')
        // The domain's own rule (from must differ from until), reported on the row it came from.
        const same = await post(
          `/locks/${lock.lockId}/temp-keys/${uuid}/edit`,
          scheduleForm('UTC', [BLANK, { days: ['mon'], from: '09:00', until: '09:00' }]),
          {
            as: owner.userId,
          },
        )
        expect(same.status).toBe(400)
        expect(same.text).toContain('<p class="field-error" id="err-windows-1">Until must differ from from.</p>')
        const none = await post(`/locks/${lock.lockId}/temp-keys`, scheduleForm('UTC', [BLANK]), { as: owner.userId })
        expect(none.status).toBe(400)
        expect(none.text).toContain('Add at least one window')
        const xss = await post(`/locks/${lock.lockId}/temp-keys`, scheduleForm(XSS, [{ days: ['mon'], from: XSS, until: '10:00' }]), {
          as: owner.userId,
        })
        expect(xss.status).toBe(400)
        expect(xss.text).not.toContain(XSS)
        const forged = await post(
          `/locks/${lock.lockId}/temp-keys`,
          scheduleForm('UTC', [{ days: ['mon'], from: '08:00', until: '18:00' }]),
          {
            as: owner.userId,
            csrf: null,
          },
        )
        expect(forged.status).toBe(403)
        expect((await ctx.streamEvents(lock.streamId)).length).toBe(before)
      })
    })
  })
}
