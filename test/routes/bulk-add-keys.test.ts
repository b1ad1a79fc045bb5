// POST /locks/{id}/BulkAddKeys: answers {success, lockId, instanceId} at once; the run then programs each key through
// the door layer as AddKey does (device first, KeyAdded once confirmed), records the keys it could not add and its end,
// every event of the run correlated by the instanceId.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { lockStreamId } from '../../src/domain/lock/events'
import type { DriverRegistry, DriverResult, LockDriver } from '../../src/locks/drivers/port'
import type { CallOptions } from '../support/context'
import { type Backend, BACKENDS, contextOn } from '../support/context'
import { fakeDriver } from '../support/fake-driver'
import { createTestLock } from '../support/locks'

type Auth = Pick<CallOptions, 'apiKey' | 'token'>
type Ctx = Awaited<ReturnType<typeof contextOn>>

// A context whose devices are whichever driver the running test chose (useDriver): its tests share its database.
async function sharedContext(backend: Backend) {
  let current: DriverRegistry = fakeDriver().registry
  const ctx = await contextOn(backend, {}, undefined, { drivers: { forLock: (lock) => current.forLock(lock) } })
  const useDriver = (registry: DriverRegistry) => {
    current = registry
  }
  return { ctx, useDriver }
}

// Two orgs, a lock of org A with an owner and a key holder, all new in `ctx`.
async function world(ctx: Ctx) {
  const [orgA, orgB] = [await ctx.org(), await ctx.org()]
  const [owner, holder] = [await ctx.user(), await ctx.user()]
  const lock = await createTestLock(ctx, { orgId: orgA.orgId, ownerId: owner.userId, keyHolderIds: [holder.userId] })
  const bulk = (keys: unknown, auth: Auth = { apiKey: orgA.apiKey }, lockId = lock.lockId) =>
    ctx.call('POST', `/locks/${lockId}/BulkAddKeys`, { ...auth, body: { keys } })
  const stream = lockStreamId(lock.lockId)
  const events = async () => ctx.deps.log.readStreamRange(stream, 1, await ctx.deps.log.streamVersion(stream))
  const run = async (instanceId: string) => (await events()).filter((e) => e.metadata.correlationId === instanceId)
  return { ctx, orgA, orgB, owner, holder, lock, bulk, events, run }
}
type World = Awaited<ReturnType<typeof world>>

const keyBody = (keyIndexNumber?: number) => ({ keyUuid: crypto.randomUUID(), ...(keyIndexNumber !== undefined ? { keyIndexNumber } : {}) })

// A device that answers each addKey call with the next scripted result (then ok), and may hold every answer back.
function scriptedDriver(script: DriverResult['status'][] = []) {
  const calls: string[] = []
  let gate: Promise<void> = Promise.resolve()
  let open = () => {}
  const answer = async (_lock: unknown, ctx: { keyUuid?: string }): Promise<DriverResult> => {
    calls.push(ctx.keyUuid ?? '')
    await gate
    const status = script.shift() ?? 'ok'
    return status === 'failure' ? { status, reason: 'scripted failure' } : ({ status } as DriverResult)
  }
  const driver: LockDriver = { name: 'simulated', open: answer, addKey: answer, removeKey: answer, writeKey: answer }
  const registry: DriverRegistry = { forLock: () => driver }
  return {
    registry,
    calls,
    hold: () => (gate = new Promise<void>((resolve) => (open = resolve))),
    release: () => open(),
  }
}

