// Fixed-window attempt counters shared by every process (issue 21), with the rules of routes/rate-limit.ts: guessing
// and hammering get 429 + Retry-After however the load balancer spreads the attempts. One statement counts every key
// of an attempt. Each limiter's keys are prefixed with its name: its windows (and their eviction, by its own window
// length) are its own.
import { RateLimited } from '../../domain/errors'
import type { RateLimiter, RateLimiters } from '../../routes/rate-limit'
import type { Sql } from './connection'

export function pgRateLimiters(sql: Sql): RateLimiters {
  return (name, options) => createPgRateLimiter(sql, name, options)
}

export function createPgRateLimiter(sql: Sql, name: string, options: { limit: number; windowMs: number; message?: string }): RateLimiter {
  const { limit, windowMs } = options
  const prefix = `${name}:`
  const named = (keys: string[]) => [...new Set(keys)].map((key) => prefix + key)
  const refuse = (waitMs: number) => {
    if (waitMs > 0) throw new RateLimited(Math.max(1, Math.ceil(waitMs / 1000)), options.message)
  }
  let sinceEviction = 0
  // Counts one attempt per key; the longest wait of a key now over its limit (0: none is).
  const count = async (keys: string[], now: number) => {
    if (++sinceEviction >= 1000) {
      sinceEviction = 0
      await sql`DELETE FROM rate_windows WHERE starts_with(key, ${prefix}) AND window_start <= ${now - windowMs}`
    }
    const windows = await sql<{ window_start: number; count: number }[]>`
      INSERT INTO rate_windows (key, window_start, count) SELECT key, ${now}, 1 FROM unnest(${named(keys)}::text[]) AS key
      ON CONFLICT (key) DO UPDATE SET
        window_start = CASE WHEN ${now} - rate_windows.window_start >= ${windowMs} THEN ${now} ELSE rate_windows.window_start END,
        count = CASE WHEN ${now} - rate_windows.window_start >= ${windowMs} THEN 1 ELSE rate_windows.count + 1 END
      RETURNING window_start, count`
    return Math.max(0, ...windows.filter((w) => w.count > limit).map((w) => w.window_start + windowMs - now))
  }
  return {
    async hit(keys, now) {
      refuse(await count(keys, now))
    },
    async note(keys, now) {
      await count(keys, now)
    },
    async check(keys, now) {
      const windows = await sql<{ window_start: number }[]>`
        SELECT window_start FROM rate_windows
        WHERE key = ANY(${named(keys)}::text[]) AND ${now} - window_start < ${windowMs} AND count >= ${limit}`
      refuse(Math.max(0, ...windows.map((w) => w.window_start + windowMs - now)))
    },
    async reset(key) {
      await sql`DELETE FROM rate_windows WHERE key = ${prefix + key}`
    },
  }
}
