// Request-side checks generated from the documented body schema: every documented property is accepted with its
// documented type and at each limit; one past each limit (and each wrong type, a missing required property, an
// unknown property where the command schema forbids them) answers 400 with a `details` entry naming the field.
// Nested objects are walked (field names like `detail.data.user_name`). A fixture supplies what the schema cannot:
// a target in a state where a valid body succeeds.
import type { CallOptions } from '../support/context'
import type { Check, Harness } from './harness'
import { RELAXED_REQUIRED, REQUEST_OVERRIDES, SERVER_SET_FIELDS } from './operations'
import { commandSchema, documented, requestBody, type Schema } from './reference'

type Body = Record<string, unknown>
export type Target = {
  path: string
  auth: Pick<CallOptions, 'apiKey' | 'token' | 'headers'>
  body: Body
  // Anything the fixture made that `adjust` needs (a user to allow, a second org, ...).
  extra?: Record<string, unknown>
}

export type BodyFixture = {
  op: string
  okStatus: number
  // A fresh target and a valid body holding every documented, client-settable property.
  setup: (h: Harness) => Promise<Target>
  // Keeps a body valid when a case sets `field` (e.g. a user-whitelist key needs an allowed user).
  adjust?: (field: string, value: unknown, body: Body, target: Target) => Body
  // The status an accepted value answers when it is not okStatus (e.g. a valid number that names no key: 404).
  acceptedStatus?: (field: string, value: unknown) => number | undefined
  // Generated cases to leave out, by name, with the reason (shown nowhere else: keep them rare).
  skip?: Record<string, string>
}

type Case = { name: string; status: number; field?: string; set?: { field: string; value: unknown }; build: (t: Target) => Body }

const typesOf = (schema: Schema): string[] => (Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [])

// A value of the wrong JSON type for a schema: one per declared type family.
function wrongTypes(schema: Schema): { label: string; value: unknown }[] {
  const types = typesOf(schema)
  const out: { label: string; value: unknown }[] = []
  if (types.includes('string')) out.push({ label: 'a number instead of a string', value: 12345 })
  if (types.includes('integer')) {
    out.push({ label: 'a string instead of an integer', value: '1' })
    out.push({ label: 'a fraction instead of an integer', value: 1.5 })
  } else if (types.includes('number')) out.push({ label: 'a string instead of a number', value: '1' })
  if (types.includes('boolean')) out.push({ label: 'a string instead of a boolean', value: 'true' })
  if (types.includes('array')) out.push({ label: 'a string instead of an array', value: 'x' })
  if (types.includes('object')) out.push({ label: 'a string instead of an object', value: 'x' })
  if (!types.includes('null') && types.length > 0) out.push({ label: 'null', value: null })
  return out
}

// Invalid values for each format the documents use.
const BAD_FORMAT: Record<string, { label: string; value: string }[]> = {
  uuid: [
    { label: 'not a UUID', value: 'not-a-uuid' },
    { label: 'a UUID with one character missing', value: '123e4567-e89b-12d3-a456-42661417400' },
  ],
  'date-time': [
    { label: 'not a date-time', value: 'tomorrow' },
    { label: 'a date without time', value: '2026-06-01' },
    { label: 'month 13', value: '2026-13-01T10:00:00Z' },
  ],
  email: [
    { label: 'not an email', value: 'not-an-email' },
    { label: 'an email without a domain', value: 'someone@' },
  ],
}

// Deep set / delete on a copy; a field is "a.b.c".
function withValue(body: Body, field: string, value: unknown, remove = false): Body {
  const copy: Body = structuredClone(body)
  const parts = field.split('.')
  let node: Record<string, unknown> = copy
  for (const part of parts.slice(0, -1)) {
    const next = node[part]
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[part] = {}
    node = node[part] as Record<string, unknown>
  }
  const last = parts.at(-1) as string
  if (remove) delete node[last]
  else node[last] = value
  return copy
}

function getValue(body: Body, field: string): unknown {
  let node: unknown = body
  for (const part of field.split('.')) node = (node as Record<string, unknown> | undefined)?.[part]
  return node
}

