// First-run setup over HTTP (app.handle): the one-time link's form makes the first site administrator (a user with a
// password), signs them in and sends them to /; afterwards, and for any wrong token, the same 404 as an unknown page;
// on both databases.
import { afterAll, describe, expect, it } from 'bun:test'
import { verifyPassword } from '../../../src/auth/credentials'
import { SESSION_COOKIE } from '../../../src/auth/principal'
import { CSRF_COOKIE, mintCsrf } from '../../../src/routes/pages/support'
import { BACKENDS, type Backend, contextOn } from '../../support/context'

const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'
const PASSWORD = 'correct horse battery'

type Ctx = Awaited<ReturnType<typeof contextOn>>
const contexts: Ctx[] = []
afterAll(async () => {
  for (const ctx of contexts) await ctx.close()
})

// A new server per test: setup happens once per server, and the wrong-token limit counts per server.
async function setup(backend: Backend) {
  // Behind one trusted proxy: X-Forwarded-For names the client, so a test can be two addresses.
  const ctx = await contextOn(backend, { TRUST_PROXY: 'true' })
  contexts.push(ctx)
  const token = (await ctx.deps.data.mintSetupToken()) ?? ''
  // A signed-out browser's token, as spkey mints it (bound to no session).
  const CSRF = mintCsrf(ctx.deps, null).csrfToken
  async function send(method: string, path: string, options: { form?: Record<string, string>; cookie?: string; ip?: string } = {}) {
    const headers: Record<string, string> = { accept: BROWSER, cookie: options.cookie ?? `${CSRF_COOKIE}=${CSRF}` }
    if (options.ip) headers['x-forwarded-for'] = options.ip
    let body: string | undefined
    if (options.form) {
      headers['content-type'] = 'application/x-www-form-urlencoded'
      body = new URLSearchParams(options.form).toString()
    }
    const res = await ctx.app.handle(new Request(`http://localhost${path}`, { method, headers, body }))
    return { status: res.status, headers: res.headers, text: await res.text() }
  }
  const form = (email: string, overrides: Record<string, string> = {}) => ({
    _csrf: CSRF,
    email,
    password: PASSWORD,
    passwordAgain: PASSWORD,
    ...overrides,
  })
  return { ctx, token, send, form, CSRF }
}

// The body of the 404 an unknown address answers, less its request id.
const withoutRequestId = (html: string) => html.replace(/<code>[^<]*<\/code>/, '')

