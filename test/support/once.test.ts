// The one-time-token memory: bounded by age and by count, so tokens anyone can send never grow it for ever.
import { describe, expect, it } from 'bun:test'
import { OnceCache } from '../../src/support/once'

const DAY = 24 * 60 * 60 * 1000

// Counts how often each token's work ran.
function counted(cache: OnceCache<string>) {
  const runs: string[] = []
  const run = (token: string, now: number) =>
    cache.run(token, now, async () => {
      runs.push(token)
      return token
    })
  return { runs, run }
}

describe('the one-time-token memory (issue 24 #10)', () => {
  it('should forget the oldest token once it holds more than its cap', async () => {
    const { runs, run } = counted(new OnceCache<string>(DAY, 2))
    for (const token of ['a', 'b', 'c', 'c', 'b']) await run(token, 0)
    expect(runs).toEqual(['a', 'b', 'c'])
    await run('a', 0)
    expect(runs).toEqual(['a', 'b', 'c', 'a'])
  })

  it('should forget a token after a day, however few it holds', async () => {
    const { runs, run } = counted(new OnceCache<string>(DAY))
    await run('a', 0)
    await run('a', DAY)
    expect(runs).toEqual(['a'])
    await run('a', DAY + 1)
    expect(runs).toEqual(['a', 'a'])
  })
})