for (const backend of BACKENDS) {
  describe(`POST /locks/{id}/BulkAddKeys (${backend})`, () => {
    let shared: Awaited<ReturnType<typeof sharedContext>>
    beforeAll(async () => {
      shared = await sharedContext(backend)
    })
    afterAll(() => shared.ctx.close())
    // A test on the shared context with these devices (the fake one by default).
    const given = (driver: { registry: DriverRegistry } = fakeDriver()) => {
      shared.useDriver(driver.registry)
      return world(shared.ctx)
    }
    // A test that needs settings of its own, or stops the key workflows for good: a context of its own.
    const alone = async (env: Record<string, string>, drivers: DriverRegistry, test: (w: World) => Promise<void>) => {
      const ctx = await contextOn(backend, env, undefined, { drivers })
      try {
        await test(await world(ctx))
      } finally {
        await ctx.close()
      }
    }

    it('should answer {success, lockId, instanceId} and add every key in order, each as AddKey records it', async () => {
      const w = await given()
      const keys = [{ ...keyBody(4), userId: w.holder.userId }, keyBody()]
      const res = await w.bulk(keys)
      expect(res.status).toBe(200)
      expect(res.json).toEqual({ success: true, lockId: w.lock.lockId, instanceId: expect.any(String) })
      await w.ctx.deps.keyWorkflows.idle()
      const run = await w.run(res.json.instanceId)
      expect(run.map((e) => e.type)).toEqual(['BulkAddKeysStarted', 'KeyAdded', 'KeyAdded', 'BulkAddKeysFinished'])
      expect(run[0]?.data).toMatchObject({ lockId: w.lock.lockId, instanceId: res.json.instanceId, keys })
      expect(run[1]?.data).toMatchObject({ keyUuid: keys[0]?.keyUuid, keyIndexNumber: 4, userId: w.holder.userId })
      expect(run[2]?.data).toMatchObject({ keyUuid: keys[1]?.keyUuid })
      expect(run[3]?.data).toMatchObject({ instanceId: res.json.instanceId, added: 2, unchanged: 0, failed: 0, skipped: 0 })
      const details = await w.ctx.call('GET', `/locks/${w.lock.lockId}/details`, { apiKey: w.orgA.apiKey })
      const listed = details.json.keys.map((k: { keyUuid?: string; uuid?: string }) => k.keyUuid ?? k.uuid)
      expect(listed).toEqual(expect.arrayContaining(keys.map((k) => k.keyUuid)))
    })

    it('should answer before the device has confirmed anything, the run recorded as started', async () => {
      const driver = scriptedDriver()
      const w = await given(driver)
      driver.hold()
      const res = await w.bulk([keyBody(), keyBody()])
      expect(res.status).toBe(200)
      expect((await w.run(res.json.instanceId)).map((e) => e.type)).toEqual(['BulkAddKeysStarted'])
      driver.release()
      await w.ctx.deps.keyWorkflows.idle()
      expect((await w.run(res.json.instanceId)).map((e) => e.type)).toEqual([
        'BulkAddKeysStarted',
        'KeyAdded',
        'KeyAdded',
        'BulkAddKeysFinished',
      ])
    })

    it('should record nothing for a key the device never confirms, try it 3 times, record the failure and go on', async () => {
      const driver = scriptedDriver(['offline', 'failure', 'offline'])
      const w = await given(driver)
      const [lost, kept] = [keyBody(), keyBody()]
      const res = await w.bulk([lost, kept])
      await w.ctx.deps.keyWorkflows.idle()
      expect(driver.calls).toEqual([lost.keyUuid, lost.keyUuid, lost.keyUuid, kept.keyUuid])
      const run = await w.run(res.json.instanceId)
      expect(run.map((e) => e.type)).toEqual(['BulkAddKeysStarted', 'BulkAddKeyFailed', 'KeyAdded', 'BulkAddKeysFinished'])
      expect(run[1]?.data).toMatchObject({ keyUuid: lost.keyUuid, attempts: 3, reason: expect.stringContaining('offline') })
      expect(run[2]?.data).toMatchObject({ keyUuid: kept.keyUuid })
      expect(run[3]?.data).toMatchObject({ added: 1, failed: 1 })
      expect((await w.events()).some((e) => e.type === 'KeyAdded' && e.data.keyUuid === lost.keyUuid)).toBe(false)
    })

    it('should add a key whose first device call failed once the device confirms a retry', async () => {
      const driver = scriptedDriver(['failure'])
      const w = await given(driver)
      const key = keyBody()
      const res = await w.bulk([key])
      await w.ctx.deps.keyWorkflows.idle()
      expect(driver.calls).toEqual([key.keyUuid, key.keyUuid])
      expect((await w.run(res.json.instanceId)).map((e) => e.type)).toEqual(['BulkAddKeysStarted', 'KeyAdded', 'BulkAddKeysFinished'])
    })

    it('should count a key the lock already has, unchanged, without a device call', async () => {
      const driver = scriptedDriver()
      const w = await given(driver)
      const key = keyBody(2)
      expect((await w.ctx.call('POST', `/locks/${w.lock.lockId}/AddKey`, { apiKey: w.orgA.apiKey, body: key })).status).toBe(200)
      driver.calls.length = 0
      const res = await w.bulk([key])
      await w.ctx.deps.keyWorkflows.idle()
      expect(driver.calls).toEqual([])
      expect((await w.run(res.json.instanceId)).at(-1)?.data).toMatchObject({ added: 0, unchanged: 1, failed: 0 })
    })

    it('should pause between device commands (docs: a delay between commands)', async () => {
      await alone({ BULK_ADD_KEYS_INTERVAL_MS: '40' }, fakeDriver().registry, async (w) => {
        const started = performance.now()
        await w.bulk([keyBody(), keyBody(), keyBody()])
        await w.ctx.deps.keyWorkflows.idle()
        expect(performance.now() - started).toBeGreaterThanOrEqual(75)
      })
    })

    it('should stop after the key in hand on shutdown and record how many keys it skipped', async () => {
      const driver = scriptedDriver()
      await alone({ BULK_ADD_KEYS_INTERVAL_MS: '20' }, driver.registry, async (w) => {
        driver.hold()
        const res = await w.bulk([keyBody(), keyBody(), keyBody()])
        const stopped = w.ctx.deps.keyWorkflows.stop()
        driver.release()
        await stopped
        const run = await w.run(res.json.instanceId)
        expect(run.map((e) => e.type)).toEqual(['BulkAddKeysStarted', 'KeyAdded', 'BulkAddKeysFinished'])
        expect(run.at(-1)?.data).toMatchObject({ added: 1, skipped: 2 })
      })
    })

    it('should let the owner (JWT) run it', async () => {
      const w = await given()
      const res = await w.bulk([keyBody()], { token: w.owner.token })
      expect(res.status).toBe(200)
      await w.ctx.deps.keyWorkflows.idle()
    })

    describe('refusals, with nothing recorded and no device call', () => {
      const refusals: [string, number, (w: World) => Promise<{ status: number; json: any }>, string?][] = [
        ['no credentials', 401, (w) => w.bulk([keyBody()], {})],
        ["another org's key (the lock is not revealed)", 404, (w) => w.bulk([keyBody()], { apiKey: w.orgB.apiKey })],
        ['a key holder, who may not manage the lock', 403, (w) => w.bulk([keyBody()], { token: w.holder.token })],
        ['an unknown lock', 404, (w) => w.bulk([keyBody()], { apiKey: w.orgA.apiKey }, 999_999_999)],
        ['an empty list', 400, (w) => w.bulk([]), 'keys'],
        ['more than 100 keys', 400, (w) => w.bulk(Array.from({ length: 101 }, () => keyBody())), 'keys'],
        [
          'one keyUuid twice',
          400,
          (w) => {
            const key = keyBody()
            return w.bulk([key, keyBody(), { ...key, keyIndexNumber: 9 }])
          },
          'keys[2].keyUuid',
        ],
        ['an unknown field in a key', 400, (w) => w.bulk([{ ...keyBody(), colour: 'red' }])],
      ]
      for (const [name, status, call, field] of refusals) {
        it(`should answer ${status} to ${name}`, async () => {
          const driver = scriptedDriver()
          const w = await given(driver)
          const before = await w.ctx.head()
          const res = await call(w)
          expect({ status: res.status, success: res.json?.success }).toEqual({ status, success: false })
          if (field) expect(res.json.details.map((d: { field: string }) => d.field)).toContain(field)
          await w.ctx.deps.keyWorkflows.idle()
          expect(await w.ctx.head()).toBe(before)
          expect(driver.calls).toEqual([])
        })
      }
    })

    it('should take at most 100 keys in one run', async () => {
      const w = await given()
      const res = await w.bulk(Array.from({ length: 100 }, () => keyBody()))
      expect(res.status).toBe(200)
      await w.ctx.deps.keyWorkflows.idle()
      expect((await w.run(res.json.instanceId)).at(-1)?.data).toMatchObject({ added: 100 })
    })
  })
}
