// A newcomer's whole path in a real browser, from a fresh database: the setup link the server printed -> the
// administrator -> in the console an organisation, the owner (with a password) and a simulated lock of theirs -> the
// owner signs in and creates a temp key -> a guest with a Greek phone opens the door from its link -> the owner sees
// that open in the lock's activity log. Forms are filled and sent by keyboard; every page is axe-core clean; no console
// error and no response of 400 or more on the way. The walk runs on SQLite and on PostgreSQL, there once more with two
// processes on one database and each browser on either. The server's clock is stopped and every name and id is fixed,
// so the screenshots the SQLite walk takes (into $SCREENSHOTS_DIR, else a temp folder) are the same on every run: `npm
// run screenshots` runs the walk twice, compares them and writes the documentation's (docs/screenshots).
import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from 'bun:test'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core'
import { freshDatabase } from '../fixtures/postgres'
import { launchBrowser, PHONE, seriousViolations, setupLinkOf, watchErrors } from '../support/browser'
import { type RunningServer, startServer } from '../support/server'

// A real server, chromium and a dozen pages: generous on a loaded CI machine.
setDefaultTimeout(120_000)

// 10:30 in Athens; the key is valid from 10:00 that day to 18:00 a week later.
const NOW = '2026-05-14T07:30:00.000Z'
const ZONE = 'Europe/Athens'
const VALID_FROM = { date: '05142026', time: '1000AM', value: '2026-05-14T10:00' }
const VALID_UNTIL = { date: '05212026', time: '0600PM', value: '2026-05-21T18:00' }

const ADMIN = { email: 'admin@harbour-flats.example', password: 'correct horse battery staple' }
const OWNER = { email: 'olga@harbour-flats.example', name: 'Olga Owner', password: 'olga opens the front door' }
const LOCK = { id: 4242, uuid: '6f1c2b9e-3a4d-4e5f-8a7b-9c0d1e2f3a4b', serial: 'SN-0042', name: 'Front door' }
const ORG = { id: 'harbour-flats', name: 'Harbour Flats' }
const KEY_NOTE = 'For Eleni, the plumber'

// What covers a random part of a screenshot: a plain grey box.
const MASK = '#d5dae0'
const SHOTS = process.env.SCREENSHOTS_DIR ?? mkdtempSync(join(tmpdir(), 'spkey-shots-'))

// Types into the field a label names, as a person would: focus it, then the keys.
async function type(page: Page, label: string, text: string) {
  await page.getByLabel(label, { exact: true }).focus()
  await page.keyboard.type(text)
}

// A datetime-local field by keyboard. Headless chromium lays its parts out in its own UI locale (en-US: month, day,
// year, then hour, minute, AM/PM), whatever the context's locale; the value read back proves the order was right.
async function typeDateTime(field: Locator, at: { date: string; time: string; value: string }) {
  await field.focus()
  await field.page().keyboard.type(at.date)
  await field.page().keyboard.press('Tab')
  await field.page().keyboard.type(at.time)
  expect(await field.inputValue()).toBe(at.value)
}

// A phone in Athens whose page clock is the server's (the pages format the server's times in the browser).
async function phone(browser: Browser, locale: string): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: PHONE, timezoneId: ZONE, locale })
  await context.clock.setFixedTime(new Date(NOW))
  return context
}

// Every page of the walk: no serious or critical axe-core violation, then its screenshot when it is one of the docs'.
async function checkPage(page: Page, path?: string, mask: Locator[] = []) {
  expect(await seriousViolations(page)).toEqual([])
  if (path) await page.screenshot({ path, fullPage: true, animations: 'disabled', mask, maskColor: MASK })
}

// The servers a page sent its requests to: with several processes, proof that each browser stayed on its own.
function serversAsked(page: Page): Set<string> {
  const origins = new Set<string>()
  page.on('request', (request) => {
    const url = new URL(request.url())
    if (url.protocol === 'http:') origins.add(url.origin)
  })
  return origins
}

// The server each person's browser talks to: one, or (PostgreSQL) any of the processes serving one site.
type Sites = { admin: RunningServer; owner: RunningServer; guest: RunningServer }

