// The simulated lock driver: answers after a delay in a mode tests and demos set, and records every call.
import type { DriverContext, DriverLock, DriverResult, LockDriver } from './port'
import { DEFAULT_TIMEOUT_MS, failure, TIMEOUT } from './result'

export type SimulatedMode = DriverResult['status']
export type DriverOp = 'open' | 'addKey' | 'removeKey' | 'writeKey'
export type SimulatedCall = { op: DriverOp; lockId: number; ctx: DriverContext; at: number; status: SimulatedMode }

export type SimulatedDriverOptions = { delayMs?: number; mode?: SimulatedMode; timeoutMs?: number }

export type SimulatedDriver = LockDriver & {
  calls: SimulatedCall[]
  // Without a lockId the mode applies to every lock that has no mode of its own.
  setMode(mode: SimulatedMode, lockId?: number): void
  setDelay(delayMs: number): void
  // Doors that actually opened: the calls tests count to prove "never twice for one click".
  openings(lockId?: number): number
}

// The calls kept for tests and demos to read: a server left running for weeks must not keep every open in memory.
const RECENT_CALLS = 1_000

const answer = (mode: SimulatedMode): DriverResult => (mode === 'failure' ? failure('simulated failure') : { status: mode })

export function createSimulatedDriver(options: SimulatedDriverOptions = {}): SimulatedDriver {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  let delayMs = options.delayMs ?? 0
  let globalMode: SimulatedMode = options.mode ?? 'ok'
  const modes = new Map<number, SimulatedMode>()
  const calls: SimulatedCall[] = []
  // Doors opened per lock, counted for good (the calls list keeps only the recent ones).
  const opened = new Map<number, number>()
  let openedTotal = 0

  // A delay past the timeout behaves like a real adapter: the caller hears "timeout" at the deadline.
  const run =
    (op: DriverOp) =>
    async (lock: DriverLock, ctx: DriverContext): Promise<DriverResult> => {
      const timedOut = delayMs >= timeoutMs
      const result = timedOut ? failure(TIMEOUT) : answer(modes.get(lock.lockId) ?? globalMode)
      calls.push({ op, lockId: lock.lockId, ctx, at: Date.now(), status: result.status })
      if (calls.length > RECENT_CALLS) calls.shift()
      if (op === 'open' && result.status === 'ok') {
        opened.set(lock.lockId, (opened.get(lock.lockId) ?? 0) + 1)
        openedTotal++
      }
      const wait = Math.min(delayMs, timeoutMs)
      if (wait > 0) await Bun.sleep(wait)
      return result
    }

  return {
    name: 'simulated',
    calls,
    open: run('open'),
    addKey: run('addKey'),
    removeKey: run('removeKey'),
    writeKey: run('writeKey'),
    setMode(mode, lockId) {
      if (lockId === undefined) globalMode = mode
      else modes.set(lockId, mode)
    },
    setDelay(ms) {
      delayMs = ms
    },
    openings(lockId) {
      return lockId === undefined ? openedTotal : (opened.get(lockId) ?? 0)
    },
  }
}
