// Lock-stream events: the docs' names and payloads (reference/event-schemas.json) plus spkey's own
// (TempKeyOpenRefused, LockDriverConfigured, the BulkAddKeys run's). Temp keys live on the lock stream so uses serialise per lock.
import type { Event } from '../../eventstore/types'
import type { AccessMethod, AccessMode, Schedule } from './state'

type LockRef = { lockId: number; uuid: string; timestamp: string }
type TempKeyRef = { tempKeyUuid: string; lockId: number; lockUuid: string; timestamp: string }

export type LockKeySpec = { uuid: string; indexNumber?: number; userId?: string }

export type LockCreated = Event<
  'LockCreated',
  LockRef & {
    index: number
    serialNumber?: string
    vendorName?: string
    // spkey addition: the lock's display name.
    name?: string
    ownerId?: string
    // spkey addition: the creating organisation, so the LockCreated event already reaches it.
    orgId?: string
    keys?: LockKeySpec[]
  }
>
export type OwnerSet = Event<'OwnerSet', LockRef & { userId: string }>
export type OrganizationSet = Event<'OrganizationSet', LockRef & { orgId: string }>
export type LockUuidChanged = Event<'LockUuidChanged', LockRef & { newUuid: string; previousUuid: string }>
export type LockOpenRequested = Event<'LockOpenRequested', LockRef & { reason?: string; requestId?: string }>
export type KeyAdded = Event<'KeyAdded', LockRef & { keyUuid: string; keyIndexNumber?: number; userId?: string }>
export type KeyRemoved = Event<'KeyRemoved', LockRef & { keyUuid: string; keyIndexNumber?: number }>
export type KeyWriteRequested = Event<'KeyWriteRequested', LockRef & { keyUuid: string; keyIndexNumber?: number }>
// spkey's own: a BulkAddKeys run (instanceId) from start to end; its keys' KeyAdded events come in between.
type BulkKeyData = { keyUuid: string; keyIndexNumber?: number; userId?: string }
export type BulkAddKeysStarted = Event<'BulkAddKeysStarted', LockRef & { instanceId: string; keys: BulkKeyData[] }>
export type BulkAddKeyFailed = Event<
  'BulkAddKeyFailed',
  LockRef & { instanceId: string; keyUuid: string; reason: string; attempts: number }
>
// skipped: keys not attempted because the server was stopping (the last ones of the started list).
export type BulkAddKeysFinished = Event<
  'BulkAddKeysFinished',
  LockRef & { instanceId: string; added: number; unchanged: number; failed: number; skipped: number }
>
export type ResidentAdded = Event<'ResidentAdded', LockRef & { userId: string; name: string; email?: string }>
export type ResidentRemoved = Event<'ResidentRemoved', LockRef & { userId: string; email?: string }>
export type LockDriverConfigured = Event<
  'LockDriverConfigured',
  LockRef & { driver: 'simulated' | 'http' | 'mqtt' | null; bridgeUrl: string | null }
>

export type TempKeyCreated = Event<
  'TempKeyCreated',
  TempKeyRef & {
    accessMode: AccessMode
    allowedUserIds: string[]
    validFrom: string
    validUntil: string
    maxUses: number | null
    createdBy: string
    description?: string
    schedule?: Schedule
  }
>
export type TempKeyChanges = {
  validFrom?: string
  validUntil?: string
  maxUses?: number | null
  allowedUserIds?: string[]
  accessMode?: AccessMode
  description?: string
  schedule?: Schedule | null
}
export type TempKeyUpdated = Event<'TempKeyUpdated', TempKeyRef & { changes: TempKeyChanges; updatedBy: string }>
export type TempKeyDeleted = Event<'TempKeyDeleted', TempKeyRef & { deletedBy: string }>
// doorId/openedWith (spkey's, for a collective key's door; partners get the documented fields): the lock is the door.
export type TempKeyUsed = Event<
  'TempKeyUsed',
  TempKeyRef & { userId?: string; usedCount: number; doorId?: number; openedWith?: 'page' | 'pin' }
>
export type TempKeyOpenRefused = Event<'TempKeyOpenRefused', TempKeyRef & { reason: RefusalReason; userId?: string; doorId?: number }>

// spkey's own: a collective key (one credential over several locks) lands on each lock it touches with the doors there.
// pinHash/pinSeed (only where a door takes codes) are keyed with the server's PIN secret: neither reveals the PIN
// without it, and neither leaves spkey (PRIVATE_FIELDS).
export type CollectiveDoorData = { id: number; accessMethod: AccessMethod; label?: string }
export type CollectiveTempKeyCreated = Event<
  'CollectiveTempKeyCreated',
  TempKeyRef & {
    validFrom: string
    validUntil: string
    createdBy: string
    description?: string
    doors: CollectiveDoorData[]
    pinHash?: string
    pinSeed?: string
  }
>
export type CollectiveTempKeyRevoked = Event<'CollectiveTempKeyRevoked', TempKeyRef & { revokedBy: string }>
// The PIN's row on the lock: taken with the key, released with its revocation (or left to expire with it).
export type TempKeyPinReserved = Event<'TempKeyPinReserved', TempKeyRef & { pinHash: string; validUntil: string }>
export type TempKeyPinReleased = Event<'TempKeyPinReleased', TempKeyRef & { pinHash: string }>
// An entrance panel's refused PIN (the caller always gets the same 401; the reason is for the lock's people).
export type PinOpenRefused = Event<'PinOpenRefused', LockRef & { reason: PinRefusalReason }>

export type RefusalReason =
  | 'not-yet-valid'
  | 'expired'
  | 'used-up'
  | 'deleted'
  | 'not-allowed'
  | 'sign-in-required'
  // a collective key's door that opens only with the PIN, or only on the page
  | 'code-only'
  | 'key-only'

export type PinRefusalReason = 'no-match' | 'not-yet-valid' | 'expired'

// Event fields that stay inside spkey: partners (webhooks, the feed) and the lock's history never get them.
export const PRIVATE_FIELDS: readonly string[] = ['pinHash', 'pinSeed']

export function withoutPrivateFields(data: Record<string, unknown>): Record<string, unknown> {
  if (!PRIVATE_FIELDS.some((field) => field in data)) return data
  return Object.fromEntries(Object.entries(data).filter(([field]) => !PRIVATE_FIELDS.includes(field)))
}

export type LockEvent =
  | LockCreated
  | OwnerSet
  | OrganizationSet
  | LockUuidChanged
  | LockOpenRequested
  | KeyAdded
  | KeyRemoved
  | KeyWriteRequested
  | BulkAddKeysStarted
  | BulkAddKeyFailed
  | BulkAddKeysFinished
  | ResidentAdded
  | ResidentRemoved
  | LockDriverConfigured
  | TempKeyCreated
  | TempKeyUpdated
  | TempKeyDeleted
  | TempKeyUsed
  | TempKeyOpenRefused
  | CollectiveTempKeyCreated
  | CollectiveTempKeyRevoked
  | TempKeyPinReserved
  | TempKeyPinReleased
  | PinOpenRefused

export const lockStreamId = (lockId: number) => `lock-${lockId}`
