// The weekly schedule on the owner page in a real browser (Debian chromium, phone viewport): the owner picks
// "only in weekly windows", keeps the browser's time zone, ticks Mon–Fri, sets 08:00–18:00, saves and sees the
// schedule in the key list; the edit form comes back pre-filled and "any time" removes the schedule.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import type { Browser, Page } from 'playwright-core'
import { launchBrowser } from '../support/browser'
import { cli, type RunningServer, startServer } from '../support/server'

const PHONE = { width: 390, height: 844 }
const ZONE = 'Europe/Berlin'

// A datetime-local value for an instant, as the browser in ZONE shows it.
const localInput = (ms: number) => new Intl.DateTimeFormat('sv-SE', { timeZone: ZONE, dateStyle: 'short', timeStyle: 'short' }).format(ms).replace(' ', 'T')

// Console errors include CSP violations; pages under /locks/ and assets must all load.
const watchErrors = (page: Page) => {
  const errors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text())
  })
  page.on('pageerror', (error) => errors.push(error.message))
  page.on('response', (response) => {
    const path = new URL(response.url()).pathname
    if (response.status() >= 400 && (path.startsWith('/public/') || path.startsWith('/locks/'))) errors.push(`${response.status()} ${path}`)
  })
  return errors
}

describe('when an owner gives a temporary key opening hours', () => {
  let server: RunningServer
  let browser: Browser
  let token = ''
  let lockId = 0

  beforeAll(async () => {
    server = await startServer()
    browser = await launchBrowser()
    const email = `owner-${crypto.randomUUID().slice(0, 8)}@example.test`
    const user = await cli(['user', 'create', '--email', email, '--name', 'Cora Coworking'], server.env)
    expect(user.exitCode).toBe(0)
    const userId = String((user.json as { userId: string }).userId)
    const signed = await cli(['token', '--user', userId], server.env)
    token = String((signed.json as { token: string }).token)
    lockId = 800_000 + Math.floor(Math.random() * 90_000)
    const created = await fetch(`${server.url}/locks/${lockId}/CreateLock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ index: lockId, uuid: crypto.randomUUID(), vendorName: 'Co-working door', ownerId: userId }),
    })
    expect(created.status).toBe(201)
  })

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('should save Mon–Fri 08:00–18:00 in the browser time zone and show it in the list', async () => {
    const context = await browser.newContext({ viewport: PHONE, timezoneId: ZONE })
    const host = new URL(server.url).hostname
    await context.addCookies([{ name: 'spkey_session', value: token, domain: host, path: '/', httpOnly: true, sameSite: 'Lax' }])
    const owner = await context.newPage()
    const errors = watchErrors(owner)
    await owner.goto(`${server.url}/locks/${lockId}/temp-keys`)
    const now = Date.now()
    await owner.fill('#f-validFrom', localInput(now - 3_600_000))
    await owner.fill('#f-validUntil', localInput(now + 30 * 86_400_000))
    // The windows show once "only in weekly windows" is chosen; the zone defaults to the browser's.
    expect(await owner.locator('#f-scheduleTimezone').isVisible()).toBe(false)
    await owner.getByLabel('Only in weekly windows').check()
    expect(await owner.locator('#f-scheduleTimezone').isVisible()).toBe(true)
    expect(await owner.locator('#f-scheduleTimezone').inputValue()).toBe(ZONE)
    const first = owner.locator('fieldset.window').first()
    for (const day of ['Mon', 'Tue', 'Wed', 'Thu', 'Fri']) await first.getByLabel(day, { exact: true }).check()
    await owner.fill('#f-window-0-from', '08:00')
    await owner.fill('#f-window-0-until', '18:00')
    await Promise.all([owner.waitForURL(/done=created/), owner.click('button:has-text("Create key")')])
    const line = owner.locator('.owner-key .schedule-line').first()
    expect(await line.textContent()).toBe(`Mon, Tue, Wed, Thu, Fri 08:00–18:00 (${ZONE})`)

    await Promise.all([owner.waitForURL(/\/edit$/), owner.getByRole('link', { name: 'Edit' }).click()])
    expect(await owner.getByLabel('Only in weekly windows').isChecked()).toBe(true)
    expect(await owner.locator('#f-scheduleTimezone').inputValue()).toBe(ZONE)
    expect(await owner.locator('#f-window-0-from').inputValue()).toBe('08:00')
    expect(await owner.locator('fieldset.window').first().getByLabel('Wed', { exact: true }).isChecked()).toBe(true)
    expect(await owner.locator('fieldset.window').first().getByLabel('Sat', { exact: true }).isChecked()).toBe(false)
    await owner.getByLabel('Any time while it is valid').check()
    await Promise.all([owner.waitForURL(/done=updated/), owner.click('button:has-text("Save changes")')])
    expect(await owner.locator('.owner-key .schedule-line').count()).toBe(0)
    expect(errors).toEqual([])
    await context.close()
  }, 60_000)
})
