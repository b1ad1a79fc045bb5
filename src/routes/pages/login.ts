// Browser sign-in: /login (e-mail + password), /login/link (one-time link), /logout (revokes the session JWT). The
// session is an HttpOnly, SameSite=Lax cookie holding a 12-hour JWT; every POST checks the CSRF token; failed sign-ins
// are throttled per account and per IP, and no answer says whether an e-mail has an account.
import { Elysia, t } from 'elysia'
import { verifyPassword } from '../../auth/credentials'
import { cookieName, readCookie, SESSION_COOKIE } from '../../auth/principal'
import { consumeLoginLink, isLoginLinkUsable } from '../../auth/login-links'
import { normalizeEmail } from '../../auth/tenants'
import type { Deps } from '../../deps'
import { LoginLinkPage, LoginPage } from '../../../views/pages/login'
import { HOME_PATH } from '../../../views/paths'
import { clientIp } from '../rate-limit'
import { inLanguage, pageLanguage } from './language'
import { clearSessionCookie, html, mintCsrf, pagePlugin, redirect, sessionCookie, verifyCsrf } from './support'

export const SESSION_TTL_SECONDS = 12 * 60 * 60
// Without a page to return to, the start page: the signed-in person's dashboard.
export const DEFAULT_NEXT = HOME_PATH
// Failed sign-ins per 15 minutes: 5 per account (guessing one password), 20 per IP (a shared office address
// still works while one guesser is stopped).
const WINDOW_MS = 15 * 60_000
const THROTTLED = 'Too many failed sign-ins; wait a few minutes and try again'
const BASE = 'http://spkey.invalid'

// Only a path on this site: anything with another origin, or that a browser could read as one ("//host",
// "/\host"), falls back to the default.
export function safeNext(next: string | undefined): string {
  if (!next?.startsWith('/')) return DEFAULT_NEXT
  let url: URL
  try {
    url = new URL(next, BASE)
  } catch {
    return DEFAULT_NEXT
  }
  const path = url.pathname + url.search + url.hash
  if (url.origin !== BASE || path.startsWith('//') || path.startsWith('/\\')) return DEFAULT_NEXT
  return path
}

// A new session gets a new CSRF token too, signed for it: one planted before sign-in is worthless after it. The jti makes each
// session's token unique: two sign-ins in one second would otherwise get the same token, and signing out of one would
// end the other.
export async function signIn(deps: Deps, request: Request, userId: string, next: string): Promise<Response> {
  const token = await deps.jwt.sign(userId, SESSION_TTL_SECONDS, { jti: crypto.randomUUID() })
  const response = redirect(request, safeNext(next))
  response.headers.append('set-cookie', sessionCookie(deps, token, SESSION_TTL_SECONDS))
  response.headers.append('set-cookie', mintCsrf(deps, token).setCookie)
  return response
}

// Sign-out ends the session server-side too: a copy of the cookie (or the token used as a Bearer) stops working. Only a
// token that still verifies is recorded, so a forged cookie adds nothing to the revocation list.
async function endSession(deps: Deps, request: Request): Promise<void> {
  const token = readCookie(request.headers, cookieName(deps, SESSION_COOKIE))
  const verified = token ? await deps.jwt.verify(token) : null
  if (token && verified) await deps.sessions.revoke(token, verified.exp * 1000)
}

const LoginQuery = t.Object({ next: t.Optional(t.String({ maxLength: 2048 })) })
const LoginForm = t.Object({
  email: t.String({ maxLength: 320 }),
  password: t.String({ maxLength: 1024 }),
  next: t.Optional(t.String({ maxLength: 2048 })),
  _csrf: t.Optional(t.String()),
})
const LinkQuery = t.Object({ token: t.String({ maxLength: 256 }), next: t.Optional(t.String({ maxLength: 2048 })) })
const LinkForm = t.Object({
  token: t.String({ maxLength: 256 }),
  next: t.Optional(t.String({ maxLength: 2048 })),
  _csrf: t.Optional(t.String()),
})
const CsrfForm = t.Object({ _csrf: t.Optional(t.String()) })

export const authPages = (deps: Deps) => {
  const perAccount = deps.rateLimiters('login-per-account', { limit: 5, windowMs: WINDOW_MS, message: THROTTLED })
  const perIp = deps.rateLimiters('login-per-ip', { limit: 20, windowMs: WINDOW_MS, message: THROTTLED })
  return new Elysia({ name: 'pages.auth', detail: { hide: true } })
    .use(pagePlugin(deps))
    .get(
      '/login',
      async ({ query, request, sessionUserId, csrfToken }) => {
        const next = safeNext(query.next)
        if (sessionUserId !== null && (await deps.data.findUser(sessionUserId))) return redirect(request, next)
        const language = pageLanguage(deps, request)
        return inLanguage(html(await LoginPage({ lang: language.lang, csrfToken, next, email: '', failed: false })), language)
      },
      { query: LoginQuery },
    )
    .post(
      '/login',
      async ({ body, request, server, csrfToken }) => {
        verifyCsrf(deps, request, body)
        const next = safeNext(body.next)
        const email = normalizeEmail(body.email)
        const account = [email]
        const ip = [clientIp(server, request, deps.config.trustedProxyHops)]
        // Checked before the password: once throttled, even the right password gets 429 (no guessing oracle).
        await perAccount.check(account, deps.clock.now())
        await perIp.check(ip, deps.clock.now())
        const userId = await verifyPassword(deps, body.email, body.password)
        if (userId === null) {
          await perAccount.hit(account, deps.clock.now())
          await perIp.hit(ip, deps.clock.now())
          const language = pageLanguage(deps, request)
          const page = await LoginPage({ lang: language.lang, csrfToken, next, email: body.email, failed: true })
          return inLanguage(html(page, { status: 401 }), language)
        }
        await perAccount.reset(email)
        return signIn(deps, request, userId, next)
      },
      { body: LoginForm },
    )
    .get(
      '/login/link',
      async ({ query, request, csrfToken }) => {
        const language = pageLanguage(deps, request)
        const usable = await isLoginLinkUsable(deps, query.token)
        const view = { lang: language.lang, csrfToken, token: query.token, next: safeNext(query.next), usable }
        return inLanguage(html(await LoginLinkPage(view), { status: usable ? 200 : 410 }), language)
      },
      { query: LinkQuery },
    )
    .post(
      '/login/link',
      async ({ body, request, csrfToken }) => {
        verifyCsrf(deps, request, body)
        const userId = await consumeLoginLink(deps, body.token)
        const next = safeNext(body.next)
        if (userId === null) {
          const language = pageLanguage(deps, request)
          const page = await LoginLinkPage({ lang: language.lang, csrfToken, token: '', next, usable: false })
          return inLanguage(html(page, { status: 410 }), language)
        }
        return signIn(deps, request, userId, next)
      },
      { body: LinkForm },
    )
    .post(
      '/logout',
      async ({ body, request }) => {
        verifyCsrf(deps, request, body)
        await endSession(deps, request)
        return redirect(request, '/login', { 'set-cookie': clearSessionCookie(deps) })
      },
      { body: t.Optional(CsrfForm) },
    )
}
