// The inventory pages in a real browser (Debian chromium via playwright-core) on a phone-sized viewport against the
// real server: staff find a user, add keys, search, remove one after confirming; the user sees the kept key.
// The same desk is then driven with JavaScript off, through plain forms and 303s.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { launchBrowser } from '../support/browser'
import { cli, type RunningServer, startServer } from '../support/server'

const PHONE = { width: 390, height: 844 }
const ORG = 'harbour-flats'
const holderEmail = 'mara.jensen@example.test'

let browser: Browser | undefined
let server: RunningServer | undefined
let staffToken = ''
let holderToken = ''

// Runs one admin CLI command on the server's database and returns its JSON answer.
async function admin<T>(env: Record<string, string>, args: string[]): Promise<T> {
  const result = await cli(args, env)
  if (result.exitCode !== 0) throw new Error(`spkey ${args.join(' ')} failed: ${result.stderr}`)
  return result.json as T
}

// A user through the CLI, and a session token for them (what /login would set in the cookie).
async function userWithToken(env: Record<string, string>, email: string, name: string) {
  const { userId } = await admin<{ userId: string }>(env, ['user', 'create', '--email', email, '--name', name])
  const { token } = await admin<{ token: string }>(env, ['token', '--user', userId])
  return { userId, token }
}

beforeAll(async () => {
  server = await startServer({ LOG_LEVEL: 'silent' })
  const env = server.env
  await admin(env, ['org', 'create', '--name', 'Harbour Flats', '--id', ORG])
  const staff = await userWithToken(env, 'desk@harbour-flats.example', 'Desk')
  await admin(env, ['org', 'add-member', '--org', ORG, '--user', staff.userId])
  const holder = await userWithToken(env, holderEmail, 'Mara Jensen')
  staffToken = staff.token
  holderToken = holder.token
  browser = await launchBrowser()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await server?.stop()
})

// A phone-sized context signed in with a session cookie; console errors (CSP violations included) and failed
// requests are collected.
async function signedIn(token: string, options: { javaScriptEnabled?: boolean } = {}) {
  if (!browser || !server) throw new Error('the browser and server did not start')
  const phone = { viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true }
  const context: BrowserContext = await browser.newContext({ ...phone, ...options })
  await context.addCookies([{ name: 'spkey_session', value: token, url: server.url }])
  context.setDefaultTimeout(10_000)
  const page: Page = await context.newPage()
  const errors: string[] = []
  page.on('console', (message) => {
    // A failed load is reported below with its URL.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text())
  })
  page.on('response', (response) => {
    // Browsers ask for /favicon.ico on their own; spkey has none.
    if (response.status() >= 400 && !response.url().endsWith('/favicon.ico')) errors.push(`${response.status()} ${response.url()}`)
  })
  page.on('pageerror', (error) => errors.push(error.message))
  return { context, page, errors, url: server.url }
}

describe('the inventory pages in a browser', () => {
  it('should let staff add, search and remove (after confirming) keys, and the user see theirs', async () => {
    const { context, page, errors, url } = await signedIn(staffToken)
    await page.goto(`${url}/orgs/${ORG}/keys`)
    await expect(page.getByRole('heading', { name: 'Keys issued by Harbour Flats' }).isVisible()).resolves.toBe(true)

    await page.getByLabel('Find a user by e-mail').fill(holderEmail)
    await page.getByRole('button', { name: 'Find' }).click()
    await page.getByRole('heading', { name: `Hand out a key to ${holderEmail}` }).waitFor()
    expect(page.url()).toBe(`${url}/orgs/${ORG}/keys?email=${encodeURIComponent(holderEmail)}`)
    await page.getByText('has not handed out any keys to this user yet').waitFor()

    const note = page.getByLabel(/^Note/)
    await note.fill('Blue fob – front door')
    await page.getByRole('button', { name: 'Add key' }).click()
    await page.getByText('Key #1 added.').waitFor()
    await page.locator('#key-1').getByText('Blue fob – front door').waitFor()
    expect(await note.inputValue()).toBe('')

    await note.fill('Garage card')
    await page.getByRole('button', { name: 'Add key' }).click()
    await page.getByText('Key #2 added.').waitFor()
    await page.locator('#key-2').waitFor()
    // htmx swapped fragments: the browser never left the desk.
    expect(page.url()).toContain(`/orgs/${ORG}/keys?email=`)

    // Search as you type: only the table is replaced, the input keeps its text and focus.
    const search = page.getByLabel('Search the notes')
    await search.pressSequentially('GARAGE', { delay: 30 })
    await page.locator('#key-1').waitFor({ state: 'detached' })
    await page.locator('#key-2').getByText('Garage card').waitFor()
    expect(await search.inputValue()).toBe('GARAGE')
    await expect(search.evaluate((input) => input === document.activeElement)).resolves.toBe(true)

    // First click asks; Cancel puts the row back; Confirm removes.
    await page.getByRole('link', { name: 'Remove key #2' }).click()
    await page.getByText('Remove key #2?').waitFor()
    await page.getByRole('link', { name: 'Cancel' }).click()
    await page.getByRole('link', { name: 'Remove key #2' }).waitFor()
    await page.getByRole('link', { name: 'Remove key #2' }).click()
    await page.getByRole('button', { name: 'Confirm' }).waitFor()
    await page.getByRole('button', { name: 'Confirm' }).click()
    await page.getByText('Key #2 removed.').waitFor()
    await page.getByText('No keys match “GARAGE”.').waitFor()

    await search.fill('')
    await page.locator('#key-1').waitFor()
    expect(await page.locator('#key-2').count()).toBe(0)
    expect(errors).toEqual([])
    await context.close()

    const user = await signedIn(holderToken)
    await user.page.goto(`${user.url}/me/keys`)
    const row = user.page.locator('#key-1')
    await row.getByText('Blue fob – front door').waitFor()
    await row.getByText('Harbour Flats').waitFor()
    expect(await user.page.locator('#key-2').count()).toBe(0)
    await user.page.getByLabel('Search your notes').pressSequentially('fob', { delay: 30 })
    await user.page.waitForURL(/\/me\/keys\?q=fob/)
    await row.waitFor()
    await user.page.getByLabel('Search your notes').fill('window')
    await user.page.getByText('No keys match “window”.').waitFor()
    expect(user.errors).toEqual([])
    await user.context.close()
  }, 60_000)

  it('should work with JavaScript off: plain forms, 303 redirects and a confirmation page', async () => {
    const { context, page, url } = await signedIn(staffToken, { javaScriptEnabled: false })
    await page.goto(`${url}/orgs/${ORG}/keys`)
    await page.getByLabel('Find a user by e-mail').fill(holderEmail)
    await page.getByRole('button', { name: 'Find' }).click()
    await page.waitForURL(/email=/)

    await page.getByLabel(/^Note/).fill('Spare key, no JS')
    await page.getByRole('button', { name: 'Add key' }).click()
    await page.waitForURL(/added=\d+/)
    const added = Number(new URL(page.url()).searchParams.get('added'))
    expect(added).toBeGreaterThan(0)
    await page.getByText(`Key #${added} added.`).waitFor()

    await page.getByRole('link', { name: `Remove key #${added}` }).click()
    await page.waitForURL(/confirm=/)
    await page.getByText(`Remove key #${added}?`).waitFor()
    await page.getByRole('button', { name: 'Confirm' }).click()
    await page.waitForURL(/removed=/)
    await page.getByText(`Key #${added} removed.`).waitFor()
    expect(await page.locator(`#key-${added}`).count()).toBe(0)
    await context.close()
  }, 60_000)
})
