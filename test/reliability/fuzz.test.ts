// Property-based fuzzing of the JSON API: random bodies, types, strings, path params and content types.
// Whatever arrives: never a 5xx, every 4xx in the error envelope, and no event appended on a 4xx.
import { describe, expect, it } from 'bun:test'
import fc from 'fast-check'
import { testContext } from '../support/context'

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000)

const anyJson = fc.oneof(
  fc.jsonValue(),
  fc.dictionary(fc.string(), fc.jsonValue()),
  fc.record({
    orgId: fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constant('')),
    orgName: fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.integer()),
    note: fc.oneof(fc.string({ maxLength: 600 }), fc.string({ unit: 'binary', maxLength: 600 }), fc.array(fc.string())),
    number: fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(0), fc.constant(-1)),
    _callerOrgId: fc.string(),
  }, { requiredKeys: [] }),
)

const pathParam = fc.oneof(
  fc.uuid(),
  fc.string({ maxLength: 40 }),
  fc.constantFrom('..%2F..%2Fetc%2Fpasswd', "1' OR '1'='1", '%00', '-1', '0', '1e9', 'null', '%E2%80%AE'),
)

const bodyText = fc.oneof(
  anyJson.map((value) => JSON.stringify(value)),
  fc.string(),
  fc.constantFrom('{', '{"orgId":', 'null', '[]', '', '\u0000', '{"orgId":"a","orgId":"b"}'),
)

const contentType = fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-8', '')

type Case = { method: string; path: (userId: string) => string; body: boolean }

const ENDPOINTS: Record<string, Case> = {
  AddPhysicalKey: { method: 'POST', path: (id) => `/users/${id}/AddPhysicalKey`, body: true },
  RemovePhysicalKey: { method: 'POST', path: (id) => `/users/${id}/RemovePhysicalKey`, body: true },
  PhysicalKeys: { method: 'GET', path: (id) => `/users/${id}/PhysicalKeys`, body: false },
  PhysicalKey: { method: 'GET', path: (id) => `/users/${id}/PhysicalKeys/1`, body: false },
}

describe('fuzzing the physical-key endpoints', () => {
  for (const [name, endpoint] of Object.entries(ENDPOINTS)) {
    it(`should never answer 5xx nor change state on a 4xx: ${name}`, async () => {
      const ctx = testContext({ LOG_LEVEL: 'silent' })
      const { orgId, apiKey } = await ctx.org()
      const { userId } = await ctx.user()
      await ctx.call('POST', `/users/${userId}/AddPhysicalKey`, { apiKey, body: { orgId } })
      const head = () => ctx.deps.store.headPosition()

      await fc.assert(
        fc.asyncProperty(pathParam, bodyText, contentType, fc.boolean(), fc.string({ maxLength: 20 }), async (param, body, type, realUser, query) => {
          const before = head()
          const target = realUser ? userId : encodeURIComponent(param)
          const path = endpoint.path(target) + (query ? `?q=${encodeURIComponent(query)}` : '')
          const response = await ctx.call(endpoint.method, path, {
            apiKey,
            ...(endpoint.body ? { rawBody: body, headers: type ? { 'content-type': type } : {} } : {}),
          })
          expect(response.status).toBeLessThan(500)
          if (response.status >= 400) {
            expect(response.json).toMatchObject({ success: false, code: response.status })
            expect(typeof response.json.error).toBe('string')
            expect(typeof response.json.message).toBe('string')
            expect(head()).toBe(before)
          }
        }),
        { numRuns: RUNS },
      )
    }, 120_000)
  }
})
