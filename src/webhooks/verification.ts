// URL verification (docs: a changed URL is "pending" until re-verified): a signed WebhookVerification challenge goes to
// the new URL at once; its 2xx activates the subscription, anything else is retried on the delivery schedule while it
// stays pending. A newer URL replaces the challenge in progress. What asks for a challenge is in the database (a
// pending row, its URL, when it changed): the running dispatcher also challenges, once, each URL changed during its run
// in another process (on PostgreSQL only the elected one runs it). Challenges themselves live in memory: a restart
// drops them, and a 2xx to a delivery or a test still verifies the subscription.
import { randomBytes } from 'node:crypto'
import type { Logger } from '../logger'
import { type Envelope, testEnvelope } from './envelope'
import type { AttemptResult } from './sender'
import type { Delivery, Webhook } from './subscriptions'

export const VERIFICATION_TYPE = 'WebhookVerification'

// The test probe's envelope marked as a verification challenge, with a random value the endpoint may echo back.
function challengeEnvelope(sub: Webhook, nowMs: number): Envelope {
  const probe = testEnvelope(sub.id, sub.orgId, nowMs)
  const challenge = randomBytes(24).toString('base64url')
  const data = { type: VERIFICATION_TYPE, webhookId: sub.id, url: sub.url, challenge, timestamp: new Date(nowMs).toISOString() }
  return { ...probe, 'detail-type': VERIFICATION_TYPE, detail: { ...probe.detail, data } }
}

// What the dispatcher lends: the row as stored now, its signed post, the one-off record of an attempt (a 2xx there
// turns pending into active), and the retry schedule.
export type ChallengeSender = {
  subscription: (id: string) => Promise<Webhook | undefined>
  post: (sub: Webhook, envelope: Envelope) => Promise<AttemptResult>
  record: (sub: Webhook, envelope: Envelope, attempt: number, result: AttemptResult) => Promise<Delivery>
  retryDelay: (attempt: number, retryAfterMs: number | null) => number | null
  now: () => number
  logger: Logger
}

// The URL it verifies, the envelope every attempt re-sends (one id, like an event's retries), the timer of its next
// attempt and the attempt in flight. Kept once it has ended, so that a URL that stays pending is not challenged again.
type Challenge = { url: string; envelope: Envelope; timer?: ReturnType<typeof setTimeout>; task?: Promise<void> }

export class UrlVerifier {
  private readonly challenges = new Map<string, Challenge>()

  constructor(private readonly sender: ChallengeSender) {}

  // A challenge of the same URL, in progress or ended, is left as it is.
  verify(sub: Webhook): void {
    const current = this.challenges.get(sub.id)
    if (current?.url === sub.url) return
    clearTimeout(current?.timer)
    const challenge: Challenge = { url: sub.url, envelope: challengeEnvelope(sub, this.sender.now()) }
    this.challenges.set(sub.id, challenge)
    this.attempt(sub.id, challenge, 1)
  }

  // Timers cleared, attempts in flight abandoned unrecorded; resolves once they have settled.
  async stop(): Promise<void> {
    const challenges = [...this.challenges.values()]
    this.challenges.clear()
    for (const challenge of challenges) clearTimeout(challenge.timer)
    await Promise.allSettled(challenges.map((challenge) => challenge.task))
  }

  private attempt(id: string, challenge: Challenge, attempt: number): void {
    challenge.timer = undefined
    challenge.task = this.send(id, challenge, attempt).catch((error: unknown) => {
      this.sender.logger.error('webhook verification challenge failed', { webhookId: id, error: String(error) })
      this.end(id, challenge)
    })
  }

  private async send(id: string, challenge: Challenge, attempt: number): Promise<void> {
    const sub = await this.sender.subscription(id)
    if (!sub) return this.end(id, challenge)
    // Replaced by a newer URL's challenge, disabled, or verified meanwhile (a delivery or a test got a 2xx).
    if (this.challenges.get(id) !== challenge || sub.url !== challenge.url || sub.status !== 'pending') return
    const result = await this.sender.post(sub, challenge.envelope)
    // Abandoned by a stop (like a delivery in flight) or replaced by a newer URL's challenge: not recorded, so an
    // old URL's 2xx cannot verify the new one.
    if (this.challenges.get(id) !== challenge) return
    const delivery = await this.sender.record(sub, challenge.envelope, attempt, result)
    // A refused target sent nothing and will not be sent to.
    const settled = delivery.state === 'delivered' || result.refused === true
    const delay = settled ? null : this.sender.retryDelay(attempt, result.retryAfterMs)
    if (delay === null || this.challenges.get(id) !== challenge) return
    challenge.timer = setTimeout(() => this.attempt(id, challenge, attempt + 1), delay)
  }

  // Forgotten when the subscription is gone, or when the challenge failed: the next look at a pending row starts over.
  private end(id: string, challenge: Challenge): void {
    if (this.challenges.get(id) === challenge) this.challenges.delete(id)
  }
}
