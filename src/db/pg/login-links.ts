// One-time browser sign-in links on PostgreSQL, as ../../auth/login-links.ts: the token's hash written beside its
// LoginLinkIssued event in the command's transaction, and spent by one UPDATE ... WHERE unused RETURNING. A racing
// process's UPDATE of the same row waits for the first to commit, then finds the row used: one sign-in per link.
import { NotFound } from '../../domain/errors'
import { userAggregate } from '../../domain/user/decide'
import { userStreamId } from '../../domain/user/events'
import type { EventMetadata } from '../../eventstore/types'
import { LOGIN_LINK_TTL_MS } from '../../auth/login-links'
import { sha256Hex } from '../../secrets'
import type { PgDeps } from './deps'

const randomToken = () => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')

export async function issueLoginLink(
  deps: PgDeps,
  userId: string,
  metadata: EventMetadata = {},
): Promise<{ url: string; expiresAt: string }> {
  const known = await deps.sql`SELECT 1 FROM users WHERE user_id = ${userId}`
  if (known.length === 0) throw new NotFound('User not found')
  const now = deps.clock.now()
  const token = randomToken()
  const expiresAt = new Date(now + LOGIN_LINK_TTL_MS).toISOString()
  const command = { type: 'IssueLoginLink' as const, data: { expiresAt }, metadata: { now } }
  await deps.commands.handle(userAggregate, userStreamId(userId), command, metadata, async (_, tx) => {
    // Expired links are worthless: each issue sweeps them out.
    await tx`DELETE FROM login_links WHERE expires_at < ${now}`
    await tx`
      INSERT INTO login_links (token_hash, user_id, created_at, expires_at, used_at)
      VALUES (${sha256Hex(token)}, ${userId}, ${now}, ${now + LOGIN_LINK_TTL_MS}, NULL)`
  })
  return { url: `${deps.config.publicUrl}/login/link?token=${encodeURIComponent(token)}`, expiresAt }
}

// Whether the link would still sign in (the confirmation page), without spending it.
export async function isLoginLinkUsable(deps: Pick<PgDeps, 'sql' | 'clock'>, token: string): Promise<boolean> {
  const rows = await deps.sql`
    SELECT 1 FROM login_links WHERE token_hash = ${sha256Hex(token)} AND used_at IS NULL AND expires_at > ${deps.clock.now()}`
  return rows.length > 0
}

// Spends the link: the user id the first time, null ever after (and for unknown or expired links).
export async function consumeLoginLink(deps: Pick<PgDeps, 'sql' | 'clock'>, token: string): Promise<string | null> {
  const now = deps.clock.now()
  const [spent] = await deps.sql<{ user_id: string }[]>`
    UPDATE login_links SET used_at = ${now}
    WHERE token_hash = ${sha256Hex(token)} AND used_at IS NULL AND expires_at > ${now}
    RETURNING user_id`
  return spent?.user_id ?? null
}
