// Locks: the documented lock commands and queries (API.md §2.1).
import type { Check, Harness, Lock, Org } from '../harness'
import { pathParamChecks, requestChecks } from '../request-cases'
import { has, keyHolderLock, orgLock } from './fixtures'

const op = (name: string) => (name.startsWith('GET ') ? name : `POST /locks/{id}/${name}`)
const CREATE = op('CreateLock')
const SET_OWNER = op('SetOwner')
const SET_ORG = op('SetOrganization')
const CHANGE_UUID = op('ChangeLockUuid')
const OPEN = op('OpenLock')
const ADD_KEY = op('AddKey')
const BULK_ADD_KEYS = op('BulkAddKeys')
const REMOVE_KEY = op('RemoveKey')
const WRITE_KEY = op('WriteKey')
const ADD_RESIDENT = op('AddResident')
const REMOVE_RESIDENT = op('RemoveResident')
const BASIC = 'GET /locks/{id}/basic-info'
const DETAILS = 'GET /locks/{id}/details'
const EVENTS = 'GET /locks/{id}/events'
const RESIDENTS = 'GET /locks/{id}/residents'

let nextId = 50_000
const freshId = () => nextId++

const lockPath = (lock: Pick<Lock, 'lockId'>, command: string) => `/locks/${lock.lockId}/${command}`

// The usual checks for a command on an existing lock: no credentials (401); another org's key (404: other tenants'
// locks are not revealed); a key holder who may see but not manage the lock (403); an unknown lock (404).
type Need = 'use' | 'manage'
function accessChecks(
  key: string,
  command: string,
  body: (h: Harness, lock: Lock, org: Org) => Promise<object> | object,
  need: Need,
  skip: number[] = [],
): Check[] {
  const checks: Check[] = [
    {
      op: key,
      name: 'no credentials',
      kind: 'error',
      status: 401,
      async run(h) {
        const { org, lock } = await orgLock(h)
        return h.call('POST', lockPath(lock, command), { body: await body(h, lock, org) })
      },
    },
    {
      op: key,
      name: "another org's key: not found (other tenants' locks are not revealed)",
      kind: 'error',
      status: 404,
      async run(h) {
        const { org, lock } = await orgLock(h)
        const other = await h.org()
        return h.call('POST', lockPath(lock, command), { apiKey: other.apiKey, body: await body(h, lock, org) })
      },
    },
    {
      op: key,
      name: 'unknown lock (super key)',
      kind: 'error',
      status: 404,
      async run(h) {
        const { org, lock } = await orgLock(h)
        const admin = await h.superOrg()
        return h.call('POST', lockPath({ lockId: 999_999 }, command), { apiKey: admin.apiKey, body: await body(h, lock, org) })
      },
    },
  ]
  if (need === 'manage' && !skip.includes(403)) {
    checks.push({
      op: key,
      name: 'a key holder (B2C), who may open but not manage the lock',
      kind: 'error',
      status: 403,
      async run(h) {
        const { org, lock, holder } = await keyHolderLock(h)
        return h.call('POST', lockPath(lock, command), { token: holder.token, body: await body(h, lock, org) })
      },
    })
  }
  return checks
}

const keyBody = () => ({ keyUuid: crypto.randomUUID(), keyIndexNumber: 2 })

async function lockWithKey(h: Harness) {
  const { org, lock } = await orgLock(h)
  const body = keyBody()
  const res = await h.call('POST', lockPath(lock, 'AddKey'), { apiKey: org.apiKey, body })
  if (res.status !== 200) throw new Error(`fixture AddKey answered ${res.status}: ${res.text}`)
  return { org, lock, key: body }
}

async function lockWithResident(h: Harness) {
  const { org, lock } = await orgLock(h)
  const resident = await h.user()
  const res = await h.call('POST', lockPath(lock, 'AddResident'), { apiKey: org.apiKey, body: { email: resident.email, name: 'Resident' } })
  if (res.status !== 200) throw new Error(`fixture AddResident answered ${res.status}: ${res.text}`)
  return { org, lock, resident }
}

