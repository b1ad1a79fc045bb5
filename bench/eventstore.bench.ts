// `bun bench/eventstore.bench.ts [--n 3000] [--wave 64] [--rounds 10] [--max-seconds 60]`: the event store's durable
// append rate against raw bun:sqlite measured in the same run on the same disk, all at synchronous=FULL.
// (a) raw: one INSERT per transaction; (b) spkey CommandHandler, each command awaited before the next; (c) the same
// commands in concurrent waves, where group commit shares one transaction (one fsync) across a wave.
// fsync latency on shared or virtual disks swings widely from second to second, so the scenarios run interleaved in
// rounds (n / rounds operations each, rotating which goes first): a slow patch of disk hits all three alike.
import { Database } from 'bun:sqlite'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { parseArgs } from 'node:util'
import { openDatabase } from '../src/db/connection'
import { CommandHandler } from '../src/eventstore/command-handler'
import { EventStore } from '../src/eventstore/store'
import type { Aggregate, Command, Event } from '../src/eventstore/types'
import { Writer } from '../src/eventstore/writer'

export type BenchOptions = {
  n?: number
  wave?: number
  rounds?: number
  // Whole-run budget, checked between rounds: a very slow disk ends the run early (every scenario has done the
  // same number of operations, and rates are over what was done) rather than hanging.
  maxSeconds?: number
  // Where to write the JSON report; null writes nothing (the smoke test).
  resultsPath?: string | null
  log?: (line: string) => void
}

export type ScenarioResult = { scenario: string; ops: number; seconds: number; opsPerSec: number; ratio: number; commits: number }

export type BenchReport = {
  date: string
  bun: string
  platform: string
  n: number
  wave: number
  rounds: number
  synchronous: string
  results: ScenarioResult[]
}

type BenchCommand = Command<'Record', { seq: number; note: string }>
type BenchEvent = Event<'Recorded', { seq: number; note: string }>

// A minimal aggregate: what is measured is the store (load, version check, insert, snapshot), not a domain.
const benchAggregate: Aggregate<{ count: number }, BenchCommand, BenchEvent> = {
  name: 'bench',
  stateVersion: 1,
  decider: {
    decide: (command) => [{ type: 'Recorded', data: command.data }],
    evolve: (state) => ({ count: state.count + 1 }),
    initialState: { count: 0 },
  },
}

const record = (seq: number): BenchCommand => ({ type: 'Record', data: { seq, note: 'bench' }, metadata: { now: Date.now() } })

type Scenario = {
  name: string
  step: (count: number) => Promise<void> | void
  commits: () => number
  synchronous: () => string
  close: () => void
}

const synchronousOf = (db: Database) => {
  const value = (db.query('PRAGMA synchronous').get() as { synchronous: number }).synchronous
  return ['OFF', 'NORMAL', 'FULL', 'EXTRA'][value] ?? String(value)
}

// The loop of bench/baseline-sqlite.ts, here so it can run in rounds beside the others.
function rawScenario(path: string): Scenario {
  const db = new Database(path, { create: true })
  db.exec('PRAGMA journal_mode = WAL')
  db.exec('PRAGMA synchronous = FULL')
  db.exec('CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT, stream TEXT, data TEXT, created_at INTEGER)')
  const insert = db.query('INSERT INTO t (stream, data, created_at) VALUES (?, ?, ?)')
  let done = 0
  return {
    name: 'raw bun:sqlite, 1 INSERT per tx',
    step: (count) => {
      for (let i = 0; i < count; i++, done++) {
        db.transaction(() => insert.run(`bench-${done}`, '{"seq":0,"note":"bench"}', Date.now())).immediate()
      }
    },
    commits: () => done,
    synchronous: () => synchronousOf(db),
    close: () => db.close(),
  }
}

