// Folds user events into UserState and a physical key's events into its PhysicalKeyState; total, never throws.
import type { UserEvent } from './events'
import type { PhysicalKeyState, UserState } from './state'

export function evolveUser(state: UserState, event: UserEvent): UserState {
  if (event.type === 'UserCreated') {
    const { userId, email } = event.data
    return { status: 'active', userId, hasEmail: email !== null, nextPhysicalKeyNumber: 1, accessibleLocks: [] }
  }
  if (state.status !== 'active') return state
  switch (event.type) {
    case 'PhysicalKeyAdded':
      return { ...state, nextPhysicalKeyNumber: Math.max(state.nextPhysicalKeyNumber, event.data.number + 1) }
    case 'AccessibleLockAdded':
      return { ...state, accessibleLocks: [...state.accessibleLocks.filter((id) => id !== event.data.lockId), event.data.lockId] }
    case 'AccessibleLockRemoved':
      return { ...state, accessibleLocks: state.accessibleLocks.filter((id) => id !== event.data.lockId) }
    case 'UserEmailUpdated':
      return { ...state, hasEmail: true }
    case 'PhysicalKeyRemoved':
    case 'UserPhoneNumberUpdated':
    case 'UserPasswordChanged':
    case 'LoginLinkIssued':
      return state
  }
}

// A removed key leaves decision state: its number is never reused (the counter above only grows).
export function evolvePhysicalKey(key: PhysicalKeyState | null, event: UserEvent): PhysicalKeyState | null {
  switch (event.type) {
    case 'PhysicalKeyAdded':
      return { orgId: event.data.orgId }
    case 'PhysicalKeyRemoved':
      return null
    default:
      return key
  }
}
