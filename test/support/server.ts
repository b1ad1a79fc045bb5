// The real thing, as a child process: `bun src/main.ts serve` on a free port and a temp database, and the admin CLI
// against the same file. For e2e and browser tests; everything else uses testContext (app.handle).
import { afterAll } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import type { Subprocess } from 'bun'
import { freePort } from '../fixtures/ports'

const ROOT = resolve(import.meta.dir, '../..')
const MAIN = join(ROOT, 'src/main.ts')
const SERVE_AT = join(ROOT, 'test/support/serve-at.ts')

export type Stopped = { exitCode: number; stdout: string; stderr: string }

export type RunningServer = {
  url: string
  port: number
  dbPath: string
  // Environment the server runs with (DATABASE_PATH included): pass it to `cli` to work on the same database.
  env: Record<string, string>
  // Everything the server wrote to stderr so far (for failure messages).
  stderr: () => string
  // SIGTERM (a clean stop) unless told otherwise; SIGKILL is a crash. Resolves once the process has exited.
  stop: (signal?: 'SIGTERM' | 'SIGKILL') => Promise<Stopped>
}

// Servers a test started and did not stop (it failed first): killed when the file ends, by handle.
const running = new Set<Subprocess>()
afterAll(() => {
  for (const child of running) child.kill('SIGKILL')
})

async function collect(stream: ReadableStream<Uint8Array>, into: (text: string) => void): Promise<void> {
  const decoder = new TextDecoder()
  const reader = stream.getReader()
  for (;;) {
    const { done, value } = await reader.read()
    if (done) return
    into(decoder.decode(value, { stream: true }))
  }
}

const LISTENING = /spkey listening on http:\/\/[^\s:]+:(\d+)/

// Starts the server and resolves once /healthz answers. `env` overrides (e.g. JWT_SECRET, PUBLIC_URL; PORT '0' lets the
// OS pick, read back from the server's output); a name set to undefined is not passed on from this process's environment.
// `clockAt` (ISO 8601) stops the server's clock at that instant (test/support/serve-at.ts): every time it records is that one.
export async function startServer(
  env: Record<string, string | undefined> = {},
  options: { clockAt?: string } = {},
): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'spkey-e2e-'))
  const dbPath = env.DATABASE_PATH ?? join(dir, 'spkey.db')
  let port = env.PORT === '0' ? 0 : freePort()
  const urlOf = (at: number) => `http://127.0.0.1:${at}`
  const publicUrl = port === 0 ? {} : { PUBLIC_URL: urlOf(port) }
  const given = { LOG_LEVEL: 'warn', ...publicUrl, ...env, DATABASE_PATH: dbPath, PORT: String(port), HOST: '127.0.0.1' }
  const serverEnv = Object.fromEntries(Object.entries(given).filter((entry): entry is [string, string] => entry[1] !== undefined))
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !(name in given)))
  const command = options.clockAt === undefined ? [MAIN, 'serve'] : [SERVE_AT, options.clockAt]
  const child = Bun.spawn(['bun', ...command], {
    cwd: ROOT,
    env: { ...inherited, ...serverEnv },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  running.add(child)
  let output = ''
  let errors = ''
  const drained = Promise.all([collect(child.stdout, (text) => (output += text)), collect(child.stderr, (text) => (errors += text))])
  const stop = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<Stopped> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    const exitCode = await child.exited
    running.delete(child)
    await drained
    rmSync(dir, { recursive: true, force: true })
    return { exitCode, stdout: output, stderr: errors }
  }
  const started = Date.now()
  for (;;) {
    if (child.exitCode !== null) throw new Error(`spkey exited with ${child.exitCode} before listening:\n${errors}`)
    port ||= Number(LISTENING.exec(output)?.[1] ?? 0)
    try {
      if (port && (await fetch(`${urlOf(port)}/healthz`)).ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() - started > 30_000) {
      await stop()
      throw new Error(`spkey did not start within 30s:\n${errors}`)
    }
    await Bun.sleep(25)
  }
  return { url: urlOf(port), port, dbPath, env: serverEnv, stderr: () => errors, stop }
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
