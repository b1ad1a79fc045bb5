// Lock decider: lock lifecycle, programmed keys, residents and temp keys. A temp key opens only while valid,
// within its window and uses, for an allowed user; each use counts exactly once on the lock stream. A temp-key
// command decides on the lock's facts and that one key's state (a decision row), never on the lock's other keys.
import type { Aggregate } from '../../eventstore/types'
import { Conflict, type FieldIssue, Invalid, NotFound } from '../errors'
import { decideCollective, lockEntities } from './collective'
import type {
  AddKey,
  ChangeLockUuid,
  CreateLock,
  StartBulkAddKeys,
  CreateTempKey,
  DeleteTempKey,
  LockCommand,
  RefuseTempKeyOpen,
  RemoveKey,
  UpdateTempKey,
  UseTempKey,
  WriteKey,
} from './commands'
import type { LockEvent, RefusalReason, TempKeyChanges } from './events'
import { evolveLock } from './evolve'
import { refusalError, refusalReasonOf } from './refusals'
import { isValidTimezone } from './schedule'
import { type ActiveLock, initialLockState, type LockEntity, type LockState, type Schedule, singleKey, type TempKeyState } from './state'
import { tempKeyStatus } from './temp-key-status'

const iso = (now: number) => new Date(now).toISOString()

function requireLock(state: LockState): ActiveLock {
  if (state.status !== 'active') throw new NotFound('Lock not found')
  return state
}

const ref = (lock: ActiveLock, now: number) => ({ lockId: lock.lockId, uuid: lock.uuid, timestamp: iso(now) })
const keyRef = (lock: ActiveLock, tempKeyUuid: string, now: number) => ({
  tempKeyUuid,
  lockId: lock.lockId,
  lockUuid: lock.uuid,
  timestamp: iso(now),
})

function liveTempKey(key: TempKeyState | null): TempKeyState {
  if (!key || key.deleted) throw new NotFound('Temporary key not found')
  return key
}

export { refusalError, refusalReasonOf }

// Why this use would be refused, or null when the key may open the door now for this user.
export function tempKeyRefusal(key: TempKeyState, userId: string | null, now: number): RefusalReason | null {
  const status = tempKeyStatus(key, now)
  if (status !== 'valid') return status
  if (key.accessMode === 'user-whitelist') {
    if (userId === null) return 'sign-in-required'
    if (!key.allowedUserIds.includes(userId)) return 'not-allowed'
  }
  return null
}

type Validated = Pick<TempKeyState, 'accessMode' | 'allowedUserIds' | 'validFrom' | 'validUntil' | 'schedule'>

function scheduleIssues(schedule: Schedule | null): FieldIssue[] {
  if (schedule === null) return []
  const issues: FieldIssue[] = []
  if (!isValidTimezone(schedule.timezone))
    issues.push({ field: 'schedule.timezone', message: 'must be an IANA time zone such as Europe/Athens' })
  if (schedule.weekly.length === 0) issues.push({ field: 'schedule.weekly', message: 'needs at least one window' })
  schedule.weekly.forEach((window, i) => {
    if (window.days.length === 0) issues.push({ field: `schedule.weekly[${i}].days`, message: 'needs at least one day' })
    if (window.from === window.until) issues.push({ field: `schedule.weekly[${i}].until`, message: 'must differ from from' })
  })
  return issues
}

function validateWindow(key: Validated): void {
  const details: FieldIssue[] = []
  if (Date.parse(key.validUntil) <= Date.parse(key.validFrom)) {
    details.push({ field: 'validUntil', message: 'must be after validFrom' })
  }
  if (key.accessMode === 'user-whitelist' && key.allowedUserIds.length === 0) {
    details.push({ field: 'allowedUserIds', message: 'a user-whitelist key needs at least one allowed user' })
  }
  details.push(...scheduleIssues(key.schedule))
  if (details.length > 0) throw new Invalid(`Invalid temporary key: ${details.map((d) => d.field).join(', ')}`, details)
}

