// A user's accessible locks, owned locks and keys over HTTP, on both databases.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { userStreamId } from '../../src/domain/user/events'
import type { CallOptions } from '../support/context'
import { BACKENDS, contextOn, refused } from '../support/context'
import { fakeDriver } from '../support/fake-driver'
import { freshLockId } from '../support/locks'

type Auth = Pick<CallOptions, 'apiKey' | 'token'>
type Ctx = Awaited<ReturnType<typeof contextOn>>

// Org A's lock (owned by `owner`, a key held by `holder`), org B's lock, and a user with nothing yet: ids of their own,
// so the tests of one context share its database.
async function world(ctx: Ctx) {
  const [orgA, orgB, admin] = [await ctx.org(), await ctx.org(), await ctx.org({ isSuper: true })]
  const [owner, holder, user] = [await ctx.user(), await ctx.user(), await ctx.user()]
  const lockA = freshLockId()
  const lockB = freshLockId()
  const create = (id: number, auth: Auth, body: object) =>
    ctx.call('POST', `/locks/${id}/CreateLock`, { ...auth, body: { index: 1, uuid: crypto.randomUUID(), ...body } })
  expect((await create(lockA, { apiKey: orgA.apiKey }, { ownerId: owner.userId, serialNumber: 'SN-A' })).status).toBe(201)
  expect((await create(lockB, { apiKey: orgB.apiKey }, { ownerId: owner.userId })).status).toBe(201)
  const keyUuid = crypto.randomUUID()
  await ctx.call('POST', `/locks/${lockA}/AddKey`, { apiKey: orgA.apiKey, body: { keyUuid, keyIndexNumber: 2, userId: holder.userId } })
  const post = (userId: string, command: string, auth: Auth, body: object) =>
    ctx.call('POST', `/users/${userId}/${command}`, { ...auth, body })
  const get = (userId: string, query: string, auth: Auth) => ctx.call('GET', `/users/${userId}/${query}`, auth)
  const grant = (overrides: object = {}) => ({
    lockId: String(lockA),
    lockName: 'Front door',
    accessLevel: 'USER',
    grantedBy: 'manager',
    ...overrides,
  })
  return { ctx, orgA, orgB, admin, owner, holder, user, lockA, lockB, keyUuid, post, get, grant, head: ctx.head }
}

