// CreateUser on the user decider: idempotent, and a phone number given at creation is audited masked only.
import { describe, it } from 'bun:test'
import type { CreateUser } from '../../../src/domain/user/commands'
import { userAggregate } from '../../../src/domain/user/decide'
import type { UserEvent } from '../../../src/domain/user/events'
import { given as givenDecider } from '../../support/given-when-then'

const USER = 'b1f7c0de-0000-4000-8000-000000000002'
const NOW = Date.parse('2026-06-01T10:00:00.000Z')
const given = (history: UserEvent[]) => givenDecider(userAggregate, history)

const create = (extra: Partial<CreateUser['data']> = {}): CreateUser => ({
  type: 'CreateUser',
  data: { userId: USER, email: 'u@example.test', firstName: null, lastName: null, ...extra },
  metadata: { now: NOW },
})
const created: UserEvent = { type: 'UserCreated', data: { userId: USER, email: 'u@example.test', status: 'ACTIVE' } }

describe('when the user does not exist', () => {
  it('should create it, leaving out names that are not given', () => {
    given([]).when(create()).then([created])
  })

  it('should carry the names that are given', () => {
    given([])
      .when(create({ firstName: 'Ada', lastName: 'Lovelace' }))
      .then([
        { type: 'UserCreated', data: { userId: USER, email: 'u@example.test', firstName: 'Ada', lastName: 'Lovelace', status: 'ACTIVE' } },
      ])
  })

  it('should audit a phone number given at creation with its last 4 digits only', () => {
    given([])
      .when(create({ phoneNumber: '+30 694 123 4567' }))
      .then([
        created,
        {
          type: 'UserPhoneNumberUpdated',
          data: { userId: USER, action: 'set', maskedPhoneNumber: '***4567', timestamp: '2026-06-01T10:00:00.000Z' },
        },
      ])
  })
})

describe('when the user already exists', () => {
  it('should do nothing, whatever the details', () => {
    given([created])
      .when(create({ email: 'other@example.test', phoneNumber: '+3012' }))
      .then([])
  })
})
