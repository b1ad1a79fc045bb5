// The MQTT lock driver: publishes a command to the lock's topic and waits for the device's reply with the same
// correlationId on the lock's status topic.
// Types only: the client library (about 5 MB of RSS) loads on first use; a server without MQTT locks never loads it.
import type { IClientOptions, MqttClient, MqttProtocol } from 'mqtt'
import type { DriverContext, DriverLock, DriverResult, LockDriver } from './port'
import { DEFAULT_TIMEOUT_MS, failure, isRecord, parseJson, readAnswer, TIMEOUT } from './result'

export type MqttDriverOptions = {
  url: string
  prefix?: string
  timeoutMs?: number
  clientId?: string
  reconnectPeriodMs?: number
}

type Op = 'open' | 'addKey' | 'removeKey' | 'writeKey'
type Pending = { lockUuid: string; settle: (result: DriverResult) => void }
type Deferred = { promise: Promise<void>; resolve: () => void }

const PROTOCOLS: readonly MqttProtocol[] = ['mqtt', 'mqtts', 'tcp', 'ssl', 'ws', 'wss']
const isProtocol = (value: string): value is MqttProtocol => PROTOCOLS.some((protocol) => protocol === value)

// A uuid becomes a topic level: separators or wildcards in it would address other locks' topics.
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what a topic level must not hold.
const isTopicLevel = (value: string) => value !== '' && !/[/+#\u0000]/.test(value)

function deferred(): Deferred {
  let resolve = () => {}
  const promise = new Promise<void>((done) => (resolve = done))
  return { promise, resolve }
}

// The WHATWG parser, not mqtt.js's url.parse (deprecated, and it warns on every connect).
function brokerOptions(url: string): IClientOptions {
  const parsed = new URL(url)
  const protocol = parsed.protocol.replace(/:$/, '')
  if (!isProtocol(protocol)) throw new Error(`unsupported MQTT URL scheme "${protocol}"`)
  return {
    protocol,
    hostname: parsed.hostname,
    port: parsed.port === '' ? undefined : Number(parsed.port),
    path: protocol === 'ws' || protocol === 'wss' ? parsed.pathname : undefined,
    username: parsed.username === '' ? undefined : decodeURIComponent(parsed.username),
    password: parsed.password === '' ? undefined : decodeURIComponent(parsed.password),
  }
}

export function createMqttDriver(options: MqttDriverOptions): LockDriver {
  const prefix = options.prefix ?? 'spkey'
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const statusTopic = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/locks/([^/]+)/status$`)
  const pending = new Map<string, Pending>()
  let client: Promise<MqttClient> | undefined
  let isClosed = false
  // Resolved once the current connection is subscribed to the replies; replaced whenever the connection drops.
  let ready = deferred()

  function onMessage(topic: string, payload: Buffer) {
    const lockUuid = statusTopic.exec(topic)?.[1]
    const reply = parseJson(payload.toString('utf8'))
    if (!lockUuid || !isRecord(reply) || typeof reply.correlationId !== 'string') return
    const waiting = pending.get(reply.correlationId)
    // A device answers only for its own lock; late or duplicate (QoS 1) replies find nothing and are dropped.
    if (waiting?.lockUuid === lockUuid) waiting.settle(readAnswer(reply))
  }

  // Loads the library and connects on first use, so a server whose locks use another driver never dials the broker.
  function broker(): Promise<MqttClient> {
    client ??= import('mqtt').then(({ connect }) => connectBroker(connect))
    return client
  }

  function connectBroker(connect: typeof import('mqtt').connect): MqttClient {
    const created = connect({
      ...brokerOptions(options.url),
      clientId: options.clientId ?? `spkey-${crypto.randomUUID()}`,
      protocolVersion: 5,
      clean: true,
      resubscribe: false,
      queueQoSZero: false,
      connectTimeout: timeoutMs,
      reconnectPeriod: options.reconnectPeriodMs ?? 1000,
    })
    // Errors show up as 'close' and failed calls; an 'error' without a listener would crash the process.
    created.on('error', () => {})
    created.on('message', onMessage)
    let isConnected = false
    created.on('connect', () => {
      isConnected = true
      const current = ready
      // A refused subscription leaves `ready` pending: calls then fail by timeout rather than publish blind.
      created.subscribeAsync(`${prefix}/locks/+/status`, { qos: 1 }).then(current.resolve, () => {})
    })
    created.on('close', () => {
      const reason = isConnected ? 'broker connection lost' : 'broker unreachable'
      isConnected = false
      ready = deferred()
      for (const waiting of pending.values()) waiting.settle(failure(reason))
      // Callers already heard "failure": a command still unacknowledged must not be replayed on reconnect.
      for (const id of Object.keys(created.outgoing)) created.removeOutgoingMessage(Number(id))
    })
    return created
  }

  const run =
    (op: Op) =>
    (lock: DriverLock, ctx: DriverContext): Promise<DriverResult> => {
      if (isClosed) return Promise.resolve(failure('driver closed'))
      if (!isTopicLevel(lock.uuid)) return Promise.resolve(failure('lock uuid cannot be used as an MQTT topic level'))
      const correlationId = crypto.randomUUID()
      return new Promise<DriverResult>((resolve) => {
        let isSettled = false
        const settle = (result: DriverResult) => {
          if (isSettled) return
          isSettled = true
          clearTimeout(timer)
          pending.delete(correlationId)
          resolve(result)
        }
        const timer = setTimeout(() => settle(failure(TIMEOUT)), timeoutMs)
        pending.set(correlationId, { lockUuid: lock.uuid, settle })
        const sentAt = new Date().toISOString()
        const payload = JSON.stringify({ correlationId, op, lockId: lock.lockId, lockUuid: lock.uuid, context: ctx, sentAt })
        broker()
          .then((connection) => ready.promise.then(() => connection))
          .then((connection) => {
            // Never publish for a caller who was already told "timeout" or "failure".
            if (isSettled) return
            // The broker drops the command if no device takes it before the caller stops waiting.
            const properties = { messageExpiryInterval: Math.max(1, Math.ceil(timeoutMs / 1000)) }
            return connection.publishAsync(`${prefix}/locks/${lock.uuid}/command`, payload, { qos: 1, properties })
          })
          .catch((error: unknown) => settle(failure(`publish failed: ${error instanceof Error ? error.message : String(error)}`)))
      })
    }

  return {
    name: 'mqtt',
    open: run('open'),
    addKey: run('addKey'),
    removeKey: run('removeKey'),
    writeKey: run('writeKey'),
    async close() {
      isClosed = true
      for (const waiting of pending.values()) waiting.settle(failure('driver closed'))
      // Forced: stops reconnecting at once, so an unreachable broker cannot keep the process alive.
      const created = await client?.catch(() => undefined)
      await created?.endAsync(true)
    },
  }
}
