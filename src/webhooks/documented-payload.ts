// Partners validate payloads against the docs' event schemas, which forbid unknown properties: an event the docs
// define is sent with exactly its documented properties (nested objects too); spkey's own events go out as they are.
import schemas from '../../docs/reference/smartphonekey-event-schemas.json'
import { withoutPrivateFields } from '../domain/lock/events'

type Schema = { properties?: Record<string, Schema>; items?: Schema }

const eventSchemas = schemas.events as Record<string, Schema>

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value)

function trim(value: unknown, schema: Schema | undefined): unknown {
  if (!schema) return value
  if (Array.isArray(value)) return schema.items ? value.map((item) => trim(item, schema.items)) : value
  if (!isRecord(value) || !schema.properties) return value
  const properties = schema.properties
  return Object.fromEntries(
    Object.entries(value).flatMap(([key, inner]) => (key in properties ? [[key, trim(inner, properties[key])]] : [])),
  )
}

// A bridge URL may carry the bridge's credentials (user:password@, a token in the query): partners get its scheme,
// host and path only. The log keeps it whole; the driver needs it.
function withoutSecrets(raw: string): string | null {
  try {
    const url = new URL(raw)
    return `${url.protocol}//${url.host}${url.pathname}`
  } catch {
    return null
  }
}

export function documentedPayload(type: string, data: Record<string, unknown>): Record<string, unknown> {
  if (type === 'LockDriverConfigured' && typeof data.bridgeUrl === 'string') {
    return { ...data, bridgeUrl: withoutSecrets(data.bridgeUrl) }
  }
  const trimmed = trim(withoutPrivateFields(data), eventSchemas[type])
  return isRecord(trimmed) ? trimmed : withoutPrivateFields(data)
}
