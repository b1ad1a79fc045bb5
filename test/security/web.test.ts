// Web security of the htmx pages (issue 10, suite 5): CSRF on every state-changing form post, cookie flags,
// security headers on pages and API, stored XSS rendered escaped, and rate limits answering 429 + Retry-After; on each
// database (issue 21), where PostgreSQL's rate limits are counted in the database.
import { afterAll, describe, expect, it, setDefaultTimeout } from 'bun:test'
import { setPassword } from '../../src/auth/credentials'
import { addOrgMember } from '../../src/auth/tenants'
import { BACKENDS, type Backend, contextOn } from '../support/context'
import { fakeDriver } from '../support/fake-driver'
import { createTestLock, createTestTempKey } from '../support/locks'

// Failed sign-ins cost a real password hash verification each.
setDefaultTimeout(60_000)

const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' }
const PASSWORD = 'correct horse battery staple'
type Ctx = Awaited<ReturnType<typeof contextOn>>
const contexts: Ctx[] = []
afterAll(async () => {
  for (const ctx of contexts) {
    await ctx.deps.webhooks.stop()
    await ctx.close()
  }
})

// One context per test: the tests differ in configuration and each counts its own rate limits.
async function context(backend: Backend, env: Record<string, string> = {}) {
  const ctx = await contextOn(backend, { WEBHOOK_ALLOW_HTTP: 'true', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', ...env }, undefined, {
    drivers: fakeDriver().registry,
  })
  contexts.push(ctx)
  return ctx
}

// A signed-in staff member of org A, also a site administrator, who owns a lock of org A with a temp key, and a
// webhook of org A.
async function world(ctx: Ctx) {
  const org = await ctx.org()
  const staff = await ctx.user()
  await addOrgMember(ctx.deps, org.orgId, staff.userId)
  await ctx.deps.data.addSiteAdmin(staff.userId, ctx.clock.now())
  const holder = await ctx.user()
  const add = await ctx.call('POST', `/users/${holder.userId}/AddPhysicalKey`, {
    apiKey: org.apiKey,
    body: { orgId: org.orgId, note: 'n' },
  })
  const lock = await createTestLock(ctx, { ownerId: staff.userId, orgId: org.orgId })
  const tempKeyUuid = await createTestTempKey(ctx, lock)
  const collective = await ctx.call('POST', '/temp-keys', {
    apiKey: org.apiKey,
    body: { validFrom: '2026-05-01T00:00:00Z', validUntil: '2027-01-01T00:00:00Z', doors: [{ lockId: String(lock.lockId) }] },
  })
  const webhook = await ctx.call('POST', '/webhooks', { apiKey: org.apiKey, body: { url: 'http://127.0.0.1:1/hook' } })
  const { session, csrf } = await ctx.browser(staff.userId)
  if (session === null) throw new Error('a signed-in browser has a session')
  return {
    org,
    staff,
    holder,
    lock,
    tempKeyUuid,
    collectiveKeyUuid: collective.json.uuid as string,
    webhookId: webhook.json.id as string,
    session,
    csrf,
    keyNumber: add.json.number as number,
  }
}

async function browserPost(
  ctx: Ctx,
  path: string,
  form: Record<string, string>,
  cookies: Record<string, string>,
  headers: Record<string, string> = {},
) {
  const cookie = Object.entries(cookies)
    .map(([name, value]) => `${name}=${value}`)
    .join('; ')
  const response = await ctx.app.handle(
    new Request(`http://localhost${path}`, {
      method: 'POST',
      headers: { ...HTML, 'content-type': 'application/x-www-form-urlencoded', cookie, ...headers },
      body: new URLSearchParams(form).toString(),
    }),
  )
  return { status: response.status, headers: response.headers, text: await response.text() }
}

async function page(ctx: Ctx, path: string, session?: string) {
  const headers: Record<string, string> = { ...HTML }
  if (session) headers.cookie = `spkey_session=${session}`
  const response = await ctx.app.handle(new Request(`http://localhost${path}`, { headers }))
  return { status: response.status, headers: response.headers, text: await response.text() }
}

