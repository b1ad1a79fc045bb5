// Keeps issue 21's store benchmark from rotting: 1 s runs of every row, SQLite and PostgreSQL, in child processes.
import { describe, expect, it } from 'bun:test'
import { runBench } from '../../bench/run'

describe('the pg-store benchmark', () => {
  it('should drive each backend spread and hot, and report PostgreSQL as a ratio to the SQLite handler', async () => {
    const { rows } = await runBench({ scenarios: ['pg-store'], durationSec: 1, connections: 4, quick: true })
    expect(rows.map((r) => r.scenario)).toEqual(
      ['64 locks', 'one hot lock'].flatMap((shape) =>
        ['sqlite, 1 process', 'postgres, 1 process', 'postgres, 2 processes'].map((name) => `commands, ${shape}: ${name}`),
      ),
    )
    for (const row of rows) {
      expect(row.value).toBeGreaterThan(0)
      const sqlite = rows.find((r) => r.scenario.startsWith(row.scenario.split(':')[0] as string))?.value ?? 0
      expect(row.ratio).toBe(Math.round((row.value / sqlite) * 100) / 100)
    }
  }, 60_000)
})
