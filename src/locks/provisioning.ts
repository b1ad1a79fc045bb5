// Setting a lock up: the lock commands an operator issues (the JSON API's CreateLock, SetOwner and SetOrganization, the
// CLI's `lock driver`, the console's forms), each one command through the handler. Who may is the caller's business.
import type { Deps } from '../deps'
import { Invalid } from '../domain/errors'
import type { ConfigureLockDriver, CreateLock, LockCommand } from '../domain/lock/commands'
import { lockAggregate } from '../domain/lock/decide'
import { lockStreamId } from '../domain/lock/events'
import type { EventMetadata } from '../eventstore/types'

const handle = (deps: Deps, lockId: number, command: LockCommand, metadata: EventMetadata) =>
  deps.commands.handle(lockAggregate, lockStreamId(lockId), command, metadata)

export const registerLock = (deps: Deps, data: CreateLock['data'], metadata: EventMetadata) =>
  handle(deps, data.lockId, { type: 'CreateLock', data, metadata: { now: deps.clock.now() } }, metadata)

export const setLockOwner = (deps: Deps, lockId: number, userId: string, metadata: EventMetadata) =>
  handle(deps, lockId, { type: 'SetOwner', data: { userId }, metadata: { now: deps.clock.now() } }, metadata)

export const setLockOrganization = (deps: Deps, lockId: number, orgId: string, metadata: EventMetadata) =>
  handle(deps, lockId, { type: 'SetOrganization', data: { orgId }, metadata: { now: deps.clock.now() } }, metadata)

export const DRIVER_KINDS = ['simulated', 'http', 'mqtt'] as const
export type DriverChoice = (typeof DRIVER_KINDS)[number]
const isDriverKind = (value: string): value is DriverChoice => DRIVER_KINDS.some((kind) => kind === value)

const isHttpUrl = (value: string | null): value is string =>
  value !== null && URL.canParse(value) && /^https?:$/.test(new URL(value).protocol)

// The driver's settings as checked input: an HTTP lock needs the http(s) address of its bridge, the others none.
// bridgeUrlField: what the caller calls that input (the CLI's --bridge-url, a form's bridgeUrl).
export function lockDriverSettings(driver: string, bridgeUrl: string | null, bridgeUrlField = 'bridgeUrl') {
  if (!isDriverKind(driver))
    throw new Invalid('driver must be simulated, http or mqtt', [{ field: 'driver', message: 'simulated, http or mqtt' }])
  if (driver === 'http' && !isHttpUrl(bridgeUrl)) {
    const message = `${bridgeUrlField} must be the http(s) address of the lock bridge`
    throw new Invalid(message, [{ field: bridgeUrlField, message: 'an http(s) URL' }])
  }
  return { driver, bridgeUrl: driver === 'http' ? bridgeUrl : null }
}

// settings.driver null: back to the server's default driver.
export async function configureLockDriver(deps: Deps, lockId: number, settings: ConfigureLockDriver['data'], metadata: EventMetadata) {
  return handle(deps, lockId, { type: 'ConfigureLockDriver', data: settings, metadata: { now: deps.clock.now() } }, metadata)
}
