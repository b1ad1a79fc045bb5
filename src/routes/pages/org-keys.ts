// The key desk, /orgs/{orgId}/keys: the issuing organisation's staff find a user and hand out or take back its physical
// keys. Writes go through the command handler with the API's domain commands and rules; every POST checks the CSRF
// token. Plain forms get full pages and 303s; htmx gets the one fragment that changed (chosen by HX-Target).
import { Value } from '@sinclair/typebox/value'
import { Elysia, t } from 'elysia'
import { canIssuePhysicalKey } from '../../auth/policies'
import type { Principal } from '../../auth/principal'
import type { User } from '../../db/schema'
import type { Deps } from '../../deps'
import { DomainError } from '../../domain/errors'
import type { UserCommand } from '../../domain/user/commands'
import { userAggregate } from '../../domain/user/decide'
import { userStreamId } from '../../domain/user/events'
import { renderErrorPage } from '../../../views/pages/error'
import {
  AddKeyForm,
  type AddKeyFormView,
  ConfirmRemoveRow,
  Inventory,
  type InventoryView,
  IssuedKeysRegion,
  type IssuedKeysView,
  KeyRow,
  KeysRegion,
  type Notice,
  OrgKeysPage,
  type OrgRef,
  UserPanel,
  type UserPanelView,
} from '../../../views/pages/org-keys'
import { Cursor, issuedKeyCursor } from '../cursor'
import { eventMetadata } from '../models'
import { AddPhysicalKeyBody } from '../physical-keys'
import { requestInfo } from '../../request-context'
import { headerFor, here, keysPage, signedIn, toKeyView } from './common'
import { html, isHtmx, pagePlugin, redirect, verifyCsrf } from './support'
import { loginUrl, orgKeysPath, orgKeysUrl } from '../../../views/paths'

// The desk answers different fragments per HX-Target, so caches must key on both.
const DESK_HEADERS = { vary: 'HX-Request, HX-Target' }
const NOTE_MAX = AddPhysicalKeyBody.properties.note.maxLength ?? 500

type Desk = { deps: Deps; request: Request; org: OrgRef; staff: User; csrfToken: string }
type DeskContext = { request: Request; sessionUserId: string | null; csrfToken: string }

// The org's staff get its desk (the API's issuing rule, canIssuePhysicalKey, for a signed-in user); anyone else is
// sent to sign in, or shown the 403 page, which does not say whether the org exists.
async function openDesk(deps: Deps, orgId: string, context: DeskContext, next: string): Promise<Desk | Response> {
  const { request, sessionUserId, csrfToken } = context
  const staff = await signedIn(deps, sessionUserId)
  if (!staff) return redirect(request, loginUrl(next))
  const principal: Principal = { kind: 'user', userId: staff.userId }
  const [org, staffOrgIds] = await Promise.all([deps.data.findOrg(orgId), deps.data.staffOrgIds(staff.userId)])
  if (!org || !canIssuePhysicalKey(principal, orgId, staffOrgIds)) {
    const message = 'Only staff of this organisation can hand out and take back its keys.'
    const page = await renderErrorPage({ code: 403, error: 'Forbidden', message, requestId: requestInfo(request).requestId })
    return html(page, { status: 403 })
  }
  return { deps, request, org: { orgId, name: org.name }, staff, csrfToken }
}

type InventoryOptions = { q?: string; cursor?: string; confirm?: number | null; notice?: Notice | null }

async function inventoryView(
  desk: Desk,
  user: User,
  { q = '', cursor = '', confirm = null, notice = null }: InventoryOptions = {},
): Promise<InventoryView> {
  const page = await keysPage(desk.deps, user.userId, [desk.org.orgId], q, cursor)
  return { org: desk.org, csrfToken: desk.csrfToken, email: user.email ?? '', q, cursor, ...page, confirm, notice }
}

function addForm(desk: Desk, user: User, note = '', errors: AddKeyFormView['errors'] = {}, notice: Notice | null = null): AddKeyFormView {
  return { org: desk.org, csrfToken: desk.csrfToken, email: user.email ?? '', note, errors, notice }
}

// A page of everything the org handed out (the panel before a user is found); `cursor` '' is the first page.
const ISSUED_PAGE_SIZE = 50

async function issuedKeysView(desk: Desk, q = '', cursor = ''): Promise<IssuedKeysView> {
  const after = cursor === '' ? null : issuedKeyCursor.decode(cursor)
  const { keys, next } = await desk.deps.data.listIssuedKeys(desk.org.orgId, { q, after, limit: ISSUED_PAGE_SIZE })
  const entries = keys.map(({ userId, number, email, note, addedAt }) => ({ number, email, holderId: userId, note, addedAt }))
  return { org: desk.org, q, cursor, keys: entries, nextCursor: next === null ? null : issuedKeyCursor.encode(next) }
}

