// POST /locks/{id}/open-with-pin: the PIN opens its code doors inside the window; every refusal is the same 401 after
// the same work (audited), failures are throttled then locked out per lock and per address, 503 while disabled.
import { describe, expect, it } from 'bun:test'
import { PIN_REFUSED } from '../../src/routes/pin-open'
import { testContext } from '../support/context'
import { fakeDriver } from '../support/fake-driver'
import { createTestLock } from '../support/locks'

const HOUR = 3_600_000

async function setup(env: Record<string, string> = {}) {
  const driver = fakeDriver()
  const ctx = testContext({ TRUST_PROXY: 'true', ...env }, undefined, { drivers: driver.registry })
  const owner = await ctx.user()
  const entrance = await createTestLock(ctx, { ownerId: owner.userId })
  const flat = await createTestLock(ctx, { ownerId: owner.userId })
  const iso = (offsetMs: number) => new Date(ctx.clock.now() + offsetMs).toISOString()
  // A key with the entrance by code and the flat by slide, valid from `from` for `hours`.
  const key = async (options: { from?: number; hours?: number } = {}) => {
    const from = options.from ?? -HOUR
    const res = await ctx.call('POST', '/temp-keys', {
      token: owner.token,
      body: {
        validFrom: iso(from),
        validUntil: iso(from + (options.hours ?? 24) * HOUR),
        doors: [
          { lockId: String(entrance.lockId), accessMethod: 'code' },
          { lockId: String(flat.lockId), accessMethod: 'key' },
        ],
      },
    })
    expect(res.status).toBe(201)
    return res.json as { uuid: string; pin: string }
  }
  let address = 0
  const enter = (lockId: number, pin: unknown, ip = `198.51.100.${++address % 250}`) =>
    ctx.call('POST', `/locks/${lockId}/open-with-pin`, { body: { pin }, headers: { 'x-forwarded-for': ip } })
  return { ctx, driver, owner, entrance, flat, key, enter }
}

// The answer without what differs per request by design.
const sameness = (res: { status: number; json: any; headers: Headers }) => {
  const { requestId: _requestId, ...body } = res.json
  return { status: res.status, body, retryAfter: res.headers.get('retry-after') }
}

