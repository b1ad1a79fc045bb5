// The door layer with a fake driver, no HTTP: a failed drive spends no use, an offline lock queues the open and counts
// it, racing opens never exceed maxUses, a repeated one-time token drives the door once, and key programming records
// nothing the device did not confirm.
import { describe, expect, it } from 'bun:test'
import { lockAggregate } from '../../src/domain/lock/decide'
import type { TempKeyState } from '../../src/domain/lock/state'
import type { DriverResult } from '../../src/locks/drivers/port'
import { DriverFailed } from '../../src/locks/doors'
import { testContext } from '../support/context'
import { fakeDriver } from '../support/fake-driver'
import { createTestLock, createTestTempKey } from '../support/locks'

const ok = async (): Promise<DriverResult> => ({ status: 'ok' })

function setup() {
  const fake = fakeDriver()
  const ctx = testContext({}, undefined, { drivers: fake.registry })
  return { ...ctx, fake, doors: ctx.deps.doors }
}

const open = (doors: ReturnType<typeof setup>['doors'], tempKeyUuid: string, onceToken: string | null = null) =>
  doors.openWithTempKey({ tempKeyUuid, userId: null, requestId: null, onceToken }, {})

const usedCount = (ctx: ReturnType<typeof setup>, streamId: string, key: string) =>
  ctx.deps.store.loadEntity<TempKeyState>(lockAggregate, streamId, key)?.usedCount

describe('a temp-key open', () => {
  it('should drive the door, then record LockOpenRequested and TempKeyUsed', async () => {
    const ctx = setup()
    const lock = await createTestLock(ctx)
    const key = await createTestTempKey(ctx, lock, { maxUses: 3 })

    const outcome = await open(ctx.doors, key)

    expect(outcome).toMatchObject({ lockId: lock.lockId, offline: false })
    expect(outcome.handled.events.map((e) => e.type)).toEqual(['LockOpenRequested', 'TempKeyUsed'])
    expect(ctx.fake.state.calls.map((c) => [c.action, c.lock.uuid])).toEqual([['open', lock.uuid]])
  })

  it('should spend no use when the driver fails', async () => {
    const ctx = setup()
    const lock = await createTestLock(ctx)
    const key = await createTestTempKey(ctx, lock, { maxUses: 1 })
    ctx.fake.state.mode = 'failure'

    await expect(open(ctx.doors, key)).rejects.toBeInstanceOf(DriverFailed)

    expect(usedCount(ctx, lock.streamId, key)).toBe(0)
    expect(ctx.eventsOf(lock.streamId).map((e) => e.type)).not.toContain('TempKeyUsed')
  })

  it('should count an open the offline lock queued, and say it was queued', async () => {
    const ctx = setup()
    const lock = await createTestLock(ctx)
    const key = await createTestTempKey(ctx, lock, { maxUses: 1 })
    ctx.fake.state.mode = 'offline'

    expect(await open(ctx.doors, key)).toMatchObject({ offline: true })
    expect(usedCount(ctx, lock.streamId, key)).toBe(1)
  })

  it('should audit a refusal without driving the door', async () => {
    const ctx = setup()
    const lock = await createTestLock(ctx)
    const key = await createTestTempKey(ctx, lock, { maxUses: 1 })
    await open(ctx.doors, key)

    await expect(open(ctx.doors, key)).rejects.toThrow('used up')

    expect(ctx.fake.state.calls).toHaveLength(1)
    expect(ctx.eventsOf(lock.streamId).at(-1)).toMatchObject({ type: 'TempKeyOpenRefused', data: { reason: 'used-up' } })
  })

  it('should open exactly maxUses times for 40 racing opens, driving the door that often', async () => {
    const ctx = setup()
    const lock = await createTestLock(ctx)
    const key = await createTestTempKey(ctx, lock, { maxUses: 7 })

    const outcomes = await Promise.allSettled(Array.from({ length: 40 }, () => open(ctx.doors, key)))

    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(7)
    expect(ctx.fake.state.calls).toHaveLength(7)
    expect(usedCount(ctx, lock.streamId, key)).toBe(7)
  })

  it('should open two keys of one lock side by side, but one key only after its previous open is recorded', async () => {
    const held: (() => void)[] = []
    const driver = {
      name: 'simulated' as const,
      open: () => new Promise<DriverResult>((resolve) => held.push(() => resolve({ status: 'ok' }))),
      addKey: ok,
      removeKey: ok,
      writeKey: ok,
    }
    const ctx = testContext({}, undefined, { drivers: { forLock: () => driver } })
    const lock = await createTestLock(ctx)
    const [first, second] = [await createTestTempKey(ctx, lock), await createTestTempKey(ctx, lock)]
    const doors = ctx.deps.doors
    const opens = [first, second, first].map((key) =>
      doors.openWithTempKey({ tempKeyUuid: key, userId: null, requestId: null, onceToken: null }, {}),
    )

    await Bun.sleep(20)
    expect(held).toHaveLength(2)
    for (const release of held.splice(0)) release()
    await Bun.sleep(20)
    expect(held).toHaveLength(1)
    for (const release of held.splice(0)) release()

    expect((await Promise.all(opens)).map((o) => o.handled.events.at(-1)?.data)).toMatchObject([
      { usedCount: 1 },
      { usedCount: 1 },
      { usedCount: 2 },
    ])
  })

  it('should drive the door once for a one-time token submitted twice, both sharing the outcome', async () => {
    const ctx = setup()
    const lock = await createTestLock(ctx)
    const key = await createTestTempKey(ctx, lock)

    const [first, second] = await Promise.all([open(ctx.doors, key, 'click-1'), open(ctx.doors, key, 'click-1')])

    expect(second).toBe(first)
    expect(ctx.fake.state.calls).toHaveLength(1)
  })

  it('should remember for a repeat only what its answer needs, not the lock state (issue 24 #10)', async () => {
    const ctx = setup()
    const lock = await createTestLock(ctx)
    const key = await createTestTempKey(ctx, lock)

    const outcome = await open(ctx.doors, key, 'click-1')

    expect(Object.keys(outcome.handled).sort()).toEqual(['events', 'version'])
  })

  it('should answer NotFound for a key that never existed', async () => {
    const ctx = setup()
    await expect(open(ctx.doors, crypto.randomUUID())).rejects.toThrow('Temporary key not found')
    expect(ctx.fake.state.calls).toHaveLength(0)
  })
})

