// A person's account as an operator makes it (the CLI's `user create`, the console's form): an e-mail address, an
// optional name and password. Everything is checked before the first command, so a refusal leaves no user behind.
import { Value } from '@sinclair/typebox/value'
import type { Deps } from '../deps'
import { Conflict, Invalid } from '../domain/errors'
import type { EventMetadata } from '../eventstore/types'
import { Email } from '../routes/models'
import { MIN_PASSWORD_LENGTH, setPassword } from './credentials'
import { createUser, normalizeEmail } from './tenants'

const EMAIL = Email('e-mail')

export type AccountInput = { email: string; name?: string; password?: string }

// "Ada King Lovelace" -> first name Ada, last name King Lovelace.
function names(name: string | undefined) {
  const [firstName, ...rest] = (name ?? '').trim().split(/\s+/)
  return { firstName: firstName || null, lastName: rest.join(' ') || null }
}

export async function createAccount(deps: Deps, input: AccountInput, metadata: EventMetadata = {}) {
  const email = normalizeEmail(input.email)
  if (!Value.Check(EMAIL, email))
    throw new Invalid('email: must be an e-mail address', [{ field: 'email', message: 'must be an e-mail address' }])
  if (input.password !== undefined && input.password.length < MIN_PASSWORD_LENGTH) {
    const message = `must be at least ${MIN_PASSWORD_LENGTH} characters long`
    throw new Invalid(`password: ${message}`, [{ field: 'password', message }])
  }
  if (await deps.data.findUserByEmail(email)) throw new Conflict('A user with this email already exists')
  const { userId } = await createUser(deps, { email, ...names(input.name) }, metadata)
  if (input.password !== undefined) await setPassword(deps, userId, input.password, metadata)
  return { userId, email }
}
