// The real server as a child process (`bun src/main.ts serve`) on a temp database: it listens on the port the OS
// picks, migrates the new file, shows the admin API key on the first start only (and a setup link on each start until it is used), and exits 0 on SIGTERM.
import { Database } from 'bun:sqlite'
import { describe, expect, it } from 'bun:test'
import { existsSync } from 'node:fs'
import { migrations } from '../../src/db/migrations'
import { startServer } from '../support/server'
import { tempDbPath } from '../support/temp-db'

const ADMIN_KEY_LINE = /admin API key \(X-Admin-API-Key\), shown once:\s+([A-Za-z0-9]{40})\s/
const SETUP_LINK = /create the administrator account:\s+(http:\/\/localhost:\d+\/setup\/[A-Za-z0-9_-]{43})\s/

describe('a server started on a new database file', () => {
  it('should listen, migrate the file, show the admin key once and stop cleanly on SIGTERM', async () => {
    const databasePath = tempDbPath()
    expect(existsSync(databasePath)).toBe(false)

    const first = await startServer({ DATABASE_PATH: databasePath, PORT: '0', ADMIN_API_KEY: undefined })
    expect(first.port).toBeGreaterThan(0)
    const health = await fetch(`${first.url}/healthz`)
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
    // So is the one-time setup link while no administrator exists.
    const setupLink = SETUP_LINK.exec(firstRun.stderr)?.[1] ?? 'missing'
    expect(setupLink).toStartWith('http://localhost:')
    expect(firstRun.stdout).not.toContain(setupLink)
    // The pid marker for backups is removed on a clean stop.
    expect(existsSync(`${databasePath}.pid`)).toBe(false)

    const second = await startServer({ DATABASE_PATH: databasePath, PORT: '0', ADMIN_API_KEY: undefined })
    const secondRun = await second.stop()
    expect(secondRun.exitCode).toBe(0)
    expect(secondRun.stderr).not.toContain('admin API key')
    expect(secondRun.stderr).not.toContain(adminKey)
    // Still no administrator: a new link replaces the first (only its hash was kept).
    expect(secondRun.stderr).toMatch(SETUP_LINK)
    expect(secondRun.stderr).not.toContain(setupLink)
  }, 60_000)
})
