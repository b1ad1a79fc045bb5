// Authentication and authorisation matrix (issue 10, suite 4): every JSON route x every principal -> the exact
// status, generated from one table. Each cell builds its own scene (fresh owner, lock, temp key, ...), so a
// state-changing cell never depends on another; only the principal differs between the cells of a row. The whole
// matrix runs once per database (issue 21), and a refused cell must append nothing to the log.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { SignJWT } from 'jose'
import { issueApiKey, registerOrg } from '../../src/auth/tenants'
import { BACKENDS, contextOn, jsonOf, refused } from '../support/context'
import { uniqueId } from '../support/temp-db'
import { fakeDriver } from '../support/fake-driver'
import { createTestLock, createTestTempKey, type TestLock } from '../support/locks'

const JWT_SECRET = 'matrix-jwt-secret-0123456789abcdef0123456789'
const ADMIN_KEY = 'matrix-admin-key-0123456789abcdef'
const HOOK_SECRET = 'matrix-signup-hook-secret-0123456789'

const PRINCIPALS = [
  'anonymous',
  'owner',
  'otherUser',
  'whitelisted',
  'orgKey',
  'otherOrgKey',
  'superKey',
  'revokedKey',
  'expiredJwt',
  'foreignJwt',
  'algNoneJwt',
  'tamperedJwt',
  'spoofedUserId',
  'spoofedOrgId',
  'callerOrgId',
  'adminKey',
  'hookSecret',
] as const
type PrincipalName = (typeof PRINCIPALS)[number]

// Routes that answer HTML (cookie session pages) or are infrastructure: not part of the JSON matrix.
const NOT_JSON = new Set([
  'GET /swagger',
  'GET /swagger/json',
  'GET /public/:file',
  'GET /favicon.ico',
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'GET /',
  'GET /setup/:token',
  'POST /setup/:token',
  'GET /login',
  'POST /login',
  'GET /login/link',
  'POST /login/link',
  'POST /logout',
  'GET /locks',
  'GET /locks/:id',
  'POST /locks/:id/open',
  'GET /orgs/:orgId/webhooks',
  'POST /orgs/:orgId/webhooks/:id/replay',
  'GET /me/keys',
  'GET /orgs/:orgId/keys',
  'POST /orgs/:orgId/keys/add',
  'POST /orgs/:orgId/keys/remove',
  'GET /temp-keys/:uuid',
  'GET /temp-keys/:uuid/confirmation',
  'POST /locks/:id/temp-keys',
  'GET /locks/:id/temp-keys/:uuid/edit',
  'POST /locks/:id/temp-keys/:uuid/edit',
  'GET /locks/:id/temp-keys/:uuid/delete',
  'POST /locks/:id/temp-keys/:uuid/delete',
  // The administration console: a site administrator's session (test/routes/pages/admin-*.test.ts).
  'GET /admin/orgs',
  'POST /admin/orgs',
  'GET /admin/orgs/:orgId',
  'POST /admin/orgs/:orgId/api-key',
  'POST /admin/orgs/:orgId/members',
  'POST /admin/orgs/:orgId/members/remove',
  'GET /admin/users',
  'POST /admin/users',
  'POST /admin/users/:userId/login-link',
  'GET /admin/locks',
  'POST /admin/locks',
  'GET /admin/locks/:id',
  'POST /admin/locks/:id/owner',
  'POST /admin/locks/:id/org',
  'POST /admin/locks/:id/driver',
  'GET /admin/webhooks',
  'GET /collective-temp-keys/:uuid',
  'GET /collective-temp-keys/:uuid/confirmation',
  'POST /temp-keys/:uuid/doors/:doorId/open',
  'POST /collective-temp-keys/:uuid/doors/:doorId/open',
  'GET /shared-keys',
  'POST /shared-keys',
  'POST /shared-keys/:uuid/revoke',
])

const ENV = {
  JWT_SECRET,
  ADMIN_API_KEY: ADMIN_KEY,
  SIGNUP_HOOK_SECRET: HOOK_SECRET,
  WEBHOOK_ALLOW_HTTP: 'true',
  WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
  OPEN_RATE_LIMIT_PER_IP: '0',
}

// The backend whose matrix is running: set by its describe's beforeAll, read by the rows' inputs and the scenes.
let ctx: Awaited<ReturnType<typeof contextOn>>

type Actor = { userId: string; email: string; token: string }
type World = {
  orgA: { orgId: string; apiKey: string; revokedKey: string }
  orgB: { orgId: string; apiKey: string }
  superOrg: { orgId: string; apiKey: string }
  holder: Actor
  other: Actor
  expiredJwt: string
  foreignJwt: string
  algNoneJwt: string
  tamperedJwt: string
}
let world: World