function handlerScenario(path: string, wave: number, concurrent: boolean): Scenario {
  const db = openDatabase(path)
  const writer = new Writer(db)
  const handler = new CommandHandler(new EventStore(db), writer)
  let done = 0
  // Streams cycle through `wave` ids: the concurrent waves touch distinct streams, the sequential run the same set.
  const handle = (seq: number) => handler.handle(benchAggregate, `bench-${seq % wave}`, record(seq), {})
  return {
    name: concurrent ? `CommandHandler, waves of ${wave}` : 'CommandHandler, sequential',
    step: async (count) => {
      if (!concurrent) {
        for (let i = 0; i < count; i++) await handle(done++)
        return
      }
      for (let left = count; left > 0; ) {
        const size = Math.min(wave, left)
        // All of a wave issued before any is awaited.
        await Promise.all(Array.from({ length: size }, () => handle(done++)))
        left -= size
      }
    },
    commits: () => writer.batches,
    synchronous: () => synchronousOf(db.$client),
    close: () => db.$client.close(),
  }
}

const round = (value: number, digits = 0) => Math.round(value * 10 ** digits) / 10 ** digits

export function formatTable(report: BenchReport): string {
  return [
    `event store append rate: N=${report.n}, waves of ${report.wave}, ${report.rounds} interleaved rounds, synchronous=${report.synchronous}`,
    '| scenario | ops | seconds | ops/s | vs raw | commits |',
    '|---|---:|---:|---:|---:|---:|',
    ...report.results.map(
      (r) => `| ${r.scenario} | ${r.ops} | ${r.seconds.toFixed(2)} | ${r.opsPerSec} | ${r.ratio.toFixed(2)}x | ${r.commits} |`,
    ),
  ].join('\n')
}

export async function main(options: BenchOptions = {}): Promise<BenchReport> {
  const n = options.n ?? 3000
  const wave = options.wave ?? 64
  const rounds = Math.max(1, Math.min(options.rounds ?? 10, n))
  const deadline = performance.now() + (options.maxSeconds ?? 60) * 1000
  const log = options.log ?? ((line: string) => console.log(line))
  const dir = mkdtempSync(join(tmpdir(), 'spkey-bench-'))
  const scenarios = [
    rawScenario(join(dir, 'raw.db')),
    handlerScenario(join(dir, 'sequential.db'), wave, false),
    handlerScenario(join(dir, 'concurrent.db'), wave, true),
  ]
  const seconds = scenarios.map(() => 0)
  let ops = 0
  try {
    for (let r = 0; r < rounds && performance.now() < deadline; r++) {
      const count = Math.floor((n * (r + 1)) / rounds) - Math.floor((n * r) / rounds)
      for (let k = 0; k < scenarios.length; k++) {
        const index = (r + k) % scenarios.length
        const started = performance.now()
        await scenarios[index]?.step(count)
        seconds[index] = (seconds[index] ?? 0) + (performance.now() - started) / 1000
      }
      ops += count
    }
    const rate = (i: number) => ops / Math.max(seconds[i] ?? 0, 1e-9)
    const report: BenchReport = {
      date: new Date().toISOString(),
      bun: Bun.version,
      platform: `${process.platform}-${process.arch}`,
      n,
      wave,
      rounds,
      synchronous: [...new Set(scenarios.map((s) => s.synchronous()))].join('/'),
      results: scenarios.map((scenario, i) => ({
        scenario: scenario.name,
        ops,
        seconds: round(seconds[i] ?? 0, 3),
        opsPerSec: round(rate(i)),
        ratio: round(rate(i) / rate(0), 2),
        commits: scenario.commits(),
      })),
    }
    log(formatTable(report))
    if (options.resultsPath !== null) {
      const path = options.resultsPath ?? join(import.meta.dir, 'results', 'eventstore.json')
      mkdirSync(dirname(path), { recursive: true })
      writeFileSync(path, `${JSON.stringify(report, null, 2)}\n`)
      log(`written ${path}`)
    }
    return report
  } finally {
    for (const scenario of scenarios) scenario.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: process.argv.slice(2),
    options: { n: { type: 'string' }, wave: { type: 'string' }, rounds: { type: 'string' }, 'max-seconds': { type: 'string' } },
  })
  const number = (raw: string | undefined) => (raw === undefined ? undefined : Number(raw))
  await main({ n: number(values.n), wave: number(values.wave), rounds: number(values.rounds), maxSeconds: number(values['max-seconds']) })
}
