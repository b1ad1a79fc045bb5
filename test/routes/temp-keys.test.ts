// Temp-key JSON API over HTTP (app.handle, manual clock, fake driver): create / update / delete / list / use-temp-key
// and POST /temp-keys/{uuid}/open for JSON clients. Each test asserts status, body and the events appended (none on
// a 4xx, except the audited TempKeyOpenRefused of a refused open); on both databases.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'bun:test'
import { addOrgMember } from '../../src/auth/tenants'
import type { Commands } from '../../src/data/port'
import { sqliteCommands } from '../../src/data/sqlite'
import { openDatabase } from '../../src/db/connection'
import { createPgDeps } from '../../src/deps-pg'
import { lockAggregate } from '../../src/domain/lock/decide'
import { CommandHandler } from '../../src/eventstore/command-handler'
import { EventStore } from '../../src/eventstore/store'
import { Writer } from '../../src/eventstore/writer'
import { createLogger } from '../../src/logger'
import { allProjections } from '../../src/projections'
import { BACKENDS, type Backend, contextOn } from '../support/context'
import { fakeDriver } from '../support/fake-driver'
import { createTestLock, createTestTempKey, type TestLock } from '../support/locks'

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const HOUR = 3_600_000
// The tests' times count from here, a Monday.
const NOW = Date.parse('2026-06-01T10:00:00.000Z')

type Ctx = Awaited<ReturnType<typeof contextOn>>
type Driver = ReturnType<typeof fakeDriver>

// An app of its own, for tests that configure one.
async function app(backend: Backend, env: Record<string, string>) {
  const driver = fakeDriver()
  return { ctx: await contextOn(backend, env, undefined, { drivers: driver.registry }), driver }
}

// Another process on the same database: on SQLite its own connection to the file, on PostgreSQL its own spkey.
async function anotherProcess(ctx: Ctx): Promise<{ commands: Commands; close: () => Promise<void> }> {
  const { config } = ctx.deps
  if (config.databaseUrl === null) {
    const db = openDatabase(config.databasePath)
    const handler = new CommandHandler(new EventStore(db, { projections: allProjections }), new Writer(db))
    return { commands: sqliteCommands(handler, db), close: async () => db.$client.close() }
  }
  const deps = await createPgDeps({ ...config, databaseUrl: config.databaseUrl }, { logger: createLogger('silent') })
  return { commands: deps.commands, close: () => deps.lifecycle.close() }
}

// An owner, an org and a lock of theirs, new on the app.
async function given({ ctx, driver }: { ctx: Ctx; driver: Driver }) {
  const owner = await ctx.user()
  const acme = await ctx.org()
  const lock = await createTestLock(ctx, { ownerId: owner.userId, orgId: acme.orgId })
  const iso = (offsetMs: number) => new Date(ctx.clock.now() + offsetMs).toISOString()
  const body = (extra: Record<string, unknown> = {}) => ({
    accessMode: 'public',
    validFrom: iso(-HOUR),
    validUntil: iso(24 * HOUR),
    ...extra,
  })
  const types = async (l: TestLock = lock) => (await ctx.streamEvents(l.streamId)).map((e) => e.type)
  const count = async (l: TestLock = lock) => (await ctx.streamEvents(l.streamId)).length
  const create = (
    extra: Record<string, unknown> = {},
    auth: { token?: string; apiKey?: string } = { token: owner.token },
    l: TestLock = lock,
  ) => ctx.call('POST', `/locks/${l.lockId}/create-temp-key`, { ...auth, body: body(extra) })
  const open = (uuid: string, options: { token?: string; apiKey?: string; headers?: Record<string, string>; body?: unknown } = {}) =>
    ctx.call('POST', `/temp-keys/${uuid}/open`, { ...options, headers: { accept: 'application/json', ...options.headers } })
  return { ctx, driver, owner, acme, lock, iso, body, types, count, create, open }
}

