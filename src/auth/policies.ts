// Pure authorisation rules (docs common-workflows + the product's choices in DESIGN.md). Each answers a yes/no;
// routes turn a "no" into 403, or into 404 where a yes/no would reveal another tenant's resource.
import type { Principal } from './principal'

export type LockAccess = { ownerId: string | null; orgId: string | null; keyHolderIds?: string[] }

// B2B: the key's org owns the lock (or a super key). B2C: the owner.
export function canManageLock(principal: Principal, lock: LockAccess): boolean {
  if (principal.kind === 'org') return principal.isSuper || (lock.orgId !== null && lock.orgId === principal.orgId)
  if (principal.kind === 'user') return lock.ownerId !== null && lock.ownerId === principal.userId
  return false
}

// Reading and opening also allow a user who holds a key on the lock.
export function canUseLock(principal: Principal, lock: LockAccess): boolean {
  if (canManageLock(principal, lock)) return true
  return principal.kind === 'user' && (lock.keyHolderIds ?? []).includes(principal.userId)
}

// A user changes only their own record; an org key may act on users (docs: "use a B2B API key").
export function canModifyUser(principal: Principal, userId: string): boolean {
  if (principal.kind === 'user') return principal.userId === userId
  return principal.kind === 'org'
}

export function canReadUser(principal: Principal, userId: string): boolean {
  return canModifyUser(principal, userId)
}

// Personal data (profile, phone number): a user's own; an org key's for users related to its org (isRelatedToOrg),
// a super key's for anyone. Users are not owned by a tenant, so an unrelated tenant has no business with them.
export function canSeePersonalData(principal: Principal, userId: string, isRelatedToOrg: boolean): boolean {
  if (principal.kind === 'user') return principal.userId === userId
  return principal.kind === 'org' && (principal.isSuper || isRelatedToOrg)
}

// Lookups by e-mail or phone (userId: the match, null for none): an org key finds anyone; a user only finds
// themself, so a miss and someone else's record look the same to them (no account enumeration).
export function canLookUpUser(principal: Principal, userId: string | null): boolean {
  if (principal.kind === 'user') return userId !== null && principal.userId === userId
  return principal.kind === 'org'
}

// The caller speaks for the org: its key (a super key for any org) or its staff.
export function speaksForOrg(principal: Principal, orgId: string, staffOrgIds: string[]): boolean {
  if (principal.kind === 'org') return principal.isSuper || principal.orgId === orgId
  if (principal.kind === 'user') return staffOrgIds.includes(orgId)
  return false
}

// Issuing or removing a physical key needs the issuing org.
export function canIssuePhysicalKey(principal: Principal, orgId: string, staffOrgIds: string[]): boolean {
  return speaksForOrg(principal, orgId, staffOrgIds)
}

// Handing a lock to an organisation needs its consent (speaksForOrg).
// Otherwise anyone who owns a lock could push events into any tenant's feed. The lock's current org needs none:
// setting it again changes nothing.
export function canAssignOrg(principal: Principal, orgId: string, staffOrgIds: string[], currentOrgId: string | null): boolean {
  return orgId === currentOrgId || speaksForOrg(principal, orgId, staffOrgIds)
}

export function isSuperKey(principal: Principal): boolean {
  return principal.kind === 'org' && principal.isSuper
}
