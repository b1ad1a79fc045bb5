// httpBasics: what every reply gets whatever its route: the request id, the security headers, the body limit, the
// refusal of a client-sent _callerOrgId, one count and access-log line, the error mapper, and 405 for a known path.
import { Elysia } from 'elysia'
import type { Deps } from '../deps'
import { DomainError, Invalid } from '../domain/errors'
import { type Replied, requestInfo, SECURITY_HEADERS } from '../request-context'
import { errorMapper } from './errors'

// The Swagger UI needs inline scripts and styles: its pages get everything but the CSP.
const { 'content-security-policy': _csp, ...DOCS_SECURITY_HEADERS } = SECURITY_HEADERS

// Start of the path in an absolute request URL, by slicing: new URL() per request is measurable.
const pathStart = (url: string) => url.indexOf('/', url.indexOf('://') + 3)

// Only a query that spells the name, or percent-encodes anything, can name it once decoded.
const namesCallerOrgId = (url: string, queryStart: number) =>
  (url.includes('_callerOrgId', queryStart) || url.includes('%', queryStart)) && new URL(url).searchParams.has('_callerOrgId')

// The whole app's routes, read on the first miss once every plugin has added its own.
export type AppRoutes = () => readonly { method: string; path: string }[]

const routeMatcher = (path: string) =>
  new RegExp(
    `^${path
      .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
      .replace(/:[^/]+/g, '[^/]+')
      .replace(/\*/g, '.*')}$`,
  )

// A path that exists under other methods answers 405, not 404.
function methodsMatching(routes: AppRoutes): (path: string) => string[] {
  let matchers: { method: string; test: RegExp }[] | undefined
  return (path) => {
    matchers ??= routes().map((r) => ({ method: r.method, test: routeMatcher(r.path) }))
    return [...new Set(matchers.filter((m) => m.test.test(path)).map((m) => m.method))]
  }
}

// `replied` is the app's one reply recorder, shared with the hot reads.
export const httpBasics = (deps: Pick<Deps, 'config' | 'logger'>, replied: Replied, routes: AppRoutes) =>
  new Elysia({ name: 'http' })
    .onRequest(({ request, set }) => {
      // A hot read that went on to the app has started the request already: same id, same start.
      const info = requestInfo(request)
      set.headers['x-request-id'] = info.requestId
      const url = request.url
      const path = pathStart(url)
      Object.assign(set.headers, url.startsWith('/swagger', path) ? DOCS_SECURITY_HEADERS : SECURITY_HEADERS)
      // Server-set fields come from authentication only, on every route (docs: "Clients MUST NOT supply this").
      const query = url.indexOf('?', path)
      if (query >= 0 && namesCallerOrgId(url, query)) {
        throw new Invalid('Server-set field: clients must not send it', [
          { field: '_callerOrgId', message: 'Server-set field: clients must not send it' },
        ])
      }
      // Bun.serve enforces the same limit on the wire; checking here first answers it in the envelope.
      if (Number(request.headers.get('content-length') ?? 0) > deps.config.maxBodyBytes) {
        throw new DomainError(413, `The request body is larger than ${deps.config.maxBodyBytes} bytes`)
      }
    })
    // Every successful reply passes here: it is counted and logged, and a Response a handler built (a cached body, a
    // page) gets the request's headers added in place. Left to Elysia, a Response would be copied into a new one with
    // its body as a stream to merge them, a third of a cached read's CPU; and an after-response hook would cost a
    // setImmediate per request. Errors are counted by the error mapper: Elysia hands the Response of an error outside a
    // route (404, onRequest) to no later hook.
    .mapResponse({ as: 'global' }, ({ request, set, route, responseValue }) => {
      const isResponse = responseValue instanceof Response
      const setStatus = typeof set.status === 'number' ? set.status : 200
      // As Elysia merges them: a Response's own status wins unless it is a plain 200.
      replied(request, route, isResponse && responseValue.status !== 200 ? responseValue.status : setStatus)
      if (!isResponse || set.status !== 200) return
      const headers = responseValue.headers
      for (const name in set.headers) {
        const value = set.headers[name]
        if (name === 'set-cookie') for (const cookie of [value].flat()) headers.append(name, String(cookie))
        else if (!headers.has(name)) headers.set(name, String(value))
      }
      set.headers = {}
      return responseValue
    })
    .use(errorMapper(deps.logger, methodsMatching(routes), replied))
