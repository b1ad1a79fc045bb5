// `spkey serve`: open the database, build the app, listen, and shut down cleanly on SIGTERM/SIGINT.
import { edenGC, gcAndSweep } from 'bun:jsc'
import pkg from '../package.json'
import { createApp } from './app'
import { markServing } from './backup'
import type { Config } from './config'
import { truncateWalWhenIdle } from './db/wal'
import { createDeps } from './deps'

// Collections paced by the work done. Under load the heap fills with dead request objects, and the native memory they
// hold, faster than JavaScriptCore's own schedule reclaims them: left alone, the server's peak RSS was 15-25 MB higher in
// the benchmarks. Most of that dies young: a young collection after every 40 ms of CPU the process spends (~1 ms each)
// keeps it down, and a full one with its sweep after every 2 s of CPU bounds the old generation. A full collection pauses
// the event loop for 15-20 ms and every request in flight waits it out: after every 250 ms of CPU they were the most
// frequent stall of a busy server.
const YOUNG_EVERY_CPU_MS = 40
const FULL_EVERY_CPU_MS = 2000
// A collection slower than its budget allows (a bigger heap) waits longer: each kind stays under ~3% of the CPU.
const MAX_CPU_SHARE = 0.03
const CHECK_EVERY_MS = 20

// Runs `collect` after each `everyCpuMs` of CPU time the process spends, never while it idles.
export function collectWhileBusy(everyCpuMs: number, collect: () => unknown): () => void {
  const cpuMs = () => {
    const { user, system } = process.cpuUsage()
    return (user + system) / 1000
  }
  let every = everyCpuMs
  let since = cpuMs()
  const timer = setInterval(() => {
    if (cpuMs() - since < every) return
    const started = performance.now()
    collect()
    every = Math.max(everyCpuMs, (performance.now() - started) / MAX_CPU_SHARE)
    since = cpuMs()
  }, CHECK_EVERY_MS)
  timer.unref()
  return () => clearInterval(timer)
}

export function paceCollections(): () => void {
  const stops = [collectWhileBusy(YOUNG_EVERY_CPU_MS, edenGC), collectWhileBusy(FULL_EVERY_CPU_MS, gcAndSweep)]
  return () => {
    for (const stop of stops) stop()
  }
}

export async function serve(config: Config): Promise<void> {
  const deps = createDeps(config)
  const app = createApp(deps)
  app.listen({ port: config.port, hostname: config.host, maxRequestBodySize: config.maxBodyBytes })
  deps.webhooks.start()
  const stopPacing = paceCollections()
  const stopWalTruncation = truncateWalWhenIdle(deps.db, deps.commands.writer)
  const unmark = config.databasePath === ':memory:' ? () => {} : markServing(config.databasePath)
  const url = `http://localhost:${app.server?.port ?? config.port}`
  deps.logger.info('spkey started', {
    version: pkg.version,
    url,
    port: app.server?.port,
    databasePath: config.databasePath,
    driver: config.lockDriver,
  })
  // The admin key is shown once (only its hash is stored); the hook secret goes into the identity provider's config.
  if (deps.firstStart.adminApiKey) {
    process.stderr.write(`\nFirst start: admin API key (X-Admin-API-Key), shown once:\n  ${deps.firstStart.adminApiKey}\n`)
  }
  if (deps.firstStart.signupHookSecret) {
    process.stderr.write(`Sign-up hook secret (POST /users, Authorization: Bearer):\n  ${deps.firstStart.signupHookSecret}\n\n`)
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
    stopWalTruncation()
    deps.appended.close()
    await deps.webhooks.stop()
    await app.stop(false)
    await deps.keyWorkflows.stop()
    await deps.drivers.close?.()
    deps.db.$client.close()
    unmark()
    clearTimeout(forced)
    deps.logger.info('stopped')
    process.exit(0)
  }
  process.on('SIGTERM', () => void stop('SIGTERM'))
  process.on('SIGINT', () => void stop('SIGINT'))
}
