// Every address the pages link to or redirect to, built in one place: views and page controllers both import these.

// A query string of the parameters that carry a value, in the order given.
function withQuery(path: string, params: Record<string, string | number | null | undefined>): string {
  const query = new URLSearchParams()
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== '') query.set(name, String(value))
  }
  const search = query.toString()
  return search ? `${path}?${search}` : path
}

export const HOME_PATH = '/'
export const LOGIN_PATH = '/login'
export const LOGOUT_PATH = '/logout'

// Back to where the reader was after signing in: /login?next=/me/keys
export const loginUrl = (next: string) => `${LOGIN_PATH}?next=${encodeURIComponent(next).replaceAll('%2F', '/')}`

export const guestPath = (uuid: string) => `/temp-keys/${uuid}`
// `lang`: the guest's language switch (views/i18n).
export const guestUrl = (uuid: string, params: { lang?: string }) => withQuery(guestPath(uuid), params)
export const openPath = (uuid: string) => `/temp-keys/${uuid}/open`

// A collective key's guest page lives at both documented addresses; the page links within the one it was opened at.
export type KeyBase = '/temp-keys' | '/collective-temp-keys'
export const TEMP_KEYS_PATH: KeyBase = '/temp-keys'
export const COLLECTIVE_KEYS_PATH: KeyBase = '/collective-temp-keys'
export const keyPagePath = (base: KeyBase, uuid: string) => `${base}/${uuid}`
// `lang`: the guest's language switch (views/i18n).
export const keyPageUrl = (base: KeyBase, uuid: string, params: { lang?: string }) => withQuery(keyPagePath(base, uuid), params)
export const doorOpenPath = (base: KeyBase, uuid: string, doorId: number) => `${base}/${uuid}/doors/${doorId}/open`
export const doorConfirmationUrl = (base: KeyBase, uuid: string, doorId: number, offline: boolean) =>
  withQuery(`${base}/${uuid}/confirmation`, { door: doorId, offline: String(offline) })

export const LOCKS_PATH = '/locks'
export const lockPath = (lockId: number) => `${LOCKS_PATH}/${lockId}`
// `before`: the activity log's cursor of an older page.
export const lockUrl = (lockId: number, params: { before?: string | null; open?: string }) => withQuery(lockPath(lockId), params)
export const lockOpenPath = (lockId: number) => `${lockPath(lockId)}/open`
export const tempKeysPath = (lockId: number) => `/locks/${lockId}/temp-keys`

// The owner's collective keys across their locks.
export const SHARED_KEYS_PATH = '/shared-keys'
export const sharedKeysUrl = (params: { cursor?: string | null; done?: string }) => withQuery(SHARED_KEYS_PATH, params)
export const sharedKeyRevokePath = (uuid: string) => `${SHARED_KEYS_PATH}/${uuid}/revoke`

export const MY_KEYS_PATH = '/me/keys'
export const myKeysUrl = (params: { q?: string; cursor?: string | null }) => withQuery(MY_KEYS_PATH, params)

export const orgKeysPath = (orgId: string) => `/orgs/${encodeURIComponent(orgId)}/keys`
export const orgKeysUrl = (orgId: string, params: Record<string, string | number | null | undefined> = {}) =>
  withQuery(orgKeysPath(orgId), params)

export const orgWebhooksPath = (orgId: string) => `/orgs/${encodeURIComponent(orgId)}/webhooks`

// The one-time link that makes the first site administrator (src/auth/site-admins.ts).
export const setupPath = (token: string) => `/setup/${encodeURIComponent(token)}`

// The administration console for site operators.
export const ADMIN_ORGS_PATH = '/admin/orgs'
export const adminOrgsUrl = (params: { offset?: number }) => withQuery(ADMIN_ORGS_PATH, params)
export const adminOrgPath = (orgId: string) => `${ADMIN_ORGS_PATH}/${encodeURIComponent(orgId)}`
export const adminOrgKeyPath = (orgId: string) => `${adminOrgPath(orgId)}/api-key`
export const adminOrgMembersPath = (orgId: string) => `${adminOrgPath(orgId)}/members`
export const adminOrgMemberRemovePath = (orgId: string) => `${adminOrgPath(orgId)}/members/remove`
export const ADMIN_USERS_PATH = '/admin/users'
export const adminUsersUrl = (params: { cursor?: string | null; created?: string }) => withQuery(ADMIN_USERS_PATH, params)
export const adminUserLoginLinkPath = (userId: string) => `${ADMIN_USERS_PATH}/${encodeURIComponent(userId)}/login-link`
export const ADMIN_LOCKS_PATH = '/admin/locks'
export const adminLocksUrl = (params: { cursor?: number | null; registered?: number }) => withQuery(ADMIN_LOCKS_PATH, params)
export const adminLockPath = (lockId: number) => `${ADMIN_LOCKS_PATH}/${lockId}`
export const ADMIN_WEBHOOKS_PATH = '/admin/webhooks'
export const adminWebhooksUrl = (params: { offset?: number }) => withQuery(ADMIN_WEBHOOKS_PATH, params)
