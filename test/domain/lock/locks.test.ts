// The lock decider's lifecycle, key and resident commands: pure, given events / when command / then events or error.
import { describe, expect, it } from 'bun:test'
import { Conflict, Invalid, NotFound } from '../../../src/domain/errors'
import type { LockCommand } from '../../../src/domain/lock/commands'
import { lockAggregate, lockDecider } from '../../../src/domain/lock/decide'
import type { LockEvent } from '../../../src/domain/lock/events'
import type { ActiveLock } from '../../../src/domain/lock/state'
import { given } from '../../support/given-when-then'

const NOW = Date.parse('2026-06-01T10:00:00.000Z')
const TS = '2026-06-01T10:00:00.000Z'
const LOCK = 42
const UUID = '11111111-2222-4333-8444-555555555555'
const KEY = 'aaaaaaaa-0000-4000-8000-000000000001'
const OWNER = 'owner-1'
const RESIDENT = 'resident-1'
const ref = { lockId: LOCK, uuid: UUID, timestamp: TS }

const cmd = <C extends LockCommand>(type: C['type'], data: C['data']) => ({ type, data, metadata: { now: NOW } }) as C
const lock = given(lockAggregate)

const created: LockEvent = { type: 'LockCreated', data: { ...ref, index: 1, ownerId: OWNER, orgId: 'org-a' } }
const keyAdded: LockEvent = { type: 'KeyAdded', data: { ...ref, keyUuid: KEY, keyIndexNumber: 3, userId: 'holder' } }
const residentAdded: LockEvent = { type: 'ResidentAdded', data: { ...ref, userId: RESIDENT, name: 'Flat 2', email: 'r@example.test' } }
const withKey = given(lockAggregate, [created, keyAdded])

const activeLock = (patch: Partial<ActiveLock> = {}): ActiveLock => ({
  status: 'active',
  lockId: LOCK,
  uuid: UUID,
  ownerId: OWNER,
  orgId: 'org-a',
  keys: {},
  residents: {},
  ...patch,
})

describe('CreateLock', () => {
  const create = (keys: { uuid: string; indexNumber?: number }[] = []) =>
    cmd('CreateLock', { lockId: LOCK, index: 1, uuid: UUID, serialNumber: 'SN', vendorName: null, ownerId: null, orgId: 'org-a', keys })

  describe('when the lock does not exist', () => {
    it('should create it with only the fields given', () => {
      lock.when(create()).then([{ type: 'LockCreated', data: { ...ref, index: 1, serialNumber: 'SN', orgId: 'org-a' } }])
    })
    it('should start with its initial keys and no owner', () => {
      lock
        .when(create([{ uuid: KEY, indexNumber: 1 }]))
        .thenState(activeLock({ ownerId: null, keys: { [KEY]: { indexNumber: 1, userId: null } } }))
    })
    it('should refuse two initial keys with one UUID', () => {
      lock.when(create([{ uuid: KEY }, { uuid: KEY }])).thenThrows(Invalid, 'distinct')
    })
  })

  describe('when the lock exists', () => {
    it('should do nothing (idempotent create)', () => {
      given(lockAggregate, [created]).when(create()).then([])
    })
  })
})

describe('SetOwner and SetOrganization', () => {
  const owned = given(lockAggregate, [created])
  it('should set a new owner', () => {
    owned.when(cmd('SetOwner', { userId: 'owner-2' })).then([{ type: 'OwnerSet', data: { ...ref, userId: 'owner-2' } }])
  })
  it('should do nothing for the current owner', () => {
    owned.when(cmd('SetOwner', { userId: OWNER })).then([])
  })
  it('should move the lock to another organization', () => {
    owned.when(cmd('SetOrganization', { orgId: 'org-b' })).thenState(activeLock({ orgId: 'org-b' }))
  })
  it('should do nothing for the current organization', () => {
    owned.when(cmd('SetOrganization', { orgId: 'org-a' })).then([])
  })
  it('should refuse both on a missing lock', () => {
    lock.when(cmd('SetOwner', { userId: OWNER })).thenThrows(NotFound)
    lock.when(cmd('SetOrganization', { orgId: 'org-a' })).thenThrows(NotFound)
  })
})

