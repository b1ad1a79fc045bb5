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

const isRefusalReason = (value: unknown): value is RefusalReason => typeof value === 'string' && Object.hasOwn(REFUSALS, value)

// The error carries its reason as `refusal`: the guest page says it in the guest's language (refusalReasonOf).
export const refusalError = (reason: RefusalReason): DomainError => Object.assign(REFUSALS[reason](), { refusal: reason })

export const refusalReasonOf = (error: DomainError): RefusalReason | null => {
  const refusal: unknown = Reflect.get(error, 'refusal')
  return isRefusalReason(refusal) ? refusal : null
}
