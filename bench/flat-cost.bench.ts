// Issue 18, flat cost as history grows: the same loads on a lock with 50,000 past temp keys (half of them deleted)
// and on a 10-key lock, on 20 users with thousands of physical keys and on 10,000 fresh users, each pair in one run
// and taking turns (small, big, big, small). Only what an integrator sees is used: the HTTP API, and for seeding the
// public store API (store.append) in a child process.
import { join } from 'node:path'
import type { BenchOptions, Row } from './run'
import type { HistorySpec, SeededHistory } from './seed-history'
import { type ChildServer, inTurns, type LoadOptions, type LoadResult, load, merge, settle, startChild, tempDir, timed } from './support'

type Sizes = { bigKeys: number; collectiveKeys: number; heavyUsers: number; heavyKeys: number; spreadUsers: number }
const FULL: Sizes = { bigKeys: 50_000, collectiveKeys: 5_000, heavyUsers: 20, heavyKeys: 3_000, spreadUsers: 10_000 }
const QUICK: Sizes = { bigKeys: 200, collectiveKeys: 100, heavyUsers: 4, heavyKeys: 50, spreadUsers: 200 }
const SMALL_KEYS = 10
// Issue 18's load: 32 connections (fewer when --connections says so).
const CONNECTIONS = 32
// A stalled server answers late rather than never: latencies past wrk's 2 s default still count as latencies.
const TIMEOUT_SEC = 10
const ORG = 'bench'
const BIG = 1
const OPEN_SMALL = 2
// A fresh 10-key lock for each round of creates on the small side, so it stays small while it is measured.
const CREATE_SMALL = [3, 4]
const NOISY_SMALL = 5
// Issue 22: a lock covered by thousands of collective keys, and one covered by 10.
const COLLECTIVE_BIG = 6
const COLLECTIVE_SMALL = 7
const RAW = 'raw sqlite 1 insert/tx FULL'

const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits
const ratio = (value: number, base: number) => (base > 0 ? round(value / base, 2) : null)
const thousands = (n: number) => n.toLocaleString('en-US')

async function seedInChild(spec: HistorySpec): Promise<{ seeded: SeededHistory; seconds: number }> {
  const { dir, cleanup } = tempDir()
  const specPath = join(dir, 'spec.json')
  const resultPath = join(dir, 'result.json')
  await Bun.write(specPath, JSON.stringify(spec))
  const started = performance.now()
  const child = Bun.spawn(['bun', join(import.meta.dir, 'seed-history.ts'), specPath, resultPath], { stdout: 'inherit', stderr: 'inherit' })
  const code = await child.exited
  const seconds = (performance.now() - started) / 1000
  if (code !== 0) throw new Error(`seeding exited with ${code}`)
  const seeded = (await Bun.file(resultPath).json()) as SeededHistory
  cleanup()
  return { seeded, seconds }
}

// A load no request of which was answered has no latencies (wrk prints none): the row says so instead of 0 ms.
function measured(scenario: string, result: LoadResult) {
  if (result.total === 0) return { scenario: `${scenario} (no answer within the load)`, errors: result.errors + result.non2xx }
  return { scenario, p50Ms: result.p50Ms, p99Ms: result.p99Ms, errors: result.errors + result.non2xx }
}

function rawRow(scenario: string, result: LoadResult, rssPeakMb: number, target?: string): Row {
  return {
    ...measured(scenario, result),
    value: result.requestsPerSec,
    unit: 'req/s',
    baseline: RAW,
    against: 'sqliteTps',
    ratio: null,
    rssPeakMb,
    ...(target ? { target } : {}),
  }
}

function pairRow(
  scenario: string,
  result: LoadResult,
  base: { label: string; result: LoadResult },
  rssPeakMb: number,
  target?: string,
): Row {
  return {
    ...measured(scenario, result),
    value: result.requestsPerSec,
    unit: 'req/s',
    baseline: base.label,
    baselineValue: base.result.requestsPerSec,
    ratio: ratio(result.requestsPerSec, base.result.requestsPerSec),
    rssPeakMb,
    ...(target ? { target } : {}),
  }
}

