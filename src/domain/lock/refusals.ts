// What a refused temp-key open answers, by reason: one message per reason, for single and collective keys alike.
import { type DomainError, Forbidden, Invalid, Unauthorized } from '../errors'
import type { RefusalReason } from './events'

const REFUSALS: Record<RefusalReason, () => DomainError> = {
  'not-yet-valid': () => new Invalid('This temporary key is not valid yet'),
  expired: () => new Invalid('This temporary key has expired'),
  'used-up': () => new Invalid('This temporary key has been used up'),
  deleted: () => new Invalid('This temporary key has been deleted'),
  'sign-in-required': () => new Unauthorized('Sign in to use this temporary key'),
  'not-allowed': () => new Forbidden('You are not allowed to use this temporary key'),
  'code-only': () => new Invalid('This door opens only with the PIN at its entrance panel'),
  'key-only': () => new Invalid('This door does not open with a PIN'),
}

export const refusalError = (reason: RefusalReason) => REFUSALS[reason]()
