// Collective keys, entrance-panel PINs and the unified /temp-keys resource (docs §3.1, added after the crawl): create
// at both addresses, list, revoke, the guest pages, a door's open, and open-with-pin; single (lock-scoped) keys through
// the unified endpoints (listed, revoked, opened as a key with one door).
import { type Check, HOUR, type Harness, iso, type Lock, NOW, type Org } from '../harness'
import { pathParamChecks, requestChecks } from '../request-cases'
import { BROWSER, has, JSON_CLIENT, keyHolderLock, orgLock, tempKey } from './fixtures'

const CREATE = 'POST /temp-keys'
const CREATE_ALIAS = 'POST /collective-temp-keys'
const LIST = 'GET /temp-keys'
const REVOKE = 'DELETE /temp-keys/{uuid}'
const REVOKE_ALIAS = 'DELETE /collective-temp-keys/{uuid}'
const PAGE = 'GET /collective-temp-keys/{uuid}'
const CONFIRMATION = 'GET /collective-temp-keys/{uuid}/confirmation'
const DOOR_OPEN = 'POST /temp-keys/{uuid}/doors/{doorId}/open'
const DOOR_OPEN_ALIAS = 'POST /collective-temp-keys/{uuid}/doors/{doorId}/open'
const PIN_OPEN = 'POST /locks/{id}/open-with-pin'

type Method = 'key' | 'code' | 'both'

const keyBody = (locks: { lock: Lock; accessMethod: Method }[], window: { from?: number; until?: number } = {}) => ({
  validFrom: iso(window.from ?? NOW - HOUR),
  validUntil: iso(window.until ?? NOW + 24 * HOUR),
  description: 'Conformance flat',
  doors: locks.map(({ lock, accessMethod }, i) => ({ lockId: String(lock.lockId), label: `Door ${i + 1}`, accessMethod })),
})

// A key of an org over two of its locks: door 1 by PIN only, door 2 by slide or PIN.
async function collectiveKey(
  h: Harness,
  window: { from?: number; until?: number } = {},
): Promise<{ org: Org; entrance: Lock; flat: Lock; uuid: string; pin: string }> {
  const { org, lock: entrance } = await orgLock(h)
  const flat = await h.lock({ org })
  const body = keyBody(
    [
      { lock: entrance, accessMethod: 'code' },
      { lock: flat, accessMethod: 'both' },
    ],
    window,
  )
  const res = await h.call('POST', '/temp-keys', { apiKey: org.apiKey, body })
  if (res.status !== 201) throw new Error(`fixture POST /temp-keys answered ${res.status}: ${res.text}`)
  return { org, entrance, flat, uuid: res.json.uuid, pin: res.json.pin }
}

// Each PIN check from its own client address: one check's failures never throttle another's.
const panel = () => ({ ...JSON_CLIENT, 'x-forwarded-for': `203.0.113.${Math.floor(Math.random() * 250) + 1}` })

