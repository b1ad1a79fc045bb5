// List pages: `limit` and an opaque `cursor` naming the last item of the previous page (base64url of a JSON tuple,
// e.g. [createdAt, uuid]). A cursor this server did not give out is a 400, never a silently different page.
import { type Static, type TSchema, Type as T } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { t } from 'elysia'
import { Invalid } from '../domain/errors'

export const Limit = (maximum: number, description: string) => t.Integer({ minimum: 1, maximum, description })

export const Cursor = t.String({
  minLength: 1,
  maxLength: 200,
  pattern: '^[A-Za-z0-9_-]+$',
  description: 'nextCursor of the previous page (opaque)',
})

export const NextCursor = T.Union([T.String(), T.Null()], { description: 'Cursor of the next page; null on the last page' })

const encodeCursor = (position: readonly unknown[]) => Buffer.from(JSON.stringify(position)).toString('base64url')

function decodeCursor<S extends TSchema>(schema: S, cursor: string): Static<S> {
  let position: unknown
  try {
    position = JSON.parse(Buffer.from(cursor, 'base64url').toString())
  } catch {
    position = undefined
  }
  if (!Value.Check(schema, position)) {
    throw new Invalid('Invalid query: cursor', [{ field: 'cursor', message: 'not a cursor this list gave out; start again without one' }])
  }
  return position
}

const TempKeyPosition = T.Tuple([T.String({ maxLength: 40 }), T.String({ maxLength: 64 })])

// Temp-key lists: the last key's (createdAt, uuid), the order of temp_keys_lock_page.
export const tempKeyCursor = {
  encode: (key: { createdAt: string; uuid: string }) => encodeCursor([key.createdAt, key.uuid]),
  decode: (cursor: string) => {
    const [createdAt, uuid] = decodeCursor(TempKeyPosition, cursor)
    return { createdAt, uuid }
  },
}

const PhysicalKeyPosition = T.Tuple([T.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })])

// Physical-key inventories: the last key's number.
export const physicalKeyCursor = {
  encode: (number: number) => encodeCursor([number]),
  decode: (cursor: string) => decodeCursor(PhysicalKeyPosition, cursor)[0],
}

const IssuedKeyPosition = T.Tuple([
  T.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  T.String({ maxLength: 128 }),
  T.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
])

// The key desk's list of an org's keys: the last key's (addedAt, userId, number), the order of physical_keys_org_added.
export const issuedKeyCursor = {
  encode: (key: { addedAt: number; userId: string; number: number }) => encodeCursor([key.addedAt, key.userId, key.number]),
  decode: (cursor: string) => {
    const [addedAt, userId, number] = decodeCursor(IssuedKeyPosition, cursor)
    return { addedAt, userId, number }
  },
}

const ActivityPosition = T.Tuple([T.Integer({ minimum: 2, maximum: Number.MAX_SAFE_INTEGER })])

// A lock's activity log: the oldest stream version shown so far (the next page holds the versions below it).
export const activityCursor = {
  encode: (before: number) => encodeCursor([before]),
  decode: (cursor: string) => decodeCursor(ActivityPosition, cursor)[0],
}
