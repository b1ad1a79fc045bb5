// Webhook subscriptions: validation, storage (operational rows, not events), org-scoped lookups, health.
import { and, count, desc, eq, lt, lte, ne, type SQL, sql } from 'drizzle-orm'
import type { Config } from '../config'
import type { Db } from '../db/connection'
import { events, orgs, webhookDeliveries, webhooks } from '../db/schema'
import { Invalid, NotFound } from '../domain/errors'
import { generateSecret, isValidSecret } from './signing'

export type Webhook = typeof webhooks.$inferSelect
export type Delivery = typeof webhookDeliveries.$inferSelect
// delivered: 2xx; retrying: failed, another attempt scheduled; dead: dead letter (exhausted or permanent 4xx),
// the checkpoint moved on; failed: a one-off attempt (test, manual retry) or one that disabled the subscription.
export type DeliveryState = 'delivered' | 'retrying' | 'dead' | 'failed'

export type AuthInput = { type: 'none' | 'apiKeyHeader' | 'bearerToken'; headerName?: string; value?: string }

export type SubscriptionInput = {
  url: string
  events?: string[]
  secret?: string
  auth?: AuthInput
  fromPosition?: number
}

export type SubscriptionChanges = {
  url?: string
  events?: string[]
  secret?: string
  auth?: AuthInput
  status?: 'active' | 'disabled'
}

// Headers a static auth header may not replace: the signature, framing and routing headers.
const RESERVED_HEADERS = /^(webhook-.*|content-type|content-length|host|user-agent|authorization|transfer-encoding|connection)$/i

export function parseEvents(json: string): string[] {
  const value: unknown = JSON.parse(json)
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : ['*']
}

export function checkUrl(config: Pick<Config, 'webhookAllowHttp'>, raw: string): string {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new Invalid('url must be an absolute http(s) URL', [{ field: 'url', message: 'not a valid URL' }])
  }
  const allowed = config.webhookAllowHttp ? ['https:', 'http:'] : ['https:']
  if (!allowed.includes(url.protocol)) {
    const message = config.webhookAllowHttp ? 'must use http or https' : 'must use https (WEBHOOK_ALLOW_HTTP is false)'
    throw new Invalid(`url ${message}`, [{ field: 'url', message }])
  }
  if (url.username || url.password) {
    throw new Invalid('url must not carry credentials; use auth instead', [{ field: 'url', message: 'credentials in URL' }])
  }
  return url.toString()
}

function checkSecret(secret: string): string {
  if (!isValidSecret(secret)) {
    throw new Invalid('secret must be "whsec_" followed by base64 of 24 to 64 random bytes; omit it to have one generated', [
      { field: 'secret', message: 'malformed webhook secret' },
    ])
  }
  return secret
}

function checkAuth(auth: AuthInput): Pick<Webhook, 'authType' | 'authHeaderName' | 'authValue'> {
  if (auth.type === 'none') return { authType: 'none', authHeaderName: null, authValue: null }
  if (!auth.value) throw new Invalid('auth.value is required', [{ field: 'auth.value', message: 'required for this auth type' }])
  if (auth.type === 'bearerToken') return { authType: 'bearerToken', authHeaderName: null, authValue: auth.value }
  const name = auth.headerName ?? ''
  if (!/^[A-Za-z0-9-]{1,64}$/.test(name) || RESERVED_HEADERS.test(name)) {
    throw new Invalid('auth.headerName must be a custom header name', [{ field: 'auth.headerName', message: 'invalid or reserved header' }])
  }
  return { authType: 'apiKeyHeader', authHeaderName: name, authValue: auth.value }
}

const iso = (ms: number) => new Date(ms).toISOString()

export const tenantExists = (db: Db, orgId: string) =>
  db.select({ orgId: orgs.orgId }).from(orgs).where(eq(orgs.orgId, orgId)).get() !== undefined

// A new subscription starts at the head of the log (no history flood) unless `fromPosition` asks for older events.
export function createSubscription(db: Db, config: Config, orgId: string, input: SubscriptionInput, head: number, nowMs: number) {
  const row = newSubscription(config, orgId, input, head, nowMs)
  db.insert(webhooks).values(row).run()
  return row
}

// The row a new subscription is stored as (also by the PostgreSQL twin), its input checked.
export function newSubscription(config: Config, orgId: string, input: SubscriptionInput, head: number, nowMs: number): Webhook {
  const secret = input.secret === undefined ? generateSecret() : checkSecret(input.secret)
  return {
    id: crypto.randomUUID(),
    orgId,
    url: checkUrl(config, input.url),
    events: JSON.stringify(input.events ?? ['*']),
    secret,
    previousSecret: null,
    previousSecretExpiresAt: null,
    ...checkAuth(input.auth ?? { type: 'none' }),
    status: 'active',
    disabledReason: null,
    checkpoint: input.fromPosition === undefined ? head : Math.min(Math.max(input.fromPosition - 1, 0), head),
    failingSince: null,
    createdAt: iso(nowMs),
    updatedAt: iso(nowMs),
  }
}

