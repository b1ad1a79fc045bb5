// POST /temp-keys/{uuid}/open, the documented endpoint, for JSON clients and browsers alike: rate-limited, the opener
// resolved (bearer, org key's acting user, or the browser session with its CSRF token), exactly once per submission (the
// form's one-time `_once` token or an Idempotency-Key), answered as the docs say (303 or the envelope) or, to a
// browser, with the guest page showing the outcome. POST /temp-keys/{uuid}/doors/{doorId}/open, the unified resource's
// door open: a single key's one door (1) opens by the very same open, landing on the confirmation page; a collective
// key's door by its own (pages/collective-key.ts).
import { Elysia, t } from 'elysia'
import { authPlugin, type Principal, principalName, resolveSessionUser } from '../auth/principal'
import type { Deps } from '../deps'
import { type DomainError, Invalid, NotFound, RateLimited } from '../domain/errors'
import type { TempKeyOpen } from '../locks/doors'
import { normaliseKeyUuid } from '../locks/temp-keys'
import { requestInfo } from '../request-context'
import { type GuestResult, TempKeyCard, TempKeyNotFoundCard, TempKeyNotFoundPage, TempKeyPage } from '../../views/pages/temp-key'
import { doorConfirmationUrl, guestPath, TEMP_KEYS_PATH } from '../../views/paths'
import { SINGLE_KEY_DOOR } from '../locks/unified-temp-keys'
import { prefersHtml } from './errors'
import { CommandEnvelope, commandResponse, errorResponses } from './models'
import { findKey, guestRefusal, guestView, OPENED_COOKIE, sessionUser, settle } from './pages/common'
import { type CollectiveDoorOpener, DoorParams, OpenBody } from './pages/collective-key'
import { inLanguage, pageLanguage } from './pages/language'
import { cookie, csrfFor, html, isHtmx, redirect, verifyCsrf } from './pages/support'
import type { clientIp, OpenLimits } from './rate-limit'

// Who opens: the Bearer user (or the org key's acting user), else the browser session; a cookie-authenticated
// post must carry the CSRF token, since the browser sends the cookie on its own.
async function openerId(deps: Deps, principal: Principal, request: Request, body: unknown): Promise<string | null> {
  if (principal.kind === 'user') return principal.userId
  if (principal.kind === 'org') return principal.actingUserId
  const fromCookie = await sessionUser(deps, await resolveSessionUser(deps, request.headers))
  if (fromCookie !== null) verifyCsrf(deps, request, body)
  return fromCookie
}

function onceTokenOf(request: Request, body: { _once?: string } | null | undefined): string | null {
  const token = body?._once ?? request.headers.get('idempotency-key')
  if (token === null || token === '') return null
  if (token.length > 200)
    throw new Invalid('Idempotency-Key is too long', [{ field: 'Idempotency-Key', message: 'at most 200 characters' }])
  return token
}

function refusalResult(error: DomainError, requestId: string): GuestResult {
  return { kind: 'refused', refusal: guestRefusal(error), message: error.message, reference: error.status >= 500 ? requestId : null }
}

type OpenContext = {
  params: { uuid: string }
  body: { _csrf?: string; _once?: string } | null | undefined
  principal: Principal
  request: Request
  server: Parameters<typeof clientIp>[0]
}

