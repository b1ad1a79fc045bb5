// Coordination between processes on one PostgreSQL: a door's lock and a role's single leader.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { spawn } from 'bun'
import { join } from 'node:path'
import { PgDoorLocks } from '../../src/db/pg/door-locks'
import { Leadership } from '../../src/db/pg/leadership'
import { pgProcesses } from '../fixtures/postgres'

const db = pgProcesses({ migrate: false })
const pool = () => db.pool()
beforeAll(() => db.setUp())
afterAll(() => db.closeAll())

describe('door locks across processes', () => {
  it('should run one action per key at a time across three processes, and other keys beside it', async () => {
    const processes = [new PgDoorLocks(pool()), new PgDoorLocks(pool()), new PgDoorLocks(pool())]
    const active = new Map<string, number>()
    let overlaps = 0
    let mostKeysAtOnce = 0
    const act = async (key: string) => {
      const now = (active.get(key) ?? 0) + 1
      active.set(key, now)
      if (now > 1) overlaps++
      mostKeysAtOnce = Math.max(mostKeysAtOnce, [...active.values()].filter((n) => n > 0).length)
      await Bun.sleep(5)
      active.set(key, (active.get(key) ?? 1) - 1)
    }
    await Promise.all(Array.from({ length: 60 }, (_, i) => processes[i % 3]!.run(`key-${i % 2}`, () => act(`key-${i % 2}`))))
    expect(overlaps).toBe(0)
    expect(mostKeysAtOnce).toBe(2)
  })

  it("should hand the lock on when its holder fails, and when the holder's connection dies", async () => {
    const a = new PgDoorLocks(pool())
    const b = new PgDoorLocks(pool())
    await expect(a.run('key-fail', async () => Promise.reject(new Error('driver down')))).rejects.toThrow('driver down')
    expect(await b.run('key-fail', async () => 'opened')).toBe('opened')

    const killer = pool()
    let held = () => {}
    const holding = new Promise<void>((resolve) => (held = resolve))
    const stuck = a.run('key-dies', async () => {
      held()
      await Bun.sleep(60_000)
    })
    stuck.catch(() => {})
    await holding
    await killer`SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()`
    const started = performance.now()
    expect(await b.run('key-dies', async () => 'opened')).toBe('opened')
    expect(performance.now() - started).toBeLessThan(5000)
  })
})

describe('a single leader', () => {
  it('should elect exactly one of three, and another when it stops', async () => {
    const elected: number[] = []
    const leaders = [0, 1, 2].map(
      (i) => new Leadership(pool(), 'dispatcher-a', { intervalMs: 50, onElected: () => elected.push(i), onDeposed: () => {} }),
    )
    await Promise.all(leaders.map((leader) => leader.start()))
    await Bun.sleep(200)
    expect(elected).toHaveLength(1)
    expect(leaders.filter((leader) => leader.isLeader)).toHaveLength(1)
    const first = elected[0] as number
    await leaders[first]!.stop()
    await Bun.sleep(200)
    expect(elected).toHaveLength(2)
    expect(leaders.filter((leader) => leader.isLeader)).toHaveLength(1)
    await Promise.all(leaders.map((leader) => leader.stop()))
  })

  it('should take over within 10 s when the leading process is killed with SIGKILL', async () => {
    const child = spawn(['bun', join(import.meta.dir, 'fixtures/leader.ts'), db.url()], { stdout: 'pipe', stderr: 'inherit' })
    const reader = child.stdout.getReader()
    const { value } = await reader.read()
    expect(new TextDecoder().decode(value)).toBe('elected\n')
    let electedAt = 0
    const here = new Leadership(pool(), 'dispatcher', {
      intervalMs: 200,
      onElected: () => (electedAt = performance.now()),
      onDeposed: () => {},
    })
    await here.start()
    await Bun.sleep(500)
    expect(here.isLeader).toBe(false)
    const killedAt = performance.now()
    child.kill('SIGKILL')
    while (!here.isLeader && performance.now() - killedAt < 15_000) await Bun.sleep(50)
    expect(here.isLeader).toBe(true)
    expect(electedAt - killedAt).toBeLessThan(10_000)
    await here.stop()
  }, 30_000)
})
