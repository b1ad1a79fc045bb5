// Sign-out ends the session server-side (app.handle): the presented session JWT is refused from then on, as a page
// cookie and as a Bearer token on the JSON API, also after a restart; other sessions of the user keep working.
import { describe, expect, it, setDefaultTimeout } from 'bun:test'
import { decodeJwt } from 'jose'
import { setPassword } from '../../src/auth/credentials'
import { mintCsrf } from '../../src/routes/pages/support'
import { testContext } from '../support/context'
import { tempDbPath } from '../support/temp-db'

// Each sign-in costs a real argon2id verification.
setDefaultTimeout(30_000)

const PASSWORD = 'correct horse battery staple'
const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' }

type Ctx = ReturnType<typeof testContext>

// A browser signed in through the real form: its session token and CSRF token, and requests carrying both cookies.
async function signedInBrowser(ctx: Ctx, email: string) {
  const first = await ctx.app.handle(new Request('http://localhost/login', { headers: HTML }))
  const csrf = /spkey_csrf=([^;]+)/.exec(first.headers.getSetCookie().join('\n'))?.[1] ?? ''
  const form = new URLSearchParams({ email, password: PASSWORD, _csrf: csrf }).toString()
  const headers = { ...HTML, cookie: `spkey_csrf=${csrf}`, 'content-type': 'application/x-www-form-urlencoded' }
  const signedIn = await ctx.app.handle(new Request('http://localhost/login', { method: 'POST', headers, body: form }))
  expect(signedIn.status).toBe(303)
  const cookies = signedIn.headers.getSetCookie().join('\n')
  const session = /spkey_session=([^;]+)/.exec(cookies)?.[1] ?? ''
  const csrfToken = /spkey_csrf=([^;]+)/.exec(cookies)?.[1] ?? ''
  expect(session).not.toBe('')
  return { session, csrfToken }
}

type Session = Awaited<ReturnType<typeof signedInBrowser>>

const page = (ctx: Ctx, path: string, session: string) =>
  ctx.call('GET', path, { headers: { ...HTML, cookie: `spkey_session=${session}` } })

const logout = (ctx: Ctx, { session, csrfToken }: Session, form: Record<string, string> = { _csrf: csrfToken }) =>
  ctx.call('POST', '/logout', {
    rawBody: new URLSearchParams(form).toString(),
    headers: { ...HTML, cookie: `spkey_session=${session}; spkey_csrf=${csrfToken}`, 'content-type': 'application/x-www-form-urlencoded' },
  })

// The JSON API's answer without the per-request id, to compare a revoked token with a made-up one.
async function apiAnswer(ctx: Ctx, userId: string, token: string) {
  const res = await ctx.call('GET', `/users/${userId}/accessible-locks`, { token })
  const { requestId: _requestId, ...body } = res.json ?? {}
  return { status: res.status, body }
}

async function member(ctx: Ctx) {
  const user = await ctx.user()
  await setPassword(ctx.deps, user.userId, PASSWORD)
  return user
}

const revokedRows = (ctx: Ctx) =>
  ctx.deps.db.$client.query<{ token_hash: string; expires_at: number }, []>('SELECT token_hash, expires_at FROM revoked_sessions').all()

