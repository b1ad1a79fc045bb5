// Users: lifecycle, profile and lookup (API.md §2.3) and lock access (§2.5).
import { createUser } from '../../../src/auth/tenants'
import type { Check, Harness } from '../harness'
import { requestChecks } from '../request-cases'
import { has, orgLock } from './fixtures'

const CREATE = 'POST /users/{id}/CreateUser'
const BY_EMAIL = 'GET /users/by-email'
const BY_PHONE = 'GET /users/by-phone'
const PROFILE = 'GET /users/{id}/profile'
const PHONE = 'GET /users/{id}/phone-number'
const UPDATE_PHONE = 'POST /users/{id}/UpdatePhoneNumber'
const UPDATE_EMAIL = 'POST /users/{id}/UpdateEmail'
const ADD_ACCESS = 'POST /users/{id}/AddAccessibleLock'
const REMOVE_ACCESS = 'POST /users/{id}/RemoveAccessibleLock'
const ACCESSIBLE = 'GET /users/{id}/accessible-locks'
const OWNED = 'GET /users/{id}/owned-locks'
const KEYS = 'GET /users/{id}/keys'
const SIGNUP = 'POST /users'

const hookAuth = (h: Harness) => ({ headers: { authorization: `Bearer ${h.deps.secrets.signupHookSecret}` } })
const signupBody = (email = freshEmail(), userId: string = crypto.randomUUID()) => ({
  detail: { data: { user_name: email, user_id: userId } },
})

let phoneSeq = 1000
const freshPhone = () => `+3069${String(10_000_000 + phoneSeq++).slice(-8)}`
const freshEmail = () => `conf-${crypto.randomUUID().slice(0, 8)}@example.test`

// An org handles the personal data of users it has given something (docs/auth.md): here a physical key.
async function relate(h: Harness, org: { orgId: string; apiKey: string }, userId: string) {
  const res = await h.call('POST', `/users/${userId}/AddPhysicalKey`, { apiKey: org.apiKey, body: { orgId: org.orgId } })
  if (res.status !== 200) throw new Error(`fixture AddPhysicalKey answered ${res.status}: ${res.text}`)
}

async function userWithPhone(h: Harness) {
  const org = await h.org()
  const user = await h.user()
  await relate(h, org, user.userId)
  const phoneNumber = freshPhone()
  const res = await h.call('POST', `/users/${user.userId}/UpdatePhoneNumber`, { apiKey: org.apiKey, body: { phoneNumber } })
  if (res.status !== 200) throw new Error(`fixture UpdatePhoneNumber answered ${res.status}: ${res.text}`)
  return { org, user, phoneNumber }
}

// A user with no e-mail on file (UpdateEmail's precondition), and their token.
async function userWithoutEmail(h: Harness) {
  const { userId } = await createUser(h.deps, { email: null })
  return { userId, token: await h.deps.jwt.sign(userId, 3600) }
}

async function userWithAccess(h: Harness) {
  const { org, lock } = await orgLock(h)
  const user = await h.user()
  const res = await h.call('POST', `/users/${user.userId}/AddAccessibleLock`, {
    apiKey: org.apiKey,
    body: { lockId: String(lock.lockId), lockName: 'Front door', accessLevel: 'USER', grantedBy: org.orgId },
  })
  if (res.status !== 200) throw new Error(`fixture AddAccessibleLock answered ${res.status}: ${res.text}`)
  return { org, lock, user }
}