export async function flatCost(options: BenchOptions): Promise<Row[]> {
  const sizes = options.quick ? QUICK : FULL
  const connections = Math.min(options.connections, CONNECTIONS)
  const durationSec = options.durationSec
  const big = `${thousands(sizes.bigKeys)}-key lock`
  const heavy = `${sizes.heavyUsers} users of ${thousands(sizes.heavyKeys)}+ keys`
  const spread = `${thousands(sizes.spreadUsers)} users`
  const rows: Row[] = []
  const { dir, cleanup } = tempDir()
  const databasePath = join(dir, 'spkey.db')

  const { seeded, seconds } = await seedInChild({
    databasePath,
    orgId: ORG,
    locks: [
      { lockId: BIG, keys: sizes.bigKeys, deleteEvery: 2 },
      ...[OPEN_SMALL, ...CREATE_SMALL, NOISY_SMALL].map((lockId) => ({ lockId, keys: SMALL_KEYS, deleteEvery: null })),
      { lockId: COLLECTIVE_BIG, keys: sizes.collectiveKeys, deleteEvery: null, collective: true },
      { lockId: COLLECTIVE_SMALL, keys: SMALL_KEYS, deleteEvery: null, collective: true },
    ],
    users: [
      { users: sizes.heavyUsers, keysEach: sizes.heavyKeys },
      { users: sizes.spreadUsers, keysEach: 0 },
    ],
  })
  rows.push({
    scenario: `seed ${thousands(seeded.events)} events (store.append, child process)`,
    value: round(seconds),
    unit: 's',
    baseline: 'events/s',
    ratio: Math.round(seeded.events / seconds),
  })

  const liveKeys = (lockId: number) => seeded.locks.find((lock) => lock.lockId === lockId)?.liveKeys ?? []
  const [heavyUsers = [], spreadUsers = []] = seeded.users
  const env = { DATABASE_PATH: databasePath, OPEN_RATE_LIMIT_PER_IP: '0', OPEN_RATE_LIMIT_PER_KEY: '0' }
  const api = { 'content-type': 'application/json', accept: 'application/json', 'x-api-key': seeded.apiKey }
  const now = Date.now()
  const createBody = JSON.stringify({
    accessMode: 'public',
    validFrom: new Date(now - 60_000).toISOString(),
    validUntil: new Date(now + 30 * 86_400_000).toISOString(),
    maxUses: null,
    description: 'bench',
  })
  const openPath = (uuid: string) => `/temp-keys/${uuid}/open`
  const doorPath = (uuid: string) => `/temp-keys/${uuid}/doors/1/open`
  const opensOn = (server: ChildServer, lockId: number, extra: Partial<LoadOptions> = {}): LoadOptions => ({
    url: server.url,
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: '{}',
    paths: liveKeys(lockId).map(lockId === COLLECTIVE_BIG || lockId === COLLECTIVE_SMALL ? doorPath : openPath),
    connections,
    durationSec,
    timeoutSec: TIMEOUT_SEC,
    ...extra,
  })
  const createsOn = (server: ChildServer, lockId: number, extra: Partial<LoadOptions> = {}): LoadOptions => ({
    url: `${server.url}/locks/${lockId}/create-temp-key`,
    method: 'POST',
    headers: api,
    body: createBody,
    connections,
    durationSec,
    timeoutSec: TIMEOUT_SEC,
    ...extra,
  })
  const firstOpen = (server: ChildServer, lockId: number) =>
    timed(`${server.url}${openPath(liveKeys(lockId)[0] ?? '')}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: '{}',
    })
  const firstCreate = (server: ChildServer, lockId: number) =>
    timed(`${server.url}/locks/${lockId}/create-temp-key`, { method: 'POST', headers: api, body: createBody })
  // The first command on the big lock comes after a few on a small lock, which warm the route, the JIT and the
  // statements: what is left is the cost of the big lock's history. The last of those is the baseline.
  const firstCommandRows = async (server: ChildServer, when: string, command: 'open' | 'create', target?: string) => {
    const run = command === 'open' ? firstOpen : firstCreate
    let small = await run(server, OPEN_SMALL)
    for (let i = 0; i < 2; i++) small = await run(server, OPEN_SMALL)
    const first = await run(server, BIG)
    if (small.status !== 200 || first.status !== 200) throw new Error(`first ${command} answered ${small.status}/${first.status}`)
    rows.push({
      scenario: `first ${command === 'open' ? 'open' : 'create-temp-key'} on the ${big} ${when}`,
      value: first.ms,
      unit: 'ms',
      baseline: `the 3rd on the ${SMALL_KEYS}-key lock just before (ms)`,
      baselineValue: small.ms,
      ratio: ratio(first.ms, small.ms),
      ...(target ? { target } : {}),
    })
  }

  let server = await startChild(['src/main.ts', 'serve'], env)
  try {
    await firstCommandRows(server, 'after seeding (log only, no snapshot)', 'create')
    await load(opensOn(server, OPEN_SMALL, { durationSec: 1 }))

    const opens = await inTurns(
      () => load(opensOn(server, OPEN_SMALL)),
      () => load(opensOn(server, BIG)),
    )
    await settle(server)
    rows.push(rawRow(`temp-key open, ${SMALL_KEYS}-key lock`, opens.small, server.rssPeakMb()))
    rows.push(
      pairRow(
        `temp-key open, ${big} (half deleted)`,
        opens.big,
        { label: `open, ${SMALL_KEYS}-key lock`, result: opens.small },
        server.rssPeakMb(),
        '>= 0.9',
      ),
    )

    const doors = await inTurns(
      () => load(opensOn(server, COLLECTIVE_SMALL)),
      () => load(opensOn(server, COLLECTIVE_BIG)),
    )
    await settle(server)
    rows.push(
      pairRow(
        `collective door open, lock covered by ${thousands(sizes.collectiveKeys)} collective keys`,
        doors.big,
        { label: `the same on a lock covered by ${SMALL_KEYS}`, result: doors.small },
        server.rssPeakMb(),
        '>= 0.9',
      ),
    )

    const creates = await inTurns(
      (turn) => load(createsOn(server, CREATE_SMALL[turn] ?? OPEN_SMALL)),
      () => load(createsOn(server, BIG)),
    )
    await settle(server)
    rows.push(rawRow(`create-temp-key, ${SMALL_KEYS}-key lock (a fresh one per turn)`, creates.small, server.rssPeakMb()))
    rows.push(
      pairRow(
        `create-temp-key, ${big}`,
        creates.big,
        { label: `create, ${SMALL_KEYS}-key lock`, result: creates.small },
        server.rssPeakMb(),
        '>= 0.9',
      ),
    )

    // Two wrk processes at once, one thread each; the opens alone are measured the same way, either side. The same
    // creates on a 10-key lock say how much of the drop is sharing one server, not the big lock's history.
    const besideCreates = (lockId: number) =>
      Promise.all([load(createsOn(server, lockId, { threads: 1 })), load(opensOn(server, OPEN_SMALL, { threads: 1 }))])
    const alone1 = await load(opensOn(server, OPEN_SMALL, { threads: 1 }))
    const [bigNeighbour, besideBig] = await besideCreates(BIG)
    await settle(server)
    const [smallNeighbour, besideSmall] = await besideCreates(NOISY_SMALL)
    await settle(server)
    const alone2 = await load(opensOn(server, OPEN_SMALL, { threads: 1 }))
    const alone = merge([alone1, alone2])
    const beside = `temp-key open, ${SMALL_KEYS}-key lock, while ${connections} creates hit`
    rows.push(rawRow(`temp-key open, ${SMALL_KEYS}-key lock, alone`, alone, server.rssPeakMb()))
    rows.push(pairRow(`${beside} the ${big}`, besideBig, { label: 'the same opens alone', result: alone }, server.rssPeakMb(), '>= 0.7'))
    rows.push(
      pairRow(
        `${beside} the ${big}, vs beside a ${SMALL_KEYS}-key lock's`,
        besideBig,
        { label: `opens beside creates on a ${SMALL_KEYS}-key lock`, result: besideSmall },
        server.rssPeakMb(),
      ),
    )
    for (const [what, result] of [
      [big, bigNeighbour],
      [`${SMALL_KEYS}-key lock`, smallNeighbour],
    ] as const) {
      const { against: _raw, ...neighbour } = rawRow(`create-temp-key, ${what}, beside those opens`, result, server.rssPeakMb())
      rows.push({ ...neighbour, baseline: '-' })
    }

    // Each heavy user's first command loads its whole history; timed apart from the load that follows.
    const addKey = (userId: string) => `/users/${userId}/AddPhysicalKey`
    const keyBody = JSON.stringify({ orgId: ORG, orgName: 'Bench', note: 'bench key' })
    const coldStarted = performance.now()
    for (const userId of heavyUsers) {
      const { status } = await timed(`${server.url}${addKey(userId)}`, { method: 'POST', headers: api, body: keyBody })
      if (status !== 200) throw new Error(`AddPhysicalKey answered ${status}`)
    }
    const coldMs = (performance.now() - coldStarted) / Math.max(1, heavyUsers.length)
    rows.push({
      scenario: `first AddPhysicalKey of each of the ${heavy} (mean)`,
      value: round(coldMs),
      unit: 'ms',
      baseline: '-',
      ratio: null,
    })
    const physical = (users: string[]) =>
      load({
        url: server.url,
        method: 'POST',
        headers: api,
        body: keyBody,
        paths: users.map(addKey),
        connections,
        durationSec,
        timeoutSec: TIMEOUT_SEC,
      })
    const keys = await inTurns(
      () => physical(spreadUsers),
      () => physical(heavyUsers),
    )
    await settle(server)
    rows.push(rawRow(`AddPhysicalKey, ${spread}`, keys.small, server.rssPeakMb(), '>= 1.5'))
    rows.push(rawRow(`AddPhysicalKey, ${heavy}`, keys.big, server.rssPeakMb(), '>= 1.5'))
    rows.push(
      pairRow(
        `AddPhysicalKey, ${heavy}, vs ${spread}`,
        keys.big,
        { label: `AddPhysicalKey, ${spread}`, result: keys.small },
        server.rssPeakMb(),
        '>= 0.9',
      ),
    )

    // One connection: the latency of a page, not of a queue.
    const listPath = (lockId: number) => `/locks/${lockId}/temp-keys?limit=50`
    const page = await fetch(`${server.url}${listPath(BIG)}`, { headers: api })
    const pageText = await page.text()
    const pageBody = JSON.parse(pageText) as { tempKeys?: unknown[]; nextCursor?: unknown }
    const shape = `${pageBody.tempKeys?.length ?? 0} items, ${round(pageText.length / 1024)} KB, ${pageBody.nextCursor ? 'with' : 'no'} nextCursor`
    const list = (lockId: number) =>
      load({ url: `${server.url}${listPath(lockId)}`, headers: api, connections: 1, durationSec, timeoutSec: TIMEOUT_SEC })
    const smallList = await list(OPEN_SMALL)
    const bigList = await list(BIG)
    rows.push({
      scenario: `GET /locks/{id}/temp-keys?limit=50 p99, ${big} (page: ${shape})`,
      value: bigList.p99Ms,
      unit: 'ms',
      baseline: `p99 on the ${SMALL_KEYS}-key lock (ms)`,
      baselineValue: smallList.p99Ms,
      ratio: ratio(bigList.p99Ms, smallList.p99Ms),
      p50Ms: bigList.p50Ms,
      p99Ms: bigList.p99Ms,
      errors: bigList.errors + bigList.non2xx,
      rssPeakMb: server.rssPeakMb(),
      target: '<= 5 ms',
    })

    rows.push({
      scenario: 'server RSS after the run',
      value: server.rssMb(),
      unit: 'MB',
      baseline: '-',
      ratio: null,
      rssPeakMb: server.rssPeakMb(),
      target: '<= 150 MB',
    })
    await server.stop()

    const restartStarted = performance.now()
    server = await startChild(['src/main.ts', 'serve'], env)
    rows.push({
      scenario: 'server restart to /healthz',
      value: Math.round(performance.now() - restartStarted),
      unit: 'ms',
      baseline: '-',
      ratio: null,
    })
    await firstCommandRows(server, 'after a restart', 'open', '<= 20 ms')
    await server.stop()
    server = await startChild(['src/main.ts', 'serve'], env)
    await firstCommandRows(server, 'after a restart', 'create', '<= 20 ms')
  } finally {
    await server.stop()
    cleanup()
  }
  return rows
}
