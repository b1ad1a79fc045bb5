// Debian's chromium driven by playwright-core (no browser download): headless, sandbox-free for containers/CI.
import { existsSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'

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
