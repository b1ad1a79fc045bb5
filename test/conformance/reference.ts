// The SmartphoneKey reference documents, as copied into docs/reference/: the OpenAPI document (91 operations, the
// crawl-era version the published pages show) and the command JSON schemas from the same docs repository. The
// command schemas carry limits the OpenAPI bodies leave out (UUID formats, the UTC date-time pattern, maximums);
// request-side cases use both. Operations the docs added later that spkey implements come from a small companion
// document in the same shape (smartphonekey-openapi-later.json) and count as documented too.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

// The documents are untyped JSON.
export type Json = any
export type Schema = Record<string, Json>

const root = join(import.meta.dir, '..', '..')
export const REFERENCE_OPENAPI_PATH = 'docs/reference/smartphonekey-openapi.json'
export const REFERENCE_LATER_PATH = 'docs/reference/smartphonekey-openapi-later.json'
export const REFERENCE_COMMANDS_PATH = 'docs/reference/smartphonekey-command-schemas.json'

export const referenceDoc: Json = JSON.parse(readFileSync(join(root, REFERENCE_OPENAPI_PATH), 'utf8'))
const laterPaths: Record<string, Json> = JSON.parse(readFileSync(join(root, REFERENCE_LATER_PATH), 'utf8')).paths
export const laterOperationCount = Object.values(laterPaths).reduce((n: number, item: Json) => n + Object.keys(item).length, 0)
const commandSchemas: Record<string, Schema> = JSON.parse(readFileSync(join(root, REFERENCE_COMMANDS_PATH), 'utf8')).commands

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const

export type DocOperation = {
  key: string // "POST /users/{id}/AddPhysicalKey"
  method: string // "POST"
  path: string // "/users/{id}/AddPhysicalKey"
  op: Json
}

export const opKey = (method: string, path: string) => `${method.toUpperCase()} ${path}`

// Path template with parameter names erased: "/users/{}/PhysicalKeys/{}"; matches Elysia's ":id" style too.
export const pathShape = (path: string) => path.replace(/\{[^}]+\}/g, '{}').replace(/:[^/]+/g, '{}')

// Document order: paths as listed, methods in a fixed order. The table and the report follow a sorted order instead.
// A path both documents list (/temp-keys/{uuid}: GET crawl-era, DELETE later) keeps the methods of both.
const allPaths: Record<string, Json> = { ...referenceDoc.paths }
for (const [path, item] of Object.entries<Json>(laterPaths)) allPaths[path] = { ...allPaths[path], ...item }

export const documentedOperations: DocOperation[] = Object.entries<Json>(allPaths)
  .flatMap(([path, item]) =>
    METHODS.filter((m) => item[m]).map((m) => ({ key: opKey(m, path), method: m.toUpperCase(), path, op: item[m] })),
  )
  .sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method))

const byKey = new Map(documentedOperations.map((o) => [o.key, o]))

export function documented(key: string): DocOperation {
  const found = byKey.get(key)
  if (!found) throw new Error(`not a documented operation: ${key}`)
  return found
}

export const documentedStatuses = (key: string): number[] =>
  Object.keys(documented(key).op.responses ?? {})
    .map(Number)
    .sort((a, b) => a - b)

// The documented response for a status: its media types and schema (undefined when the status is not documented).
export function documentedResponse(key: string, status: number): { contentTypes: string[]; schema?: Schema } | undefined {
  const response = documented(key).op.responses?.[String(status)]
  if (!response) return undefined
  const content: Record<string, { schema?: Schema }> = response.content ?? {}
  const contentTypes = Object.keys(content)
  const first = contentTypes[0]
  return { contentTypes, schema: first ? content[first]?.schema : undefined }
}

// The command schema for an operation: the last path segment names the command ("AddPhysicalKey", "create-temp-key").
export function commandSchema(key: string): Schema | undefined {
  const { method, path } = documented(key)
  if (method !== 'POST') return undefined
  return commandSchemas[path.split('/').at(-1) ?? '']
}

// Keywords the command schemas add to a property the OpenAPI body declares without them.
const LIMIT_KEYWORDS = ['format', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'enum']

export type BodyProperty = { name: string; schema: Schema; required: boolean; limitsFrom: Record<string, 'openapi' | 'command-schema'> }

function mergeProperty(open: Schema, command: Schema | undefined): { schema: Schema; from: Record<string, 'openapi' | 'command-schema'> } {
  const schema: Schema = structuredClone(open)
  const from: Record<string, 'openapi' | 'command-schema'> = {}
  for (const k of LIMIT_KEYWORDS) if (k in open) from[k] = 'openapi'
  if (!command) return { schema, from }
  // `anyOf: [{type: integer, ...}, {type: null}]` in the command schema = `type: [integer, null]` in the OpenAPI.
  const commandBranch: Schema = command.anyOf?.find((s: Schema) => s.type !== 'null') ?? command
  for (const k of LIMIT_KEYWORDS) {
    if (!(k in schema) && k in commandBranch) {
      schema[k] = commandBranch[k]
      from[k] = 'command-schema'
    }
  }
  if (schema.type === 'array' && commandBranch.items && schema.items) {
    const items = mergeProperty(schema.items, commandBranch.items)
    schema.items = items.schema
    for (const [k, v] of Object.entries(items.from)) from[`items.${k}`] = v
  }
  return { schema, from }
}

// The documented request body: its properties (OpenAPI first, limits completed from the command schema).
export function requestBody(key: string): { properties: BodyProperty[]; required: string[] } | undefined {
  const schema: Schema | undefined = documented(key).op.requestBody?.content?.['application/json']?.schema
  if (!schema) return undefined
  const command = commandSchema(key)
  const required: string[] = schema.required ?? []
  const properties = Object.entries<Schema>(schema.properties ?? {}).map(([name, open]) => {
    const merged = mergeProperty(open, command?.properties?.[name])
    return { name, schema: merged.schema, required: required.includes(name), limitsFrom: merged.from }
  })
  return { properties, required }
}

// The operation's auth as documented: the global JWT-or-API-key default unless the operation says otherwise.
export function documentedSecurity(key: string): 'jwt-or-key' | 'none' | 'other' {
  const security = documented(key).op.security
  if (security === undefined) return 'jwt-or-key'
  if (Array.isArray(security) && security.length === 0) return 'none'
  return 'other'
}
