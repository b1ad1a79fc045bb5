// Collective temp keys (docs §3.1): one credential over several locks, shared by the JSON API and the owner page.
// A create is one command per lock, appended together (CommandHandler.handleAcross): a refusal on any lock (its PIN
// taken there, the lock gone) leaves no part of the key anywhere, so a key is visible only once it is complete. A
// PIN taken on one of the locks is drawn again; a revocation waits for the key's in-flight opens and holds later ones.
import { canSeeLock, isLockManager, authorizeLock } from '../auth/lock-access'
import type { Authenticated } from '../auth/principal'
import { principalName } from '../auth/principal'
import type { CollectiveTempKeyDoorRow, CollectiveTempKeyRow } from '../db/schema'
import type { Deps } from '../deps'
import { Forbidden, Invalid, NotFound, Unavailable } from '../domain/errors'
import { PinTaken, takesCode } from '../domain/lock/collective'
import type { CollectiveDoorSpec, CreateCollectiveTempKey } from '../domain/lock/commands'
import { lockAggregate } from '../domain/lock/decide'
import { lockStreamId } from '../domain/lock/events'
import type { AccessMethod } from '../domain/lock/state'
import type { EventMetadata } from '../eventstore/types'
import type { CollectiveKeyPosition } from '../projections/collective-keys'
import { normaliseDateTime, normaliseKeyUuid } from './temp-keys'

// Draws of a PIN before giving up with 503: with a million PINs a lock would need most of them live to exhaust this.
export const PIN_DRAWS = 20

export type DoorInput = { lockId: number; label?: string; accessMethod?: AccessMethod }
export type CollectiveKeyInput = { validFrom: string; validUntil: string; description?: string; doors: DoorInput[] }

export type DoorView = { id: number; lockId: string; lockUuid: string; label: string | null; accessMethod: AccessMethod }
export type CollectiveKeyItem = {
  uuid: string
  url: string
  validFrom: string
  validUntil: string
  description: string | null
  createdBy: string
  createdAt: string
  revokedAt: string | null
  doors: DoorView[]
}

export const PIN_DISABLED = 'PIN access is disabled on this server (PIN_ACCESS=off)'

function doorIssues(doors: DoorInput[]): void {
  const duplicate = doors.findIndex((door, i) => doors.findIndex((other) => other.lockId === door.lockId) !== i)
  if (duplicate >= 0) {
    throw new Invalid('Each lock may appear once: duplicate lockId', [
      { field: `doors[${duplicate}].lockId`, message: 'this lock is already a door of the key' },
    ])
  }
}

export type CreatedCollectiveKey = {
  uuid: string
  validFrom: string
  validUntil: string
  doors: DoorView[]
  pin: string | null
}

export async function createCollectiveKey(
  deps: Deps,
  caller: Authenticated,
  input: CollectiveKeyInput,
  metadata: EventMetadata,
): Promise<CreatedCollectiveKey> {
  const validFrom = normaliseDateTime('validFrom', input.validFrom)
  const validUntil = normaliseDateTime('validUntil', input.validUntil)
  doorIssues(input.doors)
  // docs: 404 for a lock that does not exist (or that the caller cannot see), 403 for one they may not manage.
  const locks = await Promise.all(input.doors.map((door) => authorizeLock(deps, caller, door.lockId, 'manage')))
  const doors = input.doors.map((door, i) => ({
    id: i + 1,
    lockId: door.lockId,
    label: door.label ?? null,
    accessMethod: door.accessMethod ?? 'key',
  }))
  const needsPin = doors.some((door) => takesCode(door.accessMethod))
  if (needsPin && !deps.config.pinAccess) throw new Unavailable(PIN_DISABLED)
  const tempKeyUuid = crypto.randomUUID()
  const base = { tempKeyUuid, validFrom, validUntil, description: input.description ?? null, createdBy: principalName(caller) }
  for (let draw = 0; draw < PIN_DRAWS; draw++) {
    const minted = needsPin ? deps.pins.mint() : null
    const pin = minted && { hash: minted.hash, seed: minted.seed }
    // One instant for every lock: the key's createdAt, which orders it in each lock's list.
    const now = deps.clock.now()
    const commands = doors.map(({ lockId, ...door }) => {
      const spec: CollectiveDoorSpec = door
      const command: CreateCollectiveTempKey = {
        type: 'CreateCollectiveTempKey',
        data: { ...base, doors: [spec], pin },
        metadata: { now },
      }
      return { streamId: lockStreamId(lockId), command }
    })
    try {
      await deps.commands.handleAcross(lockAggregate, commands, metadata)
    } catch (error) {
      if (error instanceof PinTaken) continue
      throw error
    }
    const views = doors.map(({ id, lockId, label, accessMethod }, i) => ({
      id,
      lockId: String(lockId),
      lockUuid: locks[i]?.uuid ?? '',
      label,
      accessMethod,
    }))
    return { uuid: tempKeyUuid, validFrom, validUntil, doors: views, pin: minted?.pin ?? null }
  }
  throw new Unavailable('No free PIN could be allocated for these locks; try again')
}

