// The LockDriver port: how spkey talks to a door (adapters: simulated, http bridge, mqtt), and how it picks one.
export type DriverLock = { lockId: number; uuid: string; bridgeUrl?: string | null }
export type DriverContext = { requestId?: string; reason?: string; keyUuid?: string; keyIndexNumber?: number; userId?: string }
export type DriverResult = { status: 'ok' } | { status: 'offline' } | { status: 'failure'; reason: string }
export type LockDriver = {
  name: 'simulated' | 'http' | 'mqtt'
  open(lock: DriverLock, ctx: DriverContext): Promise<DriverResult>
  addKey(lock: DriverLock, ctx: DriverContext): Promise<DriverResult>
  removeKey(lock: DriverLock, ctx: DriverContext): Promise<DriverResult>
  writeKey(lock: DriverLock, ctx: DriverContext): Promise<DriverResult>
  close?(): Promise<void>
}

// Which driver reaches a lock (its own choice, else the configured default). close: ends the adapters' connections
// (the MQTT client) on shutdown.
export type DriverRegistry = { forLock: (lock: { driver: string | null }) => LockDriver; close?: () => Promise<void> }
