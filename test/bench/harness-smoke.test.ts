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
})
