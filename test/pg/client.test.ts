// The PostgreSQL client's conformance: what spkey's correctness leans on, checked on the client and server in use
// (DESIGN.md: a client is used only once these pass).
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { openPostgres, type Sql } from '../../src/db/pg/connection'
import { freshDatabase } from '../fixtures/postgres'

let sql: Sql
beforeAll(async () => {
  sql = openPostgres(await freshDatabase(), { max: 10 })
  await sql`CREATE TABLE claims (stream_id text, version int, UNIQUE (stream_id, version))`
})
afterAll(() => sql.end())

const codeOf = (error: unknown) => (error as { code?: string }).code

describe('the postgres client', () => {
  it('should fail all but one of 50 concurrent transactions inserting the same unique row, each with 23505', async () => {
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) =>
        sql.begin(async (tx) => {
          await tx`SELECT ${i}::int`
          await tx`INSERT INTO claims VALUES ('race', 1)`
          await tx`SELECT pg_sleep(0.001)`
        }),
      ),
    )
    const refused = outcomes.filter((o) => o.status === 'rejected')
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1)
    expect(refused.map((o) => codeOf((o as PromiseRejectedResult).reason))).toEqual(Array(49).fill('23505'))
    const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM claims WHERE stream_id = 'race'`
    expect(row?.n).toBe(1)
  })

  it('should give each of 2,000 interleaved prepared queries its own rows', async () => {
    const shapes = [
      (i: number) => sql<{ v: number }[]>`SELECT ${i}::int AS v`,
      (i: number) => sql<{ v: number }[]>`SELECT v FROM (SELECT ${i}::int AS v, 'x'::text AS pad) AS t`,
      (i: number) => sql<{ v: number }[]>`SELECT ${String(i)}::text::int AS v, now() AS at`,
    ]
    const answers = await Promise.all(Array.from({ length: 2000 }, (_, i) => shapes[i % 3]!(i)))
    expect(answers.map((rows) => rows[0]?.v)).toEqual(Array.from({ length: 2000 }, (_, i) => i))
  })

  it('should keep listening after the listening connection is killed', async () => {
    const heard: string[] = []
    const listening = await sql.listen('spkey_test', (payload) => heard.push(payload))
    await sql.notify('spkey_test', 'before')
    await until(() => heard.includes('before'))
    await sql`SELECT pg_terminate_backend(${listening.state.pid})`
    // The client reconnects and listens again by itself; notifications sent while it was away are not replayed,
    // which is why the log tail polls as well.
    await until(async () => {
      await sql.notify('spkey_test', 'after')
      return heard.includes('after')
    })
    await listening.unlisten()
  })
})

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out')
    await Bun.sleep(20)
  }
}