// Reads of a user's record: the user themself succeeds, an unknown user is 404, anonymous 401, another user 403.
const readChecks = (
  key: string,
  suffix: string,
  setup: (h: Harness) => Promise<{ userId: string; token: string }> = (h) => h.user(),
): Check[] => [
  {
    op: key,
    name: 'the user (B2C) reads their own',
    kind: 'success',
    status: 200,
    async run(h) {
      const user = await setup(h)
      return h.call('GET', `/users/${user.userId}/${suffix}`, { token: user.token })
    },
  },
  {
    op: key,
    name: 'an org key reads it',
    kind: 'success',
    status: 200,
    async run(h) {
      const user = await setup(h)
      const org = await h.org()
      await relate(h, org, user.userId)
      return h.call('GET', `/users/${user.userId}/${suffix}`, { apiKey: org.apiKey })
    },
  },
  {
    op: key,
    name: 'unknown user',
    kind: 'error',
    status: 404,
    async run(h) {
      const org = await h.superOrg()
      return h.call('GET', `/users/${crypto.randomUUID()}/${suffix}`, { apiKey: org.apiKey })
    },
  },
  {
    op: key,
    name: 'no credentials',
    kind: 'error',
    status: 401,
    async run(h) {
      const user = await setup(h)
      return h.call('GET', `/users/${user.userId}/${suffix}`)
    },
  },
  {
    op: key,
    name: 'another user (B2C) reading it',
    kind: 'error',
    status: 403,
    async run(h) {
      const user = await setup(h)
      const other = await h.user()
      return h.call('GET', `/users/${user.userId}/${suffix}`, { token: other.token })
    },
  },
]

