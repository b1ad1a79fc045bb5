// Door and key actions on a lock's device, one lock at a time: drive the device first, record only what it
// confirmed. An open the device queued (offline) is recorded and reported as such; key changes are fail-fast:
// offline or failed, nothing is recorded (docs: "if the device can't be reached ... no key is recorded").
import type { Deps } from '../deps'
import { NotFound } from '../domain/errors'
import type { AddKey, RemoveKey, WriteKey } from '../domain/lock/commands'
import { lockAggregate } from '../domain/lock/decide'
import { type LockEvent, lockStreamId } from '../domain/lock/events'
import type { LockState } from '../domain/lock/state'
import type { Handled } from '../eventstore/command-handler'
import type { EventMetadata } from '../eventstore/types'
import { findLock } from '../projections/locks'
import { DriverFailed } from './door'
import type { DriverContext, DriverLock, DriverResult } from './drivers/port'

export type OpenResult =
  | { status: 'opened'; offline: boolean; handled: Handled<LockState, LockEvent> }
  | { status: 'failed'; reason: string }

type Action = 'open' | 'addKey' | 'removeKey' | 'writeKey'

// One call to the lock's device. A driver that throws (not configured here, an adapter bug) failed like any other.
async function drive(deps: Deps, lockId: number, action: Action, ctx: DriverContext): Promise<DriverResult> {
  const lock = findLock(deps.db, lockId)
  if (!lock) throw new NotFound('Lock not found')
  const target: DriverLock = { lockId: lock.lockId, uuid: lock.uuid, bridgeUrl: lock.bridgeUrl }
  try {
    return await deps.drivers.forLock(lock)[action](target, ctx)
  } catch (error) {
    return { status: 'failure', reason: error instanceof Error ? error.message : String(error) }
  }
}

export function openLock(
  deps: Deps,
  lockId: number,
  input: { requestId: string | null; reason: string | null; userId: string | null },
  metadata: EventMetadata,
): Promise<OpenResult> {
  const streamId = lockStreamId(lockId)
  return deps.doors.run(streamId, async () => {
    const now = deps.clock.now()
    const result = await drive(deps, lockId, 'open', {
      requestId: input.requestId ?? metadata.requestId,
      reason: input.reason ?? undefined,
      userId: input.userId ?? undefined,
    })
    if (result.status === 'failure') {
      deps.logger.warn('lock driver failed', { lockId, action: 'open', reason: result.reason, requestId: metadata.requestId })
      return { status: 'failed', reason: result.reason }
    }
    const data = { requestId: input.requestId, reason: input.reason }
    const handled = await deps.commands.handle(lockAggregate, streamId, { type: 'RecordLockOpen', data, metadata: { now } }, metadata)
    return { status: 'opened', offline: result.status === 'offline', handled }
  })
}

export type KeyCommand = AddKey | RemoveKey | WriteKey

const ACTIONS = { AddKey: 'addKey', RemoveKey: 'removeKey', WriteKey: 'writeKey' } as const

// What the device is told: the key as the lock will record it (a RemoveKey by index names its UUID here).
function keyContext(event: LockEvent): DriverContext {
  switch (event.type) {
    case 'KeyAdded':
      return { keyUuid: event.data.keyUuid, keyIndexNumber: event.data.keyIndexNumber, userId: event.data.userId }
    case 'KeyRemoved':
    case 'KeyWriteRequested':
      return { keyUuid: event.data.keyUuid, keyIndexNumber: event.data.keyIndexNumber }
    default:
      return {}
  }
}

export function programKey(
  deps: Deps,
  lockId: number,
  command: KeyCommand,
  metadata: EventMetadata,
): Promise<Handled<LockState, LockEvent>> {
  const streamId = lockStreamId(lockId)
  return deps.doors.run(streamId, async () => {
    // Decide before driving: a command the lock refuses (unknown key, no identifier) never reaches the device,
    // and a repeat that changes nothing is answered without it.
    const { state, version } = deps.store.load(lockAggregate, streamId)
    const [planned] = lockAggregate.decider.decide(command, state, null)
    if (!planned) return { events: [], version, state }
    const result = await drive(deps, lockId, ACTIONS[command.type], { ...keyContext(planned), requestId: metadata.requestId })
    if (result.status !== 'ok') {
      const reason = result.status === 'offline' ? 'the lock is offline' : result.reason
      deps.logger.warn('lock driver did not confirm', { lockId, action: command.type, reason, requestId: metadata.requestId })
      throw new DriverFailed(reason)
    }
    return deps.commands.handle(lockAggregate, streamId, command, metadata)
  })
}
