// Collective keys and PINs on one lock's decider: create (with the PIN's row deciding uniqueness), revoke, per-door
// opens by page and by PIN at the window's edges, and what the decision rows hold afterwards.
import { describe, expect, it } from 'bun:test'
import { Conflict, Invalid, NotFound } from '../../../src/domain/errors'
import { PinTaken, pinEntityId } from '../../../src/domain/lock/collective'
import type { CollectiveDoorSpec, CreateCollectiveTempKey, LockCommand, UseCollectiveDoor } from '../../../src/domain/lock/commands'
import { lockAggregate } from '../../../src/domain/lock/decide'
import { type LockEvent, withoutPrivateFields } from '../../../src/domain/lock/events'
import { given } from '../../support/given-when-then'

const LOCK = 7
const LOCK_UUID = '0b8a3c1e-0000-4000-8000-000000000007'
const KEY = 'c011ec71-0000-4000-8000-000000000001'
const OTHER = 'c011ec71-0000-4000-8000-000000000002'
const FROM = '2026-06-01T10:00:00.000Z'
const UNTIL = '2026-06-02T10:00:00.000Z'
const at = (iso: string) => Date.parse(iso)
const NOW = at('2026-06-01T12:00:00.000Z')
const PIN = { hash: 'h'.repeat(64), seed: 'seed-1' }

const lockCreated: LockEvent = {
  type: 'LockCreated',
  data: { lockId: LOCK, uuid: LOCK_UUID, index: LOCK, timestamp: '2026-05-01T00:00:00.000Z' },
}
const ref = (tempKeyUuid: string, now: number) => ({
  tempKeyUuid,
  lockId: LOCK,
  lockUuid: LOCK_UUID,
  timestamp: new Date(now).toISOString(),
})
const lock = (history: LockEvent[] = []) => given(lockAggregate, [lockCreated, ...history])

const door = (accessMethod: CollectiveDoorSpec['accessMethod'], id = 1, label: string | null = 'Entrance'): CollectiveDoorSpec => ({
  id,
  label,
  accessMethod,
})

function create(extra: Partial<CreateCollectiveTempKey['data']> = {}, now = NOW): CreateCollectiveTempKey {
  return {
    type: 'CreateCollectiveTempKey',
    data: {
      tempKeyUuid: KEY,
      validFrom: FROM,
      validUntil: UNTIL,
      description: null,
      createdBy: 'owner',
      doors: [door('both')],
      pin: PIN,
      ...extra,
    },
    metadata: { now },
  }
}

// The events a create decides, to build histories from.
const createdEvents = (extra: Partial<CreateCollectiveTempKey['data']> = {}, now = NOW) =>
  lock().when(create(extra, now)).then(expectedCreate(extra, now))

function expectedCreate(extra: Partial<CreateCollectiveTempKey['data']> = {}, now = NOW): LockEvent[] {
  const data = create(extra, now).data
  const withPin = data.pin !== null && data.doors.some((d) => d.accessMethod !== 'key')
  const created: LockEvent = {
    type: 'CollectiveTempKeyCreated',
    data: {
      ...ref(data.tempKeyUuid, now),
      validFrom: data.validFrom,
      validUntil: data.validUntil,
      createdBy: 'owner',
      ...(data.description !== null ? { description: data.description } : {}),
      doors: data.doors.map((d) => ({ id: d.id, accessMethod: d.accessMethod, ...(d.label !== null ? { label: d.label } : {}) })),
      ...(withPin && data.pin ? { pinHash: data.pin.hash, pinSeed: data.pin.seed } : {}),
    },
  }
  if (!withPin || !data.pin) return [created]
  return [
    created,
    { type: 'TempKeyPinReserved', data: { ...ref(data.tempKeyUuid, now), pinHash: data.pin.hash, validUntil: data.validUntil } },
  ]
}

