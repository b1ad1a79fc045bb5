// Two processes' wiring on one PostgreSQL database (src/deps-pg.ts): what one does reaches the other's caches.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { loadConfig } from '../../src/config'
import { createPgDeps, type PostgresDeps } from '../../src/deps-pg'
import { freshDatabase } from '../fixtures/postgres'
import { contextOn } from '../support/context'
import { createTestLock, createTestTempKey } from '../support/locks'
import { tempDbPath } from '../support/temp-db'

describe('a rebuild of the read models on PostgreSQL', () => {
  let a: PostgresDeps
  let b: PostgresDeps
  beforeAll(async () => {
    const databaseUrl = await freshDatabase()
    const config = { ...loadConfig({ DATABASE_PATH: tempDbPath() }), databaseUrl }
    a = await createPgDeps(config)
    b = await createPgDeps(config)
  })
  afterAll(async () => {
    await a.lifecycle.close()
    await b.lifecycle.close()
  })

  it("should drop another process's cached rows, which changed without an event", async () => {
    const lock = await createTestLock({ deps: a }, { name: 'Front door' })
    await a.sql`UPDATE locks SET name = 'tampered' WHERE lock_id = ${lock.lockId}`
    expect((await a.reads.lockRow(lock.lockId, Date.now()))?.name).toBe('tampered')
    expect((await a.reads.lockRow(lock.lockId, Date.now()))?.name).toBe('tampered')

    await b.store.rebuild()

    const deadline = performance.now() + 500
    let name = (await a.reads.lockRow(lock.lockId, Date.now()))?.name
    while (name !== 'Front door' && performance.now() < deadline) {
      await Bun.sleep(5)
      name = (await a.reads.lockRow(lock.lockId, Date.now()))?.name
    }
    expect(name).toBe('Front door')
  })
})

describe('a rebuild on PostgreSQL of a lock with more events than one page', () => {
  it('should finish, with the same decision rows', async () => {
    const ctx = await contextOn('postgres')
    try {
      const { store, sql } = ctx.deps as PostgresDeps
      const lock = await createTestLock(ctx)
      for (let i = 0; i < 1_050; i += 50) await Promise.all(Array.from({ length: 50 }, () => createTestTempKey(ctx, lock)))
      const rows = () => sql`SELECT stream_id, entity_id, state FROM entity_states ORDER BY stream_id, entity_id`
      const before = await rows()
      expect(before.length).toBeGreaterThan(1_000)

      await store.rebuild()

      expect(await rows()).toEqual(before)
    } finally {
      await ctx.close()
    }
  }, 120_000)
})
