// UpdateEmail on the user decider: an e-mail only for a user who has none, audited masked (first initial + domain).
import { describe, it } from 'bun:test'
import { Conflict, NotFound } from '../../../src/domain/errors'
import type { UpdateEmail } from '../../../src/domain/user/commands'
import { userAggregate } from '../../../src/domain/user/decide'
import type { UserEvent } from '../../../src/domain/user/events'
import { given as givenDecider } from '../../support/given-when-then'

const USER = 'b1f7c0de-0000-4000-8000-000000000003'
const NOW = Date.parse('2026-06-01T10:00:00.000Z')
const given = (history: UserEvent[]) => givenDecider(userAggregate, history)

const update = (email: string, onFile = false): UpdateEmail => ({ type: 'UpdateEmail', data: { email, onFile }, metadata: { now: NOW } })
const createdWithout: UserEvent = { type: 'UserCreated', data: { userId: USER, email: null, status: 'ACTIVE' } }
const createdWith: UserEvent = { type: 'UserCreated', data: { userId: USER, email: 'u@example.test', status: 'ACTIVE' } }
const emailUpdated: UserEvent = {
  type: 'UserEmailUpdated',
  data: { userId: USER, maskedEmail: 'm***@example.org', timestamp: '2026-06-01T10:00:00.000Z' },
}

describe('when the user has no email', () => {
  it('should audit the new email in its masked form only', () => {
    given([createdWithout]).when(update('mara@example.org')).then([emailUpdated])
  })

  it('should remember that the user has one now', () => {
    given([createdWithout]).when(update('mara@example.org')).thenState({
      status: 'active',
      userId: USER,
      hasEmail: true,
      nextPhysicalKeyNumber: 1,
      accessibleLocks: [],
    })
  })
})

describe('when the user has an email already', () => {
  it('should refuse another address with a conflict (docs: 409)', () => {
    given([createdWith]).when(update('other@example.test')).thenThrows(Conflict, 'already has an email')
  })

  it('should refuse after an earlier UpdateEmail too', () => {
    given([createdWithout, emailUpdated]).when(update('second@example.org')).thenThrows(Conflict)
  })

  it('should do nothing when the address is the one on file', () => {
    given([createdWith]).when(update('u@example.test', true)).then([])
  })
})

describe('when the user does not exist', () => {
  it('should refuse with NotFound (docs: 404)', () => {
    given([]).when(update('mara@example.org')).thenThrows(NotFound)
  })
})
