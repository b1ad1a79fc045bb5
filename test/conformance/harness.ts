// One app instance per backend for the whole conformance run (a fresh database, a manual clock, a controllable lock
// driver) plus the fixtures checks build on. Every check makes its own users, locks and keys, so checks never share
// state and their order does not matter.
import { lockAggregate } from '../../src/domain/lock/decide'
import { lockStreamId } from '../../src/domain/lock/events'
import type { DriverRegistry } from '../../src/locks/drivers/port'
import type { DriverResult, LockDriver } from '../../src/locks/drivers/port'
import { type Backend, type CallOptions, contextOn, manualClock } from '../support/context'
import type { Response } from './validate'

export type DriverMode = DriverResult['status']

// The door in these checks: answers at once, or offline / failure when a check asks for it.
function controllableDriver() {
  const state = { mode: 'ok' as DriverMode, calls: 0 }
  const answer = async (): Promise<DriverResult> => {
    state.calls++
    if (state.mode === 'failure') return { status: 'failure', reason: 'conformance: simulated failure' }
    return { status: state.mode } as DriverResult
  }
  const driver: LockDriver = { name: 'simulated', open: answer, addKey: answer, removeKey: answer, writeKey: answer }
  const registry: DriverRegistry = { forLock: () => driver }
  return { state, registry }
}

export type Credentials = Pick<CallOptions, 'apiKey' | 'token'>
export type Org = { orgId: string; apiKey: string }
export type User = { userId: string; email: string; token: string }
export type Lock = { lockId: number; uuid: string; orgId: string | null; ownerId: string | null }

export const NOW = Date.parse('2026-06-01T10:00:00.000Z')
export const iso = (ms: number) => new Date(ms).toISOString()
export const HOUR = 3_600_000

export async function createHarness(backend: Backend) {
  const clock = manualClock(NOW)
  const driver = controllableDriver()
  // TRUST_PROXY: PIN checks each come from their own address (X-Forwarded-For), so one check's failures never
  // throttle another's.
  const ctx = await contextOn(backend, { TRUST_PROXY: 'true' }, clock, { drivers: driver.registry })
  let superOrg: Promise<Org> | undefined
  let nextLockId = 7_000

  const call = (method: string, path: string, options: CallOptions = {}): Promise<Response> => ctx.call(method, path, options)

  async function lock(options: { org?: Org | null; owner?: User | null } = {}): Promise<Lock> {
    const lockId = nextLockId++
    const uuid = crypto.randomUUID()
    const orgId = options.org?.orgId ?? null
    const ownerId = options.owner?.userId ?? null
    const data = { lockId, index: lockId, uuid, serialNumber: null, vendorName: null, name: null, ownerId, orgId, keys: [] }
    await ctx.deps.commands.handle(lockAggregate, lockStreamId(lockId), { type: 'CreateLock', data, metadata: { now: clock.now() } }, {})
    return { lockId, uuid, orgId, ownerId }
  }

  return {
    ctx,
    deps: ctx.deps,
    clock,
    driver: driver.state,
    call,
    org: (): Promise<Org> => ctx.org(),
    superOrg: (): Promise<Org> => (superOrg ??= ctx.org({ isSuper: true })),
    user: (): Promise<User> => ctx.user(),
    lock,
    // A stream's events, oldest first.
    async eventsOf(streamId: string) {
      return ctx.deps.log.readStreamRange(streamId, 1, await ctx.deps.log.streamVersion(streamId))
    },
    // Reset what a check may have changed on the shared instance.
    reset() {
      clock.set(NOW)
      driver.state.mode = 'ok'
    },
    close: ctx.close,
  }
}

export type Harness = Awaited<ReturnType<typeof createHarness>>

// One conformance check: a call against the app and the status it must answer. The runner validates status,
// content-type and body against the document; `details` and `verify` add the check's own expectations.
export type CheckKind = 'success' | 'error' | 'request'
export type Check = {
  op: string
  name: string
  kind: CheckKind
  status: number
  run: (h: Harness) => Promise<Response>
  details?: string // a 400 must name this field in `details`
  verify?: (res: Response, h: Harness) => string[] | Promise<string[]>
}

export const checkId = (c: Pick<Check, 'op' | 'name'>) => `${c.op} :: ${c.name}`
