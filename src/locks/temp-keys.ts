// Temp-key commands and views shared by the JSON API and the owner pages: inputs normalised (UTC ISO instants,
// lower-case key UUIDs), uniqueness across locks checked, and each key's status computed at the moment asked.
import { Type as T, type Static } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import type { Authenticated } from '../auth/principal'
import { principalName } from '../auth/principal'
import type { TempKeyRow } from '../db/schema'
import type { Deps } from '../deps'
import { Conflict, Invalid, NotFound } from '../domain/errors'
import { lockAggregate } from '../domain/lock/decide'
import { lockStreamId, type TempKeyChanges } from '../domain/lock/events'
import { nextWindowStart } from '../domain/lock/schedule'
import type { AccessMode, Schedule } from '../domain/lock/state'
import { statusStableUntil, tempKeyStatus, type TempKeyStatus } from '../domain/lock/temp-key-status'
import type { EventMetadata } from '../eventstore/types'
import type { TempKeyPosition } from '../projections/locks'

const HH_MM = '^([01]\\d|2[0-3]):[0-5]\\d$'

export const WeekdaySchema = T.Union([
  T.Literal('mon'),
  T.Literal('tue'),
  T.Literal('wed'),
  T.Literal('thu'),
  T.Literal('fri'),
  T.Literal('sat'),
  T.Literal('sun'),
])

export const ScheduleSchema = T.Object(
  {
    timezone: T.String({ minLength: 1, maxLength: 64, description: 'IANA time zone of the windows, e.g. Europe/Athens' }),
    weekly: T.Array(
      T.Object(
        {
          days: T.Array(WeekdaySchema, { minItems: 1, maxItems: 7, uniqueItems: true }),
          from: T.String({ pattern: HH_MM, description: 'Local start, HH:MM (inclusive)' }),
          until: T.String({ pattern: HH_MM, description: 'Local end, HH:MM (exclusive; before `from` = overnight)' }),
        },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 28 },
    ),
  },
  { additionalProperties: false, description: 'spkey extension: recurring weekly windows inside validFrom..validUntil' },
)

export const AccessModeSchema = T.Union([T.Literal('public'), T.Literal('user-whitelist')])

// The docs' list item, plus description and (for scheduled keys) the schedule and the start of the current or next
// window before validUntil (null when none is left).
export const TempKeyItemSchema = T.Object({
  uuid: T.String(),
  lockId: T.Number(),
  lockUuid: T.String(),
  accessMode: AccessModeSchema,
  allowedUserIds: T.Array(T.String()),
  validFrom: T.String(),
  validUntil: T.String(),
  maxUses: T.Union([T.Number(), T.Null()]),
  usedCount: T.Number(),
  createdAt: T.String(),
  createdBy: T.String(),
  description: T.Optional(T.String()),
  schedule: T.Optional(ScheduleSchema),
  nextWindow: T.Optional(T.Union([T.String(), T.Null()])),
  status: T.Union([T.Literal('valid'), T.Literal('expired'), T.Literal('used-up'), T.Literal('not-yet-valid')]),
})
export type TempKeyItem = Static<typeof TempKeyItemSchema>

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:[Zz]|([+-])(\d{2}):(\d{2}))$/

// An RFC 3339 instant (Z or an offset; seconds optional) as a UTC ISO string; a calendar-impossible one is a 400.
export function normaliseDateTime(field: string, value: string): string {
  const match = RFC3339.exec(value)
  const [, y, mo, d, h, mi, s = '0', , oh = '0', om = '0'] = match ?? []
  const day = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)))
  const real =
    match !== null &&
    day.getUTCMonth() === Number(mo) - 1 &&
    day.getUTCDate() === Number(d) &&
    Number(h) < 24 &&
    Number(mi) < 60 &&
    Number(s) < 60 &&
    Number(oh) < 24 &&
    Number(om) < 60
  const ms = Date.parse(value)
  if (!real || Number.isNaN(ms)) {
    throw new Invalid(`Invalid ${field}: expected an RFC 3339 date-time`, [
      { field, message: 'must be an RFC 3339 date-time such as 2026-12-25T10:00:00Z' },
    ])
  }
  return new Date(ms).toISOString()
}

export const normaliseKeyUuid = (uuid: string) => uuid.toLowerCase()

const unique = (ids: string[]) => [...new Set(ids)]

export type TempKeyInput = {
  tempKeyUuid?: string
  accessMode: AccessMode
  allowedUserIds?: string[]
  validFrom: string
  validUntil: string
  maxUses?: number | null
  description?: string
  schedule?: Schedule | null
}

