// Webhook subscriptions: self-service with the partner's own X-API-Key (only its own subscriptions exist for it),
// and the docs' Admin API shapes under /tenants/{orgId}/webhooks behind X-Admin-API-Key.
import { Type as T } from '@sinclair/typebox'
import { Elysia, t } from 'elysia'
import { authPlugin } from '../auth/principal'
import type { Deps } from '../deps'
import { Invalid, NotFound } from '../domain/errors'
import { callerOrg } from '../webhooks/access'
import {
  AdminCreateBody,
  AdminUpdateBody,
  CreateBody,
  DeliveryView,
  PatchBody,
  ReplayBody,
  toDeliveryView,
  toWebhookView,
  WebhookView,
} from '../webhooks/models'
import { checkUrl, type SubscriptionChanges, type SubscriptionInput, type Webhook } from '../webhooks/subscriptions'
import { assertPublicTarget } from '../webhooks/target-guard'
import { adminGuard } from './admin'
import { errorResponses } from './models'

const WebhookParams = t.Object({ id: t.String({ minLength: 1, maxLength: 64, description: 'Webhook id' }) })
const TenantParams = t.Object({ orgId: t.String({ minLength: 1, maxLength: 128, description: 'Tenant (organisation) id' }) })
const TenantWebhookParams = t.Object({ orgId: TenantParams.properties.orgId, webhookId: WebhookParams.properties.id })
const PageQuery = t.Object(
  {
    limit: t.Optional(t.Integer({ minimum: 1, maximum: 100, default: 50 })),
    offset: t.Optional(t.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 })),
  },
  { additionalProperties: false },
)
const DeliveriesQuery = t.Object(
  {
    limit: t.Optional(t.Integer({ minimum: 1, maximum: 200, default: 50 })),
    before: t.Optional(t.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Page back: deliveries with a smaller id' })),
    state: t.Optional(t.Union([t.Literal('delivered'), t.Literal('retrying'), t.Literal('dead'), t.Literal('failed')])),
  },
  { additionalProperties: false },
)

const WebhookList = T.Object({ webhooks: T.Array(WebhookView), total: T.Integer(), limit: T.Integer(), offset: T.Integer() })
const Created = T.Composite([WebhookView, T.Object({ secret: T.String({ description: 'Shown once' }) })])
const Rotated = T.Object({
  id: T.String(),
  secret: T.String({ description: 'The new signing secret, shown once' }),
  previousSecretValidUntil: T.Union([T.String({ description: 'ISO-8601' }), T.Null()], {
    description:
      'Until when deliveries are also signed with the old secret (second signature); null when it stopped at once (WEBHOOK_SECRET_OVERLAP=0)',
  }),
})
const AdminAck = T.Object({ success: T.Literal(true), aggregateId: T.String(), version: T.Integer(), id: T.String() })
const Attempted = T.Object({ success: T.Boolean({ description: 'true when the endpoint answered 2xx' }), delivery: DeliveryView })

const security = { detail: { security: [{ ApiKeyAuth: [] }] } }

const view = async (deps: Deps, row: Webhook) => toWebhookView(row, await deps.data.health(row.id))
const find = (deps: Deps, orgId: string, id: string) => deps.data.findSubscription(orgId, id, deps.clock.now())

// The SSRF guard runs before anything is written: a refused URL answers 400 and changes nothing.
async function create(deps: Deps, orgId: string, input: SubscriptionInput) {
  await assertPublicTarget(deps.config, checkUrl(deps.config, input.url))
  const row = await deps.data.createSubscription(deps.config, orgId, input, await deps.log.headPosition(), deps.clock.now())
  deps.webhooks.wake()
  return { ...(await view(deps, row)), secret: row.secret }
}

async function update(deps: Deps, current: Webhook, changes: SubscriptionChanges) {
  if (changes.url !== undefined) await assertPublicTarget(deps.config, checkUrl(deps.config, changes.url))
  const row = await deps.data.updateSubscription(deps.config, current, changes, deps.clock.now())
  deps.webhooks.reset(row.id)
  if (row.url !== current.url) deps.webhooks.verify(row)
  return view(deps, row)
}

async function remove(deps: Deps, row: Webhook) {
  await deps.data.deleteSubscription(row.id)
  deps.webhooks.reset(row.id)
}

async function list(deps: Deps, orgId: string, query: { limit?: number; offset?: number }) {
  const page = { limit: query.limit ?? 50, offset: query.offset ?? 0 }
  const { rows, total } = await deps.data.listSubscriptions(orgId, page, deps.clock.now())
  return { webhooks: await Promise.all(rows.map((row) => view(deps, row))), total, ...page }
}

async function tenant(deps: Deps, orgId: string): Promise<string> {
  if (!(await deps.data.tenantExists(orgId))) throw new NotFound('Tenant not registered')
  return orgId
}

export const webhookRoutes = (deps: Deps) =>
  new Elysia({ name: 'routes.webhooks', prefix: '/webhooks', detail: { tags: ['Webhooks'] } })
    .use(authPlugin(deps))
    .post(
      '',
      async ({ body, principal, set }) => {
        const orgId = callerOrg(principal)
        const created = await create(deps, orgId, body)
        set.status = 201
        return created
      },
      {
        body: CreateBody,
        response: { 201: Created, ...errorResponses },
        detail: {
          ...security.detail,
          summary: 'Subscribe to events (self-service)',
          description: 'Answers the signing secret once. Starts at the current head of the log unless fromPosition is given.',
        },
      },
    )
    .get('', ({ query, principal }) => list(deps, callerOrg(principal), query), {
      query: PageQuery,
      response: { 200: WebhookList, ...errorResponses },
      detail: { ...security.detail, summary: "List the organisation's webhooks with their health" },
    })
    .get('/:id', async ({ params, principal }) => view(deps, await find(deps, callerOrg(principal), params.id)), {
      params: WebhookParams,
      response: { 200: WebhookView, ...errorResponses },
      detail: { ...security.detail, summary: 'Get one webhook with its health' },
    })
    .patch('/:id', async ({ params, body, principal }) => update(deps, await find(deps, callerOrg(principal), params.id), body), {
      params: WebhookParams,
      body: PatchBody,
      response: { 200: WebhookView, ...errorResponses },
      detail: {
        ...security.detail,
        summary: 'Change the URL, the event filter, or pause/resume',
        description:
          'A URL change sets the status to pending until the endpoint answers 2xx (to the verification challenge sent at once, a delivery or a test).',
      },
    })
    .delete(
      '/:id',
      async ({ params, principal }) => {
        await remove(deps, await find(deps, callerOrg(principal), params.id))
        return { success: true as const, id: params.id }
      },
      {
        params: WebhookParams,
        response: { 200: T.Object({ success: T.Literal(true), id: T.String() }), ...errorResponses },
        detail: { ...security.detail, summary: 'Delete a webhook and its delivery records' },
      },
    )
    .post(
      '/:id/rotate-secret',
      async ({ params, principal }) => {
        const row = await find(deps, callerOrg(principal), params.id)
        return { id: row.id, ...(await deps.data.rotateSecret(deps.config, row, deps.clock.now())) }
      },
      {
        params: WebhookParams,
        response: { 200: Rotated, ...errorResponses },
        detail: {
          ...security.detail,
          summary: 'Replace the signing secret (the old one keeps signing beside it for WEBHOOK_SECRET_OVERLAP)',
          description:
            'Answers the new secret once. Until previousSecretValidUntil, every delivery carries two signatures in webhook-signature: ' +
            "the new secret's first, the old one's second, so receivers can switch without a gap. A second rotation inside the window " +
            'keeps only the secret it replaces. With WEBHOOK_SECRET_OVERLAP=0 the old secret stops signing at once (previousSecretValidUntil null).',
        },
      },
    )
    .post(
      '/:id/test',
      async ({ params, principal }) => {
        const delivery = await deps.webhooks.sendTest(await find(deps, callerOrg(principal), params.id))
        return { success: delivery.state === 'delivered', delivery: toDeliveryView(delivery) }
      },
      {
        params: WebhookParams,
        response: { 200: Attempted, ...errorResponses },
        detail: { ...security.detail, summary: 'Send a signed WebhookTest event now and report the answer' },
      },
    )
    .get(
      '/:id/deliveries',
      async ({ params, query, principal }) => {
        const row = await find(deps, callerOrg(principal), params.id)
        const limit = query.limit ?? 50
        const deliveries = (await deps.data.listDeliveries(row.id, { ...query, limit })).map(toDeliveryView)
        const last = deliveries.at(-1)
        return { deliveries, next: deliveries.length === limit && last ? last.id : null }
      },
      {
        params: WebhookParams,
        query: DeliveriesQuery,
        response: {
          200: T.Object({ deliveries: T.Array(DeliveryView), next: T.Union([T.Integer(), T.Null()], { description: 'Pass as before=' }) }),
          ...errorResponses,
        },
        detail: { ...security.detail, summary: 'Recent delivery attempts (state=dead lists the dead letters)' },
      },
    )
    .post(
      '/:id/replay',
      async ({ params, body, principal }) => {
        const [row, head] = await Promise.all([find(deps, callerOrg(principal), params.id), deps.log.headPosition()])
        if (body.fromPosition > head + 1) throw new Invalid(`fromPosition is past the head of the log (${head})`)
        return { success: true as const, id: row.id, checkpoint: await deps.webhooks.replay(row, body.fromPosition) }
      },
      {
        params: WebhookParams,
        body: ReplayBody,
        response: { 200: T.Object({ success: T.Literal(true), id: T.String(), checkpoint: T.Integer() }), ...errorResponses },
        detail: {
          ...security.detail,
          summary: 'Re-send every event from a position on',
          description: 'Rewinds the checkpoint to fromPosition - 1; events keep their ids, so receivers can deduplicate.',
        },
      },
    )
    .post(
      '/:id/deliveries/:deliveryId/retry',
      async ({ params, principal }) => {
        const row = await find(deps, callerOrg(principal), params.id)
        const delivery = await deps.webhooks.retryDelivery(row, await deps.data.findDelivery(row.id, params.deliveryId))
        return { success: delivery.state === 'delivered', delivery: toDeliveryView(delivery) }
      },
      {
        params: t.Object({ id: WebhookParams.properties.id, deliveryId: t.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }) }),
        response: { 200: Attempted, ...errorResponses },
        detail: { ...security.detail, summary: 'Re-send one delivery (e.g. a dead letter) now' },
      },
    )

