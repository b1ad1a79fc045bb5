// The console's users over HTTP: a paged list (newest first), create (the CLI's user create), and one-time sign-in
// links shown on the page; audited under the administrator, refused to anyone else; on both databases.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { verifyPassword } from '../../../src/auth/credentials'
import { BACKENDS, contextOn } from '../../support/context'
import { consoleWorld, expectRefusedToOutsiders } from '../../support/console'

type Ctx = Awaited<ReturnType<typeof contextOn>>

for (const backend of BACKENDS) {
  describe(`the console's users (${backend})`, () => {
    let ctx: Ctx
    beforeAll(async () => {
      ctx = await contextOn(backend)
    })
    afterAll(() => ctx.close())

    describe('GET /admin/users', () => {
      it('should list users newest first, 50 a page, with a Next page link that reaches the oldest', async () => {
        // A server of its own: the list holds every user, and this test counts them.
        const own = await contextOn(backend)
        try {
          const w = await consoleWorld(own)
          for (let i = 0; i < 50; i++) await w.ctx.user({ email: `p${String(i).padStart(2, '0')}@example.test` })
          const first = await w.page('/admin/users')
          expect(first.status).toBe(200)
          expect(first.text.indexOf('p49@example.test')).toBeLessThan(first.text.indexOf('p48@example.test'))
          const row = (email: string) => `<td data-label="E-mail">${email}</td>`
          expect(first.text).not.toContain(row(w.admin.email))
          const next = /href="(\/admin\/users\?cursor=\d+)"/.exec(first.text)?.[1] ?? ''
          const second = await w.page(next)
          expect(second.text).toContain(row(w.plain.email))
          expect(second.text).toContain(row(w.admin.email))
          expect(second.text).not.toContain(row('p49@example.test'))
          expect(second.text).not.toContain('Next page')
        } finally {
          await own.close()
        }
      })

      it('should send a visitor to sign in and refuse a user who is no administrator', async () => {
        const w = await consoleWorld(ctx)
        expect((await w.page('/admin/users', null)).status).toBe(303)
        expect((await w.page('/admin/users', w.plain.userId)).status).toBe(403)
      })
    })

    describe('POST /admin/users', () => {
      it('should create the user with a name and a password, audited, and say so on the list', async () => {
        const w = await consoleWorld(ctx)
        const res = await w.post('/admin/users', { email: 'Ada@Example.test', name: 'Ada Lovelace', password: 'analytical engine' })
        expect(res.status).toBe(303)
        const user = await w.ctx.deps.data.findUserByEmail('ada@example.test')
        expect(user).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace' })
        expect(res.headers.get('location')).toBe(`/admin/users?created=${user?.userId}`)
        expect((await w.page(res.headers.get('location') ?? '')).text).toContain('ada@example.test created.')
        expect(await verifyPassword(w.ctx.deps, 'ada@example.test', 'analytical engine')).toBe(user?.userId ?? '')
        const events = await w.ctx.streamEvents(`user-${user?.userId}`)
        expect(events.map((e) => [e.type, e.metadata.principal])).toEqual([
          ['UserCreated', w.admin.userId],
          ['UserPasswordChanged', w.admin.userId],
        ])
      })

      it('should refuse a bad e-mail, a short password and a taken e-mail in the page, creating no one', async () => {
        const w = await consoleWorld(ctx)
        const before = await w.head()
        const bad = await w.post('/admin/users', { email: 'not-an-address', name: '' })
        expect(bad.status).toBe(400)
        expect(bad.text).toContain('aria-invalid="true"')
        expect(bad.text).toContain('value="not-an-address"')
        const short = await w.post('/admin/users', { email: 'short@example.test', name: '', password: 'short' })
        expect(short.status).toBe(400)
        expect(short.text).toContain('At least 8 characters')
        const taken = await w.post('/admin/users', { email: w.plain.email.toUpperCase(), name: '' })
        expect(taken.status).toBe(409)
        expect(taken.text).toContain('exists already')
        expect(await w.head()).toBe(before)
        expect(await w.ctx.deps.data.findUserByEmail('short@example.test')).toBeUndefined()
      })

      it('should refuse visitors, plain users and forms without a CSRF token', async () => {
        const w = await consoleWorld(ctx)
        const res = await expectRefusedToOutsiders(w, '/admin/users', { email: 'sneaky@example.test', name: '' })
        expect([res.visitor.status, res.plain.status, res.forged.status, res.appended]).toEqual([303, 403, 403, 0])
        expect(await w.ctx.deps.data.findUserByEmail('sneaky@example.test')).toBeUndefined()
      })
    })

    describe('POST /admin/users/{userId}/login-link', () => {
      it('should show a one-time link on the page that signs the person in, audited as LoginLinkIssued', async () => {
        const w = await consoleWorld(ctx)
        const res = await w.post(`/admin/users/${w.plain.userId}/login-link`, {})
        expect(res.status).toBe(200)
        expect(res.text).toContain(`A sign-in link for ${w.plain.email}`)
        expect(res.text).toContain('No mailer is configured')
        const url = /<code class="secret">(http[^<]+)<\/code>/.exec(res.text)?.[1]?.replaceAll('&amp;', '&') ?? ''
        const token = new URL(url).searchParams.get('token') ?? ''
        const page = await w.page(`/login/link?token=${encodeURIComponent(token)}`, null)
        expect(page.status).toBe(200)
        expect((await w.ctx.streamEvents(`user-${w.plain.userId}`)).at(-1)).toMatchObject({
          type: 'LoginLinkIssued',
          metadata: { principal: w.admin.userId },
        })
      })

      it('should answer 404 for an unknown user, refuse outsiders and forms without a CSRF token, making no link', async () => {
        const w = await consoleWorld(ctx)
        expect((await w.post(`/admin/users/${crypto.randomUUID()}/login-link`, {})).status).toBe(404)
        const res = await expectRefusedToOutsiders(w, `/admin/users/${w.plain.userId}/login-link`, {})
        expect([res.visitor.status, res.plain.status, res.forged.status, res.appended]).toEqual([303, 403, 403, 0])
        expect(res.plain.text).not.toContain('/login/link?token=')
      })
    })
  })
}