function createChecks(op: string, path: string): Check[] {
  return [
    {
      op,
      name: "the locks' org creates a key over two doors, one by PIN",
      kind: 'success',
      status: 201,
      async run(h) {
        const { org, lock } = await orgLock(h)
        const flat = await h.lock({ org })
        const body = keyBody([
          { lock, accessMethod: 'code' },
          { lock: flat, accessMethod: 'key' },
        ])
        return h.call('POST', path, { apiKey: org.apiKey, body })
      },
      verify: (res) => [
        ...has(/^\d{6}$/.test(String(res.json?.pin)), `pin ${res.json?.pin}`),
        ...has(res.json?.url === `${path}/${res.json?.uuid}`, `url ${res.json?.url}`),
        ...has(res.json?.doors?.[1]?.accessMethod === 'key', 'second door'),
      ],
    },
    {
      op,
      name: 'the lock owner (B2C) creates a slide-only key: pin null',
      kind: 'success',
      status: 201,
      async run(h) {
        const owner = await h.user()
        const { lock } = await orgLock(h, { owner })
        return h.call('POST', path, { token: owner.token, body: keyBody([{ lock, accessMethod: 'key' }]) })
      },
      verify: (res) => has(res.json?.pin === null, `pin ${res.json?.pin}`),
    },
    {
      op,
      name: 'no credentials',
      kind: 'error',
      status: 401,
      async run(h) {
        const { lock } = await orgLock(h)
        return h.call('POST', path, { body: keyBody([{ lock, accessMethod: 'key' }]) })
      },
    },
    {
      op,
      name: 'a key holder is not authorized for the lock',
      kind: 'error',
      status: 403,
      async run(h) {
        const { lock, holder } = await keyHolderLock(h)
        return h.call('POST', path, { token: holder.token, body: keyBody([{ lock, accessMethod: 'key' }]) })
      },
    },
    {
      op,
      name: 'one of the locks does not exist',
      kind: 'error',
      status: 404,
      async run(h) {
        const { org, lock } = await orgLock(h)
        const missing = { lockId: 999_999_999, uuid: '', orgId: null, ownerId: null }
        const body = keyBody([
          { lock, accessMethod: 'key' },
          { lock: missing, accessMethod: 'key' },
        ])
        return h.call('POST', path, { apiKey: org.apiKey, body })
      },
    },
    ...requestChecks({
      op,
      okStatus: 201,
      async setup(h) {
        const { org, lock } = await orgLock(h)
        return { path, auth: { apiKey: org.apiKey }, body: keyBody([{ lock, accessMethod: 'both' }]) }
      },
    }),
  ]
}

function revokeChecks(op: string, path: string): Check[] {
  return [
    {
      op,
      name: "the locks' org revokes a key",
      kind: 'success',
      status: 200,
      async run(h) {
        const { org, uuid } = await collectiveKey(h)
        return h.call('DELETE', `${path}/${uuid}`, { apiKey: org.apiKey })
      },
      verify: (res) => has(res.json?.alreadyRevoked === false, `alreadyRevoked ${res.json?.alreadyRevoked}`),
    },
    {
      op,
      name: 'no credentials',
      kind: 'error',
      status: 401,
      async run(h) {
        const { uuid } = await collectiveKey(h)
        return h.call('DELETE', `${path}/${uuid}`)
      },
    },
    {
      op,
      name: "the owner of one of the key's locks only",
      kind: 'error',
      status: 403,
      async run(h) {
        const owner = await h.user()
        const { lock: mine } = await orgLock(h, { owner })
        const { lock: theirs } = await orgLock(h)
        const admin = await h.superOrg()
        const body = keyBody([
          { lock: mine, accessMethod: 'key' },
          { lock: theirs, accessMethod: 'key' },
        ])
        const created = await h.call('POST', '/temp-keys', { apiKey: admin.apiKey, body })
        return h.call('DELETE', `${path}/${created.json?.uuid}`, { token: owner.token })
      },
    },
    {
      op,
      name: 'unknown key',
      kind: 'error',
      status: 404,
      async run(h) {
        const org = await h.org()
        return h.call('DELETE', `${path}/${crypto.randomUUID()}`, { apiKey: org.apiKey })
      },
    },
  ]
}

function doorOpenChecks(op: string, base: string): Check[] {
  return [
    {
      op,
      name: 'a slide door inside the window: 303 to the confirmation',
      kind: 'success',
      status: 303,
      async run(h) {
        const { uuid } = await collectiveKey(h)
        return h.call('POST', `${base}/${uuid}/doors/2/open`)
      },
      verify: (res) =>
        has(/\/confirmation\?door=2&offline=false$/.test(res.headers.get('location') ?? ''), `location ${res.headers.get('location')}`),
    },
    {
      op,
      name: 'a code-only door',
      kind: 'error',
      status: 400,
      async run(h) {
        const { uuid } = await collectiveKey(h)
        return h.call('POST', `${base}/${uuid}/doors/1/open`, { headers: JSON_CLIENT })
      },
    },
    {
      op,
      name: 'outside the validity window',
      kind: 'error',
      status: 400,
      async run(h) {
        const { uuid } = await collectiveKey(h, { from: NOW - 48 * HOUR, until: NOW - 24 * HOUR })
        return h.call('POST', `${base}/${uuid}/doors/2/open`, { headers: JSON_CLIENT })
      },
    },
    {
      op,
      name: 'unknown door',
      kind: 'error',
      status: 404,
      async run(h) {
        const { uuid } = await collectiveKey(h)
        return h.call('POST', `${base}/${uuid}/doors/3/open`, { headers: JSON_CLIENT })
      },
    },
    {
      op,
      name: 'unknown key',
      kind: 'error',
      status: 404,
      run: (h) => h.call('POST', `${base}/${crypto.randomUUID()}/doors/1/open`, { headers: JSON_CLIENT }),
    },
    ...pathParamChecks(op, async (h) => {
      const { uuid } = await collectiveKey(h)
      return { path: (id) => `${base}/${uuid}/doors/${id}/open`, auth: { headers: JSON_CLIENT } }
    }),
  ]
}

