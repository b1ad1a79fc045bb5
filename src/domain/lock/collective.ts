// Collective keys on one lock's stream: a key over several locks is created, used and revoked by one command per lock,
// each deciding on that lock and one row: the key's row there (its doors, window, revocation), or for a create with a
// PIN the PIN's row there (who holds it), so a PIN is unique among the live keys of a lock however many keys it has.
import type { Entities } from '../../eventstore/types'
import { Conflict, Invalid, NotFound } from '../errors'
import type {
  CreateCollectiveTempKey,
  LockCommand,
  RefuseCollectiveDoorOpen,
  RefusePinOpen,
  RevokeCollectiveTempKey,
  UseCollectiveDoor,
} from './commands'
import type { LockEvent, RefusalReason } from './events'
import { evolveTempKey } from './evolve'
import { refusalError } from './refusals'
import {
  type AccessMethod,
  type ActiveLock,
  type CollectiveKeyState,
  collectiveKey,
  type LockEntity,
  type LockState,
  pinHolder,
  singleKey,
} from './state'

// Another live key of the lock holds this PIN: the caller draws another one.
export class PinTaken extends Conflict {
  constructor() {
    super('This PIN is held by another live key of the lock')
  }
}

export const pinEntityId = (pinHash: string) => `pin:${pinHash}`

export const takesCode = (method: AccessMethod) => method !== 'key'
export const slides = (method: AccessMethod) => method !== 'code'

const iso = (now: number) => new Date(now).toISOString()

function requireLock(state: LockState): ActiveLock {
  if (state.status !== 'active') throw new NotFound('Lock not found')
  return state
}

const keyRef = (lock: ActiveLock, tempKeyUuid: string, now: number) => ({
  tempKeyUuid,
  lockId: lock.lockId,
  lockUuid: lock.uuid,
  timestamp: iso(now),
})

// Why this door may not open now by this means, or null. validFrom inclusive, validUntil exclusive, as single keys.
export function collectiveRefusal(
  key: CollectiveKeyState,
  door: { accessMethod: AccessMethod },
  openedWith: 'page' | 'pin',
  now: number,
): RefusalReason | null {
  if (key.revoked) return 'deleted'
  if (now < Date.parse(key.validFrom)) return 'not-yet-valid'
  if (now >= Date.parse(key.validUntil)) return 'expired'
  if (openedWith === 'page' && !slides(door.accessMethod)) return 'code-only'
  if (openedWith === 'pin' && !takesCode(door.accessMethod)) return 'key-only'
  return null
}

function createCollective(command: CreateCollectiveTempKey, state: LockState, entity: LockEntity | null): LockEvent[] {
  const lock = requireLock(state)
  const now = command.metadata.now
  const { tempKeyUuid, validFrom, validUntil, description, createdBy, doors, pin } = command.data
  if (Date.parse(validUntil) <= Date.parse(validFrom)) {
    throw new Invalid('Invalid temporary key: validUntil', [{ field: 'validUntil', message: 'must be after validFrom' }])
  }
  if (doors.length === 0) throw new Invalid('Invalid temporary key: doors', [{ field: 'doors', message: 'needs at least one door' }])
  const withPin = pin !== null && doors.some((door) => takesCode(door.accessMethod)) ? pin : null
  if (withPin !== null) {
    const holder = pinHolder(entity)
    if (holder !== null && now < Date.parse(holder.validUntil)) throw new PinTaken()
  } else if (entity !== null) throw new Conflict('A temporary key with this UUID already exists')
  const ref = keyRef(lock, tempKeyUuid, now)
  const created: LockEvent = {
    type: 'CollectiveTempKeyCreated',
    data: {
      ...ref,
      validFrom,
      validUntil,
      createdBy,
      ...(description !== null ? { description } : {}),
      doors: doors.map(({ id, label, accessMethod }) => ({ id, accessMethod, ...(label !== null ? { label } : {}) })),
      ...(withPin !== null ? { pinHash: withPin.hash, pinSeed: withPin.seed } : {}),
    },
  }
  if (withPin === null) return [created]
  return [created, { type: 'TempKeyPinReserved', data: { ...ref, pinHash: withPin.hash, validUntil } }]
}

function liveCollective(entity: LockEntity | null): CollectiveKeyState {
  const key = collectiveKey(entity)
  if (key === null) throw new NotFound('Temporary key not found')
  return key
}

// A repeat (a concurrent revoke won) changes nothing.
function revokeCollective(command: RevokeCollectiveTempKey, state: LockState, entity: LockEntity | null): LockEvent[] {
  const lock = requireLock(state)
  const key = liveCollective(entity)
  if (key.revoked) return []
  const ref = keyRef(lock, key.uuid, command.metadata.now)
  const revoked: LockEvent = { type: 'CollectiveTempKeyRevoked', data: { ...ref, revokedBy: command.data.revokedBy } }
  if (key.pinHash === null) return [revoked]
  return [revoked, { type: 'TempKeyPinReleased', data: { ...ref, pinHash: key.pinHash } }]
}

function doorOf(key: CollectiveKeyState, doorId: number) {
  const door = key.doors.find((candidate) => candidate.id === doorId)
  if (!door) throw new NotFound('Door not found')
  return door
}

