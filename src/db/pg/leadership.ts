// One holder of a role (the webhook dispatcher) among the processes on one database (issue 21): a session advisory
// lock on a connection of its own is the lease. Each process tries every `intervalMs`; the holder checks its
// connection as often and steps down the moment it fails. A holder that dies loses its connection, the server frees
// the lock, and another process takes over at its next try.
import type postgres from 'postgres'
import type { Sql } from './connection'

export type LeadershipOptions = {
  intervalMs?: number
  onElected: () => void
  onDeposed: () => void
}

export class Leadership {
  private connection: postgres.ReservedSql | undefined
  private timer: ReturnType<typeof setInterval> | undefined
  private ticking = false
  private stopped = false

  constructor(
    private readonly sql: Sql,
    private readonly role: string,
    private readonly options: LeadershipOptions,
  ) {}

  get isLeader(): boolean {
    return this.connection !== undefined
  }

  async start(): Promise<void> {
    this.timer = setInterval(() => void this.tick(), this.options.intervalMs ?? 1000)
    await this.tick()
  }

  async stop(): Promise<void> {
    this.stopped = true
    clearInterval(this.timer)
    while (this.ticking) await Bun.sleep(5)
    const connection = this.connection
    if (connection) {
      this.connection = undefined
      await connection`SELECT pg_advisory_unlock(hashtextextended(${this.lockName()}, 0))`.catch(() => {})
      connection.release()
      this.options.onDeposed()
    }
  }

  private lockName(): string {
    return `leader:${this.role}`
  }

  private async tick(): Promise<void> {
    if (this.ticking || this.stopped) return
    this.ticking = true
    try {
      if (this.connection) await this.hold(this.connection)
      else await this.tryToLead()
    } finally {
      this.ticking = false
    }
  }

  private async hold(connection: postgres.ReservedSql): Promise<void> {
    try {
      await connection`SELECT 1`
    } catch {
      this.connection = undefined
      // A connection that still answers goes back to the pool without the lock; a dead one took the lock with it.
      await connection`SELECT pg_advisory_unlock_all()`.catch(() => {})
      connection.release()
      this.options.onDeposed()
    }
  }

  private async tryToLead(): Promise<void> {
    let connection: postgres.ReservedSql | undefined
    try {
      connection = await this.sql.reserve()
      const [row] = await connection<{ won: boolean }[]>`SELECT pg_try_advisory_lock(hashtextextended(${this.lockName()}, 0)) AS won`
      if (row?.won && !this.stopped) {
        this.connection = connection
        this.options.onElected()
        return
      }
      if (row?.won) await connection`SELECT pg_advisory_unlock(hashtextextended(${this.lockName()}, 0))`
    } catch {
      // The database is out of reach: try again at the next tick.
    }
    connection?.release()
  }
}