// A single key through the unified resource's revocation (DELETE /temp-keys/{uuid} only: the alias is collective-only).
const singleRevokeChecks: Check[] = [
  {
    op: REVOKE,
    name: "the lock's org revokes a single key",
    kind: 'success',
    status: 200,
    async run(h) {
      const { org, uuid } = await tempKey(h)
      return h.call('DELETE', `/temp-keys/${uuid}`, { apiKey: org.apiKey })
    },
    verify: (res) => has(res.json?.alreadyRevoked === false, `alreadyRevoked ${res.json?.alreadyRevoked}`),
  },
  {
    op: REVOKE,
    name: 'a single key revoked before: alreadyRevoked',
    kind: 'success',
    status: 200,
    async run(h) {
      const { org, uuid } = await tempKey(h)
      await h.call('DELETE', `/temp-keys/${uuid}`, { apiKey: org.apiKey })
      return h.call('DELETE', `/temp-keys/${uuid}`, { apiKey: org.apiKey })
    },
    verify: (res) => has(res.json?.alreadyRevoked === true, `alreadyRevoked ${res.json?.alreadyRevoked}`),
  },
  {
    op: REVOKE,
    name: "a key holder of a single key's lock",
    kind: 'error',
    status: 403,
    async run(h) {
      const { org, lock, holder } = await keyHolderLock(h)
      const { uuid } = await tempKey(h, { org, lock })
      return h.call('DELETE', `/temp-keys/${uuid}`, { token: holder.token })
    },
  },
  {
    op: REVOKE,
    name: "another tenant's single key",
    kind: 'error',
    status: 404,
    async run(h) {
      const { uuid } = await tempKey(h)
      const stranger = await h.org()
      return h.call('DELETE', `/temp-keys/${uuid}`, { apiKey: stranger.apiKey })
    },
  },
  {
    op: REVOKE_ALIAS,
    name: 'a single key is no collective key',
    kind: 'error',
    status: 404,
    async run(h) {
      const { org, uuid } = await tempKey(h)
      return h.call('DELETE', `/collective-temp-keys/${uuid}`, { apiKey: org.apiKey })
    },
  },
]

// A single key's one door (1) through the unified resource's door open.
const singleDoorOpenChecks: Check[] = [
  {
    op: DOOR_OPEN,
    name: "a single key's door 1: 303 to the confirmation",
    kind: 'success',
    status: 303,
    async run(h) {
      const { uuid } = await tempKey(h)
      return h.call('POST', `/temp-keys/${uuid}/doors/1/open`)
    },
    verify: (res) =>
      has(/\/confirmation\?door=1&offline=false$/.test(res.headers.get('location') ?? ''), `location ${res.headers.get('location')}`),
  },
  {
    op: DOOR_OPEN,
    name: 'a whitelisted single key and a user not on its list',
    kind: 'error',
    status: 403,
    async run(h) {
      const listed = await h.user()
      const outsider = await h.user()
      const { uuid } = await tempKey(h, { body: { accessMode: 'user-whitelist', allowedUserIds: [listed.userId] } })
      return h.call('POST', `/temp-keys/${uuid}/doors/1/open`, { token: outsider.token, headers: JSON_CLIENT })
    },
  },
  {
    op: DOOR_OPEN,
    name: 'a single key outside its validity window',
    kind: 'error',
    status: 400,
    async run(h) {
      const { uuid } = await tempKey(h, { body: { validFrom: iso(NOW + HOUR), validUntil: iso(NOW + 2 * HOUR) } })
      return h.call('POST', `/temp-keys/${uuid}/doors/1/open`, { headers: JSON_CLIENT })
    },
  },
  {
    op: DOOR_OPEN,
    name: "a single key's door 2",
    kind: 'error',
    status: 404,
    async run(h) {
      const { uuid } = await tempKey(h)
      return h.call('POST', `/temp-keys/${uuid}/doors/2/open`, { headers: JSON_CLIENT })
    },
  },
]

