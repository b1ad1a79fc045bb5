// Users: lifecycle, profile and lookup (docs §2.3). A user reads and changes only their own record; an org key may
// act on any user. Raw phone numbers live in the vault; the log holds only the masked form.
import { timingSafeEqual } from 'node:crypto'
import { Type as T } from '@sinclair/typebox'
import { Elysia, t } from 'elysia'
import { canLookUpUser, canModifyUser, canSeePersonalData } from '../auth/policies'
import { type Authenticated, authPlugin, requireAuthenticated } from '../auth/principal'
import { createUser, findOrCreateUserByEmail, normalizeEmail, updateEmail } from '../auth/tenants'
import type { User } from '../db/schema'
import type { Deps } from '../deps'
import { Conflict, Forbidden, Invalid, NotFound, Unauthorized } from '../domain/errors'
import { userAggregate } from '../domain/user/decide'
import { userStreamId } from '../domain/user/events'
import { sha256Hex } from '../secrets'
import { CommandEnvelope, commandResponse, Email, ErrorEnvelope, errorResponses, eventMetadata, UserIdParams, Uuid } from './models'
import { requestInfo } from '../request-context'

const UUID_PATTERN = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
const PhoneNumber = (description: string) => T.String({ minLength: 1, maxLength: 64, description })
const Name = (description: string) => T.String({ maxLength: 200, description })

const CreateUserBody = T.Object(
  {
    userId: Uuid({ description: 'User UUID: the same as the id in the path' }),
    email: Email('User email'),
    firstName: T.Optional(Name('First name')),
    lastName: T.Optional(Name('Last name')),
    phoneNumber: T.Optional(PhoneNumber('Phone number (kept out of the event log; the event carries the last 4 digits)')),
  },
  { additionalProperties: false },
)

const UpdatePhoneNumberBody = T.Object(
  { phoneNumber: T.Union([PhoneNumber('Phone number to set'), T.Null({ description: 'null removes the phone number' })]) },
  { additionalProperties: false },
)

const UpdateEmailBody = T.Object({ email: Email('Email to set on a user that currently has none') }, { additionalProperties: false })

const ByEmailQuery = t.Object(
  {
    email: t.String({ format: 'email', maxLength: 254, description: 'User email address' }),
    uuid: t.Optional(t.String({ pattern: UUID_PATTERN, description: 'UUID to assign if the user is created' })),
    searchOnly: t.Optional(t.Union([t.Literal('true'), t.Literal('false')], { description: 'true: never create; a miss is 404' })),
  },
  { additionalProperties: false },
)

const ByPhoneQuery = t.Object(
  { phoneNumber: t.String({ minLength: 1, maxLength: 64, description: 'Phone number to look up (exact match)' }) },
  { additionalProperties: false },
)

const STATUSES = ['ACTIVE', 'INACTIVE', 'SUSPENDED'] as const
type Status = (typeof STATUSES)[number]
const isStatus = (value: string): value is Status => STATUSES.some((status) => status === value)

const Profile = T.Object({
  userId: T.String(),
  email: T.Optional(T.String()),
  firstName: T.Optional(T.String()),
  lastName: T.Optional(T.String()),
  phoneNumber: T.Optional(T.String()),
  status: T.Union([T.Literal('ACTIVE'), T.Literal('INACTIVE'), T.Literal('SUSPENDED')]),
})
const Found = T.Object({ uuid: T.String(), email: T.Union([T.String(), T.Null()]), created_at: T.String() })
const FoundByPhone = T.Composite([Found, T.Object({ phoneNumber: T.Union([T.String(), T.Null()]) })])
const PhoneNumberView = T.Object({ userId: T.String(), phoneNumber: T.Union([T.String(), T.Null()]) })

const security: Record<string, string[]>[] = [{ BearerAuth: [] }, { ApiKeyAuth: [] }]
const detail = (summary: string, description?: string) => ({ summary, security, ...(description ? { description } : {}) })

async function requireUser(deps: Deps, userId: string): Promise<User> {
  const user = await deps.data.findUser(userId)
  if (!user) throw new NotFound('User not found')
  return user
}

const mayHandlePersonalData = async (deps: Deps, caller: Authenticated, userId: string) =>
  canSeePersonalData(caller, userId, caller.kind === 'org' && !caller.isSuper && (await deps.data.isRelatedToOrg(caller.orgId, userId)))

const found = (user: User) => ({ uuid: user.userId, email: user.email, created_at: user.createdAt })