for (const backend of BACKENDS) {
  describe(`temp keys (${backend})`, () => {
    // One app for the tests that set up their own owner, org and lock on it. Its guest opens all come from one address:
    // only the rate-limit test, on apps of its own, limits by address.
    const driver = fakeDriver()
    let ctx: Ctx
    beforeAll(async () => {
      ctx = await contextOn(backend, { OPEN_RATE_LIMIT_PER_IP: '0' }, undefined, { drivers: driver.registry })
    })
    afterAll(() => ctx.close())
    beforeEach(() => {
      ctx.clock.set(NOW)
      driver.state.mode = 'ok'
      driver.state.calls.length = 0
    })
    const setup = () => given({ ctx, driver })

    describe('POST /locks/{id}/create-temp-key', () => {
      it('should create a key for the owner and answer the envelope with a generated tempKeyUuid', async () => {
        const { ctx, lock, create, owner, count } = await setup()
        const res = await create({ maxUses: 3, description: 'Cleaner, Tuesdays' })
        expect(res.status).toBe(200)
        expect(res.json).toMatchObject({ success: true, aggregateId: String(lock.lockId), version: 2 })
        expect(res.json.tempKeyUuid).toMatch(UUID_RE)
        expect(res.json.event.type).toBe('TempKeyCreated')
        expect(res.json.event.data).toMatchObject({
          tempKeyUuid: res.json.tempKeyUuid,
          lockId: lock.lockId,
          lockUuid: lock.uuid,
          accessMode: 'public',
          allowedUserIds: [],
          maxUses: 3,
          createdBy: owner.userId,
          description: 'Cleaner, Tuesdays',
        })
        expect(await count()).toBe(2)
        expect((await ctx.streamEvents(lock.streamId)).at(-1)?.type).toBe('TempKeyCreated')
      })

      it('should keep a supplied UUID (lower-cased) and normalise offsets to UTC', async () => {
        const { create } = await setup()
        const uuid = crypto.randomUUID()
        const res = await create({
          tempKeyUuid: uuid.toUpperCase(),
          validFrom: '2026-06-01T13:00+03:00',
          validUntil: '2026-06-03T10:00:00.5Z',
        })
        expect(res.status).toBe(200)
        expect(res.json.tempKeyUuid).toBe(uuid)
        expect(res.json.event.data.validFrom).toBe('2026-06-01T10:00:00.000Z')
        expect(res.json.event.data.validUntil).toBe('2026-06-03T10:00:00.500Z')
      })

      it('should answer 409 for a UUID already used, even on another lock, and append nothing', async () => {
        const { ctx, create, owner, count } = await setup()
        const other = await createTestLock(ctx, { ownerId: owner.userId })
        const uuid = crypto.randomUUID()
        expect((await create({ tempKeyUuid: uuid }, { token: owner.token }, other)).status).toBe(200)
        const before = await count()
        const res = await create({ tempKeyUuid: uuid })
        expect(res.status).toBe(409)
        expect(res.json).toMatchObject({ success: false, error: 'Conflict', code: 409 })
        expect(await count()).toBe(before)
      })

      it('should answer 400 with details for each broken rule, appending nothing', async () => {
        const { create, count, iso } = await setup()
        const before = await count()
        const cases: [Record<string, unknown>, string][] = [
          [{ validUntil: iso(-2 * HOUR) }, 'validUntil'],
          [{ accessMode: 'user-whitelist' }, 'allowedUserIds'],
          [{ validFrom: '2026-02-30T10:00:00Z' }, 'validFrom'],
          [{ validFrom: '2026-06-01 10:00' }, 'validFrom'],
          [{ maxUses: 0 }, 'maxUses'],
          [{ maxUses: 'null' }, 'maxUses'],
          [{ description: 'x'.repeat(2001) }, 'description'],
          [{ tempKeyUuid: 'example_string' }, 'tempKeyUuid'],
          [{ allowedUserIds: ['not-a-uuid'] }, 'allowedUserIds[0]'],
          [{ accessMode: 'everyone' }, 'accessMode'],
          [{ extra: 1 }, 'extra'],
          [{ schedule: { timezone: 'Nowhere/Land', weekly: [{ days: ['tue'], from: '09:00', until: '12:00' }] } }, 'schedule.timezone'],
          [{ schedule: { timezone: 'UTC', weekly: [{ days: [], from: '09:00', until: '12:00' }] } }, 'schedule'],
          [{ schedule: { timezone: 'UTC', weekly: [{ days: ['tue'], from: '9:00', until: '12:00' }] } }, 'schedule'],
        ]
        for (const [extra, field] of cases) {
          const res = await create(extra)
          expect({ extra, status: res.status }).toEqual({ extra, status: 400 })
          expect(res.json.code).toBe(400)
          expect(res.json.details.map((d: { field: string }) => d.field).some((f: string) => f.startsWith(field))).toBe(true)
        }
        expect(await count()).toBe(before)
      })

      it('should accept null maxUses and a schedule, and generate distinct UUIDs', async () => {
        const { create } = await setup()
        const schedule = { timezone: 'Europe/Athens', weekly: [{ days: ['tue', 'thu'], from: '09:00', until: '12:00' }] }
        const a = await create({ maxUses: null, schedule })
        const b = await create()
        expect(a.status).toBe(200)
        expect(a.json.event.data.schedule).toEqual(schedule)
        expect(a.json.event.data.maxUses).toBeNull()
        expect(b.json.tempKeyUuid).not.toBe(a.json.tempKeyUuid)
      })

      it('should answer 401 without credentials and 404 for an unknown lock', async () => {
        const { ctx, body, owner, count } = await setup()
        const before = await count()
        const anonymous = await ctx.call('POST', '/locks/999999991/create-temp-key', { body: body() })
        expect(anonymous.status).toBe(401)
        expect(anonymous.json).toMatchObject({ success: false, error: 'Unauthorized', code: 401 })
        const unknown = await ctx.call('POST', '/locks/999999991/create-temp-key', { token: owner.token, body: body() })
        expect(unknown.status).toBe(404)
        expect(await count()).toBe(before)
      })

      describe('authorization matrix', () => {
        it('should let the owner, the lock org key and a super key create; others get 404 (cannot see) or 403 (can see)', async () => {
          const { ctx, lock, acme, owner, create, count } = await setup()
          const stranger = await ctx.user()
          const holder = await ctx.user()
          const staff = await ctx.user()
          await addOrgMember(ctx.deps, acme.orgId, staff.userId)
          const otherOrg = await ctx.org()
          const superOrg = await ctx.org({ isSuper: true })
          const withHolder = await createTestLock(ctx, { ownerId: owner.userId, orgId: acme.orgId, keyHolderIds: [holder.userId] })

          expect((await create({}, { token: owner.token })).status).toBe(200)
          expect((await create({}, { apiKey: acme.apiKey })).status).toBe(200)
          expect((await create({}, { apiKey: superOrg.apiKey })).status).toBe(200)
          const created = await count()
          expect((await create({}, { token: stranger.token })).status).toBe(404)
          expect((await create({}, { apiKey: otherOrg.apiKey })).status).toBe(404)
          // docs: B2C requires the lock owner — org staff use the org's key (or the owner page).
          expect((await create({}, { token: staff.token })).status).toBe(404)
          expect(await count()).toBe(created)
          const before = await count(withHolder)
          expect((await create({}, { token: holder.token }, withHolder)).status).toBe(403)
          expect(await count(withHolder)).toBe(before)
          expect(await count(lock)).toBe(created)
        })

        it('should record who created the key (org key: org:<id>)', async () => {
          const { acme, create } = await setup()
          const res = await create({}, { apiKey: acme.apiKey })
          expect(res.json.event.data.createdBy).toBe(`org:${acme.orgId}`)
        })
      })
    })

    describe('POST /locks/{id}/update-temp-key', () => {
      it('should change only the fields sent', async () => {
        const { ctx, lock, owner, create, iso } = await setup()
        const { tempKeyUuid } = (await create({ maxUses: 2 })).json
        const validUntil = iso(48 * HOUR)
        const res = await ctx.call('POST', `/locks/${lock.lockId}/update-temp-key`, {
          token: owner.token,
          body: { tempKeyUuid, maxUses: 5, validUntil },
        })
        expect(res.status).toBe(200)
        expect(res.json).toMatchObject({ success: true, aggregateId: String(lock.lockId), version: 3 })
        expect(res.json.event).toEqual({
          type: 'TempKeyUpdated',
          data: expect.objectContaining({
            tempKeyUuid,
            lockId: lock.lockId,
            lockUuid: lock.uuid,
            changes: { maxUses: 5, validUntil },
            updatedBy: owner.userId,
          }),
        })
        const list = await ctx.call('GET', `/locks/${lock.lockId}/temp-keys`, { token: owner.token })
        expect(list.json.tempKeys[0]).toMatchObject({ maxUses: 5, validUntil, accessMode: 'public' })
      })

      it('should answer event null when nothing is sent to change', async () => {
        const { ctx, lock, owner, create, count } = await setup()
        const { tempKeyUuid } = (await create()).json
        const before = await count()
        const res = await ctx.call('POST', `/locks/${lock.lockId}/update-temp-key`, { token: owner.token, body: { tempKeyUuid } })
        expect(res.status).toBe(200)
        expect(res.json.event).toBeNull()
        expect(await count()).toBe(before)
      })

      it('should answer 404 for an unknown or deleted key and 400 for a broken rule, appending nothing', async () => {
        const { ctx, lock, owner, create, count, iso } = await setup()
        const { tempKeyUuid } = (await create()).json
        const update = (body: object) => ctx.call('POST', `/locks/${lock.lockId}/update-temp-key`, { token: owner.token, body })
        const before = await count()
        expect((await update({ tempKeyUuid, validUntil: iso(-2 * HOUR) })).status).toBe(400)
        expect((await update({ tempKeyUuid, accessMode: 'user-whitelist' })).status).toBe(400)
        expect((await update({ tempKeyUuid: crypto.randomUUID(), maxUses: 1 })).status).toBe(404)
        expect(await count()).toBe(before)
        await ctx.call('POST', `/locks/${lock.lockId}/delete-temp-key`, { token: owner.token, body: { tempKeyUuid } })
        const afterDelete = await count()
        const gone = await update({ tempKeyUuid, maxUses: 1 })
        expect(gone.status).toBe(404)
        expect(gone.json.message).toBe('Temporary key not found')
        expect(await count()).toBe(afterDelete)
      })

      it('should answer 401 / 403 / 404 by caller like create', async () => {
        const { ctx, lock, owner, acme, create } = await setup()
        const holder = await ctx.user()
        const withHolder = await createTestLock(ctx, { ownerId: owner.userId, orgId: acme.orgId, keyHolderIds: [holder.userId] })
        const { tempKeyUuid } = (await create({}, { token: owner.token }, withHolder)).json
        const path = `/locks/${withHolder.lockId}/update-temp-key`
        expect((await ctx.call('POST', path, { body: { tempKeyUuid, maxUses: 1 } })).status).toBe(401)
        expect((await ctx.call('POST', path, { token: holder.token, body: { tempKeyUuid, maxUses: 1 } })).status).toBe(403)
        expect((await ctx.call('POST', path, { apiKey: (await ctx.org()).apiKey, body: { tempKeyUuid, maxUses: 1 } })).status).toBe(404)
        expect((await ctx.call('POST', path, { apiKey: acme.apiKey, body: { tempKeyUuid, maxUses: 1 } })).status).toBe(200)
        expect(lock.lockId).not.toBe(withHolder.lockId)
      })
    })

    describe('POST /locks/{id}/delete-temp-key', () => {
      it('should delete the key; a second delete and an unknown key answer 404', async () => {
        const { ctx, lock, owner, create, count } = await setup()
        const { tempKeyUuid } = (await create()).json
        const del = () => ctx.call('POST', `/locks/${lock.lockId}/delete-temp-key`, { token: owner.token, body: { tempKeyUuid } })
        const res = await del()
        expect(res.status).toBe(200)
        expect(res.json.event).toEqual({
          type: 'TempKeyDeleted',
          data: expect.objectContaining({ tempKeyUuid, lockId: lock.lockId, lockUuid: lock.uuid, deletedBy: owner.userId }),
        })
        const before = await count()
        const again = await del()
        expect(again.status).toBe(404)
        expect(again.json).toMatchObject({ error: 'Not Found', message: 'Temporary key not found' })
        const unknown = await ctx.call('POST', `/locks/${lock.lockId}/delete-temp-key`, {
          token: owner.token,
          body: { tempKeyUuid: crypto.randomUUID() },
        })
        expect(unknown.status).toBe(404)
        expect(await count()).toBe(before)
      })

      it('should answer 401 without credentials, 403 to a key holder, 404 to another tenant and 400 to a bad body', async () => {
        const { ctx, owner, acme, create, count } = await setup()
        const holder = await ctx.user()
        const lock = await createTestLock(ctx, { ownerId: owner.userId, orgId: acme.orgId, keyHolderIds: [holder.userId] })
        const { tempKeyUuid } = (await create({}, { token: owner.token }, lock)).json
        const del = (auth: { token?: string; apiKey?: string }, body: object = { tempKeyUuid }) =>
          ctx.call('POST', `/locks/${lock.lockId}/delete-temp-key`, { ...auth, body })
        const before = await count(lock)
        expect((await del({})).status).toBe(401)
        expect((await del({ token: holder.token })).status).toBe(403)
        expect((await del({ apiKey: (await ctx.org()).apiKey })).status).toBe(404)
        expect((await del({ token: owner.token }, { tempKeyUuid: 'example_string' })).status).toBe(400)
        expect(await count(lock)).toBe(before)
      })
    })

    describe('GET /locks/{id}/temp-keys', () => {
      it('should list live keys with the documented fields and the status now', async () => {
        const { ctx, lock, owner, create, iso } = await setup()
        const plain = (await create({ maxUses: 1 })).json.tempKeyUuid
        const future = (await create({ validFrom: iso(2 * HOUR), validUntil: iso(3 * HOUR), description: 'Later' })).json.tempKeyUuid
        const gone = (await create()).json.tempKeyUuid
        await ctx.call('POST', `/locks/${lock.lockId}/delete-temp-key`, { token: owner.token, body: { tempKeyUuid: gone } })
        const res = await ctx.call('GET', `/locks/${lock.lockId}/temp-keys`, { token: owner.token })
        expect(res.status).toBe(200)
        expect(res.json.tempKeys.map((k: { uuid: string }) => k.uuid).sort()).toEqual([plain, future].sort())
        const first = res.json.tempKeys.find((k: { uuid: string }) => k.uuid === plain)
        expect(Object.keys(first).sort()).toEqual(
          [
            'uuid',
            'lockId',
            'lockUuid',
            'accessMode',
            'allowedUserIds',
            'validFrom',
            'validUntil',
            'maxUses',
            'usedCount',
            'createdAt',
            'createdBy',
            'status',
          ].sort(),
        )
        expect(first).toMatchObject({
          lockId: lock.lockId,
          lockUuid: lock.uuid,
          usedCount: 0,
          maxUses: 1,
          createdBy: owner.userId,
          status: 'valid',
        })
        expect(res.json.tempKeys.find((k: { uuid: string }) => k.uuid === future)).toMatchObject({
          status: 'not-yet-valid',
          description: 'Later',
        })
      })

      it('should compute used-up and expired at request time', async () => {
        const { ctx, lock, owner, create, open } = await setup()
        const { tempKeyUuid } = (await create({ maxUses: 1 })).json
        expect((await open(tempKeyUuid)).status).toBe(200)
        const list = async () => (await ctx.call('GET', `/locks/${lock.lockId}/temp-keys`, { token: owner.token })).json.tempKeys[0]
        expect(await list()).toMatchObject({ status: 'used-up', usedCount: 1 })
        ctx.clock.advance(25 * HOUR)
        expect((await list()).status).toBe('expired')
      })

      it('should show the schedule and the next window of a scheduled key', async () => {
        const { ctx, lock, owner, create } = await setup()
        // The clock is 2026-06-01T10:00Z (a Monday); Tuesdays 09:00 Athens = 06:00Z.
        const schedule = { timezone: 'Europe/Athens', weekly: [{ days: ['tue'], from: '09:00', until: '12:00' }] }
        await create({ schedule, validUntil: '2026-07-01T00:00:00Z' })
        const [key] = (await ctx.call('GET', `/locks/${lock.lockId}/temp-keys`, { token: owner.token })).json.tempKeys
        expect(key).toMatchObject({ status: 'not-yet-valid', schedule, nextWindow: '2026-06-02T06:00:00.000Z' })
      })

      it('should answer 401, 403 to a key holder and 404 to other tenants', async () => {
        const { ctx, owner, acme } = await setup()
        const holder = await ctx.user()
        const withHolder = await createTestLock(ctx, { ownerId: owner.userId, orgId: acme.orgId, keyHolderIds: [holder.userId] })
        const path = `/locks/${withHolder.lockId}/temp-keys`
        expect((await ctx.call('GET', path)).status).toBe(401)
        expect((await ctx.call('GET', path, { token: holder.token })).status).toBe(403)
        expect((await ctx.call('GET', path, { token: (await ctx.user()).token })).status).toBe(404)
        expect((await ctx.call('GET', path, { apiKey: (await ctx.org()).apiKey })).status).toBe(404)
        expect((await ctx.call('GET', path, { apiKey: acme.apiKey })).status).toBe(200)
        expect((await ctx.call('GET', path, { apiKey: (await ctx.org({ isSuper: true })).apiKey })).status).toBe(200)
        expect((await ctx.call('GET', '/locks/999999992/temp-keys', { token: owner.token })).status).toBe(404)
        const badId = await ctx.call('GET', '/locks/0/temp-keys', { token: owner.token })
        expect(badId.status).toBe(400)
        expect(badId.json.code).toBe(400)
      })
    })

    describe('GET /locks/{id}/temp-keys pages (limit, cursor, status)', () => {
      type Listed = { tempKeys: { uuid: string; status: string }[]; nextCursor: string | null }
      const uuids = (body: Listed) => body.tempKeys.map((k) => k.uuid)

      // Five live keys created a second apart (oldest first), and one deleted in the middle.
      async function withKeys() {
        const s = await setup()
        const made: string[] = []
        for (let i = 0; i < 6; i++) {
          s.ctx.clock.advance(1000)
          made.push((await s.create()).json.tempKeyUuid)
        }
        const [gone] = made.splice(2, 1)
        await s.ctx.call('POST', `/locks/${s.lock.lockId}/delete-temp-key`, { token: s.owner.token, body: { tempKeyUuid: gone } })
        const list = (query = '') => s.ctx.call('GET', `/locks/${s.lock.lockId}/temp-keys${query}`, { token: s.owner.token })
        return { ...s, made, list }
      }

      it('should answer every live key and a null nextCursor without limit, as the docs do', async () => {
        const { made, list, count } = await withKeys()
        const before = await count()
        const res = await list()
        expect(res.status).toBe(200)
        expect(res.json.nextCursor).toBeNull()
        expect(uuids(res.json)).toEqual(made)
        expect(await count()).toBe(before)
      })

      it('should walk the list in pages of limit, oldest first, to a last page whose nextCursor is null', async () => {
        const { made, list } = await withKeys()
        const first = await list('?limit=2')
        expect(first.status).toBe(200)
        expect(uuids(first.json)).toEqual(made.slice(0, 2))
        expect(first.json.nextCursor).toMatch(/^[A-Za-z0-9_-]+$/)
        const second = await list(`?limit=2&cursor=${first.json.nextCursor}`)
        expect(uuids(second.json)).toEqual(made.slice(2, 4))
        const last = await list(`?limit=2&cursor=${second.json.nextCursor}`)
        expect(uuids(last.json)).toEqual(made.slice(4))
        expect(last.json.nextCursor).toBeNull()
        // A page that ends exactly on the last key says so too.
        expect((await list('?limit=5')).json.nextCursor).toBeNull()
        expect((await list(`?limit=4&cursor=${first.json.nextCursor}`)).json).toMatchObject({ nextCursor: null })
      })

      it('should keep its place when keys before the cursor are deleted and new ones come after', async () => {
        const { ctx, lock, owner, made, list, create } = await withKeys()
        const first = await list('?limit=2')
        await ctx.call('POST', `/locks/${lock.lockId}/delete-temp-key`, { token: owner.token, body: { tempKeyUuid: made[1] } })
        ctx.clock.advance(1000)
        const newest = (await create()).json.tempKeyUuid
        const rest = await list(`?limit=10&cursor=${first.json.nextCursor}`)
        expect(uuids(rest.json)).toEqual([...made.slice(2), newest])
      })

      it('should filter by the status now, a scheduled key outside its window counting as not-yet-valid', async () => {
        const { ctx, lock, owner, create, open, iso } = await setup()
        // The clock is 2026-06-01T10:00Z, a Monday; the schedule opens on Tuesdays only.
        const tuesdays = { timezone: 'UTC', weekly: [{ days: ['tue'], from: '09:00', until: '12:00' }] }
        const mondays = { timezone: 'UTC', weekly: [{ days: ['mon'], from: '09:00', until: '12:00' }] }
        const key = async (extra: Record<string, unknown>) => {
          ctx.clock.advance(1)
          return (await create(extra)).json.tempKeyUuid as string
        }
        const valid = await key({})
        const future = await key({ validFrom: iso(2 * HOUR), validUntil: iso(3 * HOUR) })
        const outsideWindow = await key({ schedule: tuesdays })
        const insideWindow = await key({ schedule: mondays })
        const usedUp = await key({ maxUses: 1 })
        const expired = await key({ validFrom: iso(-2 * HOUR), validUntil: iso(1000) })
        expect((await open(usedUp)).status).toBe(200)
        ctx.clock.advance(2000)
        const expected: Record<string, string[]> = {
          valid: [valid, insideWindow],
          'not-yet-valid': [future, outsideWindow],
          expired: [expired],
          'used-up': [usedUp],
        }
        for (const [status, keys] of Object.entries(expected)) {
          for (const query of [`?status=${status}`, `?status=${status}&limit=1`]) {
            const pages: string[] = []
            let cursor = ''
            do {
              const res = await ctx.call('GET', `/locks/${lock.lockId}/temp-keys${query}${cursor}`, { token: owner.token })
              expect(res.status).toBe(200)
              expect(res.json.tempKeys.every((k: { status: string }) => k.status === status)).toBe(true)
              pages.push(...uuids(res.json))
              cursor = res.json.nextCursor ? `&cursor=${res.json.nextCursor}` : ''
            } while (cursor)
            expect(pages).toEqual(keys)
          }
        }
      })

      it('should answer 400 in the error envelope to a cursor it did not give out, and to a bad limit or status', async () => {
        const { list, made } = await withKeys()
        const forged = Buffer.from(JSON.stringify([made[0]])).toString('base64url')
        const otherKind = Buffer.from(JSON.stringify([3])).toString('base64url')
        for (const cursor of ['bm90LWpzb24', forged, otherKind, 'abc!', 'x'.repeat(201)]) {
          const res = await list(`?limit=2&cursor=${cursor}`)
          expect(res.status).toBe(400)
          expect(res.json).toMatchObject({ success: false, error: 'Bad Request', code: 400, details: [{ field: 'cursor' }] })
          expect(res.json.requestId).toEqual(expect.any(String))
        }
        for (const query of ['?limit=0', '?limit=201', '?limit=two', '?status=deleted', '?status=VALID']) {
          const res = await list(query)
          expect(res.status).toBe(400)
          expect(res.json.code).toBe(400)
        }
        expect((await list('?limit=200')).status).toBe(200)
      })

      it('should cache each page on its own and drop them all on a change to the lock', async () => {
        const { ctx, lock, owner, made, list, create } = await withKeys()
        const first = await list('?limit=2')
        const second = await list(`?limit=2&cursor=${first.json.nextCursor}`)
        const entries = ctx.deps.readCache.size
        expect(uuids((await list('?limit=2')).json)).toEqual(made.slice(0, 2))
        expect(uuids((await list(`?limit=2&cursor=${first.json.nextCursor}`)).json)).toEqual(uuids(second.json))
        expect(ctx.deps.readCache.size).toBe(entries)
        expect(uuids((await list('?limit=3')).json)).toEqual(made.slice(0, 3))
        expect(uuids((await list('?limit=3&status=valid')).json)).toEqual(made.slice(0, 3))
        expect(ctx.deps.readCache.size).toBe(entries + 2)
        await ctx.call('POST', `/locks/${lock.lockId}/delete-temp-key`, { token: owner.token, body: { tempKeyUuid: made[0] } })
        expect(uuids((await list('?limit=2')).json)).toEqual(made.slice(1, 3))
        ctx.clock.advance(1)
        await create()
        expect((await list('?limit=2&status=expired')).json).toEqual({ tempKeys: [], nextCursor: null })
      })
    })

    describe('POST /locks/{id}/use-temp-key', () => {
      it('should record an audit-only use for the lock org key and a super key (no door movement)', async () => {
        const { ctx, lock, acme, driver, create, types } = await setup()
        const { tempKeyUuid } = (await create({ maxUses: 2 })).json
        const res = await ctx.call('POST', `/locks/${lock.lockId}/use-temp-key`, { apiKey: acme.apiKey, body: { tempKeyUuid } })
        expect(res.status).toBe(200)
        expect(res.json).toMatchObject({ success: true, aggregateId: String(lock.lockId), version: 3 })
        expect(res.json.event).toEqual({
          type: 'TempKeyUsed',
          data: expect.objectContaining({ tempKeyUuid, lockId: lock.lockId, lockUuid: lock.uuid, usedCount: 1 }),
        })
        const superOrg = await ctx.org({ isSuper: true })
        expect(
          (await ctx.call('POST', `/locks/${lock.lockId}/use-temp-key`, { apiKey: superOrg.apiKey, body: { tempKeyUuid } })).json.event.data
            .usedCount,
        ).toBe(2)
        expect(driver.state.calls).toHaveLength(0)
        expect((await types()).slice(-2)).toEqual(['TempKeyUsed', 'TempKeyUsed'])
        const usedUp = await ctx.call('POST', `/locks/${lock.lockId}/use-temp-key`, { apiKey: acme.apiKey, body: { tempKeyUuid } })
        expect(usedUp.status).toBe(400)
        expect(usedUp.json.message).toContain('used up')
      })

      it('should refuse users (403), other orgs (404), no credentials (401), unknown keys (404), appending nothing', async () => {
        const { ctx, lock, owner, acme, create, count } = await setup()
        const { tempKeyUuid } = (await create()).json
        const before = await count()
        const use = (auth: { token?: string; apiKey?: string }, body: object = { tempKeyUuid }) =>
          ctx.call('POST', `/locks/${lock.lockId}/use-temp-key`, { ...auth, body })
        expect((await use({})).status).toBe(401)
        expect((await use({ token: owner.token })).status).toBe(403)
        expect((await use({ token: (await ctx.user()).token })).status).toBe(404)
        expect((await use({ apiKey: (await ctx.org()).apiKey })).status).toBe(404)
        expect((await use({ apiKey: acme.apiKey }, { tempKeyUuid: crypto.randomUUID() })).status).toBe(404)
        expect((await use({ apiKey: acme.apiKey }, { tempKeyUuid, userId: 'nope' })).status).toBe(400)
        expect(await count()).toBe(before)
      })

      it('should need a listed userId for a whitelist key', async () => {
        const { ctx, lock, acme, create, count } = await setup()
        const guest = await ctx.user()
        const { tempKeyUuid } = (await create({ accessMode: 'user-whitelist', allowedUserIds: [guest.userId] })).json
        const use = (body: object) => ctx.call('POST', `/locks/${lock.lockId}/use-temp-key`, { apiKey: acme.apiKey, body })
        const before = await count()
        const missing = await use({ tempKeyUuid })
        expect(missing.status).toBe(400)
        expect(missing.json.details).toEqual([{ field: 'userId', message: expect.any(String) }])
        expect((await use({ tempKeyUuid, userId: crypto.randomUUID() })).status).toBe(403)
        expect(await count()).toBe(before)
        const ok = await use({ tempKeyUuid, userId: guest.userId })
        expect(ok.status).toBe(200)
        expect(ok.json.event.data.userId).toBe(guest.userId)
      })
    })

    describe('POST /temp-keys/{uuid}/open (JSON clients)', () => {
      it('should open a public key without credentials: driver once, LockOpenRequested + TempKeyUsed, the envelope', async () => {
        const { ctx, lock, driver, types } = await setup()
        const uuid = await createTestTempKey(ctx, lock, { maxUses: 2 })
        // seed 003: Content-Type application/json and no body at all answers the documented 303 to the key page.
        const seed = await ctx.call('POST', `/temp-keys/${uuid}/open`, { headers: { 'content-type': 'application/json' } })
        expect(seed.status).toBe(303)
        expect(seed.headers.get('location')).toBe(`/temp-keys/${uuid}`)
        expect((await types()).slice(-2)).toEqual(['LockOpenRequested', 'TempKeyUsed'])
        // A client that asks for JSON gets the command envelope instead.
        const res = await ctx.call('POST', `/temp-keys/${uuid}/open`, {
          headers: { 'content-type': 'application/json', accept: 'application/json' },
        })
        expect(res.status).toBe(200)
        expect(res.json).toEqual({
          success: true,
          aggregateId: String(lock.lockId),
          version: 6,
          event: {
            type: 'TempKeyUsed',
            data: expect.objectContaining({ tempKeyUuid: uuid, lockId: lock.lockId, lockUuid: lock.uuid, usedCount: 2 }),
          },
          tempKeyUuid: uuid,
          offline: false,
        })
        expect(driver.state.calls.map((c) => c.action)).toEqual(['open', 'open'])
        const requested = (await ctx.streamEvents(lock.streamId)).at(-2)
        expect(requested?.data).toMatchObject({ reason: `temp-key:${uuid}`, requestId: expect.stringMatching(/^req_/) })
      })

      it('should refuse with 400 and say why, auditing TempKeyOpenRefused and never calling the driver', async () => {
        const { ctx, lock, driver, open, owner } = await setup()
        const now = ctx.clock.now()
        const cases: [Parameters<typeof createTestTempKey>[2], string, string][] = [
          [
            { validFrom: new Date(now + HOUR).toISOString(), validUntil: new Date(now + 2 * HOUR).toISOString() },
            'not valid yet',
            'not-yet-valid',
          ],
          [{ validFrom: new Date(now - 2 * HOUR).toISOString(), validUntil: new Date(now).toISOString() }, 'expired', 'expired'],
        ]
        for (const [options, message, reason] of cases) {
          const uuid = await createTestTempKey(ctx, lock, options)
          const before = (await ctx.streamEvents(lock.streamId)).length
          const res = await open(uuid)
          expect(res.status).toBe(400)
          expect(res.json).toMatchObject({ success: false, error: 'Bad Request', code: 400 })
          expect(res.json.message).toContain(message)
          const appended = (await ctx.streamEvents(lock.streamId)).slice(before)
          expect(appended.map((e) => [e.type, e.data.reason])).toEqual([['TempKeyOpenRefused', reason]])
        }
        const limited = await createTestTempKey(ctx, lock, { maxUses: 1 })
        expect((await open(limited)).status).toBe(200)
        const usedUp = await open(limited)
        expect(usedUp.status).toBe(400)
        expect(usedUp.json.message).toContain('used up')
        const deleted = await createTestTempKey(ctx, lock)
        await ctx.call('POST', `/locks/${lock.lockId}/delete-temp-key`, { token: owner.token, body: { tempKeyUuid: deleted } })
        const gone = await open(deleted)
        expect(gone.status).toBe(400)
        expect(gone.json.message).toContain('deleted')
        expect(driver.state.calls).toHaveLength(1)
      })

      it('should answer 404 for an unknown key or a malformed UUID, appending nothing', async () => {
        const { open, count } = await setup()
        const before = await count()
        const unknown = await open(crypto.randomUUID())
        expect(unknown.status).toBe(404)
        expect(unknown.json).toMatchObject({ success: false, error: 'Not Found', code: 404 })
        expect((await open('example_string')).status).toBe(404)
        expect(await count()).toBe(before)
      })

      it('should need a listed user for a whitelist key: 401 anonymous, 403 unlisted, 200 listed (Bearer)', async () => {
        const { ctx, lock, open, driver, acme } = await setup()
        const guest = await ctx.user()
        const other = await ctx.user()
        const uuid = await createTestTempKey(ctx, lock, { accessMode: 'user-whitelist', allowedUserIds: [guest.userId] })
        const anonymous = await open(uuid)
        expect(anonymous.status).toBe(401)
        expect(anonymous.json.error).toBe('Unauthorized')
        const unlisted = await open(uuid, { token: other.token })
        expect(unlisted.status).toBe(403)
        const refused = (await ctx.streamEvents(lock.streamId))
          .filter((e) => e.type === 'TempKeyOpenRefused')
          .map((e) => [e.data.reason, e.data.userId])
        expect(refused).toEqual([
          ['sign-in-required', undefined],
          ['not-allowed', other.userId],
        ])
        const listed = await open(uuid, { token: guest.token })
        expect(listed.status).toBe(200)
        expect(listed.json.event.data.userId).toBe(guest.userId)
        // An org key with a user's JWT: the JWT names the acting user.
        const viaOrg = await open(uuid, { apiKey: acme.apiKey, token: guest.token })
        expect(viaOrg.status).toBe(200)
        expect(viaOrg.json.event.data.userId).toBe(guest.userId)
        expect(driver.state.calls).toHaveLength(2)
        expect((await open(uuid, { token: 'not-a-jwt' })).status).toBe(401)
      })

      it('should answer 502 with a requestId when the driver fails, spending no use', async () => {
        const { ctx, lock, open, driver, types } = await setup()
        const uuid = await createTestTempKey(ctx, lock, { maxUses: 1 })
        driver.state.mode = 'failure'
        const before = (await types()).length
        const res = await open(uuid)
        expect(res.status).toBe(502)
        expect(res.json).toMatchObject({ success: false, error: 'Bad Gateway', code: 502, requestId: expect.stringMatching(/^req_/) })
        expect((await types()).length).toBe(before)
        driver.state.mode = 'ok'
        expect((await open(uuid)).status).toBe(200)
      })

      it('should report an offline lock (command queued) in the envelope', async () => {
        const { ctx, lock, open, driver } = await setup()
        const uuid = await createTestTempKey(ctx, lock)
        driver.state.mode = 'offline'
        const res = await open(uuid)
        expect(res.status).toBe(200)
        expect(res.json.offline).toBe(true)
        expect(res.json.event.type).toBe('TempKeyUsed')
      })

      it('should open once per Idempotency-Key: repeats, even concurrent, share the first outcome', async () => {
        const { ctx, lock, open, driver, types } = await setup()
        const uuid = await createTestTempKey(ctx, lock, { maxUses: 5 })
        const headers = { 'idempotency-key': 'click-1' }
        const [a, b] = await Promise.all([open(uuid, { headers }), open(uuid, { headers })])
        const c = await open(uuid, { headers })
        expect([a.status, b.status, c.status]).toEqual([200, 200, 200])
        expect(b.json).toEqual(a.json)
        expect(c.json).toEqual(a.json)
        expect(driver.state.calls).toHaveLength(1)
        expect((await types()).filter((t) => t === 'TempKeyUsed')).toHaveLength(1)
        const next = await open(uuid, { headers: { 'idempotency-key': 'click-2' } })
        expect(next.json.event.data.usedCount).toBe(2)
      })

      it('should drive the lock with its driver settings as they are now, however many opens came before', async () => {
        const { ctx, lock, open, driver } = await setup()
        const uuid = await createTestTempKey(ctx, lock)
        const configure = (commands: Commands, bridgeUrl: string) =>
          commands.handle(
            lockAggregate,
            lock.streamId,
            { type: 'ConfigureLockDriver', data: { driver: 'http', bridgeUrl }, metadata: { now: ctx.clock.now() } },
            {},
          )
        expect((await open(uuid)).status).toBe(200)
        expect((await open(uuid)).status).toBe(200)
        await configure(ctx.deps.commands, 'http://bridge-a.test')
        expect((await open(uuid)).status).toBe(200)
        // Another process points the lock elsewhere.
        const other = await anotherProcess(ctx)
        await configure(other.commands, 'http://bridge-b.test')
        await other.close()
        expect((await open(uuid)).status).toBe(200)
        expect(driver.state.calls.map((call) => call.lock.bridgeUrl)).toEqual([null, null, 'http://bridge-a.test', 'http://bridge-b.test'])
      })

      it('should rate-limit per key and per client address with 429, Retry-After and the envelope', async () => {
        const perKeyApp = await app(backend, { OPEN_RATE_LIMIT_PER_KEY: '2', OPEN_RATE_LIMIT_PER_IP: '0' })
        const perIpApp = await app(backend, { OPEN_RATE_LIMIT_PER_KEY: '0', OPEN_RATE_LIMIT_PER_IP: '2' })
        try {
          const perKey = await given(perKeyApp)
          const uuid = await createTestTempKey(perKey.ctx, perKey.lock)
          expect((await perKey.open(uuid)).status).toBe(200)
          expect((await perKey.open(uuid)).status).toBe(200)
          const limited = await perKey.open(uuid)
          expect(limited.status).toBe(429)
          expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
          expect(limited.json).toMatchObject({ success: false, error: 'Too Many Requests', code: 429 })
          expect((await perKey.open(await createTestTempKey(perKey.ctx, perKey.lock))).status).toBe(200)
          perKey.ctx.clock.advance(61_000)
          expect((await perKey.open(uuid)).status).toBe(200)

          const perIp = await given(perIpApp)
          const keys = await Promise.all([1, 2, 3].map(() => createTestTempKey(perIp.ctx, perIp.lock)))
          expect((await perIp.open(keys[0] ?? '')).status).toBe(200)
          expect((await perIp.open(keys[1] ?? '')).status).toBe(200)
          const before = await perIp.count()
          expect((await perIp.open(keys[2] ?? '')).status).toBe(429)
          expect(await perIp.count()).toBe(before)
        } finally {
          await Promise.all([perKeyApp.ctx.close(), perIpApp.ctx.close()])
        }
      })
    })
  })
}
