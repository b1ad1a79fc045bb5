// Liveness and readiness probes.
import { Elysia } from 'elysia'
import type { Deps } from '../deps'

export const healthRoutes = (deps: Deps) =>
  new Elysia({ name: 'routes.health' })
    .get('/healthz', () => ({ status: 'ok' }), { detail: { tags: ['Operations'], summary: 'Liveness probe' } })
    .get(
      '/readyz',
      async ({ set }) => {
        // Which database is left out: the body's fields mean the same on both. PostgreSQL adds its log tail's lag and
        // whether this process delivers the webhooks.
        const { database: _, ...facts } = await deps.readiness()
        const ready = facts.migrations && facts.writable
        set.status = ready ? 200 : 503
        return { status: ready ? 'ready' : 'not-ready', ...facts }
      },
      { detail: { tags: ['Operations'], summary: 'Readiness: database writable and migrations current' } },
    )
    .get(
      '/metrics',
      async ({ set }) => {
        set.headers['content-type'] = deps.metrics.registry.contentType
        return deps.metrics.registry.metrics()
      },
      { detail: { tags: ['Operations'], summary: 'Prometheus metrics' } },
    )
