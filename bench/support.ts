// Bench plumbing: temp databases, seeding through the real command path, child servers, load runs, RSS peaks.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Subprocess } from 'bun'
import { issueApiKey, registerOrg } from '../src/auth/tenants'
import { loadConfig } from '../src/config'
import { createDeps, type Deps } from '../src/deps'
import { lockAggregate } from '../src/domain/lock/decide'
import { lockStreamId } from '../src/domain/lock/events'
import { createLogger } from '../src/logger'
import { freePort } from '../test/fixtures/ports'

export type LoadResult = {
  requestsPerSec: number
  p50Ms: number
  p99Ms: number
  errors: number
  non2xx: number
  total: number
}

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'spkey-bench-'))
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

// Seeds through createDeps (the same command path as the server), then closes the file.
export async function seed<T>(databasePath: string, work: (deps: ReturnType<typeof createDeps>) => Promise<T>): Promise<T> {
  const deps = createDeps(loadConfig({ DATABASE_PATH: databasePath, LOG_LEVEL: 'silent' }), {
    logger: createLogger('silent'),
  })
  try {
    return await work(deps)
  } finally {
    deps.db.$client.close()
  }
}

export type Door = { lockId: number; tempKeyUuid: string }

// A door: a lock with one public, unlimited temp key valid for a day.
export async function createDoor(deps: Deps, lockId: number, orgId: string | null): Promise<Door> {
  const now = deps.clock.now()
  const lock = {
    lockId,
    index: lockId,
    uuid: crypto.randomUUID(),
    serialNumber: null,
    vendorName: null,
    name: null,
    ownerId: null,
    orgId,
    keys: [],
  }
  await deps.commands.handle(lockAggregate, lockStreamId(lockId), { type: 'CreateLock', data: lock, metadata: { now } }, {})
  const key = {
    tempKeyUuid: crypto.randomUUID(),
    accessMode: 'public' as const,
    allowedUserIds: [],
    validFrom: new Date(now - 60_000).toISOString(),
    validUntil: new Date(now + 86_400_000).toISOString(),
    maxUses: null,
    description: 'bench door',
    schedule: null,
    createdBy: 'bench',
  }
  await deps.commands.handle(lockAggregate, lockStreamId(lockId), { type: 'CreateTempKey', data: key, metadata: { now } }, {})
  return { lockId, tempKeyUuid: key.tempKeyUuid }
}

// The 'bench' organisation with its API key and `count` doors.
export async function seedDoors(deps: Deps, count: number): Promise<{ apiKey: string; doors: Door[] }> {
  await registerOrg(deps, { orgId: 'bench', orgName: 'Bench' })
  const { apiKey } = await issueApiKey(deps, 'bench', { createdBy: 'bench' })
  const doors: Door[] = []
  for (let lockId = 1; lockId <= count; lockId++) doors.push(await createDoor(deps, lockId, 'bench'))
  return { apiKey, doors }
}

export type ChildServer = { url: string; process: Subprocess; rssPeakMb: () => number; rssMb: () => number; stop: () => Promise<void> }

// A line of /proc/PID/status in MB (VmHWM: the resident-set high-water mark; VmRSS: resident now).
function statusMb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0)
  return Math.round(kb / 1024)
}

export async function startChild(args: string[], env: Record<string, string> = {}, readyPath = '/healthz'): Promise<ChildServer> {
  const port = freePort()
  const child = Bun.spawn(['bun', ...args], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', ...env },
    stdout: 'ignore',
    stderr: 'inherit',
  })
  const url = `http://127.0.0.1:${port}`
  const started = Date.now()
  for (;;) {
    try {
      if ((await fetch(url + readyPath)).ok) break
    } catch {
      // not listening yet
    }
    if (Date.now() - started > 30_000) throw new Error(`server ${args.join(' ')} did not start`)
    await Bun.sleep(20)
  }
  return {
    url,
    process: child,
    rssPeakMb: () => statusMb(child.pid, 'VmHWM'),
    rssMb: () => statusMb(child.pid, 'VmRSS'),
    stop: async () => {
      child.kill('SIGTERM')
      await child.exited
    },
  }
}

export type LoadOptions = {
  url: string
  method?: 'GET' | 'POST'
  headers?: Record<string, string>
  body?: string
  // Request paths to spread the load over (one is picked at random per request); default: the url's path.
  paths?: string[]
  connections: number
  durationSec: number
  // wrk threads (default 2, at most one per connection); two loads at once use 1 each on a 2-core host.
  threads?: number
  // A request still unanswered after this long counts as a timeout error (wrk's default: 2 s).
  timeoutSec?: number
}

