// Debian's chromium driven by playwright-core (no browser download): headless, sandbox-free for containers/CI.
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { cli, type RunningServer, startServer } from './server'

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

export function hasChromium(): boolean {
  return existsSync(CHROMIUM_PATH)
}

export async function launchBrowser(): Promise<Browser> {
  if (!hasChromium()) throw new Error(`chromium not found at ${CHROMIUM_PATH}: apt-get install -y chromium`)
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ARGS })
}

export const PHONE = { width: 390, height: 844 }

// A datetime-local value for an instant, as a browser in `zone` shows it.
export const localInput = (zone: string, ms: number) =>
  new Intl.DateTimeFormat('sv-SE', { timeZone: zone, dateStyle: 'short', timeStyle: 'short' }).format(ms).replace(' ', 'T')

// Console errors include CSP violations (an inline script or style would show up here); pages under /locks/ and assets
// must all load (the browser asks for /favicon.ico on its own, and a guest's refusals are pages with their status).
// everyResponse: any response of 400 or more counts, for a walk where nothing is meant to be refused.
export function watchErrors(page: Page, options: { everyResponse?: boolean } = {}): string[] {
  const errors: string[] = []
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) errors.push(message.text())
  })
  page.on('pageerror', (error) => errors.push(error.message))
  page.on('response', (response) => {
    const path = new URL(response.url()).pathname
    const watched = options.everyResponse || path.startsWith('/public/') || path.startsWith('/locks/')
    if (response.status() >= 400 && watched) errors.push(`${response.status()} ${path}`)
  })
  return errors
}

const AXE_SOURCE = readFileSync(join(import.meta.dir, '../../node_modules/axe-core/axe.min.js'), 'utf8')

type AxeViolation = { id: string; impact: string | null; help: string; nodes: { target: unknown }[] }

// axe-core's serious and critical violations on the page as it is now, one line each. axe-core runs through the
// DevTools protocol, which spkey's CSP (script-src 'self') does not govern: no bypassCSP needed, so a page's own CSP
// violations still reach the console.
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE_SOURCE)
  const violations = await page.evaluate(async () => {
    const axe = Reflect.get(window, 'axe') as { run: () => Promise<{ violations: AxeViolation[] }> }
    return (await axe.run()).violations
  })
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')})`)
}

// A lock owner made with the CLI, a lock of theirs created through the API, and their session token.
export async function ownerWithLock(
  server: RunningServer,
  name: string,
  vendorName: string,
  lockName?: string,
): Promise<{ token: string; lockId: number }> {
  const email = `owner-${crypto.randomUUID().slice(0, 8)}@example.test`
  const user = await cli(['user', 'create', '--email', email, '--name', name], server.env)
  if (user.exitCode !== 0) throw new Error(`user create failed: ${user.stderr}`)
  const userId = String((user.json as { userId: string }).userId)
  const signed = await cli(['token', '--user', userId], server.env)
  const token = String((signed.json as { token: string }).token)
  const lockId = 100_000 + Math.floor(Math.random() * 900_000)
  const created = await fetch(`${server.url}/locks/${lockId}/CreateLock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ index: lockId, uuid: crypto.randomUUID(), vendorName, ownerId: userId, name: lockName }),
  })
  if (created.status !== 201) throw new Error(`CreateLock answered ${created.status}`)
  return { token, lockId }
}

// A phone-sized browser context in `zone`, signed in with the session cookie (bypassCSP for axe-core).
export async function signedInPhone(
  browser: Browser,
  server: RunningServer,
  token: string,
  zone: string,
  options: { locale?: string; bypassCSP?: boolean } = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: PHONE, timezoneId: zone, ...options })
  const host = new URL(server.url).hostname
  await context.addCookies([{ name: 'spkey_session', value: token, domain: host, path: '/', httpOnly: true, sameSite: 'Lax' }])
  return context
}

const SETUP_LINK = /(http:\/\/\S+\/setup\/[A-Za-z0-9_-]{43})\s/

// The one-time setup link a fresh server printed at start.
export async function setupLinkOf(server: RunningServer): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const link = SETUP_LINK.exec(server.stderr())?.[1]
    if (link) return link
    await Bun.sleep(20)
  }
  throw new Error(`no setup link in the server's output: ${server.stderr()}`)
}

// A fresh server and a browser for a describe block's tests (beforeAll), and their end (afterAll).
export async function openSite(env: Record<string, string> = {}): Promise<{ server: RunningServer; browser: Browser }> {
  const server = await startServer(env)
  return { server, browser: await launchBrowser() }
}

export async function closeSite(server: RunningServer | undefined, browser: Browser | undefined): Promise<void> {
  await browser?.close()
  await server?.stop()
}
