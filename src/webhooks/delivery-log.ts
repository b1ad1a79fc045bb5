// The dispatcher's writes and hot reads, as prepared statements: attempts go to webhook_deliveries, and the
// subscription's checkpoint, failing-since and status move in the same transaction as the attempt that decides them.
import type { Statement } from 'bun:sqlite'
import { eq, sql } from 'drizzle-orm'
import type { Db } from '../db/connection'
import { webhooks } from '../db/schema'
import type { AttemptResult } from './sender'
import type { DeliveryState } from './subscriptions'

export type Attempt = {
  webhookId: string
  position: number
  messageId: string
  attempt: number
  state: DeliveryState
  result: AttemptResult
  at: number
  nextAttemptAt: number | null
}

// A subscription to deliver to, and when it was last changed (replayed, re-pointed, re-enabled...): the dispatcher
// compares that with what it saw before, to hear of a change made through another process.
export type Deliverable = { id: string; updatedAt: string }

// What a failed attempt does to its subscription: `gone` (410) disables at once, otherwise it is disabled once
// it has failed for `disableAfterMs` without a 2xx.
export type FailurePolicy = { gone: boolean; disableAfterMs: number }

const prepareById = (db: Db) =>
  db
    .select()
    .from(webhooks)
    .where(eq(webhooks.id, sql.placeholder('id')))
    .prepare()

export class DeliveryLog {
  private readonly q: {
    deliverable: Statement<Deliverable, []>
    insert: Statement<unknown, [string, number, string, number, string, number | null, string | null, number, number, number | null]>
    advance: Statement<unknown, [number, number, string, number]>
    settleRetries: Statement<unknown, [string, number]>
    markFailing: Statement<unknown, [number, string]>
    failingSince: Statement<{ failing_since: number | null }, [string]>
    disable: Statement<unknown, [string, string, string]>
    activate: Statement<unknown, [string]>
    resume: Statement<{ attempt: number; next_attempt_at: number }, [string, number]>
    skip: Statement<unknown, [number, string, number]>
  }
  private readonly byId: ReturnType<typeof prepareById>

  constructor(private readonly db: Db) {
    const c = db.$client
    this.byId = prepareById(db)
    this.q = {
      deliverable: c.query("SELECT id, updated_at AS updatedAt FROM webhooks WHERE status != 'disabled'"),
      // A subscription deleted while its request was in flight leaves no orphan attempt behind.
      insert: c.query(
        'INSERT INTO webhook_deliveries (webhook_id, position, message_id, attempt, state, status_code, error, duration_ms, ' +
          'created_at, next_attempt_at) SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10 WHERE EXISTS (SELECT 1 FROM webhooks WHERE id = ?1)',
      ),
      // Compare-and-set on the checkpoint: a replay that rewound it meanwhile wins.
      advance: c.query(
        'UPDATE webhooks SET checkpoint = ?1, failing_since = CASE WHEN ?2 THEN NULL ELSE failing_since END, ' +
          "status = CASE WHEN ?2 AND status = 'pending' THEN 'active' ELSE status END WHERE id = ?3 AND checkpoint = ?4",
      ),
      settleRetries: c.query(
        "UPDATE webhook_deliveries SET next_attempt_at = NULL WHERE webhook_id = ? AND position = ? AND state = 'retrying'",
      ),
      markFailing: c.query('UPDATE webhooks SET failing_since = coalesce(failing_since, ?) WHERE id = ?'),
      failingSince: c.query('SELECT failing_since FROM webhooks WHERE id = ?'),
      disable: c.query("UPDATE webhooks SET status = 'disabled', disabled_reason = ?, updated_at = ? WHERE id = ?"),
      activate: c.query("UPDATE webhooks SET status = 'active', failing_since = NULL WHERE id = ? AND status = 'pending'"),
      resume: c.query(
        'SELECT attempt, next_attempt_at FROM webhook_deliveries WHERE webhook_id = ? AND position = ? ' +
          "AND state = 'retrying' AND next_attempt_at IS NOT NULL ORDER BY id DESC LIMIT 1",
      ),
      skip: c.query('UPDATE webhooks SET checkpoint = ? WHERE id = ? AND checkpoint = ?'),
    }
  }

  deliverableIds(): Deliverable[] {
    return this.q.deliverable.all()
  }

  subscription(id: string) {
    return this.byId.get({ id })
  }

  // The retry a previous process scheduled for the event at a subscription's head, if any.
  scheduledRetry(webhookId: string, position: number): { attempt: number; nextAttemptAt: number } | null {
    const row = this.q.resume.get(webhookId, position)
    return row ? { attempt: row.attempt, nextAttemptAt: row.next_attempt_at } : null
  }

  // Nothing the subscription wants up to `head`: later reads start there.
  skipTo(webhookId: string, head: number, expected: number): void {
    this.q.skip.run(head, webhookId, expected)
  }

  // A one-off attempt (test, manual retry): recorded, the checkpoint untouched; a 2xx verifies a pending endpoint.
  recordOneOff(attempt: Attempt): number {
    if (attempt.state === 'delivered') this.q.activate.run(attempt.webhookId)
    return this.insert(attempt)
  }

  // First-attempt 2xx answers, in one transaction: one fsync for the batch.
  acknowledge(webhookId: string, base: number, attempts: Attempt[]): void {
    const last = attempts.at(-1)
    if (!last) return
    this.db.$client
      .transaction(() => {
        for (const attempt of attempts) this.insert(attempt)
        this.q.advance.run(last.position, 1, webhookId, base)
      })
      .immediate()
  }

  // Records an attempt and its consequence together; answers whether the subscription got disabled.
  settle(attempt: Attempt, checkpoint: number, failure: FailurePolicy): boolean {
    const { webhookId, position, state, at } = attempt
    let disabled = false
    this.db.$client
      .transaction(() => {
        this.insert(attempt)
        if (state === 'delivered' || state === 'dead') {
          // Earlier attempts of this event no longer wait for a retry (a first attempt has none).
          if (attempt.attempt > 1) this.q.settleRetries.run(webhookId, position)
          this.q.advance.run(position, state === 'delivered' ? 1 : 0, webhookId, checkpoint)
        }
        if (state === 'delivered') return
        this.q.markFailing.run(at, webhookId)
        const since = this.q.failingSince.get(webhookId)?.failing_since ?? at
        const reason = failure.gone
          ? 'the endpoint answered 410 Gone'
          : at - since >= failure.disableAfterMs
            ? `deliveries failing continuously since ${new Date(since).toISOString()}`
            : null
        if (reason) {
          this.q.disable.run(reason, new Date(at).toISOString(), webhookId)
          disabled = true
        }
      })
      .immediate()
    return disabled
  }

  private insert(a: Attempt): number {
    const { statusCode, error, durationMs } = a.result
    const info = this.q.insert.run(
      a.webhookId,
      a.position,
      a.messageId,
      a.attempt,
      a.state,
      statusCode,
      error,
      durationMs,
      a.at,
      a.nextAttemptAt,
    )
    return info.changes > 0 ? Number(info.lastInsertRowid) : 0
  }
}