const getChecks = (key: string, suffix: string, options: { public?: boolean; need?: Need } = {}): Check[] => [
  {
    op: key,
    name: "the lock's org reads it",
    kind: 'success',
    status: 200,
    async run(h) {
      const { org, lock } = await lockWithResident(h)
      return h.call('GET', lockPath(lock, suffix), { apiKey: org.apiKey })
    },
  },
  {
    op: key,
    name: 'unknown lock (super key)',
    kind: 'error',
    status: 404,
    async run(h) {
      const admin = await h.superOrg()
      return h.call('GET', lockPath({ lockId: 999_999 }, suffix), { apiKey: admin.apiKey })
    },
  },
  ...(options.public
    ? [
        {
          op: key,
          name: 'without credentials (documented as public)',
          kind: 'success' as const,
          status: 200,
          async run(h: Harness) {
            const { lock } = await lockWithResident(h)
            return h.call('GET', lockPath(lock, suffix))
          },
        },
      ]
    : [
        {
          op: key,
          name: 'no credentials',
          kind: 'error' as const,
          status: 401,
          async run(h: Harness) {
            const { lock } = await orgLock(h)
            return h.call('GET', lockPath(lock, suffix))
          },
        },
        {
          op: key,
          name: "another org's key: not found (other tenants' locks are not revealed)",
          kind: 'error' as const,
          status: 404,
          async run(h: Harness) {
            const { lock } = await orgLock(h)
            const other = await h.org()
            return h.call('GET', lockPath(lock, suffix), { apiKey: other.apiKey })
          },
        },
      ]),
  ...(options.need === 'manage'
    ? [
        {
          op: key,
          name: 'a key holder (B2C), who may open but not manage the lock',
          kind: 'error' as const,
          status: 403,
          async run(h: Harness) {
            const { lock, holder } = await keyHolderLock(h)
            return h.call('GET', lockPath(lock, suffix), { token: holder.token })
          },
        },
      ]
    : []),
  ...pathParamChecks(key, async (h) => {
    const admin = await h.superOrg()
    return { path: (id) => `/locks/${id}/${suffix}`, auth: { apiKey: admin.apiKey } }
  }),
]

