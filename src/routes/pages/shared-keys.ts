// /shared-keys: the signed-in owner's collective keys over the locks they own, created and revoked through the same
// service as the JSON API (locks/collective-keys.ts), acting as themself. A create answers the page itself (no
// redirect) so the PIN can be shown this once without being kept anywhere.
import { Elysia, t } from 'elysia'
import type { Authenticated } from '../../auth/principal'
import type { User } from '../../db/schema'
import type { Deps } from '../../deps'
import { isValidTimezone } from '../../domain/lock/schedule'
import type { AccessMethod } from '../../domain/lock/state'
import {
  type CollectiveKeyItem,
  createCollectiveKey,
  type DoorInput,
  listCollectiveKeys,
  revokeCollectiveKey,
} from '../../locks/collective-keys'
import { requestInfo } from '../../request-context'
import { type LockChoice, type SharedKeysView, SharedKeysPage } from '../../../views/pages/shared-keys'
import { keyPagePath, loginUrl, SHARED_KEYS_PATH, sharedKeysUrl, TEMP_KEYS_PATH } from '../../../views/paths'
import { tempKeyCursor } from '../cursor'
import { headerFor, lockLabel, settle, signedIn } from './common'
import { CsrfField, html, pagePlugin, redirect, verifyCsrf } from './support'
import { localToIso } from './temp-key-form'

const PAGE_SIZE = 25
const METHODS: readonly AccessMethod[] = ['key', 'code', 'both']

const CreateForm = t.Object(
  {
    _csrf: CsrfField,
    timezone: t.Optional(t.String({ maxLength: 64 })),
    validFrom: t.Optional(t.String({ maxLength: 40 })),
    validUntil: t.Optional(t.String({ maxLength: 40 })),
    description: t.Optional(t.String({ maxLength: 4000 })),
    lockId: t.Optional(t.Union([t.String({ maxLength: 16 }), t.Array(t.String({ maxLength: 16 }), { maxItems: 50 })])),
  },
  // label-<lockId> and method-<lockId>, one pair per lock the owner has.
  { additionalProperties: true },
)
type CreateBody = typeof CreateForm.static

const asCaller = (user: User): Authenticated => ({ kind: 'user', userId: user.userId })
const field = (body: CreateBody, name: string) => {
  const value: unknown = Reflect.get(body, name)
  return typeof value === 'string' ? value : ''
}

// What the form sent, per owned lock (so a refused form comes back as typed).
async function lockChoices(deps: Deps, user: User, body: CreateBody | null): Promise<LockChoice[]> {
  const chosen = body === null ? [] : Array.isArray(body.lockId) ? body.lockId : body.lockId === undefined ? [] : [body.lockId]
  return (await deps.data.listOwnedLocks(user.userId)).map(({ lock }) => {
    const method = body === null ? 'key' : field(body, `method-${lock.lockId}`)
    return {
      lockId: lock.lockId,
      lockLabel: lockLabel(lock, lock.lockId),
      chosen: chosen.includes(String(lock.lockId)),
      label: body === null ? '' : field(body, `label-${lock.lockId}`),
      accessMethod: METHODS.find((candidate) => candidate === method) ?? 'key',
    }
  })
}

async function keyView(deps: Deps, item: CollectiveKeyItem, now: number): Promise<SharedKeysView['keys'][number]> {
  const status =
    item.revokedAt !== null
      ? 'deleted'
      : now < Date.parse(item.validFrom)
        ? 'not-yet-valid'
        : now >= Date.parse(item.validUntil)
          ? 'expired'
          : 'valid'
  return {
    uuid: item.uuid,
    status,
    description: item.description,
    validFrom: item.validFrom,
    validUntil: item.validUntil,
    link: `${deps.config.publicUrl}${item.url}`,
    doors: await Promise.all(
      item.doors.map(async (door) => ({
        label: door.label ?? lockLabel(await deps.data.findLock(Number(door.lockId)), Number(door.lockId)),
        accessMethod: door.accessMethod,
      })),
    ),
  }
}

type Extra = Pick<SharedKeysView, 'error' | 'created' | 'notice'> & { body: CreateBody | null; cursor?: string }

