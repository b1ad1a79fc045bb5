// Per-request id and start time, attached to the Request itself so every hook (even 404s) can read them; the headers
// every reply carries; and the one place a finished request is counted and logged.
import type { Logger } from './logger'
import type { Metrics } from './metrics'

export type RequestInfo = { requestId: string; startedAt: number; principalKind?: string; replied?: boolean }

const infos = new WeakMap<Request, RequestInfo>()
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/

// req_ + 32 hex: 20 random per process (unique across restarts) + a 48-bit counter, 256 ids per formatted block.
const PREFIX = `req_${Buffer.from(crypto.getRandomValues(new Uint8Array(10))).toString('hex')}`
const HEX2 = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
let seq = 0
let block = ''

export function nextRequestId(): string {
  const low = seq & 255
  if (low === 0)
    block =
      PREFIX +
      Math.floor(seq / 256)
        .toString(16)
        .padStart(10, '0')
  seq++
  return block + HEX2[low]
}

export function startRequest(request: Request): RequestInfo {
  const incoming = request.headers.get('x-request-id')
  const requestId = incoming && SAFE_ID.test(incoming) ? incoming : nextRequestId()
  const info: RequestInfo = { requestId, startedAt: performance.now() }
  infos.set(request, info)
  return info
}

export function requestInfo(request: Request): RequestInfo {
  return infos.get(request) ?? startRequest(request)
}

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  // Temp-key links are bearer secrets: never leak them in a Referer.
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'",
}

export type Replied = (request: Request, route: string, status: number) => void

// Counts a reply in the metrics and writes its access-log line, once per request whichever hook sees it first.
export function replyRecorder(metrics: Metrics, logger: Logger): Replied {
  const logsRequests = logger.enabled('info')
  return (request, route, status) => {
    const info = requestInfo(request)
    if (info.replied) return
    info.replied = true
    const seconds = (performance.now() - info.startedAt) / 1000
    // Unmatched paths share one label so scanners cannot blow up the metric cardinality.
    const label = route || 'unmatched'
    metrics.recordRequest(request.method, label, status, seconds)
    if (!logsRequests) return
    logger.info('request', {
      requestId: info.requestId,
      method: request.method,
      route: label,
      status,
      durationMs: Math.round(seconds * 100_000) / 100,
      principal: info.principalKind ?? 'anonymous',
    })
  }
}
