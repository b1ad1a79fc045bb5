// Org decider: one tenant per stream, one active API key at a time, rotation revokes the old key in the same step.
import type { Aggregate } from '../../eventstore/types'
import { Conflict, NotFound } from '../errors'
import type { AddOrgMember, IssueApiKey, OrgCommand, RegisterOrganization, RemoveOrgMember } from './commands'
import type { OrgEvent } from './events'
import { evolveOrg } from './evolve'
import { initialOrgState, type OrgState } from './state'

type Active = Extract<OrgState, { status: 'active' }>

const iso = (now: number) => new Date(now).toISOString()

function requireOrg(state: OrgState): Active {
  if (state.status !== 'active') throw new NotFound('Tenant not registered')
  return state
}

// Registering the same tenant again is a no-op; the same id with another name, owner or kind is a clash.
function register(command: RegisterOrganization, state: OrgState): OrgEvent[] {
  if (state.status === 'active') {
    const { orgName, ownerEmail, isSuper } = command.data
    if (state.orgName === orgName && state.ownerEmail === ownerEmail && state.isSuper === isSuper) return []
    throw new Conflict(`Tenant ${state.orgId} is already registered with other details`)
  }
  return [{ type: 'OrganizationRegistered', data: { ...command.data, registeredAt: iso(command.metadata.now) } }]
}

function issueApiKey(command: IssueApiKey, state: OrgState): OrgEvent[] {
  const org = requireOrg(state)
  const now = command.metadata.now
  const current = org.activeKey
  const currentIsLive = current !== null && (current.expiresAt === null || Date.parse(current.expiresAt) > now)
  if (currentIsLive && !command.data.rotate) {
    throw new Conflict('This organization already has an active API key; rotate it instead')
  }
  const { keyHash, prefix, createdBy, expiresAt } = command.data
  const revoked: OrgEvent[] = current
    ? [{ type: 'ApiKeyRevoked', data: { orgId: org.orgId, keyHash: current.keyHash, revokedAt: iso(now) } }]
    : []
  return [...revoked, { type: 'ApiKeyIssued', data: { orgId: org.orgId, keyHash, prefix, createdAt: iso(now), createdBy, expiresAt } }]
}

function addMember(command: AddOrgMember, state: OrgState): OrgEvent[] {
  const org = requireOrg(state)
  if (org.members.includes(command.data.userId)) return []
  const data = { orgId: org.orgId, ...command.data, addedAt: iso(command.metadata.now) }
  return [{ type: 'OrgMemberAdded', data }]
}

function removeMember(command: RemoveOrgMember, state: OrgState): OrgEvent[] {
  const org = requireOrg(state)
  if (!org.members.includes(command.data.userId)) return []
  const data = { orgId: org.orgId, userId: command.data.userId, removedAt: iso(command.metadata.now) }
  return [{ type: 'OrgMemberRemoved', data }]
}

export function decideOrg(command: OrgCommand, state: OrgState): OrgEvent[] {
  switch (command.type) {
    case 'RegisterOrganization':
      return register(command, state)
    case 'IssueApiKey':
      return issueApiKey(command, state)
    case 'AddOrgMember':
      return addMember(command, state)
    case 'RemoveOrgMember':
      return removeMember(command, state)
    default: {
      const unknown: never = command
      throw new Error(`unknown org command ${JSON.stringify(unknown)}`)
    }
  }
}

export const orgDecider = { decide: decideOrg, evolve: evolveOrg, initialState: initialOrgState }

export const orgAggregate: Aggregate<OrgState, OrgCommand, OrgEvent> = {
  name: 'org',
  stateVersion: 2,
  decider: orgDecider,
}
