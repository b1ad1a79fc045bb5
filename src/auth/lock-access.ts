// The lock a caller asks for, or why not: 404 when they cannot see it at all (exactly as for a missing lock, so
// other tenants' lock ids are not revealed), 403 when they can see it but may not do this.
import type { Deps } from '../deps'
import { Forbidden, NotFound } from '../domain/errors'
import type { Lock as LockRow } from '../db/schema'
import { canManageLock, canUseLock, type LockAccess } from './policies'
import type { Authenticated } from './principal'

export type LockNeed = 'use' | 'manage'

// Key holders only matter for a user who neither owns the lock nor calls with the lock's org key.
async function access(deps: Deps, caller: Authenticated, lock: LockRow): Promise<LockAccess> {
  const base = { ownerId: lock.ownerId, orgId: lock.orgId }
  if (caller.kind !== 'user' || canManageLock(caller, base)) return base
  return { ...base, keyHolderIds: await deps.data.lockKeyHolderIds(lock.lockId) }
}

export async function canSeeLock(deps: Deps, caller: Authenticated, lock: LockRow): Promise<boolean> {
  return canUseLock(caller, await access(deps, caller, lock))
}

export async function isLockManager(deps: Deps, caller: Authenticated, lock: LockRow): Promise<boolean> {
  return canManageLock(caller, await access(deps, caller, lock))
}

export async function authorizeLock(deps: Deps, caller: Authenticated, lockId: number, need: LockNeed): Promise<Readonly<LockRow>> {
  const lock = await deps.reads.lockRow(lockId, deps.clock.now())
  if (!lock || !(await canSeeLock(deps, caller, lock))) throw new NotFound('Lock not found')
  if (need === 'manage' && !(await isLockManager(deps, caller, lock))) {
    throw new Forbidden('Only the lock owner or its organization may do this')
  }
  return lock
}