function createLock(command: CreateLock, state: LockState): LockEvent[] {
  if (state.status === 'active') return []
  const { lockId, index, uuid, serialNumber, vendorName, name, ownerId, orgId, keys } = command.data
  const duplicate = keys.findIndex((key, i) => keys.findIndex((other) => other.uuid === key.uuid) !== i)
  if (duplicate >= 0)
    throw new Invalid('Initial keys must have distinct UUIDs', [{ field: `keys[${duplicate}].uuid`, message: 'duplicate key UUID' }])
  const now = command.metadata.now
  const base = { lockId, uuid, timestamp: iso(now) }
  const optional = {
    ...(serialNumber !== null ? { serialNumber } : {}),
    ...(vendorName !== null ? { vendorName } : {}),
    ...(name !== null ? { name } : {}),
    ...(ownerId !== null ? { ownerId } : {}),
    ...(orgId !== null ? { orgId } : {}),
    ...(keys.length > 0 ? { keys } : {}),
  }
  return [{ type: 'LockCreated', data: { ...base, index, ...optional } }]
}

function addKey(command: AddKey, state: LockState): LockEvent[] {
  const lock = requireLock(state)
  const { keyUuid, keyIndexNumber, userId } = command.data
  const existing = lock.keys[keyUuid]
  if (existing && existing.indexNumber === keyIndexNumber && existing.userId === userId) return []
  const optional = { ...(keyIndexNumber !== null ? { keyIndexNumber } : {}), ...(userId !== null ? { userId } : {}) }
  return [{ type: 'KeyAdded', data: { ...ref(lock, command.metadata.now), keyUuid, ...optional } }]
}

// The key a RemoveKey names: by UUID, else by its index number on the device.
function namedKey(lock: ActiveLock, keyUuid: string | null, keyIndexNumber: number | null) {
  if (keyUuid === null && keyIndexNumber === null) {
    throw new Invalid('Missing key identifier: keyUuid or keyIndexNumber is required', [
      { field: 'keyUuid', message: 'keyUuid or keyIndexNumber is required' },
    ])
  }
  const entry =
    keyUuid !== null
      ? Object.entries(lock.keys).find(([uuid]) => uuid === keyUuid)
      : Object.entries(lock.keys).find(([, key]) => key.indexNumber === keyIndexNumber)
  if (!entry) throw new NotFound('Key not found on this lock')
  return { uuid: entry[0], indexNumber: entry[1].indexNumber }
}

function removeKey(command: RemoveKey, state: LockState): LockEvent[] {
  const lock = requireLock(state)
  const key = namedKey(lock, command.data.keyUuid, command.data.keyIndexNumber)
  const keyIndexNumber = command.data.keyIndexNumber ?? key.indexNumber
  const optional = keyIndexNumber !== null ? { keyIndexNumber } : {}
  return [{ type: 'KeyRemoved', data: { ...ref(lock, command.metadata.now), keyUuid: key.uuid, ...optional } }]
}

function writeKey(command: WriteKey, state: LockState): LockEvent[] {
  const lock = requireLock(state)
  const { keyUuid } = command.data
  // Without an index, the one the key was added with (if the lock knows the key).
  const keyIndexNumber = command.data.keyIndexNumber ?? lock.keys[keyUuid]?.indexNumber ?? null
  const optional = keyIndexNumber !== null ? { keyIndexNumber } : {}
  return [{ type: 'KeyWriteRequested', data: { ...ref(lock, command.metadata.now), keyUuid, ...optional } }]
}

// The keys of a run are checked together before any reaches the device: one key per keyUuid.
function startBulkAddKeys(command: StartBulkAddKeys, state: LockState): LockEvent[] {
  const lock = requireLock(state)
  const { instanceId, keys } = command.data
  const duplicate = keys.findIndex((key, i) => keys.findIndex((other) => other.keyUuid === key.keyUuid) !== i)
  if (duplicate >= 0) {
    throw new Invalid('Each key may appear once: duplicate keyUuid', [
      { field: `keys[${duplicate}].keyUuid`, message: 'duplicate keyUuid' },
    ])
  }
  const listed = keys.map(({ keyUuid, keyIndexNumber, userId }) => ({
    keyUuid,
    ...(keyIndexNumber !== null ? { keyIndexNumber } : {}),
    ...(userId !== null ? { userId } : {}),
  }))
  return [{ type: 'BulkAddKeysStarted', data: { ...ref(lock, command.metadata.now), instanceId, keys: listed } }]
}

