// Keeps issue 21's HTTP group from rotting: one tiny run (a 200-key lock, 1 s loads) over real servers on SQLite and
// on PostgreSQL with one and two processes.
import { describe, expect, it } from 'bun:test'
import { formatTable, runBench } from '../../bench/run'

const BACKENDS = ['sqlite, 1 process', 'postgres, 1 process', 'postgres, 2 processes']

describe('the pg-http benchmark', () => {
  it('should report every figure on each backend, and PostgreSQL as ratios to SQLite and to one process', async () => {
    const { measured, rows } = await runBench({ scenarios: ['pg-http'], durationSec: 1, connections: 4, quick: true })

    expect(measured).toHaveLength(2)
    const row = (scenario: string) => {
      const found = rows.find((r) => r.scenario === scenario)
      if (!found) throw new Error(`no row "${scenario}" in ${rows.map((r) => r.scenario).join('; ')}`)
      return found
    }
    expect(rows.find((r) => r.scenario.startsWith('seed PostgreSQL: '))?.ratio).toBeGreaterThan(0)
    const figures = [
      'temp-key open, 10-key lock',
      'temp-key open, 200-key lock (half deleted)',
      'create-temp-key, one hot lock (the 200-key lock)',
      'temp-key open, 10-key lock, alone (1 wrk thread)',
      'temp-key open, 10-key lock, while 4 creates hit the 200-key lock',
      'create-temp-key, 200-key lock, beside those opens',
    ]
    for (const figure of figures) {
      const [sqlite, ...postgres] = BACKENDS.map((backend) => row(`${figure}: ${backend}`))
      expect(sqlite?.against).toBe('sqliteTps')
      expect(sqlite?.ratio).toBeGreaterThan(0)
      for (const figureRow of [sqlite, ...postgres]) {
        expect(figureRow?.value).toBeGreaterThan(0)
        expect(figureRow?.p99Ms).toBeGreaterThan(0)
        expect(figureRow?.errors).toBe(0)
      }
      for (const pg of postgres) expect(pg?.ratio).toBe(Math.round(((pg?.value ?? 0) / (sqlite?.value ?? 1)) * 100) / 100)
      const scaleOut = row(`${figure}: postgres, 2 processes vs 1`)
      expect(scaleOut.value).toBe(postgres[1]?.value ?? -1)
      expect(scaleOut.baselineValue).toBe(postgres[0]?.value ?? -1)
    }
    for (const backend of BACKENDS) {
      expect(row(`temp-key open, 200-key lock (half deleted) vs 10-key lock: ${backend}`).ratio).toBeGreaterThan(0)
      expect(row(`temp-key open, 10-key lock, while 4 creates hit the 200-key lock, vs alone: ${backend}`).ratio).toBeGreaterThan(0)
      expect(row(`first create-temp-key on the 200-key lock after seeding (log only, no snapshot): ${backend}`).value).toBeGreaterThan(0)
    }
    expect(formatTable(measured, rows)).toContain('| >= 0.9 |')
  }, 180_000)
})
