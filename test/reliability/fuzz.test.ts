// Property-based fuzzing of every documented JSON operation: random bodies, types, strings, path params, queries and
// content types, sent with a key that may act on the resources. Whatever arrives: never a 5xx, every 4xx in the error
// envelope, and no event appended on a 4xx (refused temp-key opens excepted: they are audited by design).
import { describe, expect, it } from 'bun:test'
import fc from 'fast-check'
import { testContext } from '../support/context'
import { createTestLock, createTestTempKey } from '../support/locks'

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000)

const anyValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 600 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom(0, -1, 1.5, '', '1', '2026-02-30T00:00:00Z', 'not-a-date', '00000000-0000-0000-0000-000000000000'),
  fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }),
  fc.jsonValue({ maxDepth: 2 }),
)

// Field names the documented bodies use, so random bodies often get past the shape check into the domain.
const FIELDS = [
  'orgId',
  'orgName',
  'note',
  'number',
  '_callerOrgId',
  'userId',
  'email',
  'firstName',
  'lastName',
  'phoneNumber',
  'index',
  'uuid',
  'serialNumber',
  'vendorName',
  'ownerId',
  'keys',
  'newUuid',
  'requestId',
  'reason',
  'keyUuid',
  'keyIndexNumber',
  'name',
  'tempKeyUuid',
  'accessMode',
  'allowedUserIds',
  'validFrom',
  'validUntil',
  'maxUses',
  'description',
  'schedule',
  'lockId',
  'lockName',
  'accessLevel',
  'grantedBy',
  'removedBy',
]

const body = fc.oneof(
  fc.dictionary(fc.constantFrom(...FIELDS), anyValue, { maxKeys: 6 }).map((value) => JSON.stringify(value)),
  fc.jsonValue().map((value) => JSON.stringify(value)),
  fc.string(),
  fc.constantFrom('{', '{"orgId":', 'null', '[]', '', '\u0000', '{"number":1,"number":"x"}'),
)

const pathParam = fc.oneof(
  fc.uuid(),
  fc.string({ maxLength: 40 }),
  fc.integer().map(String),
  fc.constantFrom('..%2F..%2Fetc%2Fpasswd', "1' OR '1'='1", '%00', '-1', '0', '1e9', '9007199254740993', 'null', '%E2%80%AE'),
)

const query = fc.dictionary(
  fc.constantFrom('q', 'orgId', 'orgName', 'page', 'email', 'phoneNumber', 'searchOnly', 'uuid', '_callerOrgId'),
  fc.string({ maxLength: 20 }),
  { maxKeys: 3 },
)

const contentType = fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', '')

type World = { userId: string; lockId: number; tempKeyUuid: string }
type Endpoint = { method: 'GET' | 'POST'; path: (world: World, param: string | null) => string; audited?: boolean }

const user =
  (path: string): Endpoint['path'] =>
  (w, p) =>
    `/users/${p ?? w.userId}/${path}`
const lock =
  (path: string): Endpoint['path'] =>
  (w, p) =>
    `/locks/${p ?? w.lockId}/${path}`

const ENDPOINTS: Record<string, Endpoint> = {
  'POST /users/{id}/AddPhysicalKey': { method: 'POST', path: user('AddPhysicalKey') },
  'POST /users/{id}/RemovePhysicalKey': { method: 'POST', path: user('RemovePhysicalKey') },
  'GET /users/{id}/PhysicalKeys': { method: 'GET', path: user('PhysicalKeys') },
  'GET /users/{id}/PhysicalKeys/{number}': { method: 'GET', path: (w, p) => `/users/${w.userId}/PhysicalKeys/${p ?? 1}` },
  'POST /users/{id}/CreateUser': { method: 'POST', path: user('CreateUser') },
  'POST /users/{id}/UpdatePhoneNumber': { method: 'POST', path: user('UpdatePhoneNumber') },
  'POST /users/{id}/UpdateEmail': { method: 'POST', path: user('UpdateEmail') },
  'POST /users/{id}/AddAccessibleLock': { method: 'POST', path: user('AddAccessibleLock') },
  'POST /users/{id}/RemoveAccessibleLock': { method: 'POST', path: user('RemoveAccessibleLock') },
  'GET /users/{id}/profile': { method: 'GET', path: user('profile') },
  'GET /users/{id}/keys': { method: 'GET', path: user('keys') },
  'GET /users/by-email': { method: 'GET', path: () => '/users/by-email' },
  'GET /users/by-phone': { method: 'GET', path: () => '/users/by-phone' },
  'POST /locks/{id}/CreateLock': { method: 'POST', path: lock('CreateLock') },
  'POST /locks/{id}/SetOwner': { method: 'POST', path: lock('SetOwner') },
  'POST /locks/{id}/SetOrganization': { method: 'POST', path: lock('SetOrganization') },
  'POST /locks/{id}/ChangeLockUuid': { method: 'POST', path: lock('ChangeLockUuid') },
  'POST /locks/{id}/OpenLock': { method: 'POST', path: lock('OpenLock') },
  'POST /locks/{id}/AddKey': { method: 'POST', path: lock('AddKey') },
  'POST /locks/{id}/BulkAddKeys': { method: 'POST', path: lock('BulkAddKeys') },
  'POST /locks/{id}/RemoveKey': { method: 'POST', path: lock('RemoveKey') },
  'POST /locks/{id}/WriteKey': { method: 'POST', path: lock('WriteKey') },
  'POST /locks/{id}/AddResident': { method: 'POST', path: lock('AddResident') },
  'POST /locks/{id}/RemoveResident': { method: 'POST', path: lock('RemoveResident') },
  'GET /locks/{id}/details': { method: 'GET', path: lock('details') },
  'GET /locks/{id}/events': { method: 'GET', path: lock('events') },
  'POST /locks/{id}/create-temp-key': { method: 'POST', path: lock('create-temp-key') },
  'POST /locks/{id}/update-temp-key': { method: 'POST', path: lock('update-temp-key') },
  'POST /locks/{id}/delete-temp-key': { method: 'POST', path: lock('delete-temp-key') },
  'POST /locks/{id}/use-temp-key': { method: 'POST', path: lock('use-temp-key') },
  'GET /locks/{id}/temp-keys': { method: 'GET', path: lock('temp-keys') },
  'POST /temp-keys/{uuid}/open': { method: 'POST', path: (w, p) => `/temp-keys/${p ?? w.tempKeyUuid}/open`, audited: true },
}

