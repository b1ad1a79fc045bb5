// createApp(deps): the Elysia app assembled from one plugin per concern; tests call app.handle(Request).
import { swagger } from '@elysiajs/swagger'
import { Elysia } from 'elysia'
import type { Deps } from './deps'
import { DomainError, Invalid } from './domain/errors'
import { adminRoutes } from './routes/admin'
import { errorMapper } from './routes/errors'
import { eventsFeedRoutes } from './routes/events-feed'
import { healthRoutes } from './routes/health'
import { hotReads } from './routes/hot-reads'
import { inventoryPages } from './routes/pages/inventory'
import { lockPages } from './routes/pages/locks'
import { lockQueryRoutes } from './routes/lock-queries'
import { locksRoutes } from './routes/locks'
import { physicalKeyRoutes } from './routes/physical-keys'
import { authPages } from './routes/pages/auth'
import { replyRecorder, requestInfo, SECURITY_HEADERS } from './routes/request-context'
import { webhookPages } from './routes/pages/webhooks'
import { SCALAR_SCRIPT_PATH, staticRoutes } from './routes/static'
import { lockTempKeyPages } from './routes/pages/lock-temp-keys'
import { tempKeyOpenRoutes, tempKeyPages } from './routes/pages/temp-keys'
import { tempKeyRoutes } from './routes/temp-keys'
import { signupHookRoutes, userRoutes } from './routes/users'
import { userLockRoutes } from './routes/user-locks'
import { adminWebhookRoutes, webhookRoutes } from './routes/webhooks'

// The Swagger UI needs inline scripts and styles: its pages get everything but the CSP.
const { 'content-security-policy': _csp, ...DOCS_SECURITY_HEADERS } = SECURITY_HEADERS

// Start of the path in an absolute request URL, by slicing: new URL() per request is measurable.
const pathStart = (url: string) => url.indexOf('/', url.indexOf('://') + 3)

// Only a query that spells the name, or percent-encodes anything, can name it once decoded.
const namesCallerOrgId = (url: string, queryStart: number) =>
  (url.includes('_callerOrgId', queryStart) || url.includes('%', queryStart)) &&
  new URL(url).searchParams.has('_callerOrgId')

const routeMatcher = (path: string) =>
  new RegExp(`^${path.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:[^/]+/g, '[^/]+').replace(/\*/g, '.*')}$`)

export function createApp(deps: Deps) {
  // Filled once the app is built: a path that exists under other methods answers 405, not 404.
  let routes: { method: string; path: string }[] = []
  let matchers: { method: string; test: RegExp }[] | undefined
  const methodsFor = (path: string): string[] => {
    matchers ??= routes.map((r) => ({ method: r.method, test: routeMatcher(r.path) }))
    return [...new Set(matchers.filter((m) => m.test.test(path)).map((m) => m.method))]
  }

  const replied = replyRecorder(deps.metrics, deps.logger)

  // Bun's router tries the hot reads first; what they do not answer from the read cache reaches this app.
  const hot = hotReads(deps, replied, () => app)
  const app = new Elysia({ normalize: false, serve: { routes: hot } })
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
    .use(errorMapper(deps.logger, methodsFor, replied))
    .use(
      swagger({
        path: '/swagger',
        // Not the plugin's default, the latest bundle from a public CDN: a pinned one from this server, and no web fonts.
        scalarCDN: SCALAR_SCRIPT_PATH,
        scalarConfig: { withDefaultFonts: false },
        documentation: {
          info: {
            title: 'spkey',
            version: '0.1.0',
            description: 'Self-hosted SmartphoneKey-compatible access server',
          },
          components: {
            securitySchemes: {
              BearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
              ApiKeyAuth: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
              AdminApiKey: { type: 'apiKey', in: 'header', name: 'X-Admin-API-Key' },
            },
          },
        },
        exclude: ['/public/:file'],
      }),
    )
    .use(staticRoutes())
    .use(healthRoutes(deps))
    .use(physicalKeyRoutes(deps))
    .use(userRoutes(deps))
    .use(signupHookRoutes(deps))
    .use(adminRoutes(deps))
    .use(authPages(deps))
    .use(locksRoutes(deps))
    .use(lockQueryRoutes(deps))
    .use(userLockRoutes(deps))
    .use(lockPages(deps))
    .use(webhookRoutes(deps))
    .use(adminWebhookRoutes(deps))
    .use(eventsFeedRoutes(deps))
    .use(webhookPages(deps))
    .use(inventoryPages(deps))
    .use(tempKeyRoutes(deps))
    .use(tempKeyOpenRoutes(deps))
    .use(tempKeyPages(deps))
    .use(lockTempKeyPages(deps))
  routes = app.routes
  return app
}

export type App = ReturnType<typeof createApp>
