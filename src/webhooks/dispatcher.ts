// The webhook reactor: per subscription, events in log order from its checkpoint, at least once. The checkpoint
// moves only in the write that records a 2xx or a dead-letter decision, so a crash or restart re-sends (with the
// same webhook-id) rather than loses. Outcomes are data (webhook_deliveries); nothing escapes the loop.
import { Counter, Histogram } from 'prom-client'
import type { Clock } from '../clock'
import type { Config } from '../config'
import type { Data, Deliveries, Feed } from '../data/port'
import type { Logger } from '../logger'
import type { Metrics } from '../metrics'
import type { Attempt, Deliverable } from './delivery-log'
import { type Envelope, type PartnerEvent, messageId, testEnvelope, toEnvelope } from './envelope'
import { typeFilter } from './feed'
import { classify, classifyAttempt, retryDelay } from './policy'
import { type AttemptResult, sendEnvelope } from './sender'
import type { AppendSignal } from './signal'
import { type Delivery, type DeliveryState, parseEvents, type Webhook } from './subscriptions'
import { UrlVerifier } from './verification'

export type DispatcherDeps = {
  data: Pick<Data, 'rewind' | 'forgetExpiredSecret' | 'forgetExpiredSecrets' | 'pruneDeliveries'>
  feed: Feed
  deliveries: Deliveries
  config: Config
  clock: Clock
  logger: Logger
  metrics: Metrics
  appended: AppendSignal
}

type Backlog = { after: number; filter: string; events: PartnerEvent[]; next: number }
type Retry = { position: number; attempt: number; nextAttemptAt: number }

const BATCH = 100
// First-attempt 2xx answers are written together, at most this many or this old.
const ACK_BATCH = 100
const ACK_MAX_AGE_MS = 250
// Appends from another process (the CLI) are not signalled: look at the log at least this often.
const IDLE_POLL_MS = 1000
const ERROR_BACKOFF_MS = 5000
const PRUNE_EVERY_MS = 3_600_000

export class WebhookDispatcher {
  private readonly feed: Feed
  private readonly log: Deliveries
  private running = false
  // Aborted by stop(): what a run started (its ticks, its pumps, their requests) ends with it.
  private run = new AbortController()
  private startedAt = 0
  private stopped: Promise<void> = Promise.resolve()
  private unsubscribe: (() => void) | undefined
  private timer: ReturnType<typeof setTimeout> | undefined
  private timerAt = Number.POSITIVE_INFINITY
  private tickQueued = false
  private wakes = 0
  private lastPrune = 0
  private readonly inFlight = new Map<string, Promise<void>>()
  private readonly backlogs = new Map<string, Backlog>()
  private readonly retries = new Map<string, Retry>()
  private readonly notBefore = new Map<string, number>()
  // Subscriptions whose scheduled retry was already read back from the database in this process.
  private readonly resumed = new Set<string>()
  // Each deliverable subscription's updated_at as last read: a change made through another process, whose reset()
  // reached only that process's idle dispatcher, shows here as a new value.
  private readonly seen = new Map<string, string>()
  private readonly verifier: UrlVerifier
  private readonly deliveries: Counter<'outcome'>
  private readonly lag: Histogram

