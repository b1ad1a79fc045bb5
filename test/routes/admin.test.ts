// Admin API (docs partner onboarding) behind X-Admin-API-Key: tenants and their API keys, on both databases.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'bun:test'
import { BACKENDS, contextOn } from '../support/context'
import { uniqueId } from '../support/temp-db'

const ADMIN_KEY = 'admin-key-for-admin-route-tests-0123456789'
const admin = { 'x-admin-api-key': ADMIN_KEY }
const HOUR = 3_600_000
const NOW = Date.parse('2026-06-01T10:00:00.000Z')

type Ctx = Awaited<ReturnType<typeof contextOn>>

function tools(ctx: Ctx) {
  const register = (orgId: string, body: Record<string, unknown> = { orgName: `Org ${orgId}`, ownerEmail: 'owner@example.test' }) =>
    ctx.call('POST', `/tenants/${orgId}/register`, { headers: admin, body })
  const createKey = (body: Record<string, unknown>) => ctx.call('POST', '/api-keys', { headers: admin, body })
  const works = async (apiKey: string) => (await ctx.call('GET', '/events', { apiKey })).status === 200
  return { ctx, register, createKey, works }
}

for (const backend of BACKENDS) {
  describe(`admin API (${backend})`, () => {
    let shared: Ctx
    beforeAll(async () => {
      shared = await contextOn(backend, { ADMIN_API_KEY: ADMIN_KEY })
    })
    afterAll(() => shared.close())
    // Expected times count from NOW: each test starts the shared clock there.
    beforeEach(() => shared.clock.set(NOW))
    const adminContext = () => tools(shared)

    describe('the admin key', () => {
      it('should answer 401 without X-Admin-API-Key, with a wrong one, or with only a bearer token', async () => {
        const { ctx } = adminContext()
        const user = await ctx.user()
        const attempts: Record<string, string>[] = [
          {},
          { 'x-admin-api-key': `${ADMIN_KEY}x` },
          { 'x-admin-api-key': '' },
          { authorization: `Bearer ${user.token}` },
        ]
        for (const headers of attempts) {
          const res = await ctx.call('GET', '/tenants', { headers })
          expect(res.status).toBe(401)
          expect(res.json).toMatchObject({ success: false, error: 'Unauthorized', code: 401 })
        }
      })

      it('should answer 401 before looking at the body, and write nothing', async () => {
        const { ctx } = adminContext()
        const before = await ctx.head()
        const res = await ctx.call('POST', '/tenants/acme/register', { body: { nonsense: true } })
        expect(res.status).toBe(401)
        expect((await ctx.call('POST', '/api-keys', { body: { orgId: 'acme', orgName: 'Acme' } })).status).toBe(401)
        expect(await ctx.head()).toBe(before)
      })

      it('should ignore an Authorization header sent beside it (the docs send both)', async () => {
        const { ctx } = adminContext()
        const res = await ctx.call('GET', '/tenants', { headers: { ...admin, authorization: 'Bearer not-a-spkey-token' } })
        expect(res.status).toBe(200)
      })

      it('should accept the key generated on first start (its hash is what is stored)', async () => {
        // Its own context, started without ADMIN_API_KEY.
        const ctx = await contextOn(backend)
        try {
          expect(ctx.deps.secrets.adminKeyHash).toMatch(/^[0-9a-f]{64}$/)
          expect((await ctx.call('GET', '/tenants', { headers: { 'x-admin-api-key': 'guess' } })).status).toBe(401)
        } finally {
          await ctx.close()
        }
      })
    })

    describe('POST /tenants/{orgId}/register', () => {
      it('should register the tenant: 201 and OrganizationRegistered', async () => {
        const { ctx, register } = adminContext()
        const orgId = uniqueId('acme')
        const res = await register(orgId, { orgName: 'ACME Corporation', ownerEmail: 'Owner@Acme-Corp.com' })
        expect(res.status).toBe(201)
        expect(res.json).toEqual({
          success: true,
          orgId,
          orgName: 'ACME Corporation',
          ownerEmail: 'owner@acme-corp.com',
          isSuper: false,
          createdAt: '2026-06-01T10:00:00.000Z',
        })
        const events = await ctx.streamEvents(`org-${orgId}`)
        expect(events.map((e) => e.type)).toEqual(['OrganizationRegistered'])
        expect(events[0]?.data).toMatchObject({ orgId, orgName: 'ACME Corporation', ownerEmail: 'owner@acme-corp.com', isSuper: false })
        expect(events[0]?.metadata.principal).toBe('admin')
      })

      it('should answer 200 with the same body when the same tenant is registered again, appending nothing', async () => {
        const { ctx, register } = adminContext()
        const orgId = uniqueId('acme')
        const first = await register(orgId)
        const again = await register(orgId)
        expect(again.status).toBe(200)
        expect(again.json).toEqual(first.json)
        expect(await ctx.streamEvents(`org-${orgId}`)).toHaveLength(1)
      })

      it('should answer 409 when the id is taken with another name or owner', async () => {
        const { ctx, register } = adminContext()
        const orgId = uniqueId('acme')
        await register(orgId, { orgName: 'Acme', ownerEmail: 'a@acme.test' })
        expect((await register(orgId, { orgName: 'Acme Two', ownerEmail: 'a@acme.test' })).status).toBe(409)
        expect((await register(orgId, { orgName: 'Acme', ownerEmail: 'b@acme.test' })).status).toBe(409)
        expect(await ctx.streamEvents(`org-${orgId}`)).toHaveLength(1)
      })

      it('should refuse bad ids and bodies with 400, including an attempt to make a super tenant', async () => {
        const { ctx, register } = adminContext()
        const tenants = async () => (await ctx.call('GET', '/tenants', { headers: admin })).json.total
        const before = await tenants()
        const cases: [string, Record<string, unknown>, string][] = [
          ['has space', { orgName: 'X', ownerEmail: 'o@x.test' }, 'orgId'],
          ['-leading', { orgName: 'X', ownerEmail: 'o@x.test' }, 'orgId'],
          [uniqueId('ok'), { orgName: '', ownerEmail: 'o@x.test' }, 'orgName'],
          [uniqueId('ok'), { orgName: 'X', ownerEmail: 'nope' }, 'ownerEmail'],
          [uniqueId('ok'), { orgName: 'X' }, 'ownerEmail'],
          [uniqueId('ok'), { orgName: 'X', ownerEmail: 'o@x.test', isSuper: true }, 'isSuper'],
        ]
        for (const [orgId, body, field] of cases) {
          const res = await register(encodeURIComponent(orgId), body)
          expect(res.status).toBe(400)
          expect(res.json.details.map((d: { field: string }) => d.field)).toContain(field)
        }
        expect(await tenants()).toBe(before)
      })
    })

    describe('GET /tenants', () => {
      // These list every tenant there is: each test has a database of its own.
      let fresh: Ctx
      beforeEach(async () => {
        fresh = await contextOn(backend, { ADMIN_API_KEY: ADMIN_KEY })
      })
      afterEach(() => fresh.close())

      it('should list tenants with only the prefix of their key and when it was last used', async () => {
        const { ctx, register, createKey, works } = tools(fresh)
        const withKey = uniqueId('a')
        const withoutKey = uniqueId('b')
        await register(withKey, { orgName: 'With key', ownerEmail: 'o@a.test' })
        ctx.clock.advance(1000)
        await register(withoutKey, { orgName: 'Without key', ownerEmail: 'o@b.test' })
        const { apiKey } = (await createKey({ orgId: withKey, orgName: 'With key' })).json
        expect(await works(apiKey)).toBe(true)

        const res = await ctx.call('GET', '/tenants', { headers: admin })
        expect(res.status).toBe(200)
        expect(res.json).toEqual({
          tenants: [
            {
              orgId: withKey,
              orgName: 'With key',
              ownerEmail: 'o@a.test',
              isSuper: false,
              createdAt: '2026-06-01T10:00:00.000Z',
              apiKeyPrefix: apiKey.slice(0, 8),
              apiKeyExpiresAt: null,
              apiKeyLastUsedAt: '2026-06-01T10:00:01.000Z',
            },
            {
              orgId: withoutKey,
              orgName: 'Without key',
              ownerEmail: 'o@b.test',
              isSuper: false,
              createdAt: '2026-06-01T10:00:01.000Z',
              apiKeyPrefix: null,
              apiKeyExpiresAt: null,
              apiKeyLastUsedAt: null,
            },
          ],
          total: 2,
        })
        expect(res.text).not.toContain(apiKey)
      })

      it('should page with limit and offset', async () => {
        const { ctx, register } = tools(fresh)
        for (let i = 0; i < 3; i++) await register(`page-${i}`)
        const res = await ctx.call('GET', '/tenants?limit=1&offset=1', { headers: admin })
        expect(res.json.total).toBe(3)
        expect(res.json.tenants.map((t: { orgId: string }) => t.orgId)).toEqual(['page-1'])
      })
    })

    describe('POST /api-keys', () => {
      it('should issue a 40-character alphanumeric key once: 201 with the docs shape', async () => {
        const { ctx, register, createKey, works } = adminContext()
        const orgId = uniqueId('acme')
        await register(orgId, { orgName: 'ACME Corporation', ownerEmail: 'owner@acme-corp.com' })
        const res = await createKey({ orgId, orgName: 'ACME Corporation' })
        expect(res.status).toBe(201)
        expect(res.json).toEqual({
          apiKey: expect.stringMatching(/^[A-Za-z0-9]{40}$/),
          orgId,
          orgName: 'ACME Corporation',
          createdAt: '2026-06-01T10:00:00.000Z',
          createdBy: 'admin',
          expiresAt: null,
        })
        expect(await works(res.json.apiKey)).toBe(true)
        const events = await ctx.streamEvents(`org-${orgId}`)
        expect(events.map((e) => e.type)).toEqual(['OrganizationRegistered', 'ApiKeyIssued'])
        expect(JSON.stringify(events)).not.toContain(res.json.apiKey)
      })

      it('should answer 404 "Tenant not registered" before registration', async () => {
        const { createKey } = adminContext()
        const res = await createKey({ orgId: uniqueId('ghost'), orgName: 'Ghost' })
        expect(res.status).toBe(404)
        expect(res.json.message).toBe('Tenant not registered')
      })

      it('should answer 409 while the tenant has an active key', async () => {
        const { ctx, register, createKey } = adminContext()
        const orgId = uniqueId('acme')
        await register(orgId, { orgName: 'Acme', ownerEmail: 'o@acme.test' })
        await createKey({ orgId, orgName: 'Acme' })
        const again = await createKey({ orgId, orgName: 'Acme' })
        expect(again.status).toBe(409)
        expect((await ctx.streamEvents(`org-${orgId}`)).map((e) => e.type)).toEqual(['OrganizationRegistered', 'ApiKeyIssued'])
      })

      it('should issue a time-limited key, and a new one without rotating once it has expired', async () => {
        const { ctx, register, createKey, works } = adminContext()
        const orgId = uniqueId('acme')
        await register(orgId, { orgName: 'Acme', ownerEmail: 'o@acme.test' })
        const res = await createKey({ orgId, orgName: 'Acme', expiresAt: '2026-06-01T13:00:00+02:00' })
        expect(res.status).toBe(201)
        expect(res.json.expiresAt).toBe('2026-06-01T11:00:00.000Z')
        expect(await works(res.json.apiKey)).toBe(true)
        ctx.clock.advance(HOUR)
        expect(await works(res.json.apiKey)).toBe(false)
        const next = await createKey({ orgId, orgName: 'Acme' })
        expect(next.status).toBe(201)
        expect(await works(next.json.apiKey)).toBe(true)
        expect((await ctx.streamEvents(`org-${orgId}`)).map((e) => e.type)).toEqual([
          'OrganizationRegistered',
          'ApiKeyIssued',
          'ApiKeyRevoked',
          'ApiKeyIssued',
        ])
      })

      it('should refuse an expiresAt in the past, a malformed one, and a name that is not the registered one', async () => {
        const { ctx, register, createKey } = adminContext()
        const orgId = uniqueId('acme')
        await register(orgId, { orgName: 'Acme', ownerEmail: 'o@acme.test' })
        const past = await createKey({ orgId, orgName: 'Acme', expiresAt: new Date(ctx.clock.now() - 1).toISOString() })
        expect(past.status).toBe(400)
        expect(past.json.details).toEqual([{ field: 'expiresAt', message: 'must be in the future' }])
        expect((await createKey({ orgId, orgName: 'Acme', expiresAt: 'tomorrow' })).status).toBe(400)
        const renamed = await createKey({ orgId, orgName: 'Acme Inc' })
        expect(renamed.status).toBe(400)
        expect(renamed.json.details[0].field).toBe('orgName')
        expect(await ctx.streamEvents(`org-${orgId}`)).toHaveLength(1)
      })
    })

    describe('POST /api-keys/rotate', () => {
      it('should issue a new key and revoke the old one in the same step', async () => {
        const { ctx, register, createKey, works } = adminContext()
        const orgId = uniqueId('acme')
        await register(orgId, { orgName: 'Acme', ownerEmail: 'o@acme.test' })
        const old = (await createKey({ orgId, orgName: 'Acme' })).json.apiKey
        const res = await ctx.call('POST', '/api-keys/rotate', { headers: admin, body: { orgId } })
        expect(res.status).toBe(201)
        expect(res.json).toMatchObject({ orgId, orgName: 'Acme', createdBy: 'admin', expiresAt: null })
        expect(res.json.apiKey).not.toBe(old)
        expect(await works(old)).toBe(false)
        expect(await works(res.json.apiKey)).toBe(true)
        const events = await ctx.streamEvents(`org-${orgId}`)
        expect(events.map((e) => e.type)).toEqual(['OrganizationRegistered', 'ApiKeyIssued', 'ApiKeyRevoked', 'ApiKeyIssued'])
        expect(events[2]?.streamVersion).toBe(3)
      })

      it("should refuse a super tenant's key with 403, leaving its key working (issue 24 #8)", async () => {
        const { ctx, works } = adminContext()
        const root = await ctx.org({ isSuper: true })
        const before = (await ctx.streamEvents(`org-${root.orgId}`)).length
        const res = await ctx.call('POST', '/api-keys/rotate', { headers: admin, body: { orgId: root.orgId } })
        expect(res.status).toBe(403)
        expect(res.json.apiKey).toBeUndefined()
        expect(await works(root.apiKey)).toBe(true)
        expect(await ctx.streamEvents(`org-${root.orgId}`)).toHaveLength(before)
      })

      it('should answer 404 for an unregistered tenant and 400 for unknown fields', async () => {
        const { ctx } = adminContext()
        expect((await ctx.call('POST', '/api-keys/rotate', { headers: admin, body: { orgId: uniqueId('ghost') } })).status).toBe(404)
        expect(
          (await ctx.call('POST', '/api-keys/rotate', { headers: admin, body: { orgId: 'x', orgName: 'X', isSuper: true } })).status,
        ).toBe(400)
      })
    })
  })
}
