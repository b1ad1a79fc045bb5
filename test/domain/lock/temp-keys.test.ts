// Temp keys on the lock decider: every status and rule with time passed in (given events / when command / then
// events or error), the status function at its boundaries, and recurring windows across a DST change.
import { describe, expect, it } from 'bun:test'
import { Conflict, Forbidden, Invalid, NotFound, Unauthorized } from '../../../src/domain/errors'
import type { CreateTempKey, LockCommand, RefuseTempKeyOpen, UpdateTempKey, UseTempKey } from '../../../src/domain/lock/commands'
import { lockAggregate, tempKeyRefusal } from '../../../src/domain/lock/decide'
import type { LockEvent } from '../../../src/domain/lock/events'
import { inSchedule, nextWindowStart, zonedInstant } from '../../../src/domain/lock/schedule'
import { type Schedule, singleKey, type TempKeyState } from '../../../src/domain/lock/state'
import { statusStableUntil, tempKeyStatus, usesLeft } from '../../../src/domain/lock/temp-key-status'
import { given } from '../../support/given-when-then'

const LOCK = 42
const LOCK_UUID = '0b8a3c1e-0000-4000-8000-00000000002a'
const KEY = '7e57c0de-0000-4000-8000-000000000001'
const ALICE = 'a11ce000-0000-4000-8000-000000000001'
const BOB = 'b0b00000-0000-4000-8000-000000000002'
const FROM = '2026-06-01T10:00:00.000Z'
const UNTIL = '2026-06-02T10:00:00.000Z'
const at = (iso: string) => Date.parse(iso)
const NOW = at('2026-06-01T12:00:00.000Z')

const lockCreated: LockEvent = {
  type: 'LockCreated',
  data: { lockId: LOCK, uuid: LOCK_UUID, index: LOCK, ownerId: ALICE, timestamp: '2026-05-01T00:00:00.000Z' },
}

const keyRef = (timestamp: string) => ({ tempKeyUuid: KEY, lockId: LOCK, lockUuid: LOCK_UUID, timestamp })

function created(extra: Partial<Extract<LockEvent, { type: 'TempKeyCreated' }>['data']> = {}): LockEvent {
  return {
    type: 'TempKeyCreated',
    data: {
      ...keyRef('2026-05-31T00:00:00.000Z'),
      accessMode: 'public',
      allowedUserIds: [],
      validFrom: FROM,
      validUntil: UNTIL,
      maxUses: null,
      createdBy: ALICE,
      ...extra,
    },
  }
}

const used = (usedCount: number): LockEvent => ({ type: 'TempKeyUsed', data: { ...keyRef(FROM), usedCount } })
const deleted: LockEvent = { type: 'TempKeyDeleted', data: { ...keyRef(FROM), deletedBy: ALICE } }

function create(extra: Partial<CreateTempKey['data']> = {}, now = NOW): CreateTempKey {
  return {
    type: 'CreateTempKey',
    data: {
      tempKeyUuid: KEY,
      accessMode: 'public',
      allowedUserIds: [],
      validFrom: FROM,
      validUntil: UNTIL,
      maxUses: null,
      description: null,
      schedule: null,
      createdBy: ALICE,
      ...extra,
    },
    metadata: { now },
  }
}

const use = (now: number, userId: string | null = null, open: UseTempKey['data']['open'] = null): UseTempKey => ({
  type: 'UseTempKey',
  data: { tempKeyUuid: KEY, userId, open },
  metadata: { now },
})

const update = (changes: UpdateTempKey['data']['changes'], now = NOW): UpdateTempKey => ({
  type: 'UpdateTempKey',
  data: { tempKeyUuid: KEY, changes, updatedBy: ALICE },
  metadata: { now },
})

const lock = (history: LockEvent[] = []) => given(lockAggregate, [lockCreated, ...history])
const iso = (ms: number) => new Date(ms).toISOString()

const TUESDAY_MORNINGS: Schedule = { timezone: 'Europe/Athens', weekly: [{ days: ['tue'], from: '09:00', until: '12:00' }] }

