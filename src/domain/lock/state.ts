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
