// Opening a door with a temp key: check -> drive the lock -> record the use, one lock at a time. A refusal is
// audited; a driver failure spends no use; the use is recorded only after the driver confirmed (or queued) it.
import type { Deps } from '../deps'
import { DomainError, NotFound } from '../domain/errors'
import { lockAggregate, refusalError, tempKeyRefusal } from '../domain/lock/decide'
import { type LockEvent, lockStreamId } from '../domain/lock/events'
import type { LockState, TempKeyState } from '../domain/lock/state'
import type { Handled } from '../eventstore/command-handler'
import type { EventMetadata } from '../eventstore/types'
import { findLock, findTempKey } from '../projections/locks'
import { perDb } from '../projections/prepared'
import type { Lock as LockRow } from '../db/schema'
import type { DriverContext, DriverResult, LockDriver } from './drivers/port'

// close: ends the adapters' connections (the MQTT client) on shutdown.
export type DriverRegistry = { forLock: (lock: { driver: string | null }) => LockDriver; close?: () => Promise<void> }

export type OpenOutcome = { lockId: number; offline: boolean; handled: Handled<LockState, LockEvent> }

export class DriverFailed extends DomainError {
  constructor(reason: string) {
    super(502, `The lock did not confirm the command (${reason}); nothing was recorded`)
  }
}

// A driver that throws (misconfigured, bridge down) is a failed open like any other: 502, no use spent.
async function driveOpen(deps: Deps, lock: DriverTarget, uuid: string, ctx: DriverContext): Promise<DriverResult> {
  try {
    return await deps.drivers.forLock(lock).open({ lockId: lock.lockId, uuid, bridgeUrl: lock.bridgeUrl }, ctx)
  } catch (error) {
    return { status: 'failure', reason: error instanceof Error ? error.message : String(error) }
  }
}

// What an open reads from the read model, kept across opens (a cap keeps it small):
// - which lock a temp key opens: fixed for good (a key UUID is unique across locks and never reused);
// - the lock's driver settings as of a version of its stream: the columns come from that stream's events alone,
//   written in the append transaction, so they hold while the head stays there, and across the versions of an
//   open's own events (a use changes no driver setting).
type DriverTarget = Pick<LockRow, 'lockId' | 'driver' | 'bridgeUrl'>
const MEMO_CAP = 10_000
const keyLocks = perDb(() => new Map<string, number>())
const driverTargets = perDb(() => new Map<number, { version: number; target: DriverTarget }>())
const DRIVER_NEUTRAL: ReadonlySet<string> = new Set(['LockOpenRequested', 'TempKeyUsed'])

// Undefined for a key that never existed (a deleted one still names its lock).
export function lockIdOfKey(deps: Deps, tempKeyUuid: string): number | undefined {
  const memo = keyLocks(deps.db)
  const known = memo.get(tempKeyUuid)
  if (known !== undefined) return known
  const row = findTempKey(deps.db, tempKeyUuid)
  if (!row) return undefined
  if (memo.size >= MEMO_CAP) memo.clear()
  memo.set(tempKeyUuid, row.lockId)
  return row.lockId
}

function driverTargetAt(deps: Deps, lockId: number, version: number): DriverTarget | undefined {
  const memo = driverTargets(deps.db)
  const known = memo.get(lockId)
  if (known !== undefined && known.version === version) return known.target
  const lock = findLock(deps.db, lockId)
  if (!lock) return undefined
  const target = { lockId: lock.lockId, driver: lock.driver, bridgeUrl: lock.bridgeUrl }
  if (memo.size >= MEMO_CAP) memo.clear()
  memo.set(lockId, { version, target })
  return target
}

// The open's own events directly followed `from` (nothing else was appended in between) and set no driver setting.
function carryDriverTarget(deps: Deps, lockId: number, from: number, handled: Handled<LockState, LockEvent>): void {
  const known = driverTargets(deps.db).get(lockId)
  if (known === undefined || known.version !== from || handled.version !== from + handled.events.length) return
  if (handled.events.every((event) => DRIVER_NEUTRAL.has(event.type))) known.version = handled.version
}

export async function openWithTempKey(
  deps: Deps,
  input: { tempKeyUuid: string; userId: string | null; requestId: string | null },
  metadata: EventMetadata,
): Promise<OpenOutcome> {
  const lockId = lockIdOfKey(deps, input.tempKeyUuid)
  if (lockId === undefined) throw new NotFound('Temporary key not found')
  const streamId = lockStreamId(lockId)
  return deps.doors.run(streamId, async () => {
    // The moment of authorisation: a key that expires while the driver works still counts this use.
    const now = deps.clock.now()
    const { state, version } = deps.store.load(lockAggregate, streamId)
    const key = deps.store.loadEntity<TempKeyState>(streamId, input.tempKeyUuid)
    const lock = driverTargetAt(deps, lockId, version)
    if (state.status !== 'active' || !key || !lock) throw new NotFound('Temporary key not found')
    const refusal = tempKeyRefusal(key, input.userId, now)
    if (refusal) {
      const data = { tempKeyUuid: key.uuid, reason: refusal, userId: input.userId }
      await deps.commands.handle(lockAggregate, streamId, { type: 'RefuseTempKeyOpen', data, metadata: { now } }, metadata)
      throw refusalError(refusal)
    }
    const result = await driveOpen(deps, lock, state.uuid, {
      requestId: input.requestId ?? undefined,
      reason: `temp-key:${key.uuid}`,
      userId: input.userId ?? undefined,
    })
    if (result.status === 'failure') {
      deps.logger.warn('lock driver failed', { lockId: lock.lockId, reason: result.reason, requestId: metadata.requestId })
      throw new DriverFailed(result.reason)
    }
    const data = { tempKeyUuid: key.uuid, userId: input.userId, open: { requestId: input.requestId, reason: null } }
    const handled = await deps.commands.handle(lockAggregate, streamId, { type: 'UseTempKey', data, metadata: { now } }, metadata)
    carryDriverTarget(deps, lockId, version, handled)
    return { lockId: lock.lockId, offline: result.status === 'offline', handled }
  })
}

// The docs' audit-only use (use-temp-key): no door moves, but it spends a use, so it queues behind any open of the
// same lock that is waiting for its driver (that open must still find its use available).
export function recordTempKeyUse(
  deps: Deps,
  lockId: number,
  input: { tempKeyUuid: string; userId: string | null },
  metadata: EventMetadata,
): Promise<Handled<LockState, LockEvent>> {
  const streamId = lockStreamId(lockId)
  return deps.doors.run(streamId, () => {
    const data = { tempKeyUuid: input.tempKeyUuid, userId: input.userId, open: null }
    return deps.commands.handle(lockAggregate, streamId, { type: 'UseTempKey', data, metadata: { now: deps.clock.now() } }, metadata)
  })
}