// The documented opens, for JSON clients and browsers (form post or htmx); `openCollectiveDoor` answers a collective
// key's doors at /temp-keys (app.ts shares it with the /collective-temp-keys pages).
export const tempKeyOpenRoutes = (deps: Deps, openCollectiveDoor: CollectiveDoorOpener, openLimit: OpenLimits) => {
  const limit = (request: Request, server: Parameters<typeof clientIp>[0], uuid: string) =>
    openLimit(request, server, uuid, deps.clock.now())

  // JSON clients that ask for it get the command envelope; any other client (curl, fetch: no Accept or */*) gets the
  // documented 303. Refusals reach both as the JSON error envelope.
  const openForClient = async (request: Request, uuid: string, open: () => Promise<TempKeyOpen>) => {
    const outcome = await open()
    if (!(request.headers.get('accept') ?? '').includes('application/json')) {
      // docs: "On success, increments the usage counter and redirects back to the temp key page".
      return redirect(request, outcome.offline ? `${guestPath(uuid)}/confirmation?offline=true` : guestPath(uuid))
    }
    return Response.json(
      commandResponse(String(outcome.lockId), outcome.handled, { tempKeyUuid: uuid, offline: outcome.offline }, 'TempKeyUsed'),
    )
  }

  // docs: a browser's successful open answers 303 back to the key page (the confirmation when queued offline).
  const backToKeyPage = (request: Request, uuid: string, outcome: TempKeyOpen) =>
    outcome.offline
      ? redirect(request, `${guestPath(uuid)}/confirmation?offline=true`)
      : redirect(request, `${guestPath(uuid)}?opened=1`, { 'set-cookie': cookie(deps, OPENED_COOKIE, uuid, 60) })

  // Browsers see the outcome: `landing` after a plain form's success, else the key page (or, for htmx, the card) with
  // the result and the refusal's own status.
  const openForBrowser = async (
    request: Request,
    uuid: string,
    requestId: string,
    open: () => Promise<TempKeyOpen>,
    landing: (outcome: TempKeyOpen) => Response,
  ) => {
    const settled = await settle(open)
    if (settled.ok && !isHtmx(request)) return landing(settled.value)
    const status = settled.ok ? 200 : settled.error.status
    const headers: Record<string, string> =
      !settled.ok && settled.error instanceof RateLimited ? { 'retry-after': String(settled.error.retryAfter) } : {}
    const language = pageLanguage(deps, request)
    const { lang } = language
    const row = await findKey(deps, uuid)
    if (!row) {
      const notFound = await (isHtmx(request) ? TempKeyNotFoundCard({ lang }) : TempKeyNotFoundPage({ lang }))
      return inLanguage(html(notFound, { status: 404, headers }), language)
    }
    const viewer = {
      userId: await sessionUser(deps, await resolveSessionUser(deps, request.headers)),
      csrfToken: csrfFor(deps, request).csrfToken,
      lang,
    }
    const result: GuestResult = settled.ok
      ? { kind: settled.value.offline ? 'offline' : 'opened' }
      : refusalResult(settled.error, requestId)
    const view = await guestView(deps, row, viewer, result)
    return inLanguage(html(await (isHtmx(request) ? TempKeyCard(view) : TempKeyPage(view)), { status, headers }), language)
  }

  // The single key's open, checked and recorded by Doors: the same for both documented addresses.
  const singleOpen =
    ({ principal, request, server, body }: OpenContext, uuid: string, requestId: string) =>
    async () => {
      await limit(request, server, uuid)
      // Before the caller's credentials are looked at: an unknown key is a 404 whoever asks (memoised, no query).
      if ((await deps.doors.lockOfKey(uuid)) === undefined) throw new NotFound('Temporary key not found')
      const userId = await openerId(deps, principal, request, body)
      const token = onceTokenOf(request, body)
      const metadata = { requestId, principal: userId ?? principalName(principal) }
      // Keyed by user too: two people who happen to pick the same Idempotency-Key never share an outcome.
      const onceToken = token === null ? null : `${uuid}:${userId ?? '-'}:${token}`
      return deps.doors.openWithTempKey({ tempKeyUuid: uuid, userId, requestId, onceToken }, metadata)
    }
  const isBrowser = (request: Request) => isHtmx(request) || prefersHtml(request)

  return new Elysia({ name: 'routes.temp-key-open', detail: { tags: ['TempKey', 'Web'] } })
    .use(authPlugin(deps))
    .post(
      '/temp-keys/:uuid/open',
      (ctx) => {
        const { request } = ctx
        const uuid = normaliseKeyUuid(ctx.params.uuid)
        const requestId = requestInfo(request).requestId
        const open = singleOpen(ctx, uuid, requestId)
        return isBrowser(request)
          ? openForBrowser(request, uuid, requestId, open, (outcome) => backToKeyPage(request, uuid, outcome))
          : openForClient(request, uuid, open)
      },
      {
        params: t.Object({ uuid: t.String({ maxLength: 64, description: 'Temporary key UUID' }) }),
        body: OpenBody,
        response: { 200: CommandEnvelope({ tempKeyUuid: t.String(), offline: t.Boolean() }), ...errorResponses },
        detail: {
          summary: 'Open lock via temp key',
          description:
            'Checks the key (validity window, schedule, uses, whitelist), drives the lock and records LockOpenRequested + ' +
            'TempKeyUsed once the lock confirmed. Clients sending Accept: application/json get the envelope (200); others a 303 ' +
            'back to the key page (to the confirmation page when the lock was offline). ' +
            'Send an Idempotency-Key to make retries safe. Public keys need no credentials; user-whitelist keys need a listed user.',
        },
      },
    )
    .post(
      '/temp-keys/:uuid/doors/:doorId/open',
      async (ctx) => {
        const { request, params } = ctx
        const uuid = normaliseKeyUuid(params.uuid)
        if ((await deps.doors.lockOfKey(uuid)) === undefined) return openCollectiveDoor(TEMP_KEYS_PATH, ctx)
        if (params.doorId !== SINGLE_KEY_DOOR) throw new NotFound('Door not found')
        const requestId = requestInfo(request).requestId
        const open = singleOpen(ctx, uuid, requestId)
        const toConfirmation = (outcome: TempKeyOpen) =>
          redirect(request, doorConfirmationUrl(TEMP_KEYS_PATH, uuid, SINGLE_KEY_DOOR, outcome.offline))
        return isBrowser(request) ? openForBrowser(request, uuid, requestId, open, toConfirmation) : open().then(toConfirmation)
      },
      {
        params: DoorParams,
        body: OpenBody,
        detail: {
          tags: ['TempKey', 'Collective', 'Web'],
          summary: 'Open a specific door via a temp key',
          description:
            "A single key's one door (1) opens exactly as POST /temp-keys/{uuid}/open does (validity window, schedule, uses, " +
            "whitelist: 403 for a user the key was not shared with); a collective key's door as at /collective-temp-keys " +
            '(400 for a code-only door). 303 to the confirmation page (?door=&offline=); 404 for an unknown key or door. A form ' +
            'field _once (or an Idempotency-Key) makes a repeated submission open once.',
        },
      },
    )
}
