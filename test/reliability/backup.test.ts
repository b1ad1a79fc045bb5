import { describe, expect, it } from 'bun:test'
import { dirname, join } from 'node:path'
import { backupTo, markServing, restoreFrom } from '../../src/backup'
import { openDatabase } from '../../src/db/connection'
import { testContext } from '../support/context'
import { tempDbPath } from '../support/temp-db'

const log = (path: string) => {
  const db = openDatabase(path)
  const rows = db.$client.query('SELECT position, stream_id, stream_version, type, data FROM events ORDER BY position').all()
  db.$client.close()
  return rows
}

describe('backup and restore', () => {
  it('should take a consistent backup while commands keep arriving, and restore it to an identical log', async () => {
    const ctx = testContext()
    const { orgId, apiKey } = await ctx.org()
    const { userId } = await ctx.user()
    const writes = Array.from({ length: 40 }, () => ctx.call('POST', `/users/${userId}/AddPhysicalKey`, { apiKey, body: { orgId } }))
    const out = join(dirname(tempDbPath()), 'backup.db')
    await Bun.sleep(0)
    const { events } = backupTo(ctx.deps.db, out)
    await Promise.all(writes)
    expect(events).toBeGreaterThan(0)

    const target = tempDbPath()
    restoreFrom(out, target)
    const restored = log(target)
    expect(restored.length).toBe(events)
    const live = ctx.deps.db.$client.query('SELECT position, stream_id, stream_version, type, data FROM events ORDER BY position').all()
    expect(restored).toEqual(live.slice(0, events))
  })

  it('should refuse to overwrite an existing backup file', () => {
    const ctx = testContext()
    const out = join(dirname(tempDbPath()), 'backup.db')
    backupTo(ctx.deps.db, out)
    expect(() => backupTo(ctx.deps.db, out)).toThrow('already exists')
  })

  it('should refuse to restore under a running server', async () => {
    const ctx = testContext()
    await ctx.org()
    const out = join(dirname(tempDbPath()), 'backup.db')
    backupTo(ctx.deps.db, out)
    const target = tempDbPath()
    openDatabase(target).$client.close()
    const unmark = markServing(target)
    expect(() => restoreFrom(out, target)).toThrow('stop it before restoring')
    unmark()
    expect(restoreFrom(out, target).events).toBeGreaterThan(0)
  })
})