function changeUuid(command: ChangeLockUuid, state: LockState): LockEvent[] {
  const lock = requireLock(state)
  if (lock.uuid === command.data.newUuid) throw new Conflict('The lock already has this UUID')
  const data = { ...ref(lock, command.metadata.now), newUuid: command.data.newUuid, previousUuid: lock.uuid }
  return [{ type: 'LockUuidChanged', data }]
}

function createTempKey(command: CreateTempKey, state: LockState, existing: TempKeyState | null): LockEvent[] {
  const lock = requireLock(state)
  const { tempKeyUuid, description, schedule, ...rest } = command.data
  if (existing) throw new Conflict('A temporary key with this tempKeyUuid already exists')
  validateWindow({ ...rest, schedule })
  const optional = { ...(description !== null ? { description } : {}), ...(schedule !== null ? { schedule } : {}) }
  return [{ type: 'TempKeyCreated', data: { ...keyRef(lock, tempKeyUuid, command.metadata.now), ...rest, ...optional } }]
}

function updateTempKey(command: UpdateTempKey, state: LockState, tempKey: TempKeyState | null): LockEvent[] {
  const lock = requireLock(state)
  const key = liveTempKey(tempKey)
  const changes: TempKeyChanges = command.data.changes
  if (Object.keys(changes).length === 0) return []
  validateWindow({ ...key, ...stripUndefined(changes) })
  const data = { ...keyRef(lock, key.uuid, command.metadata.now), changes, updatedBy: command.data.updatedBy }
  return [{ type: 'TempKeyUpdated', data }]
}

// The key as it would be after the changes: only the fields sent replace the current ones.
const stripUndefined = (changes: TempKeyChanges) => {
  const { accessMode, allowedUserIds, validFrom, validUntil, schedule } = changes
  return {
    ...(accessMode !== undefined ? { accessMode } : {}),
    ...(allowedUserIds !== undefined ? { allowedUserIds } : {}),
    ...(validFrom !== undefined ? { validFrom } : {}),
    ...(validUntil !== undefined ? { validUntil } : {}),
    ...(schedule !== undefined ? { schedule } : {}),
  }
}

function deleteTempKey(command: DeleteTempKey, state: LockState, tempKey: TempKeyState | null): LockEvent[] {
  const lock = requireLock(state)
  const key = liveTempKey(tempKey)
  const data = { ...keyRef(lock, key.uuid, command.metadata.now), deletedBy: command.data.deletedBy }
  return [{ type: 'TempKeyDeleted', data }]
}

function useTempKey(command: UseTempKey, state: LockState, key: TempKeyState | null): LockEvent[] {
  const lock = requireLock(state)
  const { userId, open } = command.data
  if (!key) throw new NotFound('Temporary key not found')
  const now = command.metadata.now
  const refusal = tempKeyRefusal(key, userId, now)
  if (refusal) throw refusalError(refusal)
  const used: LockEvent = {
    type: 'TempKeyUsed',
    data: { ...keyRef(lock, key.uuid, now), ...(userId !== null ? { userId } : {}), usedCount: key.usedCount + 1 },
  }
  if (!open) return [used]
  const opened: LockEvent = {
    type: 'LockOpenRequested',
    data: {
      ...ref(lock, now),
      reason: open.reason ?? `temp-key:${key.uuid}`,
      ...(open.requestId !== null ? { requestId: open.requestId } : {}),
    },
  }
  return [opened, used]
}

function refuseTempKeyOpen(command: RefuseTempKeyOpen, state: LockState): LockEvent[] {
  const lock = requireLock(state)
  const { tempKeyUuid, reason, userId } = command.data
  const data = { ...keyRef(lock, tempKeyUuid, command.metadata.now), reason, ...(userId !== null ? { userId } : {}) }
  return [{ type: 'TempKeyOpenRefused', data }]
}