async function pageView(deps: Deps, user: User, csrfToken: string, extra: Extra): Promise<SharedKeysView> {
  const after = extra.cursor === undefined ? null : tempKeyCursor.decode(extra.cursor)
  const [page, header, locks] = await Promise.all([
    listCollectiveKeys(deps, asCaller(user), { after, limit: PAGE_SIZE }, (uuid) => keyPagePath(TEMP_KEYS_PATH, uuid)),
    headerFor(deps, user.userId),
    lockChoices(deps, user, extra.body),
  ])
  const now = deps.clock.now()
  return {
    csrfToken,
    ...header,
    keys: await Promise.all(page.items.map((item) => keyView(deps, item, now))),
    nextPage: page.next && sharedKeysUrl({ cursor: tempKeyCursor.encode(page.next) }),
    locks,
    form: {
      validFrom: extra.body?.validFrom ?? '',
      validUntil: extra.body?.validUntil ?? '',
      description: extra.body?.description ?? '',
    },
    error: extra.error,
    created: extra.created,
    notice: extra.notice,
  }
}

// The form as the service's input, or what is wrong with it.
function parseCreate(body: CreateBody, locks: LockChoice[]): { input: Parameters<typeof createCollectiveKey>[2] } | { error: string } {
  const timezone = body.timezone && isValidTimezone(body.timezone) ? body.timezone : 'UTC'
  const validFrom = localToIso(body.validFrom ?? '', timezone)
  const validUntil = localToIso(body.validUntil ?? '', timezone)
  if (validFrom === null || validUntil === null) return { error: 'Enter when the key starts and ends.' }
  const doors: DoorInput[] = locks
    .filter((lock) => lock.chosen)
    .map((lock) => ({
      lockId: lock.lockId,
      accessMethod: lock.accessMethod,
      ...(lock.label.trim() !== '' ? { label: lock.label.trim() } : {}),
    }))
  if (doors.length === 0) return { error: 'Tick at least one lock.' }
  const description = body.description?.trim() ?? ''
  if (description.length > 2000) return { error: 'The description is at most 2,000 characters.' }
  return { input: { validFrom, validUntil, doors, ...(description !== '' ? { description } : {}) } }
}

export const sharedKeyPages = (deps: Deps) =>
  new Elysia({ name: 'pages.shared-keys', detail: { hide: true } })
    .use(pagePlugin(deps))
    .get(
      SHARED_KEYS_PATH,
      async ({ query, request, sessionUserId, csrfToken }) => {
        const me = await signedIn(deps, sessionUserId)
        if (!me) return redirect(request, loginUrl(SHARED_KEYS_PATH))
        const notice = query.done === 'revoked' ? 'Key revoked: its link and PIN open nothing any more.' : null
        const view = await pageView(deps, me, csrfToken, { error: null, created: null, notice, body: null, cursor: query.cursor })
        return html(await SharedKeysPage(view))
      },
      {
        query: t.Object(
          { cursor: t.Optional(t.String({ maxLength: 200 })), done: t.Optional(t.String({ maxLength: 20 })) },
          { additionalProperties: true },
        ),
      },
    )
    .post(
      SHARED_KEYS_PATH,
      async ({ body, request, sessionUserId, csrfToken }) => {
        verifyCsrf(deps, request, body)
        const me = await signedIn(deps, sessionUserId)
        if (!me) return redirect(request, loginUrl(SHARED_KEYS_PATH))
        const parsed = parseCreate(body, await lockChoices(deps, me, body))
        const refused = async (error: string, status: number) =>
          html(await SharedKeysPage(await pageView(deps, me, csrfToken, { error, created: null, notice: null, body })), { status })
        if ('error' in parsed) return refused(parsed.error, 400)
        const metadata = { requestId: requestInfo(request).requestId, principal: me.userId }
        const settled = await settle(() => createCollectiveKey(deps, asCaller(me), parsed.input, metadata))
        if (!settled.ok) return refused(settled.error.message, settled.error.status)
        const created = { link: `${deps.config.publicUrl}${keyPagePath(TEMP_KEYS_PATH, settled.value.uuid)}`, pin: settled.value.pin }
        const view = await pageView(deps, me, csrfToken, { error: null, created, notice: null, body: null })
        return html(await SharedKeysPage(view), { status: 201 })
      },
      { body: CreateForm },
    )
    .post(
      `${SHARED_KEYS_PATH}/:uuid/revoke`,
      async ({ params, body, request, sessionUserId }) => {
        verifyCsrf(deps, request, body)
        const me = await signedIn(deps, sessionUserId)
        if (!me) return redirect(request, loginUrl(SHARED_KEYS_PATH))
        const metadata = { requestId: requestInfo(request).requestId, principal: me.userId }
        await revokeCollectiveKey(deps, asCaller(me), params.uuid, metadata)
        return redirect(request, sharedKeysUrl({ done: 'revoked' }))
      },
      { params: t.Object({ uuid: t.String({ maxLength: 64 }) }), body: t.Object({ _csrf: CsrfField }) },
    )
