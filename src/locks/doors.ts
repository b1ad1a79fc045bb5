// The door layer: every action on a lock's device runs as check -> drive the device -> record what it confirmed. A
// temp-key open spends a use only once the driver confirmed (or queued) it, is audited when refused, and happens once
// per submission (a repeated one-time token shares the first outcome). Uses of one temp key run one at a time, so its
// maxUses holds while a driver call is in flight; different keys of a lock open side by side (their decisions read
// only their own rows, and their uses still append to the lock's stream in order). Owner opens and key programming
// run one at a time per lock. Key programming is
// fail-fast: offline or failed, nothing is recorded (docs: "if the device can't be reached ... no key is recorded").
import type { Clock } from '../clock'
import { DomainError, NotFound } from '../domain/errors'
import type { AddKey, LockCommand, RemoveKey, WriteKey } from '../domain/lock/commands'
import { collectiveRefusal, pinEntityId, takesCode } from '../domain/lock/collective'
import { lockAggregate, refusalError, tempKeyRefusal } from '../domain/lock/decide'
import { type LockEvent, lockStreamId, type PinRefusalReason } from '../domain/lock/events'
import { type CollectiveKeyState, collectiveKey, type LockEntity, type LockState, pinHolder, singleKey } from '../domain/lock/state'
import type { Commands, Exclusive, Log, Once } from '../data/port'
import type { Handled } from '../eventstore/command-handler'
import type { EventMetadata } from '../eventstore/types'
import type { Logger } from '../logger'
import type { DriverTarget, Reads } from '../reads/reads'
import type { DriverContext, DriverRegistry, DriverResult, LockDriver } from './drivers/port'
import { Pins } from './pins'

export class DriverFailed extends DomainError {
  constructor(reason: string) {
    super(502, `The lock did not confirm the command (${reason}); nothing was recorded`)
  }
}

type Recorded = Handled<LockState, LockEvent>

// What the open's answer is built from, and all its one-time-token memory keeps for a day (not the lock's state).
export type TempKeyOpen = { lockId: number; offline: boolean; handled: Pick<Recorded, 'events' | 'version'> }

export type LockOpen = { status: 'opened'; offline: boolean; handled: Recorded } | { status: 'failed'; reason: string }

export type KeyCommand = AddKey | RemoveKey | WriteKey

export type CollectiveDoorOpen = {
  tempKeyUuid: string
  lockId: number
  doorId: number
  requestId: string | null
  onceToken: string | null
}

export type PinOpen = { status: 'opened'; offline: boolean } | { status: 'refused' }

// What an unknown PIN is checked against, so it costs what a known one does: a key row that never exists, a hash that
// matches nothing, a window that is never open.
const NO_KEY = 'no-key'
const NO_HASH = '0'.repeat(64)
const NO_WINDOW: CollectiveKeyState = {
  kind: 'collective',
  uuid: NO_KEY,
  validFrom: '1970-01-01T00:00:00.000Z',
  validUntil: '1970-01-01T00:00:00.000Z',
  doors: [],
  pinHash: null,
  usedCount: 0,
  revoked: true,
}

// Why a PIN does not open this lock now, from the key row its PIN row named (null: none). Every part is computed every
// time, whatever the outcome: the answer's cost does not tell a wrong PIN from an expired key's.
function pinRefusal(key: CollectiveKeyState | null, pinHash: string, now: number): PinRefusalReason | null {
  const matches = Pins.sameHash(key?.pinHash ?? NO_HASH, pinHash)
  const door = key?.doors.find((candidate) => takesCode(candidate.accessMethod))
  const refusal = collectiveRefusal(key ?? NO_WINDOW, door ?? { accessMethod: 'key' }, 'pin', now)
  if (!matches || key === null || door === undefined) return 'no-match'
  if (refusal === 'not-yet-valid' || refusal === 'expired') return refusal
  return refusal === null ? null : 'no-match'
}

const KEY_ACTIONS = { AddKey: 'addKey', RemoveKey: 'removeKey', WriteKey: 'writeKey' } as const

type Action = 'open' | (typeof KEY_ACTIONS)[keyof typeof KEY_ACTIONS]