export const userRoutes = (deps: Deps) =>
  new Elysia({ name: 'routes.users', prefix: '/users', detail: { tags: ['User'] } })
    .use(authPlugin(deps))
    .post(
      '/:id/CreateUser',
      async ({ params, body, principal, request, set }) => {
        const caller = requireAuthenticated(principal)
        if (body.userId !== params.id) {
          throw new Invalid('userId must equal the user id in the path', [
            { field: 'userId', message: 'must equal the user id in the path' },
          ])
        }
        if (!canModifyUser(caller, params.id)) throw new Forbidden('A user token may only create its own user')
        const email = normalizeEmail(body.email)
        // An external provider's user claims only the address the provider verified: users are found by e-mail.
        if (caller.kind === 'user' && caller.verifiedEmail !== undefined && caller.verifiedEmail !== email) {
          throw new Forbidden('The identity provider has not verified this e-mail for this token (email_verified)')
        }
        const owner = await deps.data.findUserByEmail(email)
        if (owner && owner.userId !== params.id) throw new Conflict('This email belongs to another user')
        const input = { userId: params.id, email, firstName: body.firstName, lastName: body.lastName, phoneNumber: body.phoneNumber }
        const { handled } = await createUser(deps, input, eventMetadata(request, principal))
        // docs: 201 created, 200 "already exists — idempotent no-op (event: null)"
        set.status = handled.events.length > 0 ? 201 : 200
        return commandResponse(params.id, handled, { userId: params.id }, 'UserCreated')
      },
      {
        params: UserIdParams,
        body: CreateUserBody,
        response: { 200: CommandEnvelope({ userId: T.String() }), 201: CommandEnvelope({ userId: T.String() }), ...errorResponses },
        detail: detail('Create new user', 'Idempotent: 201 when created, 200 with event null when the user already exists.'),
      },
    )
    .post(
      '/:id/UpdatePhoneNumber',
      async ({ params, body, principal, request }) => {
        const caller = requireAuthenticated(principal)
        if (!(await mayHandlePersonalData(deps, caller, params.id))) {
          throw new Forbidden("Only the user, or an organisation the user is related to, may change the user's phone number")
        }
        const { phoneNumber } = body
        const command = { type: 'UpdatePhoneNumber' as const, data: { phoneNumber }, metadata: { now: deps.clock.now() } }
        const handled = await deps.commands.handle(
          userAggregate,
          userStreamId(params.id),
          command,
          eventMetadata(request, principal),
          ({ events }) => (events.length > 0 ? [{ kind: 'phone-number', userId: params.id, phoneNumber }] : []),
        )
        return commandResponse(params.id, handled, {})
      },
      {
        params: UserIdParams,
        body: UpdatePhoneNumberBody,
        response: { 200: CommandEnvelope(), ...errorResponses },
        detail: detail(
          "Set or remove a user's phone number",
          'The raw number is kept out of the event log; UserPhoneNumberUpdated carries only the last 4 digits.',
        ),
      },
    )
    .post(
      '/:id/UpdateEmail',
      async ({ params, body, principal, request }) => {
        const caller = requireAuthenticated(principal)
        // docs: 404 for an unknown user (ids are UUIDs: their existence is no secret), then who may change it.
        await requireUser(deps, params.id)
        if (!(await mayHandlePersonalData(deps, caller, params.id))) {
          throw new Forbidden("Only the user, or an organisation the user is related to, may change the user's email")
        }
        const handled = await updateEmail(deps, params.id, body.email, eventMetadata(request, principal))
        return commandResponse(params.id, handled, {})
      },
      {
        params: UserIdParams,
        body: UpdateEmailBody,
        response: { 200: CommandEnvelope(), 409: ErrorEnvelope, ...errorResponses },
        detail: detail(
          'Add an email to a user that has none',
          'The raw address is kept out of the event log; UserEmailUpdated carries only a masked form (first initial + domain). ' +
            '409 when the user already has another email or the address belongs to another user; the same address again is a no-op (event null).',
        ),
      },
    )
    .get(
      '/by-email',
      async ({ query, principal, request }) => {
        const caller = requireAuthenticated(principal)
        if (caller.kind === 'user') {
          const own = await deps.data.findUserByEmail(normalizeEmail(query.email))
          if (!canLookUpUser(caller, own?.userId ?? null)) throw new Forbidden('A user token may only look up its own user')
        }
        const input = { email: query.email, uuid: query.uuid, searchOnly: query.searchOnly === 'true' }
        const { user } = await findOrCreateUserByEmail(deps, input, eventMetadata(request, principal))
        return found(user)
      },
      {
        query: ByEmailQuery,
        response: { 200: Found, 409: ErrorEnvelope, ...errorResponses },
        detail: detail(
          'Find (or create) user by email address',
          'Idempotent find-or-create; searchOnly=true answers 404 on a miss; 409 when the given uuid belongs to another user.',
        ),
      },
    )
    .get(
      '/by-phone',
      async ({ query, principal }) => {
        const caller = requireAuthenticated(principal)
        const match = await deps.data.findUserByPhoneNumber(query.phoneNumber)
        if (!canLookUpUser(caller, match?.user.userId ?? null)) throw new Forbidden('A user token may only look up its own user')
        // An unrelated user's number answers as no match: a tenant cannot probe which numbers belong to accounts.
        if (!match || !(await mayHandlePersonalData(deps, caller, match.user.userId))) throw new NotFound('No user with that phone number')
        return { ...found(match.user), phoneNumber: match.phoneNumber }
      },
      {
        query: ByPhoneQuery,
        response: { 200: FoundByPhone, ...errorResponses },
        detail: detail('Find user by phone number', 'Exact match; never creates a user.'),
      },
    )
    .get(
      '/:id/profile',
      async ({ params, principal }) => {
        const caller = requireAuthenticated(principal)
        if (!(await mayHandlePersonalData(deps, caller, params.id)))
          throw new Forbidden('Only the user, or an organisation the user is related to, may read the profile')
        const [user, phoneNumber] = await Promise.all([requireUser(deps, params.id), deps.data.phoneNumberOf(params.id)])
        return {
          userId: user.userId,
          ...(user.email !== null ? { email: user.email } : {}),
          ...(user.firstName !== null ? { firstName: user.firstName } : {}),
          ...(user.lastName !== null ? { lastName: user.lastName } : {}),
          ...(phoneNumber !== null ? { phoneNumber } : {}),
          status: isStatus(user.status) ? user.status : 'ACTIVE',
        }
      },
      { params: UserIdParams, response: { 200: Profile, ...errorResponses }, detail: detail('Get user profile') },
    )
    .get(
      '/:id/phone-number',
      async ({ params, principal }) => {
        const caller = requireAuthenticated(principal)
        if (!(await mayHandlePersonalData(deps, caller, params.id))) {
          throw new Forbidden("Only the user, or an organisation the user is related to, may read the user's phone number")
        }
        const [, phoneNumber] = await Promise.all([requireUser(deps, params.id), deps.data.phoneNumberOf(params.id)])
        return { userId: params.id, phoneNumber }
      },
      { params: UserIdParams, response: { 200: PhoneNumberView, ...errorResponses }, detail: detail("Get a user's phone number") },
    )

