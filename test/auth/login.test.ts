// Browser sign-in over HTTP (app.handle): CSRF on every form, the session cookie, `next` kept on this site,
// throttled failures that never reveal whether an account exists, one-time links and sign-out.
import { describe, expect, it, setDefaultTimeout } from 'bun:test'
import { setPassword } from '../../src/auth/credentials'
import { issueLoginLink } from '../../src/auth/login-links'
import { mintCsrf } from '../../src/routes/pages/support'
import { testContext } from '../support/context'
import { uniqueId } from '../support/temp-db'

// Every failed sign-in costs a real argon2id verification: the throttle tests make dozens.
setDefaultTimeout(60_000)

const PASSWORD = 'correct horse battery staple'
const HTML = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' }

type Ctx = ReturnType<typeof testContext>

// A browser: keeps the cookies it is given and sends them back.
function browser(ctx: Ctx, extraHeaders: Record<string, string> = {}) {
  const jar = new Map<string, string>()
  const remember = (response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';')
      const [name = '', ...value] = pair.split('=')
      if (/max-age=0/i.test(line)) jar.delete(name)
      else jar.set(name, value.join('='))
    }
  }
  const cookieHeader = () => [...jar].map(([name, value]) => `${name}=${value}`).join('; ')
  async function request(method: string, path: string, form?: Record<string, string>) {
    const headers: Record<string, string> = { ...HTML, ...extraHeaders, cookie: cookieHeader() }
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded'
    const body = form ? new URLSearchParams(form).toString() : undefined
    const response = await ctx.app.handle(new Request(`http://localhost${path}`, { method, headers, body }))
    remember(response)
    return { status: response.status, headers: response.headers, text: await response.text(), setCookies: response.headers.getSetCookie() }
  }
  return {
    jar,
    get: (path: string) => request('GET', path),
    post: (path: string, form: Record<string, string>) => request('POST', path, { _csrf: jar.get('spkey_csrf') ?? '', ...form }),
    postWithoutCsrf: (path: string, form: Record<string, string>) => request('POST', path, form),
  }
}

async function member(ctx: Ctx) {
  const user = await ctx.user()
  await setPassword(ctx.deps, user.userId, PASSWORD)
  return user
}

describe('GET /login', () => {
  it('should render the form with a CSRF token and the next page, and set the CSRF cookie', async () => {
    const ctx = testContext()
    const b = browser(ctx)
    const res = await b.get('/login?next=/temp-keys/abc')
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toContain('text/html')
    const csrf = b.jar.get('spkey_csrf')
    expect(csrf).toBeString()
    expect(res.text).toContain(`name="_csrf" value="${csrf}"`)
    expect(res.text).toContain('name="next" value="/temp-keys/abc"')
    expect(res.text).toContain('<form method="post" action="/login">')
  })

  it('should send a signed-in reader straight on to next', async () => {
    const ctx = testContext()
    const user = await member(ctx)
    const b = browser(ctx)
    await b.get('/login')
    await b.post('/login', { email: user.email, password: PASSWORD })
    const res = await b.get('/login?next=/orgs/acme/keys')
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/orgs/acme/keys')
  })
})

