// GET /metrics: per-request aggregates reach the prom-client exposition with exact counts, sums and buckets; on both
// databases, PostgreSQL adding its scale-out gauges.
import { afterEach, beforeEach, describe, expect, it } from 'bun:test'
import { Counter, Histogram, Registry } from 'prom-client'
import { createMetrics } from '../../src/metrics'
import { BACKENDS, contextOn } from '../support/context'

type Ctx = Awaited<ReturnType<typeof contextOn>>

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

const httpLines = (text: string, route?: string) =>
  text
    .split('\n')
    .filter((line) => line.includes('spkey_http_'))
    .filter((line) => route === undefined || line.includes(`route="${route}"`))

// The exposition the old per-request inc/observe produced, for the same observations.
function referenceMetrics() {
  const registry = new Registry()
  const requests = new Counter({
    name: 'spkey_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  })
  const latency = new Histogram({
    name: 'spkey_http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['method', 'route'],
    buckets: BUCKETS,
    registers: [registry],
  })
  const recordRequest = (method: string, route: string, status: number, seconds: number) => {
    requests.inc({ method, route, status })
    latency.observe({ method, route }, seconds)
  }
  return { registry, recordRequest }
}

// Each request's duration as the app hands it over; onAfterResponse runs after the response is returned.
function capture(ctx: Ctx) {
  const seen: { method: string; route: string; status: number; seconds: number }[] = []
  const record = ctx.deps.metrics.recordRequest
  ctx.deps.metrics.recordRequest = (method, route, status, seconds) => {
    seen.push({ method, route, status, seconds })
    record(method, route, status, seconds)
  }
  const settled = async (count: number) => {
    for (let i = 0; i < 1000 && seen.length < count; i++) await new Promise((resolve) => setImmediate(resolve))
    expect(seen.length).toBe(count)
  }
  return { seen, settled }
}

for (const backend of BACKENDS) {
  describe(`GET /metrics after N requests through the app (${backend})`, () => {
    // Each test counts from zero: a fresh registry, so a fresh context.
    let ctx: Ctx
    beforeEach(async () => {
      ctx = await contextOn(backend)
    })
    afterEach(() => ctx.close())

    it('should count each route and status exactly and expose the latency histogram of exactly those requests', async () => {
      const { seen, settled } = capture(ctx)

      for (let i = 0; i < 7; i++) await ctx.call('GET', '/healthz')
      await ctx.call('GET', '/readyz')
      await ctx.call('GET', '/no/such/thing')
      await ctx.call('DELETE', '/nowhere')
      await settled(10)
      const text = (await ctx.call('GET', '/metrics')).text

      expect(httpLines(text, '/healthz').filter((line) => line.startsWith('spkey_http_requests_total'))).toEqual([
        'spkey_http_requests_total{method="GET",route="/healthz",status="200"} 7',
      ])
      expect(text).toContain('spkey_http_requests_total{method="GET",route="/readyz",status="200"} 1\n')
      const healthz = seen.filter((s) => s.route === '/healthz').map((s) => s.seconds)
      expect(healthz).toHaveLength(7)
      let sum = 0
      for (const seconds of healthz) sum += seconds
      const histogram = [
        ...BUCKETS.map(
          (bound) =>
            `spkey_http_request_duration_seconds_bucket{le="${bound}",method="GET",route="/healthz"} ${healthz.filter((s) => s <= bound).length}`,
        ),
        'spkey_http_request_duration_seconds_bucket{le="+Inf",method="GET",route="/healthz"} 7',
        `spkey_http_request_duration_seconds_sum{method="GET",route="/healthz"} ${sum}`,
        'spkey_http_request_duration_seconds_count{method="GET",route="/healthz"} 7',
      ]
      expect(httpLines(text, '/healthz').filter((line) => line.startsWith('spkey_http_request_duration'))).toEqual(histogram)
      expect(text).toContain('spkey_http_request_duration_seconds_count{method="GET",route="unmatched"} 1\n')
      expect(text).toContain('spkey_http_request_duration_seconds_count{method="DELETE",route="unmatched"} 1\n')
    })

    it('should label an error reply with its own status, not 200 or 500', async () => {
      const { seen, settled } = capture(ctx)

      await ctx.call('GET', '/no/such/thing')
      await ctx.call('GET', `/users/${crypto.randomUUID()}/PhysicalKeys`)
      await ctx.call('GET', '/healthz?_callerOrgId=x')
      await settled(3)

      expect(seen.map((s) => `${s.route} ${s.status}`)).toEqual(['unmatched 404', '/users/:id/PhysicalKeys 401', 'unmatched 400'])
    })

    it('should report totals, not add them up again, on every scrape', async () => {
      const { settled } = capture(ctx)
      for (let i = 0; i < 3; i++) await ctx.call('GET', '/healthz')
      await settled(3)

      const first = (await ctx.call('GET', '/metrics')).text
      await settled(4)
      const second = (await ctx.call('GET', '/metrics')).text
      await ctx.call('GET', '/healthz')
      await settled(6)
      const third = (await ctx.call('GET', '/metrics')).text

      expect(httpLines(second, '/healthz')).toEqual(httpLines(first, '/healthz'))
      expect(second).toContain('spkey_http_requests_total{method="GET",route="/metrics",status="200"} 1\n')
      expect(third).toContain('spkey_http_requests_total{method="GET",route="/healthz",status="200"} 4\n')
      expect(third).toContain('spkey_http_request_duration_seconds_count{method="GET",route="/healthz"} 4\n')
      expect(third).toContain('spkey_http_requests_total{method="GET",route="/metrics",status="200"} 2\n')
    })

    const scaleOut = (text: string) => text.split('\n').filter((line) => /^spkey_(log_tail_lag_seconds|webhook_leader) /.test(line))

    if (backend === 'sqlite')
      it('should expose no scale-out gauges: one process per SQLite file', async () => {
        expect(scaleOut((await ctx.call('GET', '/metrics')).text)).toEqual([])
      })
    else
      it('should expose the log tail’s lag and whether this process holds the webhook lease', async () => {
        const [lag, leader] = scaleOut((await ctx.call('GET', '/metrics')).text)
        await ctx.deps.lifecycle.start()
        const leading = scaleOut((await ctx.call('GET', '/metrics')).text)
        await ctx.deps.lifecycle.stopBackground()

        expect(lag).toMatch(/^spkey_log_tail_lag_seconds \d/)
        expect(Number(lag?.split(' ')[1])).toBeLessThan(0.5)
        expect(leader).toBe('spkey_webhook_leader 0')
        expect(leading[1]).toBe('spkey_webhook_leader 1')
      })
  })
}

describe('the aggregated HTTP metrics', () => {
  it('should print exactly what per-request prom-client calls printed, bucket bounds and order included', async () => {
    const metrics = createMetrics()
    const reference = referenceMetrics()
    const values = [0, 0.0004, 0.001, 0.0010001, 0.0025, 0.004, 0.01, 0.3, 1, 2.5, 2.6, 17, 0.05, 0.0999]
    const keys: [string, string, number][] = [
      ['GET', '/healthz', 200],
      ['POST', '/users', 201],
      ['GET', 'unmatched', 404],
      ['POST', '/users', 400],
      ['GET', '/users/:id', 200],
      ['GET', '/healthz', 503],
    ]
    const feed = (rounds: number, offset: number) => {
      for (let i = 0; i < rounds; i++) {
        const [method, route, status] = keys[(i * 5 + offset) % keys.length]!
        const seconds = values[(i * 3 + offset) % values.length]!
        metrics.recordRequest(method, route, status, seconds)
        reference.recordRequest(method, route, status, seconds)
      }
    }

    expect(httpLines(await metrics.registry.metrics())).toEqual(httpLines(await reference.registry.metrics()))
    feed(5, 0)
    expect(httpLines(await metrics.registry.metrics())).toEqual(httpLines(await reference.registry.metrics()))
    feed(200, 3)
    const text = await metrics.registry.metrics()
    expect(httpLines(text)).toEqual(httpLines(await reference.registry.metrics()))
    expect(httpLines(text).length).toBeGreaterThan(40)
  })
})