describe('CreateTempKey', () => {
  describe('when the lock has no such key', () => {
    it('should record TempKeyCreated with the key, its window and its creator', () => {
      lock()
        .when(create({ maxUses: 3, description: 'Cleaner' }))
        .then([created({ ...keyRef(iso(NOW)), maxUses: 3, description: 'Cleaner' })])
    })

    it('should keep a schedule on the event', () => {
      lock()
        .when(create({ schedule: TUESDAY_MORNINGS }))
        .then([created({ ...keyRef(iso(NOW)), schedule: TUESDAY_MORNINGS })])
    })

    it('should refuse validUntil not after validFrom', () => {
      lock()
        .when(create({ validUntil: FROM }))
        .thenThrows(Invalid, 'validUntil')
    })

    it('should refuse a user-whitelist key without allowed users', () => {
      lock()
        .when(create({ accessMode: 'user-whitelist' }))
        .thenThrows(Invalid, 'allowedUserIds')
    })

    it('should refuse a schedule in an unknown time zone', () => {
      lock()
        .when(create({ schedule: { ...TUESDAY_MORNINGS, timezone: 'Mars/Olympus_Mons' } }))
        .thenThrows(Invalid, 'schedule.timezone')
    })

    it('should refuse a window that starts and ends at the same time', () => {
      const schedule: Schedule = { timezone: 'UTC', weekly: [{ days: ['mon'], from: '09:00', until: '09:00' }] }
      lock().when(create({ schedule })).thenThrows(Invalid, 'schedule.weekly[0].until')
    })
  })

  describe('when the key already exists on the lock (even deleted)', () => {
    it('should refuse with a conflict', () => {
      lock([created()]).when(create()).thenThrows(Conflict)
      lock([created(), deleted]).when(create()).thenThrows(Conflict)
    })
  })

  describe('when the lock does not exist', () => {
    it('should refuse with not found', () => {
      given(lockAggregate).when(create()).thenThrows(NotFound, 'Lock not found')
    })
  })
})

describe('UpdateTempKey', () => {
  it('should record only the changes sent', () => {
    lock([created()])
      .when(update({ maxUses: 5 }))
      .then([{ type: 'TempKeyUpdated', data: { ...keyRef(iso(NOW)), changes: { maxUses: 5 }, updatedBy: ALICE } }])
  })

  it('should be a no-op without changes', () => {
    lock([created()]).when(update({})).then([])
  })

  it('should check the key as it would be after the change', () => {
    lock([created()])
      .when(update({ validUntil: FROM }))
      .thenThrows(Invalid, 'validUntil')
    lock([created()])
      .when(update({ accessMode: 'user-whitelist' }))
      .thenThrows(Invalid, 'allowedUserIds')
    lock([created({ accessMode: 'user-whitelist', allowedUserIds: [BOB] })])
      .when(update({ allowedUserIds: [] }))
      .thenThrows(Invalid)
  })

  it('should apply the changes to what the next decision sees', () => {
    const changed = lock([
      created({ maxUses: 1 }),
      used(1),
      { type: 'TempKeyUpdated', data: { ...keyRef(FROM), changes: { maxUses: 2 }, updatedBy: ALICE } },
    ])
    expect(changed.entity(KEY)).toMatchObject({ maxUses: 2, usedCount: 1 })
  })

  it('should remove a schedule with null', () => {
    const changed = lock([
      created({ schedule: TUESDAY_MORNINGS }),
      { type: 'TempKeyUpdated', data: { ...keyRef(FROM), changes: { schedule: null }, updatedBy: ALICE } },
    ])
    expect(singleKey(changed.entity(KEY))?.schedule).toBeNull()
  })

  it('should leave the lock state untouched: temp keys live in their own rows', () => {
    const before = lock([]).state
    expect(lock([created({ maxUses: 1 }), used(1)]).state).toEqual(before)
  })

  describe('when the key is unknown or deleted', () => {
    it('should refuse with not found', () => {
      lock()
        .when(update({ maxUses: 1 }))
        .thenThrows(NotFound)
      lock([created(), deleted])
        .when(update({ maxUses: 1 }))
        .thenThrows(NotFound)
    })
  })
})