const use = (doorId: number, openedWith: 'page' | 'pin', now = NOW): UseCollectiveDoor => ({
  type: 'UseCollectiveDoor',
  data: { tempKeyUuid: KEY, doorId, openedWith, requestId: null },
  metadata: { now },
})

const revoke = (now = NOW): LockCommand => ({
  type: 'RevokeCollectiveTempKey',
  data: { tempKeyUuid: KEY, revokedBy: 'owner' },
  metadata: { now },
})

describe('creating a collective key on a lock', () => {
  it('should record the doors and reserve the PIN on a lock whose door takes codes', () => {
    const events = createdEvents({ description: 'Flat 3' })
    expect(events.map((e) => e.type)).toEqual(['CollectiveTempKeyCreated', 'TempKeyPinReserved'])
    const after = lock(events)
    expect(after.entity(KEY)).toEqual({
      kind: 'collective',
      uuid: KEY,
      validFrom: FROM,
      validUntil: UNTIL,
      doors: [{ id: 1, accessMethod: 'both' }],
      pinHash: PIN.hash,
      usedCount: 0,
      revoked: false,
    })
    expect(after.entity(pinEntityId(PIN.hash))).toEqual({ kind: 'pin', tempKeyUuid: KEY, validUntil: UNTIL })
  })

  it('should reserve no PIN where the door opens only by slide', () => {
    const events = createdEvents({ doors: [door('key')] })
    expect(events.map((e) => e.type)).toEqual(['CollectiveTempKeyCreated'])
    expect(events[0]?.data).not.toHaveProperty('pinHash')
    expect(lock(events).entity(pinEntityId(PIN.hash))).toBeNull()
  })

  it('should refuse a PIN another live key of the lock holds, also one not valid yet', () => {
    const other = lock().when(create({ tempKeyUuid: OTHER, validFrom: '2026-07-01T00:00:00.000Z', validUntil: '2026-07-02T00:00:00.000Z' }))
    const history = other.then(
      expectedCreate({ tempKeyUuid: OTHER, validFrom: '2026-07-01T00:00:00.000Z', validUntil: '2026-07-02T00:00:00.000Z' }),
    )
    lock(history).when(create()).thenThrows(PinTaken)
    lock(history).when(create()).thenThrows(Conflict)
  })

  it('should give the PIN of an expired key to a new key, and of a revoked one', () => {
    const expired = expectedCreate(
      { tempKeyUuid: OTHER, validFrom: '2026-05-01T00:00:00.000Z', validUntil: FROM },
      at('2026-04-30T00:00:00.000Z'),
    )
    expect(lock(expired).when(create()).then(expectedCreate()).length).toBe(2)
    const revokedOther: LockEvent[] = [
      ...expectedCreate({ tempKeyUuid: OTHER }),
      { type: 'CollectiveTempKeyRevoked', data: { ...ref(OTHER, NOW), revokedBy: 'owner' } },
      { type: 'TempKeyPinReleased', data: { ...ref(OTHER, NOW), pinHash: PIN.hash } },
    ]
    expect(lock(revokedOther).entity(pinEntityId(PIN.hash))).toBeNull()
    expect(lock(revokedOther).when(create()).then(expectedCreate()).length).toBe(2)
  })

  it('should not let a late release of an expired key free the PIN its successor holds', () => {
    const history: LockEvent[] = [
      ...expectedCreate({ tempKeyUuid: OTHER, validFrom: '2026-05-01T00:00:00.000Z', validUntil: FROM }),
      ...expectedCreate(),
      { type: 'TempKeyPinReleased', data: { ...ref(OTHER, NOW), pinHash: PIN.hash } },
    ]
    expect(lock(history).entity(pinEntityId(PIN.hash))).toEqual({ kind: 'pin', tempKeyUuid: KEY, validUntil: UNTIL })
  })

  it('should refuse a window that ends before it starts, and an unknown lock', () => {
    lock()
      .when(create({ validUntil: FROM }))
      .thenThrows(Invalid, 'validUntil')
    given(lockAggregate).when(create()).thenThrows(NotFound, 'Lock not found')
  })

  it('should keep the PIN hash and seed out of what partners and the history get', () => {
    const [created] = createdEvents()
    expect(withoutPrivateFields(created?.data ?? {})).not.toHaveProperty('pinHash')
    expect(withoutPrivateFields(created?.data ?? {})).not.toHaveProperty('pinSeed')
    expect(withoutPrivateFields(created?.data ?? {})).toHaveProperty('doors')
  })
})

