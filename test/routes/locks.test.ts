// The lock commands and queries over HTTP (/locks/{id}/...): shapes, authorisation, the device driver and the events
// each call appends (none on a refusal), on both databases.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'bun:test'
import { addOrgMember } from '../../src/auth/tenants'
import { loadConfig } from '../../src/config'
import { lockStreamId } from '../../src/domain/lock/events'
import { BACKENDS, type CallOptions, contextOn, refused } from '../support/context'
import { fakeDriver } from '../support/fake-driver'
import { freshLockId } from '../support/locks'

type Auth = Pick<CallOptions, 'apiKey' | 'token'>
type Ctx = Awaited<ReturnType<typeof contextOn>>
type Driver = ReturnType<typeof fakeDriver>

// Two tenants, a super key, and a lock of org A owned by `owner` with one key held by `holder`, all new on the shared
// app; the driver answers ok again and has seen none of the earlier tests' calls.
async function world(ctx: Ctx, driver: Driver) {
  driver.state.mode = 'ok'
  const [orgA, orgB, admin] = [await ctx.org(), await ctx.org(), await ctx.org({ isSuper: true })]
  const [owner, other, holder] = [await ctx.user(), await ctx.user(), await ctx.user()]
  const lockId = freshLockId()
  const uuid = crypto.randomUUID()
  const created = await ctx.call('POST', `/locks/${lockId}/CreateLock`, {
    apiKey: orgA.apiKey,
    body: { index: 1, uuid, ownerId: owner.userId },
  })
  expect(created.status).toBe(201)
  const keyUuid = crypto.randomUUID()
  const added = await ctx.call('POST', `/locks/${lockId}/AddKey`, {
    apiKey: orgA.apiKey,
    body: { keyUuid, keyIndexNumber: 3, userId: holder.userId },
  })
  expect(added.status).toBe(200)
  driver.state.calls.length = 0
  const post = (command: string, auth: Auth, body: unknown = {}, id = lockId) =>
    ctx.call('POST', `/locks/${id}/${command}`, { ...auth, body })
  const get = (query: string, auth: Auth = {}, id = lockId) => ctx.call('GET', `/locks/${id}/${query}`, auth)
  const lockEvents = () => ctx.streamEvents(lockStreamId(lockId))
  const as = {
    none: {},
    owner: { token: owner.token },
    other: { token: other.token },
    holder: { token: holder.token },
    orgA: { apiKey: orgA.apiKey },
    orgB: { apiKey: orgB.apiKey },
    admin: { apiKey: admin.apiKey },
  } satisfies Record<string, Auth>
  return {
    ctx,
    driver: driver.state,
    orgA,
    orgB,
    admin,
    owner,
    other,
    holder,
    lockId,
    uuid,
    keyUuid,
    post,
    get,
    head: ctx.head,
    lockEvents,
    as,
  }
}

type World = Awaited<ReturnType<typeof world>>

