// Issue 21: issue 18's hard HTTP cases on PostgreSQL beside SQLite, in one run on this machine. Opens on a lock with a
// long history against a 10-key lock, creates on that one hot lock, and opens beside those creates (a noisy
// neighbour), each on SQLite (1 process), PostgreSQL (1 process) and PostgreSQL (2 processes on one database, each
// driven by its own wrk, the figures added up). All servers run from the start, idle but for their turn, so a scenario
// measures the three back to back. PostgreSQL is a throwaway cluster with fsync on, like the SQLite file's FULL.
import { join } from 'node:path'
import { durableCluster, freshDatabase } from '../test/fixtures/postgres'
import { copyDatabase, copyToPostgres } from './pg-copy'
import type { BenchOptions, Row } from './run'
import { seedHistory } from './seed-history'
import { type ChildServer, inTurns, type LoadOptions, type LoadResult, load, merge, settle, startChild, tempDir, timed } from './support'

const SMALL_KEYS = 10
// Issue 18's load: 32 connections (fewer when --connections says so), shared out over a backend's processes.
const CONNECTIONS = 32
// A stalled server answers late rather than never: latencies past wrk's 2 s default still count as latencies.
const TIMEOUT_SEC = 10
const ORG = 'bench'
const BIG = 1
const SMALL = 2
const SQLITE = 'sqlite, 1 process'
const PG_ONE = 'postgres, 1 process'
const PG_TWO = 'postgres, 2 processes'

type Backend = { name: string; apiKey: string; servers: ChildServer[] }

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits
const ratio = (value: number, base: number) => (base > 0 ? round(value / base, 2) : null)
const thousands = (n: number) => n.toLocaleString('en-US')

// Loads run at the same time on different processes: rates and counts add up, p50 is the mean weighted by requests,
// p99 the worse one (an upper bound of the whole's: wrk prints percentiles, not its histogram).
function together(results: LoadResult[]): LoadResult {
  const total = results.reduce((sum, r) => sum + r.total, 0)
  const sum = (pick: (r: LoadResult) => number) => results.reduce((all, r) => all + pick(r), 0)
  return {
    requestsPerSec: sum((r) => r.requestsPerSec),
    p50Ms: total > 0 ? round(sum((r) => r.p50Ms * r.total) / total, 2) : 0,
    p99Ms: Math.max(0, ...results.filter((r) => r.total > 0).map((r) => r.p99Ms)),
    errors: sum((r) => r.errors),
    non2xx: sum((r) => r.non2xx),
    total,
  }
}

// One load on a backend: on two processes one wrk each, with half the connections and half the threads.
async function loadOn(backend: Backend, options: (server: ChildServer) => LoadOptions): Promise<LoadResult> {
  const { servers } = backend
  const share = (server: ChildServer): LoadOptions => {
    const whole = options(server)
    return {
      ...whole,
      connections: Math.max(1, Math.round(whole.connections / servers.length)),
      threads: Math.max(1, Math.floor((whole.threads ?? 2) / servers.length)),
    }
  }
  return together(await Promise.all(servers.map((server) => load(share(server)))))
}

const settleAll = (backend: Backend) => Promise.all(backend.servers.map(settle))

function figureRow(scenario: string, result: LoadResult, rssPeakMb: number): Row {
  return {
    scenario,
    value: result.requestsPerSec,
    unit: 'req/s',
    baseline: '-',
    ratio: null,
    // A load no request of which was answered has no latencies (wrk prints none): '-' rather than 0 ms.
    ...(result.total > 0 ? { p50Ms: result.p50Ms, p99Ms: result.p99Ms } : {}),
    errors: result.errors + result.non2xx,
    rssPeakMb,
  }
}

const ratioRow = (scenario: string, value: number, base: { label: string; value: number }, target?: string): Row => ({
  scenario,
  value,
  unit: 'req/s',
  baseline: base.label,
  baselineValue: base.value,
  ratio: ratio(value, base.value),
  ...(target ? { target } : {}),
})

