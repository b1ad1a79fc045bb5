// Physical-key inventory (docs seeds 000/001 and the two queries): the issuing org adds and removes, readers see
// what they may: the user everything, an org key only what its org issued.
import { Type as T } from '@sinclair/typebox'
import { Elysia, t } from 'elysia'
import { removerScope, requireReadable, visibleScope } from '../auth/inventory-access'
import { canIssuePhysicalKey } from '../auth/policies'
import { type Authenticated, authPlugin, requireAuthenticated } from '../auth/principal'
import type { Deps } from '../deps'
import { Forbidden, NotFound } from '../domain/errors'
import { userAggregate } from '../domain/user/decide'
import { userStreamId } from '../domain/user/events'
import type { PhysicalKeyRow } from '../db/schema'
import { PHYSICAL_KEYS_CAP } from '../projections/users'
import { Cursor, Limit, NextCursor, physicalKeyCursor } from './cursor'
import { CommandEnvelope, commandResponse, errorResponses, eventMetadata, jsonBody, UserIdParams } from './models'

// Exported so the staff page validates its form with the very same rules.
export const AddPhysicalKeyBody = T.Object(
  {
    orgId: T.String({ minLength: 1, description: 'Issuing organisation id' }),
    orgName: T.Optional(T.String({ description: 'Issuing organisation display name' })),
    note: T.Optional(T.String({ maxLength: 500, description: 'Free-text note about the key (max 500 chars)' })),
  },
  { additionalProperties: false },
)

