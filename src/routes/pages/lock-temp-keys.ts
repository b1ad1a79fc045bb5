// The owner's temp-key pages under /locks/{id}/temp-keys: the list (status, link, copy button, QR code) with the
// create form, and the edit and delete-confirmation pages. Plain forms with CSRF; the lock's owner or its
// organisation's staff only.
import { Elysia, t } from 'elysia'
import QRCode from 'qrcode'
import { canSeeLock } from '../../auth/lock-access'
import { type Authenticated, principalName, resolveSessionUser } from '../../auth/principal'
import type { Lock } from '../../db/schema'
import type { Deps } from '../../deps'
import { Forbidden, NotFound } from '../../domain/errors'
import { usesLeft } from '../../domain/lock/temp-key-status'
import { createTempKey, deleteTempKey, pageLiveTempKeys, tempKeyFacts, type TempKeyItem, updateTempKey } from '../../locks/temp-keys'
import { emptyForm, type FormErrors, type TempKeyFormValues } from '../../../views/components/temp-key-form'
import { DeleteTempKeyPage, EditTempKeyPage, LockTempKeysPage, type OwnerKeyView } from '../../../views/pages/lock-temp-keys'
import { requestInfo } from '../../request-context'
import { tempKeyCursor } from '../cursor'
import { CsrfField, csrfFor, html, pagePlugin, redirect, verifyCsrf } from './support'
import {
  domainErrors,
  editValues,
  formChanges,
  formValues,
  hasErrors,
  KeyForm,
  listedPeople,
  parseKeyForm,
  whitelistLabels,
} from './temp-key-form'
import { describeSchedule, findKey, headerFor, lockLabel, sessionUser, settle } from './common'
import { guestPath, loginUrl, tempKeysPath } from '../../../views/paths'

// The pages' caller for a lock: its owner acts as themself, its organisation's staff act for the organisation
// (so the API's rule "the lock's org may manage" applies). Anyone else: 403 if they can see the lock, else 404.
async function pageManager(deps: Deps, userId: string, lockId: number): Promise<{ lock: Lock; caller: Authenticated }> {
  const lock = await deps.data.findLock(lockId)
  const asUser: Authenticated = { kind: 'user', userId }
  if (!lock) throw new NotFound('Lock not found')
  if (lock.ownerId === userId) return { lock, caller: asUser }
  if (lock.orgId !== null && (await deps.data.staffOrgIds(userId)).includes(lock.orgId)) {
    return { lock, caller: { kind: 'org', orgId: lock.orgId, isSuper: false, actingUserId: userId } }
  }
  if (await canSeeLock(deps, asUser, lock)) throw new Forbidden('Only the lock owner or its organization may manage its temporary keys')
  throw new NotFound('Lock not found')
}

async function ownerKeyView(deps: Deps, facts: TempKeyItem, whitelist: string[]): Promise<OwnerKeyView> {
  const link = `${deps.config.publicUrl}${guestPath(facts.uuid)}`
  const svg = await QRCode.toString(link, { type: 'svg', margin: 1, errorCorrectionLevel: 'M' })
  const left = usesLeft(facts)
  return {
    uuid: facts.uuid,
    status: facts.status,
    validFrom: facts.validFrom,
    validUntil: facts.validUntil,
    uses: facts.maxUses === null ? `${facts.usedCount} used · unlimited` : `${facts.usedCount} of ${facts.maxUses} used · ${left} left`,
    accessMode: facts.accessMode,
    allowedEmails: facts.accessMode === 'user-whitelist' ? whitelist : [],
    description: facts.description ?? null,
    scheduleLines: describeSchedule(facts.schedule),
    nextWindow: facts.nextWindow ?? null,
    link,
    qrDataUri: `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`,
  }
}

const NOTICES: Record<string, string> = {
  created: 'Key created. Share its link or QR code with your guest.',
  updated: 'Key updated.',
  deleted: 'Key deleted: its link no longer opens the door.',
}

type OwnerForm = { values: TempKeyFormValues; errors: FormErrors; status: number }

