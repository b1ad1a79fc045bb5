// Liveness and readiness probes.
import { Elysia } from 'elysia'
import { migrationsCurrent } from '../db/connection'
import type { Deps } from '../deps'

export const healthRoutes = (deps: Deps) =>
  new Elysia({ name: 'routes.health' })
    .get('/healthz', () => ({ status: 'ok' }), { detail: { tags: ['Operations'], summary: 'Liveness probe' } })
    .get(
      '/readyz',
      ({ set }) => {
        const migrations = migrationsCurrent(deps.db)
        let writable = true
        try {
          deps.db.$client.exec('BEGIN IMMEDIATE; ROLLBACK')
        } catch {
          writable = false
        }
        const ready = migrations && writable
        set.status = ready ? 200 : 503
        return { status: ready ? 'ready' : 'not-ready', migrations, writable }
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
