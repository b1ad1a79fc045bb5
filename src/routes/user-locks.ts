// A user's side of locks (API.md §2.5): the access list (AddAccessibleLock / RemoveAccessibleLock and its query),
// the locks they own and the keys they hold. A user changes and reads only their own; an org key acts on any user
// but sees and grants only its own organization's locks (a super key: all).
import { Type as T } from '@sinclair/typebox'
import { Elysia } from 'elysia'
import { authorizeLock } from '../auth/lock-access'
import { canModifyUser, canReadUser } from '../auth/policies'
import { type Authenticated, authPlugin, requireAuthenticated } from '../auth/principal'
import type { Deps } from '../deps'
import { Forbidden, NotFound } from '../domain/errors'
import { lockStreamId } from '../domain/lock/events'
import { userAggregate } from '../domain/user/decide'
import { userStreamId } from '../domain/user/events'
import { CommandEnvelope, commandResponse, errorResponses, eventMetadata, UserIdParams } from './models'

const ACCESS_LEVELS = ['OWNER', 'ADMIN', 'USER', 'GUEST'] as const
type AccessLevel = (typeof ACCESS_LEVELS)[number]
const AccessLevelSchema = T.Union([T.Literal('OWNER'), T.Literal('ADMIN'), T.Literal('USER'), T.Literal('GUEST')], {
  description: 'Access level',
})
const accessLevel = (value: string): AccessLevel => ACCESS_LEVELS.find((level) => level === value) ?? 'GUEST'