describe('fuzzing the documented JSON operations', () => {
  for (const [name, endpoint] of Object.entries(ENDPOINTS)) {
    it(`should never answer 5xx, always the envelope on 4xx, and change nothing on a 4xx: ${name}`, async () => {
      const ctx = testContext({ LOG_LEVEL: 'silent', OPEN_RATE_LIMIT_PER_IP: '0', OPEN_RATE_LIMIT_PER_KEY: '0' })
      const { orgId, apiKey } = await ctx.org()
      const { userId } = await ctx.user()
      const testLock = await createTestLock(ctx, { orgId })
      const tempKeyUuid = await createTestTempKey(ctx, testLock)
      await ctx.call('POST', `/users/${userId}/AddPhysicalKey`, { apiKey, body: { orgId } })
      const world: World = { userId, lockId: testLock.lockId, tempKeyUuid }

      await fc.assert(
        fc.asyncProperty(fc.option(pathParam, { freq: 3 }), body, contentType, query, async (param, text, type, params) => {
          const before = ctx.deps.store.headPosition()
          const search = new URLSearchParams(params).toString()
          const path = endpoint.path(world, param === null ? null : encodeURIComponent(param)) + (search ? `?${search}` : '')
          const response = await ctx.call(endpoint.method, path, {
            apiKey,
            headers: { accept: 'application/json', ...(endpoint.method === 'POST' && type ? { 'content-type': type } : {}) },
            ...(endpoint.method === 'POST' ? { rawBody: text } : {}),
          })
          expect(response.status).toBeLessThan(500)
          if (response.status >= 400) {
            expect(response.json).toMatchObject({ success: false, code: response.status })
            expect(typeof response.json.error).toBe('string')
            expect(typeof response.json.message).toBe('string')
            if (!endpoint.audited) expect(ctx.deps.store.headPosition()).toBe(before)
          }
        }),
        { numRuns: RUNS },
      )
    }, 120_000)
  }
})

// Requests that once answered 500 (security review, issue 24 #17): asset names that are Object.prototype members, and
// page offsets beyond SQLite's 64-bit integers.
describe('fuzzing names and numbers past the documented operations', () => {
  it('should answer 404 for /public/<any Object.prototype member>', async () => {
    const ctx = testContext({ LOG_LEVEL: 'silent' })
    const members = fc.constantFrom(...Object.getOwnPropertyNames(Object.prototype))
    await fc.assert(
      fc.asyncProperty(members, async (name) => {
        expect((await ctx.call('GET', `/public/${name}`)).status).toBe(404)
      }),
      { numRuns: 50 },
    )
  })

  it('should answer 400, never 5xx, to a webhook list offset beyond the safe integers', async () => {
    const ctx = testContext({ LOG_LEVEL: 'silent' })
    const { apiKey } = await ctx.org()
    const huge = fc.bigInt({ min: BigInt(Number.MAX_SAFE_INTEGER) + 1n, max: 10n ** 30n })
    await fc.assert(
      fc.asyncProperty(huge, async (n) => {
        const res = await ctx.call('GET', `/webhooks?offset=${n}`, { apiKey })
        expect(res.status).toBe(400)
        expect(res.json).toMatchObject({ success: false, code: 400 })
      }),
      { numRuns: 50 },
    )
    expect((await ctx.call('GET', '/webhooks?offset=99999999999999999999', { apiKey })).status).toBe(400)
    expect((await ctx.call('GET', `/webhooks?offset=${Number.MAX_SAFE_INTEGER}`, { apiKey })).status).toBe(200)
  })
})