type FormPost = { route: string; path: string; form: Record<string, string> }
function formPosts(w: Awaited<ReturnType<typeof world>>): FormPost[] {
  const validFrom = '2026-06-01T09:00'
  const keyForm = { timezone: 'UTC', validFrom, validUntil: '2026-06-02T09:00', accessMode: 'public', maxUses: '', description: 'x' }
  return [
    { route: 'POST /login', path: '/login', form: { email: w.staff.email, password: PASSWORD } },
    { route: 'POST /login/link', path: '/login/link', form: { token: 'whatever' } },
    { route: 'POST /logout', path: '/logout', form: {} },
    {
      route: 'POST /setup/:token',
      path: '/setup/whatever',
      form: { email: 'admin@example.test', password: PASSWORD, passwordAgain: PASSWORD },
    },
    { route: 'POST /orgs/:orgId/keys/add', path: `/orgs/${w.org.orgId}/keys/add`, form: { email: w.holder.email, note: 'x' } },
    {
      route: 'POST /orgs/:orgId/keys/remove',
      path: `/orgs/${w.org.orgId}/keys/remove`,
      form: { email: w.holder.email, q: '', number: String(w.keyNumber) },
    },
    { route: 'POST /locks/:id/open', path: `/locks/${w.lock.lockId}/open`, form: {} },
    { route: 'POST /locks/:id/temp-keys', path: `/locks/${w.lock.lockId}/temp-keys`, form: keyForm },
    { route: 'POST /locks/:id/temp-keys/:uuid/edit', path: `/locks/${w.lock.lockId}/temp-keys/${w.tempKeyUuid}/edit`, form: keyForm },
    { route: 'POST /locks/:id/temp-keys/:uuid/delete', path: `/locks/${w.lock.lockId}/temp-keys/${w.tempKeyUuid}/delete`, form: {} },
    { route: 'POST /temp-keys/:uuid/open', path: `/temp-keys/${w.tempKeyUuid}/open`, form: {} },
    { route: 'POST /temp-keys/:uuid/doors/:doorId/open', path: `/temp-keys/${w.collectiveKeyUuid}/doors/1/open`, form: {} },
    {
      route: 'POST /shared-keys',
      path: '/shared-keys',
      form: { validFrom, validUntil: '2026-06-02T09:00', lockId: String(w.lock.lockId), [`method-${w.lock.lockId}`]: 'key' },
    },
    { route: 'POST /shared-keys/:uuid/revoke', path: `/shared-keys/${w.collectiveKeyUuid}/revoke`, form: {} },
    {
      route: 'POST /collective-temp-keys/:uuid/doors/:doorId/open',
      path: `/collective-temp-keys/${w.collectiveKeyUuid}/doors/1/open`,
      form: {},
    },
    {
      route: 'POST /orgs/:orgId/webhooks/:id/replay',
      path: `/orgs/${w.org.orgId}/webhooks/${w.webhookId}/replay`,
      form: { fromPosition: '1' },
    },
    { route: 'POST /admin/orgs', path: '/admin/orgs', form: { name: 'Forged', orgId: '' } },
    { route: 'POST /admin/orgs/:orgId/api-key', path: `/admin/orgs/${w.org.orgId}/api-key`, form: {} },
    { route: 'POST /admin/orgs/:orgId/members', path: `/admin/orgs/${w.org.orgId}/members`, form: { email: w.holder.email } },
    {
      route: 'POST /admin/orgs/:orgId/members/remove',
      path: `/admin/orgs/${w.org.orgId}/members/remove`,
      form: { userId: w.staff.userId },
    },
    { route: 'POST /admin/users', path: '/admin/users', form: { email: 'forged@example.test', name: '' } },
    { route: 'POST /admin/users/:userId/login-link', path: `/admin/users/${w.holder.userId}/login-link`, form: {} },
    {
      route: 'POST /admin/locks',
      path: '/admin/locks',
      form: { lockId: String(w.lock.lockId + 1_000_000), uuid: crypto.randomUUID(), driver: 'simulated' },
    },
    { route: 'POST /admin/locks/:id/owner', path: `/admin/locks/${w.lock.lockId}/owner`, form: { ownerEmail: w.holder.email } },
    { route: 'POST /admin/locks/:id/org', path: `/admin/locks/${w.lock.lockId}/org`, form: { orgId: w.org.orgId } },
    { route: 'POST /admin/locks/:id/driver', path: `/admin/locks/${w.lock.lockId}/driver`, form: { driver: 'simulated' } },
  ]
}