describe('POST /logout', () => {
  it('should sign the same cookie out everywhere: pages treat it as signed out, even though it was verified before', async () => {
    const ctx = testContext()
    const user = await member(ctx)
    const browser = await signedInBrowser(ctx, user.email)
    // Verified (and cached) before sign-out.
    expect((await page(ctx, '/me/keys', browser.session)).status).toBe(200)
    expect((await page(ctx, '/login', browser.session)).status).toBe(303)

    expect((await logout(ctx, browser)).status).toBe(303)

    const keys = await page(ctx, '/me/keys', browser.session)
    expect(keys.status).toBe(303)
    expect(keys.headers.get('location')).toBe('/login?next=/me/keys')
    const login = await page(ctx, '/login', browser.session)
    expect(login.status).toBe(200)
    expect(login.text).toContain('<form method="post" action="/login">')
    expect(await ctx.deps.jwt.verify(browser.session)).toBeNull()
  })

  it('should answer the signed-out token as a Bearer on the JSON API with the same 401 as an invalid token', async () => {
    const ctx = testContext()
    const user = await member(ctx)
    const browser = await signedInBrowser(ctx, user.email)
    expect((await apiAnswer(ctx, user.userId, browser.session)).status).toBe(200)

    await logout(ctx, browser)

    const revoked = await apiAnswer(ctx, user.userId, browser.session)
    expect(revoked.status).toBe(401)
    expect(revoked.body).toMatchObject({ success: false, code: 401, message: 'Invalid or expired token' })
    expect(revoked).toEqual(await apiAnswer(ctx, user.userId, 'not.a.token'))
  })

  it("should leave the user's other sessions signed in, even ones started in the same second", async () => {
    const ctx = testContext()
    const user = await member(ctx)
    const laptop = await signedInBrowser(ctx, user.email)
    const phone = await signedInBrowser(ctx, user.email)
    expect(phone.session).not.toBe(laptop.session)

    await logout(ctx, laptop)

    expect((await page(ctx, '/me/keys', phone.session)).status).toBe(200)
    expect((await apiAnswer(ctx, user.userId, phone.session)).status).toBe(200)
    expect((await apiAnswer(ctx, user.userId, user.token)).status).toBe(200)
    expect((await apiAnswer(ctx, user.userId, laptop.session)).status).toBe(401)
  })

  it('should still refuse the signed-out token after a restart on the same database', async () => {
    const path = tempDbPath()
    const before = testContext({ DATABASE_PATH: path })
    const user = await member(before)
    const signedOut = await signedInBrowser(before, user.email)
    const kept = await signedInBrowser(before, user.email)
    await logout(before, signedOut)
    before.deps.db.$client.close()

    const after = testContext({ DATABASE_PATH: path })
    expect((await page(after, '/me/keys', signedOut.session)).status).toBe(303)
    expect((await apiAnswer(after, user.userId, signedOut.session)).status).toBe(401)
    expect((await page(after, '/me/keys', kept.session)).status).toBe(200)
    expect((await apiAnswer(after, user.userId, kept.session)).status).toBe(200)
  })

  it('should still need the CSRF token, and revoke nothing without it', async () => {
    const ctx = testContext()
    const user = await member(ctx)
    const browser = await signedInBrowser(ctx, user.email)
    expect((await logout(ctx, browser, {})).status).toBe(403)
    expect((await logout(ctx, browser, { _csrf: 'forged' })).status).toBe(403)
    expect(revokedRows(ctx)).toEqual([])
    expect((await page(ctx, '/me/keys', browser.session)).status).toBe(200)
  })

  it("should keep only the token's SHA-256 and its expiry, and nothing for a cookie that does not verify", async () => {
    const ctx = testContext()
    const user = await member(ctx)
    const browser = await signedInBrowser(ctx, user.email)
    // CSRF holds for the made-up session too: its token is signed for it.
    const madeUp = { session: 'made.up.token', csrfToken: mintCsrf(ctx.deps, 'made.up.token').csrfToken }
    expect((await logout(ctx, madeUp)).status).toBe(303)
    expect(revokedRows(ctx)).toEqual([])

    await logout(ctx, browser)

    const hash = new Bun.CryptoHasher('sha256').update(browser.session).digest('hex')
    expect(revokedRows(ctx)).toEqual([{ token_hash: hash, expires_at: (decodeJwt(browser.session).exp ?? 0) * 1000 }])
    for (const file of [ctx.deps.config.databasePath, `${ctx.deps.config.databasePath}-wal`]) {
      expect(await Bun.file(file).text()).not.toContain(browser.session)
    }
  })
})