export type DoorsDeps = {
  drivers: DriverRegistry
  commands: Commands
  log: Log
  reads: Reads
  clock: Clock
  logger: Logger
  // One action per key at a time: across processes on PostgreSQL (a session advisory lock), in memory on SQLite.
  exclusive: Exclusive
  opens: Once<TempKeyOpen>
}

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

export class Doors {
  constructor(private readonly deps: DoorsDeps) {}

  // Undefined for a key that never existed (the open's early 404, before credentials are looked at).
  lockOfKey(tempKeyUuid: string): Promise<number | undefined> {
    return this.deps.reads.lockOfKey(tempKeyUuid)
  }

  private perTempKey<T>(tempKeyUuid: string, work: () => Promise<T>): Promise<T> {
    return this.deps.exclusive.run(`temp-key:${tempKeyUuid}`, work)
  }

  private perLock<T>(streamId: string, work: () => Promise<T>): Promise<T> {
    return this.deps.exclusive.run(`lock:${streamId}`, work)
  }

  // `onceToken`: the form's one-time token or an Idempotency-Key, already scoped to the caller.
  openWithTempKey(
    input: { tempKeyUuid: string; userId: string | null; requestId: string | null; onceToken: string | null },
    metadata: EventMetadata,
  ): Promise<TempKeyOpen> {
    const work = () => this.openOnce(input, metadata)
    return input.onceToken === null ? work() : this.deps.opens.run(input.onceToken, this.deps.clock.now(), work)
  }

  private async openOnce(
    input: { tempKeyUuid: string; userId: string | null; requestId: string | null },
    metadata: EventMetadata,
  ): Promise<TempKeyOpen> {
    const { commands, log, reads, clock } = this.deps
    const lockId = await reads.lockOfKey(input.tempKeyUuid)
    if (lockId === undefined) throw new NotFound('Temporary key not found')
    const streamId = lockStreamId(lockId)
    return this.perTempKey(input.tempKeyUuid, async () => {
      // The moment of authorisation: a key that expires while the driver works still counts this use.
      const now = clock.now()
      const { state, version } = await log.load(lockAggregate, streamId)
      const key = singleKey(await log.loadEntity<LockEntity>(lockAggregate, streamId, input.tempKeyUuid))
      const lock = await reads.driverTarget(lockId, version)
      if (state.status !== 'active' || !key || !lock) throw new NotFound('Temporary key not found')
      // Checked here to audit a refusal without driving the door; decide checks again when the use is recorded.
      const refusal = tempKeyRefusal(key, input.userId, now)
      if (refusal) {
        const data = { tempKeyUuid: key.uuid, reason: refusal, userId: input.userId }
        await commands.handle(lockAggregate, streamId, { type: 'RefuseTempKeyOpen', data, metadata: { now } }, metadata)
        throw refusalError(refusal)
      }
      const context = { requestId: input.requestId ?? undefined, reason: `temp-key:${key.uuid}`, userId: input.userId ?? undefined }
      const data = { tempKeyUuid: key.uuid, userId: input.userId, open: { requestId: input.requestId, reason: null } }
      const use: LockCommand = { type: 'UseTempKey', data, metadata: { now } }
      const { offline, handled } = await this.openThenRecord(lock, version, context, use, metadata)
      return { lockId, offline, handled: { events: handled.events, version: handled.version } }
    })
  }

  // A collective key's door from its guest page: the same check -> drive -> record as a single key's open, one open
  // (or revocation) of the key at a time.
  openCollectiveDoor(input: CollectiveDoorOpen, metadata: EventMetadata): Promise<TempKeyOpen> {
    const work = () => this.perTempKey(input.tempKeyUuid, () => this.openDoorNow(input, metadata))
    return input.onceToken === null ? work() : this.deps.opens.run(input.onceToken, this.deps.clock.now(), work)
  }