describe('POST /login', () => {
  it('should sign in: 303 to next, an HttpOnly SameSite=Lax 12-hour session cookie holding a JWT, a new CSRF token', async () => {
    const ctx = testContext()
    const user = await member(ctx)
    const b = browser(ctx)
    await b.get('/login')
    const before = b.jar.get('spkey_csrf')
    const res = await b.post('/login', { email: user.email.toUpperCase(), password: PASSWORD, next: '/some-page?x=1' })
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/some-page?x=1')
    const session = res.setCookies.find((line) => line.startsWith('spkey_session='))
    expect(session).toContain('HttpOnly')
    expect(session).toContain('SameSite=Lax')
    expect(session).toContain('Max-Age=43200')
    expect(await ctx.deps.jwt.verify(b.jar.get('spkey_session') ?? '')).toMatchObject({ userId: user.userId })
    expect(b.jar.get('spkey_csrf')).not.toBe(before)
  })

  it('should go to the start page when next is missing or points off the site', async () => {
    const ctx = testContext()
    const user = await member(ctx)
    for (const next of [
      '',
      'https://evil.test/',
      '//evil.test/x',
      '/\\evil.test',
      '/.//evil.test',
      'javascript:alert(1)',
      '/\t/evil.test',
    ]) {
      const b = browser(ctx)
      await b.get('/login')
      const res = await b.post('/login', { email: user.email, password: PASSWORD, next })
      expect(res.status).toBe(303)
      expect(res.headers.get('location')).toBe('/')
    }
  })

  it('should refuse a form without the CSRF token, or with another one (403), setting no session', async () => {
    const ctx = testContext()
    const user = await member(ctx)
    const b = browser(ctx)
    await b.get('/login')
    const missing = await b.postWithoutCsrf('/login', { email: user.email, password: PASSWORD })
    const wrong = await b.postWithoutCsrf('/login', { email: user.email, password: PASSWORD, _csrf: 'forged' })
    expect([missing.status, wrong.status]).toEqual([403, 403])
    expect(b.jar.has('spkey_session')).toBe(false)
  })

  it('should answer a wrong password and an unknown email with the same page', async () => {
    const ctx = testContext()
    const user = await member(ctx)
    const noPassword = await ctx.user()
    const answers = []
    for (const [email, password] of [
      [user.email, 'wrong password'],
      [`${uniqueId('nobody')}@example.test`, PASSWORD],
      [noPassword.email, PASSWORD],
    ]) {
      const b = browser(ctx)
      await b.get('/login')
      const res = await b.post('/login', { email: email ?? '', password: password ?? '', next: '/x' })
      expect(res.status).toBe(401)
      expect(res.text).toContain('Wrong email or password.')
      expect(res.text).toContain('name="next" value="/x"')
      expect(b.jar.has('spkey_session')).toBe(false)
      answers.push(res.text.replaceAll(b.jar.get('spkey_csrf') ?? '', 'CSRF').replaceAll(email ?? '', 'EMAIL'))
    }
    expect(new Set(answers).size).toBe(1)
  })

  it('should throttle an account after 5 failures, even the right password, until the window passes', async () => {
    const ctx = testContext({ TRUST_PROXY: 'true' })
    const user = await member(ctx)
    const other = await member(ctx)
    const b = browser(ctx, { 'x-forwarded-for': '203.0.113.7' })
    await b.get('/login')
    for (let i = 0; i < 5; i++) expect((await b.post('/login', { email: user.email, password: 'wrong' })).status).toBe(401)
    const blocked = await b.post('/login', { email: user.email, password: PASSWORD })
    expect(blocked.status).toBe(429)
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(blocked.headers.get('content-type')).toContain('text/html')
    expect(blocked.text).toContain('Too many failed sign-ins')
    expect(b.jar.has('spkey_session')).toBe(false)
    // Another account from the same address is not held up by this one.
    expect((await browserSignIn(ctx, other.email, '203.0.113.7')).status).toBe(303)
    ctx.clock.advance(15 * 60_000)
    expect((await b.post('/login', { email: user.email, password: PASSWORD })).status).toBe(303)
  })

  it('should throttle an address after 20 failures across accounts', async () => {
    const ctx = testContext({ TRUST_PROXY: 'true' })
    const user = await member(ctx)
    const b = browser(ctx, { 'x-forwarded-for': '198.51.100.9' })
    await b.get('/login')
    for (let i = 0; i < 20; i++) {
      expect((await b.post('/login', { email: `${uniqueId('guess')}@example.test`, password: 'x' })).status).toBe(401)
    }
    expect((await b.post('/login', { email: user.email, password: PASSWORD })).status).toBe(429)
    expect((await browserSignIn(ctx, user.email, '198.51.100.10')).status).toBe(303)
  })
})

