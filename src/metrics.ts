// Prometheus metrics (prom-client): requests and latency per route, events appended, driver errors; the webhook
// dispatcher adds its own lag and failure gauges to the same registry.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

export type Metrics = ReturnType<typeof createMetrics>

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

type RouteLabels = { method: string; route: string }
type StatusSeries = { labels: RouteLabels & { status: number }; count: number }
type RouteSeries = { labels: RouteLabels; count: number; sum: number; buckets: number[]; statuses: Map<number, StatusSeries> }
// prom-client's own per-label histogram entry (no public API sets bucket counts in bulk).
type HistogramEntry = { labels: object; bucketValues: Record<number, number>; sum: number; count: number }

export function createMetrics() {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })

  // Per-request accounting is a Map lookup and a few additions; prom-client only sees the totals at scrape time.
  const routes = new Map<string, RouteSeries>()
  const statusSeries: StatusSeries[] = [] // first-seen order, as prom-client would list them
  const bySeriesLabels = new Map<object, RouteSeries>()

  function recordRequest(method: string, route: string, status: number, seconds: number) {
    const key = `${method} ${route}`
    let series = routes.get(key)
    if (!series) {
      series = { labels: { method, route }, count: 0, sum: 0, buckets: LATENCY_BUCKETS.map(() => 0), statuses: new Map() }
      routes.set(key, series)
      bySeriesLabels.set(series.labels, series)
    }
    let byStatus = series.statuses.get(status)
    if (!byStatus) {
      byStatus = { labels: { method, route, status }, count: 0 }
      series.statuses.set(status, byStatus)
      statusSeries.push(byStatus)
    }
    byStatus.count++
    series.count++
    series.sum += seconds
    // Same rule as prom-client: the first bucket whose upper bound is >= the value; above the last only counts.
    let i = 0
    while (i < LATENCY_BUCKETS.length && seconds > (LATENCY_BUCKETS[i] ?? Number.POSITIVE_INFINITY)) i++
    if (i < LATENCY_BUCKETS.length) series.buckets[i] = (series.buckets[i] ?? 0) + 1
  }

  return {
    registry,
    recordRequest,
    // The two HTTP series are reloaded from recordRequest's totals at every scrape: never inc/observe them directly.
    requests: new Counter({
      name: 'spkey_http_requests_total',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
      collect() {
        this.reset()
        for (const series of statusSeries) this.inc(series.labels, series.count)
      },
    }),
    latency: new Histogram({
      name: 'spkey_http_request_duration_seconds',
      help: 'HTTP request duration by route',
      labelNames: ['method', 'route'],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
      collect() {
        this.reset()
        for (const series of routes.values()) this.zero(series.labels)
        const entries = Object.values((this as unknown as { hashMap: Record<string, HistogramEntry> }).hashMap)
        for (const entry of entries) {
          const series = bySeriesLabels.get(entry.labels)
          if (!series) continue
          LATENCY_BUCKETS.forEach((bound, i) => {
            entry.bucketValues[bound] = series.buckets[i] ?? 0
          })
          entry.sum = series.sum
          entry.count = series.count
        }
      },
    }),
    eventsAppended: new Counter({
      name: 'spkey_events_appended_total',
      help: 'Events durably appended to the log, by type',
      labelNames: ['type'],
      registers: [registry],
    }),
    driverErrors: new Counter({
      name: 'spkey_lock_driver_errors_total',
      help: 'Lock driver calls that failed, by driver',
      labelNames: ['driver'],
      registers: [registry],
    }),
  }
}

// Read-cache effectiveness, read from the cache's own counters at scrape time.
export function watchReadCache(metrics: Metrics, cache: { hits: number; misses: number }): void {
  new Counter({
    name: 'spkey_read_cache_lookups_total',
    help: 'Read-cache lookups of hot reads (inventories, guest pages, temp-key lists, API keys), by result',
    labelNames: ['result'],
    registers: [metrics.registry],
    collect() {
      this.reset()
      this.inc({ result: 'hit' }, cache.hits)
      this.inc({ result: 'miss' }, cache.misses)
    },
  })
}

// Several processes on PostgreSQL: how far behind this process's log tail is (caches stop answering past the bound),
// and whether this process holds the webhook delivery lease.
export function watchScaleOut(metrics: Metrics, tail: { lagMs(): number }, leadership: { isLeader: boolean }): void {
  new Gauge({
    name: 'spkey_log_tail_lag_seconds',
    help: "Time since this process's log tail last had every committed event (PostgreSQL)",
    registers: [metrics.registry],
    collect() {
      this.set(tail.lagMs() / 1000)
    },
  })
  new Gauge({
    name: 'spkey_webhook_leader',
    help: '1 when this process delivers webhooks (holds the lease), 0 otherwise (PostgreSQL)',
    registers: [metrics.registry],
    collect() {
      this.set(leadership.isLeader ? 1 : 0)
    },
  })
}