// docs: "123" in the guides; the numeric lock id as a string (no leading zeros, so one lock has one spelling).
const LockIdString = T.String({ pattern: '^[1-9][0-9]{0,15}$', description: 'Lock ID (the numeric lock id, as a string)' })
const DateString = (description: string) =>
  T.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}([Tt ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?([Zz]|[+-]\\d{2}:\\d{2})?)?$', description })
const Text = (description: string) => T.String({ minLength: 1, maxLength: 500, description })
const strict = { additionalProperties: false }

const AddAccessibleLockBody = T.Object(
  {
    lockId: LockIdString,
    lockName: T.Optional(T.String({ maxLength: 200, description: 'Lock name (default: its serial number or "Lock <id>")' })),
    accessLevel: AccessLevelSchema,
    validFrom: T.Optional(DateString('Valid from date')),
    validUntil: T.Optional(DateString('Valid until date')),
    grantedBy: Text('User who granted access'),
  },
  strict,
)
const RemoveAccessibleLockBody = T.Object(
  { lockId: LockIdString, removedBy: Text('User who removed access'), reason: Text('Reason for removal') },
  strict,
)

const AccessibleLocksView = T.Object({
  locks: T.Array(
    T.Object({
      lockId: T.String(),
      lockName: T.String(),
      accessLevel: AccessLevelSchema,
      grantedBy: T.String(),
      expiresAt: T.Optional(T.String()),
    }),
  ),
  totalCount: T.Number(),
})
const OwnedLocksView = T.Object({
  locks: T.Array(
    T.Object({
      lockId: T.Number({ description: 'spkey addition: the numeric lock id' }),
      lockUuid: T.String(),
      serialNumber: T.Union([T.String(), T.Null()]),
      thingName: T.Union([T.String(), T.Null()]),
      online: T.Boolean(),
      keysCount: T.Integer(),
      residentCount: T.Integer(),
      lastEvent: T.Union([T.String(), T.Null()]),
      lastUpdated: T.Union([T.Number(), T.Null()]),
    }),
  ),
  totalCount: T.Integer(),
  source: T.Union([T.Literal('spacetimedb'), T.Literal('unavailable')]),
})
const KeysView = T.Object({
  physicalKeys: T.Array(
    T.Object({
      number: T.Integer(),
      orgId: T.String(),
      orgName: T.Optional(T.String()),
      note: T.Optional(T.String()),
      addedAt: T.Number(),
    }),
  ),
  digitalKeys: T.Array(
    T.Object({ keyId: T.String(), keyIndex: T.Number(), walletType: T.String(), deviceId: T.String(), addedAt: T.String() }),
    { description: 'Wallet keys: always empty, wallets are outside spkey' },
  ),
  lockKeys: T.Array(T.Object({ lockId: T.Number(), keyUuid: T.String(), keyIndexNumber: T.Optional(T.Number()), addedAt: T.String() }), {
    description: 'spkey addition: the lock keys (AddKey) the user holds',
  }),
})

const opt = <V>(value: V | null) => value ?? undefined

// The org an org key is scoped to; null = every org (a user reading their own record, or a super key).
const orgScope = (caller: Authenticated) => (caller.kind === 'org' && !caller.isSuper ? caller.orgId : null)

async function readableUser(deps: Deps, caller: Authenticated, userId: string) {
  if (!canReadUser(caller, userId)) throw new Forbidden('A user may only read their own record')
  if (!(await deps.data.findUser(userId))) throw new NotFound('User not found')
}

async function modifiableUser(deps: Deps, caller: Authenticated, userId: string) {
  if (!canModifyUser(caller, userId)) throw new Forbidden('A user may only change their own lock list; use an organization API key')
  if (!(await deps.data.findUser(userId))) throw new NotFound('User not found')
}

// Granting: an org key manages the lock; a user lists only locks they can use (owned, or holding a key).
const grantable = (deps: Deps, caller: Authenticated, lockId: string) =>
  authorizeLock(deps, caller, Number(lockId), caller.kind === 'org' ? 'manage' : 'use')

// The items on locks of the org in scope (all of them when scope is null).
async function onScopedLocks<I>(deps: Deps, scope: string | null, items: I[], lockIdOf: (item: I) => string | number): Promise<I[]> {
  if (scope === null) return items
  const locks = await Promise.all(items.map((item) => deps.data.findLock(Number(lockIdOf(item)))))
  return items.filter((_, i) => locks[i]?.orgId === scope)
}

async function lastEventOf(deps: Deps, lockId: number) {
  const streamId = lockStreamId(lockId)
  const version = await deps.log.streamVersion(streamId)
  const [last] = await deps.log.readStreamRange(streamId, version, version)
  return { lastEvent: last?.type ?? null, lastUpdated: last?.createdAt ?? null }
}

export const userLockRoutes = (deps: Deps) =>
  new Elysia({ name: 'routes.user-locks', prefix: '/users', detail: { tags: ['User', 'Lock Access'] } })
    .use(authPlugin(deps))
    .post(
      '/:id/AddAccessibleLock',
      async ({ params, body, principal, request }) => {
        const caller = requireAuthenticated(principal)
        await modifiableUser(deps, caller, params.id)
        const lock = await grantable(deps, caller, body.lockId)
        const lockName = body.lockName ?? lock.serialNumber ?? `Lock ${lock.lockId}`
        const { lockId, accessLevel, grantedBy } = body
        const data = { lockId, lockName, accessLevel, validFrom: body.validFrom ?? null, validUntil: body.validUntil ?? null, grantedBy }
        const command = { type: 'AddAccessibleLock' as const, data, metadata: { now: deps.clock.now() } }
        const handled = await deps.commands.handle(userAggregate, userStreamId(params.id), command, eventMetadata(request, caller))
        return commandResponse(params.id, handled, { lockId, accessLevel })
      },
      {
        params: UserIdParams,
        body: AddAccessibleLockBody,
        response: { 200: CommandEnvelope({ lockId: T.String(), accessLevel: AccessLevelSchema }), ...errorResponses },
        detail: {
          summary: 'Grant lock access to user',
          description: 'A user token may only change its own list; an org key grants its own locks to any user.',
        },
      },
    )
    .post(
      '/:id/RemoveAccessibleLock',
      async ({ params, body, principal, request }) => {
        const caller = requireAuthenticated(principal)
        await modifiableUser(deps, caller, params.id)
        // A user may always drop a lock from their own list; an org key only its own locks.
        if (caller.kind === 'org') await authorizeLock(deps, caller, Number(body.lockId), 'manage')
        const command = { type: 'RemoveAccessibleLock' as const, data: body, metadata: { now: deps.clock.now() } }
        const handled = await deps.commands.handle(userAggregate, userStreamId(params.id), command, eventMetadata(request, caller))
        // The event's removedAt: decide stamps it with the command's time.
        return commandResponse(params.id, handled, { lockId: body.lockId, removedAt: new Date(command.metadata.now).toISOString() })
      },
      {
        params: UserIdParams,
        body: RemoveAccessibleLockBody,
        response: { 200: CommandEnvelope({ lockId: T.String(), removedAt: T.String() }), ...errorResponses },
        detail: { summary: 'Revoke lock access from user' },
      },
    )
    .get(
      '/:id/accessible-locks',
      async ({ params, principal }) => {
        const caller = requireAuthenticated(principal)
        await readableUser(deps, caller, params.id)
        const rows = await onScopedLocks(deps, orgScope(caller), await deps.data.listAccessibleLocks(params.id), (row) => row.lockId)
        const locks = rows.map((row) => ({
          lockId: row.lockId,
          lockName: row.lockName,
          accessLevel: accessLevel(row.accessLevel),
          grantedBy: row.grantedBy,
          expiresAt: opt(row.validUntil),
        }))
        return { locks, totalCount: locks.length }
      },
      { params: UserIdParams, response: { 200: AccessibleLocksView, ...errorResponses }, detail: { summary: 'Get accessible locks' } },
    )
    .get(
      '/:id/owned-locks',
      async ({ params, principal }) => {
        const caller = requireAuthenticated(principal)
        await readableUser(deps, caller, params.id)
        const owned = await deps.data.listOwnedLocks(params.id, orgScope(caller))
        const locks = await Promise.all(
          owned.map(async ({ lock, keysCount, residentCount }) => ({
            lockId: lock.lockId,
            lockUuid: lock.uuid,
            serialNumber: lock.serialNumber,
            thingName: null,
            // spkey does not track device presence; a driver answers "offline" per command instead.
            online: false,
            keysCount,
            residentCount,
            ...(await lastEventOf(deps, lock.lockId)),
          })),
        )
        // docs: `source` names the SaaS read model; spkey's own read model answers in its place.
        return { locks, totalCount: locks.length, source: 'spacetimedb' as const }
      },
      { params: UserIdParams, response: { 200: OwnedLocksView, ...errorResponses }, detail: { summary: 'Get locks owned by the user' } },
    )
    .get(
      '/:id/keys',
      async ({ params, principal }) => {
        const caller = requireAuthenticated(principal)
        await readableUser(deps, caller, params.id)
        const scope = orgScope(caller)
        const [inventory, held] = await Promise.all([
          deps.data.listPhysicalKeys(params.id, { orgIds: scope === null ? null : [scope] }),
          deps.data.listKeysHeldBy(params.id),
        ])
        const physicalKeys = inventory.keys.map((key) => ({
          number: key.number,
          orgId: key.orgId,
          orgName: opt(key.orgName),
          note: opt(key.note),
          addedAt: key.addedAt,
        }))
        const lockKeys = (await onScopedLocks(deps, scope, held, (key) => key.lockId)).map((key) => ({
          lockId: key.lockId,
          keyUuid: key.keyUuid,
          keyIndexNumber: opt(key.keyIndexNumber),
          addedAt: key.addedAt,
        }))
        // Wallet keys are outside spkey: no digital keys and no walletKey (the docs make it optional, not nullable).
        return { physicalKeys, digitalKeys: [], lockKeys }
      },
      { params: UserIdParams, response: { 200: KeysView, ...errorResponses }, detail: { summary: 'Get user keys' } },
    )