// Newest first, a page at a time: each key draws a QR code, and a new key (the redirect's #key-…) is on the first.
const OWNER_PAGE_SIZE = 25

// The owner page, also reached through GET /locks/{id}/temp-keys with Accept: text/html (see routes/temp-keys.ts);
// `cursor` (from its own "Next page" link) starts the list after that key.
export async function ownerPageResponse(
  deps: Deps,
  request: Request,
  lockId: number,
  { cursor, form }: { cursor?: string; form?: OwnerForm } = {},
): Promise<Response> {
  const { csrfToken, setCookie } = csrfFor(deps, request)
  const headers: Record<string, string> = setCookie ? { 'set-cookie': setCookie } : {}
  const userId = await sessionUser(deps, await resolveSessionUser(deps, request.headers))
  if (userId === null) return redirect(request, loginUrl(tempKeysPath(lockId)), headers)
  const { lock } = await pageManager(deps, userId, lockId)
  const after = cursor === undefined ? null : tempKeyCursor.decode(cursor)
  const query = { after, limit: OWNER_PAGE_SIZE, status: null, now: deps.clock.now(), newestFirst: true }
  const [page, header] = await Promise.all([pageLiveTempKeys(deps, lockId, query), headerFor(deps, userId)])
  // Whitelisted people by the e-mails typed on this page (kept on the key's row), else by id.
  const whitelistOf = async (item: TempKeyItem) =>
    whitelistLabels((await deps.data.findTempKey(item.uuid)) ?? { enteredEmails: null }, item.allowedUserIds)
  const notice = new URL(request.url).searchParams.get('done')
  const view = {
    lockId,
    lockLabel: lockLabel(lock, lockId),
    lockUuid: lock.uuid,
    csrfToken,
    ...header,
    keys: await Promise.all(page.items.map(async (item) => ownerKeyView(deps, item, await whitelistOf(item)))),
    isFirstPage: after === null,
    nextPage: page.next && `${tempKeysPath(lockId)}?cursor=${tempKeyCursor.encode(page.next)}`,
    form: form ?? { values: emptyForm, errors: {} },
    notice: form ? null : (NOTICES[notice ?? ''] ?? null),
  }
  return html(await LockTempKeysPage(view), { status: form?.status ?? 200, headers })
}

const KeyParams = t.Object({ id: t.Integer({ exclusiveMinimum: 0, maximum: Number.MAX_SAFE_INTEGER }), uuid: t.String({ maxLength: 64 }) })

