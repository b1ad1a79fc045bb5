// The unified /temp-keys resource (docs §3.1): create a collective key (also at /collective-temp-keys), list keys of both
// kinds by lock or by creator, revoke either kind (/collective-temp-keys/{uuid}: collective keys only). The PIN is in
// the create's answer and nowhere else in JSON.
import { Type as T } from '@sinclair/typebox'
import { Elysia, t } from 'elysia'
import { authPlugin, requireAuthenticated } from '../auth/principal'
import type { Deps } from '../deps'
import { Invalid } from '../domain/errors'
import { type CollectiveKeyInput, createCollectiveKey, revokeCollectiveKey } from '../locks/collective-keys'
import { listTempKeys, revokeAnyTempKey } from '../locks/unified-temp-keys'
import { COLLECTIVE_KEYS_PATH, keyPagePath, TEMP_KEYS_PATH } from '../../views/paths'
import { Cursor, Limit, NextCursor, tempKeyCursor } from './cursor'
import { errorResponses, eventMetadata } from './models'
import { DateTime } from './temp-keys'

const AccessMethodSchema = T.Union([T.Literal('key'), T.Literal('code'), T.Literal('both')], {
  description:
    "How the door opens: 'key' slide-to-open on the guest page (the default), 'code' the key's PIN at the entrance panel, 'both'",
})

const LockIdString = T.String({ minLength: 1, maxLength: 16, pattern: '^[1-9][0-9]{0,15}$', description: 'Lock ID (numeric, as a string)' })

const DoorBody = T.Object(
  {
    lockId: T.Union([LockIdString, T.Null()], { description: 'The lock of this door (required: a door without a lock opens nothing)' }),
    label: T.Optional(T.String({ maxLength: 120 })),
    accessMethod: T.Optional(AccessMethodSchema),
  },
  { additionalProperties: false },
)

const CreateBody = T.Object(
  {
    validFrom: DateTime('Start of validity (inclusive)'),
    validUntil: DateTime('End of validity (exclusive)'),
    description: T.Optional(T.String({ maxLength: 2000 })),
    doors: T.Array(DoorBody, {
      minItems: 1,
      maxItems: 50,
      description: 'Doors/rooms/zones included in this shared credential, one per lock',
    }),
  },
  { additionalProperties: false },
)

const DoorSchema = T.Object({
  id: T.Number(),
  lockId: T.String(),
  lockUuid: T.String(),
  label: T.Union([T.String(), T.Null()]),
  accessMethod: AccessMethodSchema,
})

const Created = T.Object({
  success: T.Boolean(),
  uuid: T.String(),
  url: T.String({ description: 'Guest-facing access page path' }),
  validFrom: T.String(),
  validUntil: T.String(),
  doors: T.Array(DoorSchema),
  pin: T.Union([T.String(), T.Null()], { description: 'The entrance-panel PIN: shown here once, null when no door is code/both' }),
})

const ListItem = T.Object({
  uuid: T.String(),
  url: T.String(),
  validFrom: T.String(),
  validUntil: T.String(),
  description: T.Union([T.String(), T.Null()]),
  createdBy: T.String(),
  createdAt: T.String(),
  revokedAt: T.Union([T.String(), T.Null()]),
  doors: T.Array(DoorSchema),
})

const Revoked = T.Object({ success: T.Boolean(), uuid: T.String(), alreadyRevoked: T.Boolean() })

const UuidParams = t.Object({ uuid: t.String({ maxLength: 64, description: 'Collective temporary key UUID' }) })

const ListQuery = t.Object(
  {
    lockId: t.Optional(t.String({ maxLength: 16, pattern: '^[1-9][0-9]{0,15}$', description: 'Only keys touching this lock' })),
    limit: t.Optional(Limit(200, 'Page size, 1-200 (default 100)')),
    cursor: t.Optional(Cursor),
  },
  { additionalProperties: true },
)

const responses = { ...errorResponses, 503: errorResponses[400] }

// Body -> the service's input: every door names its lock.
function toInput(body: typeof CreateBody.static): CollectiveKeyInput {
  const doors = body.doors.map((door, i) => {
    if (door.lockId === null)
      throw new Invalid('Invalid body: doors', [{ field: `doors[${i}].lockId`, message: 'every door needs its lock' }])
    return { lockId: Number(door.lockId), label: door.label, accessMethod: door.accessMethod }
  })
  return { validFrom: body.validFrom, validUntil: body.validUntil, description: body.description, doors }
}

