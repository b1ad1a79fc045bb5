// `npm run bench [-- scenario ...] [--duration S] [--connections N] [--quick]`: drives the real server over loopback
// with wrk and reports every figure as a ratio to a baseline measured in the same run on the same machine.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { issueApiKey, registerOrg } from '../src/auth/tenants'
import { lockAggregate } from '../src/domain/lock/decide'
import { lockStreamId } from '../src/domain/lock/events'
import { userAggregate } from '../src/domain/user/decide'
import { userStreamId } from '../src/domain/user/events'
import { openDatabase } from '../src/db/connection'
import { EventStore } from '../src/eventstore/store'
import { rawInsertLoop } from './baseline-sqlite'
import { flatCost } from './flat-cost.bench'
import { pgHttp } from './pg-http.bench'
import { pgStore } from './pg-store.bench'
import { createDoor, type LoadResult, load, seed, seedDoors, startChild, tempDir } from './support'

export type Row = {
  scenario: string
  value: number
  unit: string
  baseline: string
  // For a load row, what its ratio is to: filled in by runBench from the baselines measured either side of it.
  against?: keyof Baselines
  baselineValue?: number
  ratio: number | null
  p50Ms?: number
  p99Ms?: number
  errors?: number
  rssPeakMb?: number
  // What the figure should reach, for a scenario that tracks an issue's goal (issue 18's flat-cost group).
  target?: string
}

export type BenchOptions = { scenarios: string[]; durationSec: number; connections: number; quick: boolean }

export type Baselines = { staticRps: number; sqliteTps: number }

const ratio = (value: number, base: number) => (base > 0 ? Math.round((value / base) * 100) / 100 : null)

async function measureBaselines(options: BenchOptions): Promise<Baselines> {
  const server = await startChild(['bench/baseline-server.ts'], {}, '/')
  const result = await load({ url: server.url, connections: options.connections, durationSec: options.durationSec })
  await server.stop()
  const { dir, cleanup } = tempDir()
  const sqlite = rawInsertLoop(join(dir, 'raw.db'), options.quick ? 300 : 20_000, options.durationSec * 1000)
  cleanup()
  return { staticRps: result.requestsPerSec, sqliteTps: sqlite.txPerSec }
}

const BASELINE_NAMES: Record<keyof Baselines, string> = {
  staticRps: 'Bun.serve static',
  sqliteTps: 'raw sqlite 1 insert/tx FULL',
}

function loadRow(scenario: string, result: LoadResult, against: keyof Baselines, rssPeakMb: number): Row {
  return {
    scenario,
    value: result.requestsPerSec,
    unit: 'req/s',
    baseline: BASELINE_NAMES[against],
    against,
    ratio: null,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    errors: result.errors + result.non2xx,
    rssPeakMb,
  }
}

async function addPhysicalKey(options: BenchOptions): Promise<Row[]> {
  const { dir, cleanup } = tempDir()
  const databasePath = join(dir, 'spkey.db')
  const userCount = options.quick ? 50 : 10_000
  const { apiKey, userIds } = await seed(databasePath, async (deps) => {
    await registerOrg(deps, { orgId: 'bench', orgName: 'Bench' })
    const { apiKey } = await issueApiKey(deps, 'bench', { createdBy: 'bench' })
    const userIds = Array.from({ length: userCount }, () => crypto.randomUUID())
    const now = deps.clock.now()
    await Promise.all(
      userIds.map((userId) =>
        deps.commands.handle(
          userAggregate,
          userStreamId(userId),
          { type: 'CreateUser', data: { userId, email: null, firstName: null, lastName: null }, metadata: { now } },
          {},
        ),
      ),
    )
    return { apiKey, userIds }
  })
  const server = await startChild(['src/main.ts', 'serve'], { DATABASE_PATH: databasePath })
  const result = await load({
    url: server.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
    paths: userIds.map((userId) => `/users/${userId}/AddPhysicalKey`),
    body: JSON.stringify({ orgId: 'bench', note: 'bench key' }),
    connections: options.connections,
    durationSec: options.durationSec,
  })
  const row = loadRow('AddPhysicalKey (durable)', result, 'sqliteTps', server.rssPeakMb())
  await server.stop()
  cleanup()
  return [row]
}

