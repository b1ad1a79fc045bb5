// What every htmx page shares: the session user, a CSRF token (double submit: cookie + form field or header, the
// token signed for the browser's session), HTML responses with Vary: HX-Request, and redirects that suit both plain
// forms and htmx.
import { createHmac } from 'node:crypto'
import { Elysia, t } from 'elysia'
import { cookieName, readCookie, resolveSessionUser, SESSION_COOKIE } from '../../auth/principal'
import type { Deps } from '../../deps'
import { Forbidden } from '../../domain/errors'

export const CSRF_COOKIE = 'spkey_csrf'
export const CSRF_FIELD = '_csrf'
// The form field's schema: optional, as an htmx request sends the token in a header instead.
export const CsrfField = t.Optional(t.String({ maxLength: 200 }))

const isHttps = (deps: Deps) => deps.config.publicUrl.startsWith('https://')

// `name` unprefixed: cookieName adds __Host- under https, whose rules (Secure, Path=/, no Domain) this line meets.
export function cookie(deps: Deps, name: string, value: string, maxAgeSeconds: number): string {
  const secure = isHttps(deps) ? '; Secure' : ''
  return `${cookieName(deps, name)}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAgeSeconds}${secure}`
}

export const sessionCookie = (deps: Deps, token: string, maxAgeSeconds: number) => cookie(deps, SESSION_COOKIE, token, maxAgeSeconds)

export const clearSessionCookie = (deps: Deps) => cookie(deps, SESSION_COOKIE, '', 0)

// Constant-time: the token is a secret of the browser's session.
const sameToken = (a: string, b: string) => {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && crypto.timingSafeEqual(left, right)
}

// A token is `<nonce>.<HMAC of the session and the nonce>`: whoever can plant cookies (a sibling subdomain, plain http)
// can plant a token, but not one signed for the victim's session. The session is the raw session cookie (unique per
// sign-in, by its jti); a signed-out browser has none, and its token is bound to its own random nonce.
const CSRF_TOKEN = /^([A-Za-z0-9_-]{32})\.([A-Za-z0-9_-]{43})$/

const sessionOf = (deps: Deps, request: Request) => readCookie(request.headers, cookieName(deps, SESSION_COOKIE))

const signature = (deps: Deps, session: string | null, nonce: string) =>
  createHmac('sha256', deps.secrets.csrfSecret)
    .update(`${nonce}.${session ?? ''}`)
    .digest('base64url')

function isSignedFor(deps: Deps, token: string, session: string | null): boolean {
  const match = CSRF_TOKEN.exec(token)
  return match?.[1] !== undefined && match[2] !== undefined && sameToken(match[2], signature(deps, session, match[1]))
}

// Throws 403 unless the form field (or the htmx header) matches the CSRF cookie, signed for this request's session.
export function verifyCsrf(deps: Deps, request: Request, body: unknown): void {
  const expected = readCookie(request.headers, cookieName(deps, CSRF_COOKIE))
  const fromBody = body && typeof body === 'object' ? Reflect.get(body, CSRF_FIELD) : null

  const sent = request.headers.get('x-csrf-token') ?? (typeof fromBody === 'string' ? fromBody : null)
  if (!expected || !sent || !sameToken(expected, sent) || !isSignedFor(deps, expected, sessionOf(deps, request))) {
    throw new Forbidden('The form has expired or was not sent from this site; reload the page and try again')
  }
}

export const isHtmx = (request: Request) =>
  request.headers.get('hx-request') === 'true' && request.headers.get('hx-history-restore-request') !== 'true'

// no-store: pages carry the viewer's CSRF token and data, which no shared or back-button cache should keep.
export function html(body: string, init: { status?: number; headers?: Record<string, string> } = {}): Response {
  return new Response(body, {
    status: init.status ?? 200,
    headers: { 'content-type': 'text/html; charset=utf-8', vary: 'HX-Request', 'cache-control': 'no-store', ...init.headers },
  })
}

// 303 for plain forms; htmx follows HX-Redirect instead of swapping a redirected page into a fragment.
export function redirect(request: Request, location: string, headers: Record<string, string> = {}): Response {
  if (isHtmx(request)) return new Response(null, { status: 204, headers: { 'hx-redirect': location, ...headers } })
  return new Response(null, { status: 303, headers: { location, ...headers } })
}

const CSRF_TTL_SECONDS = 60 * 60 * 24 * 30

// A new CSRF token (a nonce of 24 random bytes, signed for `session`, the session cookie or null) and the cookie that
// gives it to the browser: a new browser's, or a new session's.
export function mintCsrf(deps: Deps, session: string | null): { csrfToken: string; setCookie: string } {
  const nonce = Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64url')
  const csrfToken = `${nonce}.${signature(deps, session, nonce)}`
  return { csrfToken, setCookie: cookie(deps, CSRF_COOKIE, csrfToken, CSRF_TTL_SECONDS) }
}

// The browser's CSRF token, minted (with the cookie to set) on first sight and whenever its session changed. A cookie
// spkey did not sign for this session (planted, or another session's) is replaced, never used: the cached guest page
// writes the token into its HTML as is, and the signature's format admits nothing HTML could read as markup.
export function csrfFor(deps: Deps, request: Request): { csrfToken: string; setCookie: string | null } {
  const existing = readCookie(request.headers, cookieName(deps, CSRF_COOKIE))
  const session = sessionOf(deps, request)
  if (existing !== null && isSignedFor(deps, existing, session)) return { csrfToken: existing, setCookie: null }
  return mintCsrf(deps, session)
}

// Derives the signed-in user and a CSRF token; sets the CSRF cookie on first sight.
export const pagePlugin = (deps: Deps) =>
  new Elysia({ name: 'pages' }).derive({ as: 'scoped' }, async ({ request, set }) => {
    const { csrfToken, setCookie } = csrfFor(deps, request)
    if (setCookie) set.headers['set-cookie'] = setCookie
    return { sessionUserId: await resolveSessionUser(deps, request.headers), csrfToken }
  })
