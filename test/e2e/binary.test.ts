// The single binary: built with `bun build --compile`, it serves from an empty folder with its embedded migrations
// and assets, runs its own admin CLI, drives a lock through a temp key, and stops cleanly on SIGTERM losing nothing.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase } from '../../src/db/connection'
import { freePort } from '../fixtures/ports'

let dir = ''
let binary = ''

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'spkey-binary-'))
  binary = join(dir, 'spkey')
  const build = Bun.spawnSync(['bun', 'build', '--compile', 'src/main.ts', '--outfile', binary], { stderr: 'pipe' })
  if (build.exitCode !== 0) throw new Error(`build failed: ${build.stderr.toString()}`)
})

afterAll(() => rmSync(dir, { recursive: true, force: true }))

// Run from an empty folder: nothing but the binary and its environment.
const run = (args: string[], env: Record<string, string>, cwd: string) =>
  Bun.spawnSync([binary, ...args], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdout: 'pipe', stderr: 'pipe' })

describe('the compiled binary', () => {
  it('should serve with embedded defaults, run its CLI, open a door through a temp key and stop cleanly', async () => {
    const work = mkdtempSync(join(dir, 'site-'))
    const port = freePort()
    const env = { PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' }
    const base = `http://127.0.0.1:${port}`

    const started = performance.now()
    const server = Bun.spawn([binary], { cwd: work, env: { PATH: process.env.PATH ?? '', ...env }, stdout: 'ignore', stderr: 'ignore' })
    for (let i = 0; i < 300; i++) {
      const ok = await fetch(`${base}/healthz`)
        .then((r) => r.ok)
        .catch(() => false)
      if (ok) break
      await Bun.sleep(20)
    }
    const startMs = Math.round(performance.now() - started)
    expect((await fetch(`${base}/readyz`)).status).toBe(200)
    // The default database lives in ./data under the working folder.
    expect(statSync(join(work, 'data', 'spkey.db')).isFile()).toBe(true)
    expect((await fetch(`${base}/public/htmx.min.js`)).status).toBe(200)
    expect((await fetch(`${base}/public/scalar-api-reference.js`)).status).toBe(200)
    expect((await fetch(`${base}/favicon.ico`)).status).toBe(200)
    expect((await fetch(`${base}/public/favicon.svg`)).status).toBe(200)

    const created = run(['org', 'create', '--name', 'Binary Site'], env, work)
    expect(created.exitCode).toBe(0)
    const { orgId, apiKey } = JSON.parse(created.stdout.toString()) as { orgId: string; apiKey: string }
    const api = (path: string, body?: unknown) =>
      fetch(`${base}${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': apiKey, accept: 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
    expect((await api('/locks/7/CreateLock', { index: 7, uuid: crypto.randomUUID() })).status).toBe(201)
    const now = Date.now()
    const key = await api('/locks/7/create-temp-key', {
      accessMode: 'public',
      validFrom: new Date(now - 60_000).toISOString(),
      validUntil: new Date(now + 3_600_000).toISOString(),
      maxUses: 1,
    })
    expect(key.status).toBe(200)
    const { tempKeyUuid } = (await key.json()) as { tempKeyUuid: string }
    const open = await fetch(`${base}/temp-keys/${tempKeyUuid}/open`, { method: 'POST', headers: { accept: 'application/json' } })
    expect(open.status).toBe(200)
    const metrics = await (await fetch(`${base}/metrics`)).text()
    expect(metrics).toContain('spkey_events_appended_total{type="TempKeyUsed"} 1')
    expect(metrics).toContain('spkey_http_requests_total')

    expect(run(['healthcheck'], env, work).exitCode).toBe(0)
    const rssMb = Math.round(Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${server.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024)
    server.kill('SIGTERM')
    expect(await server.exited).toBe(0)

    const db = openDatabase(join(work, 'data', 'spkey.db'))
    const types = db.$client.query<{ type: string }, []>("SELECT type FROM events WHERE stream_id = 'lock-7' ORDER BY position").all()
    db.$client.close()
    expect(types.map((row) => row.type)).toEqual(['LockCreated', 'TempKeyCreated', 'LockOpenRequested', 'TempKeyUsed'])
    expect(run(['healthcheck'], env, work).exitCode).toBe(1)
    console.log(
      `binary: ${Math.round(statSync(binary).size / 1024 / 1024)} MB, start ${startMs} ms to /healthz, RSS ${rssMb} MB after the scenario (org ${orgId})`,
    )
  }, 60_000)
})
