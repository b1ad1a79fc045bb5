// Per-request id and start time, attached to the Request itself so every hook (even 404s) can read them.
export type RequestInfo = { requestId: string; startedAt: number; principalKind?: string }

const infos = new WeakMap<Request, RequestInfo>()
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/

export function startRequest(request: Request): RequestInfo {
  const incoming = request.headers.get('x-request-id')
  const requestId = incoming && SAFE_ID.test(incoming) ? incoming : `req_${crypto.randomUUID().replaceAll('-', '')}`
  const info = { requestId, startedAt: performance.now() }
  infos.set(request, info)
  return info
}

export function requestInfo(request: Request): RequestInfo {
  return infos.get(request) ?? startRequest(request)
}
