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
import { newOnceToken } from '../../reads/page-template'
import { requestInfo } from '../../request-context'
import { type Lang, messagesFor } from '../../../views/i18n'
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
import type { clientIp, OpenLimits } from '../rate-limit'
import { guestRefusal, lockLabel, settle } from './common'
import { inLanguage, type PageLanguage, pageLanguage } from './language'
import { CsrfField, csrfFor, html, pagePlugin, redirect, verifyCsrf } from './support'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export async function findGuestKey(deps: Deps, rawUuid: string) {
  return UUID.test(rawUuid) ? findCollective(deps, rawUuid) : undefined
}

function statusOf(key: CollectiveTempKeyRow, now: number): CollectiveStatus {
  if (key.revokedAt !== null) return 'deleted'
  if (now < Date.parse(key.validFrom)) return 'not-yet-valid'
  if (now >= Date.parse(key.validUntil)) return 'expired'
  return 'valid'
}

const guestDoor = async (deps: Deps, door: CollectiveTempKeyDoorRow, lang: Lang): Promise<GuestDoor> => {
  const label = lockLabel(await deps.data.findLock(door.lockId), door.lockId, messagesFor(lang))
  return { id: door.doorId, label: door.label ?? label, lockLabel: label, accessMethod: asAccessMethod(door.accessMethod) }
}

async function guestView(
  deps: Deps,
  base: KeyBase,
  found: { key: CollectiveTempKeyRow; doors: CollectiveTempKeyDoorRow[] },
  viewer: { csrfToken: string; lang: Lang },
  refusal: string | null,
): Promise<CollectiveGuestView> {
  const { key, doors } = found
  return {
    lang: viewer.lang,
    base,
    uuid: key.uuid,
    description: key.description,
    validFrom: key.validFrom,
    validUntil: key.validUntil,
    status: statusOf(key, deps.clock.now()),
    // docs: the guest page is the one place the PIN reappears (derived from its seed with the PIN secret).
    pin: key.pinSeed === null ? null : deps.pins.pinOf(key.pinSeed),
    doors: await Promise.all(doors.map((door) => guestDoor(deps, door, viewer.lang))),
    csrfToken: viewer.csrfToken,
    onceToken: newOnceToken(),
    refusal,
  }
}

// The page in the guest's language, or null for a UUID that names no collective key.
export async function collectiveGuestPage(
  deps: Deps,
  base: KeyBase,
  rawUuid: string,
  csrfToken: string,
  language: PageLanguage,
): Promise<Response | null> {
  const found = await findGuestKey(deps, rawUuid)
  if (!found) return null
  const page = await CollectiveKeyPage(await guestView(deps, base, found, { csrfToken, lang: language.lang }, null))
  return inLanguage(html(page), language)
}

export async function collectiveConfirmationPage(
  deps: Deps,
  base: KeyBase,
  rawUuid: string,
  query: { door?: string; offline?: string },
  language: PageLanguage,
): Promise<Response | null> {
  const found = await findGuestKey(deps, rawUuid)
  if (!found) return null
  const { lang } = language
  const row = found.doors.find((door) => String(door.doorId) === query.door)
  const offline = query.offline === 'true' || query.offline === '1'
  const door = row ? await guestDoor(deps, row, lang) : null
  return inLanguage(html(await CollectiveConfirmationPage({ lang, base, uuid: found.key.uuid, door, offline })), language)
}

const UuidParams = t.Object({ uuid: t.String({ maxLength: 64, description: 'Collective temporary key UUID' }) })
export const DoorParams = t.Object({
  uuid: t.String({ maxLength: 64, description: 'Collective temporary key UUID' }),
  doorId: t.Integer({ exclusiveMinimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Door id within the collective key' }),
})
export const OpenBody = t.Optional(t.Object({ _csrf: CsrfField, _once: t.Optional(t.String({ maxLength: 200 })) }))
const LangParam = t.Optional(t.String({ maxLength: 16, description: 'Page language' }))
// Shared links pick up tracking parameters (utm_*, fbclid) on the way: extra ones are ignored.
const PageQuery = t.Object({ lang: LangParam }, { additionalProperties: true })
const ConfirmationQuery = t.Object(
  {
    door: t.Optional(t.String({ maxLength: 12, description: 'Door that was opened' })),
    offline: t.Optional(t.String({ maxLength: 8, description: 'Device was offline when command was sent' })),
    lang: LangParam,
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

export function collectiveDoorOpener(deps: Deps, openLimit: OpenLimits): CollectiveDoorOpener {
  return async (base, ctx) => {
    const { params, body, request, server } = ctx
    const found = await findGuestKey(deps, params.uuid)
    if (!found) throw new NotFound('Temporary key not found')
    const door = found.doors.find((candidate) => candidate.doorId === params.doorId)
    if (!door) throw new NotFound('Door not found')
    const uuid = found.key.uuid
    const requestId = requestInfo(request).requestId
    const open = async () => {
      await openLimit(request, server, uuid, deps.clock.now())
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
    const language = pageLanguage(deps, request)
    const reason = guestRefusal(settled.error)
    const refusal = reason === null ? settled.error.message : messagesFor(language.lang).refusals[reason]
    const view = await guestView(deps, base, found, { csrfToken: csrfFor(deps, request).csrfToken, lang: language.lang }, refusal)
    return inLanguage(html(await CollectiveKeyPage(view), { status: settled.error.status, headers }), language)
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
  const notFound = async (language: PageLanguage) =>
    inLanguage(html(await TempKeyNotFoundPage({ lang: language.lang }), { status: 404 }), language)

  return new Elysia({ name: 'pages.collective-keys' })
    .use(pagePlugin(deps))
    .get(
      '/collective-temp-keys/:uuid',
      async ({ params, query, csrfToken, request }) => {
        const language = pageLanguage(deps, request, query.lang)
        return (await collectiveGuestPage(deps, COLLECTIVE_KEYS_PATH, params.uuid, csrfToken, language)) ?? notFound(language)
      },
      { params: UuidParams, query: PageQuery, detail: pageDetail },
    )
    .get(
      '/collective-temp-keys/:uuid/confirmation',
      async ({ params, query, request }) => {
        const language = pageLanguage(deps, request, query.lang)
        return (await collectiveConfirmationPage(deps, COLLECTIVE_KEYS_PATH, params.uuid, query, language)) ?? notFound(language)
      },
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
