// The documented lock commands (API.md §2.1). Who may: the lock's org key (or a super key) and its owner; key holders
// may also open. A caller who cannot see the lock at all gets 404, exactly as for a missing lock.
import { Type as T } from '@sinclair/typebox'
import { Elysia } from 'elysia'
import { authorizeLock, canSeeLock } from '../auth/lock-access'
import { canAssignOrg, isSuperKey } from '../auth/policies'
import { type Authenticated, authPlugin, requireAuthenticated } from '../auth/principal'
import { findOrCreateUserByEmail, normalizeEmail } from '../auth/tenants'
import type { Deps } from '../deps'
import { Conflict, Forbidden, Invalid } from '../domain/errors'
import type { LockCommand } from '../domain/lock/commands'
import { lockAggregate } from '../domain/lock/decide'
import { lockStreamId } from '../domain/lock/events'
import { DriverFailed, type KeyCommand } from '../locks/doors'
import { registerLock, setLockOrganization, setLockOwner } from '../locks/provisioning'
import { CommandEnvelope, commandResponse, Email, ErrorEnvelope, errorResponses, eventMetadata, LockIdParams, Uuid } from './models'

const MAX_INT = Number.MAX_SAFE_INTEGER
const KeyIndex = (description: string) => T.Integer({ minimum: -MAX_INT, maximum: MAX_INT, description })
const Id = (description: string) => T.String({ minLength: 1, maxLength: 128, description })
// The docs' command-schema pattern, on top of the email format.
const strict = { additionalProperties: false }

const InitialKey = T.Object(
  { uuid: Id('Key UUID'), indexNumber: T.Optional(KeyIndex('Key index')), userId: T.Optional(Id('Key holder')) },
  strict,
)
const CreateLockBody = T.Object(
  {
    index: T.Integer({ exclusiveMinimum: 0, maximum: MAX_INT, description: 'Lock index number' }),
    uuid: Uuid({ description: 'Lock UUID' }),
    serialNumber: T.Optional(T.String({ maxLength: 800, description: 'Serial number' })),
    vendorName: T.Optional(T.String({ maxLength: 800, description: 'Vendor/manufacturer name' })),
    name: T.Optional(T.String({ minLength: 1, maxLength: 200, description: 'spkey addition: the lock\'s display name ("Front door")' })),
    ownerId: T.Optional(Id('Owner user ID (a user may only name themself)')),
    keys: T.Optional(T.Array(InitialKey, { maxItems: 1000, description: 'Initial keys' })),
  },
  strict,
)
const SetOwnerBody = T.Object({ userId: Id('User ID to set as owner') }, strict)
const SetOrganizationBody = T.Object({ orgId: Id('Organization ID') }, strict)
const ChangeLockUuidBody = T.Object({ newUuid: Uuid({ description: 'New UUID for the lock' }) }, strict)
const OpenLockBody = T.Object(
  {
    requestId: T.Optional(T.String({ maxLength: 200, description: 'Request tracking ID' })),
    reason: T.Optional(T.String({ maxLength: 500, description: 'Reason for opening' })),
  },
  strict,
)
const AddKeyBody = T.Object(
  { keyUuid: Id('Key identifier'), keyIndexNumber: T.Optional(KeyIndex('Physical key index')), userId: T.Optional(Id('User ID')) },
  strict,
)
// docs: no upper bound; spkey takes at most this many keys per run (each is a device command, a second apart).
const MAX_BULK_KEYS = 100
const BulkAddKeysBody = T.Object(
  {
    keys: T.Array(AddKeyBody, {
      minItems: 1,
      maxItems: MAX_BULK_KEYS,
      description: `List of keys to add to the lock (at most ${MAX_BULK_KEYS}, each keyUuid once)`,
    }),
  },
  strict,
)
const WorkflowStarted = T.Object({ success: T.Boolean(), lockId: T.Number(), instanceId: T.String() })
const RemoveKeyBody = T.Object(
  { keyUuid: T.Optional(Id('Key identifier')), keyIndexNumber: T.Optional(KeyIndex('Physical key index')) },
  { ...strict, description: 'keyUuid or keyIndexNumber names the key' },
)
const WriteKeyBody = T.Object(
  { keyUuid: Id('Key identifier to write to device firmware'), keyIndexNumber: T.Optional(KeyIndex('Physical key index on device')) },
  strict,
)
const AddResidentBody = T.Object(
  {
    email: Email('Resident email; an unknown address gets a new user'),
    name: T.String({ minLength: 1, maxLength: 200, description: 'Resident name' }),
  },
  strict,
)
const RemoveResidentBody = T.Object({ email: Email('Resident email to remove') }, strict)