// wrk (C, from Debian) drives the load: a JS load generator would steal the server's CPU on a 2-core machine.
export function ensureWrk(): void {
  if (Bun.which('wrk')) return
  const install = Bun.spawnSync(['sh', '-c', 'apt-get update -qq && apt-get install -y -qq wrk'], { stdout: 'ignore', stderr: 'inherit' })
  if (install.exitCode !== 0 || !Bun.which('wrk')) throw new Error('wrk is needed for benchmarks: apt-get install wrk')
}

const lua = (value: string) => JSON.stringify(value)

function wrkScript(options: LoadOptions): string {
  const url = new URL(options.url)
  const paths = options.paths ?? [url.pathname + url.search]
  const headers = Object.entries(options.headers ?? {}).map(([k, v]) => `wrk.headers[${lua(k)}] = ${lua(v)}`)
  return [
    `wrk.method = ${lua(options.method ?? 'GET')}`,
    ...(options.body !== undefined ? [`wrk.body = ${lua(options.body)}`] : []),
    ...headers,
    `local paths = { ${paths.map(lua).join(', ')} }`,
    'request = function() return wrk.format(nil, paths[math.random(#paths)]) end',
  ].join('\n')
}

const toMs = (value: string) => {
  const match = /([\d.]+)(us|ms|s)/.exec(value)
  if (!match) return Number.NaN
  const n = Number(match[1])
  return match[2] === 'us' ? n / 1000 : match[2] === 's' ? n * 1000 : n
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  ensureWrk()
  const { dir, cleanup } = tempDir()
  const script = `${dir}/load.lua`
  await Bun.write(script, wrkScript(options))
  const origin = new URL(options.url).origin
  const threads = Math.min(options.threads ?? 2, options.connections)
  const timeout = options.timeoutSec === undefined ? [] : ['--timeout', `${options.timeoutSec}s`]
  // Not spawnSync: a scenario may run two loads at once (a noisy neighbour).
  const run = Bun.spawn(
    [
      'wrk',
      '-t',
      String(threads),
      '-c',
      String(options.connections),
      '-d',
      `${options.durationSec}s`,
      ...timeout,
      '--latency',
      '-s',
      script,
      origin,
    ],
    { stdout: 'pipe', stderr: 'pipe' },
  )
  const out = await new Response(run.stdout).text()
  await run.exited
  cleanup()
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? 0)
  const total = Number(/(\d+) requests in/.exec(out)?.[1] ?? 0)
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)
  const errors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0
  const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0)
  return {
    requestsPerSec: Math.round(rps),
    p50Ms: toMs(/\s50%\s+(\S+)/.exec(out)?.[1] ?? ''),
    p99Ms: toMs(/\s99%\s+(\S+)/.exec(out)?.[1] ?? ''),
    errors,
    non2xx,
    total,
  }
}

const round = (value: number, digits: number) => Math.round(value * 10 ** digits) / 10 ** digits

// The mean of rounds of one load: rates averaged, p50 averaged over the rounds that had answers, the worse p99,
// errors added up.
export function merge(results: LoadResult[]): LoadResult {
  const answered = results.filter((r) => r.total > 0)
  const mean = (of: LoadResult[], pick: (r: LoadResult) => number) => of.reduce((sum, r) => sum + pick(r), 0) / Math.max(1, of.length)
  return {
    requestsPerSec: Math.round(mean(results, (r) => r.requestsPerSec)),
    p50Ms: round(
      mean(answered, (r) => r.p50Ms),
      2,
    ),
    p99Ms: Math.max(0, ...answered.map((r) => r.p99Ms)),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    non2xx: results.reduce((sum, r) => sum + r.non2xx, 0),
    total: results.reduce((sum, r) => sum + r.total, 0),
  }
}

// Small, big, big, small: a host that speeds up or slows down during the pair moves both sides alike.
export async function inTurns(small: (turn: number) => Promise<LoadResult>, big: () => Promise<LoadResult>) {
  const first = await small(0)
  const big1 = await big()
  const big2 = await big()
  const last = await small(1)
  return { small: merge([first, last]), big: merge([big1, big2]) }
}

// Waits until the server answers /healthz within 20 ms twice running: requests wrk left in flight are done.
export async function settle(server: ChildServer): Promise<void> {
  const deadline = Date.now() + 120_000
  let quick = 0
  while (quick < 2 && Date.now() < deadline) {
    const ms = (await timed(`${server.url}/healthz`, {})).ms
    quick = ms < 20 ? quick + 1 : 0
    if (quick < 2) await Bun.sleep(50)
  }
}

// One request, timed; a connection the server dropped (its idle timeout, while it was busy) is tried again.
export async function timed(url: string, init: RequestInit): Promise<{ ms: number; status: number }> {
  const started = performance.now()
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await fetch(url, { ...init, signal: AbortSignal.timeout(900_000) })
      await response.arrayBuffer()
      return { ms: round(performance.now() - started, 1), status: response.status }
    } catch (error) {
      if (attempt >= 3) throw error
    }
  }
}
