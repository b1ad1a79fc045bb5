// Per-request id and start time, attached to the Request itself so every hook (even 404s) can read them.
export type RequestInfo = { requestId: string; startedAt: number; principalKind?: string; errorStatus?: number }

const infos = new WeakMap<Request, RequestInfo>()
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/

// req_ + 32 hex: 20 random per process (unique across restarts) + a 48-bit counter, 256 ids per formatted block.
const PREFIX = `req_${Buffer.from(crypto.getRandomValues(new Uint8Array(10))).toString('hex')}`
const HEX2 = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
let seq = 0
let block = ''

export function nextRequestId(): string {
  const low = seq & 255
  if (low === 0) block = PREFIX + Math.floor(seq / 256).toString(16).padStart(10, '0')
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