describe('ChangeLockUuid', () => {
  const NEW = '99999999-2222-4333-8444-555555555555'
  it('should change the UUID and name the previous one', () => {
    given(lockAggregate, [created])
      .when(cmd('ChangeLockUuid', { newUuid: NEW }))
      .then([{ type: 'LockUuidChanged', data: { ...ref, newUuid: NEW, previousUuid: UUID } }])
  })
  it('should carry the new UUID in later events', () => {
    const changed: LockEvent = { type: 'LockUuidChanged', data: { ...ref, newUuid: NEW, previousUuid: UUID } }
    given(lockAggregate, [created, changed])
      .when(cmd('RecordLockOpen', { requestId: null, reason: null }))
      .then([{ type: 'LockOpenRequested', data: { ...ref, uuid: NEW } }])
  })
  it('should answer Conflict for the same UUID', () => {
    given(lockAggregate, [created])
      .when(cmd('ChangeLockUuid', { newUuid: UUID }))
      .thenThrows(Conflict)
  })
})

describe('RecordLockOpen', () => {
  it('should record the open with its reason and request id', () => {
    given(lockAggregate, [created])
      .when(cmd('RecordLockOpen', { requestId: 'req-1', reason: 'delivery' }))
      .then([{ type: 'LockOpenRequested', data: { ...ref, reason: 'delivery', requestId: 'req-1' } }])
  })
  it('should leave the state unchanged', () => {
    given(lockAggregate, [created])
      .when(cmd('RecordLockOpen', { requestId: null, reason: null }))
      .thenState(activeLock())
  })
  it('should refuse a missing lock', () => {
    lock.when(cmd('RecordLockOpen', { requestId: null, reason: null })).thenThrows(NotFound)
  })
})

describe('AddKey', () => {
  it('should add a new key', () => {
    given(lockAggregate, [created])
      .when(cmd('AddKey', { keyUuid: KEY, keyIndexNumber: 3, userId: 'holder' }))
      .then([keyAdded])
  })
  it('should do nothing when the same key is added again', () => {
    withKey.when(cmd('AddKey', { keyUuid: KEY, keyIndexNumber: 3, userId: 'holder' })).then([])
  })
  it('should re-add a key whose index or holder changed', () => {
    withKey
      .when(cmd('AddKey', { keyUuid: KEY, keyIndexNumber: 5, userId: null }))
      .thenState(activeLock({ keys: { [KEY]: { indexNumber: 5, userId: null } } }))
  })
})

describe('RemoveKey', () => {
  const removed: LockEvent = { type: 'KeyRemoved', data: { ...ref, keyUuid: KEY, keyIndexNumber: 3 } }
  it('should remove a key named by UUID, with its known index', () => {
    withKey.when(cmd('RemoveKey', { keyUuid: KEY, keyIndexNumber: null })).then([removed])
  })
  it('should remove a key named by index number only', () => {
    withKey.when(cmd('RemoveKey', { keyUuid: null, keyIndexNumber: 3 })).then([removed])
  })
  it('should forget the key', () => {
    withKey.when(cmd('RemoveKey', { keyUuid: KEY, keyIndexNumber: null })).thenState(activeLock())
  })
  it('should refuse an unknown key', () => {
    withKey.when(cmd('RemoveKey', { keyUuid: 'nope', keyIndexNumber: null })).thenThrows(NotFound)
    withKey.when(cmd('RemoveKey', { keyUuid: null, keyIndexNumber: 9 })).thenThrows(NotFound)
  })
  it('should refuse a command naming no key', () => {
    withKey.when(cmd('RemoveKey', { keyUuid: null, keyIndexNumber: null })).thenThrows(Invalid, 'keyUuid or keyIndexNumber')
  })
})