describe('POST /locks/{id}/open-with-pin', () => {
  it('should open the code door with the key’s PIN and record the use with its door', async () => {
    const { ctx, driver, entrance, key, enter } = await setup()
    const { uuid, pin } = await key()
    const res = await enter(entrance.lockId, pin)
    expect(res.status).toBe(200)
    expect(res.json).toEqual({ success: true, offline: false })
    expect(driver.state.calls.map((call) => [call.action, call.lock.lockId])).toEqual([['open', entrance.lockId]])
    const [opened, used] = ctx.eventsOf(entrance.streamId).slice(-2)
    expect(opened?.type).toBe('LockOpenRequested')
    expect(used).toMatchObject({ type: 'TempKeyUsed', data: { tempKeyUuid: uuid, doorId: 1, openedWith: 'pin', usedCount: 1 } })
  })

  it('should say offline when the lock queued the open', async () => {
    const { driver, entrance, key, enter } = await setup()
    const { pin } = await key()
    driver.state.mode = 'offline'
    expect((await enter(entrance.lockId, pin)).json).toEqual({ success: true, offline: true })
  })

  it('should answer 400 to a malformed PIN, opening nothing', async () => {
    const { ctx, driver, entrance, enter } = await setup()
    const before = ctx.deps.store.headPosition()
    for (const pin of ['12345', '1234567', 'abcdef', ' 123456', 123456, null]) {
      const res = await enter(entrance.lockId, pin)
      expect({ pin, status: res.status }).toEqual({ pin, status: 400 })
    }
    expect((await ctx.call('POST', `/locks/${entrance.lockId}/open-with-pin`, { body: {} })).status).toBe(400)
    expect(driver.state.calls).toEqual([])
    expect(ctx.deps.store.headPosition()).toBe(before)
  })

  it('should answer the identical 401 to every refusal, audit it, and open nothing', async () => {
    const { ctx, driver, owner, entrance, flat, key, enter } = await setup()
    const live = await key()
    const expired = await key({ from: -48 * HOUR })
    const early = await key({ from: 2 * HOUR })
    const revoked = await key()
    expect((await ctx.call('DELETE', `/temp-keys/${revoked.uuid}`, { token: owner.token })).status).toBe(200)
    const wrong = String((Number(live.pin) + 1) % 1_000_000).padStart(6, '0')
    const attempts = [
      enter(entrance.lockId, wrong),
      enter(entrance.lockId, expired.pin),
      enter(entrance.lockId, early.pin),
      enter(entrance.lockId, revoked.pin),
      // The flat's door is slide-only: the PIN does not open it.
      enter(flat.lockId, live.pin),
      enter(999_999_999, live.pin),
    ]
    const answers = await Promise.all(attempts)
    const first = answers[0]
    if (!first) throw new Error('no answer')
    for (const res of answers) expect(sameness(res)).toEqual(sameness(first))
    expect(sameness(first)).toEqual({
      status: 401,
      body: { success: false, error: 'Unauthorized', message: PIN_REFUSED, code: 401, errors: [{ code: 401, message: PIN_REFUSED }] },
      retryAfter: null,
    })
    expect(driver.state.calls).toEqual([])
    const refusals = ctx.eventsOf(entrance.streamId).filter((e) => e.type === 'PinOpenRefused')
    expect(refusals.map((e) => e.data.reason).sort()).toEqual(['expired', 'no-match', 'no-match', 'not-yet-valid'])
  })

  it('should do the same lookups and hashing for a wrong PIN as for an expired key’s', async () => {
    const { ctx, entrance, key, enter } = await setup()
    const expired = await key({ from: -48 * HOUR })
    const wrong = String((Number(expired.pin) + 1) % 1_000_000).padStart(6, '0')
    const work = async (pin: string) => {
      const counts = { entityReads: 0, stateReads: 0, hashes: 0 }
      const { store, pins } = ctx.deps
      const [loadEntity, load, hashOf] = [store.loadEntity.bind(store), store.load.bind(store), pins.hashOf.bind(pins)]
      store.loadEntity = (...args) => {
        counts.entityReads++
        return loadEntity(...args)
      }
      store.load = (...args) => {
        counts.stateReads++
        return load(...args)
      }
      pins.hashOf = (value) => {
        counts.hashes++
        return hashOf(value)
      }
      const res = await enter(entrance.lockId, pin)
      Object.assign(store, { loadEntity, load })
      pins.hashOf = hashOf
      return { status: res.status, ...counts }
    }
    expect(await work(wrong)).toEqual(await work(expired.pin))
    expect(await work(wrong)).toMatchObject({ status: 401, hashes: 1 })
  })

  it('should throttle failures per lock (any address), then answer 429 with Retry-After, even to the right PIN', async () => {
    const { ctx, entrance, flat, key, enter } = await setup()
    const { pin } = await key()
    for (let i = 0; i < 5; i++) expect((await enter(entrance.lockId, '000000')).status).toBe(401)
    const limited = await enter(entrance.lockId, pin)
    expect(limited.status).toBe(429)
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    // Another lock is not affected; a minute later the lock takes PINs again.
    expect((await enter(flat.lockId, '000000')).status).toBe(401)
    ctx.clock.advance(61_000)
    expect((await enter(entrance.lockId, pin)).status).toBe(200)
  })

  it('should throttle failures per client address across locks', async () => {
    const { ctx, owner, enter } = await setup()
    const locks = await Promise.all(Array.from({ length: 6 }, () => createTestLock(ctx, { ownerId: owner.userId })))
    const statuses = []
    for (const lock of locks) statuses.push((await enter(lock.lockId, '000000', '203.0.113.9')).status)
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429])
  })

  it('should lock out after 20 failures in an hour, beyond the per-minute throttle', async () => {
    const { ctx, entrance, key, enter } = await setup()
    const { pin } = await key()
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < 5; i++) expect((await enter(entrance.lockId, '000000')).status).toBe(401)
      ctx.clock.advance(61_000)
    }
    const locked = await enter(entrance.lockId, pin)
    expect(locked.status).toBe(429)
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(60 * 50)
  })

  it('should give 10,000 random PINs only 401s and then 429s, opening nothing', async () => {
    const { driver, entrance, key, enter } = await setup()
    await key()
    const statuses: number[] = []
    for (let i = 0; i < 10_000; i++) {
      const pin = String(Math.floor(Math.random() * 1_000_000)).padStart(6, '0')
      statuses.push((await enter(entrance.lockId, pin)).status)
    }
    const firstLimited = statuses.indexOf(429)
    expect(firstLimited).toBeGreaterThan(0)
    expect(new Set(statuses.slice(0, firstLimited))).toEqual(new Set([401]))
    expect(new Set(statuses.slice(firstLimited))).toEqual(new Set([429]))
    expect(driver.state.calls).toEqual([])
  })

  it('should answer 503 while PIN access is off', async () => {
    const { entrance, enter } = await setup({ PIN_ACCESS: 'off' })
    const res = await enter(entrance.lockId, '123456')
    expect(res.status).toBe(503)
    expect(res.json.message).toContain('PIN_ACCESS=off')
  })
})
