// POST /locks/{id}/open-with-pin (docs §3.1) for entrance panels: no credentials, so no oracle. Every refusal (wrong or
// unknown PIN, a key of another lock, revoked, expired, not yet valid, an unknown lock) answers the same 401 after the
// same work (locks/doors.ts openWithPin); failures are throttled, then locked out, per lock and per client address.
import { Type as T } from '@sinclair/typebox'
import { Elysia } from 'elysia'
import { authPlugin } from '../auth/principal'
import type { Deps } from '../deps'
import { Invalid, Unauthorized, Unavailable } from '../domain/errors'
import { PIN_DISABLED } from '../locks/collective-keys'
import { PIN_PATTERN } from '../locks/pins'
import { requestInfo } from '../request-context'
import { errorResponses, LockIdParams } from './models'
import { clientIp } from './rate-limit'

// Failures (per lock, per address) before 429: a few typos a minute, then at most 20 an hour, so guessing one of a
// million PINs takes decades.
export const PIN_THROTTLE = { limit: 5, windowMs: 60_000 }
export const PIN_LOCKOUT = { limit: 20, windowMs: 3_600_000 }

export const PIN_REFUSED = 'This PIN does not open this lock'

const PinBody = T.Object(
  { pin: T.String({ maxLength: 64, description: 'The PIN issued with the temp key (always 6 digits today)' }) },
  { additionalProperties: false },
)

export const pinOpenRoutes = (deps: Deps) => {
  const throttle = deps.rateLimiters('pin-throttle', { ...PIN_THROTTLE, message: 'Too many wrong PINs; wait a minute' })
  const lockout = deps.rateLimiters('pin-lockout', { ...PIN_LOCKOUT, message: 'Too many wrong PINs; PIN access is locked for a while' })
  // No credentials needed; the auth plugin still refuses spoofed internal headers and credentials that fail to verify.
  return new Elysia({ name: 'routes.pin-open', detail: { tags: ['TempKey', 'Lock'] } }).use(authPlugin(deps)).post(
    '/locks/:id/open-with-pin',
    async ({ params, body, request, server }) => {
      if (!deps.config.pinAccess) throw new Unavailable(PIN_DISABLED)
      if (!PIN_PATTERN.test(body.pin)) throw new Invalid('Malformed PIN', [{ field: 'pin', message: 'must be 6 digits' }])
      const now = deps.clock.now()
      const limits = [`lock:${params.id}`, `ip:${clientIp(server, request, deps.config.trustedProxyHops)}`]
      await lockout.check(limits, now)
      await throttle.check(limits, now)
      const requestId = requestInfo(request).requestId
      const outcome = await deps.doors.openWithPin(
        { lockId: params.id, pinHash: deps.pins.hashOf(body.pin), requestId },
        { requestId, principal: 'entrance-panel' },
      )
      if (outcome.status === 'refused') {
        await throttle.note(limits, now)
        await lockout.note(limits, now)
        throw new Unauthorized(PIN_REFUSED)
      }
      return { success: true, offline: outcome.offline }
    },
    {
      params: LockIdParams,
      body: PinBody,
      response: {
        200: T.Object({ success: T.Boolean(), offline: T.Boolean({ description: 'The lock was offline: the open is queued for it' }) }),
        ...errorResponses,
        429: errorResponses[400],
        503: errorResponses[400],
      },
      detail: {
        summary: 'Open a lock with a temp-key PIN',
        description:
          'For entrance panels, without credentials. Opens the lock when the PIN belongs to a live temp key with a code/both door ' +
          'on it, exactly as the guest page does. Every refusal answers the identical 401. After 5 failures in a minute, or 20 in an ' +
          'hour, for the lock or for the client address: 429 with Retry-After. 503 while PIN access is disabled (PIN_ACCESS=off).',
      },
    },
  )
}
