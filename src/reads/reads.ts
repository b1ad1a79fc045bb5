// Every in-memory answer spkey gives, by name, each with what drops it. The rule: a new in-memory answer is added here
// (or to the ReadCache through a method here) or nowhere. Two kinds:
// - ReadCache entries (cache.ts): dropped by an event on a stream they were built from, another process's commit, or the
//   instant their time-dependent facts change;
// - memos of facts that never change once true, bounded by a cap.
// The event store keeps its own cache of aggregate states (eventstore/store.ts): the write side's, checked against the
// log's head on every load, so no read may use it.
import type { Db } from '../db/connection'
import type { Lock as LockRow } from '../db/schema'
import { lockStreamId } from '../domain/lock/events'
import { findLock, findTempKey } from '../projections/locks'
import type { ReadCache } from './cache'

// What an open needs of the lock row to drive the door.
export type DriverTarget = Pick<LockRow, 'lockId' | 'uuid' | 'driver' | 'bridgeUrl'>

// Enough for the keys in use at a large site; past it the memo starts again (each entry is one query away).
const MEMO_CAP = 10_000
// Events an open appends: they change no driver setting of the lock row.
const DRIVER_NEUTRAL: ReadonlySet<string> = new Set(['LockOpenRequested', 'TempKeyUsed'])

export class Reads {
  // key -> lock: fixed for good (a key UUID is unique across locks and never reused; a deleted key still names its lock).
  private readonly keyLocks = new Map<string, number>()
  // lock -> its driver settings as of a version of its stream: the columns come from that stream's events alone,
  // written in the append's transaction, so they hold while the head stays there, and across an open's own events.
  private readonly driverTargets = new Map<number, { version: number; target: DriverTarget }>()

  constructor(
    private readonly db: Db,
    readonly cache: ReadCache,
  ) {}

  // The lock row every lock route authorises against, until an event of the lock's stream (its only writer). A missing
  // lock is not cached: guessed ids cannot crowd the cache.
  lockRow(lockId: number, now: number): Readonly<LockRow> | undefined {
    const key = `lock-row:${lockId}`
    const cached = this.cache.get<LockRow>(key, now)
    if (cached !== undefined) return cached
    const lock = findLock(this.db, lockId)
    if (lock) this.cache.set(key, lock, [lockStreamId(lockId)])
    return lock
  }

  // Undefined for a key that never existed.
  lockOfKey(tempKeyUuid: string): number | undefined {
    const known = this.keyLocks.get(tempKeyUuid)
    if (known !== undefined) return known
    const row = findTempKey(this.db, tempKeyUuid)
    if (!row) return undefined
    if (this.keyLocks.size >= MEMO_CAP) this.keyLocks.clear()
    this.keyLocks.set(tempKeyUuid, row.lockId)
    return row.lockId
  }

  // The lock's driver settings when its stream is at `version` (the version the caller just loaded).
  driverTarget(lockId: number, version: number): DriverTarget | undefined {
    const known = this.driverTargets.get(lockId)
    if (known !== undefined && known.version === version) return known.target
    const lock = findLock(this.db, lockId)
    if (!lock) return undefined
    const target = { lockId: lock.lockId, uuid: lock.uuid, driver: lock.driver, bridgeUrl: lock.bridgeUrl }
    if (this.driverTargets.size >= MEMO_CAP) this.driverTargets.clear()
    this.driverTargets.set(lockId, { version, target })
    return target
  }

  // An open's own events directly followed `from` (nothing else was appended in between) and set no driver setting:
  // the settings read at `from` still hold at `to`.
  driverTargetHolds(lockId: number, from: number, to: number, eventTypes: readonly string[]): void {
    const known = this.driverTargets.get(lockId)
    if (known === undefined || known.version !== from || to !== from + eventTypes.length) return
    if (eventTypes.every((type) => DRIVER_NEUTRAL.has(type))) known.version = to
  }
}
