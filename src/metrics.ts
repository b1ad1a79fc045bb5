// Prometheus metrics (prom-client): requests and latency per route, events appended, driver errors; the webhook
// dispatcher adds its own lag and failure gauges to the same registry.
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client'

export type Metrics = ReturnType<typeof createMetrics>

export function createMetrics() {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  return {
    registry,
    requests: new Counter({
      name: 'spkey_http_requests_total',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'spkey_http_request_duration_seconds',
      help: 'HTTP request duration by route',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
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