const foundPanel = (user: User, form: AddKeyFormView, inventory: InventoryView): UserPanelView => ({
  kind: 'found',
  email: user.email ?? '',
  form,
  inventory,
})

// Every desk change: CSRF, a staff member of this org, and the user named by e-mail (a friendly 404 when unknown).
async function openDeskFor(
  deps: Deps,
  orgId: string,
  body: { email: string; _csrf?: string },
  context: DeskContext,
): Promise<{ desk: Desk; user: User } | Response> {
  verifyCsrf(deps, context.request, body)
  const desk = await openDesk(deps, orgId, context, orgKeysPath(orgId))
  if (desk instanceof Response) return desk
  const user = await deps.data.findUserByEmail(body.email.trim())
  if (!user) return deskPage(desk, body.email, { kind: 'missing', email: body.email }, 404)
  return { desk, user }
}

async function deskPage(desk: Desk, email: string, panel: UserPanelView, status = 200): Promise<Response> {
  const header = await headerFor(desk.deps, desk.staff.userId)
  const page = await OrgKeysPage({ org: desk.org, csrfToken: desk.csrfToken, ...header, email, panel })
  return html(page, { status, headers: DESK_HEADERS })
}

// The same domain commands as the API, acting as the staff member. Refusals come back as values so the page can
// explain them in place (a key removed meanwhile); anything else is the error page's.
async function run(desk: Desk, user: User, command: UserCommand) {
  const metadata = eventMetadata(desk.request, { kind: 'user', userId: desk.staff.userId })
  try {
    const handled = await desk.deps.commands.handle(userAggregate, userStreamId(user.userId), command, metadata)
    return { ok: true as const, events: handled.events }
  } catch (error) {
    if (error instanceof DomainError) return { ok: false as const, error }
    throw error
  }
}

// The API's AddPhysicalKey schema decides; the page words the verdict for people, next to the field.
async function issueKey(desk: Desk, user: User, note: string): Promise<{ number: number } | { errors: AddKeyFormView['errors'] }> {
  // An empty note field means "no note", as an absent JSON field does.
  const data = { orgId: desk.org.orgId, orgName: desk.org.name, ...(note.trim() !== '' ? { note } : {}) }
  const errors: AddKeyFormView['errors'] = {}
  for (const issue of Value.Errors(AddPhysicalKeyBody, data)) {
    if (issue.path === '/note') errors.note = `Keep the note to ${NOTE_MAX} characters or fewer (it has ${note.length}).`
    else errors.form ??= `This key cannot be added: ${issue.message}.`
  }
  if (errors.note || errors.form) return { errors }
  const now = desk.deps.clock.now()
  const outcome = await run(desk, user, { type: 'AddPhysicalKey', data: { ...data, note: data.note ?? null }, metadata: { now } })
  if (!outcome.ok) return { errors: { form: outcome.error.status === 404 ? 'This user no longer exists.' : outcome.error.message } }
  const added = outcome.events.find((event) => event.type === 'PhysicalKeyAdded')
  return added?.type === 'PhysicalKeyAdded' ? { number: added.data.number } : { errors: { form: 'The key was not added.' } }
}

// Scoped to this desk's org, even for staff of several: the page acts for one organisation.
async function takeBackKey(desk: Desk, user: User, number: number): Promise<{ notice: Notice; status: number }> {
  const data = { number, issuerScope: [desk.org.orgId] }
  const outcome = await run(desk, user, { type: 'RemovePhysicalKey', data, metadata: { now: desk.deps.clock.now() } })
  if (outcome.ok) return { notice: { kind: 'ok', text: `Key #${number} removed.` }, status: 200 }
  const text =
    outcome.error.status === 403
      ? `Key #${number} was handed out by another organisation; only they can take it back.`
      : `Key #${number} is not in this inventory any more; someone may have removed it already.`
  return { notice: { kind: 'bad', text }, status: outcome.error.status }
}

// What htmx asked for on the desk URL: one row (#key-N), the key list (#keys: the user's, or the org's before a user
// is found), or the user panel (#user-panel).
async function deskFragment(desk: Desk, target: string, panel: UserPanelView, user: User | undefined, confirm: number | null) {
  const row = /^key-(\d+)$/.exec(target)
  if (panel.kind === 'none' && target === 'keys') return IssuedKeysRegion(panel.issued)
  if (panel.kind !== 'found' || !user) return UserPanel({ panel })
  if (row) {
    const key = await desk.deps.data.getPhysicalKey(user.userId, Number(row[1]))
    // Gone, or another org's: the row disappears.
    if (!key || key.orgId !== desk.org.orgId) return ''
    const { q, cursor } = panel.inventory
    const view = { org: desk.org, csrfToken: desk.csrfToken, email: panel.email, q, cursor, entry: toKeyView(key) }
    return key.number === confirm ? ConfirmRemoveRow(view) : KeyRow(view)
  }
  return target === 'keys' ? KeysRegion(panel.inventory) : UserPanel({ panel })
}

