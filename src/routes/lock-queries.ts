// The documented lock queries (API.md §2.1): basic info, details, the public residents list and the paged history.
// The same visibility rule as the commands: a lock the caller cannot see is 404, exactly as a missing one.
import { Type as T } from '@sinclair/typebox'
import { Elysia, t } from 'elysia'
import { authorizeLock, canSeeLock } from '../auth/lock-access'
import { authPlugin, requireAuthenticated } from '../auth/principal'
import type { Deps } from '../deps'
import { NotFound } from '../domain/errors'
import { lockStreamId } from '../domain/lock/events'
import { HISTORY_PAGE_SIZE, lockHistory } from '../locks/history'
import { errorResponses, LockIdParams } from './models'

// docs: `page` is a string; a pattern (not a coerced integer) keeps the field's name in a 400's details.
const Page = t.String({ pattern: '^[1-9][0-9]{0,8}$', description: 'Page number (1-based). Default: last page (most recent events)' })
const EventsQuery = t.Object({ page: t.Optional(Page) }, { additionalProperties: false })

const KeyView = T.Object({ uuid: T.String(), indexNumber: T.Optional(T.Number()), userId: T.Optional(T.String()) })
const ResidentView = T.Object({ userId: T.String(), name: T.String(), email: T.Optional(T.String()) })
const LockInfo = {
  id: T.String(),
  lockId: T.Number(),
  uuid: T.String(),
  version: T.Number(),
  serialNumber: T.Optional(T.String()),
  ownerId: T.Optional(T.String()),
  organizationId: T.Optional(T.String()),
  r2Prefix: T.String({ description: "Where the lock's events are stored: its stream id" }),
}
const BasicInfoView = T.Object({ ...LockInfo, orgId: T.Optional(T.String()) })
const DetailsView = T.Object({
  ...LockInfo,
  keys: T.Array(KeyView),
  residents: T.Array(ResidentView),
  orgId: T.String({ description: '"" when the lock has no organization' }),
  timestamp: T.String({ description: 'When the lock last changed' }),
})
const HistoryView = T.Object({
  aggregateId: T.String(),
  totalEvents: T.Number(),
  page: T.Number(),
  pageSize: T.Number(),
  totalPages: T.Number(),
  events: T.Array(
    T.Object({
      aggregateType: T.String(),
      aggregateId: T.String(),
      version: T.Number(),
      type: T.String(),
      timestamp: T.String(),
      orgId: T.String(),
      event: T.Object({ type: T.String(), data: T.Record(T.String(), T.Unknown()) }),
    }),
  ),
})

// Read-model nulls are absent fields in the docs' shapes (undefined is left out of the JSON).
const opt = <V>(value: V | null) => value ?? undefined

export const lockQueryRoutes = (deps: Deps) =>
  new Elysia({ name: 'routes.lock-queries', prefix: '/locks', detail: { tags: ['Lock', 'Query'] } })
    .use(authPlugin(deps))
    .get(
      '/:id/basic-info',
      async ({ params, principal }) => {
        const lock = await authorizeLock(deps, requireAuthenticated(principal), params.id, 'use')
        return {
          id: String(lock.lockId),
          lockId: lock.lockId,
          uuid: lock.uuid,
          version: await deps.log.streamVersion(lockStreamId(lock.lockId)),
          serialNumber: opt(lock.serialNumber),
          ownerId: opt(lock.ownerId),
          orgId: opt(lock.orgId),
          organizationId: opt(lock.orgId),
          r2Prefix: lockStreamId(lock.lockId),
        }
      },
      { params: LockIdParams, response: { 200: BasicInfoView, ...errorResponses }, detail: { summary: 'Get basic lock info' } },
    )
    .get(
      '/:id/details',
      async ({ params, principal }) => {
        const lock = await authorizeLock(deps, requireAuthenticated(principal), params.id, 'use')
        const [keyRows, residentRows, version] = await Promise.all([
          deps.data.listLockKeys(lock.lockId),
          deps.data.listLockResidents(lock.lockId),
          deps.log.streamVersion(lockStreamId(lock.lockId)),
        ])
        const keys = keyRows.map((k) => ({ uuid: k.keyUuid, indexNumber: opt(k.keyIndexNumber), userId: opt(k.userId) }))
        const residents = residentRows.map((r) => ({ userId: r.userId, name: r.name, email: opt(r.email) }))
        return {
          id: String(lock.lockId),
          lockId: lock.lockId,
          uuid: lock.uuid,
          serialNumber: opt(lock.serialNumber),
          keys,
          ownerId: opt(lock.ownerId),
          organizationId: opt(lock.orgId),
          residents,
          orgId: lock.orgId ?? '',
          version,
          timestamp: lock.updatedAt,
          r2Prefix: lockStreamId(lock.lockId),
        }
      },
      { params: LockIdParams, response: { 200: DetailsView, ...errorResponses }, detail: { summary: 'Get lock details' } },
    )
    .get(
      '/:id/residents',
      async ({ params, principal }) => {
        const lock = await deps.data.findLock(params.id)
        if (!lock) throw new NotFound('Lock not found')
        // Public (docs) for the doorbell's names; user ids and e-mails go only to callers who may use the lock: an id
        // is enough to whitelist someone on a temp key, and ids must not be collected from every lock's doorbell.
        const isInsider = principal.kind !== 'anonymous' && (await canSeeLock(deps, principal, lock))
        const residents = (await deps.data.listLockResidents(lock.lockId)).map((r) =>
          isInsider ? { userId: r.userId, name: r.name, email: opt(r.email) } : { name: r.name },
        )
        return { residents }
      },
      {
        params: LockIdParams,
        response: { 200: T.Object({ residents: T.Array(T.Union([ResidentView, T.Object({ name: T.String() })])) }), ...errorResponses },
        detail: {
          summary: 'Get residents list (public)',
          description: 'No credentials needed for the names; user ids and e-mail addresses are shown only to callers who may use the lock.',
          security: [],
        },
      },
    )
    .get(
      '/:id/events',
      async ({ params, query, principal }) => {
        // The history names temp keys (bearer links), so it is for the lock's managers only.
        const lock = await authorizeLock(deps, requireAuthenticated(principal), params.id, 'manage')
        return lockHistory(deps, lock, query.page === undefined ? undefined : Number(query.page))
      },
      {
        params: LockIdParams,
        query: EventsQuery,
        response: { 200: HistoryView, ...errorResponses },
        detail: {
          summary: 'Get lock event history',
          description: `Pages of ${HISTORY_PAGE_SIZE}, oldest first; without ?page the last (most recent) one. Past the last: 404.`,
        },
      },
    )
