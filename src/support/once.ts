// Exactly-once per submission: the first request with a given token does the work; repeats (a double click,
// a client retry with the same Idempotency-Key) share its outcome, even while it is still in flight.
export class OnceCache<T> {
  private readonly entries = new Map<string, { at: number; outcome: Promise<T> }>()

  constructor(private readonly ttlMs = 24 * 60 * 60 * 1000) {}

  run(token: string, now: number, work: () => Promise<T>): Promise<T> {
    this.evict(now)
    const existing = this.entries.get(token)
    if (existing) return existing.outcome
    const outcome = work()
    this.entries.set(token, { at: now, outcome })
    return outcome
  }

  private evict(now: number): void {
    if (this.entries.size < 10_000) return
    for (const [token, entry] of this.entries) if (now - entry.at > this.ttlMs) this.entries.delete(token)
  }
}
