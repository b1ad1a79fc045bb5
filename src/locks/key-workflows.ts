// BulkAddKeys, the docs' workflow: the run and its keys are recorded (BulkAddKeysStarted) before the caller gets its
// instanceId, then the keys are programmed one at a time in the background, each exactly as AddKey does it (the door
// layer: device first, KeyAdded once confirmed), a pause between device commands. A key the device does not confirm is
// tried again; one that still fails is recorded (BulkAddKeyFailed) and the run goes on; BulkAddKeysFinished ends it.
// Every event of a run carries the run's instanceId as its correlationId.
import type { Clock } from '../clock'
import type { BulkKey, LockCommand } from '../domain/lock/commands'
import { lockAggregate } from '../domain/lock/decide'
import { lockStreamId } from '../domain/lock/events'
import type { Commands } from '../data/port'
import type { EventMetadata } from '../eventstore/types'
import type { Logger } from '../logger'
import { DriverFailed, type Doors } from './doors'

export type KeyWorkflowsDeps = {
  doors: Doors
  commands: Commands
  clock: Clock
  logger: Logger
  intervalMs: number
  attempts: number
}

type Outcome = 'added' | 'unchanged' | 'failed'

const sleep = (ms: number) => (ms > 0 ? new Promise<void>((resolve) => setTimeout(resolve, ms)) : Promise.resolve())

export class KeyWorkflows {
  private readonly running = new Set<Promise<void>>()
  private stopping = false

  constructor(private readonly deps: KeyWorkflowsDeps) {}

  // Refusals (unknown lock, duplicate keys) throw here, before anything runs; the run itself never throws.
  async bulkAddKeys(lockId: number, keys: BulkKey[], metadata: EventMetadata): Promise<{ instanceId: string }> {
    const instanceId = crypto.randomUUID()
    const correlated = { ...metadata, correlationId: instanceId }
    await this.record(lockId, { type: 'StartBulkAddKeys', data: { instanceId, keys }, metadata: this.now() }, correlated)
    const run: Promise<void> = this.run(lockId, instanceId, keys, correlated).finally(() => this.running.delete(run))
    this.running.add(run)
    return { instanceId }
  }

  // Resolves once every run started so far has finished.
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running])
  }

  // Shutdown: runs stop after the key in hand (no more attempts, no more keys) and record how many they skipped.
  async stop(): Promise<void> {
    this.stopping = true
    await this.idle()
  }

  private async run(lockId: number, instanceId: string, keys: BulkKey[], metadata: EventMetadata): Promise<void> {
    const tally = { added: 0, unchanged: 0, failed: 0, skipped: 0 }
    for (const [i, key] of keys.entries()) {
      if (i > 0) await sleep(this.deps.intervalMs)
      if (this.stopping) {
        tally.skipped = keys.length - i
        break
      }
      tally[await this.addKey(lockId, instanceId, key, metadata)]++
    }
    await this.recordQuietly(lockId, { type: 'FinishBulkAddKeys', data: { instanceId, ...tally }, metadata: this.now() }, metadata)
  }

  private async addKey(lockId: number, instanceId: string, key: BulkKey, metadata: EventMetadata): Promise<Outcome> {
    let reason = 'not attempted'
    let attempts = 0
    while (attempts < this.deps.attempts && (attempts === 0 || !this.stopping)) {
      if (attempts > 0) await sleep(this.deps.intervalMs)
      attempts++
      try {
        const handled = await this.deps.doors.programKey(lockId, { type: 'AddKey', data: key, metadata: this.now() }, metadata)
        return handled.events.length > 0 ? 'added' : 'unchanged'
      } catch (error) {
        reason = error instanceof Error ? error.message : String(error)
        // Only a device that did not confirm may do better next time; a refusal by the lock will not.
        if (!(error instanceof DriverFailed)) break
      }
    }
    const data = { instanceId, keyUuid: key.keyUuid, reason, attempts }
    await this.recordQuietly(lockId, { type: 'RecordBulkAddKeyFailure', data, metadata: this.now() }, metadata)
    return 'failed'
  }

  private record(lockId: number, command: LockCommand, metadata: EventMetadata) {
    return this.deps.commands.handle(lockAggregate, lockStreamId(lockId), command, metadata)
  }

  // In the background nobody awaits the answer: a write that fails (storage gone) is logged, never thrown.
  private async recordQuietly(lockId: number, command: LockCommand, metadata: EventMetadata): Promise<void> {
    try {
      await this.record(lockId, command, metadata)
    } catch (error) {
      const fields = { lockId, command: command.type, correlationId: metadata.correlationId }
      this.deps.logger.error('BulkAddKeys could not record its progress', {
        ...fields,
        error: error instanceof Error ? error.message : String(error),
      })
    }
  }

  private now() {
    return { now: this.deps.clock.now() }
  }
}
