// Browser passwords: argon2id hashes (Bun.password) in the credential vault, each change audited by
// UserPasswordChanged. Verification costs the same whether or not the account exists.
import type { Deps } from '../deps'
import { Invalid } from '../domain/errors'
import { userAggregate } from '../domain/user/decide'
import { userStreamId } from '../domain/user/events'
import type { EventMetadata } from '../eventstore/types'
import { normalizeEmail } from './tenants'

export const MIN_PASSWORD_LENGTH = 8
const MAX_PASSWORD_LENGTH = 1024

// A new password's argon2id hash, refused with 400 outside the allowed length.
function hashPassword(password: string): Promise<string> {
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    const message = `must be ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters long`
    throw new Invalid(`The password ${message}`, [{ field: 'password', message }])
  }
  return Bun.password.hash(password, { algorithm: 'argon2id' })
}

export async function setPassword(deps: Deps, userId: string, password: string, metadata: EventMetadata = {}) {
  // Hashed before the transaction: argon2id is slow, and SQLite's vault write runs in a synchronous one.
  const passwordHash = await hashPassword(password)
  const now = deps.clock.now()
  return deps.commands.handle(
    userAggregate,
    userStreamId(userId),
    { type: 'ChangePassword', data: {}, metadata: { now } },
    metadata,
    () => [{ kind: 'password-hash', userId, passwordHash, now }],
  )
}

// A real argon2id hash of a random secret: unknown accounts spend the same time as a wrong password.
let decoy: Promise<string> | undefined
const decoyHash = () => (decoy ??= Bun.password.hash(crypto.randomUUID(), { algorithm: 'argon2id' }))

// The user id when the password matches the account's hash; null otherwise, after the same work.
async function checkPassword(user: { userId: string } | undefined, hash: string | null, password: string): Promise<string | null> {
  if (!user || hash === null || password.length > MAX_PASSWORD_LENGTH) {
    await Bun.password.verify(password.slice(0, MAX_PASSWORD_LENGTH), await decoyHash())
    return null
  }
  return (await Bun.password.verify(password, hash)) ? user.userId : null
}

// The user id when the e-mail and password match an account with a password; null otherwise (never says which).
export async function verifyPassword(deps: Deps, email: string, password: string): Promise<string | null> {
  const user = await deps.data.findUserByEmail(normalizeEmail(email))
  return checkPassword(user, user ? await deps.data.passwordHashOf(user.userId) : null, password)
}
