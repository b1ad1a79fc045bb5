// One delivery attempt: a signed POST of an envelope, bounded by the timeout, answered as data (status code,
// error, duration, Retry-After), never as an exception.
import { isIP } from 'node:net'
import { signingSecrets, type Webhook } from './subscriptions'
import type { Envelope } from './envelope'
import { parseRetryAfter } from './policy'
import { type DeliveryAuth, deliveryHeaders } from './signing'
import { type Resolver, resolveTarget } from './target-guard'

// `refused`: the SSRF guard stopped the attempt before any connection; a permanent failure, never retried.
export type AttemptResult = {
  statusCode: number | null
  error: string | null
  durationMs: number
  retryAfterMs: number | null
  refused?: boolean
}

const MAX_ERROR_CHARS = 300
const MAX_ANSWER_BYTES = 64 * 1024
const SNIPPET_BYTES = 1024

const authOf = (sub: Webhook): DeliveryAuth => {
  if (sub.authType === 'apiKeyHeader' && sub.authHeaderName && sub.authValue) {
    return { type: 'apiKeyHeader', headerName: sub.authHeaderName, value: sub.authValue }
  }
  if (sub.authType === 'bearerToken' && sub.authValue) return { type: 'bearerToken', value: sub.authValue }
  return { type: 'none' }
}

// Reads (and discards) at most MAX_ANSWER_BYTES of the answer: frees the connection, keeps a snippet for the record.
async function answerSnippet(response: Response): Promise<string> {
  if (!response.body) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    if (size < SNIPPET_BYTES) chunks.push(value)
    size += value.byteLength
    if (size > MAX_ANSWER_BYTES) {
      await reader.cancel()
      break
    }
  }
  return Buffer.concat(chunks).toString('utf8', 0, Math.min(size, SNIPPET_BYTES)).replace(/\s+/g, ' ').trim()
}

// The request goes to the address the guard checked, not to a name fetch would look up again (DNS rebinding could
// answer a private address the second time). The endpoint still sees its name: the Host header, and for HTTPS the
// SNI and the certificate check (serverName).
function pinned(rawUrl: string, address: string | null): { url: string; host?: Record<string, string>; tls?: { serverName: string } } {
  if (address === null) return { url: rawUrl }
  const url = new URL(rawUrl)
  const { hostname, host, protocol } = url
  url.hostname = isIP(address) === 6 ? `[${address}]` : address
  return { url: url.href, host: { host }, tls: protocol === 'https:' ? { serverName: hostname } : undefined }
}

export type SendOptions = { timeoutMs: number; nowMs: () => number; abort: AbortSignal; allowPrivateTargets: boolean; resolve?: Resolver }

export async function sendEnvelope(sub: Webhook, envelope: Envelope, options: SendOptions): Promise<AttemptResult> {
  const body = JSON.stringify(envelope)
  const started = performance.now()
  const timeout = AbortSignal.timeout(options.timeoutMs)
  const elapsed = () => Math.round(performance.now() - started)
  // The host is resolved again for every attempt: DNS may have changed since the URL was registered.
  const target = await resolveTarget(sub.url, {
    allowPrivate: options.allowPrivateTargets,
    timeoutMs: options.timeoutMs,
    resolve: options.resolve,
    abort: options.abort,
  })
  if (target.kind === 'refused') {
    const error = `refused, not sent: ${target.reason} (WEBHOOK_ALLOW_PRIVATE_TARGETS is false)`.slice(0, MAX_ERROR_CHARS)
    return { statusCode: null, error, durationMs: elapsed(), retryAfterMs: null, refused: true }
  }
  // No address, no request: retried on the schedule like a refused connection.
  if (target.kind === 'unresolved')
    return { statusCode: null, error: target.reason.slice(0, MAX_ERROR_CHARS), durationMs: elapsed(), retryAfterMs: null }
  try {
    const nowMs = options.nowMs()
    const headers = deliveryHeaders({ messageId: envelope.id, body, secrets: signingSecrets(sub, nowMs), auth: authOf(sub), nowMs })
    // Redirects are not followed: a 3xx counts as a failed attempt (and cannot lead past the guard above).
    const { url, host, tls } = pinned(sub.url, target.address)
    const init = { method: 'POST', headers: { ...headers, ...host }, body, redirect: 'manual' as const, tls }
    const response = await fetch(url, { ...init, signal: AbortSignal.any([timeout, options.abort]) })
    const snippet = await answerSnippet(response)
    const ok = response.status >= 200 && response.status < 300
    const error = ok ? null : `HTTP ${response.status}${snippet ? `: ${snippet}` : ''}`.slice(0, MAX_ERROR_CHARS)
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), options.nowMs())
    return { statusCode: response.status, error, durationMs: elapsed(), retryAfterMs }
  } catch (error) {
    const message = timeout.aborted ? `timeout after ${options.timeoutMs} ms` : error instanceof Error ? error.message : String(error)
    return { statusCode: null, error: message.slice(0, MAX_ERROR_CHARS), durationMs: elapsed(), retryAfterMs: null }
  }
}
