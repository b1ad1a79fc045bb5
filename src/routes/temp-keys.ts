// Temp-key commands and list on the lock (docs §2.2, seeds 002/004): owners and the lock's organisation manage,
// only an org key (or a super key) records an audit-only use. GET /locks/{id}/temp-keys also serves the owner page
// to browsers (Accept: text/html): one path, two representations.
import { Type as T } from '@sinclair/typebox'
import { Elysia, t } from 'elysia'
import { authorizeLock } from '../auth/lock-access'
import { authPlugin, requireAuthenticated } from '../auth/principal'
import type { Deps } from '../deps'
import { Forbidden, Invalid } from '../domain/errors'
import {
  AccessModeSchema,
  createTempKey,
  deleteTempKey,
  FILTER_SCAN_BUDGET,
  normaliseKeyUuid,
  pageLiveTempKeys,
  ScheduleSchema,
  TempKeyItemSchema,
  toChanges,
  updateTempKey,
} from '../locks/temp-keys'
import { Cursor, Limit, NextCursor, tempKeyCursor } from './cursor'
import { CommandEnvelope, commandResponse, errorResponses, eventMetadata, jsonBody, LockIdParams, Uuid } from './models'
import { ownerPageResponse } from './pages/lock-temp-keys'
import { prefersHtml } from './errors'

// RFC 3339 with Z or an offset (seconds optional); normalised to UTC ISO before it reaches the log.
export const DateTime = (description: string) =>
  T.String({
    format: 'date-time',
    pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?([Zz]|[+-]\\d{2}:\\d{2})$',
    description,
  })

const MaxUses = T.Union([T.Integer({ exclusiveMinimum: 0, maximum: Number.MAX_SAFE_INTEGER }), T.Null()], {
  description: 'How many times the key may open the door; null = unlimited',
})

export const CreateTempKeyBody = T.Object(
  {
    tempKeyUuid: T.Optional(Uuid({ description: 'The key UUID (its link); generated when omitted' })),
    accessMode: AccessModeSchema,
    allowedUserIds: T.Optional(T.Array(Uuid(), { maxItems: 1000, description: 'Users a user-whitelist key admits' })),
    validFrom: DateTime('Start of validity (inclusive)'),
    validUntil: DateTime('End of validity (exclusive)'),
    maxUses: T.Optional(MaxUses),
    description: T.Optional(T.String({ maxLength: 2000 })),
    schedule: T.Optional(T.Union([ScheduleSchema, T.Null()])),
  },
  { additionalProperties: false },
)

const UpdateTempKeyBody = T.Object(
  {
    tempKeyUuid: Uuid(),
    validFrom: T.Optional(DateTime('New start of validity')),
    validUntil: T.Optional(DateTime('New end of validity')),
    maxUses: T.Optional(MaxUses),
    allowedUserIds: T.Optional(T.Array(Uuid(), { maxItems: 1000 })),
    accessMode: T.Optional(AccessModeSchema),
    description: T.Optional(T.String({ maxLength: 2000 })),
    schedule: T.Optional(T.Union([ScheduleSchema, T.Null()], { description: 'null removes the schedule' })),
  },
  { additionalProperties: false },
)

// Query parameters beyond these are ignored, as before paging: the owner page shares the path and its links carry
// their own (?done=created).
const TempKeysQuery = t.Object(
  {
    limit: t.Optional(Limit(200, 'Page size, 1-200; without it, every key')),
    cursor: t.Optional(Cursor),
    status: t.Optional(
      t.Union([t.Literal('valid'), t.Literal('not-yet-valid'), t.Literal('expired'), t.Literal('used-up')], {
        description: 'Only the keys with this status now',
      }),
    ),
  },
  { additionalProperties: true },
)

const TempKeyUuidBody = T.Object({ tempKeyUuid: Uuid() }, { additionalProperties: false })

const UseTempKeyBody = T.Object(
  { tempKeyUuid: Uuid(), userId: T.Optional(Uuid({ description: 'The user who used the key' })) },
  { additionalProperties: false },
)

