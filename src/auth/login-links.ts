// One-time browser sign-in links (CLI `login-link`, the console's users page): a random token shown once, kept as its
// SHA-256 hash, valid for 15 minutes, spent by one atomic UPDATE so two clicks (or two processes) can never both sign in
// with it. Each link handed out is audited (LoginLinkIssued, in the same transaction as its row).
import type { Deps } from '../deps'
import { NotFound } from '../domain/errors'
import { userAggregate } from '../domain/user/decide'
import { userStreamId } from '../domain/user/events'
import type { EventMetadata } from '../eventstore/types'
import { sha256Hex } from '../secrets'

export const LOGIN_LINK_TTL_MS = 15 * 60_000

const randomToken = () => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')

export async function issueLoginLink(
  deps: Deps,
  userId: string,
  metadata: EventMetadata = {},
): Promise<{ url: string; expiresAt: string }> {
  if (!(await deps.data.findUser(userId))) throw new NotFound('User not found')
  const now = deps.clock.now()
  const token = randomToken()
  const expiresAt = new Date(now + LOGIN_LINK_TTL_MS).toISOString()
  const command = { type: 'IssueLoginLink' as const, data: { expiresAt }, metadata: { now } }
  await deps.commands.handle(userAggregate, userStreamId(userId), command, metadata, () => [
    { kind: 'login-link', userId, tokenHash: sha256Hex(token), now, expiresAt: now + LOGIN_LINK_TTL_MS },
  ])
  return { url: `${deps.config.publicUrl}/login/link?token=${encodeURIComponent(token)}`, expiresAt }
}

// Whether the link would still sign in (the confirmation page), without spending it.
export const isLoginLinkUsable = (deps: Deps, token: string): Promise<boolean> =>
  deps.data.isLoginLinkUsable(sha256Hex(token), deps.clock.now())

// Spends the link: the user id the first time, null ever after (and for unknown or expired links).
export const consumeLoginLink = (deps: Deps, token: string): Promise<string | null> =>
  deps.data.consumeLoginLink(sha256Hex(token), deps.clock.now())
