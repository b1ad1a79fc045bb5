// Shared by the adapters: the default timeout and how a bridge's or device's answer becomes a DriverResult.
import type { DriverResult } from './port'

export const DEFAULT_TIMEOUT_MS = 5000

export const TIMEOUT = 'timeout'

export const failure = (reason: string): DriverResult => ({ status: 'failure', reason })

export const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null

// Only an explicit "ok" is a confirmation: anything else the other side says (or fails to say) is not an open.
export function readAnswer(value: unknown): DriverResult {
  if (!isRecord(value)) return failure('unparsable answer')
  if (value.status === 'ok') return { status: 'ok' }
  if (value.status === 'offline') return { status: 'offline' }
  if (value.status !== 'failure') return failure('unparsable answer')
  return failure(typeof value.reason === 'string' && value.reason !== '' ? value.reason : 'reported failure')
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}
