// The unified /temp-keys resource (docs §3.1) over both kinds of key. A single (lock-scoped) key reads as a key with one
// slide-to-open door, id 1, on its lock. Lists run newest first by (createdAt, uuid) across both tables: UUIDs are
// unique across them (createTempKey refuses a collective key's), so the pair orders every key once, and a page is two
// indexed LIMIT queries merged, whatever either table holds.
import type { Authenticated } from '../auth/principal'
import { principalName } from '../auth/principal'
import type { Deps } from '../deps'
import type { EventMetadata } from '../eventstore/types'
import type { ListedTempKeyRow, TempKeyPosition } from '../projections/locks'
import { guestPath } from '../../views/paths'
import { authorizeLock } from '../auth/lock-access'
import { authorizeKeyLocks, type CollectiveKeyItem, collectiveItem, lockVisibility, revokeCollectiveKey } from './collective-keys'
import { normaliseKeyUuid, revokeTempKey } from './temp-keys'

// The one door of a single key (docs: POST /temp-keys/{uuid}/doors/{doorId}/open with doorId 1).
export const SINGLE_KEY_DOOR = 1

export type TempKeyListItem = CollectiveKeyItem

const singleItem = async (key: ListedTempKeyRow, visible: (lockId: number) => Promise<boolean>): Promise<TempKeyListItem> => ({
  uuid: key.uuid,
  url: guestPath(key.uuid),
  validFrom: key.validFrom,
  validUntil: key.validUntil,
  description: key.description,
  createdBy: key.createdBy,
  createdAt: key.createdAt,
  revokedAt: key.deletedAt,
  doors: (await visible(key.lockId))
    ? [{ id: SINGLE_KEY_DOOR, lockId: String(key.lockId), lockUuid: key.lockUuid, label: null, accessMethod: 'key' }]
    : [],
})

const newestFirst = (a: TempKeyPosition, b: TempKeyPosition) =>
  a.createdAt === b.createdAt ? (a.uuid < b.uuid ? 1 : a.uuid > b.uuid ? -1 : 0) : a.createdAt < b.createdAt ? 1 : -1

export type TempKeyListPage = { items: TempKeyListItem[]; next: TempKeyPosition | null }

// With a lock: every key touching it (the caller must manage it: 404 / 403). Without: the keys the caller created, as
// both kinds record their creator (principalName: the user, an org key's acting user, else `org:<id>`).
export async function listTempKeys(
  deps: Deps,
  caller: Authenticated,
  lockId: number | null,
  page: { after: TempKeyPosition | null; limit: number },
  collectiveUrl: (uuid: string) => string,
): Promise<TempKeyListPage> {
  if (lockId !== null) await authorizeLock(deps, caller, lockId, 'manage')
  const filter = lockId === null ? { createdBy: principalName(caller) } : { lockId }
  // Each query answers one more than the page, so the merge knows whether another page follows.
  const [singles, collectives] = await Promise.all([
    deps.data.pageTempKeys(filter, page.after, page.limit + 1),
    deps.data.pageCollectiveKeys(filter, page.after, page.limit),
  ])
  const merged = [
    ...singles.map((row) => ({ kind: 'single' as const, row })),
    ...collectives.map((row) => ({ kind: 'collective' as const, row })),
  ]
    .sort((a, b) => newestFirst(a.row, b.row))
    .slice(0, page.limit + 1)
  const visible = lockVisibility(deps, caller)
  const items = await Promise.all(
    merged
      .slice(0, page.limit)
      .map((entry) =>
        entry.kind === 'single' ? singleItem(entry.row, visible) : collectiveItem(deps, entry.row, collectiveUrl(entry.row.uuid), visible),
      ),
  )
  const last = items.at(-1)
  return { items, next: merged.length > page.limit && last ? { createdAt: last.createdAt, uuid: last.uuid } : null }
}

// DELETE /temp-keys/{uuid}: a single key by its lock's DeleteTempKey (the caller must manage the lock: 404 / 403),
// a collective key on every lock it touches. alreadyRevoked: it was revoked before, or concurrently.
export async function revokeAnyTempKey(
  deps: Deps,
  caller: Authenticated,
  rawUuid: string,
  metadata: EventMetadata,
): Promise<{ uuid: string; alreadyRevoked: boolean }> {
  const uuid = normaliseKeyUuid(rawUuid)
  const single = await deps.data.findTempKey(uuid)
  if (!single) return revokeCollectiveKey(deps, caller, rawUuid, metadata)
  await authorizeKeyLocks(deps, caller, [single.lockId])
  return { uuid, alreadyRevoked: await revokeTempKey(deps, caller, single.lockId, uuid, metadata) }
}
