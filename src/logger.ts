// Structured JSON-lines logger; one line per record, never secrets (callers pass only safe fields).
import type { LogLevel } from './config'

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 }

export type Logger = {
  debug: (msg: string, fields?: Record<string, unknown>) => void
  info: (msg: string, fields?: Record<string, unknown>) => void
  warn: (msg: string, fields?: Record<string, unknown>) => void
  error: (msg: string, fields?: Record<string, unknown>) => void
  // Whether records of this level are written: lets a hot path skip building fields nobody reads.
  enabled: (level: Exclude<LogLevel, 'silent'>) => boolean
}

// JSON lines for machines; `pretty` (a terminal) gets one readable line per record instead.
const prettyLine = (time: string, level: string, msg: string, fields: Record<string, unknown>) =>
  `${time.slice(11, 23)} ${level.toUpperCase().padEnd(5)} ${msg}${Object.entries(fields)
    .map(([key, value]) => ` ${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join('')}\n`

export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => process.stdout.write(line),
  pretty = false,
): Logger {
  const enabled = (at: Exclude<LogLevel, 'silent'>) => ORDER[at] >= ORDER[level]
  const log =
    (at: Exclude<LogLevel, 'silent'>) =>
    (msg: string, fields: Record<string, unknown> = {}) => {
      if (!enabled(at)) return
      const time = new Date().toISOString()
      write(pretty ? prettyLine(time, at, msg, fields) : `${JSON.stringify({ time, level: at, msg, ...fields })}\n`)
    }
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error'), enabled }
}
