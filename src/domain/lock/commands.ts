// Lock commands as the docs name them; temp-key commands included (they are lock commands in the docs too).
// Anything looked up (a resident's user id, the caller's name) is resolved before decide and travels here.
import type { Command } from '../../eventstore/types'
import type { LockKeySpec, PinRefusalReason, RefusalReason, TempKeyChanges } from './events'
import type { AccessMethod, AccessMode, Schedule } from './state'

export type CreateLock = Command<
  'CreateLock',
  {
    lockId: number
    index: number
    uuid: string
    serialNumber: string | null
    vendorName: string | null
    // spkey addition: what the lock is called on its pages ("Front door").
    name: string | null
    ownerId: string | null
    orgId: string | null
    keys: LockKeySpec[]
  }
>
export type SetOwner = Command<'SetOwner', { userId: string }>
export type SetOrganization = Command<'SetOrganization', { orgId: string }>
export type ChangeLockUuid = Command<'ChangeLockUuid', { newUuid: string }>
// Issued only after the lock driver confirmed the door opened (or queued the command for an offline device).
export type RecordLockOpen = Command<'RecordLockOpen', { requestId: string | null; reason: string | null }>
export type AddKey = Command<'AddKey', { keyUuid: string; keyIndexNumber: number | null; userId: string | null }>
// docs: either identifier names the key (400 when neither is given).
export type RemoveKey = Command<'RemoveKey', { keyUuid: string | null; keyIndexNumber: number | null }>
export type WriteKey = Command<'WriteKey', { keyUuid: string; keyIndexNumber: number | null }>
// BulkAddKeys (docs: a workflow that returns at once): the run and its keys are recorded before the answer; each key
// is then programmed as AddKey (through the door layer), and the run records the keys it could not add and its end.
export type BulkKey = { keyUuid: string; keyIndexNumber: number | null; userId: string | null }
export type StartBulkAddKeys = Command<'StartBulkAddKeys', { instanceId: string; keys: BulkKey[] }>
export type RecordBulkAddKeyFailure = Command<
  'RecordBulkAddKeyFailure',
  { instanceId: string; keyUuid: string; reason: string; attempts: number }
>
export type FinishBulkAddKeys = Command<
  'FinishBulkAddKeys',
  { instanceId: string; added: number; unchanged: number; failed: number; skipped: number }
>
export type AddResident = Command<'AddResident', { userId: string; email: string; name: string }>
export type RemoveResident = Command<'RemoveResident', { userId: string; email: string }>
export type ConfigureLockDriver = Command<'ConfigureLockDriver', { driver: 'simulated' | 'http' | 'mqtt' | null; bridgeUrl: string | null }>

export type CreateTempKey = Command<
  'CreateTempKey',
  {
    tempKeyUuid: string
    accessMode: AccessMode
    allowedUserIds: string[]
    validFrom: string
    validUntil: string
    maxUses: number | null
    description: string | null
    schedule: Schedule | null
    createdBy: string
  }
>
export type UpdateTempKey = Command<'UpdateTempKey', { tempKeyUuid: string; changes: TempKeyChanges; updatedBy: string }>
export type DeleteTempKey = Command<'DeleteTempKey', { tempKeyUuid: string; deletedBy: string }>
// One use of a temp key. `open` = the guest open flow (driver confirmed): LockOpenRequested + TempKeyUsed together;
// without it, the docs' audit-only use-temp-key command.
export type UseTempKey = Command<
  'UseTempKey',
  { tempKeyUuid: string; userId: string | null; open: { requestId: string | null; reason: string | null } | null }
>
export type RefuseTempKeyOpen = Command<'RefuseTempKeyOpen', { tempKeyUuid: string; reason: RefusalReason; userId: string | null }>

// A collective key's part on one lock (its door there). `pin`: the key's PIN as its keyed hash and the seed it is
// derived from (locks/pins.ts), null when no door of the key takes codes.
export type CollectiveDoorSpec = { id: number; label: string | null; accessMethod: AccessMethod }
export type CreateCollectiveTempKey = Command<
  'CreateCollectiveTempKey',
  {
    tempKeyUuid: string
    validFrom: string
    validUntil: string
    description: string | null
    createdBy: string
    doors: CollectiveDoorSpec[]
    pin: { hash: string; seed: string } | null
  }
>
export type RevokeCollectiveTempKey = Command<'RevokeCollectiveTempKey', { tempKeyUuid: string; revokedBy: string }>
// Issued once the driver confirmed (or queued) the open, like UseTempKey with `open`.
export type UseCollectiveDoor = Command<
  'UseCollectiveDoor',
  { tempKeyUuid: string; doorId: number; openedWith: 'page' | 'pin'; requestId: string | null }
>
export type RefuseCollectiveDoorOpen = Command<'RefuseCollectiveDoorOpen', { tempKeyUuid: string; doorId: number; reason: RefusalReason }>
export type RefusePinOpen = Command<'RefusePinOpen', { reason: PinRefusalReason }>

export type LockCommand =
  | CreateLock
  | SetOwner
  | SetOrganization
  | ChangeLockUuid
  | RecordLockOpen
  | AddKey
  | RemoveKey
  | WriteKey
  | StartBulkAddKeys
  | RecordBulkAddKeyFailure
  | FinishBulkAddKeys
  | AddResident
  | RemoveResident
  | ConfigureLockDriver
  | CreateTempKey
  | UpdateTempKey
  | DeleteTempKey
  | UseTempKey
  | RefuseTempKeyOpen
  | CreateCollectiveTempKey
  | RevokeCollectiveTempKey
  | UseCollectiveDoor
  | RefuseCollectiveDoorOpen
  | RefusePinOpen
