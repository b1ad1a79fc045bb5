// Folds user events into UserState; total, never throws.
import type { UserEvent } from './events'
import type { UserState } from './state'

export function evolveUser(state: UserState, event: UserEvent): UserState {
  if (event.type === 'UserCreated') {
    return { status: 'active', userId: event.data.userId, physicalKeys: {}, nextPhysicalKeyNumber: 1, accessibleLocks: [] }
  }
  if (state.status !== 'active') return state
  switch (event.type) {
    case 'PhysicalKeyAdded':
      return {
        ...state,
        physicalKeys: { ...state.physicalKeys, [event.data.number]: event.data.orgId },
        nextPhysicalKeyNumber: Math.max(state.nextPhysicalKeyNumber, event.data.number + 1),
      }
    case 'PhysicalKeyRemoved': {
      const { [String(event.data.number)]: _removed, ...rest } = state.physicalKeys
      return { ...state, physicalKeys: rest }
    }
    case 'AccessibleLockAdded':
      return { ...state, accessibleLocks: [...state.accessibleLocks.filter((id) => id !== event.data.lockId), event.data.lockId] }
    case 'AccessibleLockRemoved':
      return { ...state, accessibleLocks: state.accessibleLocks.filter((id) => id !== event.data.lockId) }
    case 'UserPhoneNumberUpdated':
    case 'UserPasswordChanged':
      return state
  }
}
