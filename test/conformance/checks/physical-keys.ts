// Physical-key inventory: seeds 000 (RemovePhysicalKey) and 001 (AddPhysicalKey) and the two queries.
import type { Check, Harness, Org, User } from '../harness'
import { pathParamChecks, requestChecks } from '../request-cases'
import { has } from './fixtures'

const ADD = 'POST /users/{id}/AddPhysicalKey'
const REMOVE = 'POST /users/{id}/RemovePhysicalKey'
const LIST = 'GET /users/{id}/PhysicalKeys'
const GET = 'GET /users/{id}/PhysicalKeys/{number}'

async function userWithKey(h: Harness, org?: Org): Promise<{ org: Org; user: User; number: number }> {
  const issuer = org ?? (await h.org())
  const user = await h.user()
  const res = await h.call('POST', `/users/${user.userId}/AddPhysicalKey`, {
    apiKey: issuer.apiKey,
    body: { orgId: issuer.orgId, orgName: 'Conformance Org', note: 'front door' },
  })
  if (res.status !== 200) throw new Error(`fixture AddPhysicalKey answered ${res.status}: ${res.text}`)
  return { org: issuer, user, number: res.json.number }
}

export const physicalKeyChecks: Check[] = [
  // --- AddPhysicalKey (seed 001)
  {
    op: ADD,
    name: 'issuing org adds a key; the server assigns number 1',
    kind: 'success',
    status: 200,
    async run(h) {
      const org = await h.org()
      const user = await h.user()
      return h.call('POST', `/users/${user.userId}/AddPhysicalKey`, {
        apiKey: org.apiKey,
        body: { orgId: org.orgId, orgName: 'Acme', note: 'fob' },
      })
    },
    verify: (res) => [
      ...has(res.json?.number === 1, `number ${res.json?.number}, expected 1`),
      ...has(res.json?.event?.type === 'PhysicalKeyAdded', `event.type ${res.json?.event?.type}`),
    ],
  },
  {
    op: ADD,
    name: 'both headers, as the seed page sends them (the key decides the tenant, the JWT names the acting user)',
    kind: 'success',
    status: 200,
    async run(h) {
      const [org, user, staff] = [await h.org(), await h.user(), await h.user()]
      return h.call('POST', `/users/${user.userId}/AddPhysicalKey`, { apiKey: org.apiKey, token: staff.token, body: { orgId: org.orgId } })
    },
  },
  {
    op: ADD,
    name: 'unknown user',
    kind: 'error',
    status: 404,
    async run(h) {
      const org = await h.org()
      return h.call('POST', `/users/${crypto.randomUUID()}/AddPhysicalKey`, { apiKey: org.apiKey, body: { orgId: org.orgId } })
    },
  },
  {
    op: ADD,
    name: 'no credentials',
    kind: 'error',
    status: 401,
    async run(h) {
      const user = await h.user()
      return h.call('POST', `/users/${user.userId}/AddPhysicalKey`, { body: { orgId: 'org-x' } })
    },
  },
  {
    op: ADD,
    name: "an org key naming another org's orgId",
    kind: 'error',
    status: 403,
    async run(h) {
      const [org, other, user] = [await h.org(), await h.org(), await h.user()]
      return h.call('POST', `/users/${user.userId}/AddPhysicalKey`, { apiKey: org.apiKey, body: { orgId: other.orgId } })
    },
  },
  ...requestChecks({
    op: ADD,
    okStatus: 200,
    // A super key may name any issuing org, so orgId values are free.
    async setup(h) {
      const org = await h.superOrg()
      const user = await h.user()
      return {
        path: `/users/${user.userId}/AddPhysicalKey`,
        auth: { apiKey: org.apiKey },
        body: { orgId: 'org-a', orgName: 'Org A', note: 'n' },
      }
    },
  }),

  // --- RemovePhysicalKey (seed 000)
  {
    op: REMOVE,
    name: 'issuing org removes a key',
    kind: 'success',
    status: 200,
    async run(h) {
      const { org, user, number } = await userWithKey(h)
      return h.call('POST', `/users/${user.userId}/RemovePhysicalKey`, { apiKey: org.apiKey, body: { number } })
    },
    verify: (res) => [
      ...has(res.json?.number === 1, `number ${res.json?.number}, expected 1`),
      ...has(res.json?.event?.type === 'PhysicalKeyRemoved', `event.type ${res.json?.event?.type}`),
    ],
  },
  {
    op: REMOVE,
    name: 'both headers, as the seed page sends them',
    kind: 'success',
    status: 200,
    async run(h) {
      const { org, user, number } = await userWithKey(h)
      const staff = await h.user()
      return h.call('POST', `/users/${user.userId}/RemovePhysicalKey`, { apiKey: org.apiKey, token: staff.token, body: { number } })
    },
  },
  {
    op: REMOVE,
    name: 'a number never issued',
    kind: 'error',
    status: 404,
    async run(h) {
      const { org, user } = await userWithKey(h)
      return h.call('POST', `/users/${user.userId}/RemovePhysicalKey`, { apiKey: org.apiKey, body: { number: 2 } })
    },
  },
  {
    op: REMOVE,
    name: 'a number already removed',
    kind: 'error',
    status: 404,
    async run(h) {
      const { org, user, number } = await userWithKey(h)
      await h.call('POST', `/users/${user.userId}/RemovePhysicalKey`, { apiKey: org.apiKey, body: { number } })
      return h.call('POST', `/users/${user.userId}/RemovePhysicalKey`, { apiKey: org.apiKey, body: { number } })
    },
  },
  {
    op: REMOVE,
    name: 'unknown user',
    kind: 'error',
    status: 404,
    async run(h) {
      const org = await h.org()
      return h.call('POST', `/users/${crypto.randomUUID()}/RemovePhysicalKey`, { apiKey: org.apiKey, body: { number: 1 } })
    },
  },
  {
    op: REMOVE,
    name: 'no credentials',
    kind: 'error',
    status: 401,
    async run(h) {
      const { user, number } = await userWithKey(h)
      return h.call('POST', `/users/${user.userId}/RemovePhysicalKey`, { body: { number } })
    },
  },
  {
    op: REMOVE,
    name: 'the user (B2C) cannot remove from their own inventory: only the issuing org may',
    kind: 'error',
    status: 403,
    async run(h) {
      const { user, number } = await userWithKey(h)
      return h.call('POST', `/users/${user.userId}/RemovePhysicalKey`, { token: user.token, body: { number } })
    },
  },
  {
    op: REMOVE,
    name: 'another user (B2C) removing from this inventory',
    kind: 'error',
    status: 403,
    async run(h) {
      const { user, number } = await userWithKey(h)
      const other = await h.user()
      return h.call('POST', `/users/${user.userId}/RemovePhysicalKey`, { token: other.token, body: { number } })
    },
  },
  ...requestChecks({
    op: REMOVE,
    okStatus: 200,
    async setup(h) {
      const { org, user, number } = await userWithKey(h)
      return { path: `/users/${user.userId}/RemovePhysicalKey`, auth: { apiKey: org.apiKey }, body: { number } }
    },
    // Valid numbers that name no key in the inventory: validation passes, then "no physical key with that number".
    acceptedStatus: (prop, value) => (prop === 'number' && value !== 1 ? 404 : undefined),
  }),

  // --- GET /users/{id}/PhysicalKeys
  {
    op: LIST,
    name: 'issuing org lists with filters',
    kind: 'success',
    status: 200,
    async run(h) {
      const { org, user } = await userWithKey(h)
      return h.call('GET', `/users/${user.userId}/PhysicalKeys?orgId=${org.orgId}&orgName=Conformance%20Org&q=FRONT`, {
        apiKey: org.apiKey,
      })
    },
    verify: (res) => has(res.json?.total === 1 && res.json?.keys?.length === 1, `total ${res.json?.total}, expected 1 key`),
  },
  {
    op: LIST,
    name: 'the user (B2C) lists their own inventory',
    kind: 'success',
    status: 200,
    async run(h) {
      const { user } = await userWithKey(h)
      return h.call('GET', `/users/${user.userId}/PhysicalKeys`, { token: user.token })
    },
  },
  {
    op: LIST,
    name: 'unknown user',
    kind: 'error',
    status: 404,
    async run(h) {
      const org = await h.org()
      return h.call('GET', `/users/${crypto.randomUUID()}/PhysicalKeys`, { apiKey: org.apiKey })
    },
  },
  {
    op: LIST,
    name: 'no credentials',
    kind: 'error',
    status: 401,
    async run(h) {
      const { user } = await userWithKey(h)
      return h.call('GET', `/users/${user.userId}/PhysicalKeys`)
    },
  },
  {
    op: LIST,
    name: 'another user (B2C) reading this inventory',
    kind: 'error',
    status: 403,
    async run(h) {
      const { user } = await userWithKey(h)
      const other = await h.user()
      return h.call('GET', `/users/${user.userId}/PhysicalKeys`, { token: other.token })
    },
  },

  // --- GET /users/{id}/PhysicalKeys/{number}
  {
    op: GET,
    name: 'issuing org reads one key',
    kind: 'success',
    status: 200,
    async run(h) {
      const { org, user, number } = await userWithKey(h)
      return h.call('GET', `/users/${user.userId}/PhysicalKeys/${number}`, { apiKey: org.apiKey })
    },
  },
  {
    op: GET,
    name: 'a number not in the inventory',
    kind: 'error',
    status: 404,
    async run(h) {
      const { org, user } = await userWithKey(h)
      return h.call('GET', `/users/${user.userId}/PhysicalKeys/99`, { apiKey: org.apiKey })
    },
  },
  {
    op: GET,
    name: "another org's key is not found (existence is not revealed across tenants)",
    kind: 'error',
    status: 404,
    async run(h) {
      const { user, number } = await userWithKey(h)
      const other = await h.org()
      return h.call('GET', `/users/${user.userId}/PhysicalKeys/${number}`, { apiKey: other.apiKey })
    },
  },
  {
    op: GET,
    name: 'unknown user',
    kind: 'error',
    status: 404,
    async run(h) {
      const org = await h.org()
      return h.call('GET', `/users/${crypto.randomUUID()}/PhysicalKeys/1`, { apiKey: org.apiKey })
    },
  },
  {
    op: GET,
    name: 'no credentials',
    kind: 'error',
    status: 401,
    async run(h) {
      const { user, number } = await userWithKey(h)
      return h.call('GET', `/users/${user.userId}/PhysicalKeys/${number}`)
    },
  },
  {
    op: GET,
    name: 'client-sent server-set query parameter _callerOrgId',
    kind: 'request',
    status: 400,
    details: '_callerOrgId',
    async run(h) {
      const { org, user, number } = await userWithKey(h)
      return h.call('GET', `/users/${user.userId}/PhysicalKeys/${number}?_callerOrgId=${org.orgId}`, { apiKey: org.apiKey })
    },
  },
  ...pathParamChecks(GET, async (h) => {
    const { org, user } = await userWithKey(h)
    return { path: (n) => `/users/${user.userId}/PhysicalKeys/${n}`, auth: { apiKey: org.apiKey } }
  }),
]
