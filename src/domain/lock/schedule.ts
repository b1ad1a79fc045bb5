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

// The UTC instant of a local wall-clock time (y-m-d, minutes after midnight) in `timezone`. A time that does not
// exist (skipped by a DST jump) maps to the instant just after the jump, as clocks show it.
export function zonedInstant(timezone: string, y: number, m: number, d: number, minutes: number): number {
  const wall = Date.UTC(y, m - 1, d, 0, minutes)
  const offsetAt = (instant: number) => {
    const local = localParts(instant, timezone)
    return Date.UTC(local.y, local.m - 1, local.d, 0, local.minutes) - Math.floor(instant / 60_000) * 60_000
  }
  const first = wall - offsetAt(wall)
  const second = wall - offsetAt(first)
  const shows = (instant: number) => {
    const local = localParts(instant, timezone)
    return Date.UTC(local.y, local.m - 1, local.d, 0, local.minutes) === wall
  }
  if (shows(second)) return second
  if (shows(first)) return first
  return Math.max(first, second)
}

// The start of the window open at `from` (then `from` itself) or of the next one, within 8 days; null if none.
// Candidates are computed per local calendar day, so a DST change never shifts a window by an hour.
export function nextWindowStart(schedule: Schedule, from: number): number | null {
  if (inSchedule(schedule, from)) return from
  const today = localParts(from, schedule.timezone)
  for (let offset = 0; offset <= 8; offset++) {
    const day = new Date(Date.UTC(today.y, today.m - 1, today.d + offset))
    const weekday = WEEKDAYS[day.getUTCDay()]
    const starts = schedule.weekly
      .filter((w) => weekday !== undefined && w.days.includes(weekday))
      .map((w) => zonedInstant(schedule.timezone, day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate(), toMinutes(w.from)))
      .filter((start) => start > from)
    if (starts.length > 0) return Math.min(...starts)
  }
  return null
}
