// `spkey serve`: open the database, build the app, listen, and shut down cleanly on SIGTERM/SIGINT.
import pkg from '../package.json'
import { createApp } from './app'
import { markServing } from './backup'
import type { Config } from './config'
import { setupUrl } from './auth/site-admins'
import type { DepsOverrides } from './deps'
import { openDeps } from './deps-pg'
import { paceCollections } from './gc-pacing'

// overrides: for the test entry that serves at a fixed instant (test/support/serve-at.ts); main.ts passes none.
export async function serve(config: Config, overrides: DepsOverrides = {}): Promise<void> {
  const deps = await openDeps(config, overrides)
  const app = createApp(deps)
  app.listen({ port: config.port, hostname: config.host, maxRequestBodySize: config.maxBodyBytes })
  await deps.lifecycle.start()
  const stopPacing = paceCollections()
  const unmark = deps.backend === 'postgres' || config.databasePath === ':memory:' ? () => {} : markServing(config.databasePath)
  const url = `http://localhost:${app.server?.port ?? config.port}`
  deps.logger.info('spkey started', {
    version: pkg.version,
    url,
    port: app.server?.port,
    database: deps.backend === 'postgres' ? 'postgres' : config.databasePath,
    driver: config.lockDriver,
  })
  // The admin key is shown once (only its hash is stored); the hook secret goes into the identity provider's config.
  if (deps.firstStart.adminApiKey) {
    process.stderr.write(`\nFirst start: admin API key (X-Admin-API-Key), shown once:\n  ${deps.firstStart.adminApiKey}\n`)
  }
  if (deps.firstStart.signupHookSecret) {
    process.stderr.write(`Sign-up hook secret (POST /users, Authorization: Bearer):\n  ${deps.firstStart.signupHookSecret}\n\n`)
  }
  // Until someone has used it, each start replaces the setup link (only its hash is stored, so it cannot be shown again).
  const setupToken = await deps.data.mintSetupToken()
  if (setupToken) {
    process.stderr.write(
      `\nSet up spkey: open this one-time link to create the administrator account:\n  ${setupUrl(config.publicUrl, setupToken)}\n\n`,
    )
  }
  process.stdout.write(`spkey listening on ${url}\n`)

  let stopping = false
  const stop = async (signal: string) => {
    if (stopping) return
    stopping = true
    deps.logger.info('shutting down', { signal })
    // Bounded: in-flight requests get SHUTDOWN_GRACE_MS to finish, then the process exits regardless.
    const forced = setTimeout(() => {
      deps.logger.warn('shutdown grace period over; exiting')
      process.exit(1)
    }, config.shutdownGraceMs)
    // Live event streams end first (app.stop waits for open responses); requests to partners still in flight are
    // abandoned unrecorded and re-sent, with the same webhook-id, on the next start.
    stopPacing()
    deps.appended.close()
    await deps.lifecycle.stopBackground()
    await app.stop(false)
    await deps.keyWorkflows.stop()
    await deps.drivers.close?.()
    await deps.lifecycle.close()
    unmark()
    clearTimeout(forced)
    deps.logger.info('stopped')
    process.exit(0)
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  process.on('SIGINT', () => void stop('SIGINT'))
}
