// The site on a phone, from a fresh server: the one-time setup link it printed makes the administrator, who lands
// signed in on the start page and reaches My keys through the header; axe-core finds no serious or critical
// accessibility violation on the setup page, the start page or My keys.
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from 'bun:test'
import type { Browser } from 'playwright-core'
import { closeSite, PHONE, openSite, seriousViolations, setupLinkOf, watchErrors } from '../support/browser'
import type { RunningServer } from '../support/server'

// A real server and chromium: generous on a loaded CI machine.
setDefaultTimeout(60_000)

describe('when the first administrator sets up a fresh server on a phone', () => {
  let server: RunningServer
  let browser: Browser
  beforeAll(async () => ({ server, browser } = await openSite()))
  afterAll(() => closeSite(server, browser))

  it('should go from the setup link to the start page, signed in, and on to My keys through the header', async () => {
    const link = await setupLinkOf(server)
    // axe-core is injected as an inline script, which spkey's CSP (script-src 'self') would rightly refuse.
    const context = await browser.newContext({ viewport: PHONE, bypassCSP: true })
    const page = await context.newPage()
    const errors = watchErrors(page)

    expect((await page.goto(link))?.status()).toBe(200)
    await expect(page.locator('h1').textContent()).resolves.toBe('Set up spkey')
    expect(await seriousViolations(page)).toEqual([])
    await page.fill('input[name=email]', 'admin@example.test')
    await page.fill('input[name=password]', 'correct horse battery')
    await page.fill('input[name=passwordAgain]', 'correct horse battery')
    await Promise.all([page.waitForURL(`${server.url}/`), page.click('button[type=submit]')])

    await expect(page.locator('.who').textContent()).resolves.toBe('admin@example.test')
    await expect(page.locator('nav a[aria-current=page]').textContent()).resolves.toBe('Start')
    await expect(page.locator('main a[href="/locks"]').textContent()).resolves.toContain('My locks')
    expect(await seriousViolations(page)).toEqual([])

    await Promise.all([page.waitForURL(`${server.url}/me/keys`), page.click('nav a[href="/me/keys"]')])
    await expect(page.locator('nav a[aria-current=page]').textContent()).resolves.toBe('My keys')
    expect(await seriousViolations(page)).toEqual([])

    // The link is spent: the same 404 as an unknown address.
    expect((await page.goto(link))?.status()).toBe(404)
    expect((await page.goto(`${server.url}/favicon.ico`))?.status()).toBe(200)
    expect(errors).toEqual([])
    await context.close()
  })
})
