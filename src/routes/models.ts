// Shapes shared by the JSON routes: id params, the command envelope, the error envelope, event metadata.
import { Type as T, type TSchema } from '@sinclair/typebox'
import { t } from 'elysia'
import { type Principal, principalName } from '../auth/principal'
import type { Handled } from '../eventstore/command-handler'
import type { Event, EventMetadata } from '../eventstore/types'
import { requestInfo } from '../request-context'

// Path params arrive as strings: Elysia's `t` coerces; bodies use plain TypeBox so "5" is never taken for 5.
export const LockIdParams = t.Object({
  id: t.Integer({ exclusiveMinimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Lock ID (numeric)' }),
})
export const UserIdParams = t.Object({ id: t.String({ minLength: 1, maxLength: 128, description: 'User ID' }) })

export const Uuid = (options: { description?: string } = {}) =>
  T.String({ format: 'uuid', pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$', ...options })

// The docs' command-schema pattern for e-mails, beside the format.
export const EMAIL_PATTERN = "^(?!\\.)(?!.*\\.\\.)([A-Za-z0-9_'+\\-\\.]*)[A-Za-z0-9_+-]@([A-Za-z0-9][A-Za-z0-9\\-]*\\.)+[A-Za-z]{2,}$"
export const Email = (description: string) => T.String({ format: 'email', pattern: EMAIL_PATTERN, maxLength: 254, description })

// Tenant ids travel in paths and stream ids: letters, digits and . _ - (docs example: "acme-corp").
export const OrgId = (description = 'Tenant (organisation) id') =>
  T.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9._-]*$', description })

export const ErrorEnvelope = T.Object({
  success: T.Literal(false),
  error: T.String(),
  message: T.String(),
  code: T.Integer(),
  details: T.Optional(T.Array(T.Object({ field: T.String(), message: T.String() }))),
  errors: T.Array(T.Object({ code: T.Integer(), message: T.String() })),
  requestId: T.String(),
})

export const CommandEnvelope = <P extends Record<string, TSchema>>(extra: P = {} as P) =>
  T.Object({
    success: T.Boolean(),
    aggregateId: T.String(),
    version: T.Number(),
    event: T.Union([T.Object({ type: T.String(), data: T.Record(T.String(), T.Unknown()) }), T.Null()]),
    ...extra,
  })

export function eventMetadata(request: Request, principal: Principal): EventMetadata {
  return { requestId: requestInfo(request).requestId, principal: principalName(principal) }
}

// `{success, aggregateId, version, event, ...extra}`; `event` is the command's main event, null for a no-op.
export function commandResponse<E extends Event, X extends object>(
  aggregateId: string,
  handled: Pick<Handled<unknown, E>, 'events' | 'version'>,
  extra: X,
  mainEvent?: E['type'],
) {
  const main = mainEvent ? handled.events.find((e) => e.type === mainEvent) : handled.events.at(-1)
  return {
    success: true as const,
    aggregateId,
    version: handled.version,
    event: main ? { type: main.type, data: main.data } : null,
    ...extra,
  }
}

export const errorResponses = {
  400: ErrorEnvelope,
  401: ErrorEnvelope,
  403: ErrorEnvelope,
  404: ErrorEnvelope,
}

// A JSON body serialized earlier (a read-cache hit): sent as is, as Elysia would send the object.
export const jsonBody = (body: string) => new Response(body, { headers: { 'content-type': 'application/json' } })
