// Browser passwords on PostgreSQL, as ../../auth/credentials.ts: the argon2id hash written to the credential vault in
// the transaction of its UserPasswordChanged event; verification costs the same whether or not the account exists.
import { checkPassword, hashPassword } from '../../auth/credentials'
import { normalizeEmail } from '../../auth/tenants'
import { userAggregate } from '../../domain/user/decide'
import { userStreamId } from '../../domain/user/events'
import type { EventMetadata } from '../../eventstore/types'
import type { Sql } from './connection'
import type { PgDeps } from './deps'
import { passwordHashOf, writePasswordHash } from './vault'

export async function setPassword(deps: PgDeps, userId: string, password: string, metadata: EventMetadata = {}) {
  const hash = await hashPassword(password)
  const now = deps.clock.now()
  return deps.commands.handle(
    userAggregate,
    userStreamId(userId),
    { type: 'ChangePassword', data: {}, metadata: { now } },
    metadata,
    (_, tx) => writePasswordHash(tx, userId, hash, now),
  )
}

// The users read model's row for an e-mail as projections/users.ts findUserByEmail finds it: as given, else lowercased.
async function findUserIdByEmail(sql: Sql, email: string): Promise<{ userId: string } | undefined> {
  for (const candidate of [email, email.toLowerCase()]) {
    const [row] = await sql<{ user_id: string }[]>`SELECT user_id FROM users WHERE email = ${candidate}`
    if (row) return { userId: row.user_id }
  }
  return undefined
}

// The user id when the e-mail and password match an account with a password; null otherwise (never says which).
export async function verifyPassword(deps: Pick<PgDeps, 'sql'>, email: string, password: string): Promise<string | null> {
  const user = await findUserIdByEmail(deps.sql, normalizeEmail(email))
  return checkPassword(user, user ? await passwordHashOf(deps.sql, user.userId) : null, password)
}
