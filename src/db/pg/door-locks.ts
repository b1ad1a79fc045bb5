// One action on a key's door at a time across every process on the database (issue 21): check -> drive -> record runs
// under a session advisory lock held on a connection of its own, so two processes never spend the same use while a
// driver call is in flight, and no transaction stays open across that call. Waiters of one process queue in memory
// first, so a hot key holds one connection per process, not one per request. A process that dies loses its
// connection and the server frees the lock.
import { KeyedMutex } from '../../support/keyed-mutex'
import type { Sql } from './connection'

export class PgDoorLocks {
  private readonly local = new KeyedMutex()

  constructor(private readonly sql: Sql) {}

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    return this.local.run(key, async () => {
      const connection = await this.sql.reserve()
      try {
        await connection`SELECT pg_advisory_lock(hashtextextended(${`door:${key}`}, 0))`
        try {
          return await work()
        } finally {
          await connection`SELECT pg_advisory_unlock(hashtextextended(${`door:${key}`}, 0))`
        }
      } finally {
        connection.release()
      }
    })
  }
}
