// Exactly-once per submission: the first request with a given token does the work; repeats (a double click,
// a client retry with the same Idempotency-Key) share its outcome, even while it is still in flight.
export class OnceCache<T> {
  // In insertion order, which is also the order of `at` (a clock stepping back only delays an expiry): the oldest
  // entries are at the front.
  private readonly entries = new Map<string, { at: number; outcome: Promise<T> }>()

  // Anyone can send tokens, so the memory is bounded by count as well as by age.
  constructor(
    private readonly ttlMs = 24 * 60 * 60 * 1000,
    private readonly maxEntries = 10_000,
  ) {}

  run(token: string, now: number, work: () => Promise<T>): Promise<T> {
    this.evict(now)
    const existing = this.entries.get(token)
    if (existing) return existing.outcome
    const outcome = work()
    this.entries.set(token, { at: now, outcome })
    const oldest = this.entries.keys().next().value
    if (this.entries.size > this.maxEntries && oldest !== undefined) this.entries.delete(oldest)
    return outcome
  }

  private evict(now: number): void {
    for (const [token, entry] of this.entries) {
      if (now - entry.at <= this.ttlMs) return
      this.entries.delete(token)
    }
  }
}
