// A real partner endpoint for the webhook tests: Bun.serve on 127.0.0.1 (random port) that records every request
// and answers whatever the test scripts; plus an independent Standard Webhooks verifier, a polling helper and the
// settings and clean-up the delivery tests share.
import { afterEach } from 'bun:test'
import { createHmac, timingSafeEqual } from 'node:crypto'
import type { ManualClock } from '../support/context'

export type Received = { headers: Headers; body: string; json: any; at: number }

export type Receiver = {
  url: string
  received: Received[]
  ids: () => string[]
  respond: (handler: (request: Received, index: number) => Response | Promise<Response>) => void
  stop: () => void
}

export function startReceiver(path = '/hook'): Receiver {
  const received: Received[] = []
  let handler: (request: Received, index: number) => Response | Promise<Response> = () => new Response('ok')
  const server = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    async fetch(request) {
      const body = await request.text()
      const entry: Received = { headers: request.headers, body, json: JSON.parse(body), at: Date.now() }
      received.push(entry)
      return handler(entry, received.length - 1)
    },
  })
  return {
    url: `http://127.0.0.1:${server.port}${path}`,
    received,
    ids: () => received.map((r) => r.json.id),
    respond: (next) => {
      handler = next
    },
    stop: () => void server.stop(true),
  }
}

// Written from the Standard Webhooks spec, not from src/: HMAC-SHA256 over "{id}.{timestamp}.{body}", keyed with
// the base64 after "whsec_", compared against every "v1,<base64>" in the header, within a 5-minute window.
export function verifySignature(secret: string, headers: Headers, body: string, nowSeconds = Date.now() / 1000): boolean {
  const id = headers.get('webhook-id')
  const timestamp = headers.get('webhook-timestamp')
  const signatures = headers.get('webhook-signature')
  if (!id || !timestamp || !signatures) return false
  if (Math.abs(nowSeconds - Number(timestamp)) > 300) return false
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64')
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest()
  return signatures.split(' ').some((entry) => {
    const [version, value] = entry.split(',')
    const sent = Buffer.from(value ?? '', 'base64')
    return version === 'v1' && sent.length === expected.length && timingSafeEqual(sent, expected)
  })
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const started = Date.now()
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`)
    await Bun.sleep(10)
  }
}

// The dispatcher schedules retries on the deps clock: these tests run it on real time.
export const realTimeClock = (): ManualClock => ({ now: () => Date.now(), set: () => {}, advance: () => {} })

// The receivers listen on 127.0.0.1: tests that deliver allow private targets (the SSRF guard has its own tests),
// and retry on a fast schedule.
export const FAST_RETRIES_TO_LOCALHOST = { WEBHOOK_RETRY_SCHEDULE: '50ms,100ms,200ms', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' }

// What a test started (a dispatcher, a receiver) is stopped after it, whatever its outcome: call at a file's top level.
export function stopAfterEach(): (...stops: (() => unknown)[]) => void {
  const stops: (() => unknown)[] = []
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop()
  })
  return (...more) => {
    stops.push(...more)
  }
}
