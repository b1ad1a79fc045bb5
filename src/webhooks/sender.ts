// One delivery attempt: a signed POST of an envelope, bounded by the timeout, answered as data (status code,
// error, duration, Retry-After), never as an exception.
import type { Webhook } from './subscriptions'
import type { Envelope } from './envelope'
import { parseRetryAfter } from './policy'
import { type DeliveryAuth, deliveryHeaders } from './signing'

export type AttemptResult = { statusCode: number | null; error: string | null; durationMs: number; retryAfterMs: number | null }

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

export type SendOptions = { timeoutMs: number; nowMs: () => number; abort: AbortSignal }

export async function sendEnvelope(sub: Webhook, envelope: Envelope, options: SendOptions): Promise<AttemptResult> {
  const body = JSON.stringify(envelope)
  const started = performance.now()
  const timeout = AbortSignal.timeout(options.timeoutMs)
  const elapsed = () => Math.round(performance.now() - started)
  try {
    const headers = deliveryHeaders({ messageId: envelope.id, body, secret: sub.secret, auth: authOf(sub), nowMs: options.nowMs() })
    // Redirects are not followed: a 3xx counts as a failed attempt.
    const response = await fetch(sub.url, { method: 'POST', headers, body, redirect: 'manual', signal: AbortSignal.any([timeout, options.abort]) })
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