  private async openDoorNow(input: CollectiveDoorOpen, metadata: EventMetadata): Promise<TempKeyOpen> {
    const { commands, log, reads, clock } = this.deps
    const { tempKeyUuid, lockId, doorId, requestId } = input
    const streamId = lockStreamId(lockId)
    const now = clock.now()
    const { state, version } = await log.load(lockAggregate, streamId)
    const key = collectiveKey(await log.loadEntity<LockEntity>(lockAggregate, streamId, tempKeyUuid))
    const lock = await reads.driverTarget(lockId, version)
    if (state.status !== 'active' || !key || !lock) throw new NotFound('Temporary key not found')
    const door = key.doors.find((candidate) => candidate.id === doorId)
    if (!door) throw new NotFound('Door not found')
    const refusal = collectiveRefusal(key, door, 'page', now)
    if (refusal) {
      const data = { tempKeyUuid, doorId, reason: refusal }
      await commands.handle(lockAggregate, streamId, { type: 'RefuseCollectiveDoorOpen', data, metadata: { now } }, metadata)
      throw refusalError(refusal)
    }
    const context = { requestId: requestId ?? undefined, reason: `temp-key:${tempKeyUuid}:door-${doorId}` }
    const use: LockCommand = { type: 'UseCollectiveDoor', data: { tempKeyUuid, doorId, openedWith: 'page', requestId }, metadata: { now } }
    const { offline, handled } = await this.openThenRecord(lock, version, context, use, metadata)
    return { lockId, offline, handled: { events: handled.events, version: handled.version } }
  }

  // An entrance panel's PIN: the lock's PIN row names the key, whose row on this lock decides. A refusal is audited
  // (PinOpenRefused) and answered alike whatever its reason; the caller throttles.
  async openWithPin(input: { lockId: number; pinHash: string; requestId: string | null }, metadata: EventMetadata): Promise<PinOpen> {
    const { commands, log, reads, clock } = this.deps
    const streamId = lockStreamId(input.lockId)
    const holder = pinHolder(await log.loadEntity<LockEntity>(lockAggregate, streamId, pinEntityId(input.pinHash)))
    const tempKeyUuid = holder?.tempKeyUuid ?? `${NO_KEY}:${input.lockId}`
    return this.perTempKey(tempKeyUuid, async () => {
      const now = clock.now()
      const { state, version } = await log.load(lockAggregate, streamId)
      const key = collectiveKey(await log.loadEntity<LockEntity>(lockAggregate, streamId, tempKeyUuid))
      const refusal = pinRefusal(key, input.pinHash, now)
      const lock = await reads.driverTarget(input.lockId, version)
      const door = key?.doors.find((candidate) => takesCode(candidate.accessMethod))
      if (refusal !== null || state.status !== 'active' || !lock || !key || !door) {
        // An unknown lock has no stream to audit on; its refusal looks the same to the caller.
        if (state.status === 'active') {
          const command = { type: 'RefusePinOpen' as const, data: { reason: refusal ?? 'no-match' }, metadata: { now } }
          await commands.handle(lockAggregate, streamId, command, metadata)
        }
        return { status: 'refused' }
      }
      const context = { requestId: input.requestId ?? undefined, reason: `temp-key:${key.uuid}:door-${door.id}` }
      const data = { tempKeyUuid: key.uuid, doorId: door.id, openedWith: 'pin' as const, requestId: input.requestId }
      const use: LockCommand = { type: 'UseCollectiveDoor', data, metadata: { now } }
      const { offline } = await this.openThenRecord(lock, version, context, use, metadata)
      return { status: 'opened', offline }
    })
  }

  // Runs `work` (a collective key's revocation) once no open of the key is in flight, holding later opens back until it
  // is done: after it, no open of the key is left to happen.
  exclusivelyFor<T>(tempKeyUuid: string, work: () => Promise<T>): Promise<T> {
    return this.perTempKey(tempKeyUuid, work)
  }

  // The docs' audit-only use (use-temp-key): no door moves, but it spends a use, so it queues behind any open of the
  // same key that is waiting for its driver (that open must still find its use available).
  recordTempKeyUse(lockId: number, input: { tempKeyUuid: string; userId: string | null }, metadata: EventMetadata): Promise<Recorded> {
    const streamId = lockStreamId(lockId)
    return this.perTempKey(input.tempKeyUuid, () => {
      const data = { tempKeyUuid: input.tempKeyUuid, userId: input.userId, open: null }
      const command = { type: 'UseTempKey' as const, data, metadata: { now: this.deps.clock.now() } }
      return this.deps.commands.handle(lockAggregate, streamId, command, metadata)
    })
  }

