// Keeps issue 18's flat-cost group from rotting: one tiny run (a 200-key lock, 1 s loads) over real servers.
import { describe, expect, it } from 'bun:test'
import { formatTable, runBench } from '../../bench/run'

describe('the flat-cost benchmark', () => {
  it('should compare a long history with a short one over HTTP and report each pair as a ratio', async () => {
    const { measured, rows } = await runBench({ scenarios: ['flat-cost'], durationSec: 1, connections: 4, quick: true })

    expect(measured).toHaveLength(2)
    const row = (prefix: string) => {
      const found = rows.find((r) => r.scenario.startsWith(prefix))
      if (!found) throw new Error(`no row "${prefix}" in ${rows.map((r) => r.scenario).join('; ')}`)
      return found
    }
    expect(row('seed ').ratio).toBeGreaterThan(0)
    const pairs = [
      'temp-key open, 200-key lock (half deleted)',
      'create-temp-key, 200-key lock',
      'temp-key open, 10-key lock, while 4 creates hit the 200-key lock',
      'AddPhysicalKey, 4 users of 50+ keys, vs 200 users',
      'collective door open, lock covered by 100 collective keys',
    ]
    for (const prefix of pairs) {
      const pair = row(prefix)
      expect(pair.value).toBeGreaterThan(0)
      expect(pair.errors).toBe(0)
      expect(pair.ratio).toBe(Math.round((pair.value / (pair.baselineValue ?? 1)) * 100) / 100)
    }
    for (const prefix of ['AddPhysicalKey, 200 users', 'AddPhysicalKey, 4 users of 50+ keys']) {
      expect(row(prefix).against).toBe('sqliteTps')
      expect(row(prefix).ratio).toBeGreaterThan(0)
    }
    expect(row('GET /locks/{id}/temp-keys?limit=50 p99, 200-key lock').value).toBeGreaterThan(0)
    expect(row('server RSS after the run').value).toBeGreaterThan(0)
    for (const command of ['open', 'create-temp-key'])
      expect(row(`first ${command} on the 200-key lock after a restart`).value).toBeGreaterThan(0)
    expect(formatTable(measured, rows)).toContain('| >= 0.9 |')
  }, 120_000)
})