export function listSubscriptions(db: Db, orgId: string, page: { limit: number; offset: number }, nowMs: number) {
  const rows = db
    .select()
    .from(webhooks)
    .where(eq(webhooks.orgId, orgId))
    .orderBy(webhooks.createdAt, webhooks.id)
    .limit(page.limit)
    .offset(page.offset)
    .all()
    .map((row) => forgetExpiredSecret(db, row, nowMs))
  const total = db.select({ n: count() }).from(webhooks).where(eq(webhooks.orgId, orgId)).get()?.n ?? 0
  return { rows, total }
}

// Every organisation's subscriptions (the operators' overview), by organisation, a page at a time.
export function listAllSubscriptions(db: Db, page: { limit: number; offset: number }, nowMs: number) {
  const rows = db
    .select()
    .from(webhooks)
    .orderBy(webhooks.orgId, webhooks.createdAt, webhooks.id)
    .limit(page.limit)
    .offset(page.offset)
    .all()
    .map((row) => forgetExpiredSecret(db, row, nowMs))
  const total = db.select({ n: count() }).from(webhooks).get()?.n ?? 0
  return { rows, total }
}

// Another org's id is "not found": existence is not revealed across tenants.
export function findSubscription(db: Db, orgId: string, id: string, nowMs: number): Webhook {
  const row = db
    .select()
    .from(webhooks)
    .where(and(eq(webhooks.id, id), eq(webhooks.orgId, orgId)))
    .get()
  if (!row) throw new NotFound('Webhook not found')
  return forgetExpiredSecret(db, row, nowMs)
}

export function updateSubscription(db: Db, config: Config, current: Webhook, changes: SubscriptionChanges, nowMs: number): Webhook {
  const set = subscriptionChanges(config, current, changes, nowMs)
  db.$client.transaction(() => {
    db.update(webhooks).set(set).where(eq(webhooks.id, current.id)).run()
    if (restartsDelivery(current, set)) abandonRetries(db, current.id)
  })()
  return { ...current, ...set }
}

// A new URL or a re-enabled subscription is tried at once, from its first attempt: the old endpoint's retry schedule
// does not carry over (also on PostgreSQL).
export const restartsDelivery = (current: Webhook, set: Partial<Webhook>): boolean =>
  (set.url !== undefined && set.url !== current.url) || (set.status === 'active' && current.status === 'disabled')

// The columns a change sets (also on PostgreSQL), checked.
export function subscriptionChanges(config: Config, current: Webhook, changes: SubscriptionChanges, nowMs: number): Partial<Webhook> {
  const set: Partial<Webhook> = { updatedAt: iso(nowMs) }
  if (changes.url !== undefined) {
    set.url = checkUrl(config, changes.url)
    // docs: a URL change resets the status to pending until the endpoint answers 2xx (a delivery or a test).
    if (set.url !== current.url && current.status !== 'disabled') set.status = 'pending'
  }
  if (changes.events !== undefined) set.events = JSON.stringify(changes.events)
  if (changes.secret !== undefined && checkSecret(changes.secret) !== current.secret) {
    Object.assign(set, replaceSecret(current, changes.secret, config.webhookSecretOverlapMs, nowMs))
  }
  if (changes.auth !== undefined) Object.assign(set, checkAuth(changes.auth))
  if (changes.status === 'disabled') Object.assign(set, { status: 'disabled', disabledReason: 'disabled by request' })
  if (changes.status === 'active' && current.status === 'disabled') {
    Object.assign(set, { status: 'active', disabledReason: null, failingSince: null })
  }
  return set
}

export function deleteSubscription(db: Db, id: string): void {
  db.$client.transaction(() => {
    db.delete(webhookDeliveries).where(eq(webhookDeliveries.webhookId, id)).run()
    db.delete(webhooks).where(eq(webhooks.id, id)).run()
  })()
}

// The secrets a delivery at `nowMs` is signed with: the current one, then the previous one while its window lasts.
export function signingSecrets(sub: Pick<Webhook, 'secret' | 'previousSecret' | 'previousSecretExpiresAt'>, nowMs: number): string[] {
  const { secret, previousSecret, previousSecretExpiresAt } = sub
  return previousSecret !== null && previousSecretExpiresAt !== null && nowMs < previousSecretExpiresAt
    ? [secret, previousSecret]
    : [secret]
}

const noPreviousSecret = { previousSecret: null, previousSecretExpiresAt: null } satisfies Partial<Webhook>

// A previous secret whose window has ended is deleted, not merely ignored, so no stale key material stays in the
// database: on every read and before every signature. Compare-and-set on the expiry, so a rotation in between wins.
export function forgetExpiredSecret(db: Db, row: Webhook, nowMs: number): Webhook {
  const until = row.previousSecretExpiresAt
  if (until === null || nowMs < until) return row
  db.update(webhooks)
    .set(noPreviousSecret)
    .where(and(eq(webhooks.id, row.id), eq(webhooks.previousSecretExpiresAt, until)))
    .run()
  return { ...row, ...noPreviousSecret }
}

