// The weekly schedule on the owner page in a real browser (Debian chromium, phone viewport): the owner picks
// "only in weekly windows", keeps the browser's time zone, ticks Mon–Fri, sets 08:00–18:00, saves and sees the
// schedule in the key list; the edit form comes back pre-filled and "any time" removes the schedule.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import type { Browser } from 'playwright-core'
import { launchBrowser, localInput, ownerWithLock, signedInPhone, watchErrors } from '../support/browser'
import { type RunningServer, startServer } from '../support/server'

const ZONE = 'Europe/Berlin'

describe('when an owner gives a temporary key opening hours', () => {
  let server: RunningServer
  let browser: Browser
  let token = ''
  let lockId = 0

  beforeAll(async () => {
    server = await startServer()
    browser = await launchBrowser()
    const owner = await ownerWithLock(server, 'Cora Coworking', 'Co-working door')
    token = owner.token
    lockId = owner.lockId
  })

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('should save Mon–Fri 08:00–18:00 in the browser time zone and show it in the list', async () => {
    const context = await signedInPhone(browser, server, token, ZONE)
    const owner = await context.newPage()
    const errors = watchErrors(owner)
    await owner.goto(`${server.url}/locks/${lockId}/temp-keys`)
    const now = Date.now()
    await owner.fill('#f-validFrom', localInput(ZONE, now - 3_600_000))
    await owner.fill('#f-validUntil', localInput(ZONE, now + 30 * 86_400_000))
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
