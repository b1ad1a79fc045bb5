// Standard Webhooks signatures: `whsec_` secrets, and `v1,<base64 HMAC-SHA256>` over "{id}.{timestamp}.{body}"
// keyed with the base64-decoded secret. The docs' static auth header (or bearer token) is added beside them.
import { createHmac } from 'node:crypto'

const PREFIX = 'whsec_'
const MIN_KEY_BYTES = 24
const MAX_KEY_BYTES = 64

export function generateSecret(): string {
  return PREFIX + Buffer.from(crypto.getRandomValues(new Uint8Array(MIN_KEY_BYTES))).toString('base64')
}

// The key bytes of a well-formed secret, or null: `whsec_` + canonical base64 of 24-64 bytes.
export function secretKey(secret: string): Buffer | null {
  if (!secret.startsWith(PREFIX)) return null
  const encoded = secret.slice(PREFIX.length)
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return null
  const key = Buffer.from(encoded, 'base64')
  if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES || key.toString('base64') !== encoded) return null
  return key
}

export const isValidSecret = (secret: string) => secretKey(secret) !== null

// One `v1,<base64>` per secret, space-separated in the given order (Standard Webhooks allows several, so a rotated
// secret can keep signing beside the new one for a while): the current secret first, then the previous one.
export function sign(secrets: readonly string[], messageId: string, timestampSeconds: number, body: string): string {
  if (secrets.length === 0) throw new Error('no webhook secret to sign with')
  return secrets
    .map((secret) => {
      const key = secretKey(secret)
      if (!key) throw new Error('webhook secret is malformed')
      return `v1,${createHmac('sha256', key).update(`${messageId}.${timestampSeconds}.${body}`).digest('base64')}`
    })
    .join(' ')
}

export type DeliveryAuth =
  | { type: 'none' }
  | { type: 'apiKeyHeader'; headerName: string; value: string }
  | { type: 'bearerToken'; value: string }

// `secrets`: the current secret, then (during a rotation's overlap window) the previous one.
export type SignedRequest = { messageId: string; body: string; secrets: readonly string[]; auth: DeliveryAuth; nowMs: number }

export function deliveryHeaders({ messageId, body, secrets, auth, nowMs }: SignedRequest): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000)
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'spkey-webhooks/1',
    'webhook-id': messageId,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': sign(secrets, messageId, timestamp, body),
  }
  if (auth.type === 'apiKeyHeader') headers[auth.headerName.toLowerCase()] = auth.value
  if (auth.type === 'bearerToken') headers.authorization = `Bearer ${auth.value}`
  return headers
}