describe('DeleteTempKey', () => {
  it('should record TempKeyDeleted', () => {
    lock([created()])
      .when({ type: 'DeleteTempKey', data: { tempKeyUuid: KEY, deletedBy: ALICE }, metadata: { now: NOW } })
      .then([{ type: 'TempKeyDeleted', data: { ...keyRef(iso(NOW)), deletedBy: ALICE } }])
  })

  it('should refuse a key that is unknown or already deleted', () => {
    const command: LockCommand = { type: 'DeleteTempKey', data: { tempKeyUuid: KEY, deletedBy: ALICE }, metadata: { now: NOW } }
    lock().when(command).thenThrows(NotFound)
    lock([created(), deleted]).when(command).thenThrows(NotFound)
  })
})

describe('UseTempKey', () => {
  describe('when the public key is valid', () => {
    it('should count the use (audit only: TempKeyUsed)', () => {
      lock([created()])
        .when(use(NOW))
        .then([{ type: 'TempKeyUsed', data: { ...keyRef(iso(NOW)), usedCount: 1 } }])
    })

    it('should record the door opening first when the open flow uses it', () => {
      lock([created(), used(1)])
        .when(use(NOW, null, { requestId: 'req_1', reason: null }))
        .then([
          {
            type: 'LockOpenRequested',
            data: { lockId: LOCK, uuid: LOCK_UUID, timestamp: iso(NOW), reason: `temp-key:${KEY}`, requestId: 'req_1' },
          },
          { type: 'TempKeyUsed', data: { ...keyRef(iso(NOW)), usedCount: 2 } },
        ])
    })
  })

  describe('when now is exactly validFrom', () => {
    it('should open (validFrom is inclusive)', () => {
      lock([created()])
        .when(use(at(FROM)))
        .then([{ type: 'TempKeyUsed', data: { ...keyRef(FROM), usedCount: 1 } }])
    })
  })

  describe('when now is one millisecond before validFrom', () => {
    it('should refuse: not yet valid', () => {
      lock([created()])
        .when(use(at(FROM) - 1))
        .thenThrows(Invalid, 'not valid yet')
    })
  })

  describe('when now is exactly validUntil', () => {
    it('should refuse: expired (validUntil is exclusive)', () => {
      lock([created()])
        .when(use(at(UNTIL)))
        .thenThrows(Invalid, 'expired')
      lock([created()])
        .when(use(at(UNTIL) - 1))
        .then([{ type: 'TempKeyUsed', data: { ...keyRef(iso(at(UNTIL) - 1)), usedCount: 1 } }])
    })
  })

  describe('when maxUses is reached', () => {
    it('should refuse: used up', () => {
      lock([created({ maxUses: 2 }), used(1)])
        .when(use(NOW))
        .then([{ type: 'TempKeyUsed', data: { ...keyRef(iso(NOW)), usedCount: 2 } }])
      lock([created({ maxUses: 2 }), used(1), used(2)])
        .when(use(NOW))
        .thenThrows(Invalid, 'used up')
    })
  })

  describe('when the key is deleted', () => {
    it('should refuse: deleted', () => {
      lock([created(), deleted]).when(use(NOW)).thenThrows(Invalid, 'deleted')
    })
  })

  describe('when the key is unknown', () => {
    it('should refuse with not found', () => {
      lock().when(use(NOW)).thenThrows(NotFound)
    })
  })

  describe('when the key is a user whitelist', () => {
    const whitelist = created({ accessMode: 'user-whitelist', allowedUserIds: [BOB] })

    it('should admit a listed user and record who', () => {
      lock([whitelist])
        .when(use(NOW, BOB))
        .then([{ type: 'TempKeyUsed', data: { ...keyRef(iso(NOW)), userId: BOB, usedCount: 1 } }])
    })

    it('should ask an anonymous caller to sign in (401)', () => {
      lock([whitelist]).when(use(NOW)).thenThrows(Unauthorized)
    })

    it('should refuse a user who is not listed (403)', () => {
      lock([whitelist]).when(use(NOW, ALICE)).thenThrows(Forbidden)
    })

    it('should check validity before the list', () => {
      lock([whitelist])
        .when(use(at(UNTIL), ALICE))
        .thenThrows(Invalid, 'expired')
    })
  })

  describe('when the key has a schedule (Tuesdays 09:00-12:00 Europe/Athens)', () => {
    const weeks = created({ validFrom: '2026-03-01T00:00:00.000Z', validUntil: '2026-12-01T00:00:00.000Z', schedule: TUESDAY_MORNINGS })

    it('should open inside the window and refuse outside it as not yet valid', () => {
      // 2026-06-02 is a Tuesday; Athens is UTC+3 in summer.
      lock([weeks])
        .when(use(at('2026-06-02T06:00:00.000Z')))
        .then([{ type: 'TempKeyUsed', data: { ...keyRef('2026-06-02T06:00:00.000Z'), usedCount: 1 } }])
      lock([weeks])
        .when(use(at('2026-06-02T05:59:59.999Z')))
        .thenThrows(Invalid, 'not valid yet')
      lock([weeks])
        .when(use(at('2026-06-02T09:00:00.000Z')))
        .thenThrows(Invalid, 'not valid yet')
      lock([weeks])
        .when(use(at('2026-06-03T07:00:00.000Z')))
        .thenThrows(Invalid, 'not valid yet')
    })
  })
})

