import { describe, expect, it } from 'bun:test'
import { parseDuration } from '../../src/config'
import { classify, parseRetryAfter, retryDelay } from '../../src/webhooks/policy'

describe('webhook retry policy', () => {
  it('should retry 5xx, 408, 429, redirects and no answer; give up on other 4xx; disable on 410', () => {
    expect([200, 204, 299].map(classify)).toEqual(['delivered', 'delivered', 'delivered'])
    expect([500, 502, 503, 504, 408, 429, 301, null].map(classify)).toEqual(Array(8).fill('retry'))
    expect([400, 401, 403, 404, 413, 422].map(classify)).toEqual(Array(6).fill('permanent'))
    expect(classify(410)).toBe('gone')
  })

  it('should follow the schedule with up to 20% added jitter, then stop', () => {
    const schedule = [5000, 300_000]
    expect(retryDelay(1, schedule, null, () => 0)).toBe(5000)
    expect(retryDelay(1, schedule, null, () => 0.999)).toBe(5999)
    expect(retryDelay(2, schedule, null, () => 0.5)).toBe(330_000)
    expect(retryDelay(3, schedule, null)).toBeNull()
  })

  it('should wait at least as long as Retry-After asks, capped at a day', () => {
    expect(retryDelay(1, [50], 2000, () => 0)).toBe(2000)
    expect(retryDelay(1, [5000], 1000, () => 0)).toBe(5000)
    expect(retryDelay(1, [50], 10 * 86_400_000, () => 0)).toBe(86_400_000)
  })

  it('should read Retry-After as seconds or an HTTP date', () => {
    const now = Date.parse('2026-06-01T10:00:00Z')
    expect(parseRetryAfter('120', now)).toBe(120_000)
    expect(parseRetryAfter('Mon, 01 Jun 2026 10:00:30 GMT', now)).toBe(30_000)
    expect(parseRetryAfter(null, now)).toBeNull()
    expect(parseRetryAfter('soon', now)).toBeNull()
  })

  it('should parse the configured durations', () => {
    expect(['5s', '5m', '30m', '2h', '5d', '250ms', '15000'].map(parseDuration)).toEqual([
      5000, 300_000, 1_800_000, 7_200_000, 432_000_000, 250, 15_000,
    ])
    expect(parseDuration('5 years')).toBeNull()
  })
})
