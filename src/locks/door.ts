// Opening a door with a temp key: check -> drive the lock -> record the use, one lock at a time. A refusal is
// audited; a driver failure spends no use; the use is recorded only after the driver confirmed (or queued) it.
import type { Deps } from '../deps'
import { DomainError, NotFound } from '../domain/errors'
import { lockAggregate, refusalError, tempKeyRefusal } from '../domain/lock/decide'
import { type LockEvent, lockStreamId } from '../domain/lock/events'
import type { LockState } from '../domain/lock/state'
import type { Handled } from '../eventstore/command-handler'
import type { EventMetadata } from '../eventstore/types'
import { findLock, findTempKey } from '../projections/locks'
import type { LockDriver } from './drivers/port'

export type DriverRegistry = { forLock: (lock: { driver: string | null }) => LockDriver }

export type OpenOutcome = { lockId: number; offline: boolean; handled: Handled<LockState, LockEvent> }

export class DriverFailed extends DomainError {
  constructor(reason: string) {
    super(502, `The lock did not confirm the command (${reason}); nothing was recorded`)
  }
}

export async function openWithTempKey(
  deps: Deps,
  input: { tempKeyUuid: string; userId: string | null; requestId: string | null },
  metadata: EventMetadata,
): Promise<OpenOutcome> {
  const row = findTempKey(deps.db, input.tempKeyUuid)
  if (!row) throw new NotFound('Temporary key not found')
  const streamId = lockStreamId(row.lockId)
  return deps.doors.run(streamId, async () => {
    // The moment of authorisation: a key that expires while the driver works still counts this use.
    const now = deps.clock.now()
    const { state } = deps.store.load(lockAggregate, streamId)
    const key = state.status === 'active' ? state.tempKeys[input.tempKeyUuid] : undefined
    const lock = findLock(deps.db, row.lockId)
    if (state.status !== 'active' || !key || !lock) throw new NotFound('Temporary key not found')
    const refusal = tempKeyRefusal(key, input.userId, now)
    if (refusal) {
      const data = { tempKeyUuid: key.uuid, reason: refusal, userId: input.userId }
      await deps.commands.handle(lockAggregate, streamId, { type: 'RefuseTempKeyOpen', data, metadata: { now } }, metadata)
      throw refusalError(refusal)
    }
    const result = await deps.drivers
      .forLock(lock)
      .open(
        { lockId: lock.lockId, uuid: state.uuid, bridgeUrl: lock.bridgeUrl },
        { requestId: input.requestId ?? undefined, reason: `temp-key:${key.uuid}`, userId: input.userId ?? undefined },
      )
    if (result.status === 'failure') {
      deps.logger.warn('lock driver failed', { lockId: lock.lockId, reason: result.reason, requestId: metadata.requestId })
      throw new DriverFailed(result.reason)
    }
    const data = { tempKeyUuid: key.uuid, userId: input.userId, open: { requestId: input.requestId, reason: null } }
    const handled = await deps.commands.handle(lockAggregate, streamId, { type: 'UseTempKey', data, metadata: { now } }, metadata)
    return { lockId: lock.lockId, offline: result.status === 'offline', handled }
  })
}
