// Webhook subscriptions on PostgreSQL, as subscriptions.ts: the same checks and rows (built there), stored in the
// shared database. Text is ordered by code unit (COLLATE "C"), as SQLite orders it, so pages come out the same.
import type { Config } from '../config'
import { atomically, type Sql, type Tx } from '../db/pg/connection'
import { webhookDeliveries, webhooks } from '../db/pg/operational'
import { keyed } from '../db/pg/rows'
import { NotFound } from '../domain/errors'
import { named } from '../projections/pg/named'
import {
  type Delivery,
  type DeliveryState,
  type Health,
  newSubscription,
  restartsDelivery,
  rotation,
  type SubscriptionChanges,
  type SubscriptionInput,
  subscriptionChanges,
  type Webhook,
} from './subscriptions'

type Row = Record<string, unknown>
type Page = { limit: number; offset: number }

const webhookOf = (row: Row): Webhook => keyed(webhooks, row)
const deliveryOf = (row: Row): Delivery => keyed(webhookDeliveries, row)
const iso = (ms: number) => new Date(ms).toISOString()

export async function tenantExists(sql: Sql | Tx, orgId: string): Promise<boolean> {
  const rows = await sql`SELECT 1 FROM orgs WHERE org_id = ${orgId}`
  return rows.length > 0
}

// A new subscription starts at the head of the log (no history flood) unless `fromPosition` asks for older events.
export async function createSubscription(
  sql: Sql | Tx,
  config: Config,
  orgId: string,
  input: SubscriptionInput,
  head: number,
  nowMs: number,
): Promise<Webhook> {
  const row = newSubscription(config, orgId, input, head, nowMs)
  await sql`INSERT INTO webhooks ${sql(named(webhooks, row))}`
  return row
}

async function page(sql: Sql | Tx, rows: Row[], total: { n: number }[], nowMs: number) {
  const forgotten: Webhook[] = []
  for (const row of rows) forgotten.push(await forgetExpiredSecret(sql, webhookOf(row), nowMs))
  return { rows: forgotten, total: total[0]?.n ?? 0 }
}

export async function listSubscriptions(sql: Sql | Tx, orgId: string, { limit, offset }: Page, nowMs: number) {
  const rows = await sql<Row[]>`
    SELECT * FROM webhooks WHERE org_id = ${orgId} ORDER BY created_at COLLATE "C", id COLLATE "C" LIMIT ${limit} OFFSET ${offset}`
  return page(sql, rows, await sql<{ n: number }[]>`SELECT count(*) AS n FROM webhooks WHERE org_id = ${orgId}`, nowMs)
}

// Every organisation's subscriptions (the operators' overview), by organisation, a page at a time.
export async function listAllSubscriptions(sql: Sql | Tx, { limit, offset }: Page, nowMs: number) {
  const rows = await sql<Row[]>`
    SELECT * FROM webhooks ORDER BY org_id COLLATE "C", created_at COLLATE "C", id COLLATE "C" LIMIT ${limit} OFFSET ${offset}`
  return page(sql, rows, await sql<{ n: number }[]>`SELECT count(*) AS n FROM webhooks`, nowMs)
}

// Another org's id is "not found": existence is not revealed across tenants.
export async function findSubscription(sql: Sql | Tx, orgId: string, id: string, nowMs: number): Promise<Webhook> {
  const [row] = await sql<Row[]>`SELECT * FROM webhooks WHERE id = ${id} AND org_id = ${orgId}`
  if (!row) throw new NotFound('Webhook not found')
  return forgetExpiredSecret(sql, webhookOf(row), nowMs)
}

export async function updateSubscription(
  sql: Sql | Tx,
  config: Config,
  current: Webhook,
  changes: SubscriptionChanges,
  nowMs: number,
): Promise<Webhook> {
  const set = subscriptionChanges(config, current, changes, nowMs)
  await atomically(sql, async (tx) => {
    await tx`UPDATE webhooks SET ${tx(named(webhooks, set))} WHERE id = ${current.id}`
    if (restartsDelivery(current, set)) await abandonRetries(tx, current.id)
  })
  return { ...current, ...set }
}

export async function deleteSubscription(sql: Sql | Tx, id: string): Promise<void> {
  await atomically(sql, async (tx) => {
    await tx`DELETE FROM webhook_deliveries WHERE webhook_id = ${id}`
    await tx`DELETE FROM webhooks WHERE id = ${id}`
  })
}

// A previous secret whose window has ended is deleted, not merely ignored, so no stale key material stays in the
// database: on every read and before every signature. Compare-and-set on the expiry, so a rotation in between wins.
export async function forgetExpiredSecret(sql: Sql | Tx, row: Webhook, nowMs: number): Promise<Webhook> {
  const until = row.previousSecretExpiresAt
  if (until === null || nowMs < until) return row
  await sql`
    UPDATE webhooks SET previous_secret = NULL, previous_secret_expires_at = NULL
    WHERE id = ${row.id} AND previous_secret_expires_at = ${until}`
  return { ...row, previousSecret: null, previousSecretExpiresAt: null }
}