for (const backend of BACKENDS) {
  describe(`first-run setup (${backend})`, () => {
    describe('GET /setup/{token}', () => {
      it('should show the form (email, password twice, CSRF) while the link is usable', async () => {
        const { token, send, CSRF } = await setup(backend)
        const res = await send('GET', `/setup/${token}`)
        expect(res.status).toBe(200)
        expect(res.text).toContain(`action="/setup/${token}"`)
        expect(res.text).toContain(`name="_csrf" value="${CSRF}"`)
        for (const name of ['email', 'password', 'passwordAgain']) expect(res.text).toContain(`name="${name}"`)
      })

      it('should answer a wrong token with the 404 of an unknown page', async () => {
        const { send } = await setup(backend)
        const unknown = await send('GET', '/no-such-page')
        for (const path of ['/setup/wrong', `/setup/${'A'.repeat(43)}`]) {
          const res = await send('GET', path)
          expect(res.status).toBe(404)
          expect(withoutRequestId(res.text)).toBe(withoutRequestId(unknown.text))
        }
      })

      it('should throttle wrong tokens per address with 429, the right one still working elsewhere', async () => {
        const { token, send } = await setup(backend)
        for (let i = 0; i < 10; i++) expect((await send('GET', `/setup/wrong-${i}`, { ip: '203.0.113.7' })).status).toBe(404)
        expect((await send('GET', `/setup/wrong-x`, { ip: '203.0.113.7' })).status).toBe(429)
        expect((await send('GET', `/setup/${token}`, { ip: '203.0.113.8' })).status).toBe(200)
      })
    })

    describe('POST /setup/{token}', () => {
      it('should create the administrator with a password, sign them in and send them to the start page', async () => {
        const { ctx, token, send, form } = await setup(backend)
        expect(await ctx.deps.data.hasSiteAdmin()).toBe(false)
        const res = await send('POST', `/setup/${token}`, { form: form('Admin@Example.test') })
        expect(res.status).toBe(303)
        expect(res.headers.get('location')).toBe('/')
        const user = await ctx.deps.data.findUserByEmail('admin@example.test')
        expect(user).toBeDefined()
        expect(await ctx.deps.data.isSiteAdmin(user?.userId ?? '')).toBe(true)
        expect(await verifyPassword(ctx.deps, 'admin@example.test', PASSWORD)).toBe(user?.userId ?? null)
        expect((await ctx.streamEvents(`user-${user?.userId}`)).map((e) => e.type)).toContain('UserPasswordChanged')

        const cookies = res.headers.getSetCookie()
        const session = cookies.find((c) => c.startsWith(`${SESSION_COOKIE}=`))?.split(';')[0] ?? ''
        const csrf = cookies.find((c) => c.startsWith(`${CSRF_COOKIE}=`))?.split(';')[0] ?? ''
        const home = await send('GET', '/', { cookie: `${session}; ${csrf}` })
        expect(home.status).toBe(200)
        expect(home.text).toContain('admin@example.test')
        expect(home.text).toContain('action="/logout"')
      })

      it('should be dead once used: the GET and another POST answer the same 404', async () => {
        const { ctx, token, send, form } = await setup(backend)
        expect((await send('POST', `/setup/${token}`, { form: form('first@example.test') })).status).toBe(303)
        const unknown = await send('GET', '/no-such-page')
        const again = await send('GET', `/setup/${token}`)
        expect(again.status).toBe(404)
        expect(withoutRequestId(again.text)).toBe(withoutRequestId(unknown.text))
        expect((await send('POST', `/setup/${token}`, { form: form('second@example.test') })).status).toBe(404)
        expect(await ctx.deps.data.findUserByEmail('second@example.test')).toBeUndefined()
        expect(await ctx.deps.data.mintSetupToken()).toBeNull()
      })

      it('should refuse a POST without the CSRF token, making no one', async () => {
        const { ctx, token, send, form } = await setup(backend)
        const res = await send('POST', `/setup/${token}`, { form: form('csrf@example.test', { _csrf: '' }) })
        expect(res.status).toBe(403)
        const forged = await send('POST', `/setup/${token}`, {
          form: form('csrf@example.test'),
          cookie: `${CSRF_COOKIE}=another-token-0123456789`,
        })
        expect(forged.status).toBe(403)
        expect(await ctx.deps.data.hasSiteAdmin()).toBe(false)
        expect((await send('GET', `/setup/${token}`)).status).toBe(200)
      })

      it('should show the form again, with what went wrong, for a bad address, a short password or two that differ', async () => {
        const { ctx, token, send, form } = await setup(backend)
        const cases = [
          [{ email: 'not-an-address' }, 'Enter an e-mail address.'],
          [{ password: 'short', passwordAgain: 'short' }, 'at least 8 characters'],
          [{ passwordAgain: `${PASSWORD}!` }, 'The two passwords differ.'],
        ] as const
        for (const [overrides, message] of cases) {
          const res = await send('POST', `/setup/${token}`, { form: form('x"><b>x</b>@example.test', overrides) })
          expect(res.status).toBe(400)
          expect(res.text).toContain(message)
          expect(res.text).toContain('aria-invalid="true"')
          expect(res.text).not.toContain('"><b>')
        }
        expect(await ctx.deps.data.hasSiteAdmin()).toBe(false)
        expect((await send('GET', `/setup/${token}`)).status).toBe(200)
      })

      it('should not take over an existing account: its e-mail is refused and the link still works', async () => {
        const { ctx, token, send, form } = await setup(backend)
        const existing = await ctx.user()
        const res = await send('POST', `/setup/${token}`, { form: form(existing.email) })
        expect(res.status).toBe(409)
        expect(await ctx.deps.data.isSiteAdmin(existing.userId)).toBe(false)
        expect((await send('GET', `/setup/${token}`)).status).toBe(200)
      })
    })
  })
}
