// API-key lookup on PostgreSQL, as ../../auth/api-keys.ts: the key's owner from the api_keys read model, its last use
// kept to the minute in api_key_usage. No in-memory answers here: a key revoked through another process must stop
// working within the cache bound, which only a cache dropped by the log tail can promise: the read layer's, not this.
import type { KeyOwner } from '../../auth/api-keys'
import { sha256Hex } from '../../secrets'
import type { Sql } from './connection'

const USAGE_WRITE_INTERVAL_MS = 60_000

type Row = { org_id: string; is_super: boolean; expires_at: string | null }

export class PgApiKeyLookup {
  private readonly lastWritten = new Map<string, number>()

  constructor(private readonly sql: Sql) {}

  // A revoked or expired key is as good as none: the caller answers 401.
  async resolve(plain: string, now: number): Promise<KeyOwner | null> {
    const keyHash = sha256Hex(plain)
    const [row] = await this.sql<Row[]>`
      SELECT k.org_id, o.is_super, k.expires_at FROM api_keys k JOIN orgs o ON o.org_id = k.org_id
      WHERE k.key_hash = ${keyHash} AND k.revoked_at IS NULL`
    if (!row || (row.expires_at !== null && Date.parse(row.expires_at) <= now)) return null
    await this.recordUse(keyHash, now)
    return { orgId: row.org_id, isSuper: row.is_super, keyHash }
  }

  // Last-used time is kept to the minute, so a busy key costs no write per request (per process).
  private async recordUse(keyHash: string, now: number): Promise<void> {
    const last = this.lastWritten.get(keyHash) ?? 0
    if (now - last < USAGE_WRITE_INTERVAL_MS) return
    this.lastWritten.set(keyHash, now)
    await this.sql`
      INSERT INTO api_key_usage (key_hash, last_used_at) VALUES (${keyHash}, ${now})
      ON CONFLICT (key_hash) DO UPDATE SET last_used_at = excluded.last_used_at`
  }
}