export async function pgHttp(options: BenchOptions): Promise<Row[]> {
  const bigKeys = options.quick ? 200 : 50_000
  const connections = Math.min(options.connections, CONNECTIONS)
  const durationSec = options.durationSec
  const big = `${thousands(bigKeys)}-key lock`
  const rows: Row[] = []
  const { dir, cleanup } = tempDir()
  const sqlitePath = join(dir, 'spkey.db')
  const servers: ChildServer[] = []
  try {
    let started = performance.now()
    const seeded = await seedHistory({
      databasePath: sqlitePath,
      orgId: ORG,
      locks: [
        { lockId: BIG, keys: bigKeys, deleteEvery: 2 },
        { lockId: SMALL, keys: SMALL_KEYS, deleteEvery: null },
      ],
      users: [],
    })
    const seedSeconds = (performance.now() - started) / 1000
    rows.push({
      scenario: `seed SQLite: ${thousands(seeded.events)} events (store.append)`,
      value: round(seedSeconds),
      unit: 's',
      baseline: 'events/s',
      ratio: Math.round(seeded.events / seedSeconds),
    })
    durableCluster()
    const pgUrl = await freshDatabase()
    started = performance.now()
    const copied = await copyToPostgres(sqlitePath, pgUrl, ORG, [BIG, SMALL])
    const copySeconds = (performance.now() - started) / 1000
    rows.push({
      scenario: `seed PostgreSQL: the ${thousands(copied.events)} lock events copied (rows inserted, projections rebuilt)`,
      value: round(copySeconds),
      unit: 's',
      baseline: 'events/s',
      ratio: Math.round(copied.events / copySeconds),
    })
    const pgTwoUrl = await copyDatabase(pgUrl)

    const liveKeys = (lockId: number) => seeded.locks.find((lock) => lock.lockId === lockId)?.liveKeys ?? []
    const openEnv = { OPEN_RATE_LIMIT_PER_IP: '0', OPEN_RATE_LIMIT_PER_KEY: '0' }
    const serve = async (env: Record<string, string>) => {
      const server = await startChild(['src/main.ts', 'serve'], { ...openEnv, ...env })
      servers.push(server)
      return server
    }
    // One at a time: each process checks the database's migrations as it starts.
    const backends: Backend[] = [
      { name: SQLITE, apiKey: seeded.apiKey, servers: [await serve({ DATABASE_PATH: sqlitePath, DATABASE_URL: '' })] },
      { name: PG_ONE, apiKey: copied.apiKey, servers: [await serve({ DATABASE_URL: pgUrl })] },
      { name: PG_TWO, apiKey: copied.apiKey, servers: [await serve({ DATABASE_URL: pgTwoUrl }), await serve({ DATABASE_URL: pgTwoUrl })] },
    ]

    const now = Date.now()
    const createBody = JSON.stringify({
      accessMode: 'public',
      validFrom: new Date(now - 60_000).toISOString(),
      validUntil: new Date(now + 30 * 86_400_000).toISOString(),
      maxUses: null,
      description: 'bench',
    })
    const opensOn =
      (lockId: number, extra: Partial<LoadOptions> = {}) =>
      (server: ChildServer): LoadOptions => ({
        url: server.url,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: '{}',
        paths: liveKeys(lockId).map((uuid) => `/temp-keys/${uuid}/open`),
        connections,
        durationSec,
        timeoutSec: TIMEOUT_SEC,
        ...extra,
      })
    const createsOn =
      (backend: Backend, lockId: number, extra: Partial<LoadOptions> = {}) =>
      (server: ChildServer): LoadOptions => ({
        url: `${server.url}/locks/${lockId}/create-temp-key`,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', 'x-api-key': backend.apiKey },
        body: createBody,
        connections,
        durationSec,
        timeoutSec: TIMEOUT_SEC,
        ...extra,
      })

    // Each process's first command on the big lock folds the whole seeded log (no snapshot yet): timed on the first
    // process, after a few creates on the small lock have warmed the route, the JIT and the statements.
    const firstCreates = new Map<string, number>()
    for (const backend of backends) {
      for (const [i, server] of backend.servers.entries()) {
        const create = (lockId: number) =>
          timed(`${server.url}/locks/${lockId}/create-temp-key`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': backend.apiKey },
            body: createBody,
          })
        for (let n = 0; n < 3; n++) await create(SMALL)
        const first = await create(BIG)
        if (first.status !== 200) throw new Error(`first create on ${backend.name} answered ${first.status}`)
        if (i === 0) firstCreates.set(backend.name, first.ms)
      }
      await loadOn(backend, opensOn(SMALL, { durationSec: 1 }))
      await settleAll(backend)
    }
    const sqliteFirst = firstCreates.get(SQLITE) ?? 0
    for (const backend of backends) {
      const ms = firstCreates.get(backend.name) ?? 0
      rows.push({
        scenario: `first create-temp-key on the ${big} after seeding (log only, no snapshot): ${backend.name}`,
        value: ms,
        unit: 'ms',
        ...(backend.name === SQLITE
          ? { baseline: '-', ratio: null }
          : { baseline: SQLITE, baselineValue: sqliteFirst, ratio: ratio(ms, sqliteFirst) }),
      })
    }

    const figures = new Map<string, Map<string, { result: LoadResult; rssPeakMb: number }>>()
    const note = (figure: string, backend: Backend, result: LoadResult) => {
      const rssPeakMb = Math.max(...backend.servers.map((server) => server.rssPeakMb()))
      figures.set(figure, (figures.get(figure) ?? new Map()).set(backend.name, { result, rssPeakMb }))
    }
    const openSmall = `temp-key open, ${SMALL_KEYS}-key lock`
    const openBig = `temp-key open, ${big} (half deleted)`
    const hot = `create-temp-key, one hot lock (the ${big})`
    const alone = `temp-key open, ${SMALL_KEYS}-key lock, alone (1 wrk thread)`
    const beside = `temp-key open, ${SMALL_KEYS}-key lock, while ${connections} creates hit the ${big}`
    const neighbour = `create-temp-key, ${big}, beside those opens`

    // 1. Flat cost as history grows: small, big, big, small on each backend.
    for (const backend of backends) {
      const opens = await inTurns(
        () => loadOn(backend, opensOn(SMALL)),
        () => loadOn(backend, opensOn(BIG)),
      )
      await settleAll(backend)
      note(openSmall, backend, opens.small)
      note(openBig, backend, opens.big)
    }

    // 2. One hot stream: every connection creates on the big lock. Backends in turn, then again the other way round,
    // so a host that drifts moves them alike.
    const creates = new Map<string, LoadResult[]>()
    for (const backend of [...backends, ...backends.toReversed()]) {
      const result = await loadOn(backend, createsOn(backend, BIG))
      await settleAll(backend)
      creates.set(backend.name, [...(creates.get(backend.name) ?? []), result])
    }
    for (const backend of backends) note(hot, backend, merge(creates.get(backend.name) ?? []))

    // 3. Noisy neighbour: opens on the small lock while creates hammer the big one, two loads at once (one wrk thread
    // each); the opens alone are measured the same way, either side.
    for (const backend of backends) {
      const opensAlone = () => loadOn(backend, opensOn(SMALL, { threads: 1 }))
      const alone1 = await opensAlone()
      const [creating, opening] = await Promise.all([
        loadOn(backend, createsOn(backend, BIG, { threads: 1 })),
        loadOn(backend, opensOn(SMALL, { threads: 1 })),
      ])
      await settleAll(backend)
      const alone2 = await opensAlone()
      note(alone, backend, merge([alone1, alone2]))
      note(beside, backend, opening)
      note(neighbour, backend, creating)
    }

    const of = (figure: string, backend: string) => figures.get(figure)?.get(backend)?.result.requestsPerSec ?? 0
    for (const [figure, byBackend] of figures) {
      const sqlite = of(figure, SQLITE)
      for (const [name, { result, rssPeakMb }] of byBackend) {
        const row = figureRow(`${figure}: ${name}`, result, rssPeakMb)
        rows.push(
          name === SQLITE
            ? { ...row, baseline: 'raw sqlite 1 insert/tx FULL', against: 'sqliteTps' }
            : { ...row, baseline: SQLITE, baselineValue: sqlite, ratio: ratio(result.requestsPerSec, sqlite) },
        )
      }
      rows.push(ratioRow(`${figure}: ${PG_TWO} vs 1`, of(figure, PG_TWO), { label: PG_ONE, value: of(figure, PG_ONE) }))
    }
    for (const backend of backends) {
      const label = `open, ${SMALL_KEYS}-key lock`
      rows.push(
        ratioRow(
          `${openBig} vs ${SMALL_KEYS}-key lock: ${backend.name}`,
          of(openBig, backend.name),
          { label, value: of(openSmall, backend.name) },
          '>= 0.9',
        ),
      )
    }
    for (const backend of backends) {
      const label = 'the same opens alone'
      rows.push(
        ratioRow(`${beside}, vs alone: ${backend.name}`, of(beside, backend.name), { label, value: of(alone, backend.name) }, '>= 0.7'),
      )
    }
  } finally {
    for (const server of servers) await server.stop()
    cleanup()
  }
  return rows
}