// The key and its doors as the read model holds them, or undefined for a UUID that names none.
export async function findCollective(
  deps: Deps,
  rawUuid: string,
): Promise<{ key: CollectiveTempKeyRow; doors: CollectiveTempKeyDoorRow[] } | undefined> {
  const uuid = normaliseKeyUuid(rawUuid)
  const key = await deps.data.findCollectiveKey(uuid)
  return key && { key, doors: await deps.data.doorsOfKey(uuid) }
}

// docs: the caller must be authorised for every lock a key touches; a caller who can see none of them learns nothing
// (404, as for an unknown key), one who can see some gets 403.
export async function authorizeKeyLocks(deps: Deps, caller: Authenticated, lockIds: number[]): Promise<void> {
  const now = deps.clock.now()
  const rows = await Promise.all(lockIds.map((lockId) => deps.reads.lockRow(lockId, now)))
  const locks = rows.filter((lock) => lock !== undefined)
  const seen = await Promise.all(locks.map((lock) => canSeeLock(deps, caller, lock)))
  if (!seen.includes(true)) throw new NotFound('Temporary key not found')
  const managed = await Promise.all(locks.map((lock) => isLockManager(deps, caller, lock)))
  if (managed.filter(Boolean).length < lockIds.length) throw new Forbidden('Not authorized for one of the key’s locks')
}

// alreadyRevoked: the key was revoked before, or a concurrent revocation got there between this one's look-up and its
// write (docs: "the end-state (key gone) holds either way").
export async function revokeCollectiveKey(
  deps: Deps,
  caller: Authenticated,
  rawUuid: string,
  metadata: EventMetadata,
): Promise<{ uuid: string; alreadyRevoked: boolean }> {
  const found = await findCollective(deps, rawUuid)
  if (!found) throw new NotFound('Temporary key not found')
  await authorizeKeyLocks(
    deps,
    caller,
    found.doors.map((door) => door.lockId),
  )
  const uuid = found.key.uuid
  if (found.key.revokedAt !== null) return { uuid, alreadyRevoked: true }
  const lockIds = [...new Set(found.doors.map((door) => door.lockId))]
  const handled = await deps.doors.exclusivelyFor(uuid, () => {
    const now = deps.clock.now()
    const commands = lockIds.map((lockId) => ({
      streamId: lockStreamId(lockId),
      command: {
        type: 'RevokeCollectiveTempKey' as const,
        data: { tempKeyUuid: uuid, revokedBy: principalName(caller) },
        metadata: { now },
      },
    }))
    return deps.commands.handleAcross(lockAggregate, commands, metadata)
  })
  return { uuid, alreadyRevoked: handled.every((result) => result.events.length === 0) }
}

export type CollectivePage = { items: CollectiveKeyItem[]; next: CollectiveKeyPosition | null }

// Whether the caller may see a lock: a listed key's doors on locks they cannot see are left out.
export function lockVisibility(deps: Deps, caller: Authenticated): (lockId: number) => Promise<boolean> {
  const now = deps.clock.now()
  return async (lockId) => {
    const lock = await deps.reads.lockRow(lockId, now)
    return lock !== undefined && (await canSeeLock(deps, caller, lock))
  }
}

// A collective key as lists show it; `url`: the guest page path the key was listed under.
export async function collectiveItem(
  deps: Deps,
  key: CollectiveTempKeyRow,
  url: string,
  visible: (lockId: number) => Promise<boolean>,
): Promise<CollectiveKeyItem> {
  const doors = await deps.data.doorsOfKey(key.uuid)
  const shown = await Promise.all(doors.map((door) => visible(door.lockId)))
  return {
    uuid: key.uuid,
    url,
    validFrom: key.validFrom,
    validUntil: key.validUntil,
    description: key.description,
    createdBy: key.createdBy,
    createdAt: key.createdAt,
    revokedAt: key.revokedAt,
    doors: doors.filter((_, i) => shown[i]).map(doorView),
  }
}

// The caller's own collective keys (the owner's shared-keys page), newest first.
export async function listCollectiveKeys(
  deps: Deps,
  caller: Authenticated,
  page: { after: CollectiveKeyPosition | null; limit: number },
  url: (uuid: string) => string,
): Promise<CollectivePage> {
  const rows = await deps.data.pageCollectiveKeys({ createdBy: principalName(caller) }, page.after, page.limit)
  const visible = lockVisibility(deps, caller)
  const items = await Promise.all(rows.slice(0, page.limit).map((key) => collectiveItem(deps, key, url(key.uuid), visible)))
  const last = items.at(-1)
  return { items, next: rows.length > page.limit && last ? { createdAt: last.createdAt, uuid: last.uuid } : null }
}

export const doorView = (door: CollectiveTempKeyDoorRow): DoorView => ({
  id: door.doorId,
  lockId: String(door.lockId),
  lockUuid: door.lockUuid,
  label: door.label,
  accessMethod: asAccessMethod(door.accessMethod),
})

const METHODS: readonly AccessMethod[] = ['key', 'code', 'both']
export const asAccessMethod = (value: string): AccessMethod => METHODS.find((method) => method === value) ?? 'key'
