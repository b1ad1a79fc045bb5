// The dispatcher's writes and hot reads on PostgreSQL, as delivery-log.ts: attempts go to webhook_deliveries, and the
// subscription's checkpoint, failing-since and status move in the same transaction as the attempt that decides them.
// The checkpoint only ever moves by compare-and-set from the value the dispatcher built on: of two dispatchers sending
// at once (a lease that changed hands while the old leader was still sending), the second to write finds the row
// moved and leaves it, so the checkpoint never goes back and never jumps past an event nobody acknowledged; a replay
// that rewound it meanwhile wins the same way.
import { atomically, type Sql, type Tx } from '../db/pg/connection'
import { webhooks } from '../db/pg/operational'
import { keyed } from '../db/pg/rows'
import type { Attempt, Deliverable, FailurePolicy } from './delivery-log'
import type { Webhook } from './subscriptions'

export class PgDeliveryLog {
  constructor(private readonly sql: Sql | Tx) {}

  async deliverableIds(): Promise<Deliverable[]> {
    return this.sql<Deliverable[]>`SELECT id, updated_at AS "updatedAt" FROM webhooks WHERE status <> 'disabled'`
  }

  async subscription(id: string): Promise<Webhook | undefined> {
    const [row] = await this.sql<Record<string, unknown>[]>`SELECT * FROM webhooks WHERE id = ${id}`
    return row && keyed(webhooks, row)
  }

  // The retry a previous process scheduled for the event at a subscription's head, if any.
  async scheduledRetry(webhookId: string, position: number): Promise<{ attempt: number; nextAttemptAt: number } | null> {
    const [row] = await this.sql<{ attempt: number; next_attempt_at: number }[]>`
      SELECT attempt, next_attempt_at FROM webhook_deliveries
      WHERE webhook_id = ${webhookId} AND position = ${position} AND state = 'retrying' AND next_attempt_at IS NOT NULL
      ORDER BY id DESC LIMIT 1`
    return row ? { attempt: row.attempt, nextAttemptAt: row.next_attempt_at } : null
  }

  // Nothing the subscription wants up to `head`: later reads start there.
  async skipTo(webhookId: string, head: number, expected: number): Promise<void> {
    await this.sql`UPDATE webhooks SET checkpoint = ${head} WHERE id = ${webhookId} AND checkpoint = ${expected}`
  }

  // A one-off attempt (test, manual retry): recorded, the checkpoint untouched; a 2xx verifies a pending endpoint.
  async recordOneOff(attempt: Attempt): Promise<number> {
    return atomically(this.sql, async (tx) => {
      if (attempt.state === 'delivered') {
        await tx`UPDATE webhooks SET status = 'active', failing_since = NULL WHERE id = ${attempt.webhookId} AND status = 'pending'`
      }
      return insert(tx, attempt)
    })
  }

  // First-attempt 2xx answers, in one transaction.
  async acknowledge(webhookId: string, base: number, attempts: Attempt[]): Promise<void> {
    const last = attempts.at(-1)
    if (!last) return
    await atomically(this.sql, async (tx) => {
      for (const attempt of attempts) await insert(tx, attempt)
      await advance(tx, webhookId, base, last.position, true)
    })
  }

  // Records an attempt and its consequence together; answers whether the subscription got disabled.
  async settle(attempt: Attempt, checkpoint: number, failure: FailurePolicy): Promise<boolean> {
    const { webhookId, position, state, at } = attempt
    return atomically(this.sql, async (tx) => {
      await insert(tx, attempt)
      if (state === 'delivered' || state === 'dead') {
        // Earlier attempts of this event no longer wait for a retry (a first attempt has none).
        if (attempt.attempt > 1) {
          await tx`
            UPDATE webhook_deliveries SET next_attempt_at = NULL
            WHERE webhook_id = ${webhookId} AND position = ${position} AND state = 'retrying'`
        }
        await advance(tx, webhookId, checkpoint, position, state === 'delivered')
      }
      if (state === 'delivered') return false
      const [failing] = await tx<{ failing_since: number }[]>`
        UPDATE webhooks SET failing_since = coalesce(failing_since, ${at}) WHERE id = ${webhookId} RETURNING failing_since`
      const since = failing?.failing_since ?? at
      const reason = failure.gone
        ? 'the endpoint answered 410 Gone'
        : at - since >= failure.disableAfterMs
          ? `deliveries failing continuously since ${new Date(since).toISOString()}`
          : null
      if (!reason) return false
      await tx`UPDATE webhooks SET status = 'disabled', disabled_reason = ${reason}, updated_at = ${new Date(at).toISOString()} WHERE id = ${webhookId}`
      return true
    })
  }
}

// Compare-and-set on the checkpoint; a delivered event also clears failing-since and verifies a pending endpoint.
async function advance(tx: Tx, webhookId: string, expected: number, position: number, delivered: boolean): Promise<void> {
  await tx`
    UPDATE webhooks SET checkpoint = ${position},
      failing_since = CASE WHEN ${delivered}::boolean THEN NULL ELSE failing_since END,
      status = CASE WHEN ${delivered}::boolean AND status = 'pending' THEN 'active' ELSE status END
    WHERE id = ${webhookId} AND checkpoint = ${expected}`
}

// A subscription deleted while its request was in flight leaves no orphan attempt behind: 0 then.
async function insert(tx: Tx, a: Attempt): Promise<number> {
  const { statusCode, error, durationMs } = a.result
  const [row] = await tx<{ id: number }[]>`
    INSERT INTO webhook_deliveries
      (webhook_id, position, message_id, attempt, state, status_code, error, duration_ms, created_at, next_attempt_at)
    SELECT ${a.webhookId}, ${a.position}, ${a.messageId}, ${a.attempt}, ${a.state}, ${statusCode}, ${error}, ${durationMs},
      ${a.at}, ${a.nextAttemptAt}
    WHERE EXISTS (SELECT 1 FROM webhooks WHERE id = ${a.webhookId})
    RETURNING id`
  return row?.id ?? 0
}
