// The unified /temp-keys resource over single (lock-scoped) keys too (docs §3.1): GET /temp-keys lists both kinds in one
// newest-first order, DELETE /temp-keys/{uuid} revokes a single key by its lock's DeleteTempKey, and
// POST /temp-keys/{uuid}/doors/1/open opens it exactly as its guest page's Open does; on both databases.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'bun:test'
import type { DriverRegistry, LockDriver } from '../../src/locks/drivers/port'
import { type Backend, BACKENDS, contextOn } from '../support/context'
import { createTestLock } from '../support/locks'

const HOUR = 3_600_000

// A driver that takes a moment to confirm, so concurrent opens overlap while it works; `hold()` keeps it working until
// the returned release is called.
function slowDriver() {
  const calls: string[] = []
  let held: Promise<void> | null = null
  const act = async () => {
    calls.push('call')
    await (held ?? Bun.sleep(1))
    return { status: 'ok' as const }
  }
  const hold = () => {
    let release = () => {}
    held = new Promise<void>((resolve) => {
      release = resolve
    })
    return () => {
      held = null
      release()
    }
  }
  const driver: LockDriver = { name: 'simulated', open: act, addKey: act, removeKey: act, writeKey: act }
  const registry: DriverRegistry = { forLock: () => driver }
  return { calls, hold, registry }
}

type Ctx = Awaited<ReturnType<typeof contextOn>>
type App = { ctx: Ctx; driver: ReturnType<typeof slowDriver> }

// An app whose guest opens are not rate-limited unless `env` says so. close() when done.
async function app(backend: Backend, env: Record<string, string> = {}): Promise<App> {
  const driver = slowDriver()
  const ctx = await contextOn(backend, { OPEN_RATE_LIMIT_PER_KEY: '0', OPEN_RATE_LIMIT_PER_IP: '0', ...env }, undefined, {
    drivers: driver.registry,
  })
  return { ctx, driver }
}

// An owner, an org and two locks of theirs, new on the app.
async function given({ ctx, driver }: App) {
  const owner = await ctx.user()
  const acme = await ctx.org()
  const lock = await createTestLock(ctx, { ownerId: owner.userId, orgId: acme.orgId })
  const other = await createTestLock(ctx, { ownerId: owner.userId, orgId: acme.orgId })
  const iso = (offsetMs: number) => new Date(ctx.clock.now() + offsetMs).toISOString()
  const window = () => ({ validFrom: iso(-HOUR), validUntil: iso(24 * HOUR) })
  type Auth = { token?: string; apiKey?: string }
  const single = async (lockId: number, auth: Auth = { token: owner.token }, extra: Record<string, unknown> = {}) => {
    const res = await ctx.call('POST', `/locks/${lockId}/create-temp-key`, {
      ...auth,
      body: { accessMode: 'public', ...window(), ...extra },
    })
    expect(res.status).toBe(200)
    return res.json.tempKeyUuid as string
  }
  const collective = async (lockIds: number[], auth: Auth = { token: owner.token }) => {
    const doors = lockIds.map((lockId) => ({ lockId: String(lockId) }))
    const res = await ctx.call('POST', '/temp-keys', { ...auth, body: { ...window(), doors } })
    expect(res.status).toBe(201)
    return res.json.uuid as string
  }
  const list = (query: string, auth: Auth = { token: owner.token }) => ctx.call('GET', `/temp-keys${query}`, auth)
  const uuids = (res: { json: { tempKeys: { uuid: string }[] } }) => res.json.tempKeys.map((key) => key.uuid)
  return { ctx, driver, owner, acme, lock, other, iso, single, collective, list, uuids }
}