export const lockTempKeyPages = (deps: Deps) => {
  // The lock's live key named in the path, for a signed-in manager of that lock.
  const managedKey = async (userId: string, lockId: number, uuid: string) => {
    const { lock, caller } = await pageManager(deps, userId, lockId)
    const row = await findKey(deps, uuid)
    if (!row || row.lockId !== lockId || row.deletedAt !== null) throw new NotFound('Temporary key not found')
    const ref = { lockId, lockLabel: lockLabel(lock, lockId), lockUuid: lock.uuid }
    return { lock, caller, row, ref, facts: tempKeyFacts(row, deps.clock.now()) }
  }
  const metadataOf = (request: Request, caller: Authenticated) => ({
    requestId: requestInfo(request).requestId,
    principal: principalName(caller),
  })

  return new Elysia({ name: 'pages.lock-temp-keys', detail: { hide: true } })
    .use(pagePlugin(deps))
    .post(
      '/locks/:id/temp-keys',
      async ({ params, body, request, sessionUserId }) => {
        verifyCsrf(deps, request, body)
        const userId = await sessionUser(deps, sessionUserId)
        if (userId === null) return redirect(request, loginUrl(tempKeysPath(params.id)))
        const { caller } = await pageManager(deps, userId, params.id)
        const { input, emails, errors, windowRows } = parseKeyForm(body)
        const refused = (errors: FormErrors) =>
          ownerPageResponse(deps, request, params.id, { form: { values: formValues(body), errors, status: 400 } })
        if (hasErrors(errors)) return refused(errors)
        const listed = await listedPeople(deps, input, emails, metadataOf(request, caller))
        const created = await settle(() => createTempKey(deps, caller, params.id, listed.input, listed.metadata))
        if (!created.ok) return refused(domainErrors(created.error, windowRows))
        return redirect(request, `${tempKeysPath(params.id)}?done=created#key-${created.value.tempKeyUuid}`)
      },
      {
        params: t.Object({ id: t.Integer({ exclusiveMinimum: 0, maximum: Number.MAX_SAFE_INTEGER }) }),
        body: KeyForm,
        detail: { hide: true },
      },
    )
    .get(
      '/locks/:id/temp-keys/:uuid/edit',
      async ({ params, request, sessionUserId, csrfToken }) => {
        const userId = await sessionUser(deps, sessionUserId)
        if (userId === null) return redirect(request, loginUrl(`${tempKeysPath(params.id)}/${params.uuid}/edit`))
        const { ref, row, facts } = await managedKey(userId, params.id, params.uuid)
        const utc = { validFrom: facts.validFrom, validUntil: facts.validUntil }
        const values = editValues(facts, whitelistLabels(row, facts.allowedUserIds))
        const view = {
          ...ref,
          csrfToken,
          ...(await headerFor(deps, userId)),
          uuid: facts.uuid,
          values,
          errors: {},
          utc,
        }
        return html(await EditTempKeyPage(view))
      },
      { params: KeyParams, detail: { hide: true } },
    )
    .post(
      '/locks/:id/temp-keys/:uuid/edit',
      async ({ params, body, request, sessionUserId, csrfToken }) => {
        verifyCsrf(deps, request, body)
        const userId = await sessionUser(deps, sessionUserId)
        if (userId === null) return redirect(request, loginUrl(`${tempKeysPath(params.id)}/${params.uuid}/edit`))
        const { ref, caller, facts } = await managedKey(userId, params.id, params.uuid)
        const { input, emails, errors, windowRows } = parseKeyForm(body)
        const refused = async (errors: FormErrors) => {
          const view = {
            ...ref,
            csrfToken,
            ...(await headerFor(deps, userId)),
            uuid: facts.uuid,
            values: formValues(body),
            errors,
            utc: undefined,
          }
          return html(await EditTempKeyPage(view), { status: 400 })
        }
        if (hasErrors(errors)) return refused(errors)
        const listed = await listedPeople(deps, input, emails, metadataOf(request, caller))
        const changes = formChanges(facts, listed.input)
        const updated = await settle(() => updateTempKey(deps, caller, params.id, facts.uuid, changes, listed.metadata))
        if (!updated.ok) return refused(domainErrors(updated.error, windowRows))
        return redirect(request, `${tempKeysPath(params.id)}?done=updated#key-${facts.uuid}`)
      },
      { params: KeyParams, body: KeyForm, detail: { hide: true } },
    )
    .get(
      '/locks/:id/temp-keys/:uuid/delete',
      async ({ params, request, sessionUserId, csrfToken }) => {
        const userId = await sessionUser(deps, sessionUserId)
        if (userId === null) return redirect(request, loginUrl(`${tempKeysPath(params.id)}/${params.uuid}/delete`))
        const { ref, facts } = await managedKey(userId, params.id, params.uuid)
        const view = {
          ...ref,
          csrfToken,
          ...(await headerFor(deps, userId)),
          uuid: facts.uuid,
          description: facts.description ?? null,
        }
        return html(await DeleteTempKeyPage(view))
      },
      { params: KeyParams, detail: { hide: true } },
    )
    .post(
      '/locks/:id/temp-keys/:uuid/delete',
      async ({ params, body, request, sessionUserId }) => {
        verifyCsrf(deps, request, body)
        const userId = await sessionUser(deps, sessionUserId)
        if (userId === null) return redirect(request, loginUrl(tempKeysPath(params.id)))
        const { caller, facts } = await managedKey(userId, params.id, params.uuid)
        await deleteTempKey(deps, caller, params.id, facts.uuid, metadataOf(request, caller))
        return redirect(request, `${tempKeysPath(params.id)}?done=deleted`)
      },
      { params: KeyParams, body: t.Object({ _csrf: CsrfField }), detail: { hide: true } },
    )
}