const envelope = (extra = {}) => ({ 200: CommandEnvelope(extra), ...errorResponses })
// Commands that drive the device answer 502 when it did not confirm.
const deviceEnvelope = (extra = {}) => ({ ...envelope(extra), 502: ErrorEnvelope })
const aggregateId = (lockId: number) => String(lockId)

// Who a new lock belongs to: a user creates only locks they own; an org key creates locks for its org.
function creator(caller: Authenticated, ownerId: string | undefined) {
  if (caller.kind === 'org') return { ownerId: ownerId ?? null, orgId: caller.orgId }
  if (ownerId !== undefined && ownerId !== caller.userId) throw new Forbidden('A user may only create locks they own')
  return { ownerId: caller.userId, orgId: null }
}

async function requireUserId(deps: Deps, field: string, userId: string | null) {
  if (userId !== null && !(await deps.data.findUser(userId))) {
    throw new Invalid(`Unknown user ${userId}`, [{ field, message: 'no such user' }])
  }
}

// The target org must consent (canAssignOrg). Refused before the org is looked up, so an unknown org and one that
// did not consent answer alike; only a super key, which may name any org, learns that one does not exist.
async function assignableOrg(deps: Deps, caller: Authenticated, orgId: string, currentOrgId: string | null) {
  const staffOf = caller.kind === 'user' ? await deps.data.staffOrgIds(caller.userId) : []
  if (!canAssignOrg(caller, orgId, staffOf, currentOrgId)) {
    throw new Forbidden('Only the organization itself (its API key or its staff) may take on a lock')
  }
  if (!(await deps.data.findOrg(orgId)))
    throw new Invalid(`Unknown organization ${orgId}`, [{ field: 'orgId', message: 'no such organization' }])
}

