// POST /users/{id}/UpdateEmail (docs §3.2): an e-mail for a user who has none. The raw address goes to the vault and
// the users read model, the log holds only UserEmailUpdated with its masked form; 409 for a user with an e-mail or an
// address another user has. On both databases.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { createUser } from '../../src/auth/tenants'
import { BACKENDS, contextOn, refused, testContext } from '../support/context'
import { uniqueId } from '../support/temp-db'

// Either kind of context: the SQLite-only one below has no close() of its own.
type Ctx = Omit<Awaited<ReturnType<typeof contextOn>>, 'close'>

// A user without an e-mail and an address nobody has: the tests of one context share its database.
async function world(ctx: Ctx) {
  // A super key may change anyone's personal data; an ordinary org key only a related user's (docs/auth.md).
  const org = await ctx.org({ isSuper: true })
  const { userId } = await createUser(ctx.deps, { email: null })
  const token = await ctx.deps.jwt.sign(userId, 3600)
  const address = `${uniqueId('mara')}@example.org`
  const update = (id: string, email: string, auth: { apiKey?: string; token?: string } = { apiKey: org.apiKey }) =>
    ctx.call('POST', `/users/${id}/UpdateEmail`, { ...auth, body: { email } })
  return { ctx, org, userId, token, address, update, head: ctx.head }
}

// A rebuild replays the log into the read models: the CLI's operation on the SQLite file (its event store), which no
// port offers.
describe('POST /users/{id}/UpdateEmail and a rebuild (sqlite)', () => {
  it('should keep the email through a rebuild of the read models (the vault is not rebuilt)', async () => {
    const ctx = testContext()
    const w = await world(ctx)
    await w.update(w.userId, w.address)
    ctx.deps.store.rebuild()
    ctx.deps.readCache.clear()
    const profile = await ctx.call('GET', `/users/${w.userId}/profile`, { apiKey: w.org.apiKey })
    expect(profile.json.email).toBe(w.address)
  })
})

for (const backend of BACKENDS) {
  describe(`POST /users/{id}/UpdateEmail (${backend})`, () => {
    let ctx: Awaited<ReturnType<typeof contextOn>>
    beforeAll(async () => {
      ctx = await contextOn(backend)
    })
    afterAll(() => ctx.close())

    it('should set the email: the envelope with UserEmailUpdated (masked), the raw address never in the log', async () => {
      const w = await world(ctx)
      const res = await w.update(w.userId, w.address.toUpperCase())
      expect(res.status).toBe(200)
      expect(res.json).toEqual({
        success: true,
        aggregateId: w.userId,
        version: 2,
        event: {
          type: 'UserEmailUpdated',
          data: { userId: w.userId, maskedEmail: 'm***@example.org', timestamp: '2026-06-01T10:00:00.000Z' },
        },
      })
      const stream = `user-${w.userId}`
      const log = await w.ctx.deps.log.readStreamRange(stream, 1, await w.ctx.deps.log.streamVersion(stream))
      expect(log.map((e) => e.type)).toEqual(['UserCreated', 'UserEmailUpdated'])
      expect(JSON.stringify(log).toLowerCase()).not.toContain(w.address)
      const profile = await w.ctx.call('GET', `/users/${w.userId}/profile`, { apiKey: w.org.apiKey })
      expect(profile.json.email).toBe(w.address)
      const found = await w.ctx.call('GET', `/users/by-email?email=${w.address}&searchOnly=true`, { apiKey: w.org.apiKey })
      expect(found.json.uuid).toBe(w.userId)
    })

    it('should refuse an organisation the user is not related to with 403, and one it issued a key to may', async () => {
      const w = await world(ctx)
      const other = await w.ctx.org()
      await refused(w, 403, () => w.update(w.userId, w.address, { apiKey: other.apiKey }))
      await w.ctx.call('POST', `/users/${w.userId}/AddPhysicalKey`, { apiKey: other.apiKey, body: { orgId: other.orgId } })
      expect((await w.update(w.userId, w.address, { apiKey: other.apiKey })).status).toBe(200)
    })

    it('should let a user set their own email (JWT)', async () => {
      const w = await world(ctx)
      expect((await w.update(w.userId, w.address, { token: w.token })).status).toBe(200)
    })

    it('should answer the same address again with event null, appending nothing', async () => {
      const w = await world(ctx)
      await w.update(w.userId, w.address)
      const before = await w.head()
      const again = await w.update(w.userId, w.address)
      expect(again.status).toBe(200)
      expect(again.json).toMatchObject({ success: true, aggregateId: w.userId, version: 2, event: null })
      expect(await w.head()).toBe(before)
    })

    it('should answer 409 when the user already has an email', async () => {
      const w = await world(ctx)
      const other = await w.ctx.user()
      await refused(w, 409, () => w.update(other.userId, w.address))
      await w.update(w.userId, w.address)
      await refused(w, 409, () => w.update(w.userId, `${uniqueId('second')}@example.org`))
    })

    it('should answer 409 when the address belongs to another user (in any case)', async () => {
      const w = await world(ctx)
      const other = await w.ctx.user()
      await refused(w, 409, () => w.update(w.userId, other.email.toUpperCase()))
      const { userId: third } = await createUser(w.ctx.deps, { email: null })
      await w.update(w.userId, w.address)
      await refused(w, 409, () => w.update(third, w.address))
    })

    it('should let exactly one of two users racing for one address have it', async () => {
      const w = await world(ctx)
      const { userId: rival } = await createUser(w.ctx.deps, { email: null })
      const results = await Promise.all([w.update(w.userId, w.address), w.update(rival, w.address)])
      expect(results.map((r) => r.status).sort()).toEqual([200, 409])
    })

    it('should answer 404 for an unknown user', async () => {
      const w = await world(ctx)
      await refused(w, 404, () => w.update(crypto.randomUUID(), w.address))
    })

    it("should answer 403 to another user's token, 401 without credentials, 400 to an address that is not one", async () => {
      const w = await world(ctx)
      const other = await w.ctx.user()
      await refused(w, 403, () => w.update(w.userId, w.address, { token: other.token }))
      await refused(w, 401, () => w.update(w.userId, w.address, {}))
      const bad = await refused(w, 400, () => w.update(w.userId, 'not-an-email'))
      expect(bad.json.details.map((d: { field: string }) => d.field)).toContain('email')
    })
  })
}
