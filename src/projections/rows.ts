// What an event writes into the read models, as values: pure, shared by the SQLite projections (beside this file) and
// their PostgreSQL twins (pg/), so the two databases hold the same rows for the same log. Each side only runs the
// statements.
import type {
  apiKeys,
  accessibleLocks,
  Lock,
  lockKeys,
  lockResidents,
  Org,
  orgMembers,
  PhysicalKeyRow,
  TempKeyRow,
  User,
} from '../db/schema'
import type { KeyAdded, LockCreated, LockEvent, ResidentAdded, TempKeyCreated, TempKeyChanges } from '../domain/lock/events'
import type { ApiKeyIssued, OrganizationRegistered, OrgMemberAdded } from '../domain/org/events'
import type { AccessibleLockAdded, PhysicalKeyAdded, UserCreated } from '../domain/user/events'
import type { EventMetadata, StoredEvent } from '../eventstore/types'

// Where partner_events routes an event: the org it names, the org of the lock it names, or the issuer of the
// physical key it removes (read before the users projection deletes that key's row).
export type PartnerRoute =
  | { from: 'event'; orgId: string }
  | { from: 'lock'; lockId: number }
  | { from: 'issuer'; userId: string; number: number }
  | null

const str = (value: unknown) => (typeof value === 'string' ? value : null)
const num = (value: unknown) => (typeof value === 'number' ? value : Number(value))
const ofLock = (lockId: unknown): PartnerRoute => {
  const id = num(lockId)
  return Number.isInteger(id) ? { from: 'lock', lockId: id } : null
}

// Lock events go to the lock's org, physical-key events to the issuing org, access grants to the lock's org.
export function partnerRoute(event: StoredEvent): PartnerRoute {
  const data = event.data
  if (event.streamId.startsWith('lock-')) {
    const orgId = event.type === 'OrganizationSet' || event.type === 'LockCreated' ? str(data.orgId) : null
    return orgId === null ? ofLock(data.lockId) : { from: 'event', orgId }
  }
  switch (event.type) {
    case 'PhysicalKeyAdded': {
      const orgId = str(data.orgId)
      return orgId === null ? null : { from: 'event', orgId }
    }
    case 'PhysicalKeyRemoved': {
      const number = num(data.number)
      return Number.isInteger(number) ? { from: 'issuer', userId: str(data.userId) ?? '', number } : null
    }
    case 'AccessibleLockAdded':
    case 'AccessibleLockRemoved':
      return ofLock(data.lockId)
    default:
      return null
  }
}

export const orgRow = ({ orgId, orgName, ownerEmail, isSuper, registeredAt }: OrganizationRegistered['data']): Org => ({
  orgId,
  name: orgName,
  ownerEmail: ownerEmail ?? null,
  isSuper,
  createdAt: registeredAt,
})

export const apiKeyRow = (data: ApiKeyIssued['data']): typeof apiKeys.$inferSelect => {
  const { keyHash, orgId, prefix, createdAt, createdBy, expiresAt } = data
  return { keyHash, orgId, prefix, createdAt, createdBy, expiresAt: expiresAt ?? null, revokedAt: null }
}

export const orgMemberRow = ({ orgId, userId, role, addedAt }: OrgMemberAdded['data']): typeof orgMembers.$inferSelect => ({
  orgId,
  userId,
  role,
  addedAt,
})

export function userRow(event: StoredEvent<UserCreated>): User {
  const { userId, email, firstName, lastName, status } = event.data
  return {
    userId,
    email,
    firstName: firstName ?? null,
    lastName: lastName ?? null,
    status,
    createdAt: new Date(event.createdAt).toISOString(),
  }
}

export function physicalKeyRow(data: PhysicalKeyAdded['data']): PhysicalKeyRow {
  const { userId, number, orgId, orgName, note, addedAt } = data
  return { userId, number, orgId, orgName: orgName ?? null, note: note ?? null, addedAt }
}

// A grant replaces the one before for the same user and lock: every column but the key is the upsert's.
export function accessibleLockRow(data: AccessibleLockAdded['data']): typeof accessibleLocks.$inferSelect {
  const { userId, lockId, lockName, accessLevel, grantedBy, validFrom, validUntil, grantedAt } = data
  return { userId, lockId, lockName, accessLevel, grantedBy, validFrom: validFrom ?? null, validUntil: validUntil ?? null, grantedAt }
}

