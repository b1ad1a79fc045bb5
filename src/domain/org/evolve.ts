// Folds org events into OrgState; total, never throws.
import type { OrgEvent } from './events'
import type { OrgState } from './state'

export function evolveOrg(state: OrgState, event: OrgEvent): OrgState {
  switch (event.type) {
    case 'OrganizationRegistered':
      return {
        status: 'active',
        orgId: event.data.orgId,
        orgName: event.data.orgName,
        ownerEmail: event.data.ownerEmail,
        isSuper: event.data.isSuper,
        activeKey: null,
        members: [],
      }
    case 'ApiKeyIssued':
      if (state.status !== 'active') return state
      return { ...state, activeKey: { keyHash: event.data.keyHash, expiresAt: event.data.expiresAt } }
    case 'ApiKeyRevoked':
      if (state.status !== 'active' || state.activeKey?.keyHash !== event.data.keyHash) return state
      return { ...state, activeKey: null }
    case 'OrgMemberAdded':
      if (state.status !== 'active') return state
      return { ...state, members: [...state.members.filter((id) => id !== event.data.userId), event.data.userId] }
    case 'OrgMemberRemoved':
      if (state.status !== 'active') return state
      return { ...state, members: state.members.filter((id) => id !== event.data.userId) }
  }
}
