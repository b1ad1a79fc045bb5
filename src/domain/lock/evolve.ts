// Folds lock events into LockState; total, never throws.
import type { LockEvent } from './events'
import type { LockState } from './state'

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
      tempKeys: {},
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
        keys: { ...state.keys, [event.data.keyUuid]: { indexNumber: event.data.keyIndexNumber ?? null, userId: event.data.userId ?? null } },
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
    case 'TempKeyCreated': {
      const { tempKeyUuid, accessMode, allowedUserIds, validFrom, validUntil, maxUses, schedule } = event.data
      const key = { uuid: tempKeyUuid, accessMode, allowedUserIds, validFrom, validUntil, maxUses, usedCount: 0, schedule: schedule ?? null, deleted: false }
      return { ...state, tempKeys: { ...state.tempKeys, [tempKeyUuid]: key } }
    }
    case 'TempKeyUpdated': {
      const key = state.tempKeys[event.data.tempKeyUuid]
      if (!key) return state
      const { description: _description, ...changes } = event.data.changes
      const updated = { ...key, ...changes, schedule: changes.schedule === undefined ? key.schedule : changes.schedule }
      return { ...state, tempKeys: { ...state.tempKeys, [key.uuid]: updated } }
    }
    case 'TempKeyDeleted': {
      const key = state.tempKeys[event.data.tempKeyUuid]
      if (!key) return state
      return { ...state, tempKeys: { ...state.tempKeys, [key.uuid]: { ...key, deleted: true } } }
    }
    case 'TempKeyUsed': {
      const key = state.tempKeys[event.data.tempKeyUuid]
      if (!key) return state
      return { ...state, tempKeys: { ...state.tempKeys, [key.uuid]: { ...key, usedCount: event.data.usedCount } } }
    }
    case 'LockOpenRequested':
    case 'KeyWriteRequested':
    case 'LockDriverConfigured':
    case 'TempKeyOpenRefused':
      return state
  }
}