export const userChecks: Check[] = [
  // --- POST /users (identity-provider sign-up hook)
  {
    op: SIGNUP,
    name: 'the identity provider reports a sign-up',
    kind: 'success',
    status: 200,
    run: (h) => h.call('POST', '/users', { ...hookAuth(h), body: signupBody() }),
    verify: (res) => has(res.json?.success === true && typeof res.json?.userId === 'string', 'not {success: true, userId}'),
  },
  {
    op: SIGNUP,
    name: 'the same sign-up again: the same user',
    kind: 'success',
    status: 200,
    async run(h) {
      const body = signupBody()
      await h.call('POST', '/users', { ...hookAuth(h), body })
      return h.call('POST', '/users', { ...hookAuth(h), body })
    },
  },
  {
    op: SIGNUP,
    name: 'without the shared secret',
    kind: 'error',
    status: 401,
    run: (h) => h.call('POST', '/users', { body: signupBody() }),
  },
  {
    op: SIGNUP,
    name: 'with a wrong secret',
    kind: 'error',
    status: 401,
    run: (h) => h.call('POST', '/users', { headers: { authorization: 'Bearer not-the-secret' }, body: signupBody() }),
  },
  ...requestChecks({
    op: SIGNUP,
    okStatus: 200,
    setup: async (h) => ({ path: '/users', auth: hookAuth(h), body: signupBody() }),
  }),

  // --- CreateUser
  {
    op: CREATE,
    name: 'an org key creates a user',
    kind: 'success',
    status: 201,
    async run(h) {
      const org = await h.org()
      const userId = crypto.randomUUID()
      return h.call('POST', `/users/${userId}/CreateUser`, { apiKey: org.apiKey, body: { userId, email: freshEmail() } })
    },
    verify: (res) => has(res.json?.event?.type === 'UserCreated', `event.type ${res.json?.event?.type}`),
  },
  {
    op: CREATE,
    name: 'the same user again: idempotent, event null',
    kind: 'success',
    status: 200,
    async run(h) {
      const org = await h.org()
      const userId = crypto.randomUUID()
      const body = { userId, email: freshEmail() }
      await h.call('POST', `/users/${userId}/CreateUser`, { apiKey: org.apiKey, body })
      return h.call('POST', `/users/${userId}/CreateUser`, { apiKey: org.apiKey, body })
    },
    verify: (res) => has(res.json?.event === null, `event ${JSON.stringify(res.json?.event)}, expected null`),
  },
  {
    op: CREATE,
    name: 'no credentials',
    kind: 'error',
    status: 401,
    async run(h) {
      const userId = crypto.randomUUID()
      return h.call('POST', `/users/${userId}/CreateUser`, { body: { userId, email: freshEmail() } })
    },
  },
  ...requestChecks({
    op: CREATE,
    okStatus: 201,
    async setup(h) {
      const org = await h.org()
      const userId = crypto.randomUUID()
      return {
        path: `/users/${userId}/CreateUser`,
        auth: { apiKey: org.apiKey },
        body: { userId, email: freshEmail(), firstName: 'Ada', lastName: 'Lovelace', phoneNumber: freshPhone() },
      }
    },
  }),

  // --- by-email / by-phone
  {
    op: BY_EMAIL,
    name: 'find-or-create by email',
    kind: 'success',
    status: 200,
    async run(h) {
      const org = await h.org()
      return h.call('GET', `/users/by-email?email=${encodeURIComponent(freshEmail())}`, { apiKey: org.apiKey })
    },
  },
  {
    op: BY_EMAIL,
    name: 'an existing user by email',
    kind: 'success',
    status: 200,
    async run(h) {
      const [org, user] = [await h.org(), await h.user()]
      return h.call('GET', `/users/by-email?email=${encodeURIComponent(user.email)}`, { apiKey: org.apiKey })
    },
  },
  {
    op: BY_EMAIL,
    name: 'a uuid that belongs to another user',
    kind: 'error',
    status: 409,
    async run(h) {
      const [org, taken] = [await h.org(), await h.user()]
      return h.call('GET', `/users/by-email?email=${encodeURIComponent(freshEmail())}&uuid=${taken.userId}`, { apiKey: org.apiKey })
    },
  },
  {
    op: BY_EMAIL,
    name: 'not an email',
    kind: 'error',
    status: 400,
    details: 'email',
    async run(h) {
      const org = await h.org()
      return h.call('GET', '/users/by-email?email=not-an-email', { apiKey: org.apiKey })
    },
  },
  {
    op: BY_EMAIL,
    name: 'no credentials',
    kind: 'error',
    status: 401,
    run: (h) => h.call('GET', `/users/by-email?email=${encodeURIComponent(freshEmail())}`),
  },
  {
    op: BY_PHONE,
    name: 'a user by phone number',
    kind: 'success',
    status: 200,
    async run(h) {
      const { org, phoneNumber } = await userWithPhone(h)
      return h.call('GET', `/users/by-phone?phoneNumber=${encodeURIComponent(phoneNumber)}`, { apiKey: org.apiKey })
    },
  },
  {
    op: BY_PHONE,
    name: 'no user with that number',
    kind: 'error',
    status: 404,
    async run(h) {
      const org = await h.org()
      return h.call('GET', `/users/by-phone?phoneNumber=${encodeURIComponent(freshPhone())}`, { apiKey: org.apiKey })
    },
  },
  {
    op: BY_PHONE,
    name: 'no credentials',
    kind: 'error',
    status: 401,
    run: (h) => h.call('GET', `/users/by-phone?phoneNumber=${encodeURIComponent(freshPhone())}`),
  },

  // --- profile, phone number
  ...readChecks(PROFILE, 'profile'),
  ...readChecks(PHONE, 'phone-number', async (h) => (await userWithPhone(h)).user),
  {
    op: UPDATE_PHONE,
    name: 'the user (B2C) sets their phone number',
    kind: 'success',
    status: 200,
    async run(h) {
      const user = await h.user()
      return h.call('POST', `/users/${user.userId}/UpdatePhoneNumber`, { token: user.token, body: { phoneNumber: freshPhone() } })
    },
  },
  {
    op: UPDATE_PHONE,
    name: 'unknown user',
    kind: 'error',
    status: 404,
    async run(h) {
      const org = await h.superOrg()
      return h.call('POST', `/users/${crypto.randomUUID()}/UpdatePhoneNumber`, { apiKey: org.apiKey, body: { phoneNumber: freshPhone() } })
    },
  },
  {
    op: UPDATE_PHONE,
    name: 'no credentials',
    kind: 'error',
    status: 401,
    async run(h) {
      const user = await h.user()
      return h.call('POST', `/users/${user.userId}/UpdatePhoneNumber`, { body: { phoneNumber: freshPhone() } })
    },
  },
  {
    op: UPDATE_PHONE,
    name: 'another user (B2C) changing it',
    kind: 'error',
    status: 403,
    async run(h) {
      const [user, other] = [await h.user(), await h.user()]
      return h.call('POST', `/users/${user.userId}/UpdatePhoneNumber`, { token: other.token, body: { phoneNumber: freshPhone() } })
    },
  },
  ...requestChecks({
    op: UPDATE_PHONE,
    okStatus: 200,
    async setup(h) {
      const user = await h.user()
      return { path: `/users/${user.userId}/UpdatePhoneNumber`, auth: { token: user.token }, body: { phoneNumber: freshPhone() } }
    },
  }),

  {
    op: UPDATE_EMAIL,
    name: 'the user (B2C) adds an email to their record, which has none',
    kind: 'success',
    status: 200,
    async run(h) {
      const user = await userWithoutEmail(h)
      return h.call('POST', `/users/${user.userId}/UpdateEmail`, { token: user.token, body: { email: freshEmail() } })
    },
    verify: (res) => has(res.json?.event?.type === 'UserEmailUpdated', `event.type ${res.json?.event?.type}`),
  },
  {
    op: UPDATE_EMAIL,
    name: 'unknown user',
    kind: 'error',
    status: 404,
    async run(h) {
      const org = await h.org()
      return h.call('POST', `/users/${crypto.randomUUID()}/UpdateEmail`, { apiKey: org.apiKey, body: { email: freshEmail() } })
    },
  },
  {
    op: UPDATE_EMAIL,
    name: 'the user already has an email',
    kind: 'error',
    status: 409,
    async run(h) {
      const [org, user] = [await h.org(), await h.user()]
      // An organisation the user is related to (it issued them a key): personal data is theirs to change.
      await h.call('POST', `/users/${user.userId}/AddPhysicalKey`, { apiKey: org.apiKey, body: { orgId: org.orgId } })
      return h.call('POST', `/users/${user.userId}/UpdateEmail`, { apiKey: org.apiKey, body: { email: freshEmail() } })
    },
  },
  {
    op: UPDATE_EMAIL,
    name: 'the email belongs to another user',
    kind: 'error',
    status: 409,
    async run(h) {
      const [user, other] = [await userWithoutEmail(h), await h.user()]
      return h.call('POST', `/users/${user.userId}/UpdateEmail`, { token: user.token, body: { email: other.email } })
    },
  },
  {
    op: UPDATE_EMAIL,
    name: 'no credentials',
    kind: 'error',
    status: 401,
    async run(h) {
      const user = await userWithoutEmail(h)
      return h.call('POST', `/users/${user.userId}/UpdateEmail`, { body: { email: freshEmail() } })
    },
  },
  {
    op: UPDATE_EMAIL,
    name: 'another user (B2C) changing it',
    kind: 'error',
    status: 403,
    async run(h) {
      const [user, other] = [await userWithoutEmail(h), await h.user()]
      return h.call('POST', `/users/${user.userId}/UpdateEmail`, { token: other.token, body: { email: freshEmail() } })
    },
  },
  ...requestChecks({
    op: UPDATE_EMAIL,
    okStatus: 200,
    async setup(h) {
      const user = await userWithoutEmail(h)
      return { path: `/users/${user.userId}/UpdateEmail`, auth: { token: user.token }, body: { email: freshEmail() } }
    },
  }),

  // --- lock access
  {
    op: ADD_ACCESS,
    name: "the lock's org grants access",
    kind: 'success',
    status: 200,
    async run(h) {
      const { org, lock } = await orgLock(h)
      const user = await h.user()
      return h.call('POST', `/users/${user.userId}/AddAccessibleLock`, {
        apiKey: org.apiKey,
        body: { lockId: String(lock.lockId), lockName: 'Front door', accessLevel: 'GUEST', grantedBy: org.orgId },
      })
    },
    verify: (res) => has(res.json?.event?.type === 'AccessibleLockAdded', `event.type ${res.json?.event?.type}`),
  },
  {
    op: ADD_ACCESS,
    name: 'unknown user',
    kind: 'error',
    status: 404,
    async run(h) {
      const { org, lock } = await orgLock(h)
      return h.call('POST', `/users/${crypto.randomUUID()}/AddAccessibleLock`, {
        apiKey: org.apiKey,
        body: { lockId: String(lock.lockId), lockName: 'Front door', accessLevel: 'GUEST', grantedBy: org.orgId },
      })
    },
  },
  {
    op: ADD_ACCESS,
    name: 'no credentials',
    kind: 'error',
    status: 401,
    async run(h) {
      const { lock } = await orgLock(h)
      const user = await h.user()
      return h.call('POST', `/users/${user.userId}/AddAccessibleLock`, {
        body: { lockId: String(lock.lockId), lockName: 'Front door', accessLevel: 'GUEST', grantedBy: 'x' },
      })
    },
  },
  {
    op: ADD_ACCESS,
    name: 'a user (B2C) granting access to another user',
    kind: 'error',
    status: 403,
    async run(h) {
      const { lock } = await orgLock(h)
      const [user, other] = [await h.user(), await h.user()]
      return h.call('POST', `/users/${user.userId}/AddAccessibleLock`, {
        token: other.token,
        body: { lockId: String(lock.lockId), lockName: 'Front door', accessLevel: 'GUEST', grantedBy: other.userId },
      })
    },
  },
  ...requestChecks({
    op: ADD_ACCESS,
    okStatus: 200,
    async setup(h) {
      const { org, lock } = await orgLock(h)
      const user = await h.user()
      return {
        path: `/users/${user.userId}/AddAccessibleLock`,
        auth: { apiKey: org.apiKey },
        body: {
          lockId: String(lock.lockId),
          lockName: 'Front door',
          accessLevel: 'USER',
          validFrom: '2026-06-01T00:00:00.000Z',
          validUntil: '2026-07-01T00:00:00.000Z',
          grantedBy: org.orgId,
        },
      }
    },
  }),
  {
    op: REMOVE_ACCESS,
    name: "the lock's org revokes access",
    kind: 'success',
    status: 200,
    async run(h) {
      const { org, lock, user } = await userWithAccess(h)
      return h.call('POST', `/users/${user.userId}/RemoveAccessibleLock`, {
        apiKey: org.apiKey,
        body: { lockId: String(lock.lockId), removedBy: org.orgId, reason: 'moved out' },
      })
    },
    verify: (res) => has(res.json?.event?.type === 'AccessibleLockRemoved', `event.type ${res.json?.event?.type}`),
  },
  {
    op: REMOVE_ACCESS,
    name: 'unknown user',
    kind: 'error',
    status: 404,
    async run(h) {
      const { org, lock } = await orgLock(h)
      return h.call('POST', `/users/${crypto.randomUUID()}/RemoveAccessibleLock`, {
        apiKey: org.apiKey,
        body: { lockId: String(lock.lockId), removedBy: org.orgId, reason: 'moved out' },
      })
    },
  },
  {
    op: REMOVE_ACCESS,
    name: 'no credentials',
    kind: 'error',
    status: 401,
    async run(h) {
      const { lock, user } = await userWithAccess(h)
      return h.call('POST', `/users/${user.userId}/RemoveAccessibleLock`, {
        body: { lockId: String(lock.lockId), removedBy: 'x', reason: 'y' },
      })
    },
  },
  ...requestChecks({
    op: REMOVE_ACCESS,
    okStatus: 200,
    async setup(h) {
      const { org, lock, user } = await userWithAccess(h)
      return {
        path: `/users/${user.userId}/RemoveAccessibleLock`,
        auth: { apiKey: org.apiKey },
        body: { lockId: String(lock.lockId), removedBy: org.orgId, reason: 'moved out' },
      }
    },
  }),
  ...readChecks(ACCESSIBLE, 'accessible-locks', async (h) => (await userWithAccess(h)).user),
  ...readChecks(OWNED, 'owned-locks', async (h) => {
    const owner = await h.user()
    await orgLock(h, { owner })
    return owner
  }),
  ...readChecks(KEYS, 'keys'),
]
