// The busy server's paced collections: one after each slice of CPU the process spends, none while it idles, and a slow
// collection spaces the next ones out.
import { describe, expect, test } from 'bun:test'
import { collectWhileBusy } from '../../src/gc-pacing'

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

  test('a collection that takes long waits proportionally longer for the next one', async () => {
    let collections = 0
    // 15 ms per collection at a 3% share: the next one only after ~500 ms more CPU, not after 30 ms.
    const stop = collectWhileBusy(30, () => {
      collections++
      burn(15)
    })
    try {
      for (let i = 0; i < 8; i++) {
        burn(40)
        await Bun.sleep(25)
      }
      expect(collections).toBe(1)
    } finally {
      stop()
    }
  })
})
