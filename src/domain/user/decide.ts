// User decider: creation is idempotent, an e-mail is set only where there is none, physical-key numbers only grow, a B2B caller removes only its own keys.
import type { Aggregate, Entities } from '../../eventstore/types'
import { Conflict, Forbidden, Invalid, NotFound } from '../errors'
import type {
  AddAccessibleLock,
  AddPhysicalKey,
  CreateUser,
  RemoveAccessibleLock,
  RemovePhysicalKey,
  UpdateEmail,
  UpdatePhoneNumber,
  UserCommand,
} from './commands'
import type { UserEvent } from './events'
import { evolvePhysicalKey, evolveUser } from './evolve'
import { initialUserState, type PhysicalKeyState, type UserState } from './state'

type Active = Extract<UserState, { status: 'active' }>

const iso = (now: number) => new Date(now).toISOString()

function requireUser(state: UserState): Active {
  if (state.status !== 'active') throw new NotFound('User not found')
  return state
}

// "+30 694 123 4567" -> "***4567": the only form of a phone number the log ever holds.
export const maskPhoneNumber = (phone: string) => `***${phone.replace(/\D/g, '').slice(-4)}`

function createUser(command: CreateUser, state: UserState): UserEvent[] {
  if (state.status === 'active') return []
  const { userId, email, firstName, lastName, phoneNumber } = command.data
  const names = { ...(firstName ? { firstName } : {}), ...(lastName ? { lastName } : {}) }
  const created: UserEvent = { type: 'UserCreated', data: { userId, email, ...names, status: 'ACTIVE' } }
  if (!phoneNumber) return [created]
  const masked = { userId, action: 'set' as const, maskedPhoneNumber: maskPhoneNumber(phoneNumber), timestamp: iso(command.metadata.now) }
  return [created, { type: 'UserPhoneNumberUpdated', data: masked }]
}

function updatePhoneNumber(command: UpdatePhoneNumber, state: UserState): UserEvent[] {
  const user = requireUser(state)
  const { phoneNumber } = command.data
  const timestamp = iso(command.metadata.now)
  if (phoneNumber === null) return [{ type: 'UserPhoneNumberUpdated', data: { userId: user.userId, action: 'removed', timestamp } }]
  const data = { userId: user.userId, action: 'set' as const, maskedPhoneNumber: maskPhoneNumber(phoneNumber), timestamp }
  return [{ type: 'UserPhoneNumberUpdated', data }]
}

// "mara@example.org" -> "m***@example.org" (docs: first initial + domain).
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@')
  return `${email.slice(0, 1)}***${at >= 0 ? email.slice(at) : ''}`
}

// docs: only a user who has no e-mail gets one (409 otherwise); the address is checked against other users' before.
function updateEmail(command: UpdateEmail, state: UserState): UserEvent[] {
  const user = requireUser(state)
  if (user.hasEmail) {
    if (command.data.onFile) return []
    throw new Conflict('This user already has an email')
  }
  const data = { userId: user.userId, maskedEmail: maskEmail(command.data.email), timestamp: iso(command.metadata.now) }
  return [{ type: 'UserEmailUpdated', data }]
}

function addPhysicalKey(command: AddPhysicalKey, state: UserState): UserEvent[] {
  const user = requireUser(state)
  const { orgId, orgName, note } = command.data
  const optional = { ...(orgName !== null ? { orgName } : {}), ...(note !== null ? { note } : {}) }
  const data = { userId: user.userId, number: user.nextPhysicalKeyNumber, orgId, ...optional, addedAt: command.metadata.now }
  return [{ type: 'PhysicalKeyAdded', data }]
}

function removePhysicalKey(command: RemovePhysicalKey, state: UserState, key: PhysicalKeyState | null): UserEvent[] {
  const user = requireUser(state)
  const { number, issuerScope } = command.data
  const issuer = key?.orgId
  if (issuer === undefined) throw new NotFound(`No physical key with number ${number}`)
  if (issuerScope !== null && !issuerScope.includes(issuer)) {
    throw new Forbidden('This physical key was issued by another organization')
  }
  return [{ type: 'PhysicalKeyRemoved', data: { userId: user.userId, number, removedAt: command.metadata.now } }]
}

function addAccessibleLock(command: AddAccessibleLock, state: UserState): UserEvent[] {
  const user = requireUser(state)
  // docs: 400 "lock already accessible"; change a grant by removing and adding it again.
  if (user.accessibleLocks.includes(command.data.lockId)) throw new Invalid('The user already has access to this lock')
  const { validFrom, validUntil, ...rest } = command.data
  if (validFrom && validUntil && Date.parse(validUntil) <= Date.parse(validFrom)) {
    throw new Invalid('validUntil must be after validFrom', [{ field: 'validUntil', message: 'must be after validFrom' }])
  }
  const window = { ...(validFrom ? { validFrom } : {}), ...(validUntil ? { validUntil } : {}) }
  return [{ type: 'AccessibleLockAdded', data: { userId: user.userId, ...rest, ...window, grantedAt: iso(command.metadata.now) } }]
}

function removeAccessibleLock(command: RemoveAccessibleLock, state: UserState): UserEvent[] {
  const user = requireUser(state)
  // docs: 400 "lock not accessible" (404 means the user)
  if (!user.accessibleLocks.includes(command.data.lockId)) throw new Invalid('The user has no access to this lock')
  return [{ type: 'AccessibleLockRemoved', data: { userId: user.userId, ...command.data, removedAt: iso(command.metadata.now) } }]
}

export function decideUser(command: UserCommand, state: UserState, physicalKey: PhysicalKeyState | null = null): UserEvent[] {
  switch (command.type) {
    case 'CreateUser':
      return createUser(command, state)
    case 'UpdatePhoneNumber':
      return updatePhoneNumber(command, state)
    case 'UpdateEmail':
      return updateEmail(command, state)
    case 'ChangePassword':
      return [{ type: 'UserPasswordChanged', data: { userId: requireUser(state).userId, changedAt: iso(command.metadata.now) } }]
    case 'IssueLoginLink': {
      const data = { userId: requireUser(state).userId, issuedAt: iso(command.metadata.now), expiresAt: command.data.expiresAt }
      return [{ type: 'LoginLinkIssued', data }]
    }
    case 'AddPhysicalKey':
      return addPhysicalKey(command, state)
    case 'RemovePhysicalKey':
      return removePhysicalKey(command, state, physicalKey)
    case 'AddAccessibleLock':
      return addAccessibleLock(command, state)
    case 'RemoveAccessibleLock':
      return removeAccessibleLock(command, state)
    default: {
      const unknown: never = command
      throw new Error(`unknown user command ${JSON.stringify(unknown)}`)
    }
  }
}

export const userDecider = { decide: decideUser, evolve: evolveUser, initialState: initialUserState }

export const physicalKeyEntities: Entities<UserCommand, UserEvent, PhysicalKeyState> = {
  kind: 'physical-key',
  streamPrefix: 'user-',
  ofCommand: (command) => (command.type === 'RemovePhysicalKey' ? String(command.data.number) : null),
  ofEvent: (event) => (event.type === 'PhysicalKeyAdded' || event.type === 'PhysicalKeyRemoved' ? String(event.data.number) : null),
  evolve: evolvePhysicalKey,
}

// State version 2: physical keys left the user's state for decision rows (snapshots of version 1 held them all);
// version 3 added hasEmail.
export const userAggregate: Aggregate<UserState, UserCommand, UserEvent, PhysicalKeyState> = {
  name: 'user',
  stateVersion: 3,
  decider: userDecider,
  entities: physicalKeyEntities,
}
