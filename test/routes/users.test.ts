// Users JSON API (docs §2.3): CreateUser, by-email, by-phone, profile, phone-number, UpdatePhoneNumber and the
// identity-provider sign-up hook. Each test checks the status, the body and the events appended.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { BACKENDS, contextOn } from '../support/context'
import { createTestLock } from '../support/locks'
import { uniqueId } from '../support/temp-db'

const email = () => `${uniqueId('u')}@example.test`
// Numbers no other test gives anyone: the tests of one context share its database, and by-phone answers one user.
let lastPhoneNumber = 6_941_234_567
const phoneNumber = () => `+30 ${++lastPhoneNumber}`

type Ctx = Awaited<ReturnType<typeof contextOn>>

const typesOf = async (ctx: Ctx, userId: string) => (await ctx.streamEvents(`user-${userId}`)).map((e) => e.type)
const logText = async (ctx: Ctx, userId: string) => JSON.stringify(await ctx.streamEvents(`user-${userId}`))
// An org's key may handle the personal data of users it has given something (here a physical key) only.
async function relate(ctx: Ctx, org: { orgId: string; apiKey: string }, userId: string) {
  const added = await ctx.call('POST', `/users/${userId}/AddPhysicalKey`, { apiKey: org.apiKey, body: { orgId: org.orgId } })
  expect(added.status).toBe(200)
}

