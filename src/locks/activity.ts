// A lock's activity log for its owner's page: its events newest first, 50 a page by stream version range (a page's cost
// follows the page, not the history), each read as who did what with which key, and why a refused attempt was refused.
import type { Data } from '../data/port'
import type { Deps } from '../deps'
import { type LockEvent, lockStreamId, type RefusalReason } from '../domain/lock/events'
import type { StoredEvent } from '../eventstore/types'

export const ACTIVITY_PAGE_SIZE = 50

// Who acted: a user (by e-mail), a guest who was not signed in, an organisation's API key, or no one named.
export type Actor = { kind: 'user'; name: string } | { kind: 'guest' } | { kind: 'org'; orgId: string } | { kind: 'unknown' }

// With which key: a temp key (its description, if any), the lock's owner, a key programmed on the lock (its holder
// opening through the app or the lock page), or an API call's own reason.
export type Means =
  | { kind: 'temp-key'; uuid: string; description: string | null }
  | { kind: 'owner' }
  | { kind: 'lock-key'; indexNumber: number | null }
  | { kind: 'other'; reason: string | null }

export type ActivityEntry = { version: number; at: string } & (
  | { kind: 'opened'; actor: Actor; means: Means }
  | { kind: 'refused'; actor: Actor; means: Means; reason: RefusalReason }
  // A use the API recorded without driving the door (docs: use-temp-key).
  | { kind: 'key-used'; actor: Actor; means: Means }
  | { kind: 'event'; type: string; summary: string }
)

export type ActivityPage = { entries: ActivityEntry[]; before: number | null }

// What an entry needs from the read models; the page looks each up once.
export type ActivityLookups = {
  ownerId: string | null
  userName: (userId: string) => Promise<string | null>
  tempKeyDescription: (uuid: string) => Promise<string | null>
  lockKeyIndex: (userId: string) => Promise<number | null | undefined>
}

const TEMP_KEY_REASON = 'temp-key:'

async function actorOf(principal: string | null, lookups: ActivityLookups): Promise<Actor> {
  if (principal === null || principal === '') return { kind: 'unknown' }
  if (principal === 'anonymous') return { kind: 'guest' }
  if (principal.startsWith('org:')) return { kind: 'org', orgId: principal.slice(4) }
  return { kind: 'user', name: (await lookups.userName(principal)) ?? principal }
}

const tempKey = async (uuid: string, lookups: ActivityLookups): Promise<Means> => ({
  kind: 'temp-key',
  uuid,
  description: await lookups.tempKeyDescription(uuid),
})

// A user's open: as the owner, else with the key they hold on the lock, else (an org's acting user) the reason given.
async function meansOfOpen(reason: string, userId: string | null, lookups: ActivityLookups): Promise<Means> {
  if (reason.startsWith(TEMP_KEY_REASON)) return tempKey(reason.slice(TEMP_KEY_REASON.length), lookups)
  if (userId !== null && userId === lookups.ownerId) return { kind: 'owner' }
  const indexNumber = userId === null ? undefined : await lookups.lockKeyIndex(userId)
  if (indexNumber !== undefined) return { kind: 'lock-key', indexNumber }
  return { kind: 'other', reason: reason === '' ? null : reason }
}

function summaryOf(event: StoredEvent<LockEvent>): string {
  switch (event.type) {
    case 'KeyAdded':
    case 'KeyRemoved':
    case 'KeyWriteRequested':
      return event.data.keyUuid
    case 'ResidentAdded':
      return event.data.name
    case 'ResidentRemoved':
      return event.data.email ?? event.data.userId
    case 'OwnerSet':
      return event.data.userId
    case 'OrganizationSet':
      return event.data.orgId
    case 'LockUuidChanged':
      return event.data.newUuid
    case 'TempKeyCreated':
      return event.data.description || event.data.tempKeyUuid
    case 'TempKeyUpdated':
    case 'TempKeyDeleted':
      return event.data.tempKeyUuid
    default:
      return ''
  }
}

const principalOf = (event: StoredEvent) => (typeof event.metadata.principal === 'string' ? event.metadata.principal : null)

