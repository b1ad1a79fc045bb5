// One-time browser sign-in links on PostgreSQL, as ../../data/sqlite.ts reads them: a link is written beside its
// LoginLinkIssued event (vault.ts applyVaultWrites) and spent by one UPDATE ... WHERE unused RETURNING. A racing
// process's UPDATE of the same row waits for the first to commit, then finds the row used: one sign-in per link.
import type { Sql, Tx } from './connection'

export async function isLoginLinkUsable(sql: Sql | Tx, tokenHash: string, now: number): Promise<boolean> {
  const rows = await sql`SELECT 1 FROM login_links WHERE token_hash = ${tokenHash} AND used_at IS NULL AND expires_at > ${now}`
  return rows.length > 0
}

export async function consumeLoginLink(sql: Sql | Tx, tokenHash: string, now: number): Promise<string | null> {
  const [spent] = await sql<{ user_id: string }[]>`
    UPDATE login_links SET used_at = ${now}
    WHERE token_hash = ${tokenHash} AND used_at IS NULL AND expires_at > ${now}
    RETURNING user_id`
  return spent?.user_id ?? null
}