for (const backend of BACKENDS) {
  describe(`web security (${backend})`, () => {
    describe('CSRF on form posts', () => {
      it('should list every page form post of the app', async () => {
        const ctx = await context(backend)
        const w = await world(ctx)
        const covered = new Set(formPosts(w).map((post) => post.route))
        const jsonPosts =
          /\/(CreateLock|SetOwner|SetOrganization|ChangeLockUuid|OpenLock|AddKey|BulkAddKeys|RemoveKey|WriteKey|AddResident|RemoveResident|AddAccessibleLock|RemoveAccessibleLock|AddPhysicalKey|RemovePhysicalKey|CreateUser|UpdatePhoneNumber|UpdateEmail|create-temp-key|update-temp-key|delete-temp-key|use-temp-key|open-with-pin)$|^\/(webhooks|tenants|api-keys|users$|temp-keys$|collective-temp-keys$)/
        const pagePosts = ctx.app.routes.filter((r) => r.method === 'POST' && !jsonPosts.test(r.path)).map((r) => `POST ${r.path}`)
        expect(pagePosts.filter((route) => !covered.has(route))).toEqual([])
      })

      for (const variant of ['without a token', 'with a wrong token', 'with a token but no cookie'] as const) {
        it(`should refuse every state-changing form post ${variant} with 403 and append nothing`, async () => {
          const ctx = await context(backend)
          const w = await world(ctx)
          await setPassword(ctx.deps, w.staff.userId, PASSWORD)
          for (const post of formPosts(w)) {
            const cookies: Record<string, string> = { spkey_session: w.session, spkey_csrf: w.csrf }
            const form = { ...post.form }
            if (variant === 'with a wrong token') form._csrf = `${w.csrf}x`
            if (variant === 'with a token but no cookie') {
              form._csrf = w.csrf
              delete cookies.spkey_csrf
            }
            const before = await ctx.head()
            const response = await browserPost(ctx, post.path, form, cookies)
            expect({
              route: post.route,
              status: response.status,
              setsSession: /spkey_session=[^;]/.test(response.headers.get('set-cookie') ?? ''),
            }).toEqual({
              route: post.route,
              status: 403,
              setsSession: false,
            })
            expect({ route: post.route, appended: (await ctx.head()) - before }).toEqual({ route: post.route, appended: 0 })
          }
        })
      }

      it('should accept the same posts with the token (the refusal is the token, not the form)', async () => {
        const ctx = await context(backend)
        const w = await world(ctx)
        const before = await ctx.head()
        const response = await browserPost(
          ctx,
          `/locks/${w.lock.lockId}/open`,
          { _csrf: w.csrf },
          { spkey_session: w.session, spkey_csrf: w.csrf },
        )
        expect(response.status).toBe(303)
        expect(await ctx.head()).toBeGreaterThan(before)
        const header = await browserPost(
          ctx,
          `/locks/${w.lock.lockId}/open`,
          {},
          { spkey_session: w.session, spkey_csrf: w.csrf },
          { 'x-csrf-token': w.csrf },
        )
        expect(header.status).toBe(303)
      })

      it('should refuse a cookie and field that match but were not signed for this session (issue 24 #15)', async () => {
        const ctx = await context(backend)
        const w = await world(ctx)
        const before = await ctx.head()
        const path = `/locks/${w.lock.lockId}/open`
        // Another session of the same user: its own sign-in, its own jti.
        const otherSession = await ctx.deps.jwt.sign(w.staff.userId, 3600, { jti: crypto.randomUUID() })
        const otherSessions = await browserPost(ctx, path, { _csrf: w.csrf }, { spkey_session: otherSession, spkey_csrf: w.csrf })
        // The review's reproduction: a planted cookie and the same value in the form.
        const planted = 'A'.repeat(32)
        const plantedPair = await browserPost(ctx, path, { _csrf: planted }, { spkey_session: w.session, spkey_csrf: planted })
        expect([otherSessions.status, plantedPair.status]).toEqual([403, 403])
        expect(await ctx.head()).toBe(before)
      })
    })

    describe('cookies', () => {
      const flags = (line: string) => ({
        httpOnly: /;\s*HttpOnly/i.test(line),
        sameSite: /;\s*SameSite=Lax/i.test(line),
        secure: /;\s*Secure/i.test(line),
      })

      for (const [publicUrl, secure] of [
        ['http://localhost:3000', false],
        ['https://spkey.example.test', true],
      ] as const) {
        // __Host- (issue 24 #15): under https a browser takes such a cookie only Secure, for Path=/, without Domain.
        const prefix = secure ? '__Host-' : ''
        it(`should set HttpOnly, SameSite=Lax${secure ? ', Secure and __Host-' : ''} cookies when PUBLIC_URL is ${publicUrl}`, async () => {
          const ctx = await context(backend, { PUBLIC_URL: publicUrl })
          const w = await world(ctx)
          await setPassword(ctx.deps, w.staff.userId, PASSWORD)
          const first = await page(ctx, '/login')
          const csrfLine = first.headers.getSetCookie().find((line) => line.startsWith(`${prefix}spkey_csrf=`))
          expect(csrfLine).toBeDefined()
          expect(flags(csrfLine ?? '')).toEqual({ httpOnly: true, sameSite: true, secure })
          const csrf = /=([^;]+)/.exec(csrfLine ?? '')?.[1] ?? ''
          const signIn = await browserPost(
            ctx,
            '/login',
            { email: w.staff.email, password: PASSWORD, _csrf: csrf },
            { [`${prefix}spkey_csrf`]: csrf },
          )
          expect(signIn.status).toBe(303)
          const lines = signIn.headers.getSetCookie()
          expect(lines.map((line) => line.split('=')[0]).sort()).toEqual([`${prefix}spkey_csrf`, `${prefix}spkey_session`])
          for (const line of lines) expect(flags(line)).toEqual({ httpOnly: true, sameSite: true, secure })
          for (const line of lines) expect(line).toContain('; Path=/;')
          for (const line of lines) expect(line).not.toMatch(/;\s*Domain=/i)
        })
      }

      it('should ignore a session cookie without the __Host- prefix when PUBLIC_URL is https (a sibling subdomain can set one)', async () => {
        const ctx = await context(backend, { PUBLIC_URL: 'https://spkey.example.test' })
        const w = await world(ctx)
        const unprefixed = await page(ctx, '/locks', w.session)
        expect(unprefixed.status).toBe(303)
        expect(unprefixed.headers.get('location')).toBe('/login?next=/locks')
      })
    })

    describe('security headers', () => {
      const check = (headers: Headers) => {
        const csp = headers.get('content-security-policy') ?? ''
        const scriptSrc = /script-src([^;]*)/.exec(csp)?.[1] ?? /default-src([^;]*)/.exec(csp)?.[1] ?? ''
        return {
          scriptSrcSelf: scriptSrc.includes("'self'"),
          unsafeInline: scriptSrc.includes("'unsafe-inline'") || scriptSrc.includes("'unsafe-eval'"),
          frameAncestorsNone: /frame-ancestors 'none'/.test(csp),
          nosniff: headers.get('x-content-type-options'),
          referrerPolicy: headers.get('referrer-policy'),
        }
      }
      const expected = {
        scriptSrcSelf: true,
        unsafeInline: false,
        frameAncestorsNone: true,
        nosniff: 'nosniff',
        referrerPolicy: 'no-referrer',
      }

      it('should send them on pages, error pages and API answers alike', async () => {
        const ctx = await context(backend)
        const w = await world(ctx)
        const responses = [
          await page(ctx, '/login'),
          await page(ctx, `/temp-keys/${w.tempKeyUuid}`),
          await page(ctx, '/locks', w.session),
          await page(ctx, `/temp-keys/${crypto.randomUUID()}`),
          await ctx.call('GET', `/locks/${w.lock.lockId}/basic-info`, { apiKey: w.org.apiKey }),
          await ctx.call('GET', `/locks/${w.lock.lockId}/basic-info`),
          await ctx.call('GET', '/healthz'),
          await ctx.call('GET', '/no-such-route'),
        ]
        for (const response of responses) expect(check(response.headers)).toEqual(expected)
      })
    })

    describe('stored XSS', () => {
      const PAYLOADS = ['<script>alert(1)</script>', '"><img src=x onerror=alert(1)>']

      for (const payload of PAYLOADS) {
        it(`should render ${payload} escaped on every page that shows a free-text field`, async () => {
          const ctx = await context(backend)
          const org = await ctx.org()
          const staff = await ctx.user()
          await addOrgMember(ctx.deps, org.orgId, staff.userId)
          const holderId = crypto.randomUUID()
          const email = `xss-${holderId.slice(0, 8)}@example.test`
          const created = await ctx.call('POST', `/users/${holderId}/CreateUser`, {
            apiKey: org.apiKey,
            body: { userId: holderId, email, firstName: payload, lastName: payload },
          })
          expect(created.status).toBe(201)
          const added = await ctx.call('POST', `/users/${holderId}/AddPhysicalKey`, {
            apiKey: org.apiKey,
            body: { orgId: org.orgId, orgName: payload, note: payload },
          })
          expect(added.status).toBe(200)
          const lockId = 1_500_000_000 + Math.floor(Math.random() * 1e8)
          const lock = await ctx.call('POST', `/locks/${lockId}/CreateLock`, {
            token: staff.token,
            body: { index: 1, uuid: crypto.randomUUID(), serialNumber: payload, vendorName: payload, name: payload },
          })
          expect(lock.status).toBe(201)
          const resident = await ctx.call('POST', `/locks/${lockId}/AddResident`, {
            token: staff.token,
            body: { email: `res-${email}`, name: payload },
          })
          expect(resident.status).toBe(200)
          const validFrom = new Date(ctx.deps.clock.now() - 60_000).toISOString()
          const validUntil = new Date(ctx.deps.clock.now() + 86_400_000).toISOString()
          const tempKey = await ctx.call('POST', `/locks/${lockId}/create-temp-key`, {
            token: staff.token,
            body: { accessMode: 'public', validFrom, validUntil, description: payload },
          })
          expect(tempKey.status).toBe(200)
          const staffSession = await ctx.deps.jwt.sign(staff.userId, 3600)
          const holderSession = await ctx.deps.jwt.sign(holderId, 3600)
          const pages = [
            await page(ctx, '/me/keys', holderSession),
            await page(ctx, `/orgs/${org.orgId}/keys?email=${encodeURIComponent(email)}`, staffSession),
            await page(ctx, '/locks', staffSession),
            await page(ctx, `/locks/${lockId}`, staffSession),
            await page(ctx, `/locks/${lockId}/temp-keys`, staffSession),
            await page(ctx, `/locks/${lockId}/temp-keys/${tempKey.json.tempKeyUuid}/edit`, staffSession),
            await page(ctx, `/temp-keys/${tempKey.json.tempKeyUuid}`),
          ]
          const escaped = Bun.escapeHTML(payload)
          for (const [i, response] of pages.entries()) {
            expect({ page: i, status: response.status }).toEqual({ page: i, status: 200 })
            expect({ page: i, raw: response.text.includes(payload) || /<img src=x|<script>alert/i.test(response.text) }).toEqual({
              page: i,
              raw: false,
            })
            // Every one of these pages shows at least one of the fields: the payload is there, only escaped.
            expect({
              page: i,
              escaped: response.text.includes(escaped) || response.text.includes(escaped.replaceAll('&#x27;', '&#39;')),
            }).toEqual({ page: i, escaped: true })
          }
        })
      }
    })

    describe('rate limits', () => {
      // The limiters count on the app's clock (the manual one here), never the database's: the clock has not moved, so
      // Retry-After is the whole window, and once it has passed the window is over on both databases.
      it('should answer 429 with Retry-After to sign-in attempts past the limit, even with the right password, until the window ends', async () => {
        const ctx = await context(backend)
        const w = await world(ctx)
        await setPassword(ctx.deps, w.staff.userId, PASSWORD)
        const signedOut = await ctx.browser(null)
        const attempt = (password: string) =>
          browserPost(ctx, '/login', { email: w.staff.email, password, _csrf: signedOut.csrf }, { spkey_csrf: signedOut.csrf })
        for (let i = 0; i < 5; i++) expect((await attempt('wrong password!')).status).toBe(401)
        const limited = await attempt(PASSWORD)
        expect(limited.status).toBe(429)
        expect(limited.headers.get('retry-after')).toBe('900')
        expect(limited.headers.get('content-type')).toContain('text/html')
        expect(limited.headers.getSetCookie().some((line) => line.startsWith('spkey_session='))).toBe(false)
        ctx.clock.advance(15 * 60_000)
        expect((await attempt(PASSWORD)).status).toBe(303)
      })

      it('should answer 429 with Retry-After to temp-key opens past the limit, in the envelope and on the page, until the window ends', async () => {
        const ctx = await context(backend, { OPEN_RATE_LIMIT_PER_KEY: '2', OPEN_RATE_LIMIT_PER_IP: '0' })
        const w = await world(ctx)
        const path = `/temp-keys/${w.tempKeyUuid}/open`
        expect((await ctx.call('POST', path)).status).toBe(303)
        expect((await ctx.call('POST', path)).status).toBe(303)
        const before = await ctx.head()
        const json = await ctx.call('POST', path)
        expect(json.status).toBe(429)
        expect(json.json).toMatchObject({ success: false, code: 429, error: 'Too Many Requests' })
        expect(json.headers.get('retry-after')).toBe('60')
        const browser = await browserPost(ctx, path, {}, {})
        expect(browser.status).toBe(429)
        expect(browser.headers.get('content-type')).toContain('text/html')
        expect(browser.headers.get('retry-after')).toBe('60')
        expect(await ctx.head()).toBe(before)
        ctx.clock.advance(60_000)
        expect((await ctx.call('POST', path)).status).toBe(303)
      })
    })
  })
}
