// Temp-key guest pages: the page behind a shared link, its open action (browsers and JSON clients alike) and the
// confirmation page. The open is exactly-once per submission: the form's one-time `_once` token (or an
// Idempotency-Key) routes repeats to the first attempt's outcome.
import { Elysia, t } from 'elysia'
import { authPlugin, cookieName, type Principal, principalName, readCookie, resolveSessionUser } from '../../auth/principal'
import type { Lock, TempKeyRow } from '../../db/schema'
import type { Deps } from '../../deps'
import { DomainError, Invalid, NotFound, RateLimited } from '../../domain/errors'
import { lockStreamId } from '../../domain/lock/events'
import type { Schedule } from '../../domain/lock/state'
import { userStreamId } from '../../domain/user/events'
import { statusStableUntil, usesLeft } from '../../domain/lock/temp-key-status'
import type { TempKeyOpen } from '../../locks/doors'
import { normaliseKeyUuid, tempKeyFacts } from '../../locks/temp-keys'
import { findLock, findTempKey } from '../../projections/locks'
import { findUser } from '../../projections/users'
import {
  type GuestKeyView,
  type GuestResult,
  TempKeyCard,
  TempKeyConfirmationPage,
  TempKeyNotFoundCard,
  TempKeyNotFoundPage,
  TempKeyPage,
} from '../../../views/pages/temp-key'
import { CommandEnvelope, commandResponse, errorResponses } from '../models'
import { clientIp, createRateLimiter } from '../rate-limit'
import { requestInfo } from '../request-context'
import { cookie, csrfFor, html, isHtmx, pagePlugin, redirect, verifyCsrf } from './support'
import { prefersHtml } from '../errors'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
// Set by a successful plain-form open, read (and cleared) by the next page view: "Door opened" shows once.
const OPENED_COOKIE = 'spkey_opened'

export const loginUrl = (next: string) => `/login?next=${encodeURIComponent(next).replaceAll('%2F', '/')}`
export const guestPath = (uuid: string) => `/temp-keys/${uuid}`

export const findKey = (deps: Deps, uuid: string): TempKeyRow | undefined =>
  UUID.test(uuid) ? findTempKey(deps.db, normaliseKeyUuid(uuid)) : undefined

export const lockLabel = (lock: Pick<Lock, 'lockId' | 'vendorName'> | undefined, lockId: number) =>
  lock?.vendorName ? `Lock ${lockId} · ${lock.vendorName}` : `Lock ${lockId}`

const newOnceToken = () => Buffer.from(crypto.getRandomValues(new Uint8Array(18))).toString('base64url')

const DAY_NAMES: Record<string, string> = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' }

export const describeSchedule = (schedule: Schedule | undefined): string[] =>
  schedule
    ? schedule.weekly.map((w) => `${w.days.map((d) => DAY_NAMES[d] ?? d).join(', ')} ${w.from}–${w.until} (${schedule.timezone})`)
    : []

export const emailOf = (deps: Deps, userId: string | null) => (userId === null ? null : (findUser(deps.db, userId)?.email ?? userId))

// A session for a user that no longer exists counts as signed out.
export const sessionUser = (deps: Deps, userId: string | null) => (userId !== null && findUser(deps.db, userId) ? userId : null)

type Viewer = { userId: string | null; csrfToken: string }

function guestView(deps: Deps, row: TempKeyRow, viewer: Viewer, result: GuestResult | null): GuestKeyView {
  const facts = tempKeyFacts(row, deps.clock.now())
  const lock = findLock(deps.db, row.lockId)
  const access =
    facts.accessMode === 'public' || (viewer.userId !== null && facts.allowedUserIds.includes(viewer.userId))
      ? 'granted'
      : viewer.userId === null
        ? 'sign-in'
        : 'not-listed'
  return {
    uuid: row.uuid,
    lockLabel: lockLabel(lock, row.lockId),
    lockUuid: row.lockUuid,
    description: facts.description ?? null,
    validFrom: facts.validFrom,
    validUntil: facts.validUntil,
    status: facts.status,
    maxUses: facts.maxUses,
    usesLeft: usesLeft(facts),
    scheduleLines: describeSchedule(facts.schedule),
    nextWindow: facts.nextWindow ?? null,
    access,
    signInUrl: loginUrl(guestPath(row.uuid)),
    signedInAs: emailOf(deps, viewer.userId),
    csrfToken: viewer.csrfToken,
    onceToken: newOnceToken(),
    result,
  }
}

// Domain refusals render on the page; anything else is the server's problem and goes to the error mapper.
export async function settle<T>(work: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: DomainError }> {
  try {
    return { ok: true, value: await work() }
  } catch (error) {
    if (error instanceof DomainError) return { ok: false, error }
    throw error
  }
}

