// A temp key's status at an instant: one rule, used by decide, the list query and the guest page.
import { inSchedule } from './schedule'
import type { TempKeyState } from './state'

export type TempKeyStatus = 'valid' | 'not-yet-valid' | 'expired' | 'used-up' | 'deleted'

type StatusInput = Pick<TempKeyState, 'validFrom' | 'validUntil' | 'maxUses' | 'usedCount' | 'schedule' | 'deleted'>

// validFrom is inclusive and validUntil exclusive; outside a recurring window counts as not yet valid.
export function tempKeyStatus(key: StatusInput, now: number): TempKeyStatus {
  if (key.deleted) return 'deleted'
  if (now < Date.parse(key.validFrom)) return 'not-yet-valid'
  if (now >= Date.parse(key.validUntil)) return 'expired'
  if (key.maxUses !== null && key.usedCount >= key.maxUses) return 'used-up'
  if (key.schedule && !inSchedule(key.schedule, now)) return 'not-yet-valid'
  return 'valid'
}

export const usesLeft = (key: Pick<TempKeyState, 'maxUses' | 'usedCount'>) =>
  key.maxUses === null ? null : Math.max(0, key.maxUses - key.usedCount)

// The next instant tempKeyStatus may answer differently with no new event: validFrom, validUntil and, for a scheduled
// key, the next minute (windows are whole minutes of local time). Infinity once nothing is left to pass.
export function statusStableUntil(key: { validFrom: string; validUntil: string; schedule?: unknown }, now: number): number {
  const boundaries = [Date.parse(key.validFrom), Date.parse(key.validUntil)].filter((instant) => instant > now)
  if (key.schedule != null) boundaries.push((Math.floor(now / 60_000) + 1) * 60_000)
  return Math.min(...boundaries)
}
