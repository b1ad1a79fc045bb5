import { afterAll, afterEach, beforeAll, describe, expect, it } from 'bun:test'
import { createMqttDriver, type MqttDriverOptions } from '../../../src/locks/drivers/mqtt'
import type { LockDriver } from '../../../src/locks/drivers/port'
import { type Mosquitto, mosquittoPath, startMosquitto } from '../../fixtures/mosquitto'
import { type DeviceOptions, startMqttDevice } from '../../fixtures/mqtt-device'
import { freePort } from '../../fixtures/ports'

// CI installs mosquitto (apt-get install -y mosquitto) and must run these; elsewhere a missing binary skips them.
const describeWithBroker = mosquittoPath() || process.env.CI ? describe : describe.skip

let broker: Mosquitto
const stoppers: (() => Promise<void>)[] = []

afterEach(async () => {
  await Promise.all(stoppers.splice(0).map((stop) => stop()))
})

function driver(options: Partial<MqttDriverOptions> = {}): LockDriver {
  const created = createMqttDriver({ url: broker.url, timeoutMs: 2000, ...options })
  stoppers.push(async () => created.close?.())
  return created
}

async function device(options: Omit<DeviceOptions, 'port'>) {
  const started = await startMqttDevice({ port: broker.port, ...options })
  stoppers.push(async () => started.stop())
  return started
}

let nextLockId = 3_000
const newLock = () => ({ lockId: nextLockId++, uuid: crypto.randomUUID() })

describeWithBroker('mqtt driver against a Mosquitto broker', () => {
  beforeAll(async () => {
    broker = await startMosquitto()
  })
  afterAll(async () => {
    await broker.stop()
  })

  it('should report ok when the device acknowledges, after publishing the command to the lock topic', async () => {
    const lock = newLock()
    const fake = await device({ lockUuid: lock.uuid, behaviour: 'ok' })
    const ctx = { requestId: 'req-mqtt-1', userId: 'user-9' }
    expect(await driver().open(lock, ctx)).toEqual({ status: 'ok' })
    expect(fake.received).toHaveLength(1)
    expect(fake.received[0]).toMatchObject({ op: 'open', lockId: lock.lockId, lockUuid: lock.uuid, context: ctx })
  })

  it('should use the configured topic prefix and name key operations', async () => {
    const lock = newLock()
    const fake = await device({ lockUuid: lock.uuid, prefix: 'site-a' })
    const sender = driver({ prefix: 'site-a' })
    expect(await sender.addKey(lock, { keyIndexNumber: 2 })).toEqual({ status: 'ok' })
    expect(await sender.writeKey(lock, { keyUuid: 'key-2' })).toEqual({ status: 'ok' })
    expect(fake.received.map((command) => command.op)).toEqual(['addKey', 'writeKey'])
  })

  it('should report offline when the device says it queued the command', async () => {
    const lock = newLock()
    await device({ lockUuid: lock.uuid, behaviour: 'offline' })
    expect(await driver().open(lock, {})).toEqual({ status: 'offline' })
  })

  it('should report the device failure with its reason, and treat an unknown status as a failure', async () => {
    const lock = newLock()
    const fake = await device({ lockUuid: lock.uuid, behaviour: 'failure' })
    const sender = driver()
    expect(await sender.removeKey(lock, {})).toEqual({ status: 'failure', reason: 'battery low' })
    fake.setBehaviour(() => ({ status: 'bogus' }))
    expect(await sender.open(lock, {})).toEqual({ status: 'failure', reason: 'unparsable answer' })
  })

  it('should fail with "timeout" at about timeoutMs when no device answers', async () => {
    const started = performance.now()
    const result = await driver({ timeoutMs: 300 }).open(newLock(), {})
    const elapsed = performance.now() - started
    expect(result).toEqual({ status: 'failure', reason: 'timeout' })
    expect(elapsed).toBeGreaterThanOrEqual(280)
    expect(elapsed).toBeLessThan(1000)
  })

  it('should give two concurrent opens their own replies, whatever order they come in', async () => {
    const lock = newLock()
    // The first command is answered last, and each answer depends on its command.
    await device({
      lockUuid: lock.uuid,
      behaviour: (command) =>
        command.context.reason === 'first' ? { status: 'failure', reason: 'first', delayMs: 150 } : { status: 'offline' },
    })
    const sender = driver()
    const [first, second] = await Promise.all([sender.open(lock, { reason: 'first' }), sender.open(lock, { reason: 'second' })])
    expect(first).toEqual({ status: 'failure', reason: 'first' })
    expect(second).toEqual({ status: 'offline' })
  })

  it("should ignore a reply published on another lock's status topic", async () => {
    const lock = newLock()
    const intruder = newLock()
    const fake = await device({ lockUuid: lock.uuid, behaviour: 'silent' })
    const pending = driver({ timeoutMs: 400 }).open(lock, {})
    while (fake.received.length === 0) await Bun.sleep(10)
    await fake.publishStatus(intruder.uuid, { correlationId: fake.received[0]?.correlationId, status: 'ok' })
    expect(await pending).toEqual({ status: 'failure', reason: 'timeout' })
  })

  it('should fail at once, not at the timeout, when the broker goes down mid-command', async () => {
    const own = await startMosquitto()
    const lock = newLock()
    const fake = await startMqttDevice({ port: own.port, lockUuid: lock.uuid, behaviour: 'silent' })
    const sender = driver({ url: own.url, timeoutMs: 3000 })
    const started = performance.now()
    const pending = sender.open(lock, {})
    while (fake.received.length === 0) await Bun.sleep(10)
    await own.stop()
    expect(await pending).toEqual({ status: 'failure', reason: 'broker connection lost' })
    expect(performance.now() - started).toBeLessThan(1500)
    await fake.stop()
  })
})

describe('mqtt driver without a broker', () => {
  it('should fail quickly, well before the timeout, when nothing listens on the broker port', async () => {
    const sender = createMqttDriver({ url: `mqtt://127.0.0.1:${freePort()}`, timeoutMs: 3000 })
    const started = performance.now()
    const result = await sender.open(newLock(), {})
    expect(result).toEqual({ status: 'failure', reason: 'broker unreachable' })
    expect(performance.now() - started).toBeLessThan(1000)
    // Also while it keeps reconnecting in the background: still a failure, never a hang.
    expect((await sender.open(newLock(), {})).status).toBe('failure')
    await sender.close?.()
  })

  it('should refuse calls after close() and for a uuid that is not a single topic level', async () => {
    const sender = createMqttDriver({ url: `mqtt://127.0.0.1:${freePort()}`, timeoutMs: 500 })
    const reason = 'lock uuid cannot be used as an MQTT topic level'
    expect(await sender.open({ lockId: 1, uuid: 'a/+/#' }, {})).toEqual({ status: 'failure', reason })
    await sender.close?.()
    expect(await sender.open(newLock(), {})).toEqual({ status: 'failure', reason: 'driver closed' })
  })
})
