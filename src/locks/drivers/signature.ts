// HMAC signatures on bridge commands: spkey signs `${timestamp}.${body}`, bridges verify (with a freshness window).
import { createHmac, timingSafeEqual } from 'node:crypto'

export const TIMESTAMP_HEADER = 'x-spkey-timestamp'
export const SIGNATURE_HEADER = 'x-spkey-signature'

export const signBridgeCommand = (secret: string, timestamp: number, body: string): string =>
  `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`

// A captured request replays only within the tolerance window; bridges dedupe command ids inside that window.
export function verifyBridgeSignature(
  secret: string,
  timestamp: string | number,
  body: string,
  header: string | null | undefined,
  nowSeconds: number,
  toleranceSeconds = 300,
): boolean {
  const seconds = typeof timestamp === 'number' ? timestamp : /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : Number.NaN
  if (!Number.isSafeInteger(seconds) || Math.abs(nowSeconds - seconds) > toleranceSeconds) return false
  if (!header) return false
  const expected = Buffer.from(signBridgeCommand(secret, seconds, body))
  const given = Buffer.from(header.trim())
  // timingSafeEqual needs equal lengths; the length of a hex HMAC is public anyway.
  return given.length === expected.length && timingSafeEqual(given, expected)
}