export async function createTempKey(deps: Deps, caller: Authenticated, lockId: number, input: TempKeyInput, metadata: EventMetadata) {
  // A supplied UUID must be new everywhere: it is the key's public link, whichever lock it opens, and names one key of
  // the unified /temp-keys resource (collective keys included).
  const supplied = input.tempKeyUuid === undefined ? null : normaliseKeyUuid(input.tempKeyUuid)
  if (supplied !== null) {
    const [single, collective] = await Promise.all([deps.data.findTempKey(supplied), deps.data.findCollectiveKey(supplied)])
    if (single || collective) throw new Conflict('A temporary key with this tempKeyUuid already exists')
  }
  const tempKeyUuid = supplied ?? crypto.randomUUID()
  const data = {
    tempKeyUuid,
    accessMode: input.accessMode,
    allowedUserIds: unique(input.allowedUserIds ?? []),
    validFrom: normaliseDateTime('validFrom', input.validFrom),
    validUntil: normaliseDateTime('validUntil', input.validUntil),
    maxUses: input.maxUses ?? null,
    description: input.description ?? null,
    schedule: input.schedule ?? null,
    createdBy: principalName(caller),
  }
  const command = { type: 'CreateTempKey' as const, data, metadata: { now: deps.clock.now() } }
  const handled = await deps.commands.handle(lockAggregate, lockStreamId(lockId), command, metadata)
  return { handled, tempKeyUuid }
}

export type TempKeyChangeInput = Omit<Partial<TempKeyInput>, 'tempKeyUuid'>

// Only the fields sent become changes; instants are normalised like on create.
export function toChanges(input: TempKeyChangeInput): TempKeyChanges {
  const { validFrom, validUntil, maxUses, allowedUserIds, accessMode, description, schedule } = input
  return {
    ...(validFrom !== undefined ? { validFrom: normaliseDateTime('validFrom', validFrom) } : {}),
    ...(validUntil !== undefined ? { validUntil: normaliseDateTime('validUntil', validUntil) } : {}),
    ...(maxUses !== undefined ? { maxUses } : {}),
    ...(allowedUserIds !== undefined ? { allowedUserIds: unique(allowedUserIds) } : {}),
    ...(accessMode !== undefined ? { accessMode } : {}),
    ...(description !== undefined ? { description } : {}),
    ...(schedule !== undefined ? { schedule } : {}),
  }
}

export function updateTempKey(
  deps: Deps,
  caller: Authenticated,
  lockId: number,
  tempKeyUuid: string,
  changes: TempKeyChanges,
  metadata: EventMetadata,
) {
  const data = { tempKeyUuid: normaliseKeyUuid(tempKeyUuid), changes, updatedBy: principalName(caller) }
  const command = { type: 'UpdateTempKey' as const, data, metadata: { now: deps.clock.now() } }
  return deps.commands.handle(lockAggregate, lockStreamId(lockId), command, metadata)
}

function recordDeletion(deps: Deps, caller: Authenticated, lockId: number, tempKeyUuid: string, metadata: EventMetadata) {
  const data = { tempKeyUuid, deletedBy: principalName(caller) }
  const command = { type: 'DeleteTempKey' as const, data, metadata: { now: deps.clock.now() } }
  return deps.commands.handle(lockAggregate, lockStreamId(lockId), command, metadata)
}

// A deletion waits for the key's opens in flight and holds later ones back (Doors.exclusivelyFor): no door moves for
// the key once it is answered. An unknown or deleted key is a 404 (docs: delete-temp-key).
export function deleteTempKey(deps: Deps, caller: Authenticated, lockId: number, rawUuid: string, metadata: EventMetadata) {
  const tempKeyUuid = normaliseKeyUuid(rawUuid)
  return deps.doors.exclusivelyFor(tempKeyUuid, () => recordDeletion(deps, caller, lockId, tempKeyUuid, metadata))
}

// The unified resource's revocation (DELETE /temp-keys/{uuid}): the same DeleteTempKey, but a key deleted before, or by
// a deletion that got there while this one waited, answers alreadyRevoked (true) instead of 404. Every deletion of a
// key runs under its Doors lock, so the read model's deletedAt looked at here is final.
export function revokeTempKey(deps: Deps, caller: Authenticated, lockId: number, tempKeyUuid: string, metadata: EventMetadata) {
  return deps.doors.exclusivelyFor(tempKeyUuid, async () => {
    const row = await deps.data.findTempKey(tempKeyUuid)
    if (row === undefined) throw new NotFound('Temporary key not found')
    if (row.deletedAt !== null) return true
    await recordDeletion(deps, caller, lockId, tempKeyUuid, metadata)
    return false
  })
}

