// One-time browser sign-in links (CLI `login-link`, the console's users page): a random token shown once, kept as its
// SHA-256 hash, valid for 15 minutes, spent by one atomic UPDATE so two clicks (or two processes) can never both sign in
// with it. Each link handed out is audited (LoginLinkIssued, in the same transaction as its row).
import { and, eq, gt, isNull, lt } from 'drizzle-orm'
import { loginLinks } from '../db/schema'
import type { Deps } from '../deps'
import { NotFound } from '../domain/errors'
import { userAggregate } from '../domain/user/decide'
import { userStreamId } from '../domain/user/events'
import type { EventMetadata } from '../eventstore/types'
import { findUser } from '../projections/users'
import { sha256Hex } from '../secrets'

export const LOGIN_LINK_TTL_MS = 15 * 60_000

const randomToken = () => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')

export async function issueLoginLink(
  deps: Deps,
  userId: string,
  metadata: EventMetadata = {},
): Promise<{ url: string; expiresAt: string }> {
  if (!findUser(deps.db, userId)) throw new NotFound('User not found')
  const now = deps.clock.now()
  const token = randomToken()
  const expiresAt = new Date(now + LOGIN_LINK_TTL_MS).toISOString()
  const command = { type: 'IssueLoginLink' as const, data: { expiresAt }, metadata: { now } }
  await deps.commands.handle(userAggregate, userStreamId(userId), command, metadata, () => {
    // Expired links are worthless: each issue sweeps them out.
    deps.db.delete(loginLinks).where(lt(loginLinks.expiresAt, now)).run()
    deps.db
      .insert(loginLinks)
      .values({ tokenHash: sha256Hex(token), userId, createdAt: now, expiresAt: now + LOGIN_LINK_TTL_MS, usedAt: null })
      .run()
  })
  return { url: `${deps.config.publicUrl}/login/link?token=${encodeURIComponent(token)}`, expiresAt }
}

const usable = (token: string, now: number) =>
  and(eq(loginLinks.tokenHash, sha256Hex(token)), isNull(loginLinks.usedAt), gt(loginLinks.expiresAt, now))

// Whether the link would still sign in (the confirmation page), without spending it.
export function isLoginLinkUsable(deps: Deps, token: string): boolean {
  return deps.db.select({ userId: loginLinks.userId }).from(loginLinks).where(usable(token, deps.clock.now())).get() !== undefined
}

// Spends the link: the user id the first time, null ever after (and for unknown or expired links).
export function consumeLoginLink(deps: Deps, token: string): string | null {
  const now = deps.clock.now()
  const spent = deps.db.update(loginLinks).set({ usedAt: now }).where(usable(token, now)).returning({ userId: loginLinks.userId }).get()
  return spent?.userId ?? null
}
