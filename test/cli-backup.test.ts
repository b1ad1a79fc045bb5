import { describe, expect, it } from 'bun:test'
import { dirname, join } from 'node:path'
import { tempDbPath } from './support/temp-db'
import { cli, startServer } from './support/server'

describe('spkey backup and restore', () => {
  it('should back up a serving database, refuse to restore under the server, and restore once it stopped', async () => {
    const server = await startServer()
    const env = { DATABASE_PATH: server.dbPath }
    expect((await cli(['org', 'create', '--name', 'Backup Co'], env)).exitCode).toBe(0)
    const out = join(dirname(tempDbPath()), 'spkey-backup.db')

    const backup = await cli(['backup', '--out', out], env)
    expect(backup.exitCode).toBe(0)
    expect(backup.json).toMatchObject({ out, events: 2 })

    const refused = await cli(['restore', '--from', out], env)
    expect(refused.exitCode).toBe(1)
    expect(refused.json).toMatchObject({ success: false, message: expect.stringContaining('stop it before restoring') })

    await server.stop()
    expect((await cli(['org', 'create', '--name', 'After Backup'], env)).exitCode).toBe(0)
    const restored = await cli(['restore', '--from', out], env)
    expect(restored.exitCode).toBe(0)
    expect(restored.json).toMatchObject({ events: 2 })
    const again = await cli(['org', 'create', '--name', 'After Backup'], env)
    expect(again.json).toMatchObject({ orgId: 'after-backup' })
  }, 60_000)

  it('should report an unhealthy port from healthcheck with exit 1', async () => {
    const result = await cli(['healthcheck'], { PORT: '1', DATABASE_PATH: tempDbPath() })
    expect(result.exitCode).toBe(1)
    expect(result.json).toMatchObject({ code: 503 })
  })
})
