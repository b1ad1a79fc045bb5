// Door opens on PostgreSQL hold a session advisory lock on a connection of their own for as long as the driver works,
// and each records its use through the pool meanwhile: many keys opened at once must not take every connection the
// recording needs.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { contextOn } from '../support/context'
import { createTestLock, createTestTempKey } from '../support/locks'

describe('door opens on PostgreSQL, many keys at once', () => {
  let ctx: Awaited<ReturnType<typeof contextOn>>
  beforeAll(async () => {
    // A small pool and a slow door: 24 opens of 24 keys outnumber the connections several times over.
    ctx = await contextOn('postgres', { PG_POOL_SIZE: '4', SIMULATED_DELAY_MS: '50' })
  })
  afterAll(() => ctx.close())

  it('should open every key and record every use', async () => {
    const lock = await createTestLock(ctx)
    const keys = await Promise.all(Array.from({ length: 24 }, () => createTestTempKey(ctx, lock)))
    const opens = await Promise.all(
      keys.map((uuid) =>
        ctx.deps.doors.openWithTempKey({ tempKeyUuid: uuid, userId: null, requestId: null, onceToken: null }, { principal: 'test' }),
      ),
    )
    expect(opens.every((open) => open.lockId === lock.lockId)).toBe(true)
    const version = await ctx.deps.log.streamVersion(lock.streamId)
    const uses = (await ctx.deps.log.readStreamRange(lock.streamId, 1, version)).filter((event) => event.type === 'TempKeyUsed')
    expect(uses).toHaveLength(24)
  }, 30_000)
})
