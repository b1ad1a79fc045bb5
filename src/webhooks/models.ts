// TypeBox shapes of the webhook and event-feed routes (validation, types and the OpenAPI document), and the
// mapping from stored rows to what partners see: never the secret (except once), never the previous secret a rotation
// keeps signing for a while, and never a static auth value.
import { Type as T } from '@sinclair/typebox'
import { type Delivery, type Health, parseEvents, type Webhook } from './subscriptions'

const EventName = T.String({
  minLength: 1,
  maxLength: 64,
  pattern: '^(\\*|[A-Za-z][A-Za-z0-9 ]*)$',
  description: 'detail-type, or * for all',
})
export const EventNames = T.Array(EventName, { minItems: 1, maxItems: 100, description: 'detail-types to receive; ["*"] = all' })
const Url = T.String({
  minLength: 1,
  maxLength: 2048,
  description:
    'Endpoint receiving POSTs (https; http when WEBHOOK_ALLOW_HTTP); loopback and private-network targets are refused unless WEBHOOK_ALLOW_PRIVATE_TARGETS',
})
const Secret = T.String({ maxLength: 200, description: 'whsec_ + base64 of 24-64 random bytes; generated when omitted' })
const Position = T.Integer({ minimum: 0, description: 'Global log position' })

export const AuthBody = T.Object(
  {
    type: T.Union([T.Literal('none'), T.Literal('apiKeyHeader'), T.Literal('bearerToken')]),
    headerName: T.Optional(T.String({ maxLength: 64 })),
    value: T.Optional(T.String({ maxLength: 2048 })),
  },
  { additionalProperties: false, description: 'Static delivery authentication, as in the docs' },
)

export const CreateBody = T.Object(
  {
    url: Url,
    events: T.Optional(EventNames),
    fromPosition: T.Optional(T.Integer({ minimum: 0, description: 'Also send older events, from this position on' })),
  },
  { additionalProperties: false },
)

export const AdminCreateBody = T.Object(
  {
    url: Url,
    events: T.Optional(EventNames),
    secret: T.Optional(Secret),
    auth: T.Optional(AuthBody),
    fromPosition: T.Optional(T.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
)

const Status = T.Union([T.Literal('active'), T.Literal('disabled')], { description: 'Re-enable or pause deliveries' })

export const PatchBody = T.Object(
  { url: T.Optional(Url), events: T.Optional(EventNames), status: T.Optional(Status) },
  { additionalProperties: false, minProperties: 1 },
)

export const AdminUpdateBody = T.Object(
  {
    url: T.Optional(Url),
    events: T.Optional(EventNames),
    secret: T.Optional(Secret),
    auth: T.Optional(AuthBody),
    status: T.Optional(Status),
  },
  { additionalProperties: false, minProperties: 1 },
)

export const ReplayBody = T.Object({ fromPosition: Position }, { additionalProperties: false })

const Iso = T.String({ description: 'ISO-8601' })
const Nullable = <S extends Parameters<typeof T.Union>[0][number]>(schema: S) => T.Union([schema, T.Null()])

export const DeliveryView = T.Object({
  id: T.Integer(),
  position: Position,
  messageId: T.String({ description: 'webhook-id header and envelope id' }),
  attempt: T.Integer({ minimum: 1 }),
  state: T.Union([T.Literal('delivered'), T.Literal('retrying'), T.Literal('dead'), T.Literal('failed')]),
  statusCode: Nullable(T.Integer()),
  error: Nullable(T.String()),
  durationMs: Nullable(T.Integer()),
  createdAt: Iso,
  nextAttemptAt: Nullable(Iso),
})

export const WebhookView = T.Object({
  id: T.String(),
  orgId: T.String(),
  url: T.String(),
  events: T.Array(T.String()),
  status: T.Union([T.Literal('active'), T.Literal('disabled'), T.Literal('pending')]),
  disabledReason: Nullable(T.String()),
  auth: T.Object({ type: T.String(), headerName: T.Optional(T.String()) }),
  checkpoint: Position,
  failingSince: Nullable(Iso),
  createdAt: Iso,
  updatedAt: Iso,
  lastDelivery: Nullable(DeliveryView),
  lastError: Nullable(DeliveryView),
  deadLetters: T.Integer({ minimum: 0 }),
})

export const Envelope = T.Object(
  {
    id: T.String(),
    source: T.Literal('spk.api'),
    'detail-type': T.String(),
    time: T.String(),
    region: T.String(),
    account: T.String(),
    version: T.Literal('0'),
    resources: T.Array(T.String()),
    detail: T.Object({
      partnerId: T.String(),
      aggregateType: T.String(),
      aggregateId: T.String(),
      version: T.Integer(),
      timestamp: T.Number({ description: 'epoch milliseconds' }),
      data: T.Record(T.String(), T.Unknown()),
    }),
  },
  { description: "The docs' EventBridge envelope" },
)

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

export function toDeliveryView(row: Delivery): typeof DeliveryView.static {
  const state = row.state === 'delivered' || row.state === 'retrying' || row.state === 'dead' ? row.state : 'failed'
  return {
    id: row.id,
    position: row.position,
    messageId: row.messageId,
    attempt: row.attempt,
    state,
    statusCode: row.statusCode,
    error: row.error,
    durationMs: row.durationMs,
    createdAt: new Date(row.createdAt).toISOString(),
    nextAttemptAt: iso(row.nextAttemptAt),
  }
}

export function toWebhookView(row: Webhook, health: Health): typeof WebhookView.static {
  const status = row.status === 'disabled' || row.status === 'pending' ? row.status : 'active'
  return {
    id: row.id,
    orgId: row.orgId,
    url: row.url,
    events: parseEvents(row.events),
    status,
    disabledReason: row.disabledReason,
    auth: row.authHeaderName ? { type: row.authType, headerName: row.authHeaderName } : { type: row.authType },
    checkpoint: row.checkpoint,
    failingSince: iso(row.failingSince),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    lastDelivery: health.lastDelivery ? toDeliveryView(health.lastDelivery) : null,
    lastError: health.lastFailure ? toDeliveryView(health.lastFailure) : null,
    deadLetters: health.deadLetters,
  }
}
