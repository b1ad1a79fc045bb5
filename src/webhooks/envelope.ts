// The docs' EventBridge envelope for one log event, so partner code written for the docs works unchanged; `id`
// is derived from the event itself, so retries, replays and the feed all carry the same id.
import { documentedPayload } from './documented-payload'

export type PartnerEvent = {
  position: number
  streamId: string
  streamVersion: number
  type: string
  data: Record<string, unknown>
  createdAt: number
}

export type Envelope = {
  id: string
  source: 'spk.api'
  'detail-type': string
  time: string
  region: string
  account: string
  version: '0'
  resources: string[]
  detail: {
    partnerId: string
    aggregateType: string
    aggregateId: string
    version: number
    timestamp: number
    data: Record<string, unknown>
  }
}

// UUID-shaped (version nibble 8: custom) so partners that store EventBridge ids in a uuid column keep working.
function stableUuid(seed: string): string {
  const hex = new Bun.CryptoHasher('sha256').update(seed).digest('hex')
  const variant = ((Number.parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}

export const messageId = (event: PartnerEvent) => stableUuid(`spkey-event:${event.streamId}:${event.streamVersion}:${event.createdAt}`)

// EventBridge writes `time` without milliseconds.
const eventBridgeTime = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z')

// "lock-42" -> ["lock", "42"]; "user-<uuid>" -> ["user", "<uuid>"].
function aggregateOf(streamId: string): [string, string] {
  const dash = streamId.indexOf('-')
  return dash < 0 ? [streamId, ''] : [streamId.slice(0, dash), streamId.slice(dash + 1)]
}

function envelope(id: string, type: string, partnerId: string, detail: Omit<Envelope['detail'], 'partnerId'>): Envelope {
  return {
    id,
    source: 'spk.api',
    'detail-type': type,
    time: eventBridgeTime(detail.timestamp),
    region: 'local',
    account: 'spkey',
    version: '0',
    resources: [],
    detail: { partnerId, ...detail },
  }
}

export function toEnvelope(event: PartnerEvent, partnerId: string): Envelope {
  const [aggregateType, aggregateId] = aggregateOf(event.streamId)
  return envelope(messageId(event), event.type, partnerId, {
    aggregateType,
    aggregateId,
    version: event.streamVersion,
    timestamp: event.createdAt,
    data: { type: event.type, ...documentedPayload(event.type, event.data) },
  })
}

// spkey's own probe (POST /webhooks/{id}/test): never in the log, a fresh id each time.
export function testEnvelope(webhookId: string, partnerId: string, nowMs: number): Envelope {
  return envelope(crypto.randomUUID(), 'WebhookTest', partnerId, {
    aggregateType: 'webhook',
    aggregateId: webhookId,
    version: 0,
    timestamp: nowMs,
    data: { type: 'WebhookTest', webhookId, timestamp: new Date(nowMs).toISOString() },
  })
}