describe('key programming', () => {
  it('should record nothing when the lock is offline, and the key once the device confirms', async () => {
    const ctx = setup()
    const lock = await createTestLock(ctx)
    const command = {
      type: 'AddKey' as const,
      data: { keyUuid: crypto.randomUUID(), keyIndexNumber: 3, userId: null },
      metadata: { now: ctx.clock.now() },
    }
    ctx.fake.state.mode = 'offline'

    await expect(ctx.doors.programKey(lock.lockId, command, {})).rejects.toBeInstanceOf(DriverFailed)
    expect(ctx.eventsOf(lock.streamId).map((e) => e.type)).toEqual(['LockCreated'])

    ctx.fake.state.mode = 'ok'
    const handled = await ctx.doors.programKey(lock.lockId, command, {})
    expect(handled.events.map((e) => e.type)).toEqual(['KeyAdded'])
    expect(ctx.fake.state.calls.map((c) => [c.action, c.ctx.keyIndexNumber])).toEqual([
      ['addKey', 3],
      ['addKey', 3],
    ])
  })

  it('should not reach the device for a command the lock refuses', async () => {
    const ctx = setup()
    const lock = await createTestLock(ctx)
    const command = {
      type: 'RemoveKey' as const,
      data: { keyUuid: crypto.randomUUID(), keyIndexNumber: null },
      metadata: { now: ctx.clock.now() },
    }

    await expect(ctx.doors.programKey(lock.lockId, command, {})).rejects.toThrow('Key not found')
    expect(ctx.fake.state.calls).toHaveLength(0)
  })
})

describe('an owner open', () => {
  it('should report a failed drive and record nothing', async () => {
    const ctx = setup()
    const lock = await createTestLock(ctx)
    ctx.fake.state.mode = 'failure'

    const result = await ctx.doors.openLock(lock.lockId, { requestId: null, reason: 'owner', userId: null }, {})

    expect(result).toEqual({ status: 'failed', reason: 'fake: the device refused' })
    expect(ctx.eventsOf(lock.streamId).map((e) => e.type)).toEqual(['LockCreated'])
  })
})