// The identity provider's sign-up/first-login hook. Its body is the provider's whole event, so unknown fields are
// allowed here (unlike every other body). Guarded by a shared secret, sent as `Authorization: Bearer <secret>`.
const extensible = { additionalProperties: true }
const SignupHookBody = T.Object(
  {
    detail: T.Object(
      {
        data: T.Object(
          {
            user_name: Email('User e-mail from the identity provider'),
            user_id: T.String({ minLength: 1, maxLength: 255, description: "Provider's user id; used as the spkey id when it is a UUID" }),
          },
          extensible,
        ),
      },
      extensible,
    ),
  },
  extensible,
)

// Both sides hashed first: equal lengths for the constant-time compare, whatever was sent.
function requireHookSecret(deps: Deps, headers: Headers): void {
  const sent = /^Bearer\s+(\S+)$/i.exec(headers.get('authorization') ?? '')?.[1]
  const matches = sent !== undefined && timingSafeEqual(Buffer.from(sha256Hex(sent)), Buffer.from(sha256Hex(deps.secrets.signupHookSecret)))
  if (!matches) throw new Unauthorized('The sign-up hook needs "Authorization: Bearer <SIGNUP_HOOK_SECRET>"')
}

const isUuid = (value: string) => new RegExp(UUID_PATTERN).test(value)

export const signupHookRoutes = (deps: Deps) =>
  new Elysia({ name: 'routes.signup-hook' })
    // Transform runs before validation: without the secret, nothing about the body is answered.
    .onTransform(({ request }) => requireHookSecret(deps, request.headers))
    .post(
      '/users',
      async ({ body, request }) => {
        const { user_name: email, user_id: providerId } = body.detail.data
        const metadata = { requestId: requestInfo(request).requestId, principal: 'signup-hook' }
        const { user } = await findOrCreateUserByEmail(deps, { email, uuid: isUuid(providerId) ? providerId : undefined }, metadata)
        return { success: true as const, userId: user.userId, email: user.email ?? normalizeEmail(email) }
      },
      {
        body: SignupHookBody,
        response: { 200: T.Object({ success: T.Literal(true), userId: T.String(), email: T.String() }), ...errorResponses },
        detail: {
          tags: ['User', 'Webhook'],
          summary: 'Identity-provider sign-up hook: find or create the user',
          description: 'Called by the identity provider after sign-up or first login. Authorization: Bearer <SIGNUP_HOOK_SECRET>.',
          security: [{ BearerAuth: [] }],
        },
      },
    )
