// The HTTP lock driver: POSTs a signed JSON command to the lock's bridge and reports what the bridge answered.
import type { DriverContext, DriverLock, DriverResult, LockDriver } from './port'
import { DEFAULT_TIMEOUT_MS, failure, parseJson, readAnswer, TIMEOUT } from './result'
import { SIGNATURE_HEADER, signBridgeCommand, TIMESTAMP_HEADER } from './signature'

export { verifyBridgeSignature } from './signature'

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>
export type HttpDriverOptions = { secret: string; timeoutMs?: number; fetch?: FetchLike }

type Op = 'open' | 'addKey' | 'removeKey' | 'writeKey'
type Attempt = { kind: 'answer'; result: DriverResult } | { kind: 'connection-error'; message: string }

const isTimeout = (error: unknown, signal: AbortSignal) =>
  signal.aborted || (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))

// Resolves at the deadline even if an injected fetch ignores the signal: a call never outlives its timeout.
const deadline = (signal: AbortSignal) =>
  new Promise<DriverResult>((resolve) => signal.addEventListener('abort', () => resolve(failure(TIMEOUT)), { once: true }))

const message = (error: unknown) => (error instanceof Error ? error.message : String(error))

export function createHttpDriver(options: HttpDriverOptions): LockDriver {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  const send = options.fetch ?? ((url, init) => fetch(url, init))

  async function attempt(url: string, init: RequestInit, signal: AbortSignal): Promise<Attempt> {
    let response: Response
    let text: string
    try {
      response = await send(url, init)
      text = await response.text()
    } catch (error) {
      if (isTimeout(error, signal)) return { kind: 'answer', result: failure(TIMEOUT) }
      return { kind: 'connection-error', message: message(error) }
    }
    if (!response.ok) return { kind: 'answer', result: failure(`bridge answered HTTP ${response.status}`) }
    return { kind: 'answer', result: readAnswer(parseJson(text)) }
  }

  const run =
    (op: Op) =>
    async (lock: DriverLock, ctx: DriverContext): Promise<DriverResult> => {
      if (!lock.bridgeUrl) return failure('no bridge URL is configured for this lock')
      const body = JSON.stringify({
        id: crypto.randomUUID(),
        op,
        lockId: lock.lockId,
        lockUuid: lock.uuid,
        context: ctx,
        sentAt: new Date().toISOString(),
      })
      const timestamp = Math.floor(Date.now() / 1000)
      // One deadline for both attempts: the caller waits at most timeoutMs, whatever happens.
      const signal = AbortSignal.timeout(timeoutMs)
      const init: RequestInit = {
        method: 'POST',
        body,
        redirect: 'manual',
        signal,
        headers: {
          'content-type': 'application/json',
          [TIMESTAMP_HEADER]: String(timestamp),
          [SIGNATURE_HEADER]: signBridgeCommand(options.secret, timestamp, body),
        },
      }
      const url = lock.bridgeUrl
      const attempts = async (): Promise<DriverResult> => {
        const first = await attempt(url, init, signal)
        if (first.kind === 'answer') return first.result
        // Retried once, byte for byte (same command id), so a bridge that did act on the lost request can dedupe.
        const second = await attempt(url, init, signal)
        if (second.kind === 'answer') return second.result
        return failure(`bridge unreachable: ${second.message}`)
      }
      return Promise.race([attempts(), deadline(signal)])
    }

  return { name: 'http', open: run('open'), addKey: run('addKey'), removeKey: run('removeKey'), writeKey: run('writeKey') }
}
