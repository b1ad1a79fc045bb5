// /orgs/{orgId}/webhooks for the org's staff and the site's administrators (session cookie): subscription health,
// recent deliveries, and a CSRF-checked replay form that rewinds a subscription's checkpoint (the same operation as POST /webhooks/{id}/replay).
import { Elysia, t } from 'elysia'
import type { Deps } from '../../deps'
import { Forbidden, Invalid, NotFound } from '../../domain/errors'
import { typeFilter } from '../../webhooks/feed'
import { type Delivery, parseEvents, type Webhook } from '../../webhooks/subscriptions'
import { type AttemptView, renderWebhooksPage, type SubscriptionView } from '../../../views/pages/webhooks'
import { CsrfField, html, pagePlugin, redirect, verifyCsrf } from './support'
import { orgWebhooksPath } from '../../../views/paths'
import { headerFor } from './common'

const BACKLOG_CAP = 10_000

const OrgParams = t.Object({ orgId: t.String({ minLength: 1, maxLength: 128 }) })

export const toAttempt = (row: Delivery, eventType: string | null = null): AttemptView => ({
  id: row.id,
  webhookId: row.webhookId,
  position: row.position,
  eventType,
  attempt: row.attempt,
  state: row.state,
  statusCode: row.statusCode,
  error: row.error,
  durationMs: row.durationMs,
  at: row.createdAt,
})

export async function subscriptionView(deps: Deps, row: Webhook): Promise<SubscriptionView> {
  const [{ lastDelivery, lastFailure, deadLetters }, backlog] = await Promise.all([
    deps.data.health(row.id),
    deps.feed.backlog(row.orgId, row.checkpoint, typeFilter(parseEvents(row.events)), BACKLOG_CAP + 1),
  ])
  const oldestDead = deadLetters > 0 ? (await deps.data.listDeliveries(row.id, { limit: 200, state: 'dead' })).at(-1) : undefined
  return {
    id: row.id,
    url: row.url,
    events: parseEvents(row.events),
    status: row.status,
    disabledReason: row.disabledReason,
    checkpoint: row.checkpoint,
    backlog: Math.min(backlog, BACKLOG_CAP),
    backlogCapped: backlog > BACKLOG_CAP,
    failingSince: row.failingSince,
    lastDelivery: lastDelivery ? toAttempt(lastDelivery) : null,
    lastFailure: lastFailure ? toAttempt(lastFailure) : null,
    deadLetters,
    replayFrom: oldestDead?.position ?? row.checkpoint + 1,
  }
}

// Signed-in staff of this org, or a site administrator (the console's webhooks overview leads here); anyone else is
// sent to sign in or refused.
async function staffOf(deps: Deps, orgId: string, userId: string) {
  const org = await deps.data.findOrg(orgId)
  if (!org) throw new NotFound('Organisation not found')
  if (!(await deps.data.staffOrgIds(userId)).includes(orgId) && !(await deps.data.isSiteAdmin(userId))) {
    throw new Forbidden('Only staff of this organisation can see its webhooks')
  }
  return { orgId, name: org.name }
}

const signIn = (request: Request) => {
  const url = new URL(request.url)
  return redirect(request, `/login?next=${encodeURIComponent(url.pathname + url.search)}`)
}

export const webhookPages = (deps: Deps) =>
  new Elysia({ name: 'pages.webhooks', prefix: '/orgs/:orgId/webhooks', detail: { hide: true } })
    .use(pagePlugin(deps))
    .get(
      '',
      async ({ params, query, request, sessionUserId, csrfToken }) => {
        if (!sessionUserId) return signIn(request)
        const org = await staffOf(deps, params.orgId, sessionUserId)
        const [{ rows }, recent, header] = await Promise.all([
          deps.data.listSubscriptions(org.orgId, { limit: 100, offset: 0 }, deps.clock.now()),
          deps.data.recentDeliveries(org.orgId, 20),
          headerFor(deps, sessionUserId),
        ])
        const attempts = recent.map((row) => toAttempt(row.delivery, row.eventType))
        const replayed = query.replayed ? rows.find((row) => row.id === query.replayed) : undefined
        const page = await renderWebhooksPage({
          org,
          csrfToken,
          ...header,
          subscriptions: await Promise.all(rows.map((row) => subscriptionView(deps, row))),
          attempts,
          notice: replayed ? `Replaying ${replayed.url} from position ${replayed.checkpoint + 1}.` : null,
        })
        return html(page)
      },
      { params: OrgParams, query: t.Object({ replayed: t.Optional(t.String({ maxLength: 64 })) }) },
    )
    .post(
      '/:id/replay',
      async ({ params, body, request, sessionUserId }) => {
        verifyCsrf(deps, request, body)
        if (!sessionUserId) return signIn(request)
        const org = await staffOf(deps, params.orgId, sessionUserId)
        const sub = await deps.data.findSubscription(org.orgId, params.id, deps.clock.now())
        if (body.fromPosition > (await deps.log.headPosition()) + 1) throw new Invalid('That position is past the end of the log')
        await deps.webhooks.replay(sub, body.fromPosition)
        return redirect(request, `${orgWebhooksPath(org.orgId)}?replayed=${encodeURIComponent(sub.id)}`)
      },
      {
        params: t.Object({ orgId: OrgParams.properties.orgId, id: t.String({ minLength: 1, maxLength: 64 }) }),
        body: t.Object({
          _csrf: CsrfField,
          fromPosition: t.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
        }),
      },
    )
