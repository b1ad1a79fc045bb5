// Response validation against the reference document: the status is one the document lists (or a deliberate extra),
// the content-type is the documented media type, and the body matches the documented schema (Ajv, JSON Schema
// 2020-12 as OpenAPI 3.1 uses). Error bodies: spkey answers one superset envelope everywhere, so for 4xx/5xx only
// `error` and `message` (strings) are required — the fields every documented JSON error shape shares.
import Ajv2020 from 'ajv/dist/2020'
import addFormats from 'ajv-formats'
import { EXTRA_STATUSES } from './operations'
import { documentedResponse, documentedStatuses, documentedSecurity, type Schema } from './reference'

const ajv = new Ajv2020({ allErrors: true, strict: false, validateFormats: true })
addFormats(ajv)

const compiled = new Map<Schema, ReturnType<typeof ajv.compile>>()
function validator(schema: Schema) {
  let fn = compiled.get(schema)
  if (!fn) {
    fn = ajv.compile(schema)
    compiled.set(schema, fn)
  }
  return fn
}

const ERROR_SCHEMA: Schema = {
  type: 'object',
  properties: { error: { type: 'string' }, message: { type: 'string' } },
  required: ['error', 'message'],
}

// `json` is whatever the body parsed to; checks read arbitrary fields.
export type Response = { status: number; headers: Headers; text: string; json: any }

export function extraStatusReason(op: string, status: number): string | undefined {
  const rule = EXTRA_STATUSES.find(
    (r) => r.status === status && (r.ops === 'all authenticated' ? documentedSecurity(op) === 'jwt-or-key' : r.ops.includes(op)),
  )
  return rule?.reason
}

const mediaType = (headers: Headers) => (headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? ''

const describe = (errors: typeof ajv.errors) =>
  (errors ?? []).map((e) => `${e.instancePath || '(body)'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`)

// Problems with a response for `op`, given the status the check expected. Empty = conforming.
export function validateResponse(op: string, expected: number, res: Response): string[] {
  const problems: string[] = []
  const excerpt = res.text.length > 300 ? `${res.text.slice(0, 300)}…` : res.text
  if (res.status !== expected) {
    problems.push(`status ${res.status}, expected ${expected}; body: ${excerpt}`)
    return problems
  }
  const documented = documentedStatuses(op).includes(res.status)
  if (!documented && !extraStatusReason(op, res.status)) {
    problems.push(`status ${res.status} is not documented for ${op} and not in the allow-list (EXTRA_STATUSES)`)
  }
  const doc = documentedResponse(op, res.status)
  const type = mediaType(res.headers)
  const isError = res.status >= 400
  // Undocumented statuses: JSON, or HTML when the operation is an HTML page (its success response is text/html).
  const success = documentedResponse(op, documentedStatuses(op).find((s) => s < 400) ?? 200)
  const expectedTypes = doc?.contentTypes.length
    ? doc.contentTypes
    : res.status >= 300 && res.status < 400
      ? []
      : success?.contentTypes.length
        ? success.contentTypes
        : ['application/json']
  if (expectedTypes.length > 0 && !expectedTypes.includes(type)) {
    problems.push(`content-type "${res.headers.get('content-type')}", documented: ${expectedTypes.join(' | ')}`)
  }
  if (res.status >= 300 && res.status < 400) {
    if (!res.headers.get('location')) problems.push(`status ${res.status} without a Location header`)
    return problems
  }
  if (type === 'text/html') {
    if (!/^\s*<!doctype html>/i.test(res.text)) problems.push('text/html body is not an HTML document')
    return problems
  }
  if (type !== 'application/json') return problems
  if (res.json === undefined) {
    problems.push(`body is not JSON: ${excerpt}`)
    return problems
  }
  const schema = isError ? ERROR_SCHEMA : doc?.schema
  if (!schema) return problems
  const validate = validator(schema)
  if (!validate(res.json)) {
    for (const line of describe(validate.errors)) problems.push(`body: ${line}`)
  }
  return problems
}

// A 400 must carry a `details` entry naming the field ("note", "allowedUserIds[0]", "_callerOrgId").
export function detailsProblems(res: Response, field: string): string[] {
  const details = (res.json as { details?: { field?: unknown }[] } | undefined)?.details
  if (!Array.isArray(details)) return [`400 without a details array (expected an entry for "${field}")`]
  const names = details.map((d) => String(d.field))
  const hit = names.some((name) => name === field || name.startsWith(`${field}[`) || name.startsWith(`${field}.`))
  return hit ? [] : [`details name ${JSON.stringify(names)}, expected "${field}"`]
}