for (const backend of BACKENDS) {
  describe(`user locks (${backend})`, () => {
    let ctx: Ctx
    beforeAll(async () => {
      ctx = await contextOn(backend, {}, undefined, { drivers: fakeDriver().registry })
    })
    afterAll(() => ctx.close())

    describe('POST /users/{id}/AddAccessibleLock', () => {
      it("should let the lock's org grant its lock to any user", async () => {
        const w = await world(ctx)
        const res = await w.post(
          w.user.userId,
          'AddAccessibleLock',
          { apiKey: w.orgA.apiKey },
          w.grant({ validUntil: '2026-07-01T00:00:00.000Z' }),
        )
        expect(res.status).toBe(200)
        expect(res.json).toEqual({
          success: true,
          aggregateId: w.user.userId,
          version: 2,
          lockId: String(w.lockA),
          accessLevel: 'USER',
          event: {
            type: 'AccessibleLockAdded',
            data: {
              userId: w.user.userId,
              lockId: String(w.lockA),
              lockName: 'Front door',
              accessLevel: 'USER',
              grantedBy: 'manager',
              validUntil: '2026-07-01T00:00:00.000Z',
              grantedAt: '2026-06-01T10:00:00.000Z',
            },
          },
        })
        const stream = userStreamId(w.user.userId)
        const events = await w.ctx.deps.log.readStreamRange(stream, 1, await w.ctx.deps.log.streamVersion(stream))
        expect(events.map((e) => e.type)).toEqual(['UserCreated', 'AccessibleLockAdded'])
      })

      it('should let a user add only locks they can use to their own list', async () => {
        const w = await world(ctx)
        const own = await w.post(
          w.holder.userId,
          'AddAccessibleLock',
          { token: w.holder.token },
          w.grant({ lockName: undefined, accessLevel: 'GUEST' }),
        )
        expect(own.json.event.data.lockName).toBe('SN-A')
        await refused(w, 403, () => w.post(w.user.userId, 'AddAccessibleLock', { token: w.owner.token }, w.grant()))
        await refused(w, 404, () => w.post(w.user.userId, 'AddAccessibleLock', { token: w.user.token }, w.grant()))
      })

      it('should keep org keys to their own locks and refuse repeats, unknown users and bad bodies', async () => {
        const w = await world(ctx)
        await refused(w, 404, () => w.post(w.user.userId, 'AddAccessibleLock', { apiKey: w.orgB.apiKey }, w.grant()))
        await refused(w, 404, () => w.post(w.user.userId, 'AddAccessibleLock', { apiKey: w.orgA.apiKey }, w.grant({ lockId: '999999' })))
        await refused(w, 404, () => w.post(crypto.randomUUID(), 'AddAccessibleLock', { apiKey: w.orgA.apiKey }, w.grant()))
        await refused(w, 401, () => w.post(w.user.userId, 'AddAccessibleLock', {}, w.grant()))
        const badId = await refused(w, 400, () =>
          w.post(w.user.userId, 'AddAccessibleLock', { apiKey: w.orgA.apiKey }, w.grant({ lockId: '007' })),
        )
        expect(badId.json.details[0].field).toBe('lockId')
        await refused(w, 400, () => w.post(w.user.userId, 'AddAccessibleLock', { apiKey: w.orgA.apiKey }, w.grant({ accessLevel: 'ROOT' })))
        await refused(w, 400, () =>
          w.post(
            w.user.userId,
            'AddAccessibleLock',
            { apiKey: w.orgA.apiKey },
            w.grant({ validFrom: '2026-07-01', validUntil: '2026-06-01' }),
          ),
        )
        expect((await w.post(w.user.userId, 'AddAccessibleLock', { apiKey: w.admin.apiKey }, w.grant())).status).toBe(200)
        await refused(w, 400, () => w.post(w.user.userId, 'AddAccessibleLock', { apiKey: w.orgA.apiKey }, w.grant()))
      })
    })

    describe('POST /users/{id}/RemoveAccessibleLock', () => {
      it('should revoke access and answer lockId and removedAt', async () => {
        const w = await world(ctx)
        await w.post(w.user.userId, 'AddAccessibleLock', { apiKey: w.orgA.apiKey }, w.grant())
        const body = { lockId: String(w.lockA), removedBy: 'manager', reason: 'moved out' }
        await refused(w, 404, () => w.post(w.user.userId, 'RemoveAccessibleLock', { apiKey: w.orgB.apiKey }, body))
        await refused(w, 403, () => w.post(w.user.userId, 'RemoveAccessibleLock', { token: w.owner.token }, body))
        const res = await w.post(w.user.userId, 'RemoveAccessibleLock', { apiKey: w.orgA.apiKey }, body)
        expect(res.json).toEqual({
          success: true,
          aggregateId: w.user.userId,
          version: 3,
          lockId: String(w.lockA),
          removedAt: '2026-06-01T10:00:00.000Z',
          event: { type: 'AccessibleLockRemoved', data: { userId: w.user.userId, ...body, removedAt: '2026-06-01T10:00:00.000Z' } },
        })
        await refused(w, 400, () => w.post(w.user.userId, 'RemoveAccessibleLock', { apiKey: w.orgA.apiKey }, body))
      })

      it('should let a user drop a lock from their own list', async () => {
        const w = await world(ctx)
        await w.post(w.holder.userId, 'AddAccessibleLock', { token: w.holder.token }, w.grant())
        const body = { lockId: String(w.lockA), removedBy: w.holder.userId, reason: 'no longer needed' }
        expect((await w.post(w.holder.userId, 'RemoveAccessibleLock', { token: w.holder.token }, body)).status).toBe(200)
        await refused(w, 404, () => w.post(crypto.randomUUID(), 'RemoveAccessibleLock', { apiKey: w.orgA.apiKey }, body))
        await refused(w, 401, () => w.post(w.holder.userId, 'RemoveAccessibleLock', {}, body))
      })
    })

    describe('GET /users/{id}/accessible-locks', () => {
      it("should list the user's grants, an org key seeing only its own locks", async () => {
        const w = await world(ctx)
        await w.post(w.user.userId, 'AddAccessibleLock', { apiKey: w.orgA.apiKey }, w.grant({ validUntil: '2026-07-01T00:00:00Z' }))
        await w.post(
          w.user.userId,
          'AddAccessibleLock',
          { apiKey: w.orgB.apiKey },
          w.grant({ lockId: String(w.lockB), accessLevel: 'ADMIN', grantedBy: 'b' }),
        )
        const a = {
          lockId: String(w.lockA),
          lockName: 'Front door',
          accessLevel: 'USER',
          grantedBy: 'manager',
          expiresAt: '2026-07-01T00:00:00Z',
        }
        const b = { lockId: String(w.lockB), lockName: 'Front door', accessLevel: 'ADMIN', grantedBy: 'b' }
        expect((await w.get(w.user.userId, 'accessible-locks', { token: w.user.token })).json).toEqual({ locks: [a, b], totalCount: 2 })
        expect((await w.get(w.user.userId, 'accessible-locks', { apiKey: w.orgA.apiKey })).json).toEqual({ locks: [a], totalCount: 1 })
        expect((await w.get(w.user.userId, 'accessible-locks', { apiKey: w.admin.apiKey })).json.totalCount).toBe(2)
        expect((await w.get(w.user.userId, 'accessible-locks', { token: w.owner.token })).status).toBe(403)
        expect((await w.get(w.user.userId, 'accessible-locks', {})).status).toBe(401)
        expect((await w.get(crypto.randomUUID(), 'accessible-locks', { apiKey: w.orgA.apiKey })).status).toBe(404)
      })
    })

    describe('GET /users/{id}/owned-locks', () => {
      it('should list owned locks with counts and the last event', async () => {
        const w = await world(ctx)
        await w.ctx.call('POST', `/locks/${w.lockA}/AddResident`, { apiKey: w.orgA.apiKey, body: { email: w.user.email, name: 'Flat 1' } })
        const res = await w.get(w.owner.userId, 'owned-locks', { token: w.owner.token })
        expect(res.json).toEqual({
          locks: [
            {
              lockId: w.lockA,
              lockUuid: expect.any(String),
              serialNumber: 'SN-A',
              thingName: null,
              online: false,
              keysCount: 1,
              residentCount: 1,
              lastEvent: 'ResidentAdded',
              lastUpdated: Date.parse('2026-06-01T10:00:00.000Z'),
            },
            expect.objectContaining({ lockId: w.lockB, serialNumber: null, keysCount: 0, residentCount: 0, lastEvent: 'LockCreated' }),
          ],
          totalCount: 2,
          source: 'spacetimedb',
        })
        const byOrg = await w.get(w.owner.userId, 'owned-locks', { apiKey: w.orgB.apiKey })
        expect(byOrg.json.locks.map((l: { lockId: number }) => l.lockId)).toEqual([w.lockB])
        expect((await w.get(w.user.userId, 'owned-locks', { token: w.user.token })).json).toEqual({
          locks: [],
          totalCount: 0,
          source: 'spacetimedb',
        })
        expect((await w.get(w.owner.userId, 'owned-locks', { token: w.user.token })).status).toBe(403)
        expect((await w.get(crypto.randomUUID(), 'owned-locks', { apiKey: w.orgA.apiKey })).status).toBe(404)
      })
    })

    describe('GET /users/{id}/keys', () => {
      it('should list physical keys and the lock keys held, scoped for org keys', async () => {
        const w = await world(ctx)
        await w.ctx.call('POST', `/users/${w.holder.userId}/AddPhysicalKey`, {
          apiKey: w.orgA.apiKey,
          body: { orgId: w.orgA.orgId, note: 'garage' },
        })
        await w.ctx.call('POST', `/users/${w.holder.userId}/AddPhysicalKey`, { apiKey: w.orgB.apiKey, body: { orgId: w.orgB.orgId } })
        const mine = await w.get(w.holder.userId, 'keys', { token: w.holder.token })
        expect(mine.json).toEqual({
          physicalKeys: [
            { number: 1, orgId: w.orgA.orgId, note: 'garage', addedAt: expect.any(Number) },
            { number: 2, orgId: w.orgB.orgId, addedAt: expect.any(Number) },
          ],
          digitalKeys: [],
          lockKeys: [{ lockId: w.lockA, keyUuid: w.keyUuid, keyIndexNumber: 2, addedAt: '2026-06-01T10:00:00.000Z' }],
        })
        expect(mine.json).not.toHaveProperty('walletKey')
        const orgB = await w.get(w.holder.userId, 'keys', { apiKey: w.orgB.apiKey })
        expect(orgB.json).toEqual({
          physicalKeys: [{ number: 2, orgId: w.orgB.orgId, addedAt: expect.any(Number) }],
          digitalKeys: [],
          lockKeys: [],
        })
        expect((await w.get(w.holder.userId, 'keys', { token: w.user.token })).status).toBe(403)
        expect((await w.get(crypto.randomUUID(), 'keys', { token: w.user.token })).status).toBe(403)
        expect((await w.get(crypto.randomUUID(), 'keys', { apiKey: w.orgA.apiKey })).status).toBe(404)
      })
    })
  })
}