describe('behind a reverse proxy (issue 24 #3)', () => {
  // nginx's proxy_add_x_forwarded_for appends the address it saw to whatever the client sent.
  const viaProxy = (ctx: Ctx, spoofed: string, seenByProxy: string) => browser(ctx, { 'x-forwarded-for': `${spoofed}, ${seenByProxy}` })

  it('should count failures against the address the proxy appended, not one the client made up', async () => {
    const ctx = testContext({ TRUST_PROXY: 'true' })
    const user = await member(ctx)
    for (let i = 0; i < 20; i++) {
      const b = viaProxy(ctx, `203.0.113.${i}`, '198.51.100.7')
      await b.get('/login')
      expect((await b.post('/login', { email: `${uniqueId('guess')}@example.test`, password: 'x' })).status).toBe(401)
    }
    const b = viaProxy(ctx, '203.0.113.99', '198.51.100.7')
    await b.get('/login')
    expect((await b.post('/login', { email: user.email, password: PASSWORD })).status).toBe(429)
  })

  it('should take the entry TRUST_PROXY_HOPS from the right when several proxies append', async () => {
    const ctx = testContext({ TRUST_PROXY: 'true', TRUST_PROXY_HOPS: '2' })
    const user = await member(ctx)
    for (let i = 0; i < 20; i++) {
      const b = browser(ctx, { 'x-forwarded-for': `203.0.113.${i}, 198.51.100.8, 10.0.0.${i}` })
      await b.get('/login')
      expect((await b.post('/login', { email: `${uniqueId('guess')}@example.test`, password: 'x' })).status).toBe(401)
    }
    expect((await browserSignIn(ctx, user.email, '203.0.113.1, 198.51.100.8, 10.0.0.1')).status).toBe(429)
    expect((await browserSignIn(ctx, user.email, '198.51.100.8, 198.51.100.9, 10.0.0.1')).status).toBe(303)
  })
})

async function browserSignIn(ctx: Ctx, email: string, ip: string) {
  const b = browser(ctx, { 'x-forwarded-for': ip })
  await b.get('/login')
  return b.post('/login', { email, password: PASSWORD })
}

describe('one-time sign-in links', () => {
  it('should show a confirmation on GET (not spending the link) and sign in once on POST', async () => {
    const ctx = testContext()
    const user = await ctx.user()
    const { url } = await issueLoginLink(ctx.deps, user.userId)
    const path = new URL(url).pathname + new URL(url).search
    const b = browser(ctx)
    const page = await b.get(`${path}&next=/me/keys`)
    expect(page.status).toBe(200)
    expect(page.text).toContain('action="/login/link"')
    expect((await b.get(path)).status).toBe(200)
    const token = new URL(url).searchParams.get('token') ?? ''
    const signedIn = await b.post('/login/link', { token, next: '/somewhere' })
    expect(signedIn.status).toBe(303)
    expect(signedIn.headers.get('location')).toBe('/somewhere')
    expect(await ctx.deps.jwt.verify(b.jar.get('spkey_session') ?? '')).toMatchObject({ userId: user.userId })

    const again = browser(ctx)
    await again.get('/login')
    const reused = await again.post('/login/link', { token })
    expect(reused.status).toBe(410)
    expect(reused.text).toContain('expired or was already used')
    expect(again.jar.has('spkey_session')).toBe(false)
    expect((await again.get(path)).status).toBe(410)
  })

  it('should not sign in after 15 minutes, nor with an unknown token', async () => {
    const ctx = testContext()
    const user = await ctx.user()
    const token = new URL((await issueLoginLink(ctx.deps, user.userId)).url).searchParams.get('token') ?? ''
    ctx.clock.advance(15 * 60_000)
    const b = browser(ctx)
    await b.get('/login')
    expect((await b.post('/login/link', { token })).status).toBe(410)
    expect((await b.post('/login/link', { token: 'made-up' })).status).toBe(410)
    expect(b.jar.has('spkey_session')).toBe(false)
  })

  it('should need the CSRF token to spend a link, and leave it usable when refused', async () => {
    const ctx = testContext()
    const user = await ctx.user()
    const token = new URL((await issueLoginLink(ctx.deps, user.userId)).url).searchParams.get('token') ?? ''
    const b = browser(ctx)
    await b.get('/login')
    expect((await b.postWithoutCsrf('/login/link', { token })).status).toBe(403)
    expect((await b.post('/login/link', { token })).status).toBe(303)
  })

  it('should refuse a link for an unknown user', async () => {
    const ctx = testContext()
    await expect(issueLoginLink(ctx.deps, crypto.randomUUID())).rejects.toThrow('User not found')
  })

  it('should put each link handed out on record under whoever asked, never its token', async () => {
    const ctx = testContext()
    const user = await ctx.user()
    const { url, expiresAt } = await issueLoginLink(ctx.deps, user.userId, { principal: 'cli' })
    const issued = ctx.eventsOf(`user-${user.userId}`).at(-1)
    expect(issued).toMatchObject({ type: 'LoginLinkIssued', data: { userId: user.userId, expiresAt }, metadata: { principal: 'cli' } })
    expect(JSON.stringify(issued)).not.toContain(new URL(url).searchParams.get('token') ?? '')
  })
})