export const tempKeyRoutes = (deps: Deps) =>
  new Elysia({ name: 'routes.temp-keys', prefix: '/locks', detail: { tags: ['Lock', 'TempKey'] } })
    .use(authPlugin(deps))
    .post(
      '/:id/create-temp-key',
      async ({ params, body, principal, request }) => {
        const caller = requireAuthenticated(principal)
        await authorizeLock(deps, caller, params.id, 'manage')
        const { handled, tempKeyUuid } = await createTempKey(deps, caller, params.id, body, eventMetadata(request, principal))
        return commandResponse(String(params.id), handled, { tempKeyUuid })
      },
      {
        params: LockIdParams,
        body: CreateTempKeyBody,
        response: { 200: CommandEnvelope({ tempKeyUuid: T.String() }), ...errorResponses, 409: errorResponses[400] },
        detail: {
          summary: 'Create temporary web access key',
          description:
            'Creates a shareable, time-limited key for the lock. B2C: the lock owner; B2B: the organisation that owns the lock. ' +
            'A supplied tempKeyUuid must not exist yet (409); without one, the server generates it.',
        },
      },
    )
    .post(
      '/:id/update-temp-key',
      async ({ params, body, principal, request }) => {
        const caller = requireAuthenticated(principal)
        await authorizeLock(deps, caller, params.id, 'manage')
        const { tempKeyUuid, ...fields } = body
        const handled = await updateTempKey(deps, caller, params.id, tempKeyUuid, toChanges(fields), eventMetadata(request, principal))
        return commandResponse(String(params.id), handled, {})
      },
      {
        params: LockIdParams,
        body: UpdateTempKeyBody,
        response: { 200: CommandEnvelope(), ...errorResponses },
        detail: {
          summary: 'Update temporary web access key',
          description: 'Changes only the fields sent: dates, max uses, whitelist, access mode, description, schedule.',
        },
      },
    )
    .post(
      '/:id/delete-temp-key',
      async ({ params, body, principal, request }) => {
        const caller = requireAuthenticated(principal)
        await authorizeLock(deps, caller, params.id, 'manage')
        const handled = await deleteTempKey(deps, caller, params.id, body.tempKeyUuid, eventMetadata(request, principal))
        return commandResponse(String(params.id), handled, {})
      },
      {
        params: LockIdParams,
        body: TempKeyUuidBody,
        response: { 200: CommandEnvelope(), ...errorResponses },
        detail: {
          summary: 'Delete temporary web access key',
          description: 'A deleted key never opens again (404 when unknown or already deleted).',
        },
      },
    )
    .get(
      '/:id/temp-keys',
      async ({ params, query, principal, request }) => {
        if (prefersHtml(request)) return ownerPageResponse(deps, request, params.id, { cursor: query.cursor })
        const caller = requireAuthenticated(principal)
        await authorizeLock(deps, caller, params.id, 'manage')
        const now = deps.clock.now()
        const after = query.cursor === undefined ? null : tempKeyCursor.decode(query.cursor)
        const page = { after, limit: query.limit ?? null, status: query.status ?? null }
        const body = await deps.reads.tempKeyListPage(params.id, page, now, async () => {
          const { items, next, stableUntil } = await pageLiveTempKeys(deps, params.id, { ...page, now })
          return { body: JSON.stringify({ tempKeys: items, nextCursor: next && tempKeyCursor.encode(next) }), stableUntil }
        })
        return jsonBody(body)
      },
      {
        params: LockIdParams,
        query: TempKeysQuery,
        response: { 200: T.Object({ tempKeys: T.Array(TempKeyItemSchema), nextCursor: NextCursor }), ...errorResponses },
        detail: {
          summary: 'List temporary keys for lock',
          description:
            'The live keys with their status now (valid, expired, used-up, not-yet-valid; outside a scheduled window counts ' +
            'as not-yet-valid), oldest first. Without limit: every key, as the docs answer. With limit: one page; pass its ' +
            `nextCursor as cursor for the next (null on the last page). A status-filtered page looks at no more than ${FILTER_SCAN_BUDGET} ` +
            'keys, so it may hold fewer than limit, even none, and still have a nextCursor. Browsers asking for text/html get the owner page.',
        },
      },
    )
    .post(
      '/:id/use-temp-key',
      async ({ params, body, principal, request }) => {
        const caller = requireAuthenticated(principal)
        await authorizeLock(deps, caller, params.id, 'manage')
        if (caller.kind !== 'org') throw new Forbidden('Only the lock organization’s API key or a super key may record a use')
        const tempKeyUuid = normaliseKeyUuid(body.tempKeyUuid)
        if ((await deps.data.findTempKey(tempKeyUuid))?.accessMode === 'user-whitelist' && body.userId === undefined) {
          throw new Invalid('Invalid body: userId', [
            { field: 'userId', message: 'a user-whitelist key is used by a user: userId is required' },
          ])
        }
        const input = { tempKeyUuid, userId: body.userId ?? null }
        const handled = await deps.doors.recordTempKeyUse(params.id, input, eventMetadata(request, principal))
        return commandResponse(String(params.id), handled, {}, 'TempKeyUsed')
      },
      {
        params: LockIdParams,
        body: UseTempKeyBody,
        response: { 200: CommandEnvelope(), ...errorResponses },
        detail: {
          summary: 'Record temporary web access key usage',
          description:
            'Appends TempKeyUsed (audit, partner fan-out) without moving the door; it spends a use and is refused like an open ' +
            '(not yet valid, expired, used up, deleted, user not allowed). Only the lock organization’s API key or a super key.',
        },
      },
    )
