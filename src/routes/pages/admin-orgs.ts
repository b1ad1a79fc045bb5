// /admin/orgs: the console's organisations. Creating one is the CLI's `org create` (createOrg: registration and the
// first key), rotating a key the Admin API's rotate (issueTenantKey), staff the org's AddOrgMember/RemoveOrgMember;
// each a command audited under the administrator. A new key is answered once, in the page, never redirected to.
import { Value } from '@sinclair/typebox/value'
import { Elysia, t } from 'elysia'
import { addOrgMember, createOrg, issueTenantKey, normalizeEmail, orgIdFromName, removeOrgMember } from '../../auth/tenants'
import type { Deps } from '../../deps'
import { NotFound } from '../../domain/errors'
import type { Tenant } from '../../projections/orgs'
import type { FormErrors } from '../../../views/components/admin'
import { AdminOrgPage, type AdminOrgView, AdminOrgsPage, type CreateOrgField, type OrgDetail } from '../../../views/pages/admin-orgs'
import { adminOrgPath } from '../../../views/paths'
import { OrgId } from '../models'
import { type Console, formPage, openConsole, openConsoleFor, refusal } from './admin'
import { settle } from './common'
import { CsrfField, html, pagePlugin, redirect } from './support'

const PAGE_SIZE = 50
const ORG_ID = OrgId()
const NAME_MAX = 200

const detail = ({ org, apiKeyPrefix, apiKeyExpiresAt, apiKeyLastUsedAt }: Tenant): OrgDetail => ({
  orgId: org.orgId,
  name: org.name,
  isSuper: org.isSuper,
  createdAt: org.createdAt,
  apiKeyPrefix,
  apiKeyExpiresAt,
  apiKeyLastUsedAt,
})

async function listPage(
  deps: Deps,
  session: Console,
  offset: number,
  form = { name: '', orgId: '' },
  errors: FormErrors<CreateOrgField> = {},
) {
  const { rows, total } = await deps.data.listTenants({ limit: PAGE_SIZE, offset })
  const orgs = rows.map((row) => detail(row))
  return AdminOrgsPage({
    csrfToken: session.csrfToken,
    signedInAs: session.signedInAs,
    orgs,
    total,
    offset,
    pageSize: PAGE_SIZE,
    form,
    errors,
  })
}

async function requireTenant(deps: Deps, orgId: string): Promise<Tenant> {
  const tenant = await deps.data.findTenant(orgId)
  if (!tenant) throw new NotFound('No organisation with this id')
  return tenant
}

type OrgPageOptions = Partial<Pick<AdminOrgView, 'issuedKey' | 'memberEmail' | 'errors' | 'notice'>>

async function orgPage(deps: Deps, session: Console, orgId: string, options: OrgPageOptions = {}) {
  const [tenant, members] = await Promise.all([requireTenant(deps, orgId), deps.data.listOrgMembers(orgId)])
  return AdminOrgPage({
    csrfToken: session.csrfToken,
    signedInAs: session.signedInAs,
    org: detail(tenant),
    members,
    issuedKey: options.issuedKey ?? null,
    memberEmail: options.memberEmail ?? '',
    errors: options.errors ?? {},
    notice: options.notice ?? null,
  })
}

// The form's verdict on its own terms, before any command: a name, and an id that can be a tenant id.
function createErrors(name: string, orgId: string): FormErrors<CreateOrgField> {
  const errors: FormErrors<CreateOrgField> = {}
  if (name === '') errors.name = 'Enter a name.'
  else if (name.length > NAME_MAX) errors.name = `Keep the name to ${NAME_MAX} characters or fewer.`
  else if (!Value.Check(ORG_ID, orgId)) {
    errors.orgId = 'Use letters, digits, “.”, “_” and “-” only, starting with a letter or digit (at most 128).'
  }
  return errors
}

const OrgParams = t.Object({ orgId: t.String({ minLength: 1, maxLength: 128 }) })

