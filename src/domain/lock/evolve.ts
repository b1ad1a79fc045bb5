// Folds lock events into LockState and a temp key's events into its TempKeyState; total, never throws.
import type { LockEvent } from './events'
import type { LockState, TempKeyState } from './state'

export function evolveLock(state: LockState, event: LockEvent): LockState {
  if (event.type === 'LockCreated') {
    const { lockId, uuid, ownerId, orgId, keys = [] } = event.data
    return {
      status: 'active',
      lockId,
      uuid,
      ownerId: ownerId ?? null,
      orgId: orgId ?? null,
      keys: Object.fromEntries(keys.map((k) => [k.uuid, { indexNumber: k.indexNumber ?? null, userId: k.userId ?? null }])),
      residents: {},
    }
  }
  if (state.status !== 'active') return state
  switch (event.type) {
    case 'OwnerSet':
      return { ...state, ownerId: event.data.userId }
    case 'OrganizationSet':
      return { ...state, orgId: event.data.orgId }
    case 'LockUuidChanged':
      return { ...state, uuid: event.data.newUuid }
    case 'KeyAdded':
      return {
        ...state,
        keys: {
          ...state.keys,
          [event.data.keyUuid]: { indexNumber: event.data.keyIndexNumber ?? null, userId: event.data.userId ?? null },
        },
      }
    case 'KeyRemoved': {
      const { [event.data.keyUuid]: _removed, ...keys } = state.keys
      return { ...state, keys }
    }
    case 'ResidentAdded':
      return { ...state, residents: { ...state.residents, [event.data.userId]: { email: event.data.email ?? null } } }
    case 'ResidentRemoved': {
      const { [event.data.userId]: _removed, ...residents } = state.residents
      return { ...state, residents }
    }
    case 'LockOpenRequested':
    case 'KeyWriteRequested':
    case 'BulkAddKeysStarted':
    case 'BulkAddKeyFailed':
    case 'BulkAddKeysFinished':
    case 'LockDriverConfigured':
    case 'TempKeyCreated':
    case 'TempKeyUpdated':
    case 'TempKeyDeleted':
    case 'TempKeyUsed':
    case 'TempKeyOpenRefused':
    case 'CollectiveTempKeyCreated':
    case 'CollectiveTempKeyRevoked':
    case 'TempKeyPinReserved':
    case 'TempKeyPinReleased':
    case 'PinOpenRefused':
      return state
  }
}

// A deleted key keeps its row (deleted: true), so reusing its UUID is still a conflict and an open of it is refused as
// deleted, not unknown; it costs nothing until a command names it.
export function evolveTempKey(key: TempKeyState | null, event: LockEvent): TempKeyState | null {
  switch (event.type) {
    case 'TempKeyCreated': {
      const { tempKeyUuid, accessMode, allowedUserIds, validFrom, validUntil, maxUses, schedule } = event.data
      return {
        uuid: tempKeyUuid,
        accessMode,
        allowedUserIds,
        validFrom,
        validUntil,
        maxUses,
        usedCount: 0,
        schedule: schedule ?? null,
        deleted: false,
      }
    }
    case 'TempKeyUpdated': {
      if (!key) return key
      const { description: _description, ...changes } = event.data.changes
      return { ...key, ...changes, schedule: changes.schedule === undefined ? key.schedule : changes.schedule }
    }
    case 'TempKeyDeleted':
      return key && { ...key, deleted: true }
    case 'TempKeyUsed':
      return key && { ...key, usedCount: event.data.usedCount }
    default:
      return key
  }
}
