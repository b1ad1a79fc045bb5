// Recurring weekly windows evaluated in the schedule's IANA time zone with Intl, so DST shifts move the
// window with the wall clock (09:00 stays 09:00 local before and after the change).
import type { Schedule, Weekday } from './state'

const WEEKDAYS: Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat']
const formatters = new Map<string, Intl.DateTimeFormat>()

function formatter(timezone: string): Intl.DateTimeFormat {
  let f = formatters.get(timezone)
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: timezone,
      hourCycle: 'h23',
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    })
    formatters.set(timezone, f)
  }
  return f
}

export function isValidTimezone(timezone: string): boolean {
  try {
    formatter(timezone)
    return true
  } catch {
    return false
  }
}

type Local = { weekday: number; minutes: number; y: number; m: number; d: number }

function localParts(instant: number, timezone: string): Local {
  const parts: Record<string, string> = {}
  for (const part of formatter(timezone).formatToParts(instant)) parts[part.type] = part.value
  const weekday = WEEKDAYS.indexOf((parts.weekday ?? '').toLowerCase().slice(0, 3) as Weekday)
  return {
    weekday,
    minutes: Number(parts.hour) * 60 + Number(parts.minute),
    y: Number(parts.year),
    m: Number(parts.month),
    d: Number(parts.day),
  }
}

export const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5))

// A window whose `until` is not after `from` runs overnight into the next day.
export function inSchedule(schedule: Schedule, instant: number): boolean {
  const local = localParts(instant, schedule.timezone)
  const today = WEEKDAYS[local.weekday]
  const yesterday = WEEKDAYS[(local.weekday + 6) % 7]
  return schedule.weekly.some((w) => {
    const from = toMinutes(w.from)
    const until = toMinutes(w.until)
    if (from < until) return today !== undefined && w.days.includes(today) && local.minutes >= from && local.minutes < until
    const lateToday = today !== undefined && w.days.includes(today) && local.minutes >= from
    const earlyTomorrow = yesterday !== undefined && w.days.includes(yesterday) && local.minutes < until
    return lateToday || earlyTomorrow
  })
}

// The next instant (minute resolution) at or after `from` that falls inside the schedule, within 8 days.
export function nextWindowStart(schedule: Schedule, from: number): number | null {
  const minute = 60_000
  let t = Math.ceil(from / minute) * minute
  const end = from + 8 * 24 * 60 * minute
  // Step to the next window edge instead of minute by minute: candidates are local starts of windows.
  while (t <= end) {
    if (inSchedule(schedule, t)) return t
    const local = localParts(t, schedule.timezone)
    const starts = schedule.weekly.map((w) => toMinutes(w.from)).filter((s) => s > local.minutes)
    const step = starts.length > 0 ? Math.min(...starts) - local.minutes : 24 * 60 - local.minutes
    t += Math.max(1, step) * minute
  }
  return null
}
