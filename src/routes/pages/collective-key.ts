// The guest pages of a collective key at both documented addresses (/collective-temp-keys/{uuid}, and /temp-keys/{uuid}
// where a single key's page answers first: pages/temp-key.ts falls back here), a door's open (at /temp-keys through
// routes/temp-key-open.ts) and its confirmation.
// Opens need no credentials (whoever holds the link); a browser signed in to spkey must send its CSRF token, as on a
// single key's page.
import { Elysia, t } from 'elysia'
import { resolveSessionUser } from '../../auth/principal'
import type { Deps } from '../../deps'
import { NotFound, RateLimited } from '../../domain/errors'
import { asAccessMethod, findCollective } from '../../locks/collective-keys'
import type { CollectiveTempKeyDoorRow, CollectiveTempKeyRow } from '../../db/schema'
import { findLock } from '../../projections/locks'
import { newOnceToken } from '../../reads/page-template'
import { requestInfo } from '../../request-context'
import { TempKeyNotFoundPage } from '../../../views/pages/temp-key'
import {
  type CollectiveGuestView,
  type CollectiveStatus,
  CollectiveConfirmationPage,
  CollectiveKeyPage,
  type GuestDoor,
} from '../../../views/pages/collective-key'
import { COLLECTIVE_KEYS_PATH, doorConfirmationUrl, type KeyBase } from '../../../views/paths'
import { prefersHtml } from '../errors'
import { clientIp, createRateLimiter } from '../rate-limit'
import { lockLabel, settle } from './common'
import { inLanguage, pageLanguage } from './language'
import { csrfFor, html, pagePlugin, redirect, verifyCsrf } from './support'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export function findGuestKey(deps: Deps, rawUuid: string) {
  return UUID.test(rawUuid) ? findCollective(deps, rawUuid) : undefined
}

function statusOf(key: CollectiveTempKeyRow, now: number): CollectiveStatus {
  if (key.revokedAt !== null) return 'deleted'
  if (now < Date.parse(key.validFrom)) return 'not-yet-valid'
  if (now >= Date.parse(key.validUntil)) return 'expired'
  return 'valid'
}

const guestDoor = (deps: Deps, door: CollectiveTempKeyDoorRow): GuestDoor => {
  const label = lockLabel(findLock(deps.db, door.lockId), door.lockId)
  return { id: door.doorId, label: door.label ?? label, lockLabel: label, accessMethod: asAccessMethod(door.accessMethod) }
}

function guestView(
  deps: Deps,
  base: KeyBase,
  found: { key: CollectiveTempKeyRow; doors: CollectiveTempKeyDoorRow[] },
  csrfToken: string,
  refusal: string | null,
): CollectiveGuestView {
  const { key, doors } = found
  return {
    base,
    uuid: key.uuid,
    description: key.description,
    validFrom: key.validFrom,
    validUntil: key.validUntil,
    status: statusOf(key, deps.clock.now()),
    // docs: the guest page is the one place the PIN reappears (derived from its seed with the PIN secret).
    pin: key.pinSeed === null ? null : deps.pins.pinOf(key.pinSeed),
    doors: doors.map((door) => guestDoor(deps, door)),
    csrfToken,
    onceToken: newOnceToken(),
    refusal,
  }
}

// The page, or null for a UUID that names no collective key.
export async function collectiveGuestPage(deps: Deps, base: KeyBase, rawUuid: string, csrfToken: string): Promise<Response | null> {
  const found = findGuestKey(deps, rawUuid)
  return found ? html(await CollectiveKeyPage(guestView(deps, base, found, csrfToken, null))) : null
}

export async function collectiveConfirmationPage(
  deps: Deps,
  base: KeyBase,
  rawUuid: string,
  query: { door?: string; offline?: string },
): Promise<Response | null> {
  const found = findGuestKey(deps, rawUuid)
  if (!found) return null
  const row = found.doors.find((door) => String(door.doorId) === query.door)
  const offline = query.offline === 'true' || query.offline === '1'
  return html(await CollectiveConfirmationPage({ base, uuid: found.key.uuid, door: row ? guestDoor(deps, row) : null, offline }))
}

const UuidParams = t.Object({ uuid: t.String({ maxLength: 64, description: 'Collective temporary key UUID' }) })
export const DoorParams = t.Object({
  uuid: t.String({ maxLength: 64, description: 'Collective temporary key UUID' }),
  doorId: t.Integer({ exclusiveMinimum: 0, description: 'Door id within the collective key' }),
})
export const OpenBody = t.Optional(
  t.Object({ _csrf: t.Optional(t.String({ maxLength: 200 })), _once: t.Optional(t.String({ maxLength: 200 })) }),
)
const ConfirmationQuery = t.Object(
  {
    door: t.Optional(t.String({ maxLength: 12, description: 'Door that was opened' })),
    offline: t.Optional(t.String({ maxLength: 8, description: 'Device was offline when command was sent' })),
  },
  { additionalProperties: true },
)

