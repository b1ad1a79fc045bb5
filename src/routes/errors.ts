// The one error mapper: every 4xx/5xx answers the superset envelope (JSON) or an HTML page with the same status.
import { SQLiteError } from 'bun:sqlite'
import { Elysia, ValidationError } from 'elysia'
import postgres from 'postgres'
import { DomainError, RateLimited, type FieldIssue } from '../domain/errors'
import type { Logger } from '../logger'
import { renderErrorPage } from '../../views/pages/error'
import { type Replied, requestInfo } from '../request-context'

const REASONS: Record<number, [string, string]> = {
  400: ['Bad Request', 'The request contains invalid parameters or malformed data'],
  401: ['Unauthorized', 'Authentication required. Please provide a valid API token'],
  403: ['Forbidden', "You don't have permission to access this resource"],
  404: ['Not Found', 'The requested resource was not found'],
  405: ['Method Not Allowed', 'This method is not allowed on this resource'],
  409: ['Conflict', 'The request conflicts with the current state of the resource'],
  413: ['Payload Too Large', 'The request body is too large'],
  415: ['Unsupported Media Type', 'The request body must be application/json'],
  429: ['Too Many Requests', 'Too many requests; slow down and retry later'],
  500: ['Internal Server Error', 'An unexpected error occurred on the server'],
  502: ['Bad Gateway', 'The lock device could not be reached or refused the command'],
  503: ['Service Unavailable', 'The service is temporarily unavailable'],
}

export type ErrorEnvelope = {
  success: false
  error: string
  message: string
  code: number
  details?: FieldIssue[]
  // The docs' query-404 shape `{success, errors: [{code, message}]}`, carried too so code reading it works.
  errors: { code: number; message: string }[]
  requestId: string
}

export function envelope(status: number, requestId: string, message?: string, details?: FieldIssue[]): ErrorEnvelope {
  const [error, fallback] = REASONS[status] ?? REASONS[500] ?? ['Error', 'Error']
  const text = message ?? fallback
  return {
    success: false,
    error,
    message: text,
    code: status,
    ...(details ? { details } : {}),
    errors: [{ code: status, message: text }],
    requestId,
  }
}

// "/note" -> "note", "/allowedUserIds/0" -> "allowedUserIds[0]"
const fieldName = (path: string) =>
  path
    .replace(/^\//, '')
    .split('/')
    .map((part, i) => (/^\d+$/.test(part) && i > 0 ? `[${part}]` : (i > 0 ? '.' : '') + part))
    .join('')

// Elysia checks a coerced path parameter on its own (type "property") and drops its name: recover it from the URL,
// the segment of the route pattern whose raw value is the one that failed.
function paramName(routePattern: string | undefined, request: Request, value: unknown): string | null {
  if (!routePattern) return null
  const actual = new URL(request.url).pathname.split('/')
  const names = routePattern.split('/').flatMap((part, i) => (part.startsWith(':') && actual[i] === String(value) ? [part.slice(1)] : []))
  return names[0] ?? null
}

// Elysia's coercing integer schema is a union (numeric string | integer): say what it wants instead.
const INTEGER_UNION = 'Expected union value'

export function validationDetails(error: ValidationError, request?: Request, route?: string): FieldIssue[] {
  const seen = new Set<string>()
  const details: FieldIssue[] = []
  for (const issue of error.all) {
    const path = 'path' in issue ? issue.path : ''
    const recovered = error.type === 'property' && request ? paramName(route, request, error.value) : null
    const field = fieldName(path) || recovered || error.type
    const message =
      issue.message === INTEGER_UNION
        ? 'Expected an integer'
        : issue.message !== 'Unexpected property'
          ? issue.message
          : field.startsWith('_')
            ? 'Server-set field: clients must not send it'
            : 'Unknown field: it must not be sent'
    if (seen.has(field)) continue
    seen.add(field)
    details.push({ field, message })
  }
  return details
}

// Browsers (Accept names text/html) get HTML; API clients JSON.
export const prefersHtml = (request: Request) => {
  const accept = request.headers.get('accept') ?? ''
  return accept.includes('text/html') && !accept.startsWith('application/json')
}

type Reply = { status: number; message?: string; details?: FieldIssue[]; headers?: Record<string, string> }

function classify(code: string | number, error: unknown, allowedMethods: string[] | undefined, request: Request, route?: string): Reply {
  if (error instanceof DomainError) return { status: error.status, message: error.message, details: error.details }
  if (code === 'VALIDATION' && error instanceof ValidationError) {
    const details = validationDetails(error, request, route)
    const where = error.type === 'property' ? 'params' : error.type
    return { status: 400, message: `Invalid ${where}: ${details.map((d) => d.field).join(', ')}`, details }
  }
  if (code === 'PARSE') return { status: 400, message: 'Malformed request body: expected valid JSON' }
  if (code === 'NOT_FOUND') {
    if (allowedMethods && allowedMethods.length > 0) {
      return { status: 405, headers: { allow: allowedMethods.join(', ') } }
    }
    return { status: 404 }
  }
  if (code === 'INVALID_COOKIE_SIGNATURE') return { status: 400, message: 'Invalid cookie' }
  const fault = storageFault(error)
  if (fault !== null) return storageReply(fault)
  const status = typeof error === 'object' && error && 'status' in error ? Number(error.status) : 500
  if (status === 413) return { status: 413 }
  return { status: 500 }
}

// Storage trouble is the server's, but temporary (disk full, read-only, locked, the database out of reach): 503 so
// clients retry; a unique violation is a lost race between two creates: 409. Nothing was committed in either case.
type StorageFault = 'conflict' | 'unavailable' | 'other'

const SQLITE_UNAVAILABLE = ['SQLITE_FULL', 'SQLITE_READONLY', 'SQLITE_IOERR', 'SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_CANTOPEN']
// SQLSTATE prefixes: connection (08), resources such as a full disk or too many connections (53), shutting down or
// starting (57P0), a read-only standby (25006), a serialization failure or deadlock (40001, 40P01), a lock not
// available (55P03), a statement timeout (57014). Class 23 (integrity) is the conflict, as SQLITE_CONSTRAINT is.
const POSTGRES_UNAVAILABLE = ['08', '53', '57P0', '25006', '40001', '40P01', '55P03', '57014']
// postgres.js's own codes and the socket's for a server it could not reach or lost.
const CONNECTION_LOST = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EPIPE',
])