describe('WriteKey', () => {
  it('should request the write with the index the key was added with', () => {
    withKey
      .when(cmd('WriteKey', { keyUuid: KEY, keyIndexNumber: null }))
      .then([{ type: 'KeyWriteRequested', data: { ...ref, keyUuid: KEY, keyIndexNumber: 3 } }])
  })
  it('should use an index given in the command', () => {
    withKey
      .when(cmd('WriteKey', { keyUuid: 'other', keyIndexNumber: 7 }))
      .then([{ type: 'KeyWriteRequested', data: { ...ref, keyUuid: 'other', keyIndexNumber: 7 } }])
  })
  it('should not change the state', () => {
    withKey
      .when(cmd('WriteKey', { keyUuid: KEY, keyIndexNumber: null }))
      .thenState(activeLock({ keys: { [KEY]: { indexNumber: 3, userId: 'holder' } } }))
  })
})

describe('BulkAddKeys (a run: started, one failure, finished)', () => {
  const RUN = 'run-1'
  const keys = [
    { keyUuid: KEY, keyIndexNumber: 3, userId: 'holder' },
    { keyUuid: 'key-2', keyIndexNumber: null, userId: null },
  ]
  it('should record the run with its keys, leaving out the fields not given', () => {
    given(lockAggregate, [created])
      .when(cmd('StartBulkAddKeys', { instanceId: RUN, keys }))
      .then([
        {
          type: 'BulkAddKeysStarted',
          data: { ...ref, instanceId: RUN, keys: [{ keyUuid: KEY, keyIndexNumber: 3, userId: 'holder' }, { keyUuid: 'key-2' }] },
        },
      ])
  })
  it('should refuse a list naming one keyUuid twice, naming the second', () => {
    given(lockAggregate, [created])
      .when(cmd('StartBulkAddKeys', { instanceId: RUN, keys: [...keys, { keyUuid: KEY, keyIndexNumber: 4, userId: null }] }))
      .thenThrows(Invalid, 'duplicate keyUuid')
  })
  it('should refuse a missing lock', () => {
    lock.when(cmd('StartBulkAddKeys', { instanceId: RUN, keys })).thenThrows(NotFound)
  })
  it('should record a key the run could not add, and the end of the run', () => {
    const failure = { instanceId: RUN, keyUuid: 'key-2', reason: 'the lock is offline', attempts: 3 }
    given(lockAggregate, [created])
      .when(cmd('RecordBulkAddKeyFailure', failure))
      .then([{ type: 'BulkAddKeyFailed', data: { ...ref, ...failure } }])
    const tally = { instanceId: RUN, added: 1, unchanged: 0, failed: 1, skipped: 0 }
    given(lockAggregate, [created])
      .when(cmd('FinishBulkAddKeys', tally))
      .then([{ type: 'BulkAddKeysFinished', data: { ...ref, ...tally } }])
  })
  it('should keep the run out of the lock state (its keys arrive as KeyAdded)', () => {
    given(lockAggregate, [created])
      .when(cmd('StartBulkAddKeys', { instanceId: RUN, keys }))
      .thenState(activeLock())
  })
})

describe('AddResident and RemoveResident', () => {
  const add = cmd('AddResident', { userId: RESIDENT, email: 'r@example.test', name: 'Flat 2' })
  const remove = cmd('RemoveResident', { userId: RESIDENT, email: 'r@example.test' })
  it('should add a resident', () => {
    given(lockAggregate, [created]).when(add).then([residentAdded])
  })
  it('should refuse a resident who is already on the list (docs: 400)', () => {
    given(lockAggregate, [created, residentAdded]).when(add).thenThrows(Invalid, 'already a resident')
  })
  it('should remove a resident', () => {
    given(lockAggregate, [created, residentAdded])
      .when(remove)
      .then([{ type: 'ResidentRemoved', data: { ...ref, userId: RESIDENT, email: 'r@example.test' } }])
  })
  it('should refuse removing someone who is not a resident (docs: 400)', () => {
    given(lockAggregate, [created]).when(remove).thenThrows(Invalid, 'not a resident')
  })
  it('should track residents in the state', () => {
    given(lockAggregate, [created])
      .when(add)
      .thenState(activeLock({ residents: { [RESIDENT]: { email: 'r@example.test' } } }))
  })
})

describe('evolve', () => {
  it('should ignore events for a lock that was never created', () => {
    expect(lockDecider.evolve(lockDecider.initialState, keyAdded)).toEqual({ status: 'absent' })
  })
})