// Who opens: the Bearer user (or the org key's acting user), else the browser session; a cookie-authenticated
// post must carry the CSRF token, since the browser sends the cookie on its own.
async function openerId(deps: Deps, principal: Principal, request: Request, body: unknown): Promise<string | null> {
  if (principal.kind === 'user') return principal.userId
  if (principal.kind === 'org') return principal.actingUserId
  const fromCookie = sessionUser(deps, await resolveSessionUser(deps, request.headers))
  if (fromCookie !== null) verifyCsrf(deps, request, body)
  return fromCookie
}

const OpenBody = t.Optional(
  t.Object({ _csrf: t.Optional(t.String({ maxLength: 200 })), _once: t.Optional(t.String({ maxLength: 200 })) }),
)

function onceTokenOf(request: Request, body: { _once?: string } | null | undefined): string | null {
  const token = body?._once ?? request.headers.get('idempotency-key')
  if (token === null || token === '') return null
  if (token.length > 200) throw new Invalid('Idempotency-Key is too long', [{ field: 'Idempotency-Key', message: 'at most 200 characters' }])
  return token
}

function refusalResult(error: DomainError, requestId: string): GuestResult {
  return { kind: 'refused', message: error.message, reference: error.status >= 500 ? requestId : null }
}

// POST /temp-keys/{uuid}/open: the documented endpoint, for JSON clients and browsers (form post or htmx).
export const tempKeyOpenRoutes = (deps: Deps) => {
  const perIp = createRateLimiter({ limit: deps.config.openRateLimitPerIp, windowMs: 60_000, message: 'Too many open attempts from this address; wait a minute' })
  const perKey = createRateLimiter({ limit: deps.config.openRateLimitPerKey, windowMs: 60_000, message: 'Too many open attempts for this key; wait a minute' })
  const limit = (request: Request, server: Parameters<typeof clientIp>[0], uuid: string) => {
    const now = deps.clock.now()
    if (deps.config.openRateLimitPerIp > 0) perIp.hit([`ip:${clientIp(server, request, deps.config.trustedProxyHops)}`], now)
    if (deps.config.openRateLimitPerKey > 0) perKey.hit([`key:${uuid}`], now)
  }

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

  // Browsers see the outcome on the key page: a 303 after a plain form's success, else the page (or, for htmx,
  // the card) with the result and the refusal's own status.
  const openForBrowser = async (request: Request, uuid: string, requestId: string, open: () => Promise<TempKeyOpen>) => {
    const settled = await settle(open)
    if (settled.ok && !isHtmx(request)) {
      // docs: a browser's successful open answers 303 back to the key page (the confirmation when queued offline).
      if (settled.value.offline) return redirect(request, `${guestPath(uuid)}/confirmation?offline=true`)
      return redirect(request, `${guestPath(uuid)}?opened=1`, { 'set-cookie': cookie(deps, OPENED_COOKIE, uuid, 60) })
    }
    const status = settled.ok ? 200 : settled.error.status
    const headers: Record<string, string> =
      !settled.ok && settled.error instanceof RateLimited ? { 'retry-after': String(settled.error.retryAfter) } : {}
    const row = findKey(deps, uuid)
    if (!row) return html(await (isHtmx(request) ? TempKeyNotFoundCard() : TempKeyNotFoundPage()), { status: 404, headers })
    const viewer = { userId: sessionUser(deps, await resolveSessionUser(deps, request.headers)), csrfToken: csrfFor(deps, request).csrfToken }
    const result: GuestResult = settled.ok ? { kind: settled.value.offline ? 'offline' : 'opened' } : refusalResult(settled.error, requestId)
    const view = guestView(deps, row, viewer, result)
    return html(await (isHtmx(request) ? TempKeyCard(view) : TempKeyPage(view)), { status, headers })
  }

  return new Elysia({ name: 'routes.temp-key-open', detail: { tags: ['TempKey', 'Web'] } }).use(authPlugin(deps)).post(
    '/temp-keys/:uuid/open',
    ({ params, body, principal, request, server }) => {
      const uuid = normaliseKeyUuid(params.uuid)
      const requestId = requestInfo(request).requestId
      const open = async () => {
        limit(request, server, uuid)
        // Before the caller's credentials are looked at: an unknown key is a 404 whoever asks (memoised, no query).
        if (deps.doors.lockOfKey(uuid) === undefined) throw new NotFound('Temporary key not found')
        const userId = await openerId(deps, principal, request, body)
        const token = onceTokenOf(request, body)
        const metadata = { requestId, principal: userId ?? principalName(principal) }
        // Keyed by user too: two people who happen to pick the same Idempotency-Key never share an outcome.
        const onceToken = token === null ? null : `${uuid}:${userId ?? '-'}:${token}`
        return deps.doors.openWithTempKey({ tempKeyUuid: uuid, userId, requestId, onceToken }, metadata)
      }
      return isHtmx(request) || prefersHtml(request) ? openForBrowser(request, uuid, requestId, open) : openForClient(request, uuid, open)
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
}

// The guest page is rendered once per key and viewer with markers where the per-browser CSRF token and the per-view
// once token go, then cached until the lock's (or the viewer's) stream changes or the key's status may change.
const MARK = crypto.randomUUID().replaceAll('-', '')
const CSRF_MARK = `csrf${MARK}`
const ONCE_MARK = `once${MARK}`
const MARKS = new RegExp(`(${CSRF_MARK}|${ONCE_MARK})`)

type Template = string[]

const guestPageKey = (rawUuid: string, userId: string | null) => `guest-page:${rawUuid.toLowerCase()}:${userId ?? ''}`

// The cached page for this viewer, still to be filled in for a view (fillGuestPage): a caller without one mints nothing.
export const cachedGuestPage = (deps: Deps, rawUuid: string, userId: string | null): Template | undefined =>
  deps.readCache.get<Template>(guestPageKey(rawUuid, userId), deps.clock.now())

// A page for this view: the browser's CSRF token, a fresh once token.
export function fillGuestPage(template: Template, csrfToken: string): string {
  const onceToken = newOnceToken()
  return template.map((piece) => (piece === CSRF_MARK ? csrfToken : piece === ONCE_MARK ? onceToken : piece)).join('')
}

async function renderGuestPageTemplate(deps: Deps, rawUuid: string, userId: string | null): Promise<Template | null> {
  const now = deps.clock.now()
  const row = findKey(deps, rawUuid)
  if (!row) return null
  const view = { ...guestView(deps, row, { userId, csrfToken: CSRF_MARK }, null), onceToken: ONCE_MARK }
  const rendered = await TempKeyPage(view)
  const template = rendered.split(MARKS)
  const streams = userId === null ? [lockStreamId(row.lockId)] : [lockStreamId(row.lockId), userStreamId(userId)]
  deps.readCache.set(guestPageKey(rawUuid, userId), template, streams, { freshUntil: statusStableUntil(row, now), bytes: rendered.length })
  return template
}

export const tempKeyPages = (deps: Deps) =>
  new Elysia({ name: 'pages.temp-keys' })
    .use(pagePlugin(deps))
    .get(
      '/temp-keys/:uuid',
      async ({ params, query, request, sessionUserId, csrfToken }) => {
        const userId = sessionUser(deps, sessionUserId)
        // The flash: only right after the redirect of a successful open, never on a reload of that address.
        const openedUuid = query.opened === '1' ? readCookie(request.headers, cookieName(deps, OPENED_COOKIE)) : null
        const openedRow = openedUuid === null ? undefined : findKey(deps, params.uuid)
        if (openedRow && openedRow.uuid === openedUuid) {
          const view = guestView(deps, openedRow, { userId, csrfToken }, { kind: 'opened' })
          return html(await TempKeyPage(view), { headers: { 'set-cookie': cookie(deps, OPENED_COOKIE, '', 0) } })
        }
        const template = cachedGuestPage(deps, params.uuid, userId) ?? (await renderGuestPageTemplate(deps, params.uuid, userId))
        if (!template) return html(await TempKeyNotFoundPage(), { status: 404 })
        return html(fillGuestPage(template, csrfToken))
      },
      {
        params: t.Object({ uuid: t.String({ maxLength: 64, description: 'Temporary key UUID' }) }),
        // Shared links pick up tracking parameters (utm_*, fbclid) on the way: extra ones are ignored.
        query: t.Object({ opened: t.Optional(t.String({ maxLength: 8 })) }, { additionalProperties: true }),
        detail: {
          tags: ['TempKey', 'Web'],
          summary: 'Render temp key web page',
          description: 'The guest page (text/html): status, validity in local time, uses left and the Open button; 404 for an unknown key.',
        },
      },
    )
    .get(
      '/temp-keys/:uuid/confirmation',
      async ({ params, query }) => {
        const row = findKey(deps, params.uuid)
        if (!row) return html(await TempKeyNotFoundPage(), { status: 404 })
        const lock = findLock(deps.db, row.lockId)
        const offline = query.offline === 'true' || query.offline === '1'
        return html(await TempKeyConfirmationPage({ uuid: row.uuid, lockLabel: lockLabel(lock, row.lockId), lockUuid: row.lockUuid, offline }))
      },
      {
        params: t.Object({ uuid: t.String({ maxLength: 64, description: 'Temporary key UUID' }) }),
        query: t.Object(
          { offline: t.Optional(t.String({ maxLength: 8, description: 'Device was offline when command was sent' })) },
          { additionalProperties: true },
        ),
        detail: {
          tags: ['TempKey', 'Web'],
          summary: 'Render temp key confirmation page',
          description: 'Confirms the open command was sent (queued when the lock was offline), with lock info and a link back.',
        },
      },
    )
