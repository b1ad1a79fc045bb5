// Who may manage webhooks and read the feed: the organisation itself, by its own X-API-Key. (The Admin API routes
// use the shared X-Admin-API-Key guard of src/routes/admin.ts.)
import { type Principal, requireAuthenticated } from '../auth/principal'
import { Forbidden } from '../domain/errors'

// Subscriptions and the feed belong to the calling organisation; a user token names no partner.
export function callerOrg(principal: Principal): string {
  const caller = requireAuthenticated(principal)
  if (caller.kind !== 'org') throw new Forbidden('Partner events belong to an organisation: call with its X-API-Key')
  return caller.orgId
}