const createDetail = (summary: string) => ({
  summary,
  description:
    "One shared guest credential over up to 50 doors, one per lock, each opened by slide-to-open ('key'), by the key's PIN " +
    "at an entrance panel ('code') or either ('both'). With a code/both door one 6-digit PIN is minted for the key, unique " +
    'among the live keys of each such lock, and returned here only. The caller must manage every lock (404 unknown, 403 not allowed). ' +
    'The key is created on every lock or on none. 503 while PIN access is disabled or when no free PIN could be drawn.',
})

const revokeDetail = (summary: string, kinds: string) => ({
  summary,
  description:
    `Revokes ${kinds}; the caller must manage every lock the key touches (403 otherwise, 404 when they can see none). ` +
    'Opens in flight finish first; none starts after the answer. alreadyRevoked: true when the key was already revoked, ' +
    'by an earlier or a concurrent revocation.',
})

export const collectiveKeyRoutes = (deps: Deps) => {
  return new Elysia({ name: 'routes.collective-keys', detail: { tags: ['TempKey', 'Collective'] } })
    .use(authPlugin(deps))
    .post(
      '/temp-keys',
      async ({ body, principal, request, set }) => {
        const caller = requireAuthenticated(principal)
        const created = await createCollectiveKey(deps, caller, toInput(body), eventMetadata(request, principal))
        set.status = 201
        return { success: true, ...created, url: keyPagePath(TEMP_KEYS_PATH, created.uuid) }
      },
      {
        body: CreateBody,
        response: { 201: Created, ...responses },
        detail: createDetail('Create a collective / shared temporary access key'),
      },
    )
    .post(
      '/collective-temp-keys',
      async ({ body, principal, request, set }) => {
        const caller = requireAuthenticated(principal)
        const created = await createCollectiveKey(deps, caller, toInput(body), eventMetadata(request, principal))
        set.status = 201
        return { success: true, ...created, url: keyPagePath(COLLECTIVE_KEYS_PATH, created.uuid) }
      },
      {
        body: CreateBody,
        response: { 201: Created, ...responses },
        detail: createDetail('Create a collective / shared temporary access key'),
      },
    )
    .get(
      '/temp-keys',
      async ({ query, principal }) => {
        const caller = requireAuthenticated(principal)
        const after = query.cursor === undefined ? null : tempKeyCursor.decode(query.cursor)
        const lockId = query.lockId === undefined ? null : Number(query.lockId)
        const { items, next } = await listTempKeys(deps, caller, lockId, { after, limit: query.limit ?? 100 }, (uuid) =>
          keyPagePath(TEMP_KEYS_PATH, uuid),
        )
        return { tempKeys: items, nextCursor: next && tempKeyCursor.encode(next) }
      },
      {
        query: ListQuery,
        response: { 200: T.Object({ tempKeys: T.Array(ListItem), nextCursor: NextCursor }), ...errorResponses },
        detail: {
          summary: 'List temporary access keys',
          description:
            'Single (lock-scoped) and collective keys alike; a single key lists as one slide-to-open door (id 1) on its lock. ' +
            'With lockId: every key touching that lock (the caller must manage it); without: the keys the caller created. ' +
            'Newest first, revoked keys included (revokedAt). Pages of limit (default 100); pass nextCursor as cursor for the next. ' +
            'Doors on locks the caller cannot see are left out.',
        },
      },
    )
    .delete(
      '/temp-keys/:uuid',
      async ({ params, principal, request }) => {
        const caller = requireAuthenticated(principal)
        return { success: true, ...(await revokeAnyTempKey(deps, caller, params.uuid, eventMetadata(request, principal))) }
      },
      {
        params: t.Object({ uuid: t.String({ maxLength: 64, description: 'Temporary key UUID (single or collective)' }) }),
        response: { 200: Revoked, ...errorResponses },
        detail: revokeDetail(
          'Revoke a collective / shared access key',
          "a single key (its lock's DeleteTempKey, as POST /locks/{id}/delete-temp-key) or a collective key on every lock",
        ),
      },
    )
    .delete(
      '/collective-temp-keys/:uuid',
      async ({ params, principal, request }) => {
        const caller = requireAuthenticated(principal)
        return { success: true, ...(await revokeCollectiveKey(deps, caller, params.uuid, eventMetadata(request, principal))) }
      },
      {
        params: UuidParams,
        response: { 200: Revoked, ...errorResponses },
        detail: revokeDetail('Revoke a collective / shared access key', 'a collective key on every lock it touches (404 for a single key)'),
      },
    )
}