// The whole path on a fresh site, from its setup link; the docs' screenshots go into `shots` when given.
async function walk(browser: Browser, sites: Sites, setupLink: string, shots?: string) {
  const shot = (name: string) => shots && join(shots, `${name}.png`)

  // The administrator, from the link the fresh server printed.
  const adminContext = await phone(browser, 'en-GB')
  const admin = await adminContext.newPage()
  const adminErrors = watchErrors(admin, { everyResponse: true })
  const adminServers = serversAsked(admin)
  await admin.goto(setupLink)
  await checkPage(admin)
  await admin.getByLabel('Email').focus()
  await admin.keyboard.type(ADMIN.email)
  await admin.keyboard.press('Tab')
  await admin.keyboard.type(ADMIN.password)
  await admin.keyboard.press('Tab')
  await admin.keyboard.type(ADMIN.password)
  await checkPage(admin, shot('setup'))
  await Promise.all([admin.waitForURL(`${sites.admin.url}/`), admin.keyboard.press('Enter')])
  await admin.locator('main h2', { hasText: 'Administration' }).waitFor()
  await checkPage(admin)

  // The organisation (its API key is shown once: not in a screenshot).
  await Promise.all([admin.waitForURL(`${sites.admin.url}/admin/orgs`), admin.locator('header a[href="/admin/orgs"]').press('Enter')])
  await checkPage(admin)
  await type(admin, 'Name', ORG.name)
  await admin.keyboard.press('Enter')
  await admin.locator('code.secret').waitFor()
  await expect(admin.locator('h1').textContent()).resolves.toBe(ORG.name)
  await checkPage(admin)

  // The owner, with a password.
  await admin.locator('nav[aria-label=Administration] a[href="/admin/users"]').press('Enter')
  await admin.locator('h1', { hasText: 'Users' }).waitFor()
  await checkPage(admin)
  await type(admin, 'E-mail', OWNER.email)
  await type(admin, 'Name (optional)', OWNER.name)
  await type(admin, 'Password (optional)', OWNER.password)
  await admin.keyboard.press('Enter')
  await admin.getByText(`${OWNER.email} created.`).waitFor()
  await checkPage(admin, shot('admin-users'))

  // Their lock: simulated, in the organisation.
  await admin.locator('nav[aria-label=Administration] a[href="/admin/locks"]').press('Enter')
  await admin.locator('h1', { hasText: 'Locks' }).waitFor()
  await checkPage(admin)
  await type(admin, 'Lock id', String(LOCK.id))
  await type(admin, 'UUID', LOCK.uuid)
  await type(admin, 'Serial number (optional)', LOCK.serial)
  await type(admin, 'Name (optional)', LOCK.name)
  await type(admin, "Owner's e-mail (optional)", OWNER.email)
  await type(admin, 'Organisation id (optional)', ORG.id)
  await admin.locator('input[name=driver][value=default]').focus()
  await admin.keyboard.press('ArrowDown')
  await expect(admin.locator('input[name=driver][value=simulated]').isChecked()).resolves.toBe(true)
  await admin.getByRole('button', { name: 'Register the lock' }).press('Enter')
  await admin.getByText(`Lock ${LOCK.id} registered.`).waitFor()
  const row = admin.locator('table.admin-list tr', { hasText: `Lock ${LOCK.id}` })
  for (const shown of [LOCK.name, OWNER.email, ORG.name, 'simulated']) await expect(row.textContent()).resolves.toContain(shown)
  await checkPage(admin, shot('admin-locks'))
  expect(adminErrors).toEqual([])
  expect([...adminServers]).toEqual([sites.admin.url])
  await adminContext.close()

  // The owner signs in and finds the lock from the start page.
  const ownerContext = await phone(browser, 'en-GB')
  const owner = await ownerContext.newPage()
  const ownerErrors = watchErrors(owner, { everyResponse: true })
  const ownerServers = serversAsked(owner)
  await owner.goto(sites.owner.url)
  await checkPage(owner)
  await Promise.all([owner.waitForURL(/\/login/), owner.getByRole('link', { name: 'Sign in' }).first().press('Enter')])
  await checkPage(owner)
  await owner.getByLabel('Email').focus()
  await owner.keyboard.type(OWNER.email)
  await owner.keyboard.press('Tab')
  await owner.keyboard.type(OWNER.password)
  await Promise.all([owner.waitForURL(`${sites.owner.url}/`), owner.keyboard.press('Enter')])
  await checkPage(owner)
  await owner.getByRole('link', { name: 'My locks (1)' }).press('Enter')
  await owner.locator('h1', { hasText: 'My locks' }).waitFor()
  await checkPage(owner)
  await owner.getByRole('link', { name: LOCK.name }).press('Enter')
  await owner.locator('h1', { hasText: LOCK.name }).waitFor()
  await expect(owner.locator('#open-result').textContent()).resolves.toBe('')
  await checkPage(owner)

  // A temp key for the guest: two uses in a week, by keyboard.
  await owner.getByRole('link', { name: 'Temporary keys for guests' }).press('Enter')
  await owner.locator('h1', { hasText: 'Temporary keys' }).waitFor()
  await checkPage(owner)
  await typeDateTime(owner.locator('#f-validFrom'), VALID_FROM)
  await typeDateTime(owner.locator('#f-validUntil'), VALID_UNTIL)
  await expect(owner.locator('input[name=accessMode][value=public]').isChecked()).resolves.toBe(true)
  await owner.locator('#f-maxUses').focus()
  await owner.keyboard.type('2')
  await owner.locator('#f-description').focus()
  await owner.keyboard.type(KEY_NOTE)
  await Promise.all([owner.waitForURL(/done=created/), owner.getByRole('button', { name: 'Create key' }).press('Enter')])
  await expect(owner.locator('.notice.ok').textContent()).resolves.toContain('Key created')
  await expect(owner.locator('.owner-key .badge').textContent()).resolves.toBe('Valid')
  const link = await owner.locator('.share-link input').inputValue()
  expect(link).toMatch(new RegExp(`^${sites.owner.url}/temp-keys/[0-9a-f-]{36}$`))
  // The key's UUID is the server's random choice: its link and QR code are masked in the picture.
  await checkPage(owner, shot('lock-temp-keys-owner'), [owner.locator('.owner-key img.qr'), owner.locator('.owner-key .share-link input')])

  // The guest: a Greek phone, no account, the link.
  const guestContext = await phone(browser, 'el-GR')
  const guest = await guestContext.newPage()
  const guestErrors = watchErrors(guest, { everyResponse: true })
  const guestServers = serversAsked(guest)
  await guest.goto(new URL(new URL(link).pathname, sites.guest.url).href)
  expect(await guest.getAttribute('html', 'lang')).toBe('el')
  await expect(guest.locator('h1').textContent()).resolves.toBe(LOCK.name)
  await expect(guest.locator('.badge').textContent()).resolves.toBe('Έγκυρο')
  const from = guest.locator('.facts time').first()
  const greek = new Intl.DateTimeFormat('el-GR', { dateStyle: 'medium', timeStyle: 'short', timeZone: ZONE })
  await expect(from.textContent()).resolves.toBe(greek.format(Date.parse(`${VALID_FROM.value}:00+03:00`)))
  await checkPage(guest, shot('temp-key-guest'))
  await guest.getByRole('button', { name: 'Άνοιγμα πόρτας' }).press('Enter')
  await expect(guest.locator('.result strong').textContent()).resolves.toBe('Η πόρτα άνοιξε.')
  await expect(guest.locator('.facts dd').nth(2).textContent()).resolves.toBe('1 από 2')
  await checkPage(guest, shot('temp-key-opened'))
  expect(guestErrors).toEqual([])
  expect([...guestServers]).toEqual([sites.guest.url])
  await guestContext.close()

  // The owner sees the guest's open at the top of the activity log, at the server's (stopped) time.
  await owner.locator('.eyebrow a').press('Enter')
  await owner.locator('h1', { hasText: LOCK.name }).waitFor()
  const top = owner.locator('.activity-item').first()
  await expect(top.locator('strong').textContent()).resolves.toBe('Door opened')
  await expect(top.locator('.muted').textContent()).resolves.toBe(`by a guest (not signed in) · temp key “${KEY_NOTE}”`)
  await expect(top.locator('time').getAttribute('datetime')).resolves.toBe(NOW)
  await checkPage(owner, shot('lock-activity'))
  expect(ownerErrors).toEqual([])
  expect([...ownerServers]).toEqual([sites.owner.url])
  await ownerContext.close()
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`when a newcomer sets up spkey and a guest opens the door (${backend})`, () => {
    let browser: Browser
    const servers: RunningServer[] = []

    // Processes serving one fresh site, started one after the other.
    async function site(processes: number): Promise<RunningServer[]> {
      const database = backend === 'postgres' ? { DATABASE_URL: await freshDatabase() } : {}
      const started: RunningServer[] = []
      for (let i = 0; i < processes; i++) {
        const server = await startServer({ LOG_LEVEL: 'silent', ...database }, { clockAt: NOW })
        servers.push(server)
        started.push(server)
        // Printed after /healthz answers: wait for it, so the next process's start is the last to replace it.
        await setupLinkOf(server)
      }
      return started
    }

    beforeAll(async () => {
      if (backend === 'sqlite') mkdirSync(SHOTS, { recursive: true })
      browser = await launchBrowser()
    })

    afterAll(async () => {
      await browser?.close()
      await Promise.all(servers.map((server) => server.stop()))
      if (backend === 'sqlite' && !process.env.SCREENSHOTS_DIR) rmSync(SHOTS, { recursive: true, force: true })
    })

    it('should take them from the setup link to the open in the activity log', async () => {
      const [server] = (await site(1)) as [RunningServer]
      // The docs' pictures are SQLite's, the default.
      await walk(
        browser,
        { admin: server, owner: server, guest: server },
        await setupLinkOf(server),
        backend === 'sqlite' ? SHOTS : undefined,
      )
    })

    if (backend === 'postgres') {
      // The README's "any routing, no sticky sessions": the guest's page and open on another process than the owner's
      // key, and the owner's activity log showing an open another process recorded; the administrator works on the
      // second one too, so the owner signs in at the first with what the second made.
      it('should take them there with each browser on another process of the site', async () => {
        const [first, second] = (await site(2)) as [RunningServer, RunningServer]
        // Each start replaces the setup link while there is no administrator: the last process's is the one that works.
        await walk(browser, { admin: second, owner: first, guest: second }, await setupLinkOf(second))
      })
    }
  })
}
