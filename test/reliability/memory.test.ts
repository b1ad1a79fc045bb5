// The busy server's full collections: one after each slice of CPU the process spends, none while it idles.
import { describe, expect, test } from 'bun:test'
import { collectWhileBusy } from '../../src/server'

const burn = (ms: number) => {
  const until = performance.now() + ms
  let x = 0
  while (performance.now() < until) x += Math.sqrt(x + 1)
  return x
}

describe('collectWhileBusy', () => {
  test('collects after the process has spent the CPU slice, and not while it sleeps', async () => {
    let collections = 0
    const stop = collectWhileBusy(50, () => collections++)
    try {
      await Bun.sleep(200)
      expect(collections).toBe(0)

      burn(150)
      await Bun.sleep(120)
      expect(collections).toBeGreaterThan(0)

      const after = collections
      await Bun.sleep(200)
      expect(collections).toBe(after)
    } finally {
      stop()
    }
  })
})
