// Browser sign-in against the real server: a user made by the CLI signs in on /login?next=... and lands back on
// that page with the session cookie; a wrong password shows the error and sets no session.
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from 'bun:test'
import type { Browser } from 'playwright-core'
import { launchBrowser } from '../support/browser'
import { cli, type RunningServer, startServer } from '../support/server'

// A real server, the CLI and chromium: generous on a loaded CI machine.
setDefaultTimeout(60_000)

const SESSION_COOKIE = 'spkey_session'

describe('when a user signs in with the browser', () => {
  let server: RunningServer
  let browser: Browser
  const email = `browser-${crypto.randomUUID().slice(0, 8)}@example.test`
  const password = 'correct horse battery staple'

  beforeAll(async () => {
    server = await startServer()
    browser = await launchBrowser()
    const created = await cli(['user', 'create', '--email', email, '--name', 'Browser User', '--password', password], server.env)
    expect(created.exitCode).toBe(0)
  })

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('should redirect back to the page that asked, with the session cookie set', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${server.url}/login?next=/some-page`)
    await page.fill('input[name=email]', email)
    await page.fill('input[name=password]', password)
    await Promise.all([page.waitForURL(`${server.url}/some-page`), page.click('button[type=submit]')])
    expect(new URL(page.url()).pathname).toBe('/some-page')
    const session = (await context.cookies(server.url)).find((cookie) => cookie.name === SESSION_COOKIE)
    expect(session?.httpOnly).toBe(true)
    expect(session?.sameSite).toBe('Lax')
    expect(session?.value.split('.')).toHaveLength(3)
    await context.close()
  })

  it('should show the error on a wrong password and set no session', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${server.url}/login?next=/some-page`)
    await page.fill('input[name=email]', email)
    await page.fill('input[name=password]', 'not the password')
    // Waiting for the form's own answer: a load state can resolve on the page that was already there.
    const [answer] = await Promise.all([
      page.waitForResponse((response) => response.request().method() === 'POST' && new URL(response.url()).pathname === '/login'),
      page.click('button[type=submit]'),
    ])
    expect(answer.status()).toBe(401)
    await page.waitForLoadState('load')
    await expect(page.locator('#login-error').textContent()).resolves.toBe('Wrong email or password.')
    expect(new URL(page.url()).pathname).toBe('/login')
    expect((await context.cookies(server.url)).some((cookie) => cookie.name === SESSION_COOKIE)).toBe(false)
    await context.close()
  })
})
