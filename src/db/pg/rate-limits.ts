// Fixed-window attempt counters shared by every process (issue 21), with the rules of routes/rate-limit.ts: guessing
// and hammering get 429 + Retry-After however the load balancer spreads the attempts. One statement counts every key
// of an attempt.
import { RateLimited } from '../../domain/errors'
import type { Sql } from './connection'

export type SharedRateLimiter = {
  hit: (keys: string[], now: number) => Promise<void>
  check: (keys: string[], now: number) => Promise<void>
  reset: (key: string) => Promise<void>
}

export function createPgRateLimiter(sql: Sql, options: { limit: number; windowMs: number; message?: string }): SharedRateLimiter {
  const { limit, windowMs } = options
  const refuse = (waitMs: number) => {
    if (waitMs > 0) throw new RateLimited(Math.max(1, Math.ceil(waitMs / 1000)), options.message)
  }
  let sinceEviction = 0
  return {
    async hit(keys, now) {
      if (++sinceEviction >= 1000) {
        sinceEviction = 0
        await sql`DELETE FROM rate_windows WHERE window_start <= ${now - windowMs}`
      }
      const windows = await sql<{ window_start: number; count: number }[]>`
        INSERT INTO rate_windows (key, window_start, count) SELECT key, ${now}, 1 FROM unnest(${[...new Set(keys)]}::text[]) AS key
        ON CONFLICT (key) DO UPDATE SET
          window_start = CASE WHEN ${now} - rate_windows.window_start >= ${windowMs} THEN ${now} ELSE rate_windows.window_start END,
          count = CASE WHEN ${now} - rate_windows.window_start >= ${windowMs} THEN 1 ELSE rate_windows.count + 1 END
        RETURNING window_start, count`
      refuse(Math.max(0, ...windows.filter((w) => w.count > limit).map((w) => w.window_start + windowMs - now)))
    },
    async check(keys, now) {
      const windows = await sql<{ window_start: number }[]>`
        SELECT window_start FROM rate_windows
        WHERE key = ANY(${keys}::text[]) AND ${now} - window_start < ${windowMs} AND count >= ${limit}`
      refuse(Math.max(0, ...windows.map((w) => w.window_start + windowMs - now)))
    },
    async reset(key) {
      await sql`DELETE FROM rate_windows WHERE key = ${key}`
    },
  }
}
