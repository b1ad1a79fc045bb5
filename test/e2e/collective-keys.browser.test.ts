// A shared key over two doors in a real browser on a phone (Debian chromium, 390x844): the owner creates it on
// /shared-keys and sees its PIN once; the guest, without JavaScript, opens the flat's door from the guest page and
// lands on the confirmation; the entrance panel takes the PIN; after the owner revokes, the page says so and the PIN
// opens nothing. axe-core finds no serious or critical violation on the owner page, the guest page or the confirmation.
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from 'bun:test'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { launchBrowser, localInput, ownerWithLock, PHONE, watchErrors } from '../support/browser'
import { type RunningServer, startServer } from '../support/server'

setDefaultTimeout(60_000)

const AXE = join(import.meta.dir, '../../node_modules/axe-core/axe.min.js')
const ZONE = 'Europe/Lisbon'

type AxeViolation = { id: string; impact: string | null; help: string; nodes: { target: unknown }[] }

async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: AXE })
  const violations = await page.evaluate(async () => {
    const axe = Reflect.get(window, 'axe') as { run: () => Promise<{ violations: AxeViolation[] }> }
    return (await axe.run()).violations
  })
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')})`)
}

// The token's subject: the owner's user id.
const subjectOf = (token: string): string => JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).sub

describe('when an owner shares a key over two doors with a guest', () => {
  let server: RunningServer
  let browser: Browser
  let token = ''
  let entrance = 0
  let flat = 0

  beforeAll(async () => {
    server = await startServer()
    browser = await launchBrowser()
    const owner = await ownerWithLock(server, 'Olga Owner', 'Street entrance')
    token = owner.token
    entrance = owner.lockId
    flat = entrance + 1
    const created = await fetch(`${server.url}/locks/${flat}/CreateLock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ index: flat, uuid: crypto.randomUUID(), vendorName: 'Flat 3', ownerId: subjectOf(token) }),
    })
    expect(created.status).toBe(201)
  })

  afterAll(async () => {
    await browser?.close()
    await server?.stop()
  })

  it('should create it on the owner page, open the flat without JavaScript, take the PIN at the entrance, and stop after revocation', async () => {
    // The owner (axe-core is injected inline, which the CSP would rightly refuse).
    const ownerPhone = await browser.newContext({ viewport: PHONE, timezoneId: ZONE, bypassCSP: true })
    const host = new URL(server.url).hostname
    await ownerPhone.addCookies([{ name: 'spkey_session', value: token, domain: host, path: '/', httpOnly: true, sameSite: 'Lax' }])
    const owner = await ownerPhone.newPage()
    const ownerErrors = watchErrors(owner)
    await owner.goto(`${server.url}/locks`)
    await Promise.all([owner.waitForURL(`${server.url}/shared-keys`), owner.click('a[href="/shared-keys"]')])
    expect(await owner.locator('h1').textContent()).toBe('Shared keys')
    expect(await seriousViolations(owner)).toEqual([])
    const now = Date.now()
    await owner.check(`input[name=lockId][value="${entrance}"]`)
    await owner.fill(`#lock-${entrance}-label`, 'Street door')
    await owner.selectOption(`#lock-${entrance}-method`, 'code')
    await owner.check(`input[name=lockId][value="${flat}"]`)
    await owner.fill(`#lock-${flat}-label`, 'Flat 3')
    await owner.selectOption(`#lock-${flat}-method`, 'both')
    await owner.fill('#shared-from', localInput(ZONE, now - 3_600_000))
    await owner.fill('#shared-until', localInput(ZONE, now + 2 * 86_400_000))
    await owner.fill('#shared-description', 'Weekend at Harbour Flats')
    await owner.click('button:has-text("Create shared key")')
    await owner.locator('.notice.ok', { hasText: 'Shared key created.' }).waitFor()
    const pin = (await owner.locator('.notice .pin').textContent()) ?? ''
    expect(pin).toMatch(/^\d{6}$/)
    const link = (await owner.locator('.notice a').textContent()) ?? ''
    expect(link).toMatch(new RegExp(`^${server.url}/temp-keys/[0-9a-f-]{36}$`))
    expect(await owner.locator('.owner-key').count()).toBe(1)
    expect(await seriousViolations(owner)).toEqual([])

    // The guest on a phone without JavaScript: plain forms only.
    const guestPhone = await browser.newContext({ viewport: PHONE, timezoneId: ZONE, javaScriptEnabled: false })
    const guest = await guestPhone.newPage()
    const guestErrors = watchErrors(guest)
    await guest.goto(link)
    expect(await guest.locator('h1').textContent()).toBe('Weekend at Harbour Flats')
    expect(await guest.locator('.pin').textContent()).toBe(pin)
    expect(await guest.locator('.door h3').allTextContents()).toEqual(['Street door', 'Flat 3'])
    // The street door takes only the PIN: one Open button, the flat's.
    expect(await guest.getByRole('button', { name: /^Open/ }).count()).toBe(1)
    await Promise.all([
      guest.waitForURL(/\/confirmation\?door=2&offline=false$/),
      guest.getByRole('button', { name: 'Open Flat 3' }).click(),
    ])
    expect(await guest.locator('h1').textContent()).toBe('The door open command was sent')
    expect(await guest.locator('.facts dd').first().textContent()).toBe('Flat 3')

    // axe on the guest pages as a JavaScript-enabled phone sees them.
    const axePhone = await browser.newContext({ viewport: PHONE, timezoneId: ZONE, bypassCSP: true })
    const axePage = await axePhone.newPage()
    await axePage.goto(link)
    expect(await seriousViolations(axePage)).toEqual([])
    await axePage.goto(guest.url())
    expect(await seriousViolations(axePage)).toEqual([])
    await axePhone.close()

    // The entrance panel.
    const panel = (value: string) =>
      fetch(`${server.url}/locks/${entrance}/open-with-pin`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ pin: value }),
      })
    expect((await panel(pin)).status).toBe(200)

    // The owner revokes; the guest's page says so and the PIN opens nothing.
    await Promise.all([owner.waitForURL(/done=revoked/), owner.getByRole('button', { name: 'Revoke' }).click()])
    expect(await owner.locator('.owner-key .badge').textContent()).toBe('Deleted')
    await guest.goto(link)
    expect(await guest.locator('.state-message h2').textContent()).toBe('This key was withdrawn')
    expect(await guest.getByRole('button', { name: /^Open/ }).count()).toBe(0)
    expect((await panel(pin)).status).toBe(401)

    expect(ownerErrors).toEqual([])
    expect(guestErrors).toEqual([])
    await ownerPhone.close()
    await guestPhone.close()
  })
})