for (const backend of BACKENDS) {
  describe(`users (${backend})`, () => {
    let ctx: Ctx
    beforeAll(async () => {
      ctx = await contextOn(backend)
    })
    afterAll(() => ctx.close())

    describe('POST /users/{id}/CreateUser', () => {
      it('should create the user: 201, UserCreated, userId extra', async () => {
        const { apiKey } = await ctx.org()
        const userId = crypto.randomUUID()
        const res = await ctx.call('POST', `/users/${userId}/CreateUser`, {
          apiKey,
          body: { userId, email: 'Ada@Example.TEST', firstName: 'Ada', lastName: 'Lovelace' },
        })
        expect(res.status).toBe(201)
        expect(res.json).toEqual({
          success: true,
          aggregateId: userId,
          version: 1,
          event: {
            type: 'UserCreated',
            data: { userId, email: 'ada@example.test', firstName: 'Ada', lastName: 'Lovelace', status: 'ACTIVE' },
          },
          userId,
        })
        expect(await typesOf(ctx, userId)).toEqual(['UserCreated'])
      })

      it('should answer 200 with event null when the user already exists, appending nothing', async () => {
        const { apiKey } = await ctx.org()
        const userId = crypto.randomUUID()
        const body = { userId, email: email() }
        await ctx.call('POST', `/users/${userId}/CreateUser`, { apiKey, body })
        const again = await ctx.call('POST', `/users/${userId}/CreateUser`, { apiKey, body })
        expect(again.status).toBe(200)
        expect(again.json).toEqual({ success: true, aggregateId: userId, version: 1, event: null, userId })
        expect(await typesOf(ctx, userId)).toEqual(['UserCreated'])
      })

      it('should keep a phone number in the vault and only its masked form in the log', async () => {
        const org = await ctx.org()
        const { apiKey } = org
        const userId = crypto.randomUUID()
        const res = await ctx.call('POST', `/users/${userId}/CreateUser`, {
          apiKey,
          body: { userId, email: email(), phoneNumber: '+30 694 123 4567' },
        })
        expect(res.status).toBe(201)
        expect(res.json.version).toBe(2)
        expect(res.json.event.type).toBe('UserCreated')
        const events = await ctx.streamEvents(`user-${userId}`)
        expect(events.map((e) => e.type)).toEqual(['UserCreated', 'UserPhoneNumberUpdated'])
        expect(events[1]?.data).toEqual({ userId, action: 'set', maskedPhoneNumber: '***4567', timestamp: '2026-06-01T10:00:00.000Z' })
        expect(await logText(ctx, userId)).not.toContain('694 123')
        await relate(ctx, org, userId)
        const phone = await ctx.call('GET', `/users/${userId}/phone-number`, { apiKey })
        expect(phone.json).toEqual({ userId, phoneNumber: '+30 694 123 4567' })
      })

      it('should refuse a body userId that differs from the path id (400, details) and append nothing', async () => {
        const { apiKey } = await ctx.org()
        const userId = crypto.randomUUID()
        const res = await ctx.call('POST', `/users/${userId}/CreateUser`, { apiKey, body: { userId: crypto.randomUUID(), email: email() } })
        expect(res.status).toBe(400)
        expect(res.json.details).toEqual([{ field: 'userId', message: 'must equal the user id in the path' }])
        expect(await typesOf(ctx, userId)).toEqual([])
      })

      it('should refuse malformed bodies with 400 and the field in details', async () => {
        const { apiKey } = await ctx.org()
        const userId = crypto.randomUUID()
        const cases: [Record<string, unknown>, string][] = [
          [{ userId, email: 'not-an-email' }, 'email'],
          [{ userId: 'not-a-uuid', email: email() }, 'userId'],
          [{ userId }, 'email'],
          [{ userId, email: email(), isAdmin: true }, 'isAdmin'],
          [{ userId, email: email(), phoneNumber: '' }, 'phoneNumber'],
        ]
        for (const [body, field] of cases) {
          const res = await ctx.call('POST', `/users/${userId}/CreateUser`, { apiKey, body })
          expect(res.status).toBe(400)
          expect(res.json.details.map((d: { field: string }) => d.field)).toContain(field)
        }
        expect(await typesOf(ctx, userId)).toEqual([])
      })

      it('should answer 409 when the email belongs to another user', async () => {
        const { apiKey } = await ctx.org()
        const taken = await ctx.user()
        const userId = crypto.randomUUID()
        const res = await ctx.call('POST', `/users/${userId}/CreateUser`, { apiKey, body: { userId, email: taken.email.toUpperCase() } })
        expect(res.status).toBe(409)
        expect(await typesOf(ctx, userId)).toEqual([])
      })

      it('should let a user create only their own record', async () => {
        const userId = crypto.randomUUID()
        const token = await ctx.deps.jwt.sign(userId, 3600)
        const own = await ctx.call('POST', `/users/${userId}/CreateUser`, { token, body: { userId, email: email() } })
        expect(own.status).toBe(201)
        const otherId = crypto.randomUUID()
        const other = await ctx.call('POST', `/users/${otherId}/CreateUser`, { token, body: { userId: otherId, email: email() } })
        expect(other.status).toBe(403)
        expect(await typesOf(ctx, otherId)).toEqual([])
      })

      it('should answer 401 without credentials', async () => {
        const userId = crypto.randomUUID()
        const res = await ctx.call('POST', `/users/${userId}/CreateUser`, { body: { userId, email: email() } })
        expect(res.status).toBe(401)
        expect(await typesOf(ctx, userId)).toEqual([])
      })
    })

    describe('GET /users/by-email', () => {
      it('should create a missing user once, then find the same one (idempotent)', async () => {
        const { apiKey } = await ctx.org()
        const address = email()
        const first = await ctx.call('GET', `/users/by-email?email=${encodeURIComponent(address)}`, { apiKey })
        expect(first.status).toBe(200)
        expect(first.json).toEqual({ uuid: expect.any(String), email: address, created_at: '2026-06-01T10:00:00.000Z' })
        const again = await ctx.call('GET', `/users/by-email?email=${encodeURIComponent(address.toUpperCase())}`, { apiKey })
        expect(again.json).toEqual(first.json)
        expect(await typesOf(ctx, first.json.uuid)).toEqual(['UserCreated'])
      })

      it('should create the user with the given uuid', async () => {
        const { apiKey } = await ctx.org()
        const uuid = crypto.randomUUID()
        const res = await ctx.call('GET', `/users/by-email?email=${encodeURIComponent(email())}&uuid=${uuid}`, { apiKey })
        expect(res.status).toBe(200)
        expect(res.json.uuid).toBe(uuid)
        expect(await typesOf(ctx, uuid)).toEqual(['UserCreated'])
      })

      it('should find an existing user even when another uuid is given', async () => {
        const { apiKey } = await ctx.org()
        const user = await ctx.user()
        const other = crypto.randomUUID()
        const res = await ctx.call('GET', `/users/by-email?email=${encodeURIComponent(user.email)}&uuid=${other}`, { apiKey })
        expect(res.json.uuid).toBe(user.userId)
        expect(await typesOf(ctx, other)).toEqual([])
      })

      it('should answer 409 when the uuid belongs to a user with another email', async () => {
        const { apiKey } = await ctx.org()
        const user = await ctx.user()
        const res = await ctx.call('GET', `/users/by-email?email=${encodeURIComponent(email())}&uuid=${user.userId}`, { apiKey })
        expect(res.status).toBe(409)
        expect(await typesOf(ctx, user.userId)).toEqual(['UserCreated'])
      })

      it('should answer 404 on a miss with searchOnly=true and create nothing', async () => {
        const { apiKey } = await ctx.org()
        const uuid = crypto.randomUUID()
        const res = await ctx.call('GET', `/users/by-email?email=${encodeURIComponent(email())}&uuid=${uuid}&searchOnly=true`, { apiKey })
        expect(res.status).toBe(404)
        expect(await typesOf(ctx, uuid)).toEqual([])
        const user = await ctx.user()
        const hit = await ctx.call('GET', `/users/by-email?email=${encodeURIComponent(user.email)}&searchOnly=true`, { apiKey })
        expect(hit.json.uuid).toBe(user.userId)
      })

      it('should refuse a missing or malformed email, a bad uuid and an unknown parameter with 400', async () => {
        const { apiKey } = await ctx.org()
        for (const [query, field] of [
          ['', 'email'],
          ['email=not-an-email', 'email'],
          [`email=${encodeURIComponent(email())}&uuid=nope`, 'uuid'],
          [`email=${encodeURIComponent(email())}&searchOnly=yes`, 'searchOnly'],
          [`email=${encodeURIComponent(email())}&role=admin`, 'role'],
        ]) {
          const res = await ctx.call('GET', `/users/by-email?${query}`, { apiKey })
          expect(res.status).toBe(400)
          expect(res.json.details.map((d: { field: string }) => d.field)).toContain(field)
        }
      })

      it('should let a user find only themself: anyone else, existing or not, is 403', async () => {
        const alice = await ctx.user()
        const bob = await ctx.user()
        const own = await ctx.call('GET', `/users/by-email?email=${encodeURIComponent(alice.email)}`, { token: alice.token })
        expect(own.json.uuid).toBe(alice.userId)
        const other = await ctx.call('GET', `/users/by-email?email=${encodeURIComponent(bob.email)}`, { token: alice.token })
        const missing = await ctx.call('GET', `/users/by-email?email=${encodeURIComponent(email())}`, { token: alice.token })
        expect([other.status, missing.status]).toEqual([403, 403])
        expect(other.json.message).toBe(missing.json.message)
      })

      it('should answer 401 without credentials', async () => {
        expect((await ctx.call('GET', `/users/by-email?email=${encodeURIComponent(email())}`)).status).toBe(401)
      })
    })

    describe('GET /users/by-phone', () => {
      it('should find the user with that exact number', async () => {
        const org = await ctx.org()
        const { apiKey } = org
        const user = await ctx.user()
        await relate(ctx, org, user.userId)
        await ctx.call('POST', `/users/${user.userId}/UpdatePhoneNumber`, { apiKey, body: { phoneNumber: '+306941234567' } })
        const res = await ctx.call('GET', `/users/by-phone?phoneNumber=${encodeURIComponent('+306941234567')}`, { apiKey })
        expect(res.status).toBe(200)
        expect(res.json).toEqual({
          uuid: user.userId,
          email: user.email,
          phoneNumber: '+306941234567',
          created_at: '2026-06-01T10:00:00.000Z',
        })
      })

      it('should answer 404 when nobody has it, and never create a user', async () => {
        const { apiKey } = await ctx.org()
        const before = await ctx.head()
        const res = await ctx.call('GET', `/users/by-phone?phoneNumber=${encodeURIComponent('+300000000')}`, { apiKey })
        expect(res.status).toBe(404)
        expect(await ctx.head()).toBe(before)
      })

      it('should forget a number once it is changed', async () => {
        const org = await ctx.org()
        const { apiKey } = org
        const user = await ctx.user()
        await relate(ctx, org, user.userId)
        await ctx.call('POST', `/users/${user.userId}/UpdatePhoneNumber`, { apiKey, body: { phoneNumber: '+301111' } })
        await ctx.call('POST', `/users/${user.userId}/UpdatePhoneNumber`, { apiKey, body: { phoneNumber: '+302222' } })
        expect((await ctx.call('GET', '/users/by-phone?phoneNumber=%2B301111', { apiKey })).status).toBe(404)
        expect((await ctx.call('GET', '/users/by-phone?phoneNumber=%2B302222', { apiKey })).json.uuid).toBe(user.userId)
      })

      it('should let a user find only themself', async () => {
        const org = await ctx.org()
        const { apiKey } = org
        const alice = await ctx.user()
        const bob = await ctx.user()
        await relate(ctx, org, alice.userId)
        await ctx.call('POST', `/users/${alice.userId}/UpdatePhoneNumber`, { apiKey, body: { phoneNumber: '+30555' } })
        expect((await ctx.call('GET', '/users/by-phone?phoneNumber=%2B30555', { token: alice.token })).status).toBe(200)
        expect((await ctx.call('GET', '/users/by-phone?phoneNumber=%2B30555', { token: bob.token })).status).toBe(403)
        expect((await ctx.call('GET', '/users/by-phone?phoneNumber=%2B30666', { token: bob.token })).status).toBe(403)
      })

      it('should answer 400 without a number and 401 without credentials', async () => {
        const { apiKey } = await ctx.org()
        expect((await ctx.call('GET', '/users/by-phone?phoneNumber=', { apiKey })).status).toBe(400)
        expect((await ctx.call('GET', '/users/by-phone?phoneNumber=%2B30555')).status).toBe(401)
      })
    })

    describe('GET /users/{id}/profile', () => {
      it('should answer the profile, with the phone number from the vault', async () => {
        const org = await ctx.org()
        const { apiKey } = org
        const userId = crypto.randomUUID()
        const address = email()
        await ctx.call('POST', `/users/${userId}/CreateUser`, {
          apiKey,
          body: { userId, email: address, firstName: 'Ada', lastName: 'King', phoneNumber: '+3012' },
        })
        await relate(ctx, org, userId)
        const res = await ctx.call('GET', `/users/${userId}/profile`, { apiKey })
        expect(res.status).toBe(200)
        expect(res.json).toEqual({ userId, email: address, firstName: 'Ada', lastName: 'King', phoneNumber: '+3012', status: 'ACTIVE' })
      })

      it('should leave out what is not on file', async () => {
        const user = await ctx.user()
        const res = await ctx.call('GET', `/users/${user.userId}/profile`, { token: user.token })
        expect(res.json).toEqual({ userId: user.userId, email: user.email, status: 'ACTIVE' })
      })

      it('should answer 404 for an unknown user to a super key', async () => {
        const { apiKey } = await ctx.org({ isSuper: true })
        const res = await ctx.call('GET', `/users/${crypto.randomUUID()}/profile`, { apiKey })
        expect(res.status).toBe(404)
        expect(res.json).toMatchObject({ success: false, error: 'Not Found', message: 'User not found' })
      })
    })

    describe('POST /users/{id}/UpdatePhoneNumber and GET /users/{id}/phone-number', () => {
      it('should set the number (masked event) and remove it with null', async () => {
        const user = await ctx.user()
        expect((await ctx.call('GET', `/users/${user.userId}/phone-number`, { token: user.token })).json).toEqual({
          userId: user.userId,
          phoneNumber: null,
        })

        const set = await ctx.call('POST', `/users/${user.userId}/UpdatePhoneNumber`, {
          token: user.token,
          body: { phoneNumber: '+30 210 555 0199' },
        })
        expect(set.status).toBe(200)
        expect(set.json).toEqual({
          success: true,
          aggregateId: user.userId,
          version: 2,
          event: {
            type: 'UserPhoneNumberUpdated',
            data: { userId: user.userId, action: 'set', maskedPhoneNumber: '***0199', timestamp: '2026-06-01T10:00:00.000Z' },
          },
        })
        expect((await ctx.call('GET', `/users/${user.userId}/phone-number`, { token: user.token })).json.phoneNumber).toBe(
          '+30 210 555 0199',
        )

        const removed = await ctx.call('POST', `/users/${user.userId}/UpdatePhoneNumber`, {
          token: user.token,
          body: { phoneNumber: null },
        })
        expect(removed.json.event).toEqual({
          type: 'UserPhoneNumberUpdated',
          data: { userId: user.userId, action: 'removed', timestamp: '2026-06-01T10:00:00.000Z' },
        })
        expect((await ctx.call('GET', `/users/${user.userId}/phone-number`, { token: user.token })).json.phoneNumber).toBeNull()
        expect(await typesOf(ctx, user.userId)).toEqual(['UserCreated', 'UserPhoneNumberUpdated', 'UserPhoneNumberUpdated'])
        expect(await logText(ctx, user.userId)).not.toContain('555 0199')
      })

      it('should refuse an empty string, a missing field and an unknown field with 400', async () => {
        const user = await ctx.user()
        for (const body of [{ phoneNumber: '' }, {}, { phoneNumber: '+301', extra: 1 }]) {
          const res = await ctx.call('POST', `/users/${user.userId}/UpdatePhoneNumber`, { token: user.token, body })
          expect(res.status).toBe(400)
        }
        expect(await typesOf(ctx, user.userId)).toEqual(['UserCreated'])
      })

      it('should answer 404 for an unknown user, writing nothing to the vault', async () => {
        const { apiKey } = await ctx.org({ isSuper: true })
        const userId = crypto.randomUUID()
        const res = await ctx.call('POST', `/users/${userId}/UpdatePhoneNumber`, { apiKey, body: { phoneNumber: '+30777' } })
        expect(res.status).toBe(404)
        expect((await ctx.call('GET', '/users/by-phone?phoneNumber=%2B30777', { apiKey })).status).toBe(404)
        expect((await ctx.call('GET', `/users/${userId}/phone-number`, { apiKey })).status).toBe(404)
      })

      it('should answer 401 without credentials', async () => {
        const user = await ctx.user()
        expect((await ctx.call('POST', `/users/${user.userId}/UpdatePhoneNumber`, { body: { phoneNumber: '+30' } })).status).toBe(401)
        expect((await ctx.call('GET', `/users/${user.userId}/phone-number`)).status).toBe(401)
      })
    })

    describe('POST /users (identity-provider sign-up hook)', () => {
      const hook = (ctx: Ctx, body: unknown, secret = ctx.deps.secrets.signupHookSecret) =>
        ctx.call('POST', '/users', { body, headers: { authorization: `Bearer ${secret}` } })
      const event = (userName: string, userId: string) => ({
        version: '0',
        'detail-type': 'auth0.post-login',
        detail: { data: { user_name: userName, user_id: userId, connection: 'Username-Password-Authentication' } },
      })

      it('should create the user once and find it on the next call', async () => {
        const address = email()
        const first = await hook(ctx, event(address, 'auth0|abc123'))
        expect(first.status).toBe(200)
        expect(first.json).toEqual({ success: true, userId: expect.any(String), email: address })
        const again = await hook(ctx, event(address, 'auth0|abc123'))
        expect(again.json).toEqual(first.json)
        expect(await typesOf(ctx, first.json.userId)).toEqual(['UserCreated'])
        expect((await ctx.streamEvents(`user-${first.json.userId}`))[0]?.metadata.principal).toBe('signup-hook')
      })

      it("should use the provider's user id when it is a UUID", async () => {
        const id = crypto.randomUUID()
        const res = await hook(ctx, event(email(), id))
        expect(res.json.userId).toBe(id)
      })

      it('should answer 401 without the shared secret or with another one, creating nothing', async () => {
        // Its own context: the secret is read from the environment at start.
        const ctx = await contextOn(backend, { SIGNUP_HOOK_SECRET: 'the-shared-hook-secret' })
        try {
          const before = await ctx.head()
          expect((await ctx.call('POST', '/users', { body: event(email(), 'x') })).status).toBe(401)
          expect((await hook(ctx, event(email(), 'x'), 'the-shared-hook-secreT')).status).toBe(401)
          const user = await ctx.user()
          expect((await ctx.call('POST', '/users', { body: event(email(), 'x'), token: user.token })).status).toBe(401)
          expect(await ctx.head()).toBe(before + 1)
          expect((await hook(ctx, event(email(), 'x'), 'the-shared-hook-secret')).status).toBe(200)
        } finally {
          await ctx.close()
        }
      })

      it('should answer 400 for an event without detail.data.user_name or user_id', async () => {
        for (const body of [
          {},
          { detail: {} },
          { detail: { data: { user_id: 'x' } } },
          { detail: { data: { user_name: 'nope', user_id: 'x' } } },
        ]) {
          expect((await hook(ctx, body)).status).toBe(400)
        }
      })
    })

    describe("another organisation's users (issue 24 #6)", () => {
      async function given() {
        const orgA = await ctx.org()
        const orgB = await ctx.org()
        const user = await ctx.user()
        await relate(ctx, orgA, user.userId)
        const number = phoneNumber()
        const set = await ctx.call('POST', `/users/${user.userId}/UpdatePhoneNumber`, {
          apiKey: orgA.apiKey,
          body: { phoneNumber: number },
        })
        expect(set.status).toBe(200)
        return { orgA, orgB, user, number }
      }

      it("should refuse an unrelated org the user's profile, phone number and phone changes, appending nothing", async () => {
        const { orgB, user } = await given()
        const before = (await ctx.streamEvents(`user-${user.userId}`)).length
        expect((await ctx.call('GET', `/users/${user.userId}/profile`, { apiKey: orgB.apiKey })).status).toBe(403)
        expect((await ctx.call('GET', `/users/${user.userId}/phone-number`, { apiKey: orgB.apiKey })).status).toBe(403)
        const change = await ctx.call('POST', `/users/${user.userId}/UpdatePhoneNumber`, {
          apiKey: orgB.apiKey,
          body: { phoneNumber: '+1 555' },
        })
        expect(change.status).toBe(403)
        expect((await ctx.streamEvents(`user-${user.userId}`)).length).toBe(before)
        expect((await ctx.call('GET', `/users/${crypto.randomUUID()}/profile`, { apiKey: orgB.apiKey })).status).toBe(403)
      })

      it("should answer an unrelated org's phone lookup as no match, and a super key's with the user", async () => {
        const { orgB, user, number } = await given()
        const query = `/users/by-phone?phoneNumber=${encodeURIComponent(number)}`
        const res = await ctx.call('GET', query, { apiKey: orgB.apiKey })
        expect(res.status).toBe(404)
        expect(res.json.message).toBe('No user with that phone number')
        const root = await ctx.org({ isSuper: true })
        expect((await ctx.call('GET', query, { apiKey: root.apiKey })).json.uuid).toBe(user.userId)
      })

      it('should relate an org to the residents of its locks', async () => {
        const { orgB, user } = await given()
        const profile = () => ctx.call('GET', `/users/${user.userId}/profile`, { apiKey: orgB.apiKey })
        expect((await profile()).status).toBe(403)
        const lock = await createTestLock(ctx, { orgId: orgB.orgId })
        const resident = await ctx.call('POST', `/locks/${lock.lockId}/AddResident`, {
          apiKey: orgB.apiKey,
          body: { email: user.email, name: 'Flat 1' },
        })
        expect(resident.status).toBe(200)
        expect((await profile()).status).toBe(200)
      })

      it('should keep the documented onboarding: by-email finds or creates for any org key', async () => {
        const { orgB, user } = await given()
        expect((await ctx.call('GET', `/users/by-email?email=${encodeURIComponent(user.email)}`, { apiKey: orgB.apiKey })).json.uuid).toBe(
          user.userId,
        )
        const created = await ctx.call('GET', `/users/by-email?email=${encodeURIComponent(email())}`, { apiKey: orgB.apiKey })
        expect(created.status).toBe(200)
      })
    })
  })
}