function propertyCases(field: string, s: Schema, required: boolean, op: string): Case[] {
  const cases: Case[] = []
  const accept = (label: string, value: unknown): Case => ({
    name: `accepts ${field}: ${label}`,
    status: 0,
    set: { field, value },
    build: (t) => withValue(t.body, field, value),
  })
  const reject = (label: string, value: unknown, detailsField = field): Case => ({
    name: `rejects ${field}: ${label}`,
    status: 400,
    field: detailsField,
    set: { field, value },
    build: (t) => withValue(t.body, field, value),
  })

  if (required && !RELAXED_REQUIRED[op]?.[field]) {
    cases.push({
      name: `rejects a body without required ${field}`,
      status: 400,
      field,
      build: (t) => withValue(t.body, field, undefined, true),
    })
  }
  for (const wrong of wrongTypes(s)) cases.push(reject(wrong.label, wrong.value))
  if (typesOf(s).includes('null')) cases.push(accept('null', null))

  if (typeof s.minLength === 'number') {
    const n = Math.max(s.minLength, 1)
    cases.push(accept(`length ${n} (minLength ${s.minLength})`, 'a'.repeat(n)))
    if (s.minLength > 0) cases.push(reject(`length ${s.minLength - 1} (minLength ${s.minLength})`, 'a'.repeat(s.minLength - 1)))
  }
  if (typeof s.maxLength === 'number') {
    cases.push(accept(`length ${s.maxLength} (maxLength)`, 'm'.repeat(s.maxLength)))
    cases.push(reject(`length ${s.maxLength + 1} (maxLength ${s.maxLength})`, 'm'.repeat(s.maxLength + 1)))
  }
  if (typesOf(s).some((t) => t === 'integer' || t === 'number')) {
    const step = typesOf(s).includes('integer') ? 1 : 0.5
    if (typeof s.exclusiveMinimum === 'number') {
      cases.push(accept(`${s.exclusiveMinimum + step} (exclusiveMinimum ${s.exclusiveMinimum})`, s.exclusiveMinimum + step))
      cases.push(reject(`${s.exclusiveMinimum} (exclusiveMinimum ${s.exclusiveMinimum})`, s.exclusiveMinimum))
      cases.push(reject(`${s.exclusiveMinimum - step} (exclusiveMinimum ${s.exclusiveMinimum})`, s.exclusiveMinimum - step))
    }
    if (typeof s.minimum === 'number') {
      cases.push(accept(`${s.minimum} (minimum)`, s.minimum))
      cases.push(reject(`${s.minimum - step} (minimum ${s.minimum})`, s.minimum - step))
    }
    if (typeof s.maximum === 'number') {
      cases.push(accept(`${s.maximum} (maximum)`, s.maximum))
      cases.push(reject(`${s.maximum + step} (maximum ${s.maximum})`, s.maximum + step))
    }
  }
  if (Array.isArray(s.enum)) {
    for (const value of s.enum) cases.push(accept(`enum value ${JSON.stringify(value)}`, value))
    cases.push(reject('a value outside the enum', 'not-in-the-enum'))
  }
  if (typeof s.format === 'string') {
    for (const bad of BAD_FORMAT[s.format] ?? []) cases.push(reject(`${bad.label} (format ${s.format})`, bad.value))
    if (s.format === 'date-time') {
      // The other UTC spelling the document's date-time allows: without fractional seconds.
      cases.push({
        name: `accepts ${field}: date-time without fractional seconds`,
        status: 0,
        build: (t) => withValue(t.body, field, String(getValue(t.body, field)).replace(/\.\d+Z$/, 'Z')),
      })
    }
  }
  if (typesOf(s).includes('array') && s.items) {
    const items: Schema = s.items
    for (const wrong of wrongTypes(items).filter((w) => w.value !== null)) {
      cases.push(reject(`an item that is ${wrong.label}`, [wrong.value], `${field}[0]`))
    }
    for (const bad of BAD_FORMAT[items.format] ?? []) {
      cases.push(reject(`an item that is ${bad.label} (format ${items.format})`, [bad.value], `${field}[0]`))
    }
    if (typeof s.minItems === 'number' && s.minItems > 0) cases.push(reject(`${s.minItems - 1} items (minItems ${s.minItems})`, []))
    else cases.push(accept('an empty array', []))
  }
  if (typesOf(s).includes('object') && s.properties) {
    const inner: string[] = s.required ?? []
    for (const [name, sub] of Object.entries<Schema>(s.properties))
      cases.push(...propertyCases(`${field}.${name}`, sub, inner.includes(name), op))
  }
  return cases
}