// The same for subscriptions nobody reads or sends to (a disabled one, say): the dispatcher sweeps now and then.
export async function forgetExpiredSecrets(sql: Sql | Tx, nowMs: number): Promise<void> {
  await sql`UPDATE webhooks SET previous_secret = NULL, previous_secret_expires_at = NULL WHERE previous_secret_expires_at <= ${nowMs}`
}

// The new secret (to show once) and until when the old one still signs (null: it stopped at once).
export async function rotateSecret(sql: Sql | Tx, config: Pick<Config, 'webhookSecretOverlapMs'>, current: Webhook, nowMs: number) {
  const { set, answer } = rotation(config, current, nowMs)
  await sql`UPDATE webhooks SET ${sql(named(webhooks, set))} WHERE id = ${current.id}`
  return answer
}

// Replay: events with position >= fromPosition are sent again (same ids); pending retries are abandoned.
export async function rewind(sql: Sql | Tx, id: string, fromPosition: number, nowMs: number): Promise<number> {
  const checkpoint = Math.max(fromPosition - 1, 0)
  await atomically(sql, async (tx) => {
    await tx`UPDATE webhooks SET checkpoint = ${checkpoint}, updated_at = ${iso(nowMs)} WHERE id = ${id}`
    await abandonRetries(tx, id)
  })
  return checkpoint
}

// Retries no longer scheduled: the dispatcher, reading the subscription afresh, starts the next event at attempt 1.
async function abandonRetries(tx: Tx, id: string): Promise<void> {
  await tx`UPDATE webhook_deliveries SET next_attempt_at = NULL WHERE webhook_id = ${id} AND state = 'retrying'`
}

export async function listDeliveries(
  sql: Sql | Tx,
  webhookId: string,
  options: { limit: number; before?: number; state?: DeliveryState },
): Promise<Delivery[]> {
  const before = options.before === undefined ? sql`` : sql`AND id < ${options.before}`
  const state = options.state === undefined ? sql`` : sql`AND state = ${options.state}`
  const rows = await sql<Row[]>`
    SELECT * FROM webhook_deliveries WHERE webhook_id = ${webhookId} ${before} ${state} ORDER BY id DESC LIMIT ${options.limit}`
  return rows.map(deliveryOf)
}

export async function findDelivery(sql: Sql | Tx, webhookId: string, deliveryId: number): Promise<Delivery> {
  const [row] = await sql<Row[]>`SELECT * FROM webhook_deliveries WHERE id = ${deliveryId} AND webhook_id = ${webhookId}`
  if (!row) throw new NotFound('Delivery not found')
  return deliveryOf(row)
}

// The latest attempts across an org's subscriptions, with the event type they carried (test probes have none).
export async function recentDeliveries(sql: Sql | Tx, orgId: string, limit: number) {
  const rows = await sql<(Row & { event_type: string | null })[]>`
    SELECT d.*, e.type AS event_type FROM webhook_deliveries d
    JOIN webhooks w ON w.id = d.webhook_id
    LEFT JOIN events e ON e.position = d.position
    WHERE w.org_id = ${orgId} ORDER BY d.id DESC LIMIT ${limit}`
  return rows.map((row) => ({ delivery: deliveryOf(row), eventType: row.event_type }))
}

export async function health(sql: Sql | Tx, webhookId: string): Promise<Health> {
  const [lastDelivery] = await sql<Row[]>`SELECT * FROM webhook_deliveries WHERE webhook_id = ${webhookId} ORDER BY id DESC LIMIT 1`
  const [lastFailure] = await sql<Row[]>`
    SELECT * FROM webhook_deliveries WHERE webhook_id = ${webhookId} AND state <> 'delivered' ORDER BY id DESC LIMIT 1`
  const [dead] = await sql<{ n: number }[]>`
    SELECT count(*) AS n FROM webhook_deliveries WHERE webhook_id = ${webhookId} AND state = 'dead'`
  return {
    lastDelivery: lastDelivery ? deliveryOf(lastDelivery) : null,
    lastFailure: lastFailure ? deliveryOf(lastFailure) : null,
    deadLetters: dead?.n ?? 0,
  }
}

// Attempts are kept for a week and dead letters for a month: enough to inspect and replay, bounded on disk.
export async function pruneDeliveries(sql: Sql | Tx, nowMs: number): Promise<void> {
  const week = nowMs - 7 * 86_400_000
  const month = nowMs - 30 * 86_400_000
  await sql`
    DELETE FROM webhook_deliveries
    WHERE (state <> 'dead' AND next_attempt_at IS NULL AND created_at < ${week}) OR created_at < ${month}`
}