const isUserId = (principal: string | null): principal is string =>
  principal !== null && principal !== '' && principal !== 'anonymous' && !principal.startsWith('org:')

async function entryOf(
  event: StoredEvent<LockEvent>,
  before: StoredEvent<LockEvent> | undefined,
  lookups: ActivityLookups,
): Promise<ActivityEntry | null> {
  const base = { version: event.streamVersion, at: new Date(event.createdAt).toISOString() }
  const principal = principalOf(event)
  switch (event.type) {
    case 'LockOpenRequested': {
      const means = await meansOfOpen(event.data.reason ?? '', isUserId(principal) ? principal : null, lookups)
      return { ...base, kind: 'opened', actor: await actorOf(principal, lookups), means }
    }
    case 'TempKeyOpenRefused': {
      const actor = await actorOf(event.data.userId ?? principal, lookups)
      return { ...base, kind: 'refused', actor, means: await tempKey(event.data.tempKeyUuid, lookups), reason: event.data.reason }
    }
    case 'TempKeyUsed': {
      // An open's own use follows its LockOpenRequested in the same append: the open already says it.
      const openedBy = before?.type === 'LockOpenRequested' ? before.data.reason : undefined
      if (openedBy === `${TEMP_KEY_REASON}${event.data.tempKeyUuid}`) return null
      const [actor, means] = await Promise.all([actorOf(principal, lookups), tempKey(event.data.tempKeyUuid, lookups)])
      return { ...base, kind: 'key-used', actor, means }
    }
    default:
      return { ...base, kind: 'event', type: event.type, summary: summaryOf(event) }
  }
}

// `events` oldest first; `previous` is the event just below them (or undefined), read only to pair an open with its use.
export async function activityEntries(
  events: StoredEvent[],
  previous: StoredEvent | undefined,
  lookups: ActivityLookups,
): Promise<ActivityEntry[]> {
  // The lock stream holds lock events only (its projection reads them the same way).
  const typed = await Promise.all(
    (events as StoredEvent<LockEvent>[]).map((event, i, all) =>
      entryOf(event, i === 0 ? (previous as StoredEvent<LockEvent> | undefined) : all[i - 1], lookups),
    ),
  )
  return typed.filter((entry): entry is ActivityEntry => entry !== null).reverse()
}

// One lookup per distinct key on a page: the entries ask together, so the first asking's promise is shared.
function memo<T>(find: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const known = new Map<string, Promise<T>>()
  return (key) => {
    const hit = known.get(key)
    if (hit) return hit
    const value = find(key)
    known.set(key, value)
    return value
  }
}

function lookupsFor(data: Data, lockId: number, ownerId: string | null): ActivityLookups {
  return {
    ownerId,
    userName: memo(async (userId) => {
      const user = await data.findUser(userId)
      return user ? (user.email ?? user.userId) : null
    }),
    tempKeyDescription: memo(async (uuid) => (await data.findTempKey(uuid))?.description ?? null),
    lockKeyIndex: memo(async (userId) => (await data.findLockKeyOf(lockId, userId))?.keyIndexNumber),
  }
}

// The page of events below version `before` (null: from the newest), newest first; `before` of the result names the
// next older page, null when this one reaches the first event.
export async function lockActivity(
  deps: Pick<Deps, 'data' | 'log'>,
  lock: { lockId: number; ownerId: string | null },
  before: number | null,
): Promise<ActivityPage> {
  const streamId = lockStreamId(lock.lockId)
  const head = await deps.log.streamVersion(streamId)
  const to = before === null ? head : Math.min(before - 1, head)
  if (to < 1) return { entries: [], before: null }
  const from = Math.max(1, to - ACTIVITY_PAGE_SIZE + 1)
  const read = await deps.log.readStreamRange(streamId, Math.max(1, from - 1), to)
  const previous = read[0]?.streamVersion === from - 1 ? read[0] : undefined
  const events = previous === undefined ? read : read.slice(1)
  const entries = await activityEntries(events, previous, lookupsFor(deps.data, lock.lockId, lock.ownerId))
  return { entries, before: from > 1 ? from : null }
}
