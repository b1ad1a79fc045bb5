// The one error mapper: every 4xx/5xx answers the superset envelope (JSON) or an HTML page with the same status.
import { SQLiteError } from 'bun:sqlite'
import { Elysia, ValidationError } from 'elysia'
import { DomainError, RateLimited, type FieldIssue } from '../domain/errors'
import type { Logger } from '../logger'
import { renderErrorPage } from '../../views/pages/error'
import { requestInfo } from './request-context'

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
  requestId: string
}

export function envelope(status: number, requestId: string, message?: string, details?: FieldIssue[]): ErrorEnvelope {
  const [error, fallback] = REASONS[status] ?? REASONS[500] ?? ['Error', 'Error']
  return { success: false, error, message: message ?? fallback, code: status, ...(details ? { details } : {}), requestId }
}

// "/note" -> "note", "/allowedUserIds/0" -> "allowedUserIds[0]"
const fieldName = (path: string) =>
  path
    .replace(/^\//, '')
    .split('/')
    .map((part, i) => (/^\d+$/.test(part) && i > 0 ? `[${part}]` : (i > 0 ? '.' : '') + part))
    .join('')

export function validationDetails(error: ValidationError): FieldIssue[] {
  const seen = new Set<string>()
  const details: FieldIssue[] = []
  for (const issue of error.all) {
    const path = 'path' in issue ? issue.path : ''
    const field = fieldName(path) || error.type
    const message =
      issue.message !== 'Unexpected property'
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

const wantsHtml = (request: Request) => {
  const accept = request.headers.get('accept') ?? ''
  return accept.includes('text/html') && !accept.startsWith('application/json')
}

type Reply = { status: number; message?: string; details?: FieldIssue[]; headers?: Record<string, string> }

function classify(code: string | number, error: unknown, allowedMethods: string[] | undefined): Reply {
  if (error instanceof DomainError) return { status: error.status, message: error.message, details: error.details }
  if (code === 'VALIDATION' && error instanceof ValidationError) {
    const details = validationDetails(error)
    const where = error.type === 'body' ? 'body' : error.type
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
  if (error instanceof SQLiteError) return storageFailure(error)
  const status = typeof error === 'object' && error && 'status' in error ? Number(error.status) : 500
  if (status === 413) return { status: 413 }
  return { status: 500 }
}

// Storage trouble is the server's, but temporary (disk full, read-only, locked): 503 so clients retry; a unique
// violation is a lost race between two creates: 409. Nothing was committed in either case.
const UNAVAILABLE = ['SQLITE_FULL', 'SQLITE_READONLY', 'SQLITE_IOERR', 'SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_CANTOPEN']

function storageFailure(error: SQLiteError): Reply {
  const code = String(error.code ?? '')
  if (code.startsWith('SQLITE_CONSTRAINT')) return { status: 409, message: 'This resource already exists' }
  if (UNAVAILABLE.some((prefix) => code.startsWith(prefix))) {
    return { status: 503, message: 'Storage is temporarily unavailable; nothing was recorded, retry later', headers: { 'retry-after': '5' } }
  }
  return { status: 500 }
}

export const errorMapper = (logger: Logger, methodsFor: (path: string) => string[]) =>
  new Elysia({ name: 'errors' }).onError({ as: 'global' }, async ({ code, error, request }) => {
    const info = requestInfo(request)
    const path = new URL(request.url).pathname
    const reply = classify(code, error, code === 'NOT_FOUND' ? methodsFor(path) : undefined)
    if (reply.status >= 500) {
      const err = error instanceof Error ? error : new Error(String(error))
      logger.error('request failed', { requestId: info.requestId, path, error: err.message, stack: err.stack })
    }
    const body = envelope(reply.status, info.requestId, reply.message, reply.details)
    const headers: Record<string, string> = { 'x-request-id': info.requestId, ...reply.headers }
    if (error instanceof RateLimited) headers['retry-after'] = String(error.retryAfter)
    if (wantsHtml(request)) {
      return new Response(await renderErrorPage(body), {
        status: reply.status,
        headers: { ...headers, 'content-type': 'text/html; charset=utf-8' },
      })
    }
    return Response.json(body, { status: reply.status, headers })
  })