  constructor(private readonly deps: DispatcherDeps) {
    this.feed = deps.feed
    this.log = deps.deliveries
    this.deliveries = new Counter({
      name: 'spkey_webhook_deliveries_total',
      help: 'Webhook delivery attempts by outcome (delivered, retrying, dead, failed)',
      labelNames: ['outcome'],
      registers: [deps.metrics.registry],
    })
    this.lag = new Histogram({
      name: 'spkey_webhook_delivery_lag_seconds',
      help: 'From append to a 2xx from the partner',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60, 600],
      registers: [deps.metrics.registry],
    })
    this.verifier = new UrlVerifier({
      subscription: (id) => this.log.subscription(id),
      post: (sub, envelope) => this.post(sub, envelope, this.run.signal),
      record: (sub, envelope, attempt, result) => this.recordOneOff(sub, envelope, 0, attempt, result),
      retryDelay: (attempt, retryAfterMs) => retryDelay(attempt, deps.config.webhookRetryScheduleMs, retryAfterMs),
      now: deps.clock.now,
      logger: deps.logger,
    })
  }

  get isRunning(): boolean {
    return this.running
  }

  // Started by `serve` (never by createDeps): tests start it when they want deliveries. On PostgreSQL only the
  // elected process runs it, and it may be started again after a stop (deposed, then re-elected).
  start(): void {
    if (this.running) return
    this.running = true
    this.startedAt = this.deps.clock.now()
    // Another process may have led meanwhile: what is known about retries is read back from the database.
    this.backlogs.clear()
    this.retries.clear()
    this.notBefore.clear()
    this.resumed.clear()
    this.seen.clear()
    this.unsubscribe = this.deps.appended.subscribe(() => this.wake())
    this.wake()
  }

  // Requests in flight are abandoned unrecorded: after a restart they are sent again with the same id. A start()
  // before this settles begins a new run at once; the abandoned pumps still finish first. Called again (a shutdown
  // after a deposition that did not wait), it waits for the same settling.
  stop(): Promise<void> {
    if (!this.running) return this.stopped
    this.running = false
    this.unsubscribe?.()
    this.run.abort()
    this.run = new AbortController()
    clearTimeout(this.timer)
    this.timer = undefined
    this.timerAt = Number.POSITIVE_INFINITY
    this.stopped = Promise.allSettled([...this.inFlight.values(), this.verifier.stop()]).then(() => {})
    return this.stopped
  }

  wake(): void {
    this.wakes++
    if (!this.running || this.tickQueued) return
    this.tickQueued = true
    setImmediate(() => {
      this.tickQueued = false
      void this.tick()
    })
  }

  // Forget what is cached about a subscription after it was changed, replayed or deleted.
  reset(webhookId: string): void {
    this.forget(webhookId)
    this.wake()
  }

  private forget(webhookId: string): void {
    this.backlogs.delete(webhookId)
    this.retries.delete(webhookId)
    this.notBefore.delete(webhookId)
    this.resumed.delete(webhookId)
  }

  async replay(sub: Webhook, fromPosition: number): Promise<number> {
    const checkpoint = await this.deps.data.rewind(sub.id, fromPosition, this.deps.clock.now())
    this.reset(sub.id)
    return checkpoint
  }

  // One signed probe outside the log; a 2xx verifies a pending subscription.
  async sendTest(sub: Webhook): Promise<Delivery> {
    const envelope = testEnvelope(sub.id, sub.orgId, this.deps.clock.now())
    return this.oneOff(sub, envelope, 0, 1)
  }

  // A changed URL gets a signed verification challenge (verification.ts) at once if the dispatcher runs here; else the
  // one that runs finds the pending row.
  verify(sub: Webhook): void {
    if (this.running) this.verifier.verify(sub)
  }

  // Re-sends one recorded delivery now, out of band: the checkpoint and any retry schedule are left alone.
  async retryDelivery(sub: Webhook, delivery: Delivery): Promise<Delivery> {
    if (delivery.position === 0) return this.sendTest(sub)
    const event = await this.feed.event(sub.orgId, delivery.position)
    if (!event) throw new Error(`event ${delivery.position} is not routed to ${sub.orgId}`)
    return this.oneOff(sub, toEnvelope(event, sub.orgId), event.position, delivery.attempt + 1)
  }

  private async oneOff(sub: Webhook, envelope: Envelope, position: number, attemptNumber: number): Promise<Delivery> {
    return this.recordOneOff(sub, envelope, position, attemptNumber, await this.post(sub, envelope, this.run.signal))
  }

  private async recordOneOff(
    sub: Webhook,
    envelope: Envelope,
    position: number,
    attemptNumber: number,
    result: AttemptResult,
  ): Promise<Delivery> {
    const state: DeliveryState = classify(result.statusCode) === 'delivered' ? 'delivered' : 'failed'
    const attempt = this.attempt(sub.id, position, envelope.id, attemptNumber, state, result, null)
    const id = await this.log.recordOneOff(attempt)
    this.deliveries.inc({ outcome: state })
    const { statusCode, error, durationMs } = result
    return {
      id,
      webhookId: sub.id,
      position,
      messageId: envelope.id,
      attempt: attemptNumber,
      state,
      statusCode,
      error,
      durationMs,
      createdAt: attempt.at,
      nextAttemptAt: null,
    }
  }

  private attempt(
    webhookId: string,
    position: number,
    id: string,
    attempt: number,
    state: DeliveryState,
    result: AttemptResult,
    nextAttemptAt: number | null,
  ): Attempt {
    return { webhookId, position, messageId: id, attempt, state, result, at: this.deps.clock.now(), nextAttemptAt }
  }

  private async post(sub: Webhook, envelope: Envelope, abort: AbortSignal): Promise<AttemptResult> {
    const { webhookTimeoutMs: timeoutMs, webhookAllowPrivateTargets: allowPrivateTargets } = this.deps.config
    // Signing is where an expired previous secret would be used: it is deleted here rather than merely skipped.
    const current = await this.deps.data.forgetExpiredSecret(sub, this.deps.clock.now())
    return sendEnvelope(current, envelope, { timeoutMs, nowMs: this.deps.clock.now, abort, allowPrivateTargets })
  }

  private async tick(): Promise<void> {
    if (!this.running) return
    const { signal } = this.run
    const now = this.deps.clock.now()
    let due = now + IDLE_POLL_MS
    try {
      const deliverable = await this.log.deliverableIds()
      // Stopped meanwhile: nothing may be launched after stop() took stock of the pumps in flight.
      if (signal.aborted) return
      this.notice(deliverable)
      for (const { id } of deliverable) {
        if (this.inFlight.has(id)) continue
        const notBefore = this.notBefore.get(id) ?? 0
        if (notBefore > now) {
          due = Math.min(due, notBefore)
          continue
        }
        this.launch(id)
      }
      if (now - this.lastPrune >= PRUNE_EVERY_MS) {
        this.lastPrune = now
        await this.deps.data.pruneDeliveries(now)
        await this.deps.data.forgetExpiredSecrets(now)
      }
    } catch (error) {
      this.deps.logger.error('webhook dispatcher tick failed', { error: String(error) })
    }
    this.arm(due - now)
  }

  // A subscription changed since last seen is reset as the process that changed it would have done here; one deleted or
  // disabled is forgotten once its pump has ended (a pump still running may yet write what it knows).
  private notice(deliverable: readonly Deliverable[]): void {
    const current = new Set<string>()
    for (const { id, updatedAt } of deliverable) {
      current.add(id)
      if (this.seen.get(id) === updatedAt) continue
      this.seen.set(id, updatedAt)
      this.forget(id)
    }
    for (const id of this.seen.keys()) {
      if (current.has(id) || this.inFlight.has(id)) continue
      this.seen.delete(id)
      this.forget(id)
    }
  }

  private arm(delayMs: number): void {
    if (!this.running) return
    const at = Date.now() + Math.max(delayMs, 0)
    if (this.timer !== undefined && this.timerAt <= at) return
    clearTimeout(this.timer)
    this.timerAt = at
    this.timer = setTimeout(
      () => {
        this.timer = undefined
        this.timerAt = Number.POSITIVE_INFINITY
        void this.tick()
      },
      Math.max(delayMs, 0),
    )
  }

  private launch(id: string): void {
    const wakesBefore = this.wakes
    const task = this.pump(id, this.run.signal)
      .catch((error: unknown) => {
        this.deps.logger.error('webhook delivery loop failed', { webhookId: id, error: String(error) })
        this.notBefore.set(id, this.deps.clock.now() + ERROR_BACKOFF_MS)
        this.backlogs.delete(id)
        return false
      })
      .then((worked) => {
        this.inFlight.delete(id)
        // An append that arrived while this pump was finishing must not wait for the idle poll.
        if (worked || this.wakes !== wakesBefore) this.wake()
      })
    this.inFlight.set(id, task)
  }

  // Sends this subscription's events one at a time until it is caught up, waiting on a retry, or disabled.
  // First-attempt 2xx answers are written in batches (one fsync per ACK_BATCH, not per event): a crash can lose
  // only checkpoint progress, which means re-sending those events with their ids, never losing one.
  private async pump(id: string, signal: AbortSignal): Promise<boolean> {
    let worked = false
    const acks: { record: Attempt; appendedAt: number }[] = []
    // The stored checkpoint the unwritten acks build on; a replay that moves it meanwhile wins.
    let base = 0
    const flush = async () => {
      if (acks.length === 0) return
      const written = acks.splice(0)
      await this.log.acknowledge(
        id,
        base,
        written.map((ack) => ack.record),
      )
      this.deliveries.inc({ outcome: 'delivered' }, written.length)
      for (const { record, appendedAt } of written) this.lag.observe(Math.max(record.at - appendedAt, 0) / 1000)
    }
    try {
      while (!signal.aborted) {
        const stored = await this.log.subscription(id)
        if (!stored || stored.status === 'disabled') break
        // A URL changed during this run by a process where the dispatcher does not run (on PostgreSQL only the elected
        // one does) is challenged from here; one changed while none ran stays pending as before.
        if (stored.status === 'pending' && Date.parse(stored.updatedAt) >= this.startedAt) this.verifier.verify(stored)
        const lastAck = acks.at(-1)?.record
        const oldest = acks[0]?.record.at ?? 0
        if (lastAck && (stored.checkpoint !== base || acks.length >= ACK_BATCH || this.deps.clock.now() - oldest >= ACK_MAX_AGE_MS)) {
          await flush()
          continue
        }
        const sub = lastAck ? { ...stored, checkpoint: lastAck.position } : stored
        const event = await this.nextEvent(sub)
        if (!event) break
        const { attempt, nextAttemptAt } = await this.retryState(id, event.position)
        const now = this.deps.clock.now()
        if (nextAttemptAt > now) {
          this.notBefore.set(id, nextAttemptAt)
          this.arm(nextAttemptAt - now)
          break
        }
        const envelope = toEnvelope(event, sub.orgId)
        const result = await this.post(sub, envelope, signal)
        worked = true
        if (attempt === 1 && classify(result.statusCode) === 'delivered') {
          if (acks.length === 0) base = stored.checkpoint
          acks.push({ record: this.attempt(id, event.position, envelope.id, 1, 'delivered', result, null), appendedAt: event.createdAt })
          this.retries.delete(id)
          continue
        }
        if (signal.aborted) break
        // Every other outcome is decided against a written checkpoint.
        await flush()
        const current = await this.log.subscription(id)
        if (!current || !(await this.settle(current, event, attempt, result))) break
      }
    } finally {
      await flush()
    }
    return worked
  }

  private async nextEvent(sub: Webhook): Promise<PartnerEvent | null> {
    let backlog = this.backlogs.get(sub.id)
    if (backlog && (backlog.filter !== sub.events || sub.checkpoint < backlog.after)) backlog = undefined
    if (backlog) {
      while (backlog.next < backlog.events.length && (backlog.events[backlog.next]?.position ?? 0) <= sub.checkpoint) backlog.next++
      if (backlog.next < backlog.events.length) return backlog.events[backlog.next] ?? null
    }
    const head = await this.feed.head(sub.orgId)
    if (head <= sub.checkpoint) return null
    const events = await this.feed.read(sub.orgId, sub.checkpoint, BATCH, typeFilter(parseEvents(sub.events)), head)
    if (events.length === 0) await this.log.skipTo(sub.id, head, sub.checkpoint)
    this.backlogs.set(sub.id, { after: sub.checkpoint, filter: sub.events, events, next: 0 })
    return events[0] ?? null
  }

  // The attempt number and earliest time for the event at a subscription's head. Read back from the database once
  // per subscription and run (after a start or a replay); afterwards only this run schedules retries.
  private async retryState(webhookId: string, position: number): Promise<{ attempt: number; nextAttemptAt: number }> {
    const known = this.retries.get(webhookId)
    if (known?.position === position) return known
    const scheduled = this.resumed.has(webhookId) ? null : await this.log.scheduledRetry(webhookId, position)
    this.resumed.add(webhookId)
    const state = scheduled
      ? { position, attempt: scheduled.attempt + 1, nextAttemptAt: scheduled.nextAttemptAt }
      : { position, attempt: 1, nextAttemptAt: 0 }
    this.retries.set(webhookId, state)
    return state
  }

  // Records an attempt that is not a first-try 2xx and what follows from it; true = go on with the next event.
  private async settle(sub: Webhook, event: PartnerEvent, attempt: number, result: AttemptResult): Promise<boolean> {
    const verdict = classifyAttempt(result)
    const delay = verdict === 'retry' ? retryDelay(attempt, this.deps.config.webhookRetryScheduleMs, result.retryAfterMs) : null
    const state: DeliveryState =
      verdict === 'delivered' ? 'delivered' : verdict === 'gone' ? 'failed' : delay === null ? 'dead' : 'retrying'
    const now = this.deps.clock.now()
    const nextAttemptAt = delay === null ? null : now + delay
    const record = this.attempt(sub.id, event.position, messageId(event), attempt, state, result, nextAttemptAt)
    const disabled = await this.log.settle(record, sub.checkpoint, {
      gone: verdict === 'gone',
      disableAfterMs: this.deps.config.webhookDisableAfterMs,
    })
    this.deliveries.inc({ outcome: state })
    if (state === 'delivered') this.lag.observe(Math.max(now - event.createdAt, 0) / 1000)
    if (state === 'delivered' || state === 'dead') this.retries.delete(sub.id)
    if (disabled) this.deps.logger.warn('webhook disabled', { webhookId: sub.id, orgId: sub.orgId, statusCode: result.statusCode })
    if (nextAttemptAt !== null && !disabled) {
      this.retries.set(sub.id, { position: event.position, attempt: attempt + 1, nextAttemptAt })
      this.notBefore.set(sub.id, nextAttemptAt)
      this.arm(nextAttemptAt - now)
      return false
    }
    return !disabled && state !== 'failed'
  }
}
