// The real server as a child process (`bun src/main.ts serve`) on a temp database: it listens on the port the OS
// picks, migrates the new file, shows the admin API key on the first start only, and exits 0 on SIGTERM.
import { Database } from 'bun:sqlite'
import { afterAll, describe, expect, it } from 'bun:test'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { Subprocess } from 'bun'
import { migrations } from '../../src/db/migrations'
import { tempDbPath } from '../support/temp-db'

const ROOT = join(import.meta.dir, '..', '..')
const START_TIMEOUT_MS = 20_000

const running = new Set<Subprocess>()
afterAll(() => {
  // Only children this file started, by handle, should a test fail before stopping its server.
  for (const child of running) child.kill('SIGKILL')
})

type Stopped = { exitCode: number | null; stdout: string; stderr: string }

async function startServer(databasePath: string) {
  const env: Record<string, string | undefined> = { ...process.env, PORT: '0', HOST: '127.0.0.1', DATABASE_PATH: databasePath, LOG_LEVEL: 'warn' }
  delete env.ADMIN_API_KEY
  const child = Bun.spawn([process.execPath, 'src/main.ts', 'serve'], { cwd: ROOT, env, stdout: 'pipe', stderr: 'pipe' })
  running.add(child)
  let stdout = ''
  const decoder = new TextDecoder()
  const stdoutDone = (async () => {
    const reader = child.stdout.getReader()
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
      stdout += decoder.decode(chunk.value, { stream: true })
    }
  })()
  const stderr = new Response(child.stderr).text()

  const started = Date.now()
  let port: string | undefined
  while (!(port = /spkey listening on http:\/\/[^\s:]+:(\d+)/.exec(stdout)?.[1])) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode} before listening:\n${await stderr}`)
    if (Date.now() - started > START_TIMEOUT_MS) throw new Error(`server did not print its URL in time:\n${stdout}`)
    await Bun.sleep(20)
  }
  const url = `http://127.0.0.1:${port}`

  async function stop(): Promise<Stopped> {
    child.kill('SIGTERM')
    const exitCode = await child.exited
    running.delete(child)
    await stdoutDone
    return { exitCode, stdout, stderr: await stderr }
  }
  return { url, port: Number(port), stop }
}

async function waitHealthy(url: string): Promise<Response> {
  const started = Date.now()
  for (;;) {
    try {
      const response = await fetch(`${url}/healthz`)
      if (response.ok) return response
    } catch {
      // not accepting connections yet
    }
    if (Date.now() - started > START_TIMEOUT_MS) throw new Error(`${url}/healthz never answered 200`)
    await Bun.sleep(50)
  }
}

const ADMIN_KEY_LINE = /admin API key \(X-Admin-API-Key\), shown once:\s+([A-Za-z0-9]{40})\s/

describe('a server started on a new database file', () => {
  it('should listen, migrate the file, show the admin key once and stop cleanly on SIGTERM', async () => {
    const databasePath = tempDbPath()
    expect(existsSync(databasePath)).toBe(false)

    const first = await startServer(databasePath)
    expect(first.port).toBeGreaterThan(0)
    const health = await waitHealthy(first.url)
    expect(await health.json()).toEqual({ status: 'ok' })
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200)

    expect(existsSync(databasePath)).toBe(true)
    const db = new Database(databasePath, { readonly: true })
    const applied = db.query('SELECT count(*) AS n FROM __drizzle_migrations').get() as { n: number }
    const tables = db.query("SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')").all() as { name: string }[]
    db.close()
    expect(applied.n).toBe(migrations.length)
    expect(tables.map((t) => t.name)).toEqual(expect.arrayContaining(['events', 'snapshots', 'events_no_update', 'events_no_delete']))

    const firstRun = await first.stop()
    expect(firstRun.exitCode).toBe(0)
    expect(firstRun.stderr).toMatch(ADMIN_KEY_LINE)
    // The plaintext key is never on stdout (where request logs go), only on the operator's terminal.
    const adminKey = ADMIN_KEY_LINE.exec(firstRun.stderr)?.[1] ?? 'missing'
    expect(firstRun.stdout).not.toContain(adminKey)
    // The pid marker for backups is removed on a clean stop.
    expect(existsSync(`${databasePath}.pid`)).toBe(false)

    const second = await startServer(databasePath)
    await waitHealthy(second.url)
    const secondRun = await second.stop()
    expect(secondRun.exitCode).toBe(0)
    expect(secondRun.stderr).not.toContain('admin API key')
    expect(secondRun.stderr).not.toContain(adminKey)
  }, 60_000)
})
