// API keys on PostgreSQL, as ../../auth/api-keys.ts finds them: the key's owner from the api_keys read model, its last
// use in api_key_usage. The answers are kept by the read cache (ApiKeyLookup), dropped by the log tail, so a key
// revoked through another process stops working within the tail's bound.
import type { ApiKeySource } from '../../auth/api-keys'
import type { Sql } from './connection'

type Row = { org_id: string; is_super: boolean; expires_at: string | null }

export function pgApiKeys(sql: Sql): ApiKeySource {
  return {
    async find(keyHash) {
      const [row] = await sql<Row[]>`
        SELECT k.org_id, o.is_super, k.expires_at FROM api_keys k JOIN orgs o ON o.org_id = k.org_id
        WHERE k.key_hash = ${keyHash} AND k.revoked_at IS NULL`
      if (!row) return null
      return { orgId: row.org_id, isSuper: row.is_super, expiresAt: row.expires_at === null ? null : Date.parse(row.expires_at) }
    },
    async noteUse(keyHash, now) {
      await sql`
        INSERT INTO api_key_usage (key_hash, last_used_at) VALUES (${keyHash}, ${now})
        ON CONFLICT (key_hash) DO UPDATE SET last_used_at = excluded.last_used_at`
    },
  }
}
