// Fixed-window counters: guessing and hammering get 429 + Retry-After. In memory when one process serves the site
// (SQLite); in the database when several do (PostgreSQL, src/db/pg/rate-limits.ts), so the load balancer's spread
// adds nothing to anyone's budget.
import { RateLimited } from '../domain/errors'

export type RateLimiter = {
  // Counts one attempt for each key; rejects with RateLimited when any of them is over its limit.
  hit: (keys: string[], now: number) => Promise<void>
  // Rejects with RateLimited when any key has already used up its window, without counting: lets a caller count only
  // failures (sign-in) yet refuse every attempt, right or wrong, once the limit is reached.
  check: (keys: string[], now: number) => Promise<void>
  // Counts one attempt for each key without refusing this one: the next check refuses once a limit is reached.
  note: (keys: string[], now: number) => Promise<void>
  reset: (key: string) => Promise<void>
}

export type RateLimitOptions = { limit: number; windowMs: number; message?: string }

// A limiter per use, by a name unique among them (its windows are its own wherever they are kept).
export type RateLimiters = (name: string, options: RateLimitOptions) => RateLimiter

export const memoryRateLimiters: RateLimiters = (_name, options) => createRateLimiter(options)

export function createRateLimiter(options: RateLimitOptions): RateLimiter {
  const windows = new Map<string, { start: number; count: number }>()
  const usedUpForMs = (keys: string[], now: number) => {
    let wait = 0
    for (const key of keys) {
      const window = windows.get(key)
      if (window && now - window.start < options.windowMs && window.count >= options.limit) {
        wait = Math.max(wait, window.start + options.windowMs - now)
      }
    }
    return wait
  }
  // Counts one attempt per key; the longest wait of a key now over its limit (0: none is).
  const count = (keys: string[], now: number) => {
    if (windows.size > 100_000) {
      for (const [key, window] of windows) if (now - window.start >= options.windowMs) windows.delete(key)
    }
    let retryAfterMs = 0
    for (const key of new Set(keys)) {
      const current = windows.get(key)
      const window = current && now - current.start < options.windowMs ? current : { start: now, count: 0 }
      window.count++
      windows.set(key, window)
      if (window.count > options.limit) retryAfterMs = Math.max(retryAfterMs, window.start + options.windowMs - now)
    }
    return retryAfterMs
  }
  return {
    async hit(keys, now) {
      const retryAfterMs = count(keys, now)
      if (retryAfterMs > 0) throw new RateLimited(Math.max(1, Math.ceil(retryAfterMs / 1000)), options.message)
    },
    async note(keys, now) {
      count(keys, now)
    },
    async check(keys, now) {
      const wait = usedUpForMs(keys, now)
      if (wait > 0) throw new RateLimited(Math.max(1, Math.ceil(wait / 1000)), options.message)
    },
    async reset(key) {
      windows.delete(key)
    },
  }
}

// The client address as the server saw it. Behind `trustedHops` proxies it is the X-Forwarded-For entry the outermost
// one appended: entries left of that are whatever the client sent (nginx's proxy_add_x_forwarded_for keeps them).
export function clientIp(
  server: { requestIP: (request: Request) => { address: string } | null } | null,
  request: Request,
  trustedHops: number,
): string {
  if (trustedHops > 0) {
    const entries = request.headers.get('x-forwarded-for')?.split(',') ?? []
    const forwarded = entries[Math.max(0, entries.length - trustedHops)]?.trim()
    if (forwarded) return forwarded
  }
  return server?.requestIP(request)?.address ?? 'unknown'
}

// The guest opens' limits, per client address and per key: one pair per app (app.ts), shared by every open address
// (a single key's, a collective key's doors at /temp-keys and /collective-temp-keys), so no address adds to the budget.
export type OpenLimits = (request: Request, server: Parameters<typeof clientIp>[0], uuid: string, now: number) => Promise<void>

export function openLimits(
  config: { openRateLimitPerIp: number; openRateLimitPerKey: number; trustedProxyHops: number },
  limiters: RateLimiters,
): OpenLimits {
  const perIp = limiters('opens-per-ip', {
    limit: config.openRateLimitPerIp,
    windowMs: 60_000,
    message: 'Too many open attempts from this address; wait a minute',
  })
  const perKey = limiters('opens-per-key', {
    limit: config.openRateLimitPerKey,
    windowMs: 60_000,
    message: 'Too many open attempts for this key; wait a minute',
  })
  return async (request, server, uuid, now) => {
    if (config.openRateLimitPerIp > 0) await perIp.hit([`ip:${clientIp(server, request, config.trustedProxyHops)}`], now)
    if (config.openRateLimitPerKey > 0) await perKey.hit([`key:${uuid}`], now)
  }
}