  // An owner's or organisation's open: recorded when the device confirmed it, or queued it for an offline lock.
  openLock(
    lockId: number,
    input: { requestId: string | null; reason: string | null; userId: string | null },
    metadata: EventMetadata,
  ): Promise<LockOpen> {
    const streamId = lockStreamId(lockId)
    return this.perLock(streamId, async () => {
      const now = this.deps.clock.now()
      const context = {
        requestId: input.requestId ?? metadata.requestId,
        reason: input.reason ?? undefined,
        userId: input.userId ?? undefined,
      }
      const result = await this.drive(await this.target(lockId), 'open', context, metadata)
      if (result.status === 'failure') return { status: 'failed', reason: result.reason }
      const data = { requestId: input.requestId, reason: input.reason }
      const handled = await this.deps.commands.handle(
        lockAggregate,
        streamId,
        { type: 'RecordLockOpen', data, metadata: { now } },
        metadata,
      )
      return { status: 'opened', offline: result.status === 'offline', handled }
    })
  }

  programKey(lockId: number, command: KeyCommand, metadata: EventMetadata): Promise<Recorded> {
    const streamId = lockStreamId(lockId)
    return this.perLock(streamId, async () => {
      // Decide before driving: a command the lock refuses (unknown key, no identifier) never reaches the device,
      // and a repeat that changes nothing is answered without it.
      const { state, version } = await this.deps.log.load(lockAggregate, streamId)
      const [planned] = lockAggregate.decider.decide(command, state, null)
      if (!planned) return { events: [], version, state }
      const result = await this.drive(
        await this.target(lockId),
        KEY_ACTIONS[command.type],
        { ...keyContext(planned), requestId: metadata.requestId },
        metadata,
      )
      if (result.status !== 'ok') throw new DriverFailed(result.status === 'offline' ? 'the lock is offline' : result.reason)
      return this.deps.commands.handle(lockAggregate, streamId, command, metadata)
    })
  }

  private async target(lockId: number): Promise<DriverTarget> {
    const lock = await this.deps.reads.lockRow(lockId, this.deps.clock.now())
    if (!lock) throw new NotFound('Lock not found')
    return lock
  }

  // A key's open once it was authorised: the door driven, then its use recorded (decide checks the key again), nothing
  // recorded when the device failed; the lock's cached driver target is kept when those events leave it as it was.
  private async openThenRecord(
    lock: DriverTarget,
    version: number,
    context: DriverContext,
    use: LockCommand,
    metadata: EventMetadata,
  ): Promise<{ offline: boolean; handled: Recorded }> {
    const result = await this.drive(lock, 'open', context, metadata)
    if (result.status === 'failure') throw new DriverFailed(result.reason)
    const streamId = lockStreamId(lock.lockId)
    const handled = await this.deps.commands.handle(lockAggregate, streamId, use, metadata)
    this.deps.reads.driverTargetHolds(
      lock.lockId,
      version,
      handled.version,
      handled.events.map((event) => event.type),
    )
    return { offline: result.status === 'offline', handled }
  }

  // The one call to a device. A driver that throws (misconfigured, bridge down, an adapter bug) failed like any other.
  private async drive(lock: DriverTarget, action: Action, context: DriverContext, metadata: EventMetadata): Promise<DriverResult> {
    let result: DriverResult
    try {
      const driver: LockDriver = this.deps.drivers.forLock(lock)
      result = await driver[action]({ lockId: lock.lockId, uuid: lock.uuid, bridgeUrl: lock.bridgeUrl }, context)
    } catch (error) {
      result = { status: 'failure', reason: error instanceof Error ? error.message : String(error) }
    }
    // An open queued for an offline lock is an outcome of its own; a key change it could not confirm is not.
    if (result.status === 'failure' || (result.status === 'offline' && action !== 'open')) {
      const reason = result.status === 'offline' ? 'the lock is offline' : result.reason
      this.deps.logger.warn('lock driver did not confirm', { lockId: lock.lockId, action, reason, requestId: metadata.requestId })
    }
    return result
  }
}
