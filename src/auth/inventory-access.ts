// Who may see and remove which keys of a physical-key inventory: the user sees all their own; an organisation (its API
// key, or its staff signed in) sees and removes the keys it issued; a super key any.
import type { Deps } from '../deps'
import { Forbidden, NotFound } from '../domain/errors'
import type { Authenticated } from './principal'

// The orgs whose keys this caller may remove; null = any (a super key). Only issuers remove: an org key or the
// org's staff, never the key holder alone, or a user could erase an organisation's record of what it handed out.
export async function removerScope(deps: Deps, caller: Authenticated): Promise<string[] | null> {
  if (caller.kind === 'org') return caller.isSuper ? null : [caller.orgId]
  return deps.data.staffOrgIds(caller.userId)
}

// The orgs whose keys this caller may see; null = all of them (a super key, or the user's own inventory).
export const visibleScope = async (deps: Deps, caller: Authenticated, userId: string): Promise<string[] | null> =>
  caller.kind === 'user' && caller.userId === userId ? null : removerScope(deps, caller)

// A reader with this scope may read the user's inventory at all. Refused before the user is looked up: to a user who
// may see no one else's keys, an unknown id and another user's look the same (403, docs/auth.md), revealing no accounts.
export async function requireReadable(deps: Deps, userId: string, scope: string[] | null): Promise<void> {
  if (scope?.length === 0) throw new Forbidden()
  if (!(await deps.data.findUser(userId))) throw new NotFound('User not found')
}
