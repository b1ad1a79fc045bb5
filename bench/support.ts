// Bench plumbing: temp databases, seeding through the real command path, child servers, load runs, RSS peaks.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import autocannon from 'autocannon'
import type { Subprocess } from 'bun'
import { loadConfig } from '../src/config'
import { createDeps } from '../src/deps'
import { createLogger } from '../src/logger'

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

async function freePort(): Promise<number> {
  const probe = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() })
  const port = probe.port ?? 0
  probe.stop(true)
  return port
}

export type ChildServer = { url: string; process: Subprocess; rssPeakMb: () => number; stop: () => Promise<void> }

export async function startChild(args: string[], env: Record<string, string> = {}, readyPath = '/healthz'): Promise<ChildServer> {
  const port = await freePort()
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
    // VmHWM: the resident-set high-water mark of the server process.
    rssPeakMb: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8')
      const kb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0)
      return Math.round(kb / 1024)
    },
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
  body?: () => string
  path?: () => string
  connections: number
  durationSec: number
}

export async function load(options: LoadOptions): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSec,
    requests: [
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        setupRequest: (request) => ({
          ...request,
          ...(options.path ? { path: options.path() } : {}),
          ...(options.body ? { body: options.body() } : {}),
        }),
      },
    ],
  })
  return {
    requestsPerSec: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    total: result.requests.total,
  }
}
