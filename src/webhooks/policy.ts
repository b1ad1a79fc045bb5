// Retry policy, as pure functions: what an answer means and when to try again (Standard Webhooks / Svix-like).
export type Verdict = 'delivered' | 'retry' | 'permanent' | 'gone'

// null = no answer at all (timeout, refused connection, reset).
export function classify(statusCode: number | null): Verdict {
  if (statusCode === null) return 'retry'
  if (statusCode >= 200 && statusCode < 300) return 'delivered'
  if (statusCode === 410) return 'gone'
  if (statusCode === 408 || statusCode === 429) return 'retry'
  if (statusCode >= 400 && statusCode < 500) return 'permanent'
  // 5xx, and 1xx/3xx: redirects are not followed, so they count as a failed attempt (as Svix does).
  return 'retry'
}

// An attempt the SSRF guard stopped before sending (`refused`) is a permanent failure, like a 4xx.
export const classifyAttempt = (result: { statusCode: number | null; refused?: boolean }): Verdict =>
  result.refused ? 'permanent' : classify(result.statusCode)

const MAX_RETRY_AFTER_MS = 24 * 3_600_000

// `Retry-After` as delta-seconds or an HTTP date; null when absent or unreadable.
export function parseRetryAfter(header: string | null, nowMs: number): number | null {
  if (header === null || header.trim() === '') return null
  const trimmed = header.trim()
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000
  const date = Date.parse(trimmed)
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs)
}

// Delay before the retry that follows failed attempt number `attempt` (1 = the first try), or null when the
// schedule is exhausted. Jitter only lengthens (up to +20%) so no retry comes earlier than configured; a
// Retry-After longer than that is honoured, up to a day.
export function retryDelay(
  attempt: number,
  scheduleMs: readonly number[],
  retryAfterMs: number | null,
  random: () => number = Math.random,
): number | null {
  const base = scheduleMs[attempt - 1]
  if (base === undefined) return null
  const jittered = Math.round(base * (1 + 0.2 * random()))
  const asked = Math.min(retryAfterMs ?? 0, Math.max(MAX_RETRY_AFTER_MS, jittered))
  return Math.max(jittered, asked)
}
