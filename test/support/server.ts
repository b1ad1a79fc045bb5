// The real thing, as a child process: `bun src/main.ts serve` on a free port and a temp database, and the admin CLI
// against the same file. For e2e and browser tests; everything else uses testContext (app.handle).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { freePort } from '../fixtures/ports'

const ROOT = resolve(import.meta.dir, '../..')
const MAIN = join(ROOT, 'src/main.ts')


export type RunningServer = {
  url: string
  dbPath: string
  // Environment the server runs with (DATABASE_PATH included): pass it to `cli` to work on the same database.
  env: Record<string, string>
  // Everything the server wrote to stderr so far (for failure messages).
  stderr: () => string
  stop: () => Promise<void>
}

// Starts the server and resolves once /healthz answers. `env` overrides (e.g. JWT_SECRET, PUBLIC_URL).
export async function startServer(env: Record<string, string> = {}): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'spkey-e2e-'))
  const dbPath = env.DATABASE_PATH ?? join(dir, 'spkey.db')
  const port = freePort()
  const url = `http://127.0.0.1:${port}`
  const serverEnv = { LOG_LEVEL: 'warn', PUBLIC_URL: url, ...env, DATABASE_PATH: dbPath, PORT: String(port), HOST: '127.0.0.1' }
  const child = Bun.spawn(['bun', MAIN, 'serve'], {
    cwd: ROOT,
    env: { ...process.env, ...serverEnv },
    stdout: 'ignore',
    stderr: 'pipe',
  })
  let errors = ''
  void (async () => {
    const decoder = new TextDecoder()
    const reader = child.stderr.getReader()
    for (;;) {
      const { done, value } = await reader.read()
      if (done) return
      errors += decoder.decode(value, { stream: true })
    }
  })()
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await child.exited
    rmSync(dir, { recursive: true, force: true })
  }
  const started = Date.now()
  for (;;) {
    if (child.exitCode !== null) throw new Error(`spkey exited with ${child.exitCode} before listening:\n${errors}`)
    try {
      if ((await fetch(`${url}/healthz`)).ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() - started > 30_000) {
      await stop()
      throw new Error(`spkey did not start within 30s:\n${errors}`)
    }
    await Bun.sleep(25)
  }
  return { url, dbPath, env: serverEnv, stderr: () => errors, stop }
}

export type CliResult = { exitCode: number; stdout: string; stderr: string; json: unknown }

// Runs `bun src/main.ts <args>` (the admin CLI) and parses its one JSON object (stdout, else the error on stderr).
export async function cli(args: string[], env: Record<string, string>, stdin?: string): Promise<CliResult> {
  const child = Bun.spawn(['bun', MAIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdin: stdin === undefined ? 'ignore' : new TextEncoder().encode(stdin),
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
  const source = exitCode === 0 ? stdout : (stderr.split('\n').find((line) => line.startsWith('{')) ?? '')
  let json: unknown
  try {
    json = JSON.parse(source)
  } catch {
    json = undefined
  }
  return { exitCode, stdout, stderr, json }
}
