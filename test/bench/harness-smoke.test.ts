// Keeps `npm run bench` from rotting: one tiny run of the harness with real servers and real load.
import { describe, expect, it } from 'bun:test'
import { formatTable, runBench } from '../../bench/run'

describe('the benchmark harness', () => {
  it('should measure the baselines and a durable-command scenario, and report ratios', async () => {
    const { base, rows } = await runBench({ scenarios: ['add-physical-key'], durationSec: 1, connections: 4, quick: true })
    expect(base.staticRps).toBeGreaterThan(0)
    expect(base.sqliteTps).toBeGreaterThan(0)
    const row = rows.find((r) => r.scenario.startsWith('AddPhysicalKey'))
    expect(row?.value).toBeGreaterThan(0)
    expect(row?.errors).toBe(0)
    expect(row?.ratio).toBeGreaterThan(0)
    expect(formatTable(base, rows)).toContain('| AddPhysicalKey (durable) |')
  }, 60_000)
})
