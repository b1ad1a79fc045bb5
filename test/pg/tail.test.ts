// Two processes on one PostgreSQL: what A commits reaches B's tail within the 500 ms bound, also after B's listening
// connection is killed, and B knows when it cannot promise that.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { PgEventStore } from '../../src/eventstore/pg-store'
import { CommitSignal, LogTail } from '../../src/eventstore/pg-tail'
import type { StoredEvent } from '../../src/eventstore/types'
import { pgProcesses } from '../fixtures/postgres'

const db = pgProcesses()
const pool = () => db.pool(10)
const tails: LogTail[] = []
beforeAll(() => db.setUp())
afterAll(async () => {
  await Promise.all(tails.map((tail) => tail.stop()))
  await db.closeAll()
})

// Process A appends and signals after commit, as the command handler's onCommitted does.
function writer() {
  const sql = pool()
  const store = new PgEventStore(sql)
  const signal = new CommitSignal(sql)
  return async (streamId: string) => {
    await store.transaction((tx) => store.append(tx, streamId, 0, [{ type: 'Changed', data: {} }], {}, 0))
    signal.signal()
  }
}

async function reader(pollMs: number) {
  const seen: StoredEvent[] = []
  const tail = new LogTail(new PgEventStore(pool()), { onEvents: (events) => seen.push(...events), pollMs })
  tails.push(tail)
  await tail.start()
  const msUntilSeen = async (streamId: string) => {
    const start = performance.now()
    while (!seen.some((e) => e.streamId === streamId)) {
      if (performance.now() - start > 5000) throw new Error(`${streamId} not seen in 5 s`)
      await Bun.sleep(5)
    }
    return performance.now() - start
  }
  return { tail, seen, msUntilSeen }
}

describe('a log tail on another process', () => {
  it('should be woken by the commit signal long before its next poll', async () => {
    const append = writer()
    const b = await reader(60_000)
    await append('tail-wake')
    expect(await b.msUntilSeen('tail-wake')).toBeLessThan(500)
    expect(b.seen.filter((e) => e.streamId === 'tail-wake')).toHaveLength(1)
  })

  it('should see every change within 500 ms, also after its listening connection is killed', async () => {
    const append = writer()
    const b = await reader(100)
    const admin = db.pool(1)
    const [listener] = await admin<{ pid: number }[]>`
      SELECT pid FROM pg_stat_activity WHERE application_name = 'spkey' AND query LIKE 'listen%'`
    expect(listener).toBeDefined()
    await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'spkey' AND query LIKE 'listen%'`
    const delays: number[] = []
    for (let i = 0; i < 10; i++) {
      await append(`tail-killed-${i}`)
      delays.push(await b.msUntilSeen(`tail-killed-${i}`))
    }
    expect(Math.max(...delays)).toBeLessThan(500)
    expect(b.tail.isFresh()).toBe(true)
  })

  it('should not call itself fresh while an older transaction holds back a newer commit, and catch up after it', async () => {
    const append = writer()
    const b = await reader(50)
    let release = () => {}
    const held = new Promise<void>((resolve) => (release = resolve))
    const sql = pool()
    const store = new PgEventStore(sql)
    const older = store.transaction(async (tx) => {
      await store.append(tx, 'tail-older', 0, [{ type: 'Changed', data: {} }], {}, 0)
      await held
    })
    await Bun.sleep(20)
    await append('tail-newer')
    await Bun.sleep(700)
    expect(b.seen.some((e) => e.streamId === 'tail-newer')).toBe(false)
    expect(b.tail.isFresh()).toBe(false)
    release()
    await older
    await b.msUntilSeen('tail-newer')
    expect(
      b.seen
        .filter((e) => e.streamId.startsWith('tail-'))
        .map((e) => e.streamId)
        .slice(-2),
    ).toEqual(['tail-older', 'tail-newer'])
    await Bun.sleep(150)
    expect(b.tail.isFresh()).toBe(true)
  })
})