// The row's JSON columns, read back with the same schema that admitted them.
export function parseTempKeyRow(row: TempKeyRow) {
  const ids: unknown = JSON.parse(row.allowedUserIds)
  const schedule: unknown = row.schedule === null ? null : JSON.parse(row.schedule)
  return {
    allowedUserIds: Value.Check(T.Array(T.String()), ids) ? ids : [],
    schedule: Value.Check(ScheduleSchema, schedule) ? schedule : null,
    accessMode: Value.Check(AccessModeSchema, row.accessMode) ? row.accessMode : 'user-whitelist',
  }
}

export type TempKeyFacts = Omit<TempKeyItem, 'status'> & { status: TempKeyStatus; deleted: boolean }

// Everything a page or the list says about a key at `now` (status 'deleted' for a deleted key).
export function tempKeyFacts(row: TempKeyRow, now: number): TempKeyFacts {
  const { allowedUserIds, schedule, accessMode } = parseTempKeyRow(row)
  const deleted = row.deletedAt !== null
  const state = { ...row, allowedUserIds, schedule, deleted }
  const status = tempKeyStatus(state, now)
  const validUntil = Date.parse(row.validUntil)
  const next = schedule ? nextWindowStart(schedule, Math.max(now, Date.parse(row.validFrom))) : null
  return {
    uuid: row.uuid,
    lockId: row.lockId,
    lockUuid: row.lockUuid,
    accessMode,
    allowedUserIds,
    validFrom: row.validFrom,
    validUntil: row.validUntil,
    maxUses: row.maxUses,
    usedCount: row.usedCount,
    createdAt: row.createdAt,
    createdBy: row.createdBy,
    ...(row.description !== null ? { description: row.description } : {}),
    ...(schedule ? { schedule, nextWindow: next !== null && next < validUntil ? new Date(next).toISOString() : null } : {}),
    status,
    deleted,
  }
}

export type ListableStatus = Exclude<TempKeyStatus, 'deleted'>

// A filtered page looks at no more keys than this after its cursor, however few match: its cost stays bounded, and
// a short (even empty) page with a nextCursor means "keep going".
export const FILTER_SCAN_BUDGET = 1000

export type TempKeyPageQuery = {
  after: TempKeyPosition | null
  // null: every key after the cursor (the docs' whole list)
  limit: number | null
  status: ListableStatus | null
  now: number
  newestFirst?: boolean
}

// next: where the following page starts (null: nothing left); stableUntil: until when this answer holds with no new
// event (every key looked at counts, since a filtered-out key may move into the filter; a schedule: not at all).
export type TempKeyPage = { items: TempKeyItem[]; next: TempKeyPosition | null; stableUntil: number }

const positionOf = (key: { createdAt: string; uuid: string }): TempKeyPosition => ({ createdAt: key.createdAt, uuid: key.uuid })

// The lock's live keys as the docs list them (deleted keys are gone), one page at a time: SQL narrows by the time
// and use columns, tempKeyStatus decides.
export async function pageLiveTempKeys(deps: Deps, lockId: number, query: TempKeyPageQuery): Promise<TempKeyPage> {
  const { limit, status, now } = query
  const budget = limit !== null && status !== null ? FILTER_SCAN_BUDGET : null
  // One row past what the page may use tells whether another page follows.
  const max = limit === null ? null : (budget ?? limit) + 1
  const rows = deps.data.scanLiveTempKeys(lockId, { after: query.after, newestFirst: query.newestFirst ?? false, status, now, max })
  const items: TempKeyItem[] = []
  let stableUntil = Number.POSITIVE_INFINITY
  let scanned = 0
  let last: TempKeyPosition | null = null
  for await (const row of rows) {
    if (scanned === budget) return { items, next: last, stableUntil }
    scanned++
    last = positionOf(row)
    stableUntil = Math.min(stableUntil, row.schedule !== null ? now : statusStableUntil(row, now))
    if (!row.candidate) continue
    const { deleted, status: actual, ...item } = tempKeyFacts(row, now)
    if (deleted || actual === 'deleted' || (status !== null && actual !== status)) continue
    const lastItem = items.at(-1)
    if (items.length === limit && lastItem) return { items, next: positionOf(lastItem), stableUntil }
    items.push({ ...item, status: actual })
  }
  return { items, next: null, stableUntil }
}