export const adminOrgPages = (deps: Deps) =>
  new Elysia({ name: 'pages.admin-orgs', prefix: '/admin/orgs', detail: { hide: true } })
    .use(pagePlugin(deps))
    .get(
      '',
      async ({ query, ...context }) => {
        const session = await openConsole(deps, context)
        if (session instanceof Response) return session
        return html(await listPage(deps, session, query.offset ?? 0))
      },
      { query: t.Object({ offset: t.Optional(t.Integer({ minimum: 0, maximum: 1_000_000 })) }) },
    )
    .post(
      '',
      async ({ body, ...context }) => {
        const session = await openConsoleFor(deps, context, body)
        if (session instanceof Response) return session
        const name = body.name.trim()
        const orgId = body.orgId.trim() || orgIdFromName(name) || `org-${crypto.randomUUID().slice(0, 8)}`
        const form = { name: body.name, orgId: body.orgId }
        const errors = createErrors(name, orgId)
        if (Object.keys(errors).length > 0) return formPage(context.request, await listPage(deps, session, 0, form, errors), 400)
        const created = await settle(() => createOrg(deps, { orgId, orgName: name }, session.admin.userId, session.metadata))
        if (!created.ok) {
          const refused = refusal(created.error, ['name', 'orgId'])
          return formPage(context.request, await listPage(deps, session, 0, form, refused), created.error.status)
        }
        const notice = { kind: 'ok' as const, text: `${name} created.` }
        return html(await orgPage(deps, session, orgId, { issuedKey: created.value.apiKey, notice }), { status: 201 })
      },
      { body: t.Object({ name: t.String({ maxLength: 1000 }), orgId: t.String({ maxLength: 1000 }), _csrf: CsrfField }) },
    )
    .get(
      '/:orgId',
      async ({ params, ...context }) => {
        const session = await openConsole(deps, context)
        if (session instanceof Response) return session
        return html(await orgPage(deps, session, params.orgId))
      },
      { params: OrgParams },
    )
    .post(
      '/:orgId/api-key',
      async ({ params, body, ...context }) => {
        const session = await openConsoleFor(deps, context, body)
        if (session instanceof Response) return session
        const { org } = await requireTenant(deps, params.orgId)
        const options = { createdBy: session.admin.userId, rotate: true }
        const issued = await settle(() => issueTenantKey(deps, org, options, session.metadata))
        if (!issued.ok) {
          const notice = { kind: 'bad' as const, text: issued.error.message }
          return formPage(context.request, await orgPage(deps, session, org.orgId, { notice }), issued.error.status)
        }
        return html(await orgPage(deps, session, org.orgId, { issuedKey: issued.value.apiKey }))
      },
      { params: OrgParams, body: t.Object({ _csrf: CsrfField }) },
    )
    .post(
      '/:orgId/members',
      async ({ params, body, ...context }) => {
        const session = await openConsoleFor(deps, context, body)
        if (session instanceof Response) return session
        const [{ org }, user] = await Promise.all([
          requireTenant(deps, params.orgId),
          deps.data.findUserByEmail(normalizeEmail(body.email)),
        ])
        if (!user) {
          const errors = { email: 'No user has this e-mail address: create the user first.' }
          return formPage(context.request, await orgPage(deps, session, org.orgId, { memberEmail: body.email, errors }), 404)
        }
        await addOrgMember(deps, org.orgId, user.userId, session.metadata)
        return redirect(context.request, adminOrgPath(org.orgId))
      },
      { params: OrgParams, body: t.Object({ email: t.String({ maxLength: 320 }), _csrf: CsrfField }) },
    )
    .post(
      '/:orgId/members/remove',
      async ({ params, body, ...context }) => {
        const session = await openConsoleFor(deps, context, body)
        if (session instanceof Response) return session
        const { org } = await requireTenant(deps, params.orgId)
        await removeOrgMember(deps, org.orgId, body.userId, session.metadata)
        return redirect(context.request, adminOrgPath(org.orgId))
      },
      { params: OrgParams, body: t.Object({ userId: t.String({ minLength: 1, maxLength: 128 }), _csrf: CsrfField }) },
    )