async function physicalKeysList(options: BenchOptions): Promise<Row[]> {
  const { dir, cleanup } = tempDir()
  const databasePath = join(dir, 'spkey.db')
  const userId = crypto.randomUUID()
  const apiKey = await seed(databasePath, async (deps) => {
    await registerOrg(deps, { orgId: 'bench', orgName: 'Bench' })
    const { apiKey } = await issueApiKey(deps, 'bench', { createdBy: 'bench' })
    const now = deps.clock.now()
    const data = { userId, email: null, firstName: null, lastName: null }
    await deps.commands.handle(userAggregate, userStreamId(userId), { type: 'CreateUser', data, metadata: { now } }, {})
    for (let i = 0; i < 100; i++) {
      const key = { orgId: 'bench', orgName: 'Bench', note: `key ${i}` }
      await deps.commands.handle(userAggregate, userStreamId(userId), { type: 'AddPhysicalKey', data: key, metadata: { now } }, {})
    }
    return apiKey
  })
  const server = await startChild(['src/main.ts', 'serve'], { DATABASE_PATH: databasePath })
  const result = await load({
    url: `${server.url}/users/${userId}/PhysicalKeys`,
    headers: { 'x-api-key': apiKey },
    connections: options.connections,
    durationSec: options.durationSec,
  })
  const row = loadRow('GET PhysicalKeys (100 keys)', result, 'staticRps', server.rssPeakMb())
  await server.stop()
  cleanup()
  return [row]
}

// Many doors, one unlimited public key each: opens on different locks share group commits.
async function tempKeys(options: BenchOptions): Promise<Row[]> {
  const { dir, cleanup } = tempDir()
  const databasePath = join(dir, 'spkey.db')
  const lockCount = options.quick ? 4 : 64
  const seeded = await seed(databasePath, (deps) => seedDoors(deps, lockCount))
  const keys = seeded.doors.map((door) => door.tempKeyUuid)
  const server = await startChild(['src/main.ts', 'serve'], {
    DATABASE_PATH: databasePath,
    OPEN_RATE_LIMIT_PER_IP: '0',
    OPEN_RATE_LIMIT_PER_KEY: '0',
  })
  const rows: Row[] = []
  const open = await load({
    url: server.url,
    method: 'POST',
    headers: { accept: 'application/json' },
    paths: keys.map((uuid) => `/temp-keys/${uuid}/open`),
    connections: options.connections,
    durationSec: options.durationSec,
  })
  rows.push(loadRow('temp-key open (durable)', open, 'sqliteTps', server.rssPeakMb()))
  const page = await load({
    url: server.url,
    headers: { accept: 'text/html' },
    paths: keys.map((uuid) => `/temp-keys/${uuid}`),
    connections: options.connections,
    durationSec: options.durationSec,
  })
  rows.push(loadRow('GET temp-key page', page, 'staticRps', server.rssPeakMb()))
  const list = await load({
    url: `${server.url}/locks/1/temp-keys`,
    headers: { 'x-api-key': seeded.apiKey, accept: 'application/json' },
    connections: options.connections,
    durationSec: options.durationSec,
  })
  rows.push(loadRow('GET /locks/{id}/temp-keys', list, 'staticRps', server.rssPeakMb()))
  await server.stop()
  cleanup()
  return rows
}

