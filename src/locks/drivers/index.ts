// Picks a lock driver adapter by name, with the settings of the chosen one (the simulated door by default).
import { createHttpDriver, type HttpDriverOptions } from './http'
import { createMqttDriver, type MqttDriverOptions } from './mqtt'
import type { LockDriver } from './port'
import type { DriverKind } from './registry'
import { createSimulatedDriver, type SimulatedDriverOptions } from './simulated'

export type { DriverContext, DriverLock, DriverResult, LockDriver } from './port'
export { verifyBridgeSignature } from './signature'

// Settings for every adapter may be present (they come from one config); only the chosen kind's are required.
export type DriverSettings = {
  timeoutMs?: number
  simulated?: Omit<SimulatedDriverOptions, 'timeoutMs'>
  http?: Omit<HttpDriverOptions, 'timeoutMs'>
  mqtt?: Omit<MqttDriverOptions, 'timeoutMs'>
}

export function createDriver(kind: DriverKind = 'simulated', settings: DriverSettings = {}): LockDriver {
  const { timeoutMs } = settings
  switch (kind) {
    case 'simulated':
      return createSimulatedDriver({ ...settings.simulated, timeoutMs })
    case 'http':
      if (!settings.http?.secret) throw new Error('the "http" lock driver needs a bridge secret')
      return createHttpDriver({ ...settings.http, timeoutMs })
    case 'mqtt':
      if (!settings.mqtt?.url) throw new Error('the "mqtt" lock driver needs a broker URL')
      return createMqttDriver({ ...settings.mqtt, timeoutMs })
    default: {
      const unknown: never = kind
      throw new Error(`unknown lock driver "${String(unknown)}"`)
    }
  }
}