export const locksRoutes = (deps: Deps) => {
  const now = () => ({ now: deps.clock.now() })
  const handle = (lockId: number, command: LockCommand, request: Request, caller: Authenticated) =>
    deps.commands.handle(lockAggregate, lockStreamId(lockId), command, eventMetadata(request, caller))
  const drive = (lockId: number, command: KeyCommand, request: Request, caller: Authenticated) =>
    deps.doors.programKey(lockId, command, eventMetadata(request, caller))
  // The resident's user: found by e-mail, or created the way GET /users/by-email provisions one.
  const residentUserId = async (email: string, request: Request, caller: Authenticated) =>
    (await findOrCreateUserByEmail(deps, { email }, eventMetadata(request, caller))).user.userId

  return new Elysia({ name: 'routes.locks', prefix: '/locks', detail: { tags: ['Lock', 'Command'] } })
    .use(authPlugin(deps))
    .post(
      '/:id/CreateLock',
      async ({ params, body, principal, request, set }) => {
        const caller = requireAuthenticated(principal)
        const owner = creator(caller, body.ownerId)
        await requireUserId(deps, 'ownerId', owner.ownerId)
        const existing = await deps.data.findLock(params.id)
        // Lock ids are global: another tenant's lock is neither repeated nor described, the id is just taken.
        if (existing && !(await canSeeLock(deps, caller, existing))) throw new Conflict('This lock id is already in use')
        const { index, uuid, serialNumber = null, vendorName = null, name = null, keys = [] } = body
        const data = { lockId: params.id, index, uuid, serialNumber, vendorName, name, ...owner, keys }
        const handled = await registerLock(deps, data, eventMetadata(request, caller))
        if (handled.events.length > 0) set.status = 201
        return commandResponse(aggregateId(params.id), handled, {})
      },
      {
        params: LockIdParams,
        body: CreateLockBody,
        response: { 201: CommandEnvelope(), ...envelope(), 409: ErrorEnvelope },
        detail: {
          summary: 'Create new lock',
          description:
            'Idempotent: 201 when created, 200 with event null when the caller has it already; 409 when another tenant uses the id.',
        },
      },
    )
    .post(
      '/:id/SetOwner',
      async ({ params, body, principal, request }) => {
        const caller = requireAuthenticated(principal)
        await authorizeLock(deps, caller, params.id, 'manage')
        await requireUserId(deps, 'userId', body.userId)
        const handled = await setLockOwner(deps, params.id, body.userId, eventMetadata(request, caller))
        return commandResponse(aggregateId(params.id), handled, {})
      },
      { params: LockIdParams, body: SetOwnerBody, response: envelope(), detail: { summary: 'Set lock owner' } },
    )
    .post(
      '/:id/SetOrganization',
      async ({ params, body, principal, request }) => {
        const caller = requireAuthenticated(principal)
        const lock = await authorizeLock(deps, caller, params.id, 'manage')
        await assignableOrg(deps, caller, body.orgId, lock.orgId)
        const handled = await setLockOrganization(deps, params.id, body.orgId, eventMetadata(request, caller))
        return commandResponse(aggregateId(params.id), handled, {})
      },
      {
        params: LockIdParams,
        body: SetOrganizationBody,
        response: envelope(),
        detail: {
          summary: 'Set lock organization',
          description:
            'The organization must consent: its API key (or a super key) or a user who is its staff; 403 otherwise, ' +
            'also for an organization that does not exist.',
        },
      },
    )
    .post(
      '/:id/ChangeLockUuid',
      async ({ params, body, principal, request }) => {
        const caller = requireAuthenticated(principal)
        await authorizeLock(deps, caller, params.id, 'use')
        if (!isSuperKey(caller)) throw new Forbidden('Changing a lock UUID requires a super API key')
        const handled = await handle(params.id, { type: 'ChangeLockUuid', data: body, metadata: now() }, request, caller)
        return commandResponse(aggregateId(params.id), handled, {})
      },
      {
        params: LockIdParams,
        body: ChangeLockUuidBody,
        response: { ...envelope(), 409: ErrorEnvelope },
        detail: { summary: 'Change lock UUID (super API key only)' },
      },
    )
    .post(
      '/:id/OpenLock',
      async ({ params, body, principal, request }) => {
        const caller = requireAuthenticated(principal)
        await authorizeLock(deps, caller, params.id, 'use')
        const userId = caller.kind === 'user' ? caller.userId : caller.actingUserId
        const input = { requestId: body.requestId ?? null, reason: body.reason ?? null, userId }
        const result = await deps.doors.openLock(params.id, input, eventMetadata(request, caller))
        if (result.status === 'failed') throw new DriverFailed(result.reason)
        return commandResponse(aggregateId(params.id), result.handled, { offline: result.offline })
      },
      {
        params: LockIdParams,
        body: OpenLockBody,
        response: deviceEnvelope({ offline: T.Boolean({ description: 'The device was offline: the command is queued for it' }) }),
        detail: {
          summary: 'Open lock',
          description:
            'Drives the lock first; LockOpenRequested is recorded only when the device confirmed, or queued the command ' +
            '(offline: true). 502 when it failed.',
        },
      },
    )
    .post(
      '/:id/AddKey',
      async ({ params, body, principal, request }) => {
        const caller = requireAuthenticated(principal)
        await authorizeLock(deps, caller, params.id, 'manage')
        const data = { keyUuid: body.keyUuid, keyIndexNumber: body.keyIndexNumber ?? null, userId: body.userId ?? null }
        const handled = await drive(params.id, { type: 'AddKey', data, metadata: now() }, request, caller)
        return commandResponse(aggregateId(params.id), handled, {})
      },
      {
        params: LockIdParams,
        body: AddKeyBody,
        response: deviceEnvelope(),
        detail: { summary: 'Add key to lock', description: 'Fail-fast: when the device cannot be reached, 502 and no key is recorded.' },
      },
    )
    .post(
      '/:id/BulkAddKeys',
      async ({ params, body, principal, request }) => {
        const caller = requireAuthenticated(principal)
        await authorizeLock(deps, caller, params.id, 'manage')
        const keys = body.keys.map((key) => ({
          keyUuid: key.keyUuid,
          keyIndexNumber: key.keyIndexNumber ?? null,
          userId: key.userId ?? null,
        }))
        const { instanceId } = await deps.keyWorkflows.bulkAddKeys(params.id, keys, eventMetadata(request, caller))
        // docs: not the envelope; the workflow has started and the answer does not wait for it.
        return { success: true, lockId: params.id, instanceId }
      },
      {
        params: LockIdParams,
        body: BulkAddKeysBody,
        response: { 200: WorkflowStarted, ...errorResponses },
        detail: {
          tags: ['Lock', 'Workflow'],
          summary: 'Bulk add keys to a lock via workflow',
          description:
            "Answers at once with the run's instanceId. BulkAddKeysStarted is recorded first; then each key is programmed as " +
            'AddKey does it (KeyAdded once the device confirmed), a pause between device commands, a failed device call tried ' +
            'again; a key that still fails is recorded as BulkAddKeyFailed and the run goes on; BulkAddKeysFinished ends it.',
        },
      },
    )
    .post(
      '/:id/RemoveKey',
      async ({ params, body, principal, request }) => {
        const caller = requireAuthenticated(principal)
        await authorizeLock(deps, caller, params.id, 'manage')
        const data = { keyUuid: body.keyUuid ?? null, keyIndexNumber: body.keyIndexNumber ?? null }
        const handled = await drive(params.id, { type: 'RemoveKey', data, metadata: now() }, request, caller)
        return commandResponse(aggregateId(params.id), handled, {})
      },
      { params: LockIdParams, body: RemoveKeyBody, response: deviceEnvelope(), detail: { summary: 'Remove key from lock' } },
    )
    .post(
      '/:id/WriteKey',
      async ({ params, body, principal, request }) => {
        const caller = requireAuthenticated(principal)
        await authorizeLock(deps, caller, params.id, 'manage')
        const data = { keyUuid: body.keyUuid, keyIndexNumber: body.keyIndexNumber ?? null }
        const handled = await drive(params.id, { type: 'WriteKey', data, metadata: now() }, request, caller)
        return commandResponse(aggregateId(params.id), handled, {})
      },
      { params: LockIdParams, body: WriteKeyBody, response: deviceEnvelope(), detail: { summary: 'Write key to lock firmware' } },
    )
    .post(
      '/:id/AddResident',
      async ({ params, body, principal, request }) => {
        const caller = requireAuthenticated(principal)
        await authorizeLock(deps, caller, params.id, 'manage')
        const data = { userId: await residentUserId(body.email, request, caller), email: body.email, name: body.name }
        const handled = await handle(params.id, { type: 'AddResident', data, metadata: now() }, request, caller)
        return commandResponse(aggregateId(params.id), handled, { email: body.email })
      },
      {
        params: LockIdParams,
        body: AddResidentBody,
        response: envelope({ email: T.String() }),
        detail: {
          summary: 'Add resident to doorbell list',
          description: 'An e-mail no user has yet provisions one, as GET /users/by-email does.',
        },
      },
    )
    .post(
      '/:id/RemoveResident',
      async ({ params, body, principal, request }) => {
        const caller = requireAuthenticated(principal)
        await authorizeLock(deps, caller, params.id, 'manage')
        const user = await deps.data.findUserByEmail(normalizeEmail(body.email))
        if (!user) throw new Invalid('This user is not a resident of the lock')
        const data = { userId: user.userId, email: body.email }
        const handled = await handle(params.id, { type: 'RemoveResident', data, metadata: now() }, request, caller)
        return commandResponse(aggregateId(params.id), handled, { email: body.email })
      },
      {
        params: LockIdParams,
        body: RemoveResidentBody,
        response: envelope({ email: T.String() }),
        detail: { summary: 'Remove resident from doorbell list' },
      },
    )
}
