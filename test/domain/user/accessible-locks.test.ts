// The user's lock-access list on the user decider: given events / when command / then events or error.
import { describe, it } from 'bun:test'
import { Invalid, NotFound } from '../../../src/domain/errors'
import type { AddAccessibleLock, RemoveAccessibleLock } from '../../../src/domain/user/commands'
import { userDecider } from '../../../src/domain/user/decide'
import type { UserEvent } from '../../../src/domain/user/events'
import { given } from '../../support/given-when-then'

const USER = 'b1f7c0de-0000-4000-8000-000000000002'
const NOW = Date.parse('2026-06-01T10:00:00.000Z')
const TS = '2026-06-01T10:00:00.000Z'

const created: UserEvent = { type: 'UserCreated', data: { userId: USER, email: 'u@example.test', status: 'ACTIVE' } }
const grant = (data: Partial<AddAccessibleLock['data']> = {}): AddAccessibleLock => ({
  type: 'AddAccessibleLock',
  data: { lockId: '42', lockName: 'Front door', accessLevel: 'USER', validFrom: null, validUntil: null, grantedBy: 'manager', ...data },
  metadata: { now: NOW },
})
const revoke: RemoveAccessibleLock = {
  type: 'RemoveAccessibleLock',
  data: { lockId: '42', removedBy: 'manager', reason: 'moved out' },
  metadata: { now: NOW },
}
const granted: UserEvent = {
  type: 'AccessibleLockAdded',
  data: { userId: USER, lockId: '42', lockName: 'Front door', accessLevel: 'USER', grantedBy: 'manager', grantedAt: TS },
}

describe('AddAccessibleLock', () => {
  describe('when the user has no access to the lock', () => {
    it('should grant it', () => {
      given(userDecider, [created]).when(grant()).then([granted])
    })
    it('should keep the validity window', () => {
      given(userDecider, [created])
        .when(grant({ validFrom: '2026-06-01', validUntil: '2026-07-01' }))
        .then([{ type: 'AccessibleLockAdded', data: { ...granted.data, validFrom: '2026-06-01', validUntil: '2026-07-01' } }])
    })
    it('should refuse a window that ends before it starts', () => {
      given(userDecider, [created])
        .when(grant({ validFrom: '2026-07-01', validUntil: '2026-06-01' }))
        .thenThrows(Invalid, 'validUntil')
    })
  })
  describe('when the user already has access (docs: 400)', () => {
    it('should refuse the grant', () => {
      given(userDecider, [created, granted])
        .when(grant({ accessLevel: 'ADMIN' }))
        .thenThrows(Invalid, 'already has access')
    })
  })
  describe('when the user does not exist', () => {
    it('should answer NotFound', () => {
      given(userDecider).when(grant()).thenThrows(NotFound)
    })
  })
})

describe('RemoveAccessibleLock', () => {
  it('should revoke a granted lock', () => {
    given(userDecider, [created, granted])
      .when(revoke)
      .then([
        { type: 'AccessibleLockRemoved', data: { userId: USER, lockId: '42', removedBy: 'manager', reason: 'moved out', removedAt: TS } },
      ])
  })
  it('should let the lock be granted again afterwards', () => {
    const removed: UserEvent = {
      type: 'AccessibleLockRemoved',
      data: { userId: USER, lockId: '42', removedBy: 'm', reason: 'r', removedAt: TS },
    }
    given(userDecider, [created, granted, removed]).when(grant()).then([granted])
  })
  it('should refuse a lock the user has no access to (docs: 400; 404 means the user)', () => {
    given(userDecider, [created]).when(revoke).thenThrows(Invalid, 'no access')
  })
})
