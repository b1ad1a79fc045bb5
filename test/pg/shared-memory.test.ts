// What processes on one PostgreSQL must remember together: one outcome per Idempotency-Key, one count per rate window.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { ClaimAbandoned, PgOnce } from '../../src/db/pg/once'
import { createPgRateLimiter } from '../../src/db/pg/rate-limits'
import { DomainError, NotFound, RateLimited } from '../../src/domain/errors'
import { pgProcesses } from '../fixtures/postgres'

const db = pgProcesses()
const pool = () => db.pool()
beforeAll(() => db.setUp())
afterAll(() => db.closeAll())

const NOW = Date.parse('2026-12-05T12:00:00Z')

describe('one outcome per token across processes', () => {
  it('should do the work once for 30 repeats sent to three processes, each repeat answered with its outcome', async () => {
    const processes = [
      new PgOnce<{ opened: number }>(pool()),
      new PgOnce<{ opened: number }>(pool()),
      new PgOnce<{ opened: number }>(pool()),
    ]
    let runs = 0
    const work = async () => {
      runs++
      await Bun.sleep(100)
      return { opened: runs }
    }
    const answers = await Promise.all(Array.from({ length: 30 }, (_, i) => processes[i % 3]!.run('token-ok', NOW, work)))
    expect(runs).toBe(1)
    expect(answers).toEqual(Array(30).fill({ opened: 1 }))
  })

  it("should answer every repeat with the first request's refusal", async () => {
    const [a, b] = [new PgOnce<string>(pool()), new PgOnce<string>(pool())]
    let runs = 0
    const refused = () => {
      runs++
      return Promise.reject(new NotFound('Temporary key not found'))
    }
    await expect(a.run('token-refused', NOW, refused)).rejects.toBeInstanceOf(NotFound)
    const repeat = await b.run('token-refused', NOW, refused).catch((error) => error)
    expect(repeat).toBeInstanceOf(DomainError)
    expect([repeat.status, repeat.message]).toEqual([404, 'Temporary key not found'])
    expect(runs).toBe(1)
  })

  it('should refuse a repeat whose first request never finished (its process died)', async () => {
    const sql = pool()
    await sql`INSERT INTO once_outcomes (token, claimed_at) VALUES ('token-abandoned', ${NOW})`
    const once = new PgOnce<string>(sql, { abandonAfterMs: 200 })
    await expect(once.run('token-abandoned', NOW, async () => 'again')).rejects.toBeInstanceOf(ClaimAbandoned)
  })
})

describe('rate windows across processes', () => {
  const options = { limit: 5, windowMs: 60_000 }

  it('should let 5 of 20 attempts through wherever they land, then again once the window has passed', async () => {
    const processes = [
      createPgRateLimiter(pool(), 'test', options),
      createPgRateLimiter(pool(), 'test', options),
      createPgRateLimiter(pool(), 'test', options),
    ]
    const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => processes[i % 3]!.hit(['ip:192.0.2.1', 'lock:7'], NOW)))
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(5)
    for (const o of outcomes.filter((o) => o.status === 'rejected')) {
      const error = (o as PromiseRejectedResult).reason
      expect(error).toBeInstanceOf(RateLimited)
      expect(error.retryAfter).toBe(60)
    }
    await expect(processes[0]!.hit(['ip:192.0.2.1'], NOW + 60_000)).resolves.toBeUndefined()
  })

  it('should refuse on check without counting, and forget a key on reset', async () => {
    const limiter = createPgRateLimiter(pool(), 'test', options)
    for (let i = 0; i < 5; i++) await limiter.check(['user:ada'], NOW)
    for (let i = 0; i < 5; i++) await limiter.hit(['user:ada'], NOW)
    await expect(limiter.check(['user:ada'], NOW + 1)).rejects.toBeInstanceOf(RateLimited)
    await limiter.reset('user:ada')
    await expect(limiter.hit(['user:ada'], NOW + 2)).resolves.toBeUndefined()
  })
})
