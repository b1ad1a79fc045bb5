// The hottest reads, answered before the framework when the read cache has the answer. Bun's router sends these
// paths here; a hit gets exactly what the Elysia route would send (body, headers, metrics, access log) for a third of
// the CPU, and anything else (a miss, a query string, a signed-in browser, a bearer token, a request with a body)
// goes on to the app, which runs every hook and check as usual.
import { visibleScope } from '../auth/inventory-access'
import { cookieName, orgPrincipal, readCookie, SESSION_COOKIE, spoofedHeaders } from '../auth/principal'
import type { Deps } from '../deps'
import { fillTemplate } from '../reads/page-template'
import { LANGUAGES, type Lang } from '../../views/i18n'
import { pageLanguage } from './pages/language'
import { csrfFor } from './pages/support'
import { type Replied, requestInfo, SECURITY_HEADERS, startRequest } from '../request-context'

type BunRequest = Request & { params: Record<string, string> }
type Handler = (request: BunRequest) => Response | Promise<Response>
export type HotRoutes = Record<string, { GET: Handler }>

// Only requests the hot path can answer exactly as the app would: no query (the app checks some parameters on
// every route), nothing percent-encoded (the app decodes params), no body.
function plain(request: Request): boolean {
  const { url, headers } = request
  return !url.includes('?') && !url.includes('%') && !headers.has('content-length') && !headers.has('transfer-encoding')
}

export function hotReads(
  deps: Deps,
  replied: Replied,
  app: () => { fetch: (request: Request) => Response | Promise<Response> },
): HotRoutes {
  // Each reply's headers start as a copy of its route's fixed ones: a native copy costs less than building them from
  // an object per request.
  const send = (request: Request, route: string, body: string, fixed: Headers, setCookie?: string | null) => {
    const headers = new Headers(fixed)
    headers.set('x-request-id', requestInfo(request).requestId)
    if (setCookie) headers.set('set-cookie', setCookie)
    const response = new Response(body, { headers })
    replied(request, route, 200)
    return response
  }
  // One set per language, in the order the app's answer has them (its Content-Language comes before the security headers).
  const pageHeadersFor = (lang: Lang) =>
    new Headers({
      'content-type': 'text/html; charset=utf-8',
      vary: 'HX-Request',
      'cache-control': 'no-store',
      'content-language': lang,
      ...SECURITY_HEADERS,
    })
  const pageHeaders = new Map(LANGUAGES.map((lang) => [lang, pageHeadersFor(lang)]))
  const jsonHeaders = new Headers({ 'content-type': 'application/json', ...SECURITY_HEADERS })
  const next = (request: Request) => app().fetch(request)

  return {
    // The guest page, for a visitor who is not signed in (a signed-in viewer's page depends on a verified session).
    '/temp-keys/:uuid': {
      GET: (request) => {
        startRequest(request)
        if (!plain(request) || readCookie(request.headers, cookieName(deps, SESSION_COOKIE)) !== null) return next(request)
        // No query, so no ?lang=: the language is the cookie's or Accept-Language's, as the app would pick it.
        const { lang } = pageLanguage(deps, request)
        const template = deps.reads.guestPage(request.params.uuid ?? '', null, lang, deps.clock.now())
        if (template === undefined) return next(request)
        const { csrfToken, setCookie } = csrfFor(deps, request)
        return send(
          request,
          '/temp-keys/:uuid',
          fillTemplate(template, csrfToken),
          pageHeaders.get(lang) ?? pageHeadersFor(lang),
          setCookie,
        )
      },
    },
    // An inventory read with an API key alone; with a JWT (a user, or a key's acting user) the app answers.
    '/users/:id/PhysicalKeys': {
      GET: async (request) => {
        startRequest(request)
        const headers = request.headers
        const apiKey = headers.get('x-api-key')
        if (apiKey === null || !plain(request) || headers.has('authorization') || spoofedHeaders(headers).length > 0) return next(request)
        const caller = await orgPrincipal(deps, apiKey, null)
        if (!caller) return next(request)
        const userId = request.params.id ?? ''
        const body = deps.reads.cachedInventoryPage(userId, await visibleScope(deps, caller, userId), {}, deps.clock.now())
        if (body === undefined) return next(request)
        requestInfo(request).principalKind = caller.kind
        return send(request, '/users/:id/PhysicalKeys', body, jsonHeaders)
      },
    },
  }
}