function useDoor(command: UseCollectiveDoor, state: LockState, entity: LockEntity | null): LockEvent[] {
  const lock = requireLock(state)
  const key = liveCollective(entity)
  const { doorId, openedWith, requestId } = command.data
  const now = command.metadata.now
  const refusal = collectiveRefusal(key, doorOf(key, doorId), openedWith, now)
  if (refusal) throw refusalError(refusal)
  const opened: LockEvent = {
    type: 'LockOpenRequested',
    data: {
      lockId: lock.lockId,
      uuid: lock.uuid,
      timestamp: iso(now),
      reason: `temp-key:${key.uuid}:door-${doorId}`,
      ...(requestId !== null ? { requestId } : {}),
    },
  }
  const used: LockEvent = {
    type: 'TempKeyUsed',
    data: { ...keyRef(lock, key.uuid, now), usedCount: key.usedCount + 1, doorId, openedWith },
  }
  return [opened, used]
}

function refuseDoorOpen(command: RefuseCollectiveDoorOpen, state: LockState): LockEvent[] {
  const lock = requireLock(state)
  const { tempKeyUuid, doorId, reason } = command.data
  return [{ type: 'TempKeyOpenRefused', data: { ...keyRef(lock, tempKeyUuid, command.metadata.now), reason, doorId } }]
}

function refusePinOpen(command: RefusePinOpen, state: LockState): LockEvent[] {
  const lock = requireLock(state)
  const data = { lockId: lock.lockId, uuid: lock.uuid, timestamp: iso(command.metadata.now), reason: command.data.reason }
  return [{ type: 'PinOpenRefused', data }]
}

export type CollectiveCommand = Extract<
  LockCommand,
  { type: 'CreateCollectiveTempKey' | 'RevokeCollectiveTempKey' | 'UseCollectiveDoor' | 'RefuseCollectiveDoorOpen' | 'RefusePinOpen' }
>

export function decideCollective(command: CollectiveCommand, state: LockState, entity: LockEntity | null): LockEvent[] {
  switch (command.type) {
    case 'CreateCollectiveTempKey':
      return createCollective(command, state, entity)
    case 'RevokeCollectiveTempKey':
      return revokeCollective(command, state, entity)
    case 'UseCollectiveDoor':
      return useDoor(command, state, entity)
    case 'RefuseCollectiveDoorOpen':
      return refuseDoorOpen(command, state)
    case 'RefusePinOpen':
      return refusePinOpen(command, state)
  }
}

// Every row of a lock moves on here: a collective key's, a PIN's, or a single key's (evolveTempKey). Total.
export function evolveLockEntity(entity: LockEntity | null, event: LockEvent): LockEntity | null {
  switch (event.type) {
    case 'CollectiveTempKeyCreated': {
      const { tempKeyUuid, validFrom, validUntil, doors, pinHash } = event.data
      return {
        kind: 'collective',
        uuid: tempKeyUuid,
        validFrom,
        validUntil,
        doors: doors.map(({ id, accessMethod }) => ({ id, accessMethod })),
        pinHash: pinHash ?? null,
        usedCount: 0,
        revoked: false,
      }
    }
    case 'CollectiveTempKeyRevoked': {
      const key = collectiveKey(entity)
      return key === null ? entity : { ...key, revoked: true }
    }
    case 'TempKeyPinReserved':
      return { kind: 'pin', tempKeyUuid: event.data.tempKeyUuid, validUntil: event.data.validUntil }
    case 'TempKeyPinReleased':
      // Only its own key releases a PIN: after an expiry another key may hold it by now.
      return pinHolder(entity)?.tempKeyUuid === event.data.tempKeyUuid ? null : entity
    default: {
      const collective = collectiveKey(entity)
      if (collective !== null) return event.type === 'TempKeyUsed' ? { ...collective, usedCount: event.data.usedCount } : collective
      if (entity !== null && singleKey(entity) === null) return entity
      return evolveTempKey(singleKey(entity), event)
    }
  }
}

// The row a command or event names: a PIN's for a create that reserves one and for the PIN events, else the temp key's
// (every temp-key command and event carries its tempKeyUuid).
const namedTempKey = (item: LockCommand | LockEvent): string | null =>
  'tempKeyUuid' in item.data && typeof item.data.tempKeyUuid === 'string' ? item.data.tempKeyUuid : null

function ofCommand(command: LockCommand): string | null {
  if (command.type === 'CreateCollectiveTempKey') {
    const { pin, doors } = command.data
    if (pin !== null && doors.some((door) => takesCode(door.accessMethod))) return pinEntityId(pin.hash)
  }
  return namedTempKey(command)
}

function ofEvent(event: LockEvent): string | null {
  if (event.type === 'TempKeyPinReserved' || event.type === 'TempKeyPinReleased') return pinEntityId(event.data.pinHash)
  return namedTempKey(event)
}

export const lockEntities: Entities<LockCommand, LockEvent, LockEntity> = {
  kind: 'temp-key',
  streamPrefix: 'lock-',
  ofCommand,
  ofEvent,
  evolve: evolveLockEntity,
}
