// POST /locks/{id}/open-with-pin: the PIN opens its code doors inside the window; every refusal is the same 401 after
// the same work (audited), failures are throttled then locked out per lock and per address, 503 while disabled; on
// both databases.
import { afterEach, describe, expect, it } from 'bun:test'
import { PIN_REFUSED } from '../../src/routes/pin-open'
import { BACKENDS, type Backend, contextOn } from '../support/context'
import { fakeDriver } from '../support/fake-driver'
import { createTestLock } from '../support/locks'

const HOUR = 3_600_000

type Ctx = Awaited<ReturnType<typeof contextOn>>

// Every test on its own database: the throttles' windows per client address and the clock they count by are the
// database's and the context's, and these tests fill them.
const opened: Ctx[] = []
afterEach(async () => {
  await Promise.all(opened.splice(0).map((ctx) => ctx.close()))
})

async function setup(backend: Backend, env: Record<string, string> = {}) {
  const driver = fakeDriver()
  const ctx = await contextOn(backend, { TRUST_PROXY: 'true', ...env }, undefined, { drivers: driver.registry })
  opened.push(ctx)
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

for (const backend of BACKENDS) {
  describe(`POST /locks/{id}/open-with-pin (${backend})`, () => {
    it('should open the code door with the key’s PIN and record the use with its door', async () => {
      const { ctx, driver, entrance, key, enter } = await setup(backend)
      const { uuid, pin } = await key()
      const res = await enter(entrance.lockId, pin)
      expect(res.status).toBe(200)
      expect(res.json).toEqual({ success: true, offline: false })
      expect(driver.state.calls.map((call) => [call.action, call.lock.lockId])).toEqual([['open', entrance.lockId]])
      const [opened, used] = (await ctx.streamEvents(entrance.streamId)).slice(-2)
      expect(opened?.type).toBe('LockOpenRequested')
      expect(used).toMatchObject({ type: 'TempKeyUsed', data: { tempKeyUuid: uuid, doorId: 1, openedWith: 'pin', usedCount: 1 } })
    })

    it('should say offline when the lock queued the open', async () => {
      const { driver, entrance, key, enter } = await setup(backend)
      const { pin } = await key()
      driver.state.mode = 'offline'
      expect((await enter(entrance.lockId, pin)).json).toEqual({ success: true, offline: true })
    })

    it('should answer 400 to a malformed PIN, opening nothing', async () => {
      const { ctx, driver, entrance, enter } = await setup(backend)
      const before = await ctx.head()
      for (const pin of ['12345', '1234567', 'abcdef', ' 123456', 123456, null]) {
        const res = await enter(entrance.lockId, pin)
        expect({ pin, status: res.status }).toEqual({ pin, status: 400 })
      }
      expect((await ctx.call('POST', `/locks/${entrance.lockId}/open-with-pin`, { body: {} })).status).toBe(400)
      expect(driver.state.calls).toEqual([])
      expect(await ctx.head()).toBe(before)
    })

    it('should answer the identical 401 to every refusal, audit it, and open nothing', async () => {
      const { ctx, driver, owner, entrance, flat, key, enter } = await setup(backend)
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
      const refusals = (await ctx.streamEvents(entrance.streamId)).filter((e) => e.type === 'PinOpenRefused')
      expect(refusals.map((e) => e.data.reason).sort()).toEqual(['expired', 'no-match', 'no-match', 'not-yet-valid'])
    })

    it('should do the same lookups and hashing for a wrong PIN as for an expired key’s', async () => {
      const { ctx, entrance, key, enter } = await setup(backend)
      const expired = await key({ from: -48 * HOUR })
      const wrong = String((Number(expired.pin) + 1) % 1_000_000).padStart(6, '0')
      // The door layer's reads (deps.log), whatever the database, and the PIN hashing.
      const work = async (pin: string) => {
        const counts = { entityReads: 0, stateReads: 0, hashes: 0 }
        const { log, pins } = ctx.deps
        const [loadEntity, load, hashOf] = [log.loadEntity, log.load, pins.hashOf.bind(pins)]
        log.loadEntity = (...args) => {
          counts.entityReads++
          return loadEntity(...args)
        }
        log.load = (...args) => {
          counts.stateReads++
          return load(...args)
        }
        pins.hashOf = (value) => {
          counts.hashes++
          return hashOf(value)
        }
        const res = await enter(entrance.lockId, pin)
        Object.assign(log, { loadEntity, load })
        pins.hashOf = hashOf
        return { status: res.status, ...counts }
      }
      expect(await work(wrong)).toEqual(await work(expired.pin))
      expect(await work(wrong)).toEqual({ status: 401, entityReads: 2, stateReads: 1, hashes: 1 })
    })

    it('should throttle failures per lock (any address), then answer 429 with Retry-After, even to the right PIN', async () => {
      const { ctx, entrance, flat, key, enter } = await setup(backend)
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
      const { ctx, owner, enter } = await setup(backend)
      const locks = await Promise.all(Array.from({ length: 6 }, () => createTestLock(ctx, { ownerId: owner.userId })))
      const statuses = []
      for (const lock of locks) statuses.push((await enter(lock.lockId, '000000', '203.0.113.9')).status)
      expect(statuses).toEqual([401, 401, 401, 401, 401, 429])
    })

    it('should lock out after 20 failures in an hour, beyond the per-minute throttle', async () => {
      const { ctx, entrance, key, enter } = await setup(backend)
      const { pin } = await key()
      for (let round = 0; round < 4; round++) {
        for (let i = 0; i < 5; i++) expect((await enter(entrance.lockId, '000000')).status).toBe(401)
        ctx.clock.advance(61_000)
      }
      const locked = await enter(entrance.lockId, pin)
      expect(locked.status).toBe(429)
      expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(60 * 50)
    })

    // On PostgreSQL every guess costs the throttles' round trips (2-3 ms): a thousand hit the same wall in seconds.
    const guesses = backend === 'sqlite' ? 10_000 : 1_000
    it(`should give ${guesses.toLocaleString('en')} random PINs only 401s and then 429s, opening nothing`, async () => {
      const { driver, entrance, key, enter } = await setup(backend)
      await key()
      const statuses: number[] = []
      for (let i = 0; i < guesses; i++) {
        const pin = String(Math.floor(Math.random() * 1_000_000)).padStart(6, '0')
        statuses.push((await enter(entrance.lockId, pin)).status)
      }
      const firstLimited = statuses.indexOf(429)
      expect(firstLimited).toBeGreaterThan(0)
      expect(new Set(statuses.slice(0, firstLimited))).toEqual(new Set([401]))
      expect(new Set(statuses.slice(firstLimited))).toEqual(new Set([429]))
      expect(driver.state.calls).toEqual([])
    }, 30_000)

    it('should answer 503 while PIN access is off', async () => {
      const { entrance, enter } = await setup(backend, { PIN_ACCESS: 'off' })
      const res = await enter(entrance.lockId, '123456')
      expect(res.status).toBe(503)
      expect(res.json.message).toContain('PIN_ACCESS=off')
    })
  })
}