type LockKey = typeof lockKeys.$inferSelect

export function lockKeyRow(lockId: number, key: Pick<KeyAdded['data'], 'keyUuid' | 'keyIndexNumber' | 'userId'>, at: string): LockKey {
  return { lockId, keyUuid: key.keyUuid, keyIndexNumber: key.keyIndexNumber ?? null, userId: key.userId ?? null, addedAt: at }
}

export function lockCreatedRows(data: LockCreated['data']): { lock: Lock; keys: LockKey[] } {
  const { lockId, uuid, index, serialNumber, vendorName, name, ownerId, orgId, keys = [], timestamp: at } = data
  const lock = {
    lockId,
    uuid,
    index,
    serialNumber: serialNumber ?? null,
    vendorName: vendorName ?? null,
    name: name ?? null,
    ownerId: ownerId ?? null,
    orgId: orgId ?? null,
    driver: null,
    bridgeUrl: null,
    createdAt: at,
    updatedAt: at,
  }
  const rows = keys.map((key) => lockKeyRow(lockId, { keyUuid: key.uuid, keyIndexNumber: key.indexNumber, userId: key.userId }, at))
  return { lock, keys: rows }
}

// The lock columns an event changes, updated_at with them; null for the events that change none.
export function lockChanges(event: LockEvent): Partial<Lock> | null {
  const updatedAt = event.data.timestamp
  switch (event.type) {
    case 'OwnerSet':
      return { ownerId: event.data.userId, updatedAt }
    case 'OrganizationSet':
      return { orgId: event.data.orgId, updatedAt }
    case 'LockUuidChanged':
      return { uuid: event.data.newUuid, updatedAt }
    case 'LockDriverConfigured':
      return { driver: event.data.driver, bridgeUrl: event.data.bridgeUrl, updatedAt }
    default:
      return null
  }
}

export const residentRow = ({ lockId, userId, name, email }: ResidentAdded['data']): typeof lockResidents.$inferSelect => ({
  lockId,
  userId,
  name,
  email: email ?? null,
})

// Of a whitelist, the people a manager listed by e-mail on the page: this command's, and those listed so before.
export function enteredEmails(ids: string[], typed: Record<string, string> | undefined, before: string | null): string | null {
  const known: Record<string, string> = { ...(before === null ? {} : JSON.parse(before)), ...typed }
  const listed = ids.flatMap((id) => (known[id] === undefined ? [] : [[id, known[id]]]))
  return listed.length > 0 ? JSON.stringify(Object.fromEntries(listed)) : null
}

export function tempKeyRow(event: StoredEvent<TempKeyCreated>): TempKeyRow {
  const d = event.data
  return {
    uuid: d.tempKeyUuid,
    lockId: d.lockId,
    lockUuid: d.lockUuid,
    accessMode: d.accessMode,
    allowedUserIds: JSON.stringify(d.allowedUserIds),
    enteredEmails: enteredEmails(d.allowedUserIds, event.metadata.enteredEmails, null),
    validFrom: d.validFrom,
    validUntil: d.validUntil,
    maxUses: d.maxUses,
    usedCount: 0,
    schedule: d.schedule ? JSON.stringify(d.schedule) : null,
    description: d.description ?? null,
    createdAt: d.timestamp,
    createdBy: d.createdBy,
    deletedAt: null,
  }
}

// Whether tempKeyChanges needs the key's entered e-mails before the change: only a new whitelist rewrites them.
export const rewritesWhitelist = (changes: TempKeyChanges) => changes.allowedUserIds !== undefined

// The columns a TempKeyUpdated sets (undefined: left as they are); `before`: the key's entered_emails, when
// rewritesWhitelist.
export function tempKeyChanges(changes: TempKeyChanges, metadata: EventMetadata, before: string | null): Partial<TempKeyRow> {
  const { allowedUserIds, schedule, description, validFrom, validUntil, maxUses, accessMode } = changes
  return {
    validFrom,
    validUntil,
    maxUses,
    accessMode,
    ...(allowedUserIds !== undefined
      ? { allowedUserIds: JSON.stringify(allowedUserIds), enteredEmails: enteredEmails(allowedUserIds, metadata.enteredEmails, before) }
      : {}),
    ...(schedule !== undefined ? { schedule: schedule === null ? null : JSON.stringify(schedule) } : {}),
    ...(description !== undefined ? { description } : {}),
  }
}
