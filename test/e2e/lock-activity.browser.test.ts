// The lock owner's page on a phone: its name as the title, the Open button, and the open at the top of the activity
// log at once (htmx brings the log back out of band), in the owner's time zone; axe-core finds no serious or critical
// violation before or after.
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from 'bun:test'
import type { Browser } from 'playwright-core'
import { closeSite, openSite, ownerWithLock, seriousViolations, signedInPhone, watchErrors } from '../support/browser'
import type { RunningServer } from '../support/server'

// A real server and chromium: generous on a loaded CI machine.
setDefaultTimeout(60_000)

const ZONE = 'Europe/Athens'

describe("when an owner opens the door from the lock's page on a phone", () => {
  let server: RunningServer
  let browser: Browser
  beforeAll(async () => ({ server, browser } = await openSite()))
  afterAll(() => closeSite(server, browser))

  it('should show the open at the top of the activity log', async () => {
    const { token, lockId } = await ownerWithLock(server, 'Olga Owner', 'Acme', 'Garden gate')
    const context = await signedInPhone(browser, server, token, ZONE, { locale: 'en-GB', bypassCSP: true })
    const page = await context.newPage()
    const errors = watchErrors(page)
    await page.goto(`${server.url}/locks/${lockId}`)
    await expect(page.locator('h1').textContent()).resolves.toBe('Garden gate')
    await expect(page.locator('.activity-item').first().locator('strong').textContent()).resolves.toBe('Lock registered')
    expect(await seriousViolations(page)).toEqual([])

    await page.click('button:has-text("Open the door")')
    await expect(page.locator('#open-result .notice').textContent()).resolves.toBe('The door is open.')
    const top = page.locator('.activity-item').first()
    await expect(top.locator('strong').textContent()).resolves.toBe('Door opened')
    await expect(top.locator('.muted').textContent()).resolves.toMatch(/^by owner-.+@example\.test · as the owner$/)
    // The time in the owner's zone and locale (temp-keys.js ran on the swapped-in log), not the UTC fallback.
    const shown = await top.locator('time').textContent()
    const iso = await top.locator('time').getAttribute('datetime')
    const local = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: ZONE }).format(
      Date.parse(iso ?? ''),
    )
    expect(shown).toBe(local)
    expect(await seriousViolations(page)).toEqual([])

    // A reload reads the same log from the server: one open, recorded once.
    await page.reload()
    await expect(page.locator('.activity-item.opened').count()).resolves.toBe(1)
    expect(errors).toEqual([])
    await context.close()
  })
})