describe('POST /logout', () => {
  it('should clear the session cookie and go to /login, with the CSRF token only', async () => {
    const ctx = testContext()
    const user = await member(ctx)
    const b = browser(ctx)
    await b.get('/login')
    await b.post('/login', { email: user.email, password: PASSWORD })
    expect(b.jar.has('spkey_session')).toBe(true)
    expect((await b.postWithoutCsrf('/logout', {})).status).toBe(403)
    expect(b.jar.has('spkey_session')).toBe(true)
    const res = await b.post('/logout', {})
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/login')
    expect(res.setCookies.find((line) => line.startsWith('spkey_session='))).toContain('Max-Age=0')
    expect(b.jar.has('spkey_session')).toBe(false)
  })
})

describe('POST /logout from htmx', () => {
  it('should take the CSRF token from the X-CSRF-Token header, without a body, and answer HX-Redirect', async () => {
    const ctx = testContext()
    const { csrfToken } = mintCsrf(ctx.deps, 'x')
    const headers = { cookie: `spkey_csrf=${csrfToken}; spkey_session=x`, 'x-csrf-token': csrfToken, 'hx-request': 'true' }
    const res = await ctx.app.handle(new Request('http://localhost/logout', { method: 'POST', headers }))
    expect(res.status).toBe(204)
    expect(res.headers.get('hx-redirect')).toBe('/login')
    expect(res.headers.get('set-cookie')).toContain('spkey_session=;')
  })
})

describe('passwords', () => {
  it('should keep only an argon2id hash in the vault and audit the change without it', async () => {
    const ctx = testContext()
    const user = await ctx.user()
    await setPassword(ctx.deps, user.userId, PASSWORD)
    const row = ctx.deps.db.$client
      .query<{ password_hash: string }, [string]>('SELECT password_hash FROM user_credentials WHERE user_id = ?')
      .get(user.userId)
    expect(row?.password_hash).toStartWith('$argon2id$')
    const events = ctx.eventsOf(`user-${user.userId}`)
    expect(events.map((e) => e.type)).toEqual(['UserCreated', 'UserPasswordChanged'])
    expect(JSON.stringify(events)).not.toContain(PASSWORD)
  })

  it('should refuse a password shorter than 8 characters', async () => {
    const ctx = testContext()
    const user = await ctx.user()
    await expect(setPassword(ctx.deps, user.userId, 'short')).rejects.toThrow('8 to 1024 characters')
  })
})
