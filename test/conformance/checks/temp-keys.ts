// Temp keys: seeds 004 (create-temp-key), 003 (POST /temp-keys/{uuid}/open), 002 (use-temp-key), the other
// lock-scoped temp-key commands, the list, and the guest pages.
import { type Check, HOUR, iso, NOW } from '../harness'
import { pathParamChecks, requestChecks } from '../request-cases'
import { BROWSER, has, JSON_CLIENT, keyHolderLock, orgLock, tempKey, tempKeyBody } from './fixtures'

const CREATE = 'POST /locks/{id}/create-temp-key'
const UPDATE = 'POST /locks/{id}/update-temp-key'
const DELETE = 'POST /locks/{id}/delete-temp-key'
const LIST = 'GET /locks/{id}/temp-keys'
const USE = 'POST /locks/{id}/use-temp-key'
const OPEN = 'POST /temp-keys/{uuid}/open'
const PAGE = 'GET /temp-keys/{uuid}'
const CONFIRMATION = 'GET /temp-keys/{uuid}/confirmation'

export const tempKeyChecks: Check[] = [
  // --- create-temp-key (seed 004)
  {
    op: CREATE,
    name: "the lock's org creates a public key",
    kind: 'success',
    status: 200,
    async run(h) {
      const { org, lock } = await orgLock(h)
      return h.call('POST', `/locks/${lock.lockId}/create-temp-key`, { apiKey: org.apiKey, body: tempKeyBody() })
    },
    verify: (res) => [
      ...has(res.json?.event?.type === 'TempKeyCreated', `event.type ${res.json?.event?.type}`),
      ...has(res.json?.event?.data?.tempKeyUuid === res.json?.tempKeyUuid, 'tempKeyUuid differs from event.data.tempKeyUuid'),
    ],
  },
  {
    op: CREATE,
    name: 'both headers, as the seed page sends them',
    kind: 'success',
    status: 200,
    async run(h) {
      const { org, lock } = await orgLock(h)
      const staff = await h.user()
      return h.call('POST', `/locks/${lock.lockId}/create-temp-key`, { apiKey: org.apiKey, token: staff.token, body: tempKeyBody() })
    },
    verify: (res) => has(typeof res.json?.event?.data?.createdBy === 'string', 'TempKeyCreated without createdBy'),
  },
  {
    op: CREATE,
    name: 'the lock owner (B2C) creates a user-whitelist key',
    kind: 'success',
    status: 200,
    async run(h) {
      const owner = await h.user()
      const guest = await h.user()
      const { lock } = await orgLock(h, { owner })
      const body = tempKeyBody({ accessMode: 'user-whitelist', allowedUserIds: [guest.userId] })
      return h.call('POST', `/locks/${lock.lockId}/create-temp-key`, { token: owner.token, body })
    },
  },
  {
    op: CREATE,
    name: 'validUntil before validFrom',
    kind: 'error',
    status: 400,
    async run(h) {
      const { org, lock } = await orgLock(h)
      const body = tempKeyBody({ validFrom: iso(NOW + 2 * HOUR), validUntil: iso(NOW + HOUR) })
      return h.call('POST', `/locks/${lock.lockId}/create-temp-key`, { apiKey: org.apiKey, body })
    },
  },
  {
    op: CREATE,
    name: 'no credentials',
    kind: 'error',
    status: 401,
    async run(h) {
      const { lock } = await orgLock(h)
      return h.call('POST', `/locks/${lock.lockId}/create-temp-key`, { body: tempKeyBody() })
    },
  },
  {
    op: CREATE,
    name: "another org's key: not found (other tenants' locks are not revealed)",
    kind: 'error',
    status: 404,
    async run(h) {
      const { lock } = await orgLock(h)
      const other = await h.org()
      return h.call('POST', `/locks/${lock.lockId}/create-temp-key`, { apiKey: other.apiKey, body: tempKeyBody() })
    },
  },
  {
    op: CREATE,
    name: 'a key holder (B2C), who may open but not manage the lock',
    kind: 'error',
    status: 403,
    async run(h) {
      const { lock, holder } = await keyHolderLock(h)
      return h.call('POST', `/locks/${lock.lockId}/create-temp-key`, { token: holder.token, body: tempKeyBody() })
    },
  },
  {
    op: CREATE,
    name: 'unknown lock (super key)',
    kind: 'error',
    status: 404,
    async run(h) {
      const admin = await h.superOrg()
      return h.call('POST', '/locks/999999/create-temp-key', { apiKey: admin.apiKey, body: tempKeyBody() })
    },
  },
  {
    op: CREATE,
    name: 'a tempKeyUuid already used',
    kind: 'error',
    status: 409,
    async run(h) {
      const { org, lock, body } = await tempKey(h)
      return h.call('POST', `/locks/${lock.lockId}/create-temp-key`, { apiKey: org.apiKey, body: { ...body } })
    },
  },
  ...requestChecks({
    op: CREATE,
    okStatus: 200,
    async setup(h) {
      const { org, lock } = await orgLock(h)
      const guest = await h.user()
      return {
        path: `/locks/${lock.lockId}/create-temp-key`,
        auth: { apiKey: org.apiKey },
        body: { ...tempKeyBody(), allowedUserIds: [guest.userId] },
        extra: { guest: guest.userId },
      }
    },
    // A user-whitelist key needs someone on its list.
    adjust: (field, value, body, target) =>
      field === 'accessMode' && value === 'user-whitelist' ? { ...body, allowedUserIds: [String(target.extra?.guest)] } : body,
  }),
  ...pathParamChecks(CREATE, async (h) => {
    const admin = await h.superOrg()
    return { path: (id) => `/locks/${id}/create-temp-key`, auth: { apiKey: admin.apiKey }, body: tempKeyBody() }
  }),

  // --- update-temp-key
  {
    op: UPDATE,
    name: "the lock's org extends a key",
    kind: 'success',
    status: 200,
    async run(h) {
      const { org, lock, uuid } = await tempKey(h)
      return h.call('POST', `/locks/${lock.lockId}/update-temp-key`, {
        apiKey: org.apiKey,
        body: { tempKeyUuid: uuid, validUntil: iso(NOW + 48 * HOUR), maxUses: 10 },
      })
    },
    verify: (res) => has(res.json?.event?.type === 'TempKeyUpdated', `event.type ${res.json?.event?.type}`),
  },
  {
    op: UPDATE,
    name: 'unknown temp key',
    kind: 'error',
    status: 404,
    async run(h) {
      const { org, lock } = await orgLock(h)
      return h.call('POST', `/locks/${lock.lockId}/update-temp-key`, {
        apiKey: org.apiKey,
        body: { tempKeyUuid: crypto.randomUUID(), maxUses: 3 },
      })
    },
  },
  {
    op: UPDATE,
    name: 'validUntil moved before validFrom',
    kind: 'error',
    status: 400,
    async run(h) {
      const { org, lock, uuid } = await tempKey(h)
      return h.call('POST', `/locks/${lock.lockId}/update-temp-key`, {
        apiKey: org.apiKey,
        body: { tempKeyUuid: uuid, validUntil: iso(NOW - 2 * HOUR) },
      })
    },
  },
  {
    op: UPDATE,
    name: 'no credentials',
    kind: 'error',
    status: 401,
    async run(h) {
      const { lock, uuid } = await tempKey(h)
      return h.call('POST', `/locks/${lock.lockId}/update-temp-key`, { body: { tempKeyUuid: uuid, maxUses: 3 } })
    },
  },
  {
    op: UPDATE,
    name: "another org's key: not found (other tenants' locks are not revealed)",
    kind: 'error',
    status: 404,
    async run(h) {
      const { lock, uuid } = await tempKey(h)
      const other = await h.org()
      return h.call('POST', `/locks/${lock.lockId}/update-temp-key`, { apiKey: other.apiKey, body: { tempKeyUuid: uuid, maxUses: 3 } })
    },
  },
  {
    op: UPDATE,
    name: 'a key holder (B2C), who may open but not manage the lock',
    kind: 'error',
    status: 403,
    async run(h) {
      const { org, lock, holder } = await keyHolderLock(h)
      const { uuid } = await tempKey(h, { org, lock })
      return h.call('POST', `/locks/${lock.lockId}/update-temp-key`, { token: holder.token, body: { tempKeyUuid: uuid, maxUses: 3 } })
    },
  },
  ...requestChecks({
    op: UPDATE,
    okStatus: 200,
    async setup(h) {
      const { org, lock, uuid, body } = await tempKey(h)
      const guest = await h.user()
      return {
        path: `/locks/${lock.lockId}/update-temp-key`,
        auth: { apiKey: org.apiKey },
        body: {
          tempKeyUuid: uuid,
          validFrom: body.validFrom,
          validUntil: iso(NOW + 48 * HOUR),
          maxUses: 7,
          allowedUserIds: [guest.userId],
          accessMode: 'public',
        },
        extra: { guest: guest.userId },
      }
    },
    adjust: (field, value, body, target) =>
      field === 'accessMode' && value === 'user-whitelist' ? { ...body, allowedUserIds: [String(target.extra?.guest)] } : body,
    // A well-formed tempKeyUuid that names no key of this lock.
    acceptedStatus: (field) => (field === 'tempKeyUuid' ? 404 : undefined),
  }),

  // --- delete-temp-key
  {
    op: DELETE,
    name: "the lock's org deletes a key",
    kind: 'success',
    status: 200,
    async run(h) {
      const { org, lock, uuid } = await tempKey(h)
      return h.call('POST', `/locks/${lock.lockId}/delete-temp-key`, { apiKey: org.apiKey, body: { tempKeyUuid: uuid } })
    },
    verify: (res) => has(res.json?.event?.type === 'TempKeyDeleted', `event.type ${res.json?.event?.type}`),
  },
  {
    op: DELETE,
    name: 'unknown temp key',
    kind: 'error',
    status: 404,
    async run(h) {
      const { org, lock } = await orgLock(h)
      return h.call('POST', `/locks/${lock.lockId}/delete-temp-key`, { apiKey: org.apiKey, body: { tempKeyUuid: crypto.randomUUID() } })
    },
  },
  {
    op: DELETE,
    name: 'no credentials',
    kind: 'error',
    status: 401,
    async run(h) {
      const { lock, uuid } = await tempKey(h)
      return h.call('POST', `/locks/${lock.lockId}/delete-temp-key`, { body: { tempKeyUuid: uuid } })
    },
  },
  {
    op: DELETE,
    name: "another org's key: not found (other tenants' locks are not revealed)",
    kind: 'error',
    status: 404,
    async run(h) {
      const { lock, uuid } = await tempKey(h)
      const other = await h.org()
      return h.call('POST', `/locks/${lock.lockId}/delete-temp-key`, { apiKey: other.apiKey, body: { tempKeyUuid: uuid } })
    },
  },
  {
    op: DELETE,
    name: 'a key holder (B2C), who may open but not manage the lock',
    kind: 'error',
    status: 403,
    async run(h) {
      const { org, lock, holder } = await keyHolderLock(h)
      const { uuid } = await tempKey(h, { org, lock })
      return h.call('POST', `/locks/${lock.lockId}/delete-temp-key`, { token: holder.token, body: { tempKeyUuid: uuid } })
    },
  },
  ...requestChecks({
    op: DELETE,
    okStatus: 200,
    async setup(h) {
      const { org, lock, uuid } = await tempKey(h)
      return { path: `/locks/${lock.lockId}/delete-temp-key`, auth: { apiKey: org.apiKey }, body: { tempKeyUuid: uuid } }
    },
  }),

  // --- GET /locks/{id}/temp-keys
  {
    op: LIST,
    name: "the lock's org lists keys with their computed status",
    kind: 'success',
    status: 200,
    async run(h) {
      const { org, lock } = await tempKey(h)
      return h.call('GET', `/locks/${lock.lockId}/temp-keys`, { apiKey: org.apiKey })
    },
    verify: (res) => has(res.json?.tempKeys?.[0]?.status === 'valid', `status ${res.json?.tempKeys?.[0]?.status}, expected valid`),
  },
  {
    op: LIST,
    name: 'unknown lock (super key)',
    kind: 'error',
    status: 404,
    async run(h) {
      const admin = await h.superOrg()
      return h.call('GET', '/locks/999999/temp-keys', { apiKey: admin.apiKey })
    },
  },
  {
    op: LIST,
    name: 'no credentials',
    kind: 'error',
    status: 401,
    async run(h) {
      const { lock } = await orgLock(h)
      return h.call('GET', `/locks/${lock.lockId}/temp-keys`)
    },
  },
  {
    op: LIST,
    name: "another org's key: not found (other tenants' locks are not revealed)",
    kind: 'error',
    status: 404,
    async run(h) {
      const { lock } = await tempKey(h)
      const other = await h.org()
      return h.call('GET', `/locks/${lock.lockId}/temp-keys`, { apiKey: other.apiKey })
    },
  },
  {
    op: LIST,
    name: 'a key holder (B2C), who may open but not manage the lock',
    kind: 'error',
    status: 403,
    async run(h) {
      const { lock, holder } = await keyHolderLock(h)
      return h.call('GET', `/locks/${lock.lockId}/temp-keys`, { token: holder.token })
    },
  },
  ...pathParamChecks(LIST, async (h) => {
    const admin = await h.superOrg()
    return { path: (id) => `/locks/${id}/temp-keys`, auth: { apiKey: admin.apiKey } }
  }),

  // --- use-temp-key (seed 002)
  {
    op: USE,
    name: "the lock's org records a use",
    kind: 'success',
    status: 200,
    async run(h) {
      const { org, lock, uuid } = await tempKey(h)
      return h.call('POST', `/locks/${lock.lockId}/use-temp-key`, { apiKey: org.apiKey, body: { tempKeyUuid: uuid } })
    },
    verify: (res) => [
      ...has(res.json?.event?.type === 'TempKeyUsed', `event.type ${res.json?.event?.type}`),
      ...has(res.json?.event?.data?.usedCount === 1, `usedCount ${res.json?.event?.data?.usedCount}, expected 1`),
    ],
  },
  {
    op: USE,
    name: 'both headers, as the seed page sends them',
    kind: 'success',
    status: 200,
    async run(h) {
      const { org, lock, uuid } = await tempKey(h)
      const staff = await h.user()
      return h.call('POST', `/locks/${lock.lockId}/use-temp-key`, {
        apiKey: org.apiKey,
        token: staff.token,
        body: { tempKeyUuid: uuid, userId: staff.userId },
      })
    },
  },
  {
    op: USE,
    name: 'unknown temp key',
    kind: 'error',
    status: 404,
    async run(h) {
      const { org, lock } = await orgLock(h)
      return h.call('POST', `/locks/${lock.lockId}/use-temp-key`, { apiKey: org.apiKey, body: { tempKeyUuid: crypto.randomUUID() } })
    },
  },
  {
    op: USE,
    name: 'a key that is used up',
    kind: 'error',
    status: 400,
    async run(h) {
      const { org, lock, uuid } = await tempKey(h, { body: { maxUses: 1 } })
      await h.call('POST', `/locks/${lock.lockId}/use-temp-key`, { apiKey: org.apiKey, body: { tempKeyUuid: uuid } })
      return h.call('POST', `/locks/${lock.lockId}/use-temp-key`, { apiKey: org.apiKey, body: { tempKeyUuid: uuid } })
    },
  },
  {
    op: USE,
    name: 'no credentials',
    kind: 'error',
    status: 401,
    async run(h) {
      const { lock, uuid } = await tempKey(h)
      return h.call('POST', `/locks/${lock.lockId}/use-temp-key`, { body: { tempKeyUuid: uuid } })
    },
  },
  {
    op: USE,
    name: "another org's key: not found (other tenants' locks are not revealed)",
    kind: 'error',
    status: 404,
    async run(h) {
      const { lock, uuid } = await tempKey(h)
      const other = await h.org()
      return h.call('POST', `/locks/${lock.lockId}/use-temp-key`, { apiKey: other.apiKey, body: { tempKeyUuid: uuid } })
    },
  },
  {
    op: USE,
    name: 'the lock owner (B2C): only an org key records a use',
    kind: 'error',
    status: 403,
    async run(h) {
      const owner = await h.user()
      const { org, lock } = await orgLock(h, { owner })
      const { uuid } = await tempKey(h, { org, lock })
      return h.call('POST', `/locks/${lock.lockId}/use-temp-key`, { token: owner.token, body: { tempKeyUuid: uuid } })
    },
  },
  ...requestChecks({
    op: USE,
    okStatus: 200,
    async setup(h) {
      const { org, lock, uuid } = await tempKey(h)
      const guest = await h.user()
      return { path: `/locks/${lock.lockId}/use-temp-key`, auth: { apiKey: org.apiKey }, body: { tempKeyUuid: uuid, userId: guest.userId } }
    },
  }),

  // --- POST /temp-keys/{uuid}/open (seed 003)
  {
    op: OPEN,
    name: 'a public key, as documented (no Accept header): redirect',
    kind: 'success',
    status: 303,
    async run(h) {
      const { uuid } = await tempKey(h)
      return h.call('POST', `/temp-keys/${uuid}/open`)
    },
  },
  {
    op: OPEN,
    name: 'a public key from a browser: redirect back to the temp key page',
    kind: 'success',
    status: 303,
    async run(h) {
      const { uuid } = await tempKey(h)
      return h.call('POST', `/temp-keys/${uuid}/open`, { headers: BROWSER })
    },
    verify: (res) => has((res.headers.get('location') ?? '').includes('/temp-keys/'), `location ${res.headers.get('location')}`),
  },
  {
    op: OPEN,
    name: 'a device offline: redirect to the confirmation page with offline=true',
    kind: 'success',
    status: 303,
    async run(h) {
      const { uuid } = await tempKey(h)
      h.driver.mode = 'offline'
      return h.call('POST', `/temp-keys/${uuid}/open`, { headers: BROWSER })
    },
    verify: (res) => has(/\/confirmation\?offline=true/.test(res.headers.get('location') ?? ''), `location ${res.headers.get('location')}`),
  },
  {
    op: OPEN,
    name: 'as curl sends it (Accept: */*): redirect',
    kind: 'success',
    status: 303,
    async run(h) {
      const { uuid } = await tempKey(h)
      return h.call('POST', `/temp-keys/${uuid}/open`, { headers: { accept: '*/*' } })
    },
  },
  {
    op: OPEN,
    name: 'a whitelisted user (JWT), JSON client',
    kind: 'success',
    status: 200,
    async run(h) {
      const guest = await h.user()
      const { uuid } = await tempKey(h, { body: { accessMode: 'user-whitelist', allowedUserIds: [guest.userId] } })
      return h.call('POST', `/temp-keys/${uuid}/open`, { token: guest.token, headers: JSON_CLIENT })
    },
    verify: (res) => has(typeof res.json?.event?.data?.userId === 'string', 'TempKeyUsed without the opening userId'),
  },
  {
    op: OPEN,
    name: 'a JSON client: the command envelope',
    kind: 'success',
    status: 200,
    async run(h) {
      const { uuid } = await tempKey(h)
      return h.call('POST', `/temp-keys/${uuid}/open`, { headers: JSON_CLIENT })
    },
    verify: (res) => [
      ...has(res.json?.success === true, 'success is not true'),
      ...has(res.json?.event?.type === 'TempKeyUsed', `event.type ${res.json?.event?.type}`),
    ],
  },
  {
    op: OPEN,
    name: 'a key not yet valid',
    kind: 'error',
    status: 400,
    async run(h) {
      const { uuid } = await tempKey(h, { body: { validFrom: iso(NOW + HOUR), validUntil: iso(NOW + 2 * HOUR) } })
      return h.call('POST', `/temp-keys/${uuid}/open`, { headers: JSON_CLIENT })
    },
  },
  {
    op: OPEN,
    name: 'an expired key',
    kind: 'error',
    status: 400,
    async run(h) {
      const { uuid } = await tempKey(h)
      h.clock.set(NOW + 25 * HOUR)
      return h.call('POST', `/temp-keys/${uuid}/open`, { headers: JSON_CLIENT })
    },
  },
  {
    op: OPEN,
    name: 'a used-up key',
    kind: 'error',
    status: 400,
    async run(h) {
      const { uuid } = await tempKey(h, { body: { maxUses: 1 } })
      await h.call('POST', `/temp-keys/${uuid}/open`, { headers: JSON_CLIENT })
      return h.call('POST', `/temp-keys/${uuid}/open`, { headers: JSON_CLIENT })
    },
  },
  {
    op: OPEN,
    name: 'a deleted key',
    kind: 'error',
    status: 400,
    async run(h) {
      const { org, lock, uuid } = await tempKey(h)
      await h.call('POST', `/locks/${lock.lockId}/delete-temp-key`, { apiKey: org.apiKey, body: { tempKeyUuid: uuid } })
      return h.call('POST', `/temp-keys/${uuid}/open`, { headers: JSON_CLIENT })
    },
  },
  {
    op: OPEN,
    name: 'a user-whitelist key, user not on the list',
    kind: 'error',
    status: 403,
    async run(h) {
      const [guest, stranger] = [await h.user(), await h.user()]
      const { uuid } = await tempKey(h, { body: { accessMode: 'user-whitelist', allowedUserIds: [guest.userId] } })
      return h.call('POST', `/temp-keys/${uuid}/open`, { token: stranger.token, headers: JSON_CLIENT })
    },
  },
  {
    op: OPEN,
    name: 'unknown key',
    kind: 'error',
    status: 404,
    run: (h) => h.call('POST', `/temp-keys/${crypto.randomUUID()}/open`, { headers: JSON_CLIENT }),
  },
  {
    op: OPEN,
    name: 'the lock driver fails: no use spent',
    kind: 'error',
    status: 502,
    async run(h) {
      const { org, lock, uuid } = await tempKey(h)
      h.driver.mode = 'failure'
      const res = await h.call('POST', `/temp-keys/${uuid}/open`, { headers: JSON_CLIENT })
      const list = await h.call('GET', `/locks/${lock.lockId}/temp-keys`, { apiKey: org.apiKey })
      return { ...res, json: { ...res.json, usedCountAfter: list.json?.tempKeys?.[0]?.usedCount } }
    },
    verify: (res) => has(res.json?.usedCountAfter === 0, `usedCount ${res.json?.usedCountAfter} after a failed open, expected 0`),
  },

  // --- guest pages
  {
    op: PAGE,
    name: 'a public key page',
    kind: 'success',
    status: 200,
    async run(h) {
      const { uuid } = await tempKey(h)
      return h.call('GET', `/temp-keys/${uuid}`, { headers: BROWSER })
    },
  },
  {
    op: PAGE,
    name: 'unknown key (browser)',
    kind: 'error',
    status: 404,
    run: (h) => h.call('GET', `/temp-keys/${crypto.randomUUID()}`, { headers: BROWSER }),
  },
  {
    op: PAGE,
    name: 'unknown key (no Accept header): still the documented text/html',
    kind: 'error',
    status: 404,
    run: (h) => h.call('GET', `/temp-keys/${crypto.randomUUID()}`),
  },
  {
    op: CONFIRMATION,
    name: 'confirmation page after an offline open',
    kind: 'success',
    status: 200,
    async run(h) {
      const { uuid } = await tempKey(h)
      return h.call('GET', `/temp-keys/${uuid}/confirmation?offline=true`, { headers: BROWSER })
    },
  },
  {
    op: CONFIRMATION,
    name: 'unknown key (browser)',
    kind: 'error',
    status: 404,
    run: (h) => h.call('GET', `/temp-keys/${crypto.randomUUID()}/confirmation`, { headers: BROWSER }),
  },
]
