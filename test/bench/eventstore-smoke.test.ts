// Keeps bench/eventstore.bench.ts from rotting: one tiny run of all three scenarios, writing no results file.
import { describe, expect, it } from 'bun:test'
import { formatTable, main } from '../../bench/eventstore.bench'

describe('the event store benchmark', () => {
  it('should measure raw SQLite, sequential and grouped appends, and report ratios', async () => {
    const lines: string[] = []

    const report = await main({ n: 50, wave: 16, rounds: 2, maxSeconds: 20, resultsPath: null, log: (line) => lines.push(line) })

    expect(report.synchronous).toBe('FULL')
    expect(report.results.map((r) => r.ops)).toEqual([50, 50, 50])
    for (const result of report.results) {
      expect(result.opsPerSec).toBeGreaterThan(0)
      expect(result.ratio).toBeGreaterThan(0)
    }
    // Sequential commands commit one by one; 2 rounds of 25 in waves of 16 are 4 waves, one shared commit each.
    expect(report.results[1]?.commits).toBe(50)
    expect(report.results[2]?.commits).toBeLessThanOrEqual(8)
    expect(lines.join('\n')).toBe(formatTable(report))
    expect(formatTable(report)).toContain('| CommandHandler, waves of 16 |')
  }, 30_000)
})