describe('RefuseTempKeyOpen', () => {
  it('should audit the refusal with its reason', () => {
    const command: RefuseTempKeyOpen = {
      type: 'RefuseTempKeyOpen',
      data: { tempKeyUuid: KEY, reason: 'used-up', userId: BOB },
      metadata: { now: NOW },
    }
    lock([created()])
      .when(command)
      .then([{ type: 'TempKeyOpenRefused', data: { ...keyRef(iso(NOW)), reason: 'used-up', userId: BOB } }])
  })
})

describe('statusStableUntil', () => {
  const key = { validFrom: FROM, validUntil: UNTIL, schedule: null }

  it('should be validFrom before it, validUntil after it, and never once both have passed', () => {
    expect(statusStableUntil(key, at(FROM) - 1)).toBe(at(FROM))
    expect(statusStableUntil(key, at(FROM))).toBe(at(UNTIL))
    expect(statusStableUntil(key, at(UNTIL))).toBe(Number.POSITIVE_INFINITY)
  })

  it('should be the next minute for a scheduled key, whose windows open and close on minutes', () => {
    const scheduled = { ...key, schedule: { timezone: 'UTC', weekly: [{ days: ['mon'], from: '09:00', until: '10:00' }] } }
    expect(statusStableUntil(scheduled, NOW + 1_500)).toBe(NOW + 60_000)
    expect(statusStableUntil(scheduled, at(UNTIL) - 1)).toBe(at(UNTIL))
  })
})

describe('tempKeyStatus', () => {
  const key: TempKeyState = {
    uuid: KEY,
    accessMode: 'public',
    allowedUserIds: [],
    validFrom: FROM,
    validUntil: UNTIL,
    maxUses: 2,
    usedCount: 0,
    schedule: null,
    deleted: false,
  }

  it('should say not-yet-valid before validFrom and valid exactly at it', () => {
    expect(tempKeyStatus(key, at(FROM) - 1)).toBe('not-yet-valid')
    expect(tempKeyStatus(key, at(FROM))).toBe('valid')
  })

  it('should say expired exactly at validUntil', () => {
    expect(tempKeyStatus(key, at(UNTIL) - 1)).toBe('valid')
    expect(tempKeyStatus(key, at(UNTIL))).toBe('expired')
  })

  it('should say used-up when usedCount reaches maxUses, never with unlimited uses', () => {
    expect(tempKeyStatus({ ...key, usedCount: 1 }, NOW)).toBe('valid')
    expect(tempKeyStatus({ ...key, usedCount: 2 }, NOW)).toBe('used-up')
    expect(tempKeyStatus({ ...key, maxUses: null, usedCount: 1000 }, NOW)).toBe('valid')
  })

  it('should put deleted first, then the window, then the uses', () => {
    expect(tempKeyStatus({ ...key, deleted: true }, NOW)).toBe('deleted')
    expect(tempKeyStatus({ ...key, usedCount: 2 }, at(UNTIL))).toBe('expired')
  })

  it('should count uses left', () => {
    expect(usesLeft({ maxUses: 2, usedCount: 1 })).toBe(1)
    expect(usesLeft({ maxUses: 2, usedCount: 5 })).toBe(0)
    expect(usesLeft({ maxUses: null, usedCount: 5 })).toBeNull()
  })

  it('should name the refusal of a use (whitelist checked only for a valid key)', () => {
    const list = { ...key, accessMode: 'user-whitelist' as const, allowedUserIds: [BOB] }
    expect(tempKeyRefusal(list, null, NOW)).toBe('sign-in-required')
    expect(tempKeyRefusal(list, ALICE, NOW)).toBe('not-allowed')
    expect(tempKeyRefusal(list, BOB, NOW)).toBeNull()
    expect(tempKeyRefusal(list, null, at(UNTIL))).toBe('expired')
  })
})

