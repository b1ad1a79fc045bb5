// The administration console on a phone, from a fresh server: the administrator made by the setup link creates an
// organisation (its key shown once), a user (and a sign-in link for them), and registers a simulated lock with that
// owner and organisation, which then appears in the list and opens from the API; forms are filled and sent by keyboard,
// and axe-core finds no serious or critical violation on any console page.
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from 'bun:test'
import type { Browser, Page } from 'playwright-core'
import { closeSite, PHONE, openSite, seriousViolations, setupLinkOf, watchErrors } from '../support/browser'
import type { RunningServer } from '../support/server'

// A real server and chromium: generous on a loaded CI machine.
setDefaultTimeout(90_000)

const LOCK_ID = 4242
const LOCK_UUID = '6f1c2b9e-3a4d-4e5f-8a7b-9c0d1e2f3a4b'

// Types into the field a label names, as a person would: focus it, then the keys.
async function type(page: Page, label: string, text: string) {
  await page.getByLabel(label, { exact: true }).focus()
  await page.keyboard.type(text)
}

describe('when a site administrator sets up an organisation, a user and a lock on a phone', () => {
  let server: RunningServer
  let browser: Browser
  beforeAll(async () => ({ server, browser } = await openSite()))
  afterAll(() => closeSite(server, browser))

  it('should create them through the console, and the lock should appear with its owner and organisation', async () => {
    const link = await setupLinkOf(server)
    // axe-core is injected as an inline script, which spkey's CSP (script-src 'self') would rightly refuse.
    const context = await browser.newContext({ viewport: PHONE, bypassCSP: true })
    const page = await context.newPage()
    const errors = watchErrors(page)

    await page.goto(link)
    await page.fill('input[name=email]', 'admin@example.test')
    await page.fill('input[name=password]', 'correct horse battery')
    await page.fill('input[name=passwordAgain]', 'correct horse battery')
    await Promise.all([page.waitForURL(`${server.url}/`), page.click('button[type=submit]')])
    await expect(page.locator('main h2', { hasText: 'Administration' }).count()).resolves.toBe(1)

    // The header leads to the console.
    await Promise.all([page.waitForURL(`${server.url}/admin/orgs`), page.click('header a[href="/admin/orgs"]')])
    await expect(page.locator('header a[aria-current=page]').textContent()).resolves.toBe('Admin')
    expect(await seriousViolations(page)).toEqual([])

    // An organisation, by keyboard: the new key is shown once.
    await type(page, 'Name', 'Harbour Flats')
    await page.keyboard.press('Enter')
    await page.locator('code.secret').waitFor()
    await expect(page.locator('h1').textContent()).resolves.toBe('Harbour Flats')
    const apiKey = (await page.locator('code.secret').textContent()) ?? ''
    expect(apiKey).toMatch(/^[A-Za-z0-9]{40}$/)
    expect(await seriousViolations(page)).toEqual([])

    // A user, and a one-time sign-in link for them.
    await page.click('nav[aria-label=Administration] a[href="/admin/users"]')
    await page.locator('h1', { hasText: 'Users' }).waitFor()
    expect(await seriousViolations(page)).toEqual([])
    await type(page, 'E-mail', 'owner@example.test')
    await type(page, 'Name (optional)', 'Olga Owner')
    await page.keyboard.press('Enter')
    await page.getByText('owner@example.test created.').waitFor()
    await page.getByRole('button', { name: 'Make a sign-in link for owner@example.test' }).click()
    await page.getByText('A sign-in link for owner@example.test').waitFor()
    await expect(page.locator('code.secret').textContent()).resolves.toContain('/login/link?token=')
    expect(await seriousViolations(page)).toEqual([])

    // A simulated lock with that owner and organisation; the driver is chosen with the arrow keys.
    await page.click('nav[aria-label=Administration] a[href="/admin/locks"]')
    await page.locator('h1', { hasText: 'Locks' }).waitFor()
    expect(await seriousViolations(page)).toEqual([])
    await type(page, 'Lock id', String(LOCK_ID))
    await type(page, 'UUID', LOCK_UUID)
    await type(page, 'Serial number (optional)', 'SN-0042')
    await type(page, 'Name (optional)', 'Front door')
    await type(page, "Owner's e-mail (optional)", 'owner@example.test')
    await type(page, 'Organisation id (optional)', 'harbour-flats')
    await page.locator('input[name=driver][value=default]').focus()
    await page.keyboard.press('ArrowDown')
    await expect(page.locator('input[name=driver][value=simulated]').isChecked()).resolves.toBe(true)
    await page.getByRole('button', { name: 'Register the lock' }).press('Enter')
    await page.getByText(`Lock ${LOCK_ID} registered.`).waitFor()

    const row = page.locator('table.admin-list tr', { hasText: `Lock ${LOCK_ID}` })
    await expect(row.textContent()).resolves.toContain('Front door')
    await expect(row.textContent()).resolves.toContain('owner@example.test')
    await expect(row.textContent()).resolves.toContain('Harbour Flats')
    await expect(row.textContent()).resolves.toContain('simulated')
    await row.locator(`a[href="/admin/locks/${LOCK_ID}"]`).click()
    await page.locator('h1', { hasText: `Lock ${LOCK_ID} · Front door` }).waitFor()
    expect(await seriousViolations(page)).toEqual([])

    await page.click('nav[aria-label=Administration] a[href="/admin/webhooks"]')
    await page.locator('h1', { hasText: 'Webhooks' }).waitFor()
    expect(await seriousViolations(page)).toEqual([])

    // The organisation's key, shown once above, opens its new lock through the simulated driver.
    const opened = await fetch(`${server.url}/locks/${LOCK_ID}/OpenLock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
      body: JSON.stringify({ reason: 'console test' }),
    })
    expect(opened.status).toBe(200)
    expect(errors).toEqual([])
    await context.close()
  })
})
