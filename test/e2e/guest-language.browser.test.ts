// A guest with a Greek phone (locale el-GR, Athens time) opens the door from a shared link: the page speaks Greek,
// its dates are Greek and in Athens time, axe-core finds no serious or critical violation, the language switch turns
// it English, and the owner sees the guest's open at the top of the lock's activity log.
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from 'bun:test'
import type { Browser } from 'playwright-core'
import { closeSite, PHONE, openSite, ownerWithLock, seriousViolations, signedInPhone, watchErrors } from '../support/browser'
import type { RunningServer } from '../support/server'

// A real server and chromium: generous on a loaded CI machine.
setDefaultTimeout(60_000)

const ZONE = 'Europe/Athens'
const GREEK_DATE = new Intl.DateTimeFormat('el-GR', { dateStyle: 'medium', timeStyle: 'short', timeZone: ZONE })

describe('when a guest with a Greek phone opens the door', () => {
  let server: RunningServer
  let browser: Browser
  beforeAll(async () => ({ server, browser } = await openSite()))
  afterAll(() => closeSite(server, browser))

  it('should show the guest page in Greek, open the door, and show the open to the owner', async () => {
    const { token, lockId } = await ownerWithLock(server, 'Olga Owner', 'Acme', 'Κήπος')
    const now = Date.now()
    const created = await fetch(`${server.url}/locks/${lockId}/create-temp-key`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        accessMode: 'public',
        validFrom: new Date(now - 3_600_000).toISOString(),
        validUntil: new Date(now + 86_400_000).toISOString(),
        maxUses: 2,
        description: 'Για τον υδραυλικό',
      }),
    })
    const { tempKeyUuid } = (await created.json()) as { tempKeyUuid: string }

    const guestContext = await browser.newContext({ viewport: PHONE, timezoneId: ZONE, locale: 'el-GR', bypassCSP: true })
    const guest = await guestContext.newPage()
    const errors = watchErrors(guest)
    await guest.goto(`${server.url}/temp-keys/${tempKeyUuid}`)
    expect(await guest.getAttribute('html', 'lang')).toBe('el')
    await expect(guest.locator('.eyebrow').textContent()).resolves.toBe('Προσωρινό κλειδί')
    await expect(guest.locator('h1').textContent()).resolves.toBe('Κήπος')
    await expect(guest.locator('.badge').textContent()).resolves.toBe('Έγκυρο')
    await expect(guest.locator('.facts dt').first().textContent()).resolves.toBe('Ισχύει από')
    const validFrom = guest.locator('.facts time').first()
    const iso = (await validFrom.getAttribute('datetime')) ?? ''
    await expect(validFrom.textContent()).resolves.toBe(GREEK_DATE.format(Date.parse(iso)))
    expect(await seriousViolations(guest)).toEqual([])

    await guest.click('button:has-text("Άνοιγμα πόρτας")')
    await expect(guest.locator('.result strong').textContent()).resolves.toBe('Η πόρτα άνοιξε.')
    await expect(guest.locator('.facts dd').nth(2).textContent()).resolves.toBe('1 από 2')
    expect(await seriousViolations(guest)).toEqual([])

    // The switch is a plain link; the choice sticks for the next visit.
    await Promise.all([guest.waitForURL(/lang=en$/), guest.click('nav.languages a[hreflang=en]')])
    expect(await guest.getAttribute('html', 'lang')).toBe('en')
    await expect(guest.locator('.badge').textContent()).resolves.toBe('Valid')
    await guest.goto(`${server.url}/temp-keys/${tempKeyUuid}`)
    expect(await guest.getAttribute('html', 'lang')).toBe('en')
    expect(errors).toEqual([])
    await guestContext.close()

    const ownerContext = await signedInPhone(browser, server, token, ZONE, { locale: 'en-GB' })
    const owner = await ownerContext.newPage()
    await owner.goto(`${server.url}/locks/${lockId}`)
    const top = owner.locator('.activity-item').first()
    await expect(top.locator('strong').textContent()).resolves.toBe('Door opened')
    await expect(top.locator('.muted').textContent()).resolves.toBe('by a guest (not signed in) · temp key “Για τον υδραυλικό”')
    await ownerContext.close()
  })
})
