// A lock's event history in pages of ten, oldest first (docs: page is 1-based, the default is the last page).
// Pages are counted from the first event, so a page's content never changes once it is full.
import type { Deps } from '../deps'
import { NotFound } from '../domain/errors'
import { lockStreamId, withoutPrivateFields } from '../domain/lock/events'
import type { Lock } from '../db/schema'

export const HISTORY_PAGE_SIZE = 10

export type HistoryEntry = {
  aggregateType: 'lock'
  aggregateId: string
  version: number
  type: string
  timestamp: string
  orgId: string
  event: { type: string; data: Record<string, unknown> }
}

export type HistoryPage = {
  aggregateId: string
  totalEvents: number
  page: number
  pageSize: number
  totalPages: number
  events: HistoryEntry[]
}

// `orgId` is the lock's organisation now ("" when it has none): the history is read by whoever holds the lock.
export async function lockHistory(deps: Deps, lock: Pick<Lock, 'lockId' | 'orgId'>, requested: number | undefined): Promise<HistoryPage> {
  const streamId = lockStreamId(lock.lockId)
  const totalEvents = await deps.log.streamVersion(streamId)
  const totalPages = Math.max(1, Math.ceil(totalEvents / HISTORY_PAGE_SIZE))
  const page = requested ?? totalPages
  if (page > totalPages) throw new NotFound(`Page ${page} does not exist: the history has ${totalPages} page(s)`)
  const from = (page - 1) * HISTORY_PAGE_SIZE + 1
  const aggregateId = String(lock.lockId)
  const events = (await deps.log.readStreamRange(streamId, from, page * HISTORY_PAGE_SIZE)).map(
    (event): HistoryEntry => ({
      aggregateType: 'lock',
      aggregateId,
      version: event.streamVersion,
      type: event.type,
      timestamp: new Date(event.createdAt).toISOString(),
      orgId: lock.orgId ?? '',
      event: { type: event.type, data: withoutPrivateFields(event.data) },
    }),
  )
  return { aggregateId, totalEvents, page, pageSize: HISTORY_PAGE_SIZE, totalPages, events }
}