// `_callerOrgId` is deliberately absent: the server sets it from the API key, so a client value is refused.
const RemovePhysicalKeyBody = T.Object(
  { number: T.Integer({ exclusiveMinimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Number of the physical key to remove' }) },
  { additionalProperties: false },
)

const PhysicalKey = T.Object({
  number: T.Integer({ exclusiveMinimum: 0 }),
  orgId: T.String(),
  orgName: T.Optional(T.String()),
  note: T.Optional(T.String()),
  addedAt: T.Number(),
})

// Capped like the ids and names they filter on: each distinct value is part of a read-cache key.
const ListQuery = t.Object(
  {
    orgId: t.Optional(t.String({ maxLength: 128 })),
    orgName: t.Optional(t.String({ maxLength: 200 })),
    q: t.Optional(t.String({ maxLength: 500 })),
  },
  { additionalProperties: false },
)

// The docs' filters, and a page: at most 100 keys (the docs' cap) after the cursor.
const InventoryQuery = t.Object(
  {
    ...ListQuery.properties,
    limit: t.Optional(Limit(PHYSICAL_KEYS_CAP, `Page size, 1-${PHYSICAL_KEYS_CAP} (default ${PHYSICAL_KEYS_CAP}, the docs' cap)`)),
    cursor: t.Optional(Cursor),
  },
  { additionalProperties: false },
)

const toKey = (row: PhysicalKeyRow) => ({
  number: row.number,
  orgId: row.orgId,
  ...(row.orgName !== null ? { orgName: row.orgName } : {}),
  ...(row.note !== null ? { note: row.note } : {}),
  addedAt: row.addedAt,
})

async function readableScope(deps: Deps, caller: Authenticated, userId: string): Promise<string[] | null> {
  const scope = await visibleScope(deps, caller, userId)
  await requireReadable(deps, userId, scope)
  return scope
}

export const physicalKeyRoutes = (deps: Deps) =>
  new Elysia({ name: 'routes.physical-keys', prefix: '/users', detail: { tags: ['User', 'Physical Keys'] } })
    .use(authPlugin(deps))
    .post(
      '/:id/AddPhysicalKey',
      async ({ params, body, principal, request }) => {
        const caller = requireAuthenticated(principal)
        const staffOf = caller.kind === 'user' ? await deps.data.staffOrgIds(caller.userId) : []
        if (!canIssuePhysicalKey(caller, body.orgId, staffOf)) {
          throw new Forbidden('Only the issuing organization may add its physical keys')
        }
        const data = { orgId: body.orgId, orgName: body.orgName ?? null, note: body.note ?? null }
        const command = { type: 'AddPhysicalKey' as const, data, metadata: { now: deps.clock.now() } }
        const handled = await deps.commands.handle(userAggregate, userStreamId(params.id), command, eventMetadata(request, principal))
        const added = handled.events.find((event) => event.type === 'PhysicalKeyAdded')
        if (!added) throw new Error('AddPhysicalKey appended no PhysicalKeyAdded event')
        const { number, orgId, orgName, note, addedAt } = added.data
        return commandResponse(params.id, handled, { number, orgId, orgName, note, addedAt })
      },
      {
        params: UserIdParams,
        body: AddPhysicalKeyBody,
        response: {
          200: CommandEnvelope({
            number: T.Integer({ exclusiveMinimum: 0 }),
            orgId: T.String(),
            orgName: T.Optional(T.String()),
            note: T.Optional(T.String()),
            addedAt: T.Number(),
          }),
          ...errorResponses,
        },
        detail: {
          summary: 'Add a physical key to the user inventory',
          description:
            'Records that an organisation issued a physical key to the user. The server assigns the per-user number, never reused.',
        },
      },
    )
    .post(
      '/:id/RemovePhysicalKey',
      async ({ params, body, principal, request }) => {
        const caller = requireAuthenticated(principal)
        const scope = await removerScope(deps, caller)
        if (scope?.length === 0) throw new Forbidden('Only the issuing organization may remove its physical keys')
        const data = { number: body.number, issuerScope: scope }
        const command = { type: 'RemovePhysicalKey' as const, data, metadata: { now: deps.clock.now() } }
        const handled = await deps.commands.handle(userAggregate, userStreamId(params.id), command, eventMetadata(request, principal))
        return commandResponse(params.id, handled, { number: body.number })
      },
      {
        params: UserIdParams,
        body: RemovePhysicalKeyBody,
        response: { 200: CommandEnvelope({ number: T.Integer({ exclusiveMinimum: 0 }) }), ...errorResponses },
        detail: {
          summary: 'Remove a physical key from the user inventory',
          description: 'The next-number counter is not decremented: numbers are never reused.',
        },
      },
    )
    .get(
      '/:id/PhysicalKeys',
      async ({ params, query, principal }) => {
        const caller = requireAuthenticated(principal)
        // Computed once per request: a staff reader's scope is a query.
        const scope = await visibleScope(deps, caller, params.id)
        const body = await deps.reads.inventoryPage(params.id, scope, query, deps.clock.now(), async () => {
          await requireReadable(deps, params.id, scope)
          const { limit = PHYSICAL_KEYS_CAP, cursor, ...filter } = query
          const after = cursor === undefined ? null : physicalKeyCursor.decode(cursor)
          const { keys, total, next } = await deps.data.listPhysicalKeys(params.id, { orgIds: scope, ...filter }, { after, limit })
          return JSON.stringify({ keys: keys.map(toKey), total, nextCursor: next === null ? null : physicalKeyCursor.encode(next) })
        })
        return jsonBody(body)
      },
      {
        params: UserIdParams,
        query: InventoryQuery,
        response: {
          200: T.Object({ keys: T.Array(PhysicalKey), total: T.Integer({ minimum: 0 }), nextCursor: NextCursor }),
          ...errorResponses,
        },
        detail: {
          summary: "List / search the user's physical keys",
          description:
            'By number, filters AND-ed (orgId and orgName exact, q a case-insensitive substring of the note); total counts ' +
            "every match. A page holds at most limit keys (default and most 100, the docs' cap); pass nextCursor as cursor " +
            'for the next page (null on the last).',
        },
      },
    )
    .get(
      '/:id/PhysicalKeys/:number',
      async ({ params, principal }) => {
        const caller = requireAuthenticated(principal)
        const scope = await readableScope(deps, caller, params.id)
        const key = await deps.data.getPhysicalKey(params.id, params.number)
        // A key another org issued is "not found" to this caller: existence is not revealed across tenants.
        if (!key || (scope !== null && !scope.includes(key.orgId))) throw new NotFound(`No physical key with number ${params.number}`)
        return toKey(key)
      },
      {
        params: t.Object({ id: UserIdParams.properties.id, number: t.Integer({ exclusiveMinimum: 0, maximum: Number.MAX_SAFE_INTEGER }) }),
        query: t.Object({}, { additionalProperties: false }),
        response: { 200: PhysicalKey, ...errorResponses },
        detail: { summary: 'Get a single physical key by number' },
      },
    )
