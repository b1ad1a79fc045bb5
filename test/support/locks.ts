// Lock fixtures for tests: a lock created straight through the command handler (no route involved), and a temp
// key on it created the same way, so route tests of other features need no lock or temp-key endpoint.
import { lockAggregate } from '../../src/domain/lock/decide'
import { lockStreamId } from '../../src/domain/lock/events'
import type { Schedule } from '../../src/domain/lock/state'
import type { Deps } from '../../src/deps'

type HasDeps = { deps: Deps }

// One counter for every test file in the process, from a random start: no two tests are handed the same lock id.
let nextLockId = 1_000 + Math.floor(Math.random() * 1_000_000)
export const freshLockId = (): number => nextLockId++

export type TestLock = { lockId: number; uuid: string; streamId: string }

export type TestLockOptions = {
  ownerId?: string
  orgId?: string
  lockId?: number
  vendorName?: string
  name?: string
  keyHolderIds?: string[]
}

// A lock owned by `ownerId` and/or `orgId`; `keyHolderIds` get a programmed key each (they can see the lock).
export async function createTestLock(ctx: HasDeps, options: TestLockOptions = {}): Promise<TestLock> {
  const lockId = options.lockId ?? freshLockId()
  const uuid = crypto.randomUUID()
  const data = {
    lockId,
    index: lockId,
    uuid,
    serialNumber: null,
    vendorName: options.vendorName ?? null,
    name: options.name ?? null,
    ownerId: options.ownerId ?? null,
    orgId: options.orgId ?? null,
    keys: (options.keyHolderIds ?? []).map((userId, i) => ({ uuid: crypto.randomUUID(), indexNumber: i + 1, userId })),
  }
  const streamId = lockStreamId(lockId)
  await ctx.deps.commands.handle(lockAggregate, streamId, { type: 'CreateLock', data, metadata: { now: ctx.deps.clock.now() } }, {})
  return { lockId, uuid, streamId }
}

export type TestTempKeyOptions = {
  accessMode?: 'public' | 'user-whitelist'
  allowedUserIds?: string[]
  validFrom?: string
  validUntil?: string
  maxUses?: number | null
  description?: string | null
  schedule?: Schedule | null
}

// A temp key valid from an hour before now to a day after, unlimited and public unless told otherwise.
export async function createTestTempKey(ctx: HasDeps, lock: TestLock, options: TestTempKeyOptions = {}): Promise<string> {
  const now = ctx.deps.clock.now()
  const tempKeyUuid = crypto.randomUUID()
  const data = {
    tempKeyUuid,
    accessMode: options.accessMode ?? 'public',
    allowedUserIds: options.allowedUserIds ?? [],
    validFrom: options.validFrom ?? new Date(now - 3_600_000).toISOString(),
    validUntil: options.validUntil ?? new Date(now + 86_400_000).toISOString(),
    maxUses: options.maxUses ?? null,
    description: options.description ?? null,
    schedule: options.schedule ?? null,
    createdBy: 'test',
  }
  await ctx.deps.commands.handle(lockAggregate, lock.streamId, { type: 'CreateTempKey', data, metadata: { now } }, {})
  return tempKeyUuid
}