// Per cell: a fresh owner and a lock of org A owned by them, on which `holder` holds key #1 and is the only user a
// user-whitelist temp key admits.
type Scene = { owner: Actor; lock: TestLock; tempKeyUuid: string }

const b64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url')

async function buildWorld(): Promise<World> {
  const a = await ctx.org()
  // Rotation revokes the first key at once: it is the "revoked key" principal.
  const rotated = await issueApiKey(ctx.deps, a.orgId, { createdBy: 'test', rotate: true })
  const orgB = await ctx.org()
  const superOrg = await ctx.org({ isSuper: true })
  const holder = await ctx.user()
  const other = await ctx.user()
  const claims = { iss: ctx.deps.config.jwtIssuer, aud: ctx.deps.config.jwtAudience }
  const nowSeconds = Math.floor(Date.now() / 1000)
  const expiredJwt = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(holder.userId)
    .setIssuer(claims.iss)
    .setAudience(claims.aud)
    .setIssuedAt(nowSeconds - 7200)
    .setExpirationTime(nowSeconds - 3600)
    .sign(new TextEncoder().encode(JWT_SECRET))
  const foreignJwt = await new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(holder.userId)
    .setIssuer(claims.iss)
    .setAudience(claims.aud)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode('another-secret-entirely-0123456789abcdef'))
  const payload = { sub: holder.userId, ...claims, iat: nowSeconds, exp: nowSeconds + 3600 }
  const algNoneJwt = `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.`
  // The other user's genuine token with its subject swapped for the holder's: the signature no longer matches.
  const [header, , signature] = other.token.split('.')
  const tamperedJwt = `${header}.${b64url({ ...JSON.parse(Buffer.from(other.token.split('.')[1] ?? '', 'base64url').toString()), sub: holder.userId })}.${signature}`
  return {
    orgA: { orgId: a.orgId, apiKey: rotated.apiKey, revokedKey: a.apiKey },
    orgB,
    superOrg,
    holder,
    other,
    expiredJwt,
    foreignJwt,
    algNoneJwt,
    tamperedJwt,
  }
}

async function buildScene(): Promise<Scene> {
  const owner = await ctx.user()
  const lock = await createTestLock(ctx, { ownerId: owner.userId, orgId: world.orgA.orgId, keyHolderIds: [world.holder.userId] })
  const tempKeyUuid = await createTestTempKey(ctx, lock, { accessMode: 'user-whitelist', allowedUserIds: [world.holder.userId] })
  return { owner, lock, tempKeyUuid }
}

