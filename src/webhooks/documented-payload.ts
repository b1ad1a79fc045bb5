// Partners validate payloads against the docs' event schemas, which forbid unknown properties: an event the docs
// define is sent with exactly its documented properties (nested objects too); spkey's own events go out as they are.
import schemas from '../../docs/reference/smartphonekey-event-schemas.json'

type Schema = { properties?: Record<string, Schema>; items?: Schema }

const eventSchemas = schemas.events as Record<string, Schema>

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

function trim(value: unknown, schema: Schema | undefined): unknown {
  if (!schema) return value
  if (Array.isArray(value)) return schema.items ? value.map((item) => trim(item, schema.items)) : value
  if (!isRecord(value) || !schema.properties) return value
  const properties = schema.properties
  return Object.fromEntries(
    Object.entries(value).flatMap(([key, inner]) => (key in properties ? [[key, trim(inner, properties[key])]] : [])),
  )
}

export function documentedPayload(type: string, data: Record<string, unknown>): Record<string, unknown> {
  const trimmed = trim(data, eventSchemas[type])
  return isRecord(trimmed) ? trimmed : data
}
