import { afterEach, describe, expect, it } from 'bun:test'
import { createHttpDriver, type FetchLike, verifyBridgeSignature } from '../../../src/locks/drivers/http'
import { signBridgeCommand } from '../../../src/locks/drivers/signature'
import { freePort } from '../../fixtures/ports'
import { type BridgeOptions, startReferenceBridge } from '../../fixtures/reference-bridge'

const SECRET = 'bridge-secret-for-tests'
const bridges: { stop(): Promise<void> }[] = []
afterEach(async () => {
  await Promise.all(bridges.splice(0).map((bridge) => bridge.stop()))
})

function bridge(options: Partial<BridgeOptions> = {}) {
  const started = startReferenceBridge({ secret: SECRET, ...options })
  bridges.push(started)
  return started
}

let nextLockId = 2_000
const lockAt = (bridgeUrl: string | null) => ({ lockId: nextLockId++, uuid: crypto.randomUUID(), bridgeUrl })

describe('http driver against the reference bridge', () => {
  it('should report ok and send a signed command carrying the lock and the context', async () => {
    const reference = bridge({ behaviour: 'ok' })
    const lock = lockAt(reference.url)
    const ctx = { requestId: 'req-http-1', reason: 'guest', userId: 'user-7' }
    expect(await createHttpDriver({ secret: SECRET }).open(lock, ctx)).toEqual({ status: 'ok' })
    expect(reference.executed).toHaveLength(1)
    const [command] = reference.executed
    expect(command).toMatchObject({ op: 'open', lockId: lock.lockId, lockUuid: lock.uuid, context: ctx })
    expect(command?.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(Number.isNaN(Date.parse(command?.sentAt ?? ''))).toBe(false)
  })

  it('should name the operation for key commands', async () => {
    const reference = bridge()
    const driver = createHttpDriver({ secret: SECRET })
    const lock = lockAt(reference.url)
    await driver.addKey(lock, { keyIndexNumber: 1 })
    await driver.removeKey(lock, { keyIndexNumber: 1 })
    await driver.writeKey(lock, { keyUuid: 'key-1' })
    expect(reference.executed.map((command) => command.op)).toEqual(['addKey', 'removeKey', 'writeKey'])
  })

  it('should report offline when the bridge queued the command', async () => {
    const reference = bridge({ behaviour: 'offline' })
    expect(await createHttpDriver({ secret: SECRET }).open(lockAt(reference.url), {})).toEqual({ status: 'offline' })
  })

  it('should report the bridge failure with its reason', async () => {
    const reference = bridge({ behaviour: 'failure' })
    expect(await createHttpDriver({ secret: SECRET }).open(lockAt(reference.url), {})).toEqual({ status: 'failure', reason: 'jammed' })
  })

  it('should fail, without a retry, when the bridge refuses the signature (wrong secret)', async () => {
    const reference = bridge()
    const result = await createHttpDriver({ secret: 'not-the-bridge-secret' }).open(lockAt(reference.url), {})
    expect(result).toEqual({ status: 'failure', reason: 'bridge answered HTTP 401' })
    expect(reference.executed).toHaveLength(0)
  })

  it('should fail with "timeout" at about timeoutMs when the bridge is slow, and not retry', async () => {
    const reference = bridge({ behaviour: 'slow', slowMs: 5_000 })
    const started = performance.now()
    const result = await createHttpDriver({ secret: SECRET, timeoutMs: 300 }).open(lockAt(reference.url), {})
    const elapsed = performance.now() - started
    expect(result).toEqual({ status: 'failure', reason: 'timeout' })
    expect(elapsed).toBeGreaterThanOrEqual(280)
    expect(elapsed).toBeLessThan(800)
    expect(reference.received).toHaveLength(1)
  })

  it('should retry once with the same command id when the connection drops, and the bridge act once', async () => {
    const reference = bridge({ behaviour: ['close-connection', 'ok'] })
    const result = await createHttpDriver({ secret: SECRET }).open(lockAt(reference.url), {})
    expect(result).toEqual({ status: 'ok' })
    expect(reference.received).toHaveLength(2)
    expect(reference.received[0]?.id).toBe(reference.received[1]?.id ?? '')
    expect(reference.executed).toHaveLength(1)
  })

  it('should try exactly twice, with the same body, and fail when nothing listens', async () => {
    const bodies: string[] = []
    const counting: FetchLike = (url, init) => {
      bodies.push(String(init.body))
      return fetch(url, init)
    }
    const result = await createHttpDriver({ secret: SECRET, fetch: counting }).open(lockAt(`http://127.0.0.1:${freePort()}/`), {})
    expect(result.status).toBe('failure')
    expect(result.status === 'failure' && result.reason).toStartWith('bridge unreachable')
    expect(bodies).toHaveLength(2)
    expect(bodies[0]).toBe(bodies[1] ?? '')
  })

  it('should fail on a 2xx answer that is not a driver answer', async () => {
    const driver = createHttpDriver({ secret: SECRET, fetch: async () => new Response('<html>ok</html>') })
    expect(await driver.open(lockAt('http://bridge.invalid/'), {})).toEqual({ status: 'failure', reason: 'unparsable answer' })
    const vague = createHttpDriver({ secret: SECRET, fetch: async () => Response.json({ status: 'opened' }) })
    expect(await vague.open(lockAt('http://bridge.invalid/'), {})).toEqual({ status: 'failure', reason: 'unparsable answer' })
  })

  it('should time out even when an injected fetch ignores the abort signal', async () => {
    const driver = createHttpDriver({ secret: SECRET, timeoutMs: 100, fetch: () => new Promise<Response>(() => {}) })
    expect(await driver.open(lockAt('http://bridge.invalid/'), {})).toEqual({ status: 'failure', reason: 'timeout' })
  })

  it('should fail at once for a lock without a bridge URL', async () => {
    const result = await createHttpDriver({ secret: SECRET }).open(lockAt(null), {})
    expect(result).toEqual({ status: 'failure', reason: 'no bridge URL is configured for this lock' })
  })
})

describe('reference bridge', () => {
  const post = (url: string, body: string, timestamp: number, secret = SECRET) =>
    fetch(url, {
      method: 'POST',
      body,
      headers: { 'x-spkey-timestamp': String(timestamp), 'x-spkey-signature': signBridgeCommand(secret, timestamp, body) },
    })
  const command = () =>
    JSON.stringify({ id: crypto.randomUUID(), op: 'open', lockId: 1, lockUuid: crypto.randomUUID(), context: {}, sentAt: '' })
  const nowSeconds = () => Math.floor(Date.now() / 1000)

  it('should refuse a correctly signed request with a stale timestamp', async () => {
    const reference = bridge()
    const response = await post(reference.url, command(), nowSeconds() - 600)
    expect(response.status).toBe(401)
    expect(reference.executed).toHaveLength(0)
  })

  it('should answer a repeated command id with the first answer without acting again', async () => {
    const reference = bridge({ behaviour: ['ok', 'failure'] })
    const body = command()
    const first = await post(reference.url, body, nowSeconds())
    const second = await post(reference.url, body, nowSeconds())
    expect(await first.json()).toEqual({ status: 'ok' })
    expect(await second.json()).toEqual({ status: 'ok' })
    expect(reference.executed).toHaveLength(1)
  })
})

describe('verifyBridgeSignature', () => {
  const body = '{"id":"c-1","op":"open"}'
  const now = 1_780_000_000
  const header = signBridgeCommand(SECRET, now, body)

  it('should accept a good signature, also as the header string', () => {
    expect(verifyBridgeSignature(SECRET, now, body, header, now)).toBe(true)
    expect(verifyBridgeSignature(SECRET, String(now), body, header, now + 299)).toBe(true)
  })

  it('should reject a tampered body', () => {
    expect(verifyBridgeSignature(SECRET, now, body.replace('open', 'addKey'), header, now)).toBe(false)
  })

  it('should reject a signature made with another secret', () => {
    expect(verifyBridgeSignature('another-secret', now, body, header, now)).toBe(false)
  })

  it('should reject a stale or far-future timestamp', () => {
    expect(verifyBridgeSignature(SECRET, now, body, header, now + 301)).toBe(false)
    expect(verifyBridgeSignature(SECRET, now, body, header, now - 301)).toBe(false)
    expect(verifyBridgeSignature(SECRET, now, body, header, now + 30, 10)).toBe(false)
  })

  it('should reject a missing or malformed header or timestamp', () => {
    expect(verifyBridgeSignature(SECRET, now, body, null, now)).toBe(false)
    expect(verifyBridgeSignature(SECRET, now, body, header.replace('v1=', 'v2='), now)).toBe(false)
    expect(verifyBridgeSignature(SECRET, `${now}abc`, body, header, now)).toBe(false)
  })
})
