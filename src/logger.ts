// Structured JSON-lines logger; one line per record, never secrets (callers pass only safe fields).
import type { LogLevel } from './config'

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 }

export type Logger = {
  debug: (msg: string, fields?: Record<string, unknown>) => void
  info: (msg: string, fields?: Record<string, unknown>) => void
  warn: (msg: string, fields?: Record<string, unknown>) => void
  error: (msg: string, fields?: Record<string, unknown>) => void
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
  const log = (at: Exclude<LogLevel, 'silent'>) => (msg: string, fields: Record<string, unknown> = {}) => {
    if (ORDER[at] < ORDER[level]) return
    const time = new Date().toISOString()
    write(pretty ? prettyLine(time, at, msg, fields) : `${JSON.stringify({ time, level: at, msg, ...fields })}\n`)
  }
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') }
}