for (const backend of BACKENDS) {
  describe(`the lock routes (${backend})`, () => {
    // One app for the tests that build their own world() on it: nothing of one test's is another's.
    const driver = fakeDriver()
    let ctx: Ctx
    beforeAll(async () => {
      ctx = await contextOn(backend, {}, undefined, { drivers: driver.registry })
    })
    afterAll(() => ctx.close())

    // PostgreSQL compares lock ids as bigint: an id no number can be refused up front, as on SQLite, not a 500.
    it('should answer 400 to a lock id past the safe integers, and append nothing', async () => {
      const w = await world(ctx, driver)
      for (const id of ['1e99', '9007199254740992', '99999999999999999999']) {
        await refused(w, 400, () => ctx.call('GET', `/locks/${id}/details`, { apiKey: w.as.orgA.apiKey }))
        await refused(w, 400, () =>
          ctx.call('POST', `/locks/${id}/CreateLock`, { apiKey: w.as.orgA.apiKey, body: { index: 1, uuid: crypto.randomUUID() } }),
        )
      }
    })

    describe('POST /locks/{id}/CreateLock', () => {
      it('should create a lock for the org key (201) and answer the repeat with event null (200)', async () => {
        const w = await world(ctx, driver)
        const id = freshLockId()
        const uuid = crypto.randomUUID()
        const keys = [{ uuid: crypto.randomUUID(), indexNumber: 1, userId: w.other.userId }]
        const res = await w.post('CreateLock', w.as.orgA, { index: 7, uuid, serialNumber: 'SN-7', vendorName: 'Acme', keys }, id)
        expect(res.status).toBe(201)
        expect(res.json).toEqual({
          success: true,
          aggregateId: String(id),
          version: 1,
          event: {
            type: 'LockCreated',
            data: {
              lockId: id,
              uuid,
              index: 7,
              serialNumber: 'SN-7',
              vendorName: 'Acme',
              orgId: w.orgA.orgId,
              keys,
              timestamp: '2026-06-01T10:00:00.000Z',
            },
          },
        })
        const before = await w.head()
        const again = await w.post('CreateLock', w.as.orgA, { index: 7, uuid }, id)
        expect(again.status).toBe(200)
        expect(again.json).toEqual({ success: true, aggregateId: String(id), version: 1, event: null })
        expect(await w.head()).toBe(before)
        expect((await w.ctx.streamEvents(lockStreamId(id))).map((e) => e.type)).toEqual(['LockCreated'])
      })

      it('should let a user create a lock they own, and no lock for someone else', async () => {
        const w = await world(ctx, driver)
        const mine = await w.post('CreateLock', w.as.other, { index: 1, uuid: crypto.randomUUID() }, freshLockId())
        expect(mine.status).toBe(201)
        expect(mine.json.event.data.ownerId).toBe(w.other.userId)
        expect(mine.json.event.data.orgId).toBeUndefined()
        const named = await w.post(
          'CreateLock',
          w.as.other,
          { index: 1, uuid: crypto.randomUUID(), ownerId: w.other.userId },
          freshLockId(),
        )
        expect(named.status).toBe(201)
        await refused(w, 403, () =>
          w.post('CreateLock', w.as.other, { index: 1, uuid: crypto.randomUUID(), ownerId: w.owner.userId }, freshLockId()),
        )
      })

      it("should answer 409 for another tenant's lock id, without revealing or changing it", async () => {
        const w = await world(ctx, driver)
        const res = await refused(w, 409, () => w.post('CreateLock', w.as.orgB, { index: 1, uuid: w.uuid }))
        expect(res.json.message).not.toContain(w.orgA.orgId)
        await refused(w, 409, () => w.post('CreateLock', w.as.other, { index: 1, uuid: w.uuid }))
      })

      it('should refuse anonymous callers, unknown owners, duplicate keys and malformed bodies', async () => {
        const w = await world(ctx, driver)
        const id = freshLockId()
        await refused(w, 401, () => w.post('CreateLock', w.as.none, { index: 1, uuid: crypto.randomUUID() }, id))
        const unknown = await refused(w, 400, () =>
          w.post('CreateLock', w.as.orgA, { index: 1, uuid: crypto.randomUUID(), ownerId: 'nobody' }, id),
        )
        expect(unknown.json.details).toEqual([{ field: 'ownerId', message: 'no such user' }])
        const key = { uuid: 'k-1' }
        const dup = await refused(w, 400, () =>
          w.post('CreateLock', w.as.orgA, { index: 1, uuid: crypto.randomUUID(), keys: [key, key] }, id),
        )
        expect(dup.json.details[0].field).toBe('keys[1].uuid')
        const bad = await refused(w, 400, () => w.post('CreateLock', w.as.orgA, { index: 0, uuid: 'not-a-uuid', extra: 1 }, id))
        expect(bad.json.details.map((d: { field: string }) => d.field).sort()).toEqual(['extra', 'index', 'uuid'])
        await refused(w, 400, () => w.post('CreateLock', w.as.orgA, { index: 1, uuid: crypto.randomUUID() }, 0))
      })
    })

    describe('POST /locks/{id}/SetOwner', () => {
      it('should let the owner, the lock org and a super key set the owner', async () => {
        const w = await world(ctx, driver)
        for (const auth of [w.as.owner, w.as.orgA, w.as.admin]) {
          const res = await w.post('SetOwner', auth, { userId: w.other.userId })
          expect(res.status).toBe(200)
          await w.post('SetOwner', w.as.admin, { userId: w.owner.userId })
        }
        const res = await w.post('SetOwner', w.as.orgA, { userId: w.other.userId })
        expect(res.json).toMatchObject({
          success: true,
          aggregateId: String(w.lockId),
          event: { type: 'OwnerSet', data: { lockId: w.lockId, uuid: w.uuid, userId: w.other.userId, timestamp: expect.any(String) } },
        })
        const same = await w.post('SetOwner', w.as.orgA, { userId: w.other.userId })
        expect(same.json.event).toBeNull()
      })

      it('should answer 401 / 404 / 403 by what the caller may see, and append nothing', async () => {
        const w = await world(ctx, driver)
        const body = { userId: w.other.userId }
        await refused(w, 401, () => w.post('SetOwner', w.as.none, body))
        await refused(w, 404, () => w.post('SetOwner', w.as.orgB, body))
        await refused(w, 404, () => w.post('SetOwner', w.as.other, body))
        await refused(w, 403, () => w.post('SetOwner', w.as.holder, body))
        await refused(w, 404, () => w.post('SetOwner', w.as.admin, body, 999_999))
        await refused(w, 400, () => w.post('SetOwner', w.as.orgA, { userId: 'ghost' }))
      })

      it('should answer an unknown lock exactly like a lock the caller cannot see', async () => {
        const w = await world(ctx, driver)
        const hidden = await w.post('SetOwner', w.as.orgB, { userId: w.other.userId })
        const missing = await w.post('SetOwner', w.as.orgB, { userId: w.other.userId }, 999_999)
        expect([hidden.status, hidden.json.message]).toEqual([missing.status, missing.json.message])
      })
    })

    describe('POST /locks/{id}/SetOrganization', () => {
      it('should let a super key move the lock to another org, which then manages it', async () => {
        const w = await world(ctx, driver)
        const res = await w.post('SetOrganization', w.as.admin, { orgId: w.orgB.orgId })
        expect(res.status).toBe(200)
        expect(res.json.event).toEqual({
          type: 'OrganizationSet',
          data: { lockId: w.lockId, uuid: w.uuid, orgId: w.orgB.orgId, timestamp: expect.any(String) },
        })
        expect((await w.get('basic-info', w.as.orgB)).json.orgId).toBe(w.orgB.orgId)
        expect((await w.get('basic-info', w.as.orgA)).status).toBe(404)
      })

      it('should let a normal org key set only its own org', async () => {
        const w = await world(ctx, driver)
        const own = await w.post('SetOrganization', w.as.orgA, { orgId: w.orgA.orgId })
        expect(own.json).toMatchObject({ success: true, event: null })
        await refused(w, 403, () => w.post('SetOrganization', w.as.orgA, { orgId: w.orgB.orgId }))
        await refused(w, 404, () => w.post('SetOrganization', w.as.orgB, { orgId: w.orgB.orgId }))
        await refused(w, 403, () => w.post('SetOrganization', w.as.holder, { orgId: w.orgA.orgId }))
        await refused(w, 401, () => w.post('SetOrganization', w.as.none, { orgId: w.orgA.orgId }))
      })

      it('should let the owner hand the lock to an org they are staff of, and refuse unknown orgs to a super key', async () => {
        const w = await world(ctx, driver)
        await addOrgMember(w.ctx.deps, w.orgB.orgId, w.owner.userId)
        const res = await w.post('SetOrganization', w.as.owner, { orgId: w.orgB.orgId })
        expect(res.json.event.type).toBe('OrganizationSet')
        const unknown = await refused(w, 400, () => w.post('SetOrganization', w.as.admin, { orgId: 'no-such-org' }))
        expect(unknown.json.details).toEqual([{ field: 'orgId', message: 'no such organization' }])
      })

      it('should refuse the owner an org that did not consent exactly as one that does not exist (issue 24 #7)', async () => {
        const w = await world(ctx, driver)
        const elsewhere = await w.ctx.org()
        const foreign = await refused(w, 403, () => w.post('SetOrganization', w.as.owner, { orgId: elsewhere.orgId }))
        const unknown = await refused(w, 403, () => w.post('SetOrganization', w.as.owner, { orgId: 'no-such-org' }))
        expect({ ...unknown.json, requestId: null }).toEqual({ ...foreign.json, requestId: null })
        const again = await w.post('SetOrganization', w.as.owner, { orgId: w.orgA.orgId })
        expect(again.json).toMatchObject({ success: true, event: null })
      })
    })

    describe('POST /locks/{id}/ChangeLockUuid', () => {
      it('should change the UUID with a super key, and answer 409 for the same UUID', async () => {
        const w = await world(ctx, driver)
        const newUuid = crypto.randomUUID()
        const res = await w.post('ChangeLockUuid', w.as.admin, { newUuid })
        expect(res.json).toMatchObject({
          success: true,
          version: 3,
          event: { type: 'LockUuidChanged', data: { lockId: w.lockId, uuid: w.uuid, newUuid, previousUuid: w.uuid } },
        })
        expect((await w.get('basic-info', w.as.orgA)).json.uuid).toBe(newUuid)
        await refused(w, 409, () => w.post('ChangeLockUuid', w.as.admin, { newUuid }))
      })

      it('should be 403 for everyone else who can see the lock, 404 for those who cannot', async () => {
        const w = await world(ctx, driver)
        const body = { newUuid: crypto.randomUUID() }
        await refused(w, 403, () => w.post('ChangeLockUuid', w.as.orgA, body))
        await refused(w, 403, () => w.post('ChangeLockUuid', w.as.owner, body))
        await refused(w, 403, () => w.post('ChangeLockUuid', w.as.holder, body))
        await refused(w, 404, () => w.post('ChangeLockUuid', w.as.orgB, body))
        await refused(w, 404, () => w.post('ChangeLockUuid', w.as.other, body))
        await refused(w, 401, () => w.post('ChangeLockUuid', w.as.none, body))
        await refused(w, 400, () => w.post('ChangeLockUuid', w.as.admin, { newUuid: 'nope' }))
      })
    })

    describe('POST /locks/{id}/OpenLock', () => {
      it('should drive the door, then record LockOpenRequested', async () => {
        const w = await world(ctx, driver)
        const res = await w.post('OpenLock', w.as.owner, { requestId: 'req-9', reason: 'delivery' })
        expect(res.status).toBe(200)
        expect(res.json).toEqual({
          success: true,
          aggregateId: String(w.lockId),
          version: 3,
          offline: false,
          event: {
            type: 'LockOpenRequested',
            data: { lockId: w.lockId, uuid: w.uuid, timestamp: '2026-06-01T10:00:00.000Z', reason: 'delivery', requestId: 'req-9' },
          },
        })
        expect(w.driver.calls).toEqual([
          {
            action: 'open',
            lock: { lockId: w.lockId, uuid: w.uuid, bridgeUrl: null },
            ctx: { requestId: 'req-9', reason: 'delivery', userId: w.owner.userId },
          },
        ])
        expect((await w.lockEvents()).at(-1)?.type).toBe('LockOpenRequested')
      })

      it('should let key holders, the org and a super key open', async () => {
        const w = await world(ctx, driver)
        for (const auth of [w.as.holder, w.as.orgA, w.as.admin]) expect((await w.post('OpenLock', auth, {})).status).toBe(200)
        expect(w.driver.calls).toHaveLength(3)
      })

      it('should record an open the device queued and report offline: true', async () => {
        const w = await world(ctx, driver)
        w.driver.mode = 'offline'
        const res = await w.post('OpenLock', w.as.owner, {})
        expect(res.status).toBe(200)
        expect(res.json).toMatchObject({ offline: true, event: { type: 'LockOpenRequested' } })
        expect(res.json.event.data).toEqual({ lockId: w.lockId, uuid: w.uuid, timestamp: expect.any(String) })
      })

      it('should answer 502 and record nothing when the driver fails', async () => {
        const w = await world(ctx, driver)
        w.driver.mode = 'failure'
        const res = await refused(w, 502, () => w.post('OpenLock', w.as.owner, { reason: 'x' }))
        expect(res.json).toMatchObject({ error: 'Bad Gateway', code: 502 })
        expect(res.json.message).toContain('nothing was recorded')
        expect(w.driver.calls).toHaveLength(1)
      })

      it('should not reach the driver for callers who may not open', async () => {
        const w = await world(ctx, driver)
        await refused(w, 401, () => w.post('OpenLock', w.as.none, {}))
        await refused(w, 404, () => w.post('OpenLock', w.as.other, {}))
        await refused(w, 404, () => w.post('OpenLock', w.as.orgB, {}))
        await refused(w, 404, () => w.post('OpenLock', w.as.admin, {}, 999_999))
        await refused(w, 400, () => w.post('OpenLock', w.as.owner, { force: true }))
        expect(w.driver.calls).toEqual([])
      })
    })

    describe('POST /locks/{id}/AddKey, RemoveKey, WriteKey', () => {
      it('should program the key on the device, then record KeyAdded', async () => {
        const w = await world(ctx, driver)
        const keyUuid = crypto.randomUUID()
        const res = await w.post('AddKey', w.as.orgA, { keyUuid, keyIndexNumber: 4, userId: w.other.userId })
        expect(res.json).toEqual({
          success: true,
          aggregateId: String(w.lockId),
          version: 3,
          event: {
            type: 'KeyAdded',
            data: { lockId: w.lockId, uuid: w.uuid, timestamp: expect.any(String), keyUuid, keyIndexNumber: 4, userId: w.other.userId },
          },
        })
        expect(w.driver.calls.map((c) => [c.action, c.ctx.keyUuid, c.ctx.keyIndexNumber, c.ctx.userId])).toEqual([
          ['addKey', keyUuid, 4, w.other.userId],
        ])
        const again = await w.post('AddKey', w.as.orgA, { keyUuid, keyIndexNumber: 4, userId: w.other.userId })
        expect(again.json).toMatchObject({ version: 3, event: null })
        expect(w.driver.calls).toHaveLength(1)
      })

      it('should fail fast: device offline or failing -> 502, no key recorded', async () => {
        const w = await world(ctx, driver)
        for (const mode of ['offline', 'failure'] as const) {
          w.driver.mode = mode
          await refused(w, 502, () => w.post('AddKey', w.as.orgA, { keyUuid: crypto.randomUUID() }))
          await refused(w, 502, () => w.post('RemoveKey', w.as.orgA, { keyUuid: w.keyUuid }))
          await refused(w, 502, () => w.post('WriteKey', w.as.orgA, { keyUuid: w.keyUuid }))
        }
        const details = await w.get('details', w.as.orgA)
        expect(details.json.keys).toEqual([{ uuid: w.keyUuid, indexNumber: 3, userId: w.holder.userId }])
      })

      it('should keep key changes to the lock managers', async () => {
        const w = await world(ctx, driver)
        const body = { keyUuid: crypto.randomUUID() }
        await refused(w, 403, () => w.post('AddKey', w.as.holder, body))
        await refused(w, 404, () => w.post('AddKey', w.as.orgB, body))
        await refused(w, 404, () => w.post('AddKey', w.as.other, body))
        await refused(w, 401, () => w.post('AddKey', w.as.none, body))
        await refused(w, 403, () => w.post('RemoveKey', w.as.holder, { keyUuid: w.keyUuid }))
        await refused(w, 403, () => w.post('WriteKey', w.as.holder, { keyUuid: w.keyUuid }))
        await refused(w, 400, () => w.post('AddKey', w.as.owner, { keyUuid: '' }))
        expect(w.driver.calls).toEqual([])
        expect((await w.post('AddKey', w.as.owner, body)).status).toBe(200)
      })

      it('should remove a key by UUID or by index number', async () => {
        const w = await world(ctx, driver)
        const byIndex = await w.post('RemoveKey', w.as.owner, { keyIndexNumber: 3 })
        expect(byIndex.json.event).toEqual({
          type: 'KeyRemoved',
          data: { lockId: w.lockId, uuid: w.uuid, timestamp: expect.any(String), keyUuid: w.keyUuid, keyIndexNumber: 3 },
        })
        expect(w.driver.calls.map((c) => [c.action, c.ctx.keyUuid])).toEqual([['removeKey', w.keyUuid]])
        expect((await w.get('details', w.as.owner)).json.keys).toEqual([])
        // The holder lost the key, and with it the lock.
        expect((await w.get('basic-info', w.as.holder)).status).toBe(404)
      })

      it('should refuse removing an unknown key (404) or naming none (400) without driving the device', async () => {
        const w = await world(ctx, driver)
        await refused(w, 404, () => w.post('RemoveKey', w.as.orgA, { keyUuid: crypto.randomUUID() }))
        await refused(w, 404, () => w.post('RemoveKey', w.as.orgA, { keyIndexNumber: 99 }))
        const none = await refused(w, 400, () => w.post('RemoveKey', w.as.orgA, {}))
        expect(none.json.details).toEqual([{ field: 'keyUuid', message: 'keyUuid or keyIndexNumber is required' }])
        expect(w.driver.calls).toEqual([])
      })

      it('should write a key to the firmware with its known index', async () => {
        const w = await world(ctx, driver)
        const res = await w.post('WriteKey', w.as.orgA, { keyUuid: w.keyUuid })
        expect(res.json.event).toEqual({
          type: 'KeyWriteRequested',
          data: { lockId: w.lockId, uuid: w.uuid, timestamp: expect.any(String), keyUuid: w.keyUuid, keyIndexNumber: 3 },
        })
        expect(w.driver.calls.map((c) => [c.action, c.ctx.keyIndexNumber])).toEqual([['writeKey', 3]])
        await refused(w, 400, () => w.post('WriteKey', w.as.orgA, { keyUuid: w.keyUuid, userId: w.owner.userId }))
      })
    })

    describe('POST /locks/{id}/AddResident, RemoveResident', () => {
      it("should resolve the resident's user by e-mail and answer the envelope with the email", async () => {
        const w = await world(ctx, driver)
        const res = await w.post('AddResident', w.as.orgA, { email: w.other.email, name: 'Flat 2' })
        expect(res.json).toEqual({
          success: true,
          aggregateId: String(w.lockId),
          version: 3,
          email: w.other.email,
          event: {
            type: 'ResidentAdded',
            data: {
              lockId: w.lockId,
              uuid: w.uuid,
              timestamp: expect.any(String),
              userId: w.other.userId,
              name: 'Flat 2',
              email: w.other.email,
            },
          },
        })
        await refused(w, 400, () => w.post('AddResident', w.as.orgA, { email: w.other.email, name: 'Again' }))
        const removed = await w.post('RemoveResident', w.as.owner, { email: w.other.email })
        expect(removed.json).toMatchObject({
          email: w.other.email,
          event: { type: 'ResidentRemoved', data: { userId: w.other.userId, email: w.other.email } },
        })
        await refused(w, 400, () => w.post('RemoveResident', w.as.owner, { email: w.other.email }))
      })

      it('should create the user for an unknown e-mail, like GET /users/by-email', async () => {
        const w = await world(ctx, driver)
        const email = `new-${crypto.randomUUID().slice(0, 8)}@example.test`
        const res = await w.post('AddResident', w.as.owner, { email, name: 'Newcomer' })
        expect(res.status).toBe(200)
        const userId = res.json.event.data.userId
        expect((await w.ctx.streamEvents(`user-${userId}`)).map((e) => [e.type, e.data.email])).toEqual([['UserCreated', email]])
        await refused(w, 400, () =>
          w.post('RemoveResident', w.as.owner, { email: `nobody-${crypto.randomUUID().slice(0, 8)}@example.test` }),
        )
      })

      it('should create no user when the caller may not add residents', async () => {
        const w = await world(ctx, driver)
        const email = `new-${crypto.randomUUID().slice(0, 8)}@example.test`
        await refused(w, 403, () => w.post('AddResident', w.as.holder, { email, name: 'X' }))
        await refused(w, 404, () => w.post('AddResident', w.as.orgB, { email, name: 'X' }))
        await refused(w, 401, () => w.post('AddResident', w.as.none, { email, name: 'X' }))
        await refused(w, 400, () => w.post('AddResident', w.as.orgA, { email: 'not-an-email', name: 'X' }))
        await refused(w, 400, () => w.post('AddResident', w.as.orgA, { email, name: '' }))
      })
    })

    describe('GET /locks/{id}/basic-info, details, residents', () => {
      it('should answer basic info and details in the docs shapes', async () => {
        const w = await world(ctx, driver)
        await w.post('AddResident', w.as.orgA, { email: w.other.email, name: 'Flat 2' })
        const basic = await w.get('basic-info', w.as.owner)
        expect(basic.json).toEqual({
          id: String(w.lockId),
          lockId: w.lockId,
          uuid: w.uuid,
          version: 3,
          ownerId: w.owner.userId,
          orgId: w.orgA.orgId,
          organizationId: w.orgA.orgId,
          r2Prefix: `lock-${w.lockId}`,
        })
        const details = await w.get('details', w.as.holder)
        expect(details.json).toEqual({
          id: String(w.lockId),
          lockId: w.lockId,
          uuid: w.uuid,
          keys: [{ uuid: w.keyUuid, indexNumber: 3, userId: w.holder.userId }],
          ownerId: w.owner.userId,
          organizationId: w.orgA.orgId,
          residents: [{ userId: w.other.userId, name: 'Flat 2', email: w.other.email }],
          orgId: w.orgA.orgId,
          version: 3,
          timestamp: '2026-06-01T10:00:00.000Z',
          r2Prefix: `lock-${w.lockId}`,
        })
      })

      it('should hide the lock from callers who cannot see it', async () => {
        const w = await world(ctx, driver)
        for (const query of ['basic-info', 'details']) {
          expect((await w.get(query, w.as.none)).status).toBe(401)
          expect((await w.get(query, w.as.other)).status).toBe(404)
          expect((await w.get(query, w.as.orgB)).status).toBe(404)
          expect((await w.get(query, w.as.admin)).status).toBe(200)
          expect((await w.get(query, w.as.admin, 999_999)).status).toBe(404)
        }
      })

      it('should list residents publicly, with ids and e-mails only for callers who may use the lock (issue 24 #5)', async () => {
        const w = await world(ctx, driver)
        await w.post('AddResident', w.as.orgA, { email: w.other.email, name: 'Flat 2' })
        expect((await w.get('residents')).json).toEqual({ residents: [{ name: 'Flat 2' }] })
        expect((await w.get('residents', w.as.orgB)).json).toEqual({ residents: [{ name: 'Flat 2' }] })
        expect((await w.get('residents', w.as.holder)).json).toEqual({
          residents: [{ userId: w.other.userId, name: 'Flat 2', email: w.other.email }],
        })
        expect((await w.get('residents', {}, 999_999)).status).toBe(404)
      })
    })

    describe('GET /locks/{id}/events', () => {
      // 2 events from world() + 23 opens = 25 events: pages of 10, 10 and 5.
      async function history() {
        const w = await world(ctx, driver)
        for (let i = 0; i < 23; i++) await w.post('OpenLock', w.as.orgA, { requestId: `r-${i}` })
        return w
      }

      it('should answer the most recent page by default', async () => {
        const w = await history()
        const res = await w.get('events', w.as.owner)
        expect(res.status).toBe(200)
        expect(res.json).toMatchObject({ aggregateId: String(w.lockId), totalEvents: 25, page: 3, pageSize: 10, totalPages: 3 })
        expect(res.json.events.map((e: { version: number }) => e.version)).toEqual([21, 22, 23, 24, 25])
        expect(res.json.events[4]).toEqual({
          aggregateType: 'lock',
          aggregateId: String(w.lockId),
          version: 25,
          type: 'LockOpenRequested',
          timestamp: '2026-06-01T10:00:00.000Z',
          orgId: w.orgA.orgId,
          event: {
            type: 'LockOpenRequested',
            data: { lockId: w.lockId, uuid: w.uuid, timestamp: '2026-06-01T10:00:00.000Z', requestId: 'r-22' },
          },
        })
      })

      it('should answer page 1 (oldest first) and the last page, and refuse pages outside', async () => {
        const w = await history()
        const first = await w.get('events?page=1', w.as.orgA)
        expect(first.json.events.map((e: { version: number; type: string }) => e.version)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
        expect(first.json.events.slice(0, 2).map((e: { type: string }) => e.type)).toEqual(['LockCreated', 'KeyAdded'])
        const last = await w.get('events?page=3', w.as.orgA)
        expect(last.json).toMatchObject({ page: 3, totalPages: 3 })
        expect(last.json.events).toHaveLength(5)
        expect((await w.get('events?page=4', w.as.orgA)).status).toBe(404)
        const zero = await w.get('events?page=0', w.as.orgA)
        expect(zero.status).toBe(400)
        expect(zero.json.details[0].field).toBe('page')
        expect((await w.get('events?page=abc', w.as.orgA)).status).toBe(400)
        expect((await w.get('events?size=5', w.as.orgA)).status).toBe(400)
      })

      it('should fill exactly one page for exactly ten events', async () => {
        const w = await world(ctx, driver)
        for (let i = 0; i < 8; i++) await w.post('OpenLock', w.as.orgA, {})
        const res = await w.get('events', w.as.orgA)
        expect(res.json).toMatchObject({ totalEvents: 10, page: 1, totalPages: 1 })
        expect(res.json.events).toHaveLength(10)
        expect((await w.get('events?page=2', w.as.orgA)).status).toBe(404)
      })

      it('should keep the history to the lock managers', async () => {
        const w = await world(ctx, driver)
        expect((await w.get('events', w.as.holder)).status).toBe(403)
        expect((await w.get('events', w.as.orgB)).status).toBe(404)
        expect((await w.get('events', w.as.other)).status).toBe(404)
        expect((await w.get('events', w.as.none)).status).toBe(401)
        expect((await w.get('events', w.as.admin)).status).toBe(200)
      })
    })

    describe('the configured lock drivers', () => {
      // Each test configures its own app, so has its own context.
      const opened: Ctx[] = []
      const app = async (env: Record<string, string> = {}, overrides: Parameters<typeof contextOn>[3] = {}) => {
        const ctx = await contextOn(backend, env, undefined, overrides)
        opened.push(ctx)
        return ctx
      }
      afterEach(async () => {
        await Promise.all(opened.splice(0).map((ctx) => ctx.close()))
      })

      it('should open through the simulated driver that a default start wires', async () => {
        const ctx = await app()
        const org = await ctx.org()
        const id = freshLockId()
        await ctx.call('POST', `/locks/${id}/CreateLock`, { apiKey: org.apiKey, body: { index: 1, uuid: crypto.randomUUID() } })
        const res = await ctx.call('POST', `/locks/${id}/OpenLock`, { apiKey: org.apiKey, body: {} })
        expect(res.json).toMatchObject({ success: true, offline: false, event: { type: 'LockOpenRequested' } })
      })

      it('should answer 502 and record nothing when the simulated driver times out', async () => {
        const ctx = await app({ LOCK_DRIVER: 'simulated', SIMULATED_DELAY_MS: '1', DRIVER_TIMEOUT_MS: '1' })
        const org = await ctx.org()
        const id = freshLockId()
        await ctx.call('POST', `/locks/${id}/CreateLock`, { apiKey: org.apiKey, body: { index: 1, uuid: crypto.randomUUID() } })
        // A delay that reaches the timeout is a timeout: 502 and nothing recorded.
        const res = await ctx.call('POST', `/locks/${id}/OpenLock`, { apiKey: org.apiKey, body: {} })
        expect(res.status).toBe(502)
        expect(res.json.message).toContain('timeout')
        expect((await ctx.streamEvents(lockStreamId(id))).map((e) => e.type)).toEqual(['LockCreated'])
      })

      it('should treat a driver that throws as a failed command', async () => {
        const broken = {
          forLock: () => {
            throw new Error('lock driver "mqtt" is not configured on this server')
          },
        }
        const ctx = await app({}, { drivers: broken })
        const org = await ctx.org()
        const id = freshLockId()
        await ctx.call('POST', `/locks/${id}/CreateLock`, { apiKey: org.apiKey, body: { index: 1, uuid: crypto.randomUUID() } })
        const open = await ctx.call('POST', `/locks/${id}/OpenLock`, { apiKey: org.apiKey, body: {} })
        expect([open.status, open.json.message]).toEqual([502, expect.stringContaining('not configured')])
        expect((await ctx.call('POST', `/locks/${id}/AddKey`, { apiKey: org.apiKey, body: { keyUuid: 'k' } })).status).toBe(502)
        expect(await ctx.streamEvents(lockStreamId(id))).toHaveLength(1)
      })
    })

    describe('the authorisation matrix of the lock commands', () => {
      const email = () => `r-${crypto.randomUUID().slice(0, 8)}@example.test`
      // A valid body for each command; setup calls (by the super key) prepare what the command needs.
      const bodies: Record<string, (w: World) => Promise<object>> = {
        SetOwner: async (w) => ({ userId: w.owner.userId }),
        SetOrganization: async (w) => ({ orgId: w.orgA.orgId }),
        OpenLock: async () => ({ reason: 'matrix' }),
        AddKey: async () => ({ keyUuid: crypto.randomUUID() }),
        RemoveKey: async (w) => {
          const keyUuid = crypto.randomUUID()
          await w.post('AddKey', w.as.admin, { keyUuid })
          return { keyUuid }
        },
        WriteKey: async (w) => ({ keyUuid: w.keyUuid }),
        AddResident: async () => ({ email: email(), name: 'Resident' }),
        RemoveResident: async (w) => {
          const address = email()
          await w.post('AddResident', w.as.admin, { email: address, name: 'Resident' })
          return { email: address }
        },
      }
      const expected = (command: string) =>
        ({ owner: 200, orgA: 200, admin: 200, holder: command === 'OpenLock' ? 200 : 403, other: 404, orgB: 404, none: 401 }) as const

      for (const command of Object.keys(bodies)) {
        it(`${command}: owner, org key, super key 200; key holder ${expected(command).holder}; other user and other org 404; anonymous 401`, async () => {
          const w = await world(ctx, driver)
          const body = bodies[command]
          if (!body) throw new Error(command)
          for (const [who, status] of Object.entries(expected(command))) {
            const payload = await body(w)
            const auth = w.as[who as keyof World['as']]
            if (status === 200) {
              const res = await w.post(command, auth, payload)
              expect({ who, status: res.status }).toEqual({ who, status: 200 })
            } else {
              const res = await refused(w, status, () => w.post(command, auth, payload))
              expect({ who, code: res.json.code }).toEqual({ who, code: status })
            }
          }
        })
      }
    })
  })
}

describe('the lock driver configuration', () => {
  it('should refuse to start with a default driver it cannot build', () => {
    expect(() => loadConfig({ LOCK_DRIVER: 'http' })).toThrow('BRIDGE_SECRET')
    expect(() => loadConfig({ LOCK_DRIVER: 'mqtt' })).toThrow('MQTT_URL')
    expect(loadConfig({ LOCK_DRIVER: 'http', BRIDGE_SECRET: 's' })).toMatchObject({
      lockDriver: 'http',
      bridgeSecret: 's',
      driverTimeoutMs: 5000,
      mqttPrefix: 'spkey',
    })
  })
})