function storageFault(error: unknown): StorageFault | null {
  if (error instanceof SQLiteError) {
    const code = String(error.code ?? '')
    if (code.startsWith('SQLITE_CONSTRAINT')) return 'conflict'
    return SQLITE_UNAVAILABLE.some((prefix) => code.startsWith(prefix)) ? 'unavailable' : 'other'
  }
  if (error instanceof postgres.PostgresError) {
    if (error.code.startsWith('23')) return 'conflict'
    return POSTGRES_UNAVAILABLE.some((prefix) => error.code.startsWith(prefix)) ? 'unavailable' : 'other'
  }
  const code = typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined
  return typeof code === 'string' && CONNECTION_LOST.has(code) ? 'unavailable' : null
}

function storageReply(fault: StorageFault): Reply {
  if (fault === 'conflict') return { status: 409, message: 'This resource already exists' }
  if (fault === 'unavailable') {
    return {
      status: 503,
      message: 'Storage is temporarily unavailable; nothing was recorded, retry later',
      headers: { 'retry-after': '5' },
    }
  }
  return { status: 500 }
}

// `replied` counts and logs the reply: Elysia hands an error's Response to no later hook.
export const errorMapper = (logger: Logger, methodsFor: (path: string) => string[], replied: Replied) =>
  new Elysia({ name: 'errors' }).onError({ as: 'global' }, async ({ code, error, request, route }) => {
    const info = requestInfo(request)
    const path = new URL(request.url).pathname
    const reply = classify(code, error, code === 'NOT_FOUND' ? methodsFor(path) : undefined, request, route)
    replied(request, route, reply.status)
    if (reply.status >= 500) {
      const err = error instanceof Error ? error : new Error(String(error))
      // The route pattern, not the path: paths carry bearer secrets (a temp key's uuid is its link).
      logger.error('request failed', { requestId: info.requestId, route, error: err.message, stack: err.stack })
    }
    const body = envelope(reply.status, info.requestId, reply.message, reply.details)
    const headers: Record<string, string> = { 'x-request-id': info.requestId, ...reply.headers }
    if (error instanceof RateLimited) headers['retry-after'] = String(error.retryAfter)
    if (prefersHtml(request)) {
      return new Response(await renderErrorPage(body), {
        status: reply.status,
        headers: { ...headers, 'content-type': 'text/html; charset=utf-8' },
      })
    }
    return Response.json(body, { status: reply.status, headers })
  })
