// The headline flow in a real browser (Debian chromium, phone viewport): the owner creates a key with maxUses 2 on
// the owner page, a guest opens the shared link in a fresh browser context, presses Open twice and ends on the
// used-up page.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import type { Browser } from 'playwright-core'
import { launchBrowser, localInput, ownerWithLock, PHONE, signedInPhone, watchErrors } from '../support/browser'
import { type RunningServer, startServer } from '../support/server'

const ZONE = 'Europe/Athens'

describe('when an owner shares a temporary key with a guest', () => {
  let server: RunningServer
  let browser: Browser
  let token = ''
  let lockId = 0

  beforeAll(async () => {
    server = await startServer()
    browser = await launchBrowser()
    const owner = await ownerWithLock(server, 'Olga Owner', 'Garden gate')
    token = owner.token
    lockId = owner.lockId
  })

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('should let the guest open twice and then show the used-up page', async () => {
    // The owner, signed in by the session cookie.
    const ownerContext = await signedInPhone(browser, server, token, ZONE)
    const owner = await ownerContext.newPage()
    const ownerErrors = watchErrors(owner)
    await owner.goto(`${server.url}/locks/${lockId}/temp-keys`)
    expect(await owner.locator('h1').textContent()).toBe('Temporary keys')
    expect(await owner.locator('[data-timezone-label]').textContent()).toBe(`your time zone (${ZONE})`)
    const now = Date.now()
    await owner.fill('#f-validFrom', localInput(ZONE, now - 3_600_000))
    await owner.fill('#f-validUntil', localInput(ZONE, now + 7 * 86_400_000))
    await owner.check('input[name=accessMode][value=public]')
    await owner.fill('#f-maxUses', '2')
    await owner.fill('#f-description', 'Garden gate for the plumber. Close it behind you, please.')
    await Promise.all([owner.waitForURL(/done=created/), owner.click('button:has-text("Create key")')])
    await expect(owner.locator('.notice.ok').textContent()).resolves.toContain('Key created')
    expect(await owner.locator('.owner-key .badge').textContent()).toBe('Valid')
    expect(await owner.locator('button.copy').isVisible()).toBe(true)
    expect(await owner.locator('img.qr').evaluate((img) => (img instanceof HTMLImageElement ? img.naturalWidth : 0))).toBeGreaterThan(0)
    const link = await owner.locator('.share-link input').inputValue()
    expect(link).toMatch(new RegExp(`^${server.url}/temp-keys/[0-9a-f-]{36}$`))
    expect(ownerErrors).toEqual([])
    await ownerContext.close()

    // The guest: a fresh context, no cookies, a phone.
    const guestContext = await browser.newContext({ viewport: PHONE, timezoneId: ZONE, locale: 'en-GB' })
    const guest = await guestContext.newPage()
    const guestErrors = watchErrors(guest)
    await guest.goto(link)
    expect(await guest.locator('h1').textContent()).toBe(`Lock ${lockId} · Garden gate`)
    expect(await guest.locator('.facts dd').nth(2).textContent()).toBe('2 of 2')
    // The window in the viewer's local time, formatted by the page script (no "UTC" fallback left).
    expect(await guest.locator('.facts time').first().textContent()).not.toContain('UTC')

    const openButton = guest.getByRole('button', { name: 'Open the door' })
    await openButton.click()
    await guest.locator('.notice.ok', { hasText: 'Door opened.' }).waitFor()
    expect(await guest.locator('.facts dd').nth(2).textContent()).toBe('1 of 2')
    expect(new URL(guest.url()).pathname).toBe(new URL(link).pathname)

    await guest.getByRole('button', { name: 'Open the door' }).click()
    await guest.locator('.state-message h2', { hasText: 'This key has been used up' }).waitFor()
    expect(await guest.locator('.notice.ok').textContent()).toContain('Door opened.')
    expect(await guest.getByRole('button', { name: 'Open the door' }).count()).toBe(0)

    await guest.reload()
    expect(await guest.locator('.badge').textContent()).toBe('Used up')
    expect(await guest.locator('.state-message h2').textContent()).toBe('This key has been used up')
    expect(await guest.locator('.notice.ok').count()).toBe(0)
    expect(guestErrors).toEqual([])
    await guestContext.close()
  }, 60_000)

  it('should work without JavaScript too: a plain form post, 303, "Door opened" once', async () => {
    const now = Date.now()
    const created = await fetch(`${server.url}/locks/${lockId}/create-temp-key`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        accessMode: 'public',
        validFrom: new Date(now - 60_000).toISOString(),
        validUntil: new Date(now + 3_600_000).toISOString(),
      }),
    })
    const { tempKeyUuid } = (await created.json()) as { tempKeyUuid: string }
    const context = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false })
    const page = await context.newPage()
    await page.goto(`${server.url}/temp-keys/${tempKeyUuid}`)
    expect(await page.locator('.facts time').first().textContent()).toContain('UTC')
    await Promise.all([page.waitForURL(/opened=1/), page.getByRole('button', { name: 'Open the door' }).click()])
    expect(await page.locator('.notice.ok').textContent()).toContain('Door opened.')
    await page.reload()
    expect(await page.locator('.notice.ok').count()).toBe(0)
    await context.close()
  }, 30_000)
})
