import { describe, expect, it } from 'bun:test'
import { createDriver } from '../../../src/locks/drivers'
import { createSimulatedDriver } from '../../../src/locks/drivers/simulated'

const lock = (lockId: number) => ({ lockId, uuid: crypto.randomUUID() })

describe('simulated lock driver', () => {
  it('should answer ok by default and record every call with its context', async () => {
    const driver = createSimulatedDriver()
    const ctx = { requestId: 'req-sim-1', userId: 'user-1' }
    expect(await driver.open(lock(101), ctx)).toEqual({ status: 'ok' })
    expect(await driver.addKey(lock(101), { keyIndexNumber: 3 })).toEqual({ status: 'ok' })
    expect(driver.calls.map(({ op, lockId, ctx }) => ({ op, lockId, ctx }))).toEqual([
      { op: 'open', lockId: 101, ctx },
      { op: 'addKey', lockId: 101, ctx: { keyIndexNumber: 3 } },
    ])
    expect(driver.calls.every((call) => typeof call.at === 'number')).toBe(true)
  })

  it('should answer in the mode set globally, and a per-lock mode should win over it', async () => {
    const driver = createSimulatedDriver({ mode: 'offline' })
    expect(await driver.open(lock(102), {})).toEqual({ status: 'offline' })
    driver.setMode('failure')
    driver.setMode('ok', 103)
    expect(await driver.removeKey(lock(102), {})).toEqual({ status: 'failure', reason: 'simulated failure' })
    expect(await driver.writeKey(lock(103), {})).toEqual({ status: 'ok' })
  })

  it('should count only confirmed openings, per lock or in all', async () => {
    const driver = createSimulatedDriver()
    await driver.open(lock(104), {})
    await driver.open(lock(105), {})
    driver.setMode('failure', 104)
    await driver.open(lock(104), {})
    await driver.addKey(lock(104), {})
    expect(driver.openings(104)).toBe(1)
    expect(driver.openings()).toBe(2)
  })

  it('should keep only the recent calls in memory but count every opening', async () => {
    const driver = createSimulatedDriver()
    for (let i = 0; i < 1_500; i++) await driver.open({ lockId: 1 + (i % 2), uuid: 'u' }, {})

    expect(driver.calls).toHaveLength(1_000)
    expect([driver.openings(), driver.openings(1), driver.openings(2)]).toEqual([1_500, 750, 750])
  })

  it('should answer only after the delay', async () => {
    const driver = createSimulatedDriver({ delayMs: 60 })
    const started = performance.now()
    expect(await driver.open(lock(106), {})).toEqual({ status: 'ok' })
    expect(performance.now() - started).toBeGreaterThanOrEqual(55)
  })

  it('should fail with "timeout" at the deadline when the delay outlasts the timeout', async () => {
    const driver = createSimulatedDriver({ delayMs: 10_000, timeoutMs: 80 })
    const started = performance.now()
    expect(await driver.open(lock(107), {})).toEqual({ status: 'failure', reason: 'timeout' })
    expect(performance.now() - started).toBeLessThan(1000)
    expect(driver.openings()).toBe(0)
  })

  it('should be the driver the factory makes when no kind is named', async () => {
    const driver = createDriver()
    expect(driver.name).toBe('simulated')
    expect(await driver.open(lock(108), {})).toEqual({ status: 'ok' })
  })

  it('should refuse to make an http or mqtt driver without its settings', () => {
    expect(() => createDriver('http', {})).toThrow(/secret/)
    expect(() => createDriver('mqtt', {})).toThrow(/broker URL/)
    expect(createDriver('http', { http: { secret: 's' } }).name).toBe('http')
  })
})