function headersOf(principal: PrincipalName, scene: Scene): Record<string, string> {
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` })
  switch (principal) {
    case 'anonymous':
      return {}
    case 'owner':
      return bearer(scene.owner.token)
    case 'otherUser':
      return bearer(world.other.token)
    case 'whitelisted':
      return bearer(world.holder.token)
    case 'orgKey':
      return { 'x-api-key': world.orgA.apiKey }
    case 'otherOrgKey':
    case 'callerOrgId':
      return { 'x-api-key': world.orgB.apiKey }
    case 'superKey':
      return { 'x-api-key': world.superOrg.apiKey }
    case 'revokedKey':
      return { 'x-api-key': world.orgA.revokedKey }
    case 'expiredJwt':
      return bearer(world.expiredJwt)
    case 'foreignJwt':
      return bearer(world.foreignJwt)
    case 'algNoneJwt':
      return bearer(world.algNoneJwt)
    case 'tamperedJwt':
      return bearer(world.tamperedJwt)
    // A genuine credential plus the internal header naming someone with more rights.
    case 'spoofedUserId':
      return { ...bearer(world.other.token), 'x-user-id': scene.owner.userId }
    case 'spoofedOrgId':
      return { 'x-api-key': world.orgB.apiKey, 'x-org-id': world.orgA.orgId }
    case 'adminKey':
      return { 'x-admin-api-key': ADMIN_KEY }
    case 'hookSecret':
      return bearer(HOOK_SECRET)
  }
}

type Input = { path: string; body?: Record<string, unknown>; query?: Record<string, string> }
type Kind = 'api' | 'admin' | 'hook'
// The six principals whose answer depends on the route: [owner, otherUser, whitelisted, orgKey, otherOrgKey, superKey].
type Six = [number, number, number, number, number, number]
type Row = {
  route: string
  kind: Kind
  who: Six
  overrides?: Partial<Record<PrincipalName, number>>
  // A refusal the lock audits: the event it records on the scene's lock for the principals whose request reaches the
  // decision. Every other refusal (a credential refused before that) appends nothing.
  audit?: { event: string; principals: readonly PrincipalName[] }
  input: (scene: Scene) => Promise<Input> | Input
}

// Every request that carries no valid identity, by route kind. `callerOrgId` is the other org's key plus a
// client-sent `_callerOrgId` naming org A, in the body (or the query of a GET): refused by validation.
const DEFAULTS: Record<Kind, Partial<Record<PrincipalName, number>>> = {
  api: {
    anonymous: 401,
    revokedKey: 401,
    expiredJwt: 401,
    foreignJwt: 401,
    algNoneJwt: 401,
    tamperedJwt: 401,
    spoofedUserId: 400,
    spoofedOrgId: 400,
    callerOrgId: 400,
    adminKey: 401,
    hookSecret: 401,
  },
  admin: Object.fromEntries(PRINCIPALS.map((p) => [p, 401])),
  hook: Object.fromEntries(PRINCIPALS.map((p) => [p, 401])),
}

const LOCK_USE: Six = [200, 404, 200, 200, 404, 200]
const LOCK_MANAGE: Six = [200, 404, 403, 200, 404, 200]
const SELF_OR_ORG: Six = [200, 403, 403, 200, 200, 200]
// Personal data: the user, an org the user is related to (the scene's owner owns orgKey's lock), a super key.
const PERSONAL: Six = [200, 403, 403, 200, 403, 200]
const ORG_ONLY: Six = [403, 403, 403, 200, 200, 200]
const OWN_ORG_ONLY: Six = [403, 403, 403, 200, 404, 404]
const ADMIN_ONLY: Six = [401, 401, 401, 401, 401, 401]

const iso = (offsetMs: number) => new Date(ctx.deps.clock.now() + offsetMs).toISOString()
const lockPath = (scene: Scene, rest: string) => `/locks/${scene.lock.lockId}/${rest}`
const userPath = (scene: Scene, rest: string) => `/users/${scene.owner.userId}/${rest}`

async function asSuper(method: string, path: string, body?: unknown) {
  const response = await ctx.call(method, path, { apiKey: world.superOrg.apiKey, body })
  if (response.status >= 300) throw new Error(`setup ${method} ${path} answered ${response.status}: ${response.text}`)
  return response.json
}
async function asOrgA(method: string, path: string, body?: unknown) {
  const response = await ctx.call(method, path, { apiKey: world.orgA.apiKey, body })
  if (response.status >= 300) throw new Error(`setup ${method} ${path} answered ${response.status}: ${response.text}`)
  return response.json
}
const collectiveKeyOf = async (scene: Scene) =>
  (await asSuper('POST', '/temp-keys', {
    validFrom: iso(-3_600_000),
    validUntil: iso(3_600_000),
    doors: [{ lockId: String(scene.lock.lockId), accessMethod: 'both' }],
  })) as { uuid: string; pin: string }
const physicalKey = async (scene: Scene) =>
  (await asOrgA('POST', userPath(scene, 'AddPhysicalKey'), { orgId: world.orgA.orgId, note: 'front door' })).number as number
const webhookOfOrgA = async () => (await asOrgA('POST', '/webhooks', { url: 'http://127.0.0.1:1/hook' })).id as string
const freshTenant = async () => {
  const orgId = uniqueId('tenant')
  await registerOrg(ctx.deps, { orgId, orgName: `Tenant ${orgId}`, isSuper: false })
  return orgId
}
const tenantWebhook = async (orgId: string) => {
  const response = await ctx.call('POST', `/tenants/${orgId}/webhooks`, {
    headers: { 'x-admin-api-key': ADMIN_KEY },
    body: { url: 'http://127.0.0.1:1/hook' },
  })
  return response.json.id as string
}

const TABLE: Row[] = [
  // Lock commands: the lock's org key, its owner and a super key manage; a key holder may only open.
  {
    route: 'POST /locks/:id/CreateLock',
    kind: 'api',
    who: [201, 403, 403, 201, 201, 201],
    input: (s) => ({
      path: `/locks/${1_000_000_000 + Math.floor(Math.random() * 1e9)}/CreateLock`,
      body: { index: 1, uuid: crypto.randomUUID(), ownerId: s.owner.userId },
    }),
  },
  {
    route: 'POST /locks/:id/SetOwner',
    kind: 'api',
    who: LOCK_MANAGE,
    input: (s) => ({ path: lockPath(s, 'SetOwner'), body: { userId: world.other.userId } }),
  },
  {
    route: 'POST /locks/:id/SetOrganization',
    kind: 'api',
    who: [403, 404, 403, 403, 404, 200],
    input: (s) => ({ path: lockPath(s, 'SetOrganization'), body: { orgId: world.orgB.orgId } }),
  },
  {
    route: 'POST /locks/:id/ChangeLockUuid',
    kind: 'api',
    who: [403, 404, 403, 403, 404, 200],
    input: (s) => ({ path: lockPath(s, 'ChangeLockUuid'), body: { newUuid: crypto.randomUUID() } }),
  },
  {
    route: 'POST /locks/:id/OpenLock',
    kind: 'api',
    who: LOCK_USE,
    input: (s) => ({ path: lockPath(s, 'OpenLock'), body: { reason: 'matrix' } }),
  },
  {
    route: 'POST /locks/:id/AddKey',
    kind: 'api',
    who: LOCK_MANAGE,
    input: (s) => ({ path: lockPath(s, 'AddKey'), body: { keyUuid: crypto.randomUUID() } }),
  },
  {
    route: 'POST /locks/:id/BulkAddKeys',
    kind: 'api',
    who: LOCK_MANAGE,
    input: (s) => ({ path: lockPath(s, 'BulkAddKeys'), body: { keys: [{ keyUuid: crypto.randomUUID() }] } }),
  },
  {
    route: 'POST /locks/:id/RemoveKey',
    kind: 'api',
    who: LOCK_MANAGE,
    input: (s) => ({ path: lockPath(s, 'RemoveKey'), body: { keyIndexNumber: 1 } }),
  },
  {
    route: 'POST /locks/:id/WriteKey',
    kind: 'api',
    who: LOCK_MANAGE,
    input: async (s) => ({
      path: lockPath(s, 'WriteKey'),
      body: { keyUuid: (await ctx.deps.data.listLockKeys(s.lock.lockId))[0]?.keyUuid ?? 'missing' },
    }),
  },
  {
    route: 'POST /locks/:id/AddResident',
    kind: 'api',
    who: LOCK_MANAGE,
    input: (s) => ({ path: lockPath(s, 'AddResident'), body: { email: `${uniqueId('res')}@example.test`, name: 'Resident' } }),
  },
  {
    route: 'POST /locks/:id/RemoveResident',
    kind: 'api',
    who: LOCK_MANAGE,
    input: async (s) => {
      const email = `${uniqueId('res')}@example.test`
      await asSuper('POST', lockPath(s, 'AddResident'), { email, name: 'Resident' })
      return { path: lockPath(s, 'RemoveResident'), body: { email } }
    },
  },
  // Lock queries.
  { route: 'GET /locks/:id/basic-info', kind: 'api', who: LOCK_USE, input: (s) => ({ path: lockPath(s, 'basic-info') }) },
  { route: 'GET /locks/:id/details', kind: 'api', who: LOCK_USE, input: (s) => ({ path: lockPath(s, 'details') }) },
  // Public by the docs: anyone reads it, but a credential that is sent must still be valid.
  {
    route: 'GET /locks/:id/residents',
    kind: 'api',
    who: [200, 200, 200, 200, 200, 200],
    overrides: { anonymous: 200, adminKey: 200 },
    input: (s) => ({ path: lockPath(s, 'residents') }),
  },
  { route: 'GET /locks/:id/events', kind: 'api', who: LOCK_MANAGE, input: (s) => ({ path: lockPath(s, 'events'), query: {} }) },
  // Temp keys on the lock.
  {
    route: 'POST /locks/:id/create-temp-key',
    kind: 'api',
    who: LOCK_MANAGE,
    input: (s) => ({
      path: lockPath(s, 'create-temp-key'),
      body: { accessMode: 'public', validFrom: iso(-60_000), validUntil: iso(3_600_000) },
    }),
  },
  {
    route: 'POST /locks/:id/update-temp-key',
    kind: 'api',
    who: LOCK_MANAGE,
    input: (s) => ({ path: lockPath(s, 'update-temp-key'), body: { tempKeyUuid: s.tempKeyUuid, description: 'changed' } }),
  },
  {
    route: 'POST /locks/:id/delete-temp-key',
    kind: 'api',
    who: LOCK_MANAGE,
    input: (s) => ({ path: lockPath(s, 'delete-temp-key'), body: { tempKeyUuid: s.tempKeyUuid } }),
  },
  { route: 'GET /locks/:id/temp-keys', kind: 'api', who: LOCK_MANAGE, input: (s) => ({ path: lockPath(s, 'temp-keys') }) },
  {
    route: 'POST /locks/:id/use-temp-key',
    kind: 'api',
    who: [403, 404, 403, 200, 404, 200],
    input: (s) => ({ path: lockPath(s, 'use-temp-key'), body: { tempKeyUuid: s.tempKeyUuid, userId: world.holder.userId } }),
  },
  // The guest open (JSON representation) of a user-whitelist key: only the listed user gets in; without any user, 401.
  {
    route: 'POST /temp-keys/:uuid/open',
    kind: 'api',
    who: [403, 403, 200, 401, 401, 401],
    overrides: { anonymous: 401 },
    // An admin key means nothing here: that caller is a guest without a user, like anonymous.
    audit: {
      event: 'TempKeyOpenRefused',
      principals: ['anonymous', 'owner', 'otherUser', 'orgKey', 'otherOrgKey', 'superKey', 'adminKey'],
    },
    input: (s) => ({ path: `/temp-keys/${s.tempKeyUuid}/open`, body: {} }),
  },
  // Collective keys: the caller must manage every lock of the key (the scene's lock here).
  ...(['POST /temp-keys', 'POST /collective-temp-keys'] as const).map(
    (route): Row => ({
      route,
      kind: 'api',
      who: [201, 404, 403, 201, 404, 201],
      input: (s) => ({
        path: route.slice('POST '.length),
        body: { validFrom: iso(-3_600_000), validUntil: iso(3_600_000), doors: [{ lockId: String(s.lock.lockId), accessMethod: 'both' }] },
      }),
    }),
  ),
  {
    route: 'GET /temp-keys',
    kind: 'api',
    who: LOCK_MANAGE,
    input: (s) => ({ path: '/temp-keys', query: { lockId: String(s.lock.lockId) } }),
  },
  ...(['DELETE /temp-keys/:uuid', 'DELETE /collective-temp-keys/:uuid'] as const).map(
    (route): Row => ({
      route,
      kind: 'api',
      who: LOCK_MANAGE,
      input: async (s) => ({ path: route.slice('DELETE '.length).replace(':uuid', (await collectiveKeyOf(s)).uuid) }),
    }),
  ),
  // Entrance panels send no credentials: the right PIN opens whoever asks; presented credentials must still be valid.
  {
    route: 'POST /locks/:id/open-with-pin',
    kind: 'api',
    who: [200, 200, 200, 200, 200, 200],
    overrides: { anonymous: 200, adminKey: 200 },
    input: async (s) => ({ path: lockPath(s, 'open-with-pin'), body: { pin: (await collectiveKeyOf(s)).pin } }),
  },
  // Users (the scene's owner is the user addressed).
  {
    route: 'POST /users/:id/CreateUser',
    kind: 'api',
    who: SELF_OR_ORG,
    input: (s) => ({ path: userPath(s, 'CreateUser'), body: { userId: s.owner.userId, email: s.owner.email } }),
  },
  {
    route: 'POST /users/:id/UpdatePhoneNumber',
    kind: 'api',
    who: PERSONAL,
    input: (s) => ({ path: userPath(s, 'UpdatePhoneNumber'), body: { phoneNumber: `+49${Math.floor(Math.random() * 1e10)}` } }),
  },
  // The address the user already has: an allowed caller gets the idempotent 200 (event null), whoever may not, 403.
  {
    route: 'POST /users/:id/UpdateEmail',
    kind: 'api',
    who: PERSONAL,
    input: (s) => ({ path: userPath(s, 'UpdateEmail'), body: { email: s.owner.email } }),
  },
  {
    route: 'GET /users/by-email',
    kind: 'api',
    who: SELF_OR_ORG,
    input: (s) => ({ path: '/users/by-email', query: { email: s.owner.email, searchOnly: 'true' } }),
  },
  {
    route: 'GET /users/by-phone',
    kind: 'api',
    // An unrelated org's lookup answers as no match.
    who: [200, 403, 403, 200, 404, 200],
    input: async (s) => {
      const phoneNumber = `+49${Math.floor(Math.random() * 1e10)}`
      await asSuper('POST', userPath(s, 'UpdatePhoneNumber'), { phoneNumber })
      return { path: '/users/by-phone', query: { phoneNumber } }
    },
  },
  { route: 'GET /users/:id/profile', kind: 'api', who: PERSONAL, input: (s) => ({ path: userPath(s, 'profile') }) },
  { route: 'GET /users/:id/phone-number', kind: 'api', who: PERSONAL, input: (s) => ({ path: userPath(s, 'phone-number') }) },
  // The user's lock list and keys.
  {
    route: 'POST /users/:id/AddAccessibleLock',
    kind: 'api',
    who: [200, 403, 403, 200, 404, 200],
    input: (s) => ({
      path: userPath(s, 'AddAccessibleLock'),
      body: { lockId: String(s.lock.lockId), accessLevel: 'USER', grantedBy: 'matrix' },
    }),
  },
  {
    route: 'POST /users/:id/RemoveAccessibleLock',
    kind: 'api',
    who: [200, 403, 403, 200, 404, 200],
    input: async (s) => {
      await asSuper('POST', userPath(s, 'AddAccessibleLock'), { lockId: String(s.lock.lockId), accessLevel: 'USER', grantedBy: 'matrix' })
      return { path: userPath(s, 'RemoveAccessibleLock'), body: { lockId: String(s.lock.lockId), removedBy: 'matrix', reason: 'test' } }
    },
  },
  { route: 'GET /users/:id/accessible-locks', kind: 'api', who: SELF_OR_ORG, input: (s) => ({ path: userPath(s, 'accessible-locks') }) },
  { route: 'GET /users/:id/owned-locks', kind: 'api', who: SELF_OR_ORG, input: (s) => ({ path: userPath(s, 'owned-locks') }) },
  { route: 'GET /users/:id/keys', kind: 'api', who: SELF_OR_ORG, input: (s) => ({ path: userPath(s, 'keys') }) },
  // Physical keys: only the issuing org (or a super key) writes; the user reads their own, an org its own keys.
  {
    route: 'POST /users/:id/AddPhysicalKey',
    kind: 'api',
    who: [403, 403, 403, 200, 403, 200],
    input: (s) => ({ path: userPath(s, 'AddPhysicalKey'), body: { orgId: world.orgA.orgId, note: 'matrix' } }),
  },
  {
    route: 'POST /users/:id/RemovePhysicalKey',
    kind: 'api',
    // The other org gets 403 "issued by another organization" (decide), where GET .../PhysicalKeys/:number says 404.
    who: [403, 403, 403, 200, 403, 200],
    input: async (s) => ({ path: userPath(s, 'RemovePhysicalKey'), body: { number: await physicalKey(s) } }),
  },
  {
    route: 'GET /users/:id/PhysicalKeys',
    kind: 'api',
    who: [200, 403, 403, 200, 200, 200],
    input: async (s) => {
      await physicalKey(s)
      return { path: userPath(s, 'PhysicalKeys'), query: {} }
    },
  },
  {
    route: 'GET /users/:id/PhysicalKeys/:number',
    kind: 'api',
    who: [200, 403, 403, 200, 404, 200],
    input: async (s) => ({ path: userPath(s, `PhysicalKeys/${await physicalKey(s)}`), query: {} }),
  },
  // Self-service webhooks and the events feed belong to the calling org key (a super key sees only its own org's).
  {
    route: 'POST /webhooks',
    kind: 'api',
    who: [403, 403, 403, 201, 201, 201],
    input: () => ({ path: '/webhooks', body: { url: 'http://127.0.0.1:1/hook' } }),
  },
  { route: 'GET /webhooks', kind: 'api', who: ORG_ONLY, input: () => ({ path: '/webhooks', query: {} }) },
  { route: 'GET /webhooks/:id', kind: 'api', who: OWN_ORG_ONLY, input: async () => ({ path: `/webhooks/${await webhookOfOrgA()}` }) },
  {
    route: 'PATCH /webhooks/:id',
    kind: 'api',
    who: OWN_ORG_ONLY,
    input: async () => ({ path: `/webhooks/${await webhookOfOrgA()}`, body: { events: ['*'] } }),
  },
  { route: 'DELETE /webhooks/:id', kind: 'api', who: OWN_ORG_ONLY, input: async () => ({ path: `/webhooks/${await webhookOfOrgA()}` }) },
  {
    route: 'POST /webhooks/:id/rotate-secret',
    kind: 'api',
    who: OWN_ORG_ONLY,
    input: async () => ({ path: `/webhooks/${await webhookOfOrgA()}/rotate-secret` }),
  },
  {
    route: 'POST /webhooks/:id/test',
    kind: 'api',
    who: OWN_ORG_ONLY,
    input: async () => ({ path: `/webhooks/${await webhookOfOrgA()}/test` }),
  },
  {
    route: 'GET /webhooks/:id/deliveries',
    kind: 'api',
    who: OWN_ORG_ONLY,
    input: async () => ({ path: `/webhooks/${await webhookOfOrgA()}/deliveries`, query: {} }),
  },
  {
    route: 'POST /webhooks/:id/replay',
    kind: 'api',
    who: OWN_ORG_ONLY,
    input: async () => ({ path: `/webhooks/${await webhookOfOrgA()}/replay`, body: { fromPosition: 1 } }),
  },
  {
    route: 'POST /webhooks/:id/deliveries/:deliveryId/retry',
    kind: 'api',
    who: OWN_ORG_ONLY,
    input: async () => {
      const id = await webhookOfOrgA()
      const tested = await asOrgA('POST', `/webhooks/${id}/test`)
      return { path: `/webhooks/${id}/deliveries/${tested.delivery.id}/retry` }
    },
  },
  { route: 'GET /events', kind: 'api', who: ORG_ONLY, input: () => ({ path: '/events', query: {} }) },
  { route: 'GET /events/stream', kind: 'api', who: ORG_ONLY, input: () => ({ path: '/events/stream', query: {} }) },
  // Admin API (X-Admin-API-Key only) and the identity provider's sign-up hook (its shared secret only).
  {
    route: 'POST /tenants/:orgId/register',
    kind: 'admin',
    who: ADMIN_ONLY,
    overrides: { adminKey: 201 },
    input: () => ({ path: `/tenants/${uniqueId('tenant')}/register`, body: { orgName: 'Tenant', ownerEmail: 'owner@example.test' } }),
  },
  { route: 'GET /tenants', kind: 'admin', who: ADMIN_ONLY, overrides: { adminKey: 200 }, input: () => ({ path: '/tenants', query: {} }) },
  {
    route: 'POST /api-keys',
    kind: 'admin',
    who: ADMIN_ONLY,
    overrides: { adminKey: 201 },
    input: async () => {
      const orgId = await freshTenant()
      return { path: '/api-keys', body: { orgId, orgName: `Tenant ${orgId}` } }
    },
  },
  {
    route: 'POST /api-keys/rotate',
    kind: 'admin',
    who: ADMIN_ONLY,
    overrides: { adminKey: 201 },
    input: async () => ({ path: '/api-keys/rotate', body: { orgId: await freshTenant() } }),
  },
  {
    route: 'POST /tenants/:orgId/webhooks',
    kind: 'admin',
    who: ADMIN_ONLY,
    overrides: { adminKey: 201 },
    input: async () => ({ path: `/tenants/${await freshTenant()}/webhooks`, body: { url: 'http://127.0.0.1:1/hook' } }),
  },
  {
    route: 'GET /tenants/:orgId/webhooks',
    kind: 'admin',
    who: ADMIN_ONLY,
    overrides: { adminKey: 200 },
    input: async () => ({ path: `/tenants/${await freshTenant()}/webhooks`, query: {} }),
  },
  {
    route: 'PUT /tenants/:orgId/webhooks/:webhookId',
    kind: 'admin',
    who: ADMIN_ONLY,
    overrides: { adminKey: 200 },
    input: async () => {
      const orgId = await freshTenant()
      return { path: `/tenants/${orgId}/webhooks/${await tenantWebhook(orgId)}`, body: { status: 'disabled' } }
    },
  },
  {
    route: 'DELETE /tenants/:orgId/webhooks/:webhookId',
    kind: 'admin',
    who: ADMIN_ONLY,
    overrides: { adminKey: 200 },
    input: async () => {
      const orgId = await freshTenant()
      return { path: `/tenants/${orgId}/webhooks/${await tenantWebhook(orgId)}` }
    },
  },
  {
    route: 'POST /users',
    kind: 'hook',
    who: [401, 401, 401, 401, 401, 401],
    overrides: { hookSecret: 200 },
    input: () => ({
      path: '/users',
      body: { detail: { data: { user_name: `${uniqueId('signup')}@example.test`, user_id: crypto.randomUUID() } } },
    }),
  },
]

const SIX: PrincipalName[] = ['owner', 'otherUser', 'whitelisted', 'orgKey', 'otherOrgKey', 'superKey']

// The expected status of one cell; undefined = not applicable (no body or query to put `_callerOrgId` in).
function expected(row: Row, principal: PrincipalName, hasInput: boolean): number | undefined {
  // A query `_callerOrgId` is refused on every route, before authentication.
  if (principal === 'callerOrgId' && row.route.startsWith('GET ')) return 400
  if (principal === 'callerOrgId' && row.kind === 'api' && !hasInput) return undefined
  const index = SIX.indexOf(principal)
  if (index >= 0 && row.overrides?.[principal] === undefined) return row.who[index]
  return row.overrides?.[principal] ?? DEFAULTS[row.kind][principal] ?? row.who[0]
}

// Routes with neither a body nor a declared query: `_callerOrgId` has nothing to ride on, so that cell does not apply.
const NO_INPUT = new Set([
  'GET /locks/:id/basic-info',
  'GET /locks/:id/details',
  'GET /locks/:id/residents',
  'GET /locks/:id/temp-keys',
  'GET /users/:id/profile',
  'GET /users/:id/phone-number',
  'GET /users/:id/accessible-locks',
  'GET /users/:id/owned-locks',
  'GET /users/:id/keys',
  'GET /webhooks/:id',
  'DELETE /webhooks/:id',
  'DELETE /temp-keys/:uuid',
  'DELETE /collective-temp-keys/:uuid',
  'POST /webhooks/:id/rotate-secret',
  'POST /webhooks/:id/test',
  'POST /webhooks/:id/deliveries/:deliveryId/retry',
])
const takesInput = (row: Row) => !NO_INPUT.has(row.route)

async function send(method: string, input: Input, headers: Record<string, string>) {
  const url = new URL(`http://localhost${input.path}`)
  for (const [name, value] of Object.entries(input.query ?? {})) url.searchParams.set(name, value)
  const body = input.body === undefined ? undefined : JSON.stringify(input.body)
  const response = await ctx.app.handle(
    new Request(url, {
      method,
      headers: { accept: 'application/json', ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body,
    }),
  )
  // An event stream never ends: the status is all a cell needs.
  if ((response.headers.get('content-type') ?? '').startsWith('text/event-stream')) {
    await response.body?.cancel()
    return { status: response.status, text: '', json: undefined }
  }
  const text = await response.text()
  // refused() reads the envelope's `success`.
  return { status: response.status, text, json: jsonOf(text) }
}

let cells = 0
for (const row of TABLE) for (const principal of PRINCIPALS) if (expected(row, principal, takesInput(row)) !== undefined) cells++
console.log(`auth matrix: ${TABLE.length} routes x ${PRINCIPALS.length} principals = ${cells} cells`)

for (const backend of BACKENDS) {
  describe(`the auth matrix (${backend})`, () => {
    beforeAll(async () => {
      ctx = await contextOn(backend, ENV, undefined, { drivers: fakeDriver().registry })
      world = await buildWorld()
    })
    afterAll(async () => {
      await ctx.deps.webhooks.stop()
      await ctx.close()
    })

    it('should classify every route of the app: JSON routes in the table, pages and infrastructure listed apart', () => {
      const routes = ctx.app.routes.map((r) => `${r.method} ${r.path}`)
      const inTable = new Set(TABLE.map((row) => row.route))
      expect(routes.filter((route) => !inTable.has(route) && !NOT_JSON.has(route))).toEqual([])
      expect([...inTable].filter((route) => !routes.includes(route))).toEqual([])
    })

    for (const row of TABLE) {
      const [method = 'GET'] = row.route.split(' ')
      describe(row.route, () => {
        for (const principal of PRINCIPALS) {
          const status = expected(row, principal, takesInput(row))
          if (status === undefined) continue
          it(`should answer ${status} to ${principal}`, async () => {
            const scene = await buildScene()
            const input = await row.input(scene)
            if (principal === 'callerOrgId') {
              if (method !== 'GET') input.body = { ...input.body, _callerOrgId: world.orgA.orgId }
              else input.query = { ...input.query, _callerOrgId: world.orgA.orgId }
            }
            const cell = `${row.route} as ${principal}`
            const call = async () => {
              const response = await send(method, input, headersOf(principal, scene))
              // The body only when the status is wrong: it says why.
              expect({ cell, status: response.status, body: response.status === status ? '' : response.text.slice(0, 300) }).toEqual({
                cell,
                status,
                body: '',
              })
              return response
            }
            if (status < 400) await call()
            else if (!row.audit?.principals.includes(principal)) await refused(ctx, status, call)
            else {
              const { streamId } = scene.lock
              const [head, version] = [await ctx.head(), await ctx.deps.log.streamVersion(streamId)]
              expect((await call()).json?.success).toBe(false)
              const appended = await ctx.deps.log.readStreamRange(streamId, version + 1, await ctx.deps.log.streamVersion(streamId))
              expect({ types: appended.map((event) => event.type), appended: (await ctx.head()) - head }).toEqual({
                types: [row.audit.event],
                appended: 1,
              })
            }
          })
        }
      })
    }
  })
}