for (const backend of BACKENDS) {
  describe(`single keys at /temp-keys (${backend})`, () => {
    // One app for the tests that set up their own owner, org and locks on it.
    let shared: App
    beforeAll(async () => {
      shared = await app(backend)
    })
    afterAll(() => shared.ctx.close())
    beforeEach(() => {
      shared.driver.calls.length = 0
    })
    const setup = () => given(shared)

    describe('GET /temp-keys with single keys', () => {
      it('should list a single key as one slide-to-open door, by its lock and as its creator’s, revokedAt from its deletion', async () => {
        const { ctx, owner, lock, single, list } = await setup()
        const uuid = await single(lock.lockId, { token: owner.token }, { description: 'Cleaner' })
        const expected = {
          uuid,
          url: `/temp-keys/${uuid}`,
          validFrom: expect.any(String),
          validUntil: expect.any(String),
          description: 'Cleaner',
          createdBy: owner.userId,
          createdAt: new Date(ctx.clock.now()).toISOString(),
          revokedAt: null,
          doors: [{ id: 1, lockId: String(lock.lockId), lockUuid: lock.uuid, label: null, accessMethod: 'key' }],
        }
        expect((await list(`?lockId=${lock.lockId}`)).json).toEqual({ tempKeys: [expected], nextCursor: null })
        expect((await list('')).json).toEqual({ tempKeys: [expected], nextCursor: null })
        ctx.clock.advance(1000)
        const deleted = await ctx.call('POST', `/locks/${lock.lockId}/delete-temp-key`, { token: owner.token, body: { tempKeyUuid: uuid } })
        expect(deleted.status).toBe(200)
        const after = await list(`?lockId=${lock.lockId}`)
        expect(after.json.tempKeys).toEqual([{ ...expected, revokedAt: new Date(ctx.clock.now()).toISOString() }])
      })

      it('should list every key touching a lock with lockId, and only the caller’s own without, for users and API keys alike', async () => {
        const { owner, acme, lock, other, single, collective, list, uuids, ctx } = await setup()
        const ownSingle = await single(lock.lockId)
        ctx.clock.advance(1)
        const orgSingle = await single(lock.lockId, { apiKey: acme.apiKey })
        ctx.clock.advance(1)
        const ownCollective = await collective([lock.lockId, other.lockId])
        ctx.clock.advance(1)
        const orgCollective = await collective([other.lockId], { apiKey: acme.apiKey })
        ctx.clock.advance(1)
        const elsewhere = await single(other.lockId)
        expect(uuids(await list(`?lockId=${lock.lockId}`))).toEqual([ownCollective, orgSingle, ownSingle])
        expect(uuids(await list(`?lockId=${lock.lockId}`, { apiKey: acme.apiKey }))).toEqual([ownCollective, orgSingle, ownSingle])
        // Own: what each principal created, as both kinds record it (the user's id; `org:<id>` for an org key).
        expect(uuids(await list(''))).toEqual([elsewhere, ownCollective, ownSingle])
        const orgOwn = await list('', { apiKey: acme.apiKey })
        expect(uuids(orgOwn)).toEqual([orgCollective, orgSingle])
        expect(orgOwn.json.tempKeys.map((key: { createdBy: string }) => key.createdBy)).toEqual([`org:${acme.orgId}`, `org:${acme.orgId}`])
        // An org key acting for the user (with the user's JWT) creates the user's own keys.
        ctx.clock.advance(1)
        const acting = await single(other.lockId, { apiKey: acme.apiKey, token: owner.token })
        expect(uuids(await list(''))[0]).toBe(acting)
      })

      it('should page newest first across both kinds, ties on createdAt broken by uuid, every key once at any page size', async () => {
        const { ctx, lock, single, collective, list, uuids } = await setup()
        const created: { uuid: string; createdAt: string }[] = []
        for (let i = 0; i < 12; i++) {
          // Pairs share an instant, so pages split between kinds and inside one createdAt.
          if (i % 2 === 0) ctx.clock.advance(1000)
          const uuid = i % 3 === 0 ? await collective([lock.lockId]) : await single(lock.lockId)
          created.push({ uuid, createdAt: new Date(ctx.clock.now()).toISOString() })
        }
        const order = [...created]
          .sort((a, b) => (a.createdAt === b.createdAt ? b.uuid.localeCompare(a.uuid) : b.createdAt.localeCompare(a.createdAt)))
          .map((key) => key.uuid)
        expect(uuids(await list(`?lockId=${lock.lockId}`))).toEqual(order)
        for (const limit of [1, 2, 5]) {
          for (const query of [`lockId=${lock.lockId}&`, '']) {
            const walked: string[] = []
            let cursor: string | null = null
            do {
              const page = await list(`?${query}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`)
              expect(page.status).toBe(200)
              expect(page.json.tempKeys.length).toBeLessThanOrEqual(limit)
              walked.push(...uuids(page))
              cursor = page.json.nextCursor
            } while (cursor !== null)
            expect({ limit, query, walked }).toEqual({ limit, query, walked: order })
          }
        }
      })

      it('should answer 401, 404 for another tenant’s lock and 403 to a key holder, and leave out a door its creator can no longer see', async () => {
        const { ctx, lock, list, single } = await setup()
        expect((await list(`?lockId=${lock.lockId}`, {})).status).toBe(401)
        const stranger = await ctx.org()
        expect((await list(`?lockId=${lock.lockId}`, { apiKey: stranger.apiKey })).status).toBe(404)
        const holder = await ctx.user()
        const shared = await createTestLock(ctx, { ownerId: holder.userId })
        const uuid = await single(shared.lockId, { token: holder.token })
        const held = await createTestLock(ctx, { ownerId: (await ctx.user()).userId, keyHolderIds: [holder.userId] })
        const refused = await list(`?lockId=${held.lockId}`, { token: holder.token })
        expect(refused.status).toBe(403)
        expect(refused.json).toMatchObject({ success: false, code: 403 })
        // The lock changes hands: the key stays the holder's own, without a door on a lock they no longer see.
        const newOwner = await ctx.user()
        const setOwner = await ctx.call('POST', `/locks/${shared.lockId}/SetOwner`, {
          token: holder.token,
          body: { userId: newOwner.userId },
        })
        expect(setOwner.status).toBe(200)
        expect((await list('', { token: holder.token })).json.tempKeys).toEqual([expect.objectContaining({ uuid, doors: [] })])
      })
    })

    describe('DELETE /temp-keys/{uuid} on a single key', () => {
      it('should delete it with its lock’s DeleteTempKey, answer alreadyRevoked to a repeat, and never open it again', async () => {
        const { ctx, owner, lock, single } = await setup()
        const uuid = await single(lock.lockId)
        const res = await ctx.call('DELETE', `/temp-keys/${uuid.toUpperCase()}`, { token: owner.token })
        expect(res.status).toBe(200)
        expect(res.json).toEqual({ success: true, uuid, alreadyRevoked: false })
        const deleted = (await ctx.streamEvents(lock.streamId)).filter((e) => e.type === 'TempKeyDeleted')
        expect(deleted.map((e) => e.data)).toEqual([expect.objectContaining({ tempKeyUuid: uuid, deletedBy: owner.userId })])
        const before = await ctx.head()
        const repeat = await ctx.call('DELETE', `/temp-keys/${uuid}`, { token: owner.token })
        expect(repeat.json).toEqual({ success: true, uuid, alreadyRevoked: true })
        expect(await ctx.head()).toBe(before)
        const open = await ctx.call('POST', `/temp-keys/${uuid}/doors/1/open`)
        expect(open.status).toBe(400)
        expect(open.json.message).toContain('deleted')
      })

      it('should answer one revocation and one alreadyRevoked to two concurrent ones, with a single TempKeyDeleted', async () => {
        const { ctx, owner, acme, lock, single } = await setup()
        for (let round = 0; round < 5; round++) {
          const uuid = await single(lock.lockId)
          const answers = await Promise.all([
            ctx.call('DELETE', `/temp-keys/${uuid}`, { token: owner.token }),
            ctx.call('DELETE', `/temp-keys/${uuid}`, { apiKey: acme.apiKey }),
          ])
          expect(answers.map((res) => res.status)).toEqual([200, 200])
          expect(answers.map((res) => res.json.alreadyRevoked).sort()).toEqual([false, true])
          const deletions = (await ctx.streamEvents(lock.streamId)).filter(
            (e) => e.type === 'TempKeyDeleted' && e.data.tempKeyUuid === uuid,
          )
          expect(deletions).toHaveLength(1)
        }
      })

      it('should wait for an open in flight: the open is recorded, and no open starts after the answer', async () => {
        const { ctx, driver, owner, lock, single } = await setup()
        const uuid = await single(lock.lockId)
        const release = driver.hold()
        const opening = ctx.call('POST', `/temp-keys/${uuid}/doors/1/open`)
        while (driver.calls.length === 0) await Bun.sleep(1)
        let answered = false
        const revoking = ctx.call('DELETE', `/temp-keys/${uuid}`, { token: owner.token }).then((res) => {
          answered = true
          return res
        })
        await Bun.sleep(20)
        expect(answered).toBe(false)
        release()
        expect((await opening).status).toBe(303)
        expect((await revoking).json.alreadyRevoked).toBe(false)
        const types = (await ctx.streamEvents(lock.streamId)).map((e) => e.type)
        expect(types.slice(-3)).toEqual(['LockOpenRequested', 'TempKeyUsed', 'TempKeyDeleted'])
        expect((await ctx.call('POST', `/temp-keys/${uuid}/doors/1/open`)).status).toBe(400)
      })

      it('should answer 401, 404 to another tenant and for an unknown key, 403 to a key holder, and 404 at /collective-temp-keys', async () => {
        const { ctx, owner, lock, single } = await setup()
        const uuid = await single(lock.lockId)
        const holder = await ctx.user()
        const held = await createTestLock(ctx, { ownerId: owner.userId, keyHolderIds: [holder.userId] })
        const heldKey = await single(held.lockId)
        const stranger = await ctx.org()
        const before = await ctx.head()
        expect((await ctx.call('DELETE', `/temp-keys/${uuid}`)).status).toBe(401)
        expect((await ctx.call('DELETE', `/temp-keys/${uuid}`, { apiKey: stranger.apiKey })).status).toBe(404)
        expect((await ctx.call('DELETE', `/temp-keys/${crypto.randomUUID()}`, { token: owner.token })).status).toBe(404)
        const forbidden = await ctx.call('DELETE', `/temp-keys/${heldKey}`, { token: holder.token })
        expect(forbidden.status).toBe(403)
        expect(forbidden.json).toMatchObject({ success: false, code: 403 })
        expect((await ctx.call('DELETE', `/collective-temp-keys/${uuid}`, { token: owner.token })).status).toBe(404)
        expect(await ctx.head()).toBe(before)
      })

      it('should refuse a single key whose supplied UUID a collective key holds (409), so each UUID names one key', async () => {
        const { ctx, owner, lock, collective } = await setup()
        const taken = await collective([lock.lockId])
        const res = await ctx.call('POST', `/locks/${lock.lockId}/create-temp-key`, {
          token: owner.token,
          body: {
            tempKeyUuid: taken,
            accessMode: 'public',
            validFrom: new Date(ctx.clock.now()).toISOString(),
            validUntil: new Date(ctx.clock.now() + HOUR).toISOString(),
          },
        })
        expect(res.status).toBe(409)
      })
    })

    describe('POST /temp-keys/{uuid}/doors/1/open on a single key', () => {
      it('should open like the guest page’s Open: driver once, LockOpenRequested + TempKeyUsed, 303 to the confirmation', async () => {
        const { ctx, driver, lock, single } = await setup()
        const uuid = await single(lock.lockId)
        const res = await ctx.call('POST', `/temp-keys/${uuid}/doors/1/open`)
        expect(res.status).toBe(303)
        expect(res.headers.get('location')).toBe(`/temp-keys/${uuid}/confirmation?door=1&offline=false`)
        expect(driver.calls).toHaveLength(1)
        expect((await ctx.streamEvents(lock.streamId)).slice(-2).map((e) => [e.type, e.data.tempKeyUuid ?? null])).toEqual([
          ['LockOpenRequested', null],
          ['TempKeyUsed', uuid],
        ])
        const confirmation = await ctx.call('GET', `/temp-keys/${uuid}/confirmation?door=1&offline=false`)
        expect(confirmation.status).toBe(200)
      })

      it('should answer 404 for any other door, a malformed door 400, and append nothing', async () => {
        const { ctx, driver, lock, single } = await setup()
        const uuid = await single(lock.lockId)
        const before = await ctx.head()
        expect((await ctx.call('POST', `/temp-keys/${uuid}/doors/2/open`)).status).toBe(404)
        expect((await ctx.call('POST', `/temp-keys/${uuid}/doors/0/open`)).status).toBe(400)
        expect((await ctx.call('POST', `/temp-keys/${crypto.randomUUID()}/doors/1/open`)).status).toBe(404)
        expect(driver.calls).toHaveLength(0)
        expect(await ctx.head()).toBe(before)
      })

      it('should spend exactly maxUses under 50 concurrent opens: 5 opens, 45 refusals, the driver called 5 times', async () => {
        const { ctx, driver, lock, single } = await setup()
        const uuid = await single(lock.lockId, undefined, { maxUses: 5 })
        const answers = await Promise.all(Array.from({ length: 50 }, () => ctx.call('POST', `/temp-keys/${uuid}/doors/1/open`)))
        const statuses = answers.map((res) => res.status)
        expect(statuses.filter((status) => status === 303)).toHaveLength(5)
        expect(statuses.filter((status) => status === 400)).toHaveLength(45)
        expect(answers.find((res) => res.status === 400)?.json.message).toContain('used up')
        expect(driver.calls).toHaveLength(5)
        const used = (await ctx.streamEvents(lock.streamId)).filter((e) => e.type === 'TempKeyUsed')
        expect(used.map((e) => e.data.usedCount)).toEqual([1, 2, 3, 4, 5])
      })

      it('should open once per Idempotency-Key and refuse outside the window with 400', async () => {
        const { ctx, driver, lock, single, iso } = await setup()
        const uuid = await single(lock.lockId)
        const headers = { 'idempotency-key': 'tap-1' }
        const [a, b] = await Promise.all([
          ctx.call('POST', `/temp-keys/${uuid}/doors/1/open`, { headers }),
          ctx.call('POST', `/temp-keys/${uuid}/doors/1/open`, { headers }),
        ])
        expect([a.status, b.status]).toEqual([303, 303])
        expect(driver.calls).toHaveLength(1)
        const later = await single(lock.lockId, undefined, { validFrom: iso(HOUR), validUntil: iso(2 * HOUR) })
        const early = await ctx.call('POST', `/temp-keys/${later}/doors/1/open`)
        expect(early.status).toBe(400)
        expect(early.json.message).toContain('not valid yet')
        expect((await ctx.streamEvents(lock.streamId)).at(-1)?.type).toBe('TempKeyOpenRefused')
      })

      it('should need a listed user for a whitelist key: 401 anonymous, the documented 403 unlisted, 303 listed', async () => {
        const { ctx, driver, lock, single } = await setup()
        const guest = await ctx.user()
        const outsider = await ctx.user()
        const uuid = await single(lock.lockId, undefined, { accessMode: 'user-whitelist', allowedUserIds: [guest.userId] })
        expect((await ctx.call('POST', `/temp-keys/${uuid}/doors/1/open`)).status).toBe(401)
        const refused = await ctx.call('POST', `/temp-keys/${uuid}/doors/1/open`, { token: outsider.token })
        expect(refused.status).toBe(403)
        expect(refused.json).toMatchObject({ success: false, code: 403 })
        expect(driver.calls).toHaveLength(0)
        expect((await ctx.call('POST', `/temp-keys/${uuid}/doors/1/open`, { token: guest.token })).status).toBe(303)
        const used = (await ctx.streamEvents(lock.streamId)).filter((e) => e.type === 'TempKeyUsed')
        expect(used.map((e) => e.data.userId)).toEqual([guest.userId])
      })

      it('should show a browser its refusal on the key’s page, and a signed-in browser must send its CSRF token', async () => {
        const { ctx, driver, lock, single } = await setup()
        const guest = await ctx.user()
        const uuid = await single(lock.lockId, undefined, { accessMode: 'user-whitelist', allowedUserIds: [guest.userId] })
        const browser = await ctx.browser(guest.userId)
        const post = (body: string) =>
          ctx.call('POST', `/temp-keys/${uuid}/doors/1/open`, {
            rawBody: body,
            headers: { cookie: browser.cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
          })
        expect((await post('')).status).toBe(403)
        expect(driver.calls).toHaveLength(0)
        const opened = await post(`_csrf=${encodeURIComponent(browser.csrf)}`)
        expect(opened.status).toBe(303)
        expect(opened.headers.get('location')).toBe(`/temp-keys/${uuid}/confirmation?door=1&offline=false`)
        const anonymous = await ctx.call('POST', `/temp-keys/${uuid}/doors/1/open`, { headers: { accept: 'text/html' } })
        expect(anonymous.status).toBe(401)
        expect(anonymous.headers.get('content-type')).toContain('text/html')
        expect(anonymous.text).toContain('Sign in to use this key')
      })
    })
  })

  describe(`the guest opens’ rate limits (${backend})`, () => {
    let limited: App
    beforeAll(async () => {
      limited = await app(backend, { OPEN_RATE_LIMIT_PER_IP: '3' })
    })
    afterAll(() => limited.ctx.close())

    it('should count a client address once across every open address (single key, /temp-keys doors, /collective-temp-keys doors)', async () => {
      const { ctx, lock, single, collective } = await given(limited)
      const [a, b, c] = [await single(lock.lockId), await collective([lock.lockId]), await collective([lock.lockId])]
      const opens = [
        () => ctx.call('POST', `/temp-keys/${a}/open`),
        () => ctx.call('POST', `/temp-keys/${b}/doors/1/open`),
        () => ctx.call('POST', `/collective-temp-keys/${c}/doors/1/open`),
      ]
      for (const open of opens) expect((await open()).status).toBe(303)
      for (const open of opens) expect((await open()).status).toBe(429)
    })
  })
}