// Per stream length, the median over `rounds` of the mean time of 200 loads of the door's lock (snapshot + 50-event
// tail, from the database: load() never fills the state cache). The sizes take turns within each round, so a busy moment of
// the host slows one round of each rather than one size.
function loadTimes(databases: Map<number, string>, rounds: number): Map<number, number> {
  const stores = [...databases].map(([size, databasePath]) => ({ size, store: new EventStore(openDatabase(databasePath)) }))
  const samples = new Map<number, number[]>(stores.map(({ size }) => [size, []]))
  const reps = 200
  // Round 0 warms the JIT and the page caches and is not counted.
  for (let round = 0; round <= rounds; round++) {
    for (const { size, store } of stores) {
      const started = performance.now()
      for (let i = 0; i < reps; i++) store.load(lockAggregate, lockStreamId(1))
      if (round > 0) samples.get(size)?.push((performance.now() - started) / reps)
    }
  }
  for (const { store } of stores) store.db.$client.close()
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0
  return new Map([...samples].map(([size, values]) => [size, median(values)]))
}

// A busy door: LockCreated + TempKeyCreated + N uses; load time with snapshots, start time, rebuild time.
async function longStreams(options: BenchOptions): Promise<Row[]> {
  const sizes = options.quick ? [100, 1_000] : [100, 10_000, 1_000_000]
  const rows: Row[] = []
  const databases = new Map<number, string>()
  let largestDb = ''
  const dirs: (() => void)[] = []
  for (const size of sizes) {
    const { dir, cleanup } = tempDir()
    dirs.push(cleanup)
    const databasePath = join(dir, 'spkey.db')
    largestDb = databasePath
    await seed(databasePath, async (deps) => {
      const lockId = 1
      const streamId = lockStreamId(lockId)
      const t0 = deps.clock.now()
      const { tempKeyUuid } = await createDoor(deps, lockId, null)
      // The log is written directly (usedCount 1..n), as the command path would have; the snapshot is taken where
      // the handler's every-100 rule would leave a 50-event tail, so every size loads snapshot + 50 events.
      const tail = 50
      const used = (usedCount: number) => ({
        type: 'TempKeyUsed',
        data: { tempKeyUuid, lockId, lockUuid: '', usedCount, timestamp: new Date(t0).toISOString() },
      })
      const chunk = 10_000
      let version = deps.store.streamVersion(streamId)
      while (version < size) {
        const stop = version < size - tail ? size - tail : size
        const n = Math.min(chunk, stop - version)
        const batch = Array.from({ length: n }, (_, i) => used(version - 1 + i))
        deps.store.append(streamId, version, batch, {}, t0)
        version += n
        if (version === size - tail) {
          deps.store.forget()
          const { state } = deps.store.load(lockAggregate, streamId)
          deps.store.saveSnapshot(streamId, version, lockAggregate.stateVersion, state)
        }
      }
    })
    databases.set(size, databasePath)
  }
  const timings = loadTimes(databases, options.quick ? 2 : 7)
  const smallest = timings.get(sizes[0] ?? 100) ?? 0
  for (const size of sizes) {
    const ms = timings.get(size) ?? 0
    rows.push({
      scenario: `aggregate load, ${size} events`,
      value: Math.round(ms * 1000) / 1000,
      unit: 'ms',
      baseline: `load at ${sizes[0]} events`,
      ratio: ratio(ms, smallest),
    })
  }

  const { dir: emptyDir, cleanup: cleanEmpty } = tempDir()
  dirs.push(cleanEmpty)
  const startMs = async (databasePath: string) => {
    const t0 = performance.now()
    const server = await startChild(['src/main.ts', 'serve'], { DATABASE_PATH: databasePath })
    const ms = performance.now() - t0
    await server.stop()
    return ms
  }
  const emptyStart = await startMs(join(emptyDir, 'spkey.db'))
  const bigStart = await startMs(largestDb)
  const biggest = sizes[sizes.length - 1] ?? 0
  rows.push({
    scenario: `server start, ${biggest} events`,
    value: Math.round(bigStart),
    unit: 'ms',
    baseline: 'start on empty db',
    ratio: ratio(bigStart, emptyStart),
  })

  const rebuildMs = await seed(largestDb, async (deps) => {
    const store = new EventStore(deps.db, { projections: deps.store.projectionList() })
    const started = performance.now()
    store.rebuild()
    return performance.now() - started
  })
  rows.push({
    scenario: `projection rebuild, ${biggest} events`,
    value: Math.round(rebuildMs),
    unit: 'ms',
    baseline: 'events/s',
    ratio: Math.round(biggest / (rebuildMs / 1000)),
  })
  for (const cleanup of dirs) cleanup()
  return rows
}

