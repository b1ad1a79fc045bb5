// Who is calling: an organisation (X-API-Key, optionally naming its acting user with a JWT), a user (Bearer JWT),
// or nobody. Client-sent internal headers are refused outright.
import { Elysia } from 'elysia'
import type { Deps } from '../deps'
import { Invalid, Unauthorized } from '../domain/errors'
import { requestInfo } from '../request-context'

export type Principal =
  | { kind: 'anonymous' }
  // verifiedEmail: set for an external identity provider's token only (see auth/jwt.ts).
  | { kind: 'user'; userId: string; verifiedEmail?: string | null }
  | { kind: 'org'; orgId: string; isSuper: boolean; actingUserId: string | null }

export type Authenticated = Exclude<Principal, { kind: 'anonymous' }>

export const SESSION_COOKIE = 'spkey_session'
const INTERNAL_HEADERS = ['x-org-id', 'x-user-id']

const bearer = (headers: Headers) => {
  const value = headers.get('authorization')
  if (value === null) return null
  const match = /^Bearer\s+(\S+)$/i.exec(value)
  if (!match?.[1]) throw new Unauthorized('Authorization header must be "Bearer <JWT>"')
  return match[1]
}

// The server-set headers a client sent anyway (refused with 400 wherever they arrive).
export const spoofedHeaders = (headers: Headers) => INTERNAL_HEADERS.filter((name) => headers.has(name))

// The organisation an API key speaks for; null for an unknown, revoked or expired key.
export async function orgPrincipal(deps: Deps, apiKey: string, actingUserId: string | null): Promise<Authenticated | null> {
  const owner = await deps.apiKeys.resolve(apiKey, deps.clock.now())
  return owner && { kind: 'org', orgId: owner.orgId, isSuper: owner.isSuper, actingUserId }
}

export async function resolvePrincipal(deps: Deps, headers: Headers): Promise<Principal> {
  const spoofed = spoofedHeaders(headers)
  if (spoofed.length > 0) {
    throw new Invalid(
      'Internal headers are set by the server and must not be sent',
      spoofed.map((field) => ({ field, message: 'must not be sent by clients' })),
    )
  }
  const token = bearer(headers)
  const verified = token === null ? null : await deps.jwt.verify(token)
  if (token !== null && verified === null) throw new Unauthorized('Invalid or expired token')
  const apiKey = headers.get('x-api-key')
  if (apiKey !== null) {
    const org = await orgPrincipal(deps, apiKey, verified?.userId ?? null)
    if (!org) throw new Unauthorized('Invalid, revoked or expired API key')
    return org
  }
  if (verified) return { kind: 'user', userId: verified.userId, verifiedEmail: verified.verifiedEmail }
  return { kind: 'anonymous' }
}

// spkey's own cookies: with https they take the __Host- prefix, which a browser accepts only from a Secure, Path=/,
// Domain-less Set-Cookie of this very host, so neither a sibling subdomain nor plain http can plant or overwrite one.
export const cookieName = (deps: Deps, name: string) => (deps.config.publicUrl.startsWith('https://') ? `__Host-${name}` : name)

export function readCookie(headers: Headers, name: string): string | null {
  for (const part of (headers.get('cookie') ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=')
    if (key === name) return value.join('=') || null
  }
  return null
}

// The signed-in browser user (session cookie), for pages and the guest open flow only; the JSON API ignores it.
export async function resolveSessionUser(deps: Deps, headers: Headers): Promise<string | null> {
  const token = readCookie(headers, cookieName(deps, SESSION_COOKIE))
  if (!token) return null
  return (await deps.jwt.verify(token))?.userId ?? null
}

export function requireAuthenticated(principal: Principal): Authenticated {
  if (principal.kind === 'anonymous') throw new Unauthorized()
  return principal
}

// Audit name of the caller, as events record it (createdBy, grantedBy, ...).
export function principalName(principal: Principal): string {
  switch (principal.kind) {
    case 'anonymous':
      return 'anonymous'
    case 'user':
      return principal.userId
    case 'org':
      return principal.actingUserId ?? `org:${principal.orgId}`
  }
}

export const authPlugin = (deps: Deps) =>
  new Elysia({ name: 'auth' }).derive({ as: 'scoped' }, async ({ request }) => {
    const principal = await resolvePrincipal(deps, request.headers)
    requestInfo(request).principalKind = principal.kind
    return { principal }
  })
