// The docs' Admin API (partner onboarding) behind X-Admin-API-Key: register tenants, list them, issue and rotate
// their API keys. Super tenants are made only by the CLI (`org create --super`), never over HTTP.
import { timingSafeEqual } from 'node:crypto'
import { Type as T } from '@sinclair/typebox'
import { Elysia, t } from 'elysia'
import { issueTenantKey, normalizeEmail, registerOrg } from '../auth/tenants'
import type { Org } from '../db/schema'
import type { Deps } from '../deps'
import { Invalid, NotFound, Unauthorized } from '../domain/errors'
import type { EventMetadata } from '../eventstore/types'
import { sha256Hex } from '../secrets'
import { Email, ErrorEnvelope, errorResponses, OrgId } from './models'
import { requestInfo } from '../request-context'

// sha256 of the header against the stored hash, constant time (both are 64 hex characters).
export function requireAdminKey(deps: Pick<Deps, 'secrets'>, headers: Headers): void {
  const sent = headers.get('x-admin-api-key')
  if (!sent) throw new Unauthorized('X-Admin-API-Key header required')
  const actual = Buffer.from(sha256Hex(sent))
  const expected = Buffer.from(deps.secrets.adminKeyHash)
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) throw new Unauthorized('Invalid admin API key')
}

// Runs at transform, before validation: an unauthenticated caller learns nothing about the body's shape.
export const adminGuard = (deps: Pick<Deps, 'secrets'>) =>
  new Elysia({ name: 'admin-guard' }).onTransform({ as: 'scoped' }, ({ request }) => requireAdminKey(deps, request.headers))

const OrgName = T.String({ minLength: 1, maxLength: 200, description: 'Organisation display name' })
const ExpiresAt = T.Optional(
  T.Union([T.String({ format: 'date-time', description: 'ISO 8601; the key stops working at this instant' }), T.Null()]),
)

const RegisterBody = T.Object({ orgName: OrgName, ownerEmail: Email('Owner e-mail') }, { additionalProperties: false })
const IssueBody = T.Object({ orgId: OrgId(), orgName: OrgName, expiresAt: ExpiresAt }, { additionalProperties: false })
const RotateBody = T.Object({ orgId: OrgId(), expiresAt: ExpiresAt }, { additionalProperties: false })
const ListQuery = t.Object(
  { limit: t.Optional(t.Integer({ minimum: 1, maximum: 1000, default: 100 })), offset: t.Optional(t.Integer({ minimum: 0, default: 0 })) },
  { additionalProperties: false },
)

const Registered = T.Object({
  success: T.Literal(true),
  orgId: T.String(),
  orgName: T.String(),
  ownerEmail: T.Union([T.String(), T.Null()]),
  isSuper: T.Boolean(),
  createdAt: T.String(),
})
const Tenant = T.Object({
  orgId: T.String(),
  orgName: T.String(),
  ownerEmail: T.Union([T.String(), T.Null()]),
  isSuper: T.Boolean(),
  createdAt: T.String(),
  apiKeyPrefix: T.Union([T.String(), T.Null()], { description: 'First 8 characters of the current key' }),
  apiKeyExpiresAt: T.Union([T.String(), T.Null()]),
  apiKeyLastUsedAt: T.Union([T.String(), T.Null()], { description: 'Recorded to the minute' }),
})
const IssuedKey = T.Object({
  apiKey: T.String({ description: 'Shown once: only its hash is stored' }),
  orgId: T.String(),
  orgName: T.String(),
  createdAt: T.String(),
  createdBy: T.String(),
  expiresAt: T.Union([T.String(), T.Null()]),
})

const ADMIN = 'admin'
const detail = (summary: string, description?: string) => ({
  tags: ['Admin'],
  summary,
  security: [{ AdminApiKey: [] }],
  ...(description ? { description } : {}),
})

const metadata = (request: Request): EventMetadata => ({ requestId: requestInfo(request).requestId, principal: ADMIN })

const registered = (org: Org) => ({
  success: true as const,
  orgId: org.orgId,
  orgName: org.name,
  ownerEmail: org.ownerEmail,
  isSuper: org.isSuper,
  createdAt: org.createdAt,
})

