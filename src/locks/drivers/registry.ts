// Chooses each lock's driver: its own override (LockDriverConfigured) or the configured default.
import type { DriverRegistry, LockDriver } from './port'

export type DriverKind = LockDriver['name']

const isKind = (value: string | null): value is DriverKind => value === 'simulated' || value === 'http' || value === 'mqtt'

export function driverRegistry(drivers: Partial<Record<DriverKind, LockDriver>>, fallback: DriverKind): DriverRegistry {
  return {
    forLock(lock) {
      const kind = isKind(lock.driver) ? lock.driver : fallback
      const driver = drivers[kind]
      if (!driver) throw new Error(`lock driver "${kind}" is not configured on this server`)
      return driver
    },
    async close() {
      await Promise.all(Object.values(drivers).map((driver) => driver.close?.()))
    },
  }
}
