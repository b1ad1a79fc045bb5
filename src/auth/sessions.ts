// Signed-out sessions: a session JWT revoked by POST /logout is refused from then on, on pages and the JSON API alike.
// Only its SHA-256 is stored (a copied database yields no usable token), kept until the token would have expired
// anyway. Every revocation still valid is held in memory, so verifying a token never queries the database.
import { lte } from 'drizzle-orm'
import type { Db } from '../db/connection'
import { revokedSessions } from '../db/schema'
import { sha256Hex } from '../secrets'

export class SessionRevocations {
  // Token hash -> the token's own expiry (ms): bounded by the revocations whose tokens could still verify.
  private readonly revoked = new Map<string, number>()

  // `now` is wall time, as jose's expiry check is: a revocation must outlive every moment its token still verifies.
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.purge()
    for (const row of db.select().from(revokedSessions).all()) this.revoked.set(row.tokenHash, row.expiresAt)
  }

  // Cheap when nothing is revoked (the common case): no hashing at all.
  readonly isRevoked = (token: string): boolean => this.revoked.size > 0 && this.revoked.has(sha256Hex(token))

  // `expiresAt` (ms) is the token's `exp`; each revocation also sweeps out the ones that no longer matter.
  async revoke(token: string, expiresAt: number): Promise<void> {
    const tokenHash = sha256Hex(token)
    this.purge()
    this.db.insert(revokedSessions).values({ tokenHash, expiresAt, revokedAt: this.now() }).onConflictDoNothing().run()
    this.revoked.set(tokenHash, expiresAt)
  }

  get size(): number {
    return this.revoked.size
  }

  private purge(): void {
    const now = this.now()
    this.db.delete(revokedSessions).where(lte(revokedSessions.expiresAt, now)).run()
    for (const [hash, expiresAt] of this.revoked) if (expiresAt <= now) this.revoked.delete(hash)
  }
}