async function requireTenant(deps: Deps, orgId: string): Promise<Org> {
  const org = await deps.data.findOrg(orgId)
  if (!org) throw new NotFound('Tenant not registered')
  return org
}

// Canonical ISO form, and never already in the past (such a key could not be used once).
function expiry(deps: Deps, expiresAt: string | null | undefined): string | null {
  if (expiresAt === undefined || expiresAt === null) return null
  const at = Date.parse(expiresAt)
  if (at <= deps.clock.now())
    throw new Invalid('expiresAt must be in the future', [{ field: 'expiresAt', message: 'must be in the future' }])
  return new Date(at).toISOString()
}

async function issue(deps: Deps, request: Request, org: Org, expiresAt: string | null | undefined, rotate: boolean) {
  const options = { createdBy: ADMIN, expiresAt: expiry(deps, expiresAt), rotate }
  const key = await issueTenantKey(deps, org, options, metadata(request))
  return {
    apiKey: key.apiKey,
    orgId: org.orgId,
    orgName: org.name,
    createdAt: key.createdAt,
    createdBy: ADMIN,
    expiresAt: options.expiresAt,
  }
}

export const adminRoutes = (deps: Deps) =>
  new Elysia({ name: 'routes.admin' })
    .use(adminGuard(deps))
    .post(
      '/tenants/:orgId/register',
      async ({ params, body, request, set }) => {
        const input = { orgId: params.orgId, orgName: body.orgName, ownerEmail: normalizeEmail(body.ownerEmail) }
        const handled = await registerOrg(deps, input, metadata(request))
        // Not in the docs: the same registration again is a 200 no-op; other details under a taken id, 409.
        set.status = handled.events.length > 0 ? 201 : 200
        return registered(await requireTenant(deps, params.orgId))
      },
      {
        params: t.Object({ orgId: OrgId() }),
        body: RegisterBody,
        response: { 200: Registered, 201: Registered, 409: ErrorEnvelope, ...errorResponses },
        detail: detail('Register a partner (tenant)', 'Must precede POST /api-keys. Idempotent for identical details; 409 otherwise.'),
      },
    )
    .get(
      '/tenants',
      async ({ query }) => {
        const { rows, total } = await deps.data.listTenants({ limit: query.limit ?? 100, offset: query.offset ?? 0 })
        const tenants = rows.map(({ org, apiKeyPrefix, apiKeyExpiresAt, apiKeyLastUsedAt }) => {
          const { success: _, ...tenant } = registered(org)
          const lastUsed = apiKeyLastUsedAt === null ? null : new Date(apiKeyLastUsedAt).toISOString()
          return { ...tenant, apiKeyPrefix, apiKeyExpiresAt, apiKeyLastUsedAt: lastUsed }
        })
        return { tenants, total }
      },
      {
        query: ListQuery,
        response: { 200: T.Object({ tenants: T.Array(Tenant), total: T.Integer({ minimum: 0 }) }), ...errorResponses },
        detail: detail('List partners (tenants)', 'Keys appear only as their prefix.'),
      },
    )
    .post(
      '/api-keys',
      async ({ body, request, set }) => {
        const org = await requireTenant(deps, body.orgId)
        if (body.orgName !== org.name) {
          throw new Invalid('orgName does not match the registered tenant', [{ field: 'orgName', message: `must be "${org.name}"` }])
        }
        const issued = await issue(deps, request, org, body.expiresAt, false)
        set.status = 201
        return issued
      },
      {
        body: IssueBody,
        response: { 201: IssuedKey, 409: ErrorEnvelope, ...errorResponses },
        detail: detail('Create the API key of a tenant', 'One active key per tenant: 409 if it already has one (rotate it instead).'),
      },
    )
    .post(
      '/api-keys/rotate',
      async ({ body, request, set }) => {
        const issued = await issue(deps, request, await requireTenant(deps, body.orgId), body.expiresAt, true)
        set.status = 201
        return issued
      },
      {
        body: RotateBody,
        response: { 201: IssuedKey, ...errorResponses },
        detail: detail('Rotate the API key of a tenant', 'Issues a new key and revokes the previous one in the same step.'),
      },
    )
