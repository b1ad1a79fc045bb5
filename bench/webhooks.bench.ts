// `bun bench/webhooks.bench.ts [--server] [--backlog EVENTS] [--rate OPENS_PER_S] [--seconds S] [--subscriptions K]`
// Webhook fan-out to a local receiver (a child process, so it never shares the dispatcher's event loop):
// (1) drain rate: events/s from a backlog present at start to the last 2xx;
// (2) lag from append to delivery (receiver clock minus the event's append time) under a steady load of opens,
//     each one LockOpenRequested + TempKeyUsed.
// Default: writer and dispatcher in this process, opens through the command path. --server: the real server
// (`bun src/main.ts serve`) with opens over HTTP (POST /temp-keys/{uuid}/open), so HTTP handling shares its loop too.
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { loadConfig } from '../src/config'
import { createDeps, type Deps } from '../src/deps'
import { lockAggregate } from '../src/domain/lock/decide'
import { lockStreamId } from '../src/domain/lock/events'
import { createLogger } from '../src/logger'
import { createSubscription } from '../src/webhooks/subscriptions'
import { type Door, seedDoors, startChild, tempDir } from './support'

const { values } = parseArgs({
  options: {
    server: { type: 'boolean', default: false },
    backlog: { type: 'string', default: '10000' },
    rate: { type: 'string', default: '200' },
    seconds: { type: 'string', default: '10' },
    subscriptions: { type: 'string', default: '1' },
  },
})
const BACKLOG_OPENS = Math.ceil(Number(values.backlog) / 2)
const RATE = Number(values.rate)
const SECONDS = Number(values.seconds)
const SUBSCRIPTIONS = Number(values.subscriptions)
const LOCKS = 16

const RECEIVER = `
const lags = []
let count = 0
const server = Bun.serve({ port: 0, hostname: '127.0.0.1', async fetch(request) {
  const url = new URL(request.url)
  if (url.pathname === '/count') return Response.json({ count })
  if (url.pathname === '/stats') {
    const sorted = [...lags].sort((a, b) => a - b)
    const at = (q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0
    const body = { count, p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? 0 }
    lags.length = 0
    count = 0
    return Response.json(body)
  }
  const envelope = await request.json()
  lags.push(Date.now() - envelope.detail.timestamp)
  count++
  return new Response('ok')
} })
console.log(server.port)
`

type Stats = { count: number; p50: number; p99: number; max: number }

async function startReceiver() {
  const child = Bun.spawn([process.execPath, '-e', RECEIVER], { stdout: 'pipe', stderr: 'inherit' })
  const { value } = await child.stdout.getReader().read()
  const base = `http://127.0.0.1:${Number(new TextDecoder().decode(value).trim())}`
  const count = async () => ((await (await fetch(`${base}/count`)).json()) as { count: number }).count
  return {
    url: `${base}/hook`,
    // Waits for `expected` deliveries, then answers (and resets) the lag percentiles.
    settle: async (expected: number, timeoutMs = 120_000): Promise<Stats> => {
      const deadline = Date.now() + timeoutMs
      while ((await count()) < expected && Date.now() < deadline) await Bun.sleep(10)
      return (await fetch(`${base}/stats`)).json() as Promise<Stats>
    },
    stop: () => child.kill('SIGTERM'),
  }
}

async function seedBenchDoors(deps: Deps): Promise<Door[]> {
  return (await seedDoors(deps, LOCKS)).doors
}

// One open through the command path the door service ends in: LockOpenRequested + TempKeyUsed on the lock stream.
function commandOpen(deps: Deps, door: Door) {
  const data = { tempKeyUuid: door.tempKeyUuid, userId: null, open: { requestId: crypto.randomUUID(), reason: 'bench' } }
  return deps.commands.handle(lockAggregate, lockStreamId(door.lockId), { type: 'UseTempKey', data, metadata: { now: Date.now() } }, {})
}

async function appendBacklog(deps: Deps, doors: Door[]) {
  for (let i = 0; i < BACKLOG_OPENS; i += 100) {
    const n = Math.min(100, BACKLOG_OPENS - i)
    await Promise.all(
      Array.from({ length: n }, (_, j) => commandOpen(deps, doors[(i + j) % doors.length] ?? doors[0] ?? { lockId: 1, tempKeyUuid: '' })),
    )
  }
}

// RATE opens per second, evenly spaced, for SECONDS.
async function steady(open: (i: number) => Promise<unknown>) {
  const started = performance.now()
  const pending: Promise<unknown>[] = []
  for (let i = 0; i < RATE * SECONDS; i++) {
    const wait = started + (i * 1000) / RATE - performance.now()
    if (wait > 1) await Bun.sleep(wait)
    pending.push(open(i))
  }
  await Promise.all(pending)
}

const { dir, cleanup } = tempDir()
const databasePath = join(dir, 'spkey.db')
const receiver = await startReceiver()
const backlogEvents = BACKLOG_OPENS * 2 * SUBSCRIPTIONS
const steadyEvents = RATE * SECONDS * 2 * SUBSCRIPTIONS
let drainSeconds = 0
let lag: Stats

try {
  const deps = createDeps(loadConfig({ DATABASE_PATH: databasePath, LOG_LEVEL: 'silent', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' }), {
    logger: createLogger('silent'),
  })
  const doors = await seedBenchDoors(deps)
  for (let i = 0; i < SUBSCRIPTIONS; i++) {
    createSubscription(deps.db, deps.config, 'bench', { url: receiver.url }, deps.store.headPosition(), Date.now())
  }
  await appendBacklog(deps, doors)
  const door = (i: number) => doors[i % doors.length] ?? { lockId: 1, tempKeyUuid: '' }
  if (values.server) {
    deps.db.$client.close()
    const drainStart = performance.now()
    const server = await startChild(['src/main.ts', 'serve'], {
      DATABASE_PATH: databasePath,
      OPEN_RATE_LIMIT_PER_IP: '0',
      OPEN_RATE_LIMIT_PER_KEY: '0',
      ADMIN_API_KEY: 'bench-admin',
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
    })
    await receiver.settle(backlogEvents)
    drainSeconds = (performance.now() - drainStart) / 1000
    await steady((i) =>
      fetch(`${server.url}/temp-keys/${door(i).tempKeyUuid}/open`, { method: 'POST', headers: { accept: 'application/json' } }).then(
        (r) => {
          if (!r.ok) throw new Error(`open answered ${r.status}`)
          return r.arrayBuffer()
        },
      ),
    )
    lag = await receiver.settle(steadyEvents)
    await server.stop()
  } else {
    const drainStart = performance.now()
    deps.webhooks.start()
    await receiver.settle(backlogEvents)
    drainSeconds = (performance.now() - drainStart) / 1000
    await steady((i) => commandOpen(deps, door(i)))
    lag = await receiver.settle(steadyEvents)
    await deps.webhooks.stop()
    deps.db.$client.close()
  }
  const result = {
    mode: values.server ? 'server (HTTP opens)' : 'in-process (command opens)',
    subscriptions: SUBSCRIPTIONS,
    drain: {
      events: backlogEvents,
      seconds: Math.round(drainSeconds * 100) / 100,
      eventsPerSecond: Math.round(backlogEvents / drainSeconds),
    },
    steady: {
      opensPerSecond: RATE,
      eventsPerSecond: RATE * 2 * SUBSCRIPTIONS,
      seconds: SECONDS,
      delivered: lag.count,
      lagMs: { p50: lag.p50, p99: lag.p99, max: lag.max },
    },
  }
  console.log(JSON.stringify(result, null, 2))
} finally {
  receiver.stop()
  cleanup()
}