describe('schedules across DST (Europe/Athens)', () => {
  const sundays: Schedule = { timezone: 'Europe/Athens', weekly: [{ days: ['sun'], from: '09:00', until: '12:00' }] }

  describe('when clocks spring forward (Sunday 2026-03-29, 03:00 EET -> 04:00 EEST)', () => {
    it('should keep the window at 09:00 local: 06:00Z that day, 07:00Z a week before', () => {
      expect(inSchedule(sundays, at('2026-03-29T05:59:00.000Z'))).toBe(false)
      expect(inSchedule(sundays, at('2026-03-29T06:00:00.000Z'))).toBe(true)
      expect(inSchedule(sundays, at('2026-03-29T08:59:00.000Z'))).toBe(true)
      expect(inSchedule(sundays, at('2026-03-29T09:00:00.000Z'))).toBe(false)
      expect(inSchedule(sundays, at('2026-03-22T06:30:00.000Z'))).toBe(false)
      expect(inSchedule(sundays, at('2026-03-22T07:00:00.000Z'))).toBe(true)
    })

    it('should find the next window start across the change (not an hour late)', () => {
      // 02:00 local, before the jump: the window opens at 09:00 EEST = 06:00Z.
      expect(iso(nextWindowStart(sundays, at('2026-03-29T00:00:00.000Z')) ?? 0)).toBe('2026-03-29T06:00:00.000Z')
      expect(iso(nextWindowStart(sundays, at('2026-03-28T12:00:00.000Z')) ?? 0)).toBe('2026-03-29T06:00:00.000Z')
    })
  })

  describe('when clocks fall back (Sunday 2026-10-25, 04:00 EEST -> 03:00 EET)', () => {
    it('should open at 09:00 EET = 07:00Z', () => {
      expect(inSchedule(sundays, at('2026-10-25T06:30:00.000Z'))).toBe(false)
      expect(inSchedule(sundays, at('2026-10-25T07:00:00.000Z'))).toBe(true)
      expect(iso(nextWindowStart(sundays, at('2026-10-24T22:00:00.000Z')) ?? 0)).toBe('2026-10-25T07:00:00.000Z')
    })
  })

  it('should run an overnight window into the next day', () => {
    const nights: Schedule = { timezone: 'UTC', weekly: [{ days: ['fri'], from: '22:00', until: '02:00' }] }
    expect(inSchedule(nights, at('2026-06-05T23:00:00.000Z'))).toBe(true)
    expect(inSchedule(nights, at('2026-06-06T01:59:00.000Z'))).toBe(true)
    expect(inSchedule(nights, at('2026-06-06T02:00:00.000Z'))).toBe(false)
    expect(inSchedule(nights, at('2026-06-04T23:00:00.000Z'))).toBe(false)
  })

  it('should say "now" inside a window and null when no window exists', () => {
    expect(nextWindowStart(sundays, at('2026-03-29T07:00:00.000Z'))).toBe(at('2026-03-29T07:00:00.000Z'))
    expect(nextWindowStart({ timezone: 'UTC', weekly: [] }, NOW)).toBeNull()
  })

  it('should map a local time skipped by the jump to just after it', () => {
    // 03:30 does not exist in Athens on 2026-03-29: clocks show 04:30 EEST = 01:30Z.
    expect(iso(zonedInstant('Europe/Athens', 2026, 3, 29, 3 * 60 + 30))).toBe('2026-03-29T01:30:00.000Z')
    expect(iso(zonedInstant('Europe/Athens', 2026, 7, 1, 9 * 60))).toBe('2026-07-01T06:00:00.000Z')
  })
})