// The same for subscriptions nobody reads or sends to (a disabled one, say): the dispatcher sweeps now and then.
export function forgetExpiredSecrets(db: Db, nowMs: number): void {
  db.update(webhooks).set(noPreviousSecret).where(lte(webhooks.previousSecretExpiresAt, nowMs)).run()
}

// A new secret keeps the one it replaces signing for `overlapMs` (0 = not at all). A second rotation inside the window
// keeps only the secret being rotated out: never more than two signatures.
function replaceSecret(current: Webhook, secret: string, overlapMs: number, nowMs: number) {
  const previous = overlapMs > 0 ? { previousSecret: current.secret, previousSecretExpiresAt: nowMs + overlapMs } : noPreviousSecret
  return { secret, ...previous } satisfies Partial<Webhook>
}

// The new secret (to show once) and until when the old one still signs (null: it stopped at once).
export function rotateSecret(db: Db, config: Pick<Config, 'webhookSecretOverlapMs'>, current: Webhook, nowMs: number) {
  const { set, answer } = rotation(config, current, nowMs)
  db.update(webhooks).set(set).where(eq(webhooks.id, current.id)).run()
  return answer
}

// A rotation's columns and its answer (also on PostgreSQL).
export function rotation(config: Pick<Config, 'webhookSecretOverlapMs'>, current: Webhook, nowMs: number) {
  const set = replaceSecret(current, generateSecret(), config.webhookSecretOverlapMs, nowMs)
  const previousSecretValidUntil = set.previousSecretExpiresAt === null ? null : iso(set.previousSecretExpiresAt)
  return { set: { ...set, updatedAt: iso(nowMs) }, answer: { secret: set.secret, previousSecretValidUntil } }
}

// Replay: events with position >= fromPosition are sent again (same ids); pending retries are abandoned.
export function rewind(db: Db, id: string, fromPosition: number, nowMs: number): number {
  const checkpoint = Math.max(fromPosition - 1, 0)
  db.$client.transaction(() => {
    db.update(webhooks)
      .set({ checkpoint, updatedAt: iso(nowMs) })
      .where(eq(webhooks.id, id))
      .run()
    abandonRetries(db, id)
  })()
  return checkpoint
}

// Retries no longer scheduled: the dispatcher, reading the subscription afresh, starts the next event at attempt 1.
function abandonRetries(db: Db, id: string): void {
  db.update(webhookDeliveries)
    .set({ nextAttemptAt: null })
    .where(and(eq(webhookDeliveries.webhookId, id), eq(webhookDeliveries.state, 'retrying')))
    .run()
}

export function listDeliveries(db: Db, webhookId: string, options: { limit: number; before?: number; state?: DeliveryState }) {
  const conditions = [eq(webhookDeliveries.webhookId, webhookId)]
  if (options.before !== undefined) conditions.push(lt(webhookDeliveries.id, options.before))
  if (options.state !== undefined) conditions.push(eq(webhookDeliveries.state, options.state))
  return db
    .select()
    .from(webhookDeliveries)
    .where(and(...conditions))
    .orderBy(desc(webhookDeliveries.id))
    .limit(options.limit)
    .all()
}

export function findDelivery(db: Db, webhookId: string, deliveryId: number): Delivery {
  const row = db
    .select()
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.webhookId, webhookId)))
    .get()
  if (!row) throw new NotFound('Delivery not found')
  return row
}

// The latest attempts across an org's subscriptions, with the event type they carried (test probes have none).
export function recentDeliveries(db: Db, orgId: string, limit: number) {
  return db
    .select({ delivery: webhookDeliveries, eventType: events.type })
    .from(webhookDeliveries)
    .innerJoin(webhooks, eq(webhooks.id, webhookDeliveries.webhookId))
    .leftJoin(events, eq(events.position, webhookDeliveries.position))
    .where(eq(webhooks.orgId, orgId))
    .orderBy(desc(webhookDeliveries.id))
    .limit(limit)
    .all()
}

export type Health = { lastDelivery: Delivery | null; lastFailure: Delivery | null; deadLetters: number }

export function health(db: Db, webhookId: string): Health {
  const latest = (extra?: SQL) =>
    db
      .select()
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.webhookId, webhookId), extra))
      .orderBy(desc(webhookDeliveries.id))
      .limit(1)
      .get() ?? null
  const dead = db
    .select({ n: count() })
    .from(webhookDeliveries)
    .where(and(eq(webhookDeliveries.webhookId, webhookId), eq(webhookDeliveries.state, 'dead')))
    .get()
  return { lastDelivery: latest(), lastFailure: latest(ne(webhookDeliveries.state, 'delivered')), deadLetters: dead?.n ?? 0 }
}

// Attempts are kept for a week and dead letters for a month: enough to inspect and replay, bounded on disk.
export function pruneDeliveries(db: Db, nowMs: number): void {
  const week = nowMs - 7 * 86_400_000
  const month = nowMs - 30 * 86_400_000
  db.delete(webhookDeliveries)
    .where(
      sql`(${webhookDeliveries.state} != 'dead' AND ${webhookDeliveries.nextAttemptAt} IS NULL AND ${webhookDeliveries.createdAt} < ${week}) OR ${webhookDeliveries.createdAt} < ${month}`,
    )
    .run()
}