export const lockChecks: Check[] = [
  // --- CreateLock
  {
    op: CREATE,
    name: 'an org key creates a lock for its organisation',
    kind: 'success',
    status: 201,
    async run(h) {
      const org = await h.org()
      const id = freshId()
      return h.call('POST', `/locks/${id}/CreateLock`, { apiKey: org.apiKey, body: { index: id, uuid: crypto.randomUUID() } })
    },
    verify: (res) => has(res.json?.event?.type === 'LockCreated', `event.type ${res.json?.event?.type}`),
  },
  {
    op: CREATE,
    name: 'the same lock again: idempotent, event null',
    kind: 'success',
    status: 200,
    async run(h) {
      const org = await h.org()
      const id = freshId()
      const body = { index: id, uuid: crypto.randomUUID() }
      await h.call('POST', `/locks/${id}/CreateLock`, { apiKey: org.apiKey, body })
      return h.call('POST', `/locks/${id}/CreateLock`, { apiKey: org.apiKey, body })
    },
    verify: (res) => has(res.json?.event === null, `event ${JSON.stringify(res.json?.event)}, expected null`),
  },
  {
    op: CREATE,
    name: 'a user (B2C) creates a lock they own',
    kind: 'success',
    status: 201,
    async run(h) {
      const user = await h.user()
      const id = freshId()
      return h.call('POST', `/locks/${id}/CreateLock`, { token: user.token, body: { index: id, uuid: crypto.randomUUID() } })
    },
  },
  {
    op: CREATE,
    name: 'a lock id another tenant holds: conflict, nothing revealed about it',
    kind: 'error',
    status: 409,
    async run(h) {
      const { lock } = await orgLock(h)
      const other = await h.org()
      return h.call('POST', `/locks/${lock.lockId}/CreateLock`, {
        apiKey: other.apiKey,
        body: { index: lock.lockId, uuid: crypto.randomUUID() },
      })
    },
  },
  {
    op: CREATE,
    name: 'no credentials',
    kind: 'error',
    status: 401,
    async run(h) {
      const id = freshId()
      return h.call('POST', `/locks/${id}/CreateLock`, { body: { index: id, uuid: crypto.randomUUID() } })
    },
  },
  ...requestChecks({
    op: CREATE,
    okStatus: 201,
    async setup(h) {
      const org = await h.org()
      const owner = await h.user()
      const id = freshId()
      return {
        path: `/locks/${id}/CreateLock`,
        auth: { apiKey: org.apiKey },
        body: {
          index: id,
          uuid: crypto.randomUUID(),
          serialNumber: 'SN-1',
          vendorName: 'Acme Locks',
          ownerId: owner.userId,
          keys: [{ uuid: crypto.randomUUID(), indexNumber: 1, userId: owner.userId }],
        },
      }
    },
  }),
  ...pathParamChecks(CREATE, async (h) => {
    const org = await h.org()
    return { path: (id) => `/locks/${id}/CreateLock`, auth: { apiKey: org.apiKey }, body: { index: 1, uuid: crypto.randomUUID() } }
  }),

  // --- SetOwner / SetOrganization
  {
    op: SET_OWNER,
    name: "the lock's org sets the owner",
    kind: 'success',
    status: 200,
    async run(h) {
      const { org, lock } = await orgLock(h)
      const owner = await h.user()
      return h.call('POST', lockPath(lock, 'SetOwner'), { apiKey: org.apiKey, body: { userId: owner.userId } })
    },
    verify: (res) => has(res.json?.event?.type === 'OwnerSet', `event.type ${res.json?.event?.type}`),
  },
  ...accessChecks(SET_OWNER, 'SetOwner', async (h) => ({ userId: (await h.user()).userId }), 'manage'),
  ...requestChecks({
    op: SET_OWNER,
    okStatus: 200,
    async setup(h) {
      const { org, lock } = await orgLock(h)
      const owner = await h.user()
      return { path: lockPath(lock, 'SetOwner'), auth: { apiKey: org.apiKey }, body: { userId: owner.userId } }
    },
  }),
  {
    op: SET_ORG,
    name: 'a super key moves the lock to another organisation',
    kind: 'success',
    status: 200,
    async run(h) {
      const { lock } = await orgLock(h)
      const [admin, target] = [await h.superOrg(), await h.org()]
      return h.call('POST', lockPath(lock, 'SetOrganization'), { apiKey: admin.apiKey, body: { orgId: target.orgId } })
    },
    verify: (res) => has(res.json?.event?.type === 'OrganizationSet', `event.type ${res.json?.event?.type}`),
  },
  ...accessChecks(SET_ORG, 'SetOrganization', (_h, _lock, org) => ({ orgId: org.orgId }), 'manage'),
  ...requestChecks({
    op: SET_ORG,
    okStatus: 200,
    async setup(h) {
      const { lock } = await orgLock(h)
      const [admin, target] = [await h.superOrg(), await h.org()]
      return { path: lockPath(lock, 'SetOrganization'), auth: { apiKey: admin.apiKey }, body: { orgId: target.orgId } }
    },
  }),

  // --- ChangeLockUuid (super key only)
  {
    op: CHANGE_UUID,
    name: 'a super key changes the UUID',
    kind: 'success',
    status: 200,
    async run(h) {
      const { lock } = await orgLock(h)
      const admin = await h.superOrg()
      return h.call('POST', lockPath(lock, 'ChangeLockUuid'), { apiKey: admin.apiKey, body: { newUuid: crypto.randomUUID() } })
    },
    verify: (res) => has(res.json?.event?.type === 'LockUuidChanged', `event.type ${res.json?.event?.type}`),
  },
  {
    op: CHANGE_UUID,
    name: 'the same UUID again',
    kind: 'error',
    status: 409,
    async run(h) {
      const { lock } = await orgLock(h)
      const admin = await h.superOrg()
      return h.call('POST', lockPath(lock, 'ChangeLockUuid'), { apiKey: admin.apiKey, body: { newUuid: lock.uuid } })
    },
  },
  {
    op: CHANGE_UUID,
    name: "the lock's own (non-super) org key",
    kind: 'error',
    status: 403,
    async run(h) {
      const { org, lock } = await orgLock(h)
      return h.call('POST', lockPath(lock, 'ChangeLockUuid'), { apiKey: org.apiKey, body: { newUuid: crypto.randomUUID() } })
    },
  },
  ...accessChecks(CHANGE_UUID, 'ChangeLockUuid', () => ({ newUuid: crypto.randomUUID() }), 'use'),
  ...requestChecks({
    op: CHANGE_UUID,
    okStatus: 200,
    async setup(h) {
      const { lock } = await orgLock(h)
      const admin = await h.superOrg()
      return { path: lockPath(lock, 'ChangeLockUuid'), auth: { apiKey: admin.apiKey }, body: { newUuid: crypto.randomUUID() } }
    },
  }),

  // --- OpenLock
  {
    op: OPEN,
    name: "the lock's org opens the door",
    kind: 'success',
    status: 200,
    async run(h) {
      const { org, lock } = await orgLock(h)
      return h.call('POST', lockPath(lock, 'OpenLock'), { apiKey: org.apiKey, body: { requestId: 'req-1', reason: 'delivery' } })
    },
    verify: (res) => has(res.json?.event?.type === 'LockOpenRequested', `event.type ${res.json?.event?.type}`),
  },
  {
    op: OPEN,
    name: 'the lock driver fails',
    kind: 'error',
    status: 502,
    async run(h) {
      const { org, lock } = await orgLock(h)
      h.driver.mode = 'failure'
      return h.call('POST', lockPath(lock, 'OpenLock'), { apiKey: org.apiKey, body: {} })
    },
  },
  ...accessChecks(OPEN, 'OpenLock', () => ({}), 'use'),
  ...requestChecks({
    op: OPEN,
    okStatus: 200,
    async setup(h) {
      const { org, lock } = await orgLock(h)
      return { path: lockPath(lock, 'OpenLock'), auth: { apiKey: org.apiKey }, body: { requestId: 'req-1', reason: 'delivery' } }
    },
  }),

  // --- AddKey / RemoveKey / WriteKey
  {
    op: ADD_KEY,
    name: "the lock's org adds a key",
    kind: 'success',
    status: 200,
    async run(h) {
      const { org, lock } = await orgLock(h)
      const user = await h.user()
      return h.call('POST', lockPath(lock, 'AddKey'), { apiKey: org.apiKey, body: { ...keyBody(), userId: user.userId } })
    },
    verify: (res) => has(res.json?.event?.type === 'KeyAdded', `event.type ${res.json?.event?.type}`),
  },
  {
    op: ADD_KEY,
    name: 'the device cannot be reached: fail fast, no key recorded',
    kind: 'error',
    status: 502,
    async run(h) {
      const { org, lock } = await orgLock(h)
      h.driver.mode = 'failure'
      return h.call('POST', lockPath(lock, 'AddKey'), { apiKey: org.apiKey, body: keyBody() })
    },
  },
  ...accessChecks(ADD_KEY, 'AddKey', () => keyBody(), 'manage'),
  ...requestChecks({
    op: ADD_KEY,
    okStatus: 200,
    async setup(h) {
      const { org, lock } = await orgLock(h)
      const user = await h.user()
      return { path: lockPath(lock, 'AddKey'), auth: { apiKey: org.apiKey }, body: { ...keyBody(), userId: user.userId } }
    },
  }),
  {
    op: BULK_ADD_KEYS,
    name: "the lock's org starts a run: {success, lockId, instanceId} at once, the keys added after",
    kind: 'success',
    status: 200,
    async run(h) {
      const { org, lock } = await orgLock(h)
      return h.call('POST', lockPath(lock, 'BulkAddKeys'), {
        apiKey: org.apiKey,
        body: { keys: [keyBody(), { keyUuid: crypto.randomUUID() }] },
      })
    },
    async verify(res, h) {
      await h.deps.keyWorkflows.idle()
      const problems = has(res.json?.lockId !== undefined && typeof res.json?.instanceId === 'string', 'lockId and instanceId')
      const types = (await h.eventsOf(`lock-${res.json?.lockId}`))
        .filter((e) => e.metadata.correlationId === res.json?.instanceId)
        .map((e) => e.type)
      const expected = ['BulkAddKeysStarted', 'KeyAdded', 'KeyAdded', 'BulkAddKeysFinished']
      return [...problems, ...has(JSON.stringify(types) === JSON.stringify(expected), `events of the run ${types.join(', ')}`)]
    },
  },
  {
    op: BULK_ADD_KEYS,
    name: 'one keyUuid twice',
    kind: 'error',
    status: 400,
    details: 'keys[1].keyUuid',
    async run(h) {
      const { org, lock } = await orgLock(h)
      const key = keyBody()
      return h.call('POST', lockPath(lock, 'BulkAddKeys'), { apiKey: org.apiKey, body: { keys: [key, key] } })
    },
  },
  {
    op: BULK_ADD_KEYS,
    name: 'more than 100 keys',
    kind: 'error',
    status: 400,
    details: 'keys',
    async run(h) {
      const { org, lock } = await orgLock(h)
      return h.call('POST', lockPath(lock, 'BulkAddKeys'), { apiKey: org.apiKey, body: { keys: Array.from({ length: 101 }, keyBody) } })
    },
  },
  ...accessChecks(BULK_ADD_KEYS, 'BulkAddKeys', () => ({ keys: [keyBody()] }), 'manage'),
  ...requestChecks({
    op: BULK_ADD_KEYS,
    okStatus: 200,
    async setup(h) {
      const { org, lock } = await orgLock(h)
      const user = await h.user()
      return { path: lockPath(lock, 'BulkAddKeys'), auth: { apiKey: org.apiKey }, body: { keys: [{ ...keyBody(), userId: user.userId }] } }
    },
  }),
  {
    op: REMOVE_KEY,
    name: "the lock's org removes a key",
    kind: 'success',
    status: 200,
    async run(h) {
      const { org, lock, key } = await lockWithKey(h)
      return h.call('POST', lockPath(lock, 'RemoveKey'), { apiKey: org.apiKey, body: key })
    },
    verify: (res) => has(res.json?.event?.type === 'KeyRemoved', `event.type ${res.json?.event?.type}`),
  },
  ...accessChecks(REMOVE_KEY, 'RemoveKey', () => keyBody(), 'manage'),
  ...requestChecks({
    op: REMOVE_KEY,
    okStatus: 200,
    async setup(h) {
      const { org, lock, key } = await lockWithKey(h)
      return { path: lockPath(lock, 'RemoveKey'), auth: { apiKey: org.apiKey }, body: key }
    },
  }),
  {
    op: WRITE_KEY,
    name: "the lock's org writes a key to the firmware",
    kind: 'success',
    status: 200,
    async run(h) {
      const { org, lock, key } = await lockWithKey(h)
      return h.call('POST', lockPath(lock, 'WriteKey'), { apiKey: org.apiKey, body: key })
    },
  },
  {
    op: WRITE_KEY,
    name: 'the device cannot be reached',
    kind: 'error',
    status: 502,
    async run(h) {
      const { org, lock, key } = await lockWithKey(h)
      h.driver.mode = 'failure'
      return h.call('POST', lockPath(lock, 'WriteKey'), { apiKey: org.apiKey, body: key })
    },
  },
  ...accessChecks(WRITE_KEY, 'WriteKey', () => keyBody(), 'manage'),
  ...requestChecks({
    op: WRITE_KEY,
    okStatus: 200,
    async setup(h) {
      const { org, lock, key } = await lockWithKey(h)
      return { path: lockPath(lock, 'WriteKey'), auth: { apiKey: org.apiKey }, body: key }
    },
  }),

  // --- AddResident / RemoveResident
  {
    op: ADD_RESIDENT,
    name: "the lock's org adds a resident",
    kind: 'success',
    status: 200,
    async run(h) {
      const { org, lock } = await orgLock(h)
      const resident = await h.user()
      return h.call('POST', lockPath(lock, 'AddResident'), { apiKey: org.apiKey, body: { email: resident.email, name: 'Resident' } })
    },
    verify: (res) => has(res.json?.event?.type === 'ResidentAdded', `event.type ${res.json?.event?.type}`),
  },
  ...accessChecks(ADD_RESIDENT, 'AddResident', async (h) => ({ email: (await h.user()).email, name: 'Resident' }), 'manage'),
  ...requestChecks({
    op: ADD_RESIDENT,
    okStatus: 200,
    async setup(h) {
      const { org, lock } = await orgLock(h)
      const resident = await h.user()
      return { path: lockPath(lock, 'AddResident'), auth: { apiKey: org.apiKey }, body: { email: resident.email, name: 'Resident' } }
    },
  }),
  {
    op: REMOVE_RESIDENT,
    name: "the lock's org removes a resident",
    kind: 'success',
    status: 200,
    async run(h) {
      const { org, lock, resident } = await lockWithResident(h)
      return h.call('POST', lockPath(lock, 'RemoveResident'), { apiKey: org.apiKey, body: { email: resident.email } })
    },
    verify: (res) => has(res.json?.event?.type === 'ResidentRemoved', `event.type ${res.json?.event?.type}`),
  },
  ...accessChecks(REMOVE_RESIDENT, 'RemoveResident', async (h) => ({ email: (await h.user()).email }), 'manage'),
  ...requestChecks({
    op: REMOVE_RESIDENT,
    okStatus: 200,
    async setup(h) {
      const { org, lock, resident } = await lockWithResident(h)
      return { path: lockPath(lock, 'RemoveResident'), auth: { apiKey: org.apiKey }, body: { email: resident.email } }
    },
  }),

  // --- queries
  ...getChecks(BASIC, 'basic-info'),
  ...getChecks(DETAILS, 'details'),
  ...getChecks(EVENTS, 'events', { need: 'manage' }),
  {
    op: EVENTS,
    name: 'page 1 of the history',
    kind: 'success',
    status: 200,
    async run(h) {
      const { org, lock } = await lockWithResident(h)
      return h.call('GET', `${lockPath(lock, 'events')}?page=1`, { apiKey: org.apiKey })
    },
    verify: (res) => has(res.json?.page === 1, `page ${res.json?.page}, expected 1`),
  },
  ...getChecks(RESIDENTS, 'residents', { public: true }),
]
