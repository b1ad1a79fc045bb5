// API keys as the docs' partner onboarding describes: 40 random alphanumerics, shown once, stored as a SHA-256
// hash (the key is high-entropy, so a fast hash is the right tool) with an 8-character prefix for display.
import type { Statement } from 'bun:sqlite'
import type { Db } from '../db/connection'
import type { KnownKey, Reads } from '../reads/reads'
import { randomAlphanumeric, sha256Hex } from '../secrets'

export type IssuedKey = { plain: string; hash: string; prefix: string }

export function generateApiKey(): IssuedKey {
  const plain = randomAlphanumeric(40)
  return { plain, hash: sha256Hex(plain), prefix: plain.slice(0, 8) }
}

export type KeyOwner = { orgId: string; isSuper: boolean; keyHash: string }

const USAGE_WRITE_INTERVAL_MS = 60_000

// Where keys are found and their use noted: the api_keys read model and api_key_usage, on either database.
export type ApiKeySource = {
  find(keyHash: string): Promise<KnownKey | null>
  noteUse(keyHash: string, now: number): Promise<void>
}

type Row = { org_id: string; is_super: number; expires_at: string | null }

export function sqliteApiKeys(db: Db): ApiKeySource {
  const c = db.$client
  const find: Statement<Row, [string]> = c.query(
    'SELECT k.org_id, o.is_super, k.expires_at FROM api_keys k JOIN orgs o ON o.org_id = k.org_id ' +
      'WHERE k.key_hash = ? AND k.revoked_at IS NULL',
  )
  const touch: Statement<unknown, [string, number]> = c.query(
    'INSERT INTO api_key_usage (key_hash, last_used_at) VALUES (?, ?) ' +
      'ON CONFLICT(key_hash) DO UPDATE SET last_used_at = excluded.last_used_at',
  )
  return {
    async find(keyHash) {
      const row = find.get(keyHash)
      if (!row) return null
      return { orgId: row.org_id, isSuper: row.is_super === 1, expiresAt: row.expires_at === null ? null : Date.parse(row.expires_at) }
    },
    async noteUse(keyHash, now) {
      touch.run(keyHash, now)
    },
  }
}

export class ApiKeyLookup {
  private readonly lastWritten = new Map<string, number>()

  constructor(
    private readonly source: ApiKeySource,
    private readonly reads: Reads,
  ) {}

  // A revoked or expired key is as good as none: the caller answers 401.
  // Known keys are cached until their org's stream changes (issue, revoke, rotate); unknown ones never are.
  async resolve(plain: string, now: number): Promise<KeyOwner | null> {
    const keyHash = sha256Hex(plain)
    const known = await this.reads.apiKey(keyHash, now, () => this.source.find(keyHash))
    if (!known || (known.expiresAt !== null && known.expiresAt <= now)) return null
    await this.recordUse(keyHash, now)
    return { orgId: known.orgId, isSuper: known.isSuper, keyHash }
  }

  // Last-used time is kept to the minute (per process), so a busy key costs no write per request.
  private async recordUse(keyHash: string, now: number): Promise<void> {
    const last = this.lastWritten.get(keyHash) ?? 0
    if (now - last < USAGE_WRITE_INTERVAL_MS) return
    this.lastWritten.set(keyHash, now)
    await this.source.noteUse(keyHash, now)
  }
}