const OrgParams = t.Object({ orgId: t.String({ minLength: 1, maxLength: 128 }) })
const Email = t.String({ maxLength: 320 })
const Search = t.Optional(t.String({ maxLength: 500 }))
const KeyNumber = t.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })

export const orgKeysPages = (deps: Deps) =>
  new Elysia({ name: 'pages.org-keys', detail: { hide: true } })
    .use(pagePlugin(deps))
    .get(
      '/orgs/:orgId/keys',
      async ({ params, query, ...context }) => {
        const desk = await openDesk(deps, params.orgId, context, here(context.request))
        if (desk instanceof Response) return desk
        const email = (query.email ?? '').trim()
        const user = email === '' ? undefined : await deps.data.findUserByEmail(email)
        const removed: Notice | null = query.removed ? { kind: 'ok', text: `Key #${query.removed} removed.` } : null
        const added: Notice | null = query.added ? { kind: 'ok', text: `Key #${query.added} added.` } : null
        const panel: UserPanelView = !user
          ? email === ''
            ? { kind: 'none', issued: await issuedKeysView(desk, query.q, query.cursor) }
            : { kind: 'missing', email }
          : foundPanel(
              user,
              addForm(desk, user, '', {}, added),
              await inventoryView(desk, user, { q: query.q, cursor: query.cursor, confirm: query.confirm, notice: removed }),
            )
        if (!isHtmx(context.request)) return deskPage(desk, email, panel)
        const target = context.request.headers.get('hx-target') ?? ''
        return html(await deskFragment(desk, target, panel, user, query.confirm ?? null), { headers: DESK_HEADERS })
      },
      {
        params: OrgParams,
        query: t.Object({
          email: t.Optional(Email),
          q: Search,
          cursor: t.Optional(Cursor),
          confirm: t.Optional(KeyNumber),
          added: t.Optional(KeyNumber),
          removed: t.Optional(KeyNumber),
        }),
      },
    )
    .post(
      '/orgs/:orgId/keys/add',
      async ({ params, body, ...context }) => {
        const opened = await openDeskFor(deps, params.orgId, body, context)
        if (opened instanceof Response) return opened
        const { desk, user } = opened
        const note = body.note ?? ''
        const result = await issueKey(desk, user, note)
        if ('errors' in result) {
          const form = addForm(desk, user, note, result.errors)
          if (isHtmx(context.request)) return html(await AddKeyForm(form))
          return deskPage(desk, user.email ?? '', foundPanel(user, form, await inventoryView(desk, user)), 400)
        }
        if (!isHtmx(context.request))
          return redirect(context.request, orgKeysUrl(desk.org.orgId, { email: user.email, added: result.number }))
        const form = await AddKeyForm(addForm(desk, user, '', {}, { kind: 'ok', text: `Key #${result.number} added.` }))
        return html(form + (await Inventory({ view: await inventoryView(desk, user), outOfBand: true })))
      },
      { params: OrgParams, body: t.Object({ email: Email, note: t.Optional(t.String()), _csrf: t.Optional(t.String()) }) },
    )
    .post(
      '/orgs/:orgId/keys/remove',
      async ({ params, body, ...context }) => {
        const opened = await openDeskFor(deps, params.orgId, body, context)
        if (opened instanceof Response) return opened
        const { desk, user } = opened
        const { q = '', cursor = '' } = body
        const { notice, status } = await takeBackKey(desk, user, body.number)
        if (status === 200 && !isHtmx(context.request)) {
          return redirect(context.request, orgKeysUrl(desk.org.orgId, { email: user.email, q, cursor, removed: body.number }))
        }
        const inventory = await inventoryView(desk, user, { q, cursor, notice })
        if (isHtmx(context.request)) return html(await KeysRegion(inventory), { headers: DESK_HEADERS })
        return deskPage(desk, user.email ?? '', foundPanel(user, addForm(desk, user), inventory), status)
      },
      {
        params: OrgParams,
        body: t.Object({
          email: Email,
          q: Search,
          cursor: t.Optional(t.Union([Cursor, t.Literal('')])),
          number: KeyNumber,
          _csrf: t.Optional(t.String()),
        }),
      },
    )