export function decideLock(command: LockCommand, state: LockState, entity: LockEntity | null = null): LockEvent[] {
  const now = command.metadata.now
  // A single-key command naming a collective key (or a PIN row) finds no single key there.
  const tempKey = singleKey(entity)
  switch (command.type) {
    case 'CreateLock':
      return createLock(command, state)
    case 'SetOwner': {
      const lock = requireLock(state)
      if (lock.ownerId === command.data.userId) return []
      return [{ type: 'OwnerSet', data: { ...ref(lock, now), userId: command.data.userId } }]
    }
    case 'SetOrganization': {
      const lock = requireLock(state)
      if (lock.orgId === command.data.orgId) return []
      return [{ type: 'OrganizationSet', data: { ...ref(lock, now), orgId: command.data.orgId } }]
    }
    case 'ChangeLockUuid':
      return changeUuid(command, state)
    case 'RecordLockOpen': {
      const lock = requireLock(state)
      const { requestId, reason } = command.data
      const optional = { ...(reason !== null ? { reason } : {}), ...(requestId !== null ? { requestId } : {}) }
      return [{ type: 'LockOpenRequested', data: { ...ref(lock, now), ...optional } }]
    }
    case 'AddKey':
      return addKey(command, state)
    case 'RemoveKey':
      return removeKey(command, state)
    case 'WriteKey':
      return writeKey(command, state)
    case 'StartBulkAddKeys':
      return startBulkAddKeys(command, state)
    case 'RecordBulkAddKeyFailure':
      return [{ type: 'BulkAddKeyFailed', data: { ...ref(requireLock(state), now), ...command.data } }]
    case 'FinishBulkAddKeys':
      return [{ type: 'BulkAddKeysFinished', data: { ...ref(requireLock(state), now), ...command.data } }]
    case 'AddResident': {
      const lock = requireLock(state)
      // docs: 400 "resident already exists"
      if (lock.residents[command.data.userId]) throw new Invalid('This user is already a resident of the lock')
      return [{ type: 'ResidentAdded', data: { ...ref(lock, now), ...command.data } }]
    }
    case 'RemoveResident': {
      const lock = requireLock(state)
      // docs: 400 "resident not found" (404 means the lock)
      if (!lock.residents[command.data.userId]) throw new Invalid('This user is not a resident of the lock')
      return [{ type: 'ResidentRemoved', data: { ...ref(lock, now), ...command.data } }]
    }
    case 'ConfigureLockDriver': {
      const lock = requireLock(state)
      return [{ type: 'LockDriverConfigured', data: { ...ref(lock, now), ...command.data } }]
    }
    case 'CreateTempKey':
      return createTempKey(command, state, tempKey)
    case 'UpdateTempKey':
      return updateTempKey(command, state, tempKey)
    case 'DeleteTempKey':
      return deleteTempKey(command, state, tempKey)
    case 'UseTempKey':
      return useTempKey(command, state, tempKey)
    case 'RefuseTempKeyOpen':
      return refuseTempKeyOpen(command, state)
    case 'CreateCollectiveTempKey':
    case 'RevokeCollectiveTempKey':
    case 'UseCollectiveDoor':
    case 'RefuseCollectiveDoorOpen':
    case 'RefusePinOpen':
      return decideCollective(command, state, entity)
    default: {
      const unknown: never = command
      throw new Error(`unknown lock command ${JSON.stringify(unknown)}`)
    }
  }
}

export const lockDecider = { decide: decideLock, evolve: evolveLock, initialState: initialLockState }

// State version 2: temp keys left the lock's state for decision rows (snapshots of version 1 held them all). Collective
// keys and PINs added rows of new kinds beside them (lockEntities), and no field to the lock's state.
export const lockAggregate: Aggregate<LockState, LockCommand, LockEvent, LockEntity> = {
  name: 'lock',
  stateVersion: 2,
  decider: lockDecider,
  entities: lockEntities,
}