function casesFor(op: string): Case[] {
  const body = requestBody(op)
  if (!body) return []
  const serverSet = SERVER_SET_FIELDS[op] ?? {}
  const cases: Case[] = [
    { name: 'accepts a body with every documented property', status: 0, build: (t) => t.body },
    {
      name: 'accepts a body with only the required properties',
      status: 0,
      build: (t) => Object.fromEntries(Object.entries(t.body).filter(([k]) => body.required.includes(k))),
    },
  ]
  for (const p of body.properties) {
    if (serverSet[p.name]) {
      cases.push({
        name: `rejects server-set ${p.name}`,
        status: 400,
        field: p.name,
        build: (t) => withValue(t.body, p.name, 'org-x'),
      })
      continue
    }
    cases.push(...propertyCases(p.name, p.schema, p.required, op))
  }
  if (commandSchema(op)?.additionalProperties === false) {
    cases.push({
      name: 'rejects an undocumented property (command schema: additionalProperties false)',
      status: 400,
      field: 'unexpectedField',
      build: (t) => withValue(t.body, 'unexpectedField', 'x'),
    })
  }
  cases.push({ name: 'rejects malformed JSON', status: 400, build: () => ({}) })
  return cases
}

export function requestChecks(fixture: BodyFixture): Check[] {
  const { method } = documented(fixture.op)
  return casesFor(fixture.op)
    .filter((c) => !fixture.skip?.[c.name])
    .map((c): Check => {
      const accepted = c.status === 0
      const override = REQUEST_OVERRIDES[fixture.op]?.[c.name]?.status
      const status = override ?? ((accepted && c.set && fixture.acceptedStatus?.(c.set.field, c.set.value)) || c.status || fixture.okStatus)
      return {
        op: fixture.op,
        name: c.name,
        kind: 'request',
        status,
        details: c.field,
        async run(h) {
          const target = await fixture.setup(h)
          if (c.name === 'rejects malformed JSON') return h.call(method, target.path, { ...target.auth, rawBody: '{"oops": ' })
          let body = c.build(target)
          if (c.set && fixture.adjust) body = fixture.adjust(c.set.field, c.set.value, body, target)
          return h.call(method, target.path, { ...target.auth, body })
        },
      }
    })
}

// Path parameters documented as integers > 0 (lock ids, key numbers): 0 and a non-number answer 400 naming them.
export function pathParamChecks(
  op: string,
  setup: (h: Harness) => Promise<{ path: (value: string) => string; auth: Target['auth']; body?: Body }>,
): Check[] {
  const params: Schema[] = documented(op).op.parameters ?? []
  const checks: Check[] = []
  for (const param of params) {
    if (param.in !== 'path' || param.schema?.type !== 'integer') continue
    const values: [string, string][] = [
      ['0', `${param.name} 0 (exclusiveMinimum ${param.schema.exclusiveMinimum ?? 'none'})`],
      ['abc', `${param.name} not a number`],
    ]
    for (const [value, label] of values) {
      checks.push({
        op,
        name: `rejects path ${label}`,
        kind: 'request',
        status: 400,
        details: param.name,
        async run(h) {
          const t = await setup(h)
          return h.call(documented(op).method, t.path(value), { ...t.auth, ...(t.body ? { body: t.body } : {}) })
        },
      })
    }
  }
  return checks
}
