// Signed-out sessions on PostgreSQL, as ../../auth/sessions.ts: only the token's SHA-256 is stored, until the token
// would have expired anyway, and every revocation still valid is held in memory. Other processes sign people out
// too: the memory is refreshed from the table every 100 ms, so a sign-out through any process is refused here within
// 500 ms; while refreshing fails or lags past that, each check asks the table instead.
//
// A refresh reads only rows written since the last one began, told apart without a column of their own (the table
// keeps SQLite's shape) by the writing transaction's id, `xmin`: every transaction older than the oldest one running
// at a refresh (its snapshot's xmin, the horizon) had committed or failed by then, so its rows were read then. The next
// refresh reads the rows of transactions from that horizon on (compared modulo 2^32, as the server compares ids).
import { sha256Hex } from '../../secrets'
import type { Sql } from './connection'

export type PgSessionRevocationsOptions = {
  // Wall time, as jose's expiry check is: a revocation must outlive every moment its token still verifies.
  now?: () => number
  pollMs?: number
  // How old the last refresh may be for the memory to answer.
  boundMs?: number
}

const XID_SPAN = 4294967296
const XID_HALF = 2147483648
// Ids below 3 are the server's own (bootstrap, frozen): rows from before every horizon.
const FIRST_NORMAL_XID = 3

type Refreshed = { horizon: string; token_hash: string | null; expires_at: number | null }

export class PgSessionRevocations {
  private readonly revoked = new Map<string, number>()
  private readonly now: () => number
  private readonly pollMs: number
  private readonly boundMs: number
  private horizon: bigint | undefined
  // performance.now() when the last successful refresh began: everything committed before then is in memory.
  private refreshedAt = Number.NEGATIVE_INFINITY
  private timer: ReturnType<typeof setInterval> | undefined
  private running: Promise<void> | undefined

  constructor(
    private readonly sql: Sql,
    options: PgSessionRevocationsOptions = {},
  ) {
    this.now = options.now ?? Date.now
    this.pollMs = options.pollMs ?? 100
    this.boundMs = options.boundMs ?? 500
  }

  // Every revocation still valid read in, then kept up to date until stop().
  async start(): Promise<void> {
    await this.purge()
    await this.refresh()
    this.timer = setInterval(() => {
      this.running ??= this.refresh()
        .catch(() => {})
        .finally(() => {
          this.running = undefined
        })
    }, this.pollMs)
  }

  async stop(): Promise<void> {
    clearInterval(this.timer)
    await this.running
  }

  isFresh(): boolean {
    return performance.now() - this.refreshedAt <= this.boundMs
  }

  // Cheap when nothing is revoked (the common case) and the memory is fresh: no hashing, no query.
  readonly isRevoked = async (token: string): Promise<boolean> => {
    if (this.isFresh()) return this.revoked.size > 0 && this.revoked.has(sha256Hex(token))
    const rows = await this.sql`SELECT 1 FROM revoked_sessions WHERE token_hash = ${sha256Hex(token)}`
    return rows.length > 0
  }

  // `expiresAt` (ms) is the token's `exp`; each revocation also sweeps out the ones that no longer matter.
  async revoke(token: string, expiresAt: number): Promise<void> {
    const tokenHash = sha256Hex(token)
    await this.purge()
    await this.sql`
      INSERT INTO revoked_sessions (token_hash, expires_at, revoked_at) VALUES (${tokenHash}, ${expiresAt}, ${this.now()})
      ON CONFLICT (token_hash) DO NOTHING`
    this.revoked.set(tokenHash, expiresAt)
  }

  get size(): number {
    return this.revoked.size
  }

  private async purge(): Promise<void> {
    await this.sql`DELETE FROM revoked_sessions WHERE expires_at <= ${this.now()}`
    this.forgetExpired()
  }

  // The rows another process's purge deleted are gone from memory here too, once their tokens have expired.
  private forgetExpired(): void {
    const now = this.now()
    for (const [hash, expiresAt] of this.revoked) if (expiresAt <= now) this.revoked.delete(hash)
  }

  private async refresh(): Promise<void> {
    const startedAt = performance.now()
    const since = this.horizon === undefined ? null : Number(this.horizon % BigInt(XID_SPAN))
    const rows = await this.sql<Refreshed[]>`
      SELECT h.horizon::text AS horizon, r.token_hash, r.expires_at
      FROM (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS horizon) h
      LEFT JOIN revoked_sessions r ON ${since}::bigint IS NULL OR (
        r.xmin::text::bigint >= ${FIRST_NORMAL_XID}
        AND ((r.xmin::text::bigint - ${since}::bigint) % ${XID_SPAN} + ${XID_SPAN}) % ${XID_SPAN} < ${XID_HALF})`
    for (const row of rows) if (row.token_hash !== null && row.expires_at !== null) this.revoked.set(row.token_hash, row.expires_at)
    this.forgetExpired()
    const horizon = rows[0]?.horizon
    if (horizon !== undefined) this.horizon = BigInt(horizon)
    this.refreshedAt = startedAt
  }
}
