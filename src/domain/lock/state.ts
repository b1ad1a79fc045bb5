// What lock decisions read: identity, tenancy, programmed keys and residents (LockState, folded from the stream), and
// for a temp-key command the one key it names (TempKeyState, a decision row: a lock's past keys never load with it).
export type AccessMode = 'public' | 'user-whitelist'

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun'

// Recurring windows inside validFrom..validUntil, in the lock's local time zone ("HH:MM", until exclusive).
export type Schedule = { timezone: string; weekly: { days: Weekday[]; from: string; until: string }[] }

export type TempKeyState = {
  uuid: string
  accessMode: AccessMode
  allowedUserIds: string[]
  validFrom: string
  validUntil: string
  maxUses: number | null
  usedCount: number
  schedule: Schedule | null
  deleted: boolean
}

// How a door of a collective key opens: slide-to-open on the guest page ('key'), the key's PIN at the entrance panel
// ('code'), or either ('both').
export type AccessMethod = 'key' | 'code' | 'both'

// A collective key's facts on one lock (its door there): a decision row keyed by the key's UUID on that lock's stream,
// like a single key's, so opening one of its doors reads this row and the lock, nothing else.
export type CollectiveKeyState = {
  kind: 'collective'
  uuid: string
  validFrom: string
  validUntil: string
  doors: { id: number; accessMethod: AccessMethod }[]
  // The keyed hash of the key's PIN when a door on this lock takes codes (never the PIN).
  pinHash: string | null
  usedCount: number
  revoked: boolean
}

// Which key holds a PIN on a lock: the row `pin:<keyed hash>` on the lock's stream. Gone when its key is revoked; free
// for another key once its key expired. Creating a key with a PIN reads this row, so uniqueness is decided per lock.
export type PinState = { kind: 'pin'; tempKeyUuid: string; validUntil: string }

// A lock's decision rows: single temp keys (no kind: the shape from before collective keys), collective keys, PINs.
export type LockEntity = TempKeyState | CollectiveKeyState | PinState

export const singleKey = (entity: LockEntity | null): TempKeyState | null => (entity !== null && !('kind' in entity) ? entity : null)
export const collectiveKey = (entity: LockEntity | null): CollectiveKeyState | null =>
  entity !== null && 'kind' in entity && entity.kind === 'collective' ? entity : null
export const pinHolder = (entity: LockEntity | null): PinState | null =>
  entity !== null && 'kind' in entity && entity.kind === 'pin' ? entity : null

export type ActiveLock = {
  status: 'active'
  lockId: number
  uuid: string
  ownerId: string | null
  orgId: string | null
  keys: Record<string, { indexNumber: number | null; userId: string | null }>
  residents: Record<string, { email: string | null }>
}

export type LockState = { status: 'absent' } | ActiveLock

export const initialLockState: LockState = { status: 'absent' }
