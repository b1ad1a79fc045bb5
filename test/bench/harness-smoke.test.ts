// Keeps `npm run bench` from rotting: one tiny run of the harness with real servers and real load.
import { describe, expect, it } from 'bun:test'
import { type Baselines, formatTable, runBench } from '../../bench/run'

describe('the benchmark harness', () => {
  it('should measure the baselines either side of a durable-command scenario, and report its ratio to their mean', async () => {
    const { measured, rows } = await runBench({ scenarios: ['add-physical-key'], durationSec: 1, connections: 4, quick: true })
    expect(measured).toHaveLength(2)
    for (const base of measured) {
      expect(base.staticRps).toBeGreaterThan(0)
      expect(base.sqliteTps).toBeGreaterThan(0)
    }
    const [before, after] = measured as [Baselines, Baselines]
    const row = rows.find((r) => r.scenario.startsWith('AddPhysicalKey'))
    expect(row?.value).toBeGreaterThan(0)
    expect(row?.errors).toBe(0)
    expect(row?.baselineValue).toBe(Math.round((before.sqliteTps + after.sqliteTps) / 2))
    expect(row?.ratio).toBe(Math.round(((row?.value ?? 0) / (row?.baselineValue ?? 1)) * 100) / 100)
    expect(formatTable(measured, rows)).toContain(`| AddPhysicalKey (durable) | ${row?.value} req/s | ${row?.ratio} |`)
  }, 60_000)

  it('should time aggregate loads, server start and a projection rebuild on long streams', async () => {
    const { measured, rows } = await runBench({ scenarios: ['long-streams'], durationSec: 1, connections: 4, quick: true })
    expect(measured).toEqual([])
    expect(rows.map((r) => r.scenario)).toEqual([
      'aggregate load, 100 events',
      'aggregate load, 1000 events',
      'server start, 1000 events',
      'projection rebuild, 1000 events',
    ])
    for (const row of rows) {
      expect(row.value).toBeGreaterThan(0)
      expect(row.ratio).toBeGreaterThan(0)
    }
    expect(rows[0]?.ratio).toBe(1)
  }, 60_000)
})