describe('opening a door of a collective key', () => {
  const history = () => expectedCreate({ doors: [door('both')] })

  it('should open by page and by PIN inside the window, counting each use on this lock', () => {
    const first = lock(history())
      .when(use(1, 'page'))
      .then([
        {
          type: 'LockOpenRequested',
          data: { lockId: LOCK, uuid: LOCK_UUID, timestamp: new Date(NOW).toISOString(), reason: `temp-key:${KEY}:door-1` },
        },
        { type: 'TempKeyUsed', data: { ...ref(KEY, NOW), usedCount: 1, doorId: 1, openedWith: 'page' } },
      ])
    const second = lock([...history(), ...first])
      .when(use(1, 'pin'))
      .then([
        {
          type: 'LockOpenRequested',
          data: { lockId: LOCK, uuid: LOCK_UUID, timestamp: new Date(NOW).toISOString(), reason: `temp-key:${KEY}:door-1` },
        },
        { type: 'TempKeyUsed', data: { ...ref(KEY, NOW), usedCount: 2, doorId: 1, openedWith: 'pin' } },
      ])
    expect(second).toHaveLength(2)
  })

  it('should refuse at validUntil and before validFrom (validFrom inclusive, validUntil exclusive)', () => {
    lock(history())
      .when(use(1, 'page', at(UNTIL)))
      .thenThrows(Invalid, 'expired')
    lock(history())
      .when(use(1, 'page', at(FROM) - 1))
      .thenThrows(Invalid, 'not valid yet')
    const opened = lockAggregate.decider.decide(use(1, 'page', at(FROM)), lock(history()).state, lock(history()).entity(KEY))
    expect(opened.map((e) => e.type)).toEqual(['LockOpenRequested', 'TempKeyUsed'])
  })

  it('should refuse the page on a code-only door and a PIN on a key-only door', () => {
    lock(expectedCreate({ doors: [door('code')] }))
      .when(use(1, 'page'))
      .thenThrows(Invalid, 'only with the PIN')
    lock(expectedCreate({ doors: [door('key')] }))
      .when(use(1, 'pin'))
      .thenThrows(Invalid, 'does not open with a PIN')
  })

  it('should answer 404 for a door the key has not on this lock, and for an unknown key', () => {
    lock(history()).when(use(2, 'page')).thenThrows(NotFound, 'Door not found')
    lock().when(use(1, 'page')).thenThrows(NotFound, 'Temporary key not found')
  })

  it('should open nothing once revoked', () => {
    const revoked = lock(history())
      .when(revoke())
      .then([
        { type: 'CollectiveTempKeyRevoked', data: { ...ref(KEY, NOW), revokedBy: 'owner' } },
        { type: 'TempKeyPinReleased', data: { ...ref(KEY, NOW), pinHash: PIN.hash } },
      ])
    lock([...history(), ...revoked])
      .when(use(1, 'page'))
      .thenThrows(Invalid, 'deleted')
    lock([...history(), ...revoked])
      .when(revoke())
      .then([])
  })

  it('should never let a single-key command act on a collective key', () => {
    const useSingle: LockCommand = { type: 'UseTempKey', data: { tempKeyUuid: KEY, userId: null, open: null }, metadata: { now: NOW } }
    lock(history()).when(useSingle).thenThrows(NotFound)
  })
})