// `loads`: the scenario drives the server with wrk, and its ratios need the baselines measured around it.
const SCENARIOS: Record<string, { run: (options: BenchOptions) => Promise<Row[]>; loads: boolean }> = {
  'add-physical-key': { run: addPhysicalKey, loads: true },
  'physical-keys-list': { run: physicalKeysList, loads: true },
  'temp-keys': { run: tempKeys, loads: true },
  'long-streams': { run: longStreams, loads: false },
  'flat-cost': { run: flatCost, loads: true },
  'pg-store': { run: pgStore, loads: false },
  'pg-http': { run: pgHttp, loads: true },
}

const range = (values: number[]) => {
  const low = Math.min(...values)
  const high = Math.max(...values)
  return low === high ? `${low}` : `${low}-${high}`
}

export function formatTable(measured: Baselines[], rows: Row[]): string {
  const lines = [
    `baselines, measured ${measured.length}x (before the first load scenario and after each): ` +
      `Bun.serve static ${range(measured.map((b) => b.staticRps))} req/s; ` +
      `raw sqlite (WAL, FULL, 1 insert/tx) ${range(measured.map((b) => b.sqliteTps))} tx/s`,
    '',
    '| scenario | value | ratio | baseline | p50 ms | p99 ms | errors | RSS peak MB | target |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => {
      const baseline = r.baselineValue === undefined ? r.baseline : `${r.baseline} ${r.baselineValue}`
      return `| ${r.scenario} | ${r.value} ${r.unit} | ${r.ratio ?? '-'} | ${baseline} | ${r.p50Ms ?? '-'} | ${r.p99Ms ?? '-'} | ${r.errors ?? '-'} | ${r.rssPeakMb ?? '-'} | ${r.target ?? '-'} |`
    }),
  ]
  return lines.join('\n')
}

// A shared host's disk and CPU drift over a run (fsync rates moved 3.9k-7k tx/s within an hour here): the baselines
// are measured again after each load scenario, and each ratio is to the mean of the measurements either side of it.
export async function runBench(options: BenchOptions): Promise<{ measured: Baselines[]; rows: Row[] }> {
  const measured: Baselines[] = []
  const rows: Row[] = []
  for (const name of options.scenarios) {
    const scenario = SCENARIOS[name]
    if (!scenario) throw new Error(`unknown scenario "${name}"; known: ${Object.keys(SCENARIOS).join(', ')}`)
    if (!scenario.loads) {
      rows.push(...(await scenario.run(options)))
      continue
    }
    const before = measured.at(-1) ?? (await measureBaselines(options))
    if (measured.length === 0) measured.push(before)
    const scenarioRows = await scenario.run(options)
    const after = await measureBaselines(options)
    measured.push(after)
    for (const row of scenarioRows) {
      if (row.against !== undefined) {
        row.baselineValue = Math.round((before[row.against] + after[row.against]) / 2)
        row.ratio = ratio(row.value, row.baselineValue)
      }
      rows.push(row)
    }
  }
  return { measured, rows }
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Bun.argv.slice(2),
    allowPositionals: true,
    options: {
      duration: { type: 'string', default: '5' },
      connections: { type: 'string', default: '64' },
      quick: { type: 'boolean', default: false },
    },
  })
  const options: BenchOptions = {
    scenarios: positionals.length > 0 ? positionals : Object.keys(SCENARIOS),
    durationSec: Number(values.duration),
    connections: Number(values.connections),
    quick: values.quick ?? false,
  }
  const { measured, rows } = await runBench(options)
  const table = formatTable(measured, rows)
  console.log(table)
  mkdirSync('bench/results', { recursive: true })
  const file = `bench/results/bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`
  writeFileSync(file, JSON.stringify({ at: new Date().toISOString(), options, baselines: measured, rows }, null, 2))
  console.log(`\nwritten ${file}`)
}