const admin = { detail: { tags: ['Admin'], security: [{ AdminApiKey: [] }] } }

export const adminWebhookRoutes = (deps: Deps) =>
  new Elysia({ name: 'routes.webhooks-admin', prefix: '/tenants/:orgId/webhooks' })
    .use(adminGuard(deps))
    .post(
      '',
      async ({ params, body, set }) => {
        const orgId = await tenant(deps, params.orgId)
        const created = await create(deps, orgId, body)
        set.status = 201
        return { success: true as const, aggregateId: orgId, version: 1, ...created }
      },
      {
        params: TenantParams,
        body: AdminCreateBody,
        response: { 201: T.Composite([AdminAck, Created]), ...errorResponses },
        detail: { ...admin.detail, summary: 'Create a webhook for a tenant (docs Admin API)' },
      },
    )
    .get('', async ({ params, query }) => list(deps, await tenant(deps, params.orgId), query), {
      params: TenantParams,
      query: PageQuery,
      response: { 200: WebhookList, ...errorResponses },
      detail: { ...admin.detail, summary: "List a tenant's webhooks (docs Admin API)" },
    })
    .put(
      '/:webhookId',
      async ({ params, body }) => {
        const orgId = await tenant(deps, params.orgId)
        const webhook = await update(deps, await find(deps, orgId, params.webhookId), body)
        return { success: true as const, aggregateId: orgId, version: 1, id: webhook.id, webhook }
      },
      {
        params: TenantWebhookParams,
        body: AdminUpdateBody,
        response: { 200: T.Composite([AdminAck, T.Object({ webhook: WebhookView })]), ...errorResponses },
        detail: {
          ...admin.detail,
          summary: 'Update url, events, secret, auth or status (docs Admin API)',
          description:
            'A new secret keeps the old one signing beside it (second signature) for WEBHOOK_SECRET_OVERLAP, as rotate-secret does.',
        },
      },
    )
    .delete(
      '/:webhookId',
      async ({ params }) => {
        const orgId = await tenant(deps, params.orgId)
        await remove(deps, await find(deps, orgId, params.webhookId))
        return { success: true as const, aggregateId: orgId, version: 1, id: params.webhookId }
      },
      {
        params: TenantWebhookParams,
        response: { 200: AdminAck, ...errorResponses },
        detail: { ...admin.detail, summary: 'Delete a webhook (docs Admin API)' },
      },
    )
