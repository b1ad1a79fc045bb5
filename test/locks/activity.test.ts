// Reading a lock's events as activity: a temp-key open and its use are one line, even when a page boundary falls
// between them; a use recorded without an open keeps its own line; who and which key come from the lookups.
import { describe, expect, it } from 'bun:test'
import type { LockEvent } from '../../src/domain/lock/events'
import type { StoredEvent } from '../../src/eventstore/types'
import { type ActivityLookups, activityEntries } from '../../src/locks/activity'

const AT = Date.parse('2026-06-01T10:00:00.000Z')
const KEY = '0b6f3c1e-2a4d-4e5f-8a9b-0c1d2e3f4a5b'
const ref = { lockId: 7, uuid: 'lock-uuid', timestamp: '2026-06-01T10:00:00.000Z' }
const keyRef = { tempKeyUuid: KEY, lockId: 7, lockUuid: 'lock-uuid', timestamp: ref.timestamp }

const stored = (version: number, event: LockEvent, principal: string): StoredEvent =>
  ({ ...event, position: version, streamId: 'lock-7', streamVersion: version, metadata: { principal }, createdAt: AT }) as StoredEvent

const opened = stored(5, { type: 'LockOpenRequested', data: { ...ref, reason: `temp-key:${KEY}` } }, 'u-1')
const used = stored(6, { type: 'TempKeyUsed', data: { ...keyRef, userId: 'u-1', usedCount: 1 } }, 'u-1')

const lookups: ActivityLookups = {
  ownerId: 'owner',
  userName: async (userId) => (userId === 'u-1' ? 'ann@example.test' : null),
  tempKeyDescription: async () => 'Cleaner',
  lockKeyIndex: async () => undefined,
}

describe('activityEntries', () => {
  it('should read an open and its use as one line', async () => {
    expect(await activityEntries([opened, used], undefined, lookups)).toEqual([
      {
        version: 5,
        at: '2026-06-01T10:00:00.000Z',
        kind: 'opened',
        actor: { kind: 'user', name: 'ann@example.test' },
        means: { kind: 'temp-key', uuid: KEY, description: 'Cleaner' },
      },
    ])
  })

  it('should drop the use when its open is the event just below the page', async () => {
    expect(await activityEntries([used], opened, lookups)).toEqual([])
  })

  it('should keep a use recorded without an open as a line of its own', async () => {
    expect((await activityEntries([used], undefined, lookups)).map((entry) => entry.kind)).toEqual(['key-used'])
  })
})
