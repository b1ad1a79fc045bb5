// Exactly once per submission across every process (issue 21), as OnceCache is within one: the first process to claim
// a token (a form's one-time token, an Idempotency-Key) does the work and stores its outcome; a repeat sent to any
// process waits for that outcome and shares it, success or refusal. Repeats within one process share the promise.
import { DomainError } from '../../domain/errors'
import { OnceCache } from '../../support/once'
import type { Sql } from './connection'

type Stored<T> =
  | { ok: true; value: T }
  | { ok: false; status: DomainError['status'] | 500; message: string; details?: DomainError['details'] }

export class ClaimAbandoned extends DomainError {
  constructor() {
    super(409, 'A request with this token was started and did not finish; send a new one')
  }
}

export type PgOnceOptions = { ttlMs?: number; pollMs?: number; abandonAfterMs?: number }

export class PgOnce<T> {
  private readonly local: OnceCache<T>
  private readonly ttlMs: number
  private readonly pollMs: number
  private readonly abandonAfterMs: number
  private sinceEviction = 0

  constructor(
    private readonly sql: Sql,
    options: PgOnceOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 24 * 60 * 60 * 1000
    this.pollMs = options.pollMs ?? 50
    this.abandonAfterMs = options.abandonAfterMs ?? 60_000
    this.local = new OnceCache<T>(this.ttlMs)
  }

  run(token: string, now: number, work: () => Promise<T>): Promise<T> {
    return this.local.run(token, now, () => this.claimOrWait(token, now, work))
  }

  private async claimOrWait(token: string, now: number, work: () => Promise<T>): Promise<T> {
    await this.evictNowAndThen(now)
    const claimed = await this.sql`
      INSERT INTO once_outcomes (token, claimed_at) VALUES (${token}, ${now}) ON CONFLICT (token) DO NOTHING RETURNING token`
    if (claimed.length === 0) return this.outcomeOf(token)
    let stored: Stored<T>
    try {
      stored = { ok: true, value: await work() }
    } catch (error) {
      stored =
        error instanceof DomainError
          ? { ok: false, status: error.status, message: error.message, ...(error.details ? { details: error.details } : {}) }
          : { ok: false, status: 500, message: 'The first request with this token failed' }
      await this.store(token, stored)
      throw error
    }
    await this.store(token, stored)
    return stored.value
  }

  private async store(token: string, stored: Stored<T>): Promise<void> {
    await this.sql`UPDATE once_outcomes SET outcome = ${this.sql.json(stored as never)} WHERE token = ${token}`
  }

  // Another process claimed the token: its outcome once stored; refused if it never comes (that process died).
  private async outcomeOf(token: string): Promise<T> {
    const deadline = performance.now() + this.abandonAfterMs
    for (;;) {
      const [row] = await this.sql<{ outcome: Stored<T> | null }[]>`SELECT outcome FROM once_outcomes WHERE token = ${token}`
      const stored = row?.outcome
      if (stored?.ok) return stored.value
      if (stored) throw stored.status === 500 ? new Error(stored.message) : new DomainError(stored.status, stored.message, stored.details)
      if (performance.now() > deadline) throw new ClaimAbandoned()
      await Bun.sleep(this.pollMs)
    }
  }

  private async evictNowAndThen(now: number): Promise<void> {
    if (++this.sinceEviction < 1000) return
    this.sinceEviction = 0
    await this.sql`DELETE FROM once_outcomes WHERE claimed_at < ${now - this.ttlMs}`
  }
}