export type DoorOpenContext = {
  params: { uuid: string; doorId: number }
  body: { _csrf?: string; _once?: string } | null | undefined
  request: Request
  server: Parameters<typeof clientIp>[0]
}

// A collective key's door open, at either base: 303 to the confirmation; a refusal answers a browser with the page and
// the refusal's status, others the envelope. One per app (app.ts), so its rate limits count opens at both addresses.
export type CollectiveDoorOpener = (base: KeyBase, ctx: DoorOpenContext) => Promise<Response>

export function collectiveDoorOpener(deps: Deps): CollectiveDoorOpener {
  const perIp = createRateLimiter({
    limit: deps.config.openRateLimitPerIp,
    windowMs: 60_000,
    message: 'Too many open attempts from this address; wait a minute',
  })
  const perKey = createRateLimiter({
    limit: deps.config.openRateLimitPerKey,
    windowMs: 60_000,
    message: 'Too many open attempts for this key; wait a minute',
  })

  return async (base, ctx) => {
    const { params, body, request, server } = ctx
    const found = findGuestKey(deps, params.uuid)
    if (!found) throw new NotFound('Temporary key not found')
    const door = found.doors.find((candidate) => candidate.doorId === params.doorId)
    if (!door) throw new NotFound('Door not found')
    const uuid = found.key.uuid
    const requestId = requestInfo(request).requestId
    const open = async () => {
      const now = deps.clock.now()
      if (deps.config.openRateLimitPerIp > 0) perIp.hit([`ip:${clientIp(server, request, deps.config.trustedProxyHops)}`], now)
      if (deps.config.openRateLimitPerKey > 0) perKey.hit([`key:${uuid}`], now)
      if ((await resolveSessionUser(deps, request.headers)) !== null) verifyCsrf(deps, request, body)
      const token = body?._once ?? request.headers.get('idempotency-key')
      const onceToken = token ? `${uuid}:${door.doorId}:${token}` : null
      const input = { tempKeyUuid: uuid, lockId: door.lockId, doorId: door.doorId, requestId, onceToken }
      return deps.doors.openCollectiveDoor(input, { requestId, principal: 'guest' })
    }
    if (!prefersHtml(request)) {
      const outcome = await open()
      return redirect(request, doorConfirmationUrl(base, uuid, door.doorId, outcome.offline))
    }
    const settled = await settle(open)
    if (settled.ok) return redirect(request, doorConfirmationUrl(base, uuid, door.doorId, settled.value.offline))
    const headers: Record<string, string> = settled.error instanceof RateLimited ? { 'retry-after': String(settled.error.retryAfter) } : {}
    const view = guestView(deps, base, found, csrfFor(deps, request).csrfToken, settled.error.message)
    return html(await CollectiveKeyPage(view), { status: settled.error.status, headers })
  }
}

export const collectiveKeyPages = (deps: Deps, openDoor: CollectiveDoorOpener) => {
  const openDetail = {
    tags: ['TempKey', 'Collective', 'Web'],
    summary: 'Open a door via a collective key',
    description:
      'Checks the key (revocation, validity window) and that the door opens by slide (400 for a code-only door), drives its lock and ' +
      'records LockOpenRequested + TempKeyUsed (with the door) on that lock; 303 to the confirmation page (?door=&offline=). ' +
      '404 for an unknown key or door. A form field _once (or an Idempotency-Key) makes a repeated submission open once.',
  }
  const pageDetail = {
    tags: ['TempKey', 'Collective', 'Web'],
    summary: 'Render the collective access page',
    description: 'Every door with its label and how it opens, an Open button per slide-to-open door, and the PIN where a door takes codes.',
  }

  // An unknown key's page in the guest's language, as the single keys' is.
  const notFound = async (request: Request) => {
    const language = pageLanguage(deps, request, undefined)
    return inLanguage(html(await TempKeyNotFoundPage({ lang: language.lang }), { status: 404 }), language)
  }

  return new Elysia({ name: 'pages.collective-keys' })
    .use(pagePlugin(deps))
    .get(
      '/collective-temp-keys/:uuid',
      async ({ params, csrfToken, request }) =>
        (await collectiveGuestPage(deps, COLLECTIVE_KEYS_PATH, params.uuid, csrfToken)) ?? notFound(request),
      { params: UuidParams, detail: pageDetail },
    )
    .get(
      '/collective-temp-keys/:uuid/confirmation',
      async ({ params, query, request }) =>
        (await collectiveConfirmationPage(deps, COLLECTIVE_KEYS_PATH, params.uuid, query)) ?? notFound(request),
      {
        params: UuidParams,
        query: ConfirmationQuery,
        detail: { tags: ['TempKey', 'Collective', 'Web'], summary: 'Render the collective open-confirmation page' },
      },
    )
    .post('/collective-temp-keys/:uuid/doors/:doorId/open', (ctx) => openDoor(COLLECTIVE_KEYS_PATH, ctx), {
      params: DoorParams,
      body: OpenBody,
      detail: openDetail,
    })
}
