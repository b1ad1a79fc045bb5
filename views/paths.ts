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

export const LOCKS_PATH = '/locks'
export const lockPath = (lockId: number) => `${LOCKS_PATH}/${lockId}`
// `before`: the activity log's cursor of an older page.
export const lockUrl = (lockId: number, params: { before?: string | null; open?: string }) => withQuery(lockPath(lockId), params)
export const lockOpenPath = (lockId: number) => `${lockPath(lockId)}/open`
export const tempKeysPath = (lockId: number) => `/locks/${lockId}/temp-keys`

export const MY_KEYS_PATH = '/me/keys'
export const myKeysUrl = (params: { q?: string; cursor?: string | null }) => withQuery(MY_KEYS_PATH, params)

export const orgKeysPath = (orgId: string) => `/orgs/${encodeURIComponent(orgId)}/keys`
export const orgKeysUrl = (orgId: string, params: Record<string, string | number | null | undefined> = {}) =>
  withQuery(orgKeysPath(orgId), params)

export const orgWebhooksPath = (orgId: string) => `/orgs/${encodeURIComponent(orgId)}/webhooks`

// The one-time link that makes the first site administrator (src/auth/site-admins.ts).
export const setupPath = (token: string) => `/setup/${encodeURIComponent(token)}`
