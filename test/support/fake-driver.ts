// A lock driver for route tests: answers at once with the mode a test sets, and records every call it gets.
import type { DriverRegistry } from '../../src/locks/drivers/port'
import type { DriverContext, DriverLock, DriverResult, LockDriver } from '../../src/locks/drivers/port'

export type FakeMode = DriverResult['status']
export type DriverCall = { action: 'open' | 'addKey' | 'removeKey' | 'writeKey'; lock: DriverLock; ctx: DriverContext }

export function fakeDriver() {
  const state = { mode: 'ok' as FakeMode, calls: [] as DriverCall[] }
  const act =
    (action: DriverCall['action']) =>
    async (lock: DriverLock, ctx: DriverContext): Promise<DriverResult> => {
      state.calls.push({ action, lock, ctx })
      if (state.mode === 'failure') return { status: 'failure', reason: 'fake: the device refused' }
      return state.mode === 'offline' ? { status: 'offline' } : { status: 'ok' }
    }
  const driver: LockDriver = {
    name: 'simulated',
    open: act('open'),
    addKey: act('addKey'),
    removeKey: act('removeKey'),
    writeKey: act('writeKey'),
  }
  const registry: DriverRegistry = { forLock: () => driver }
  return { state, registry }
}