export const collectiveKeyChecks: Check[] = [
  ...createChecks(CREATE, '/temp-keys'),
  ...createChecks(CREATE_ALIAS, '/collective-temp-keys'),

  // --- list
  {
    op: LIST,
    name: 'every key touching a lock',
    kind: 'success',
    status: 200,
    async run(h) {
      const { org, flat } = await collectiveKey(h)
      return h.call('GET', `/temp-keys?lockId=${flat.lockId}`, { apiKey: org.apiKey })
    },
    verify: (res) => has(res.json?.tempKeys?.length === 1 && res.json.tempKeys[0].doors.length === 2, 'one key with two doors'),
  },
  {
    op: LIST,
    name: "the caller's own keys",
    kind: 'success',
    status: 200,
    async run(h) {
      const owner = await h.user()
      const { lock } = await orgLock(h, { owner })
      await h.call('POST', '/temp-keys', { token: owner.token, body: keyBody([{ lock, accessMethod: 'key' }]) })
      return h.call('GET', '/temp-keys', { token: owner.token })
    },
    verify: (res) => has(res.json?.tempKeys?.length === 1, `${res.json?.tempKeys?.length} keys`),
  },
  {
    op: LIST,
    name: 'single and collective keys touching a lock, newest first',
    kind: 'success',
    status: 200,
    async run(h) {
      const { org, flat } = await collectiveKey(h)
      h.clock.advance(1000)
      await tempKey(h, { org, lock: flat })
      return h.call('GET', `/temp-keys?lockId=${flat.lockId}`, { apiKey: org.apiKey })
    },
    verify: (res) => {
      const [single, collective] = res.json?.tempKeys ?? []
      return [
        ...has(res.json?.tempKeys?.length === 2, `${res.json?.tempKeys?.length} keys`),
        ...has(
          single?.doors?.length === 1 && single.doors[0].id === 1 && single.doors[0].accessMethod === 'key',
          `single key doors ${JSON.stringify(single?.doors)}`,
        ),
        ...has(single?.url === `/temp-keys/${single?.uuid}` && single?.revokedAt === null, `single key ${JSON.stringify(single)}`),
        ...has(collective?.doors?.length === 2, `collective key doors ${JSON.stringify(collective?.doors)}`),
      ]
    },
  },
  {
    op: LIST,
    name: "the caller's own single keys",
    kind: 'success',
    status: 200,
    async run(h) {
      const { org } = await tempKey(h)
      await tempKey(h)
      return h.call('GET', '/temp-keys', { apiKey: org.apiKey })
    },
    verify: (res) =>
      has(res.json?.tempKeys?.length === 1 && res.json.tempKeys[0].doors?.[0]?.id === 1, `own keys ${JSON.stringify(res.json?.tempKeys)}`),
  },
  { op: LIST, name: 'no credentials', kind: 'error', status: 401, run: (h) => h.call('GET', '/temp-keys') },
  {
    op: LIST,
    name: 'a key holder is not authorized for the lock',
    kind: 'error',
    status: 403,
    async run(h) {
      const { lock, holder } = await keyHolderLock(h)
      return h.call('GET', `/temp-keys?lockId=${lock.lockId}`, { token: holder.token })
    },
  },
  {
    op: LIST,
    name: 'unknown lock',
    kind: 'error',
    status: 404,
    async run(h) {
      const org = await h.org()
      return h.call('GET', '/temp-keys?lockId=999999999', { apiKey: org.apiKey })
    },
  },

  // --- revoke
  ...revokeChecks(REVOKE, '/temp-keys'),
  ...revokeChecks(REVOKE_ALIAS, '/collective-temp-keys'),
  ...singleRevokeChecks,

  // --- guest pages
  {
    op: PAGE,
    name: 'the access page',
    kind: 'success',
    status: 200,
    async run(h) {
      const { uuid } = await collectiveKey(h)
      return h.call('GET', `/collective-temp-keys/${uuid}`, { headers: BROWSER })
    },
    verify: (res) => has(res.text.includes('Door 2') && res.text.includes('/doors/2/open'), 'doors or Open button missing'),
  },
  {
    op: PAGE,
    name: 'unknown key',
    kind: 'error',
    status: 404,
    run: (h) => h.call('GET', `/collective-temp-keys/${crypto.randomUUID()}`, { headers: BROWSER }),
  },
  {
    op: CONFIRMATION,
    name: 'after an offline open of door 2',
    kind: 'success',
    status: 200,
    async run(h) {
      const { uuid } = await collectiveKey(h)
      return h.call('GET', `/collective-temp-keys/${uuid}/confirmation?door=2&offline=true`, { headers: BROWSER })
    },
    verify: (res) => has(res.text.includes('Door 2') && res.text.includes('offline'), 'door or offline note missing'),
  },
  {
    op: CONFIRMATION,
    name: 'unknown key',
    kind: 'error',
    status: 404,
    run: (h) => h.call('GET', `/collective-temp-keys/${crypto.randomUUID()}/confirmation?door=1`, { headers: BROWSER }),
  },
  ...doorOpenChecks(DOOR_OPEN, '/temp-keys'),
  ...singleDoorOpenChecks,
  ...doorOpenChecks(DOOR_OPEN_ALIAS, '/collective-temp-keys'),

  // --- open-with-pin
  {
    op: PIN_OPEN,
    name: "the key's PIN at its code door",
    kind: 'success',
    status: 200,
    async run(h) {
      const { entrance, pin } = await collectiveKey(h)
      return h.call('POST', `/locks/${entrance.lockId}/open-with-pin`, { headers: panel(), body: { pin } })
    },
    verify: (res) => has(res.json?.offline === false, `offline ${res.json?.offline}`),
  },
  {
    op: PIN_OPEN,
    name: 'a PIN of five digits',
    kind: 'error',
    status: 400,
    details: 'pin',
    async run(h) {
      const { entrance } = await collectiveKey(h)
      return h.call('POST', `/locks/${entrance.lockId}/open-with-pin`, { headers: panel(), body: { pin: '12345' } })
    },
  },
  {
    op: PIN_OPEN,
    name: 'an expired key’s PIN',
    kind: 'error',
    status: 401,
    async run(h) {
      const { entrance, pin } = await collectiveKey(h, { from: NOW - 48 * HOUR, until: NOW - 24 * HOUR })
      return h.call('POST', `/locks/${entrance.lockId}/open-with-pin`, { headers: panel(), body: { pin } })
    },
  },
  {
    op: PIN_OPEN,
    name: 'after five wrong PINs in a minute, even the right one',
    kind: 'error',
    status: 429,
    async run(h) {
      const { entrance, pin } = await collectiveKey(h)
      const headers = panel()
      const wrong = String((Number(pin) + 1) % 1_000_000).padStart(6, '0')
      for (let i = 0; i < 5; i++) await h.call('POST', `/locks/${entrance.lockId}/open-with-pin`, { headers, body: { pin: wrong } })
      return h.call('POST', `/locks/${entrance.lockId}/open-with-pin`, { headers, body: { pin } })
    },
    verify: (res) => has(Number(res.headers.get('retry-after')) > 0, `retry-after ${res.headers.get('retry-after')}`),
  },
  ...requestChecks({
    op: PIN_OPEN,
    okStatus: 200,
    async setup(h) {
      const { entrance, pin } = await collectiveKey(h)
      return { path: `/locks/${entrance.lockId}/open-with-pin`, auth: { headers: panel() }, body: { pin } }
    },
  }),
  ...pathParamChecks(PIN_OPEN, async () => ({
    path: (id) => `/locks/${id}/open-with-pin`,
    auth: { headers: panel() },
    body: { pin: '123456' },
  })),
]
