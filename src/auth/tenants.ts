// Tenant and user provisioning shared by the admin API, the CLI and tests: each step is one command.
import type { Org, User } from '../db/schema'
import type { Deps } from '../deps'
import { Conflict, Forbidden, NotFound } from '../domain/errors'
import { orgAggregate } from '../domain/org/decide'
import { orgStreamId } from '../domain/org/events'
import { userAggregate } from '../domain/user/decide'
import { userStreamId } from '../domain/user/events'
import type { EventMetadata } from '../eventstore/types'
import { generateApiKey } from './api-keys'

export type RegisterOrgInput = { orgId: string; orgName: string; ownerEmail?: string | null; isSuper?: boolean }

export async function registerOrg(deps: Deps, input: RegisterOrgInput, metadata: EventMetadata = {}) {
  const data = { orgId: input.orgId, orgName: input.orgName, ownerEmail: input.ownerEmail ?? null, isSuper: input.isSuper ?? false }
  return deps.commands.handle(
    orgAggregate,
    orgStreamId(input.orgId),
    { type: 'RegisterOrganization', data, metadata: { now: deps.clock.now() } },
    metadata,
  )
}

// Returns the plaintext key: the only moment it exists outside the caller's hands.
export async function issueApiKey(
  deps: Deps,
  orgId: string,
  options: { createdBy: string; expiresAt?: string | null; rotate?: boolean },
  metadata: EventMetadata = {},
) {
  const key = generateApiKey()
  const data = {
    keyHash: key.hash,
    prefix: key.prefix,
    createdBy: options.createdBy,
    expiresAt: options.expiresAt ?? null,
    rotate: options.rotate ?? false,
  }
  const handled = await deps.commands.handle(
    orgAggregate,
    orgStreamId(orgId),
    { type: 'IssueApiKey', data, metadata: { now: deps.clock.now() } },
    metadata,
  )
  const issued = handled.events.find((event) => event.type === 'ApiKeyIssued')
  return { apiKey: key.plain, prefix: key.prefix, createdAt: issued?.data.createdAt ?? new Date(deps.clock.now()).toISOString() }
}

// "ACME Corporation" -> "acme-corporation": the docs' orgIds look like that.
export const orgIdFromName = (name: string) =>
  name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64)

// A new organisation with its first API key (the CLI's `org create`, the console's form). A taken id is refused before
// anything is written: registering it again would be a no-op and its key a clash.
export async function createOrg(
  deps: Deps,
  input: { orgId: string; orgName: string; isSuper?: boolean },
  createdBy: string,
  metadata: EventMetadata = {},
) {
  if (await deps.data.findOrg(input.orgId)) throw new Conflict(`An organisation with the id ${input.orgId} exists already`)
  await registerOrg(deps, input, metadata)
  const { apiKey } = await issueApiKey(deps, input.orgId, { createdBy }, metadata)
  return { orgId: input.orgId, name: input.orgName, apiKey }
}

// Issues or rotates a tenant's key over HTTP (the Admin API, the console). docs/auth.md: super tenants are made and
// keyed with the CLI only; a key handed out over HTTP would open any lock.
export async function issueTenantKey(
  deps: Deps,
  org: Org,
  options: { createdBy: string; expiresAt?: string | null; rotate: boolean },
  metadata: EventMetadata = {},
) {
  if (org.isSuper) throw new Forbidden("A super tenant's API key is issued and rotated with the admin CLI only")
  return issueApiKey(deps, org.orgId, options, metadata)
}

export async function addOrgMember(deps: Deps, orgId: string, userId: string, metadata: EventMetadata = {}) {
  return deps.commands.handle(
    orgAggregate,
    orgStreamId(orgId),
    { type: 'AddOrgMember', data: { userId, role: 'staff' }, metadata: { now: deps.clock.now() } },
    metadata,
  )
}

export async function removeOrgMember(deps: Deps, orgId: string, userId: string, metadata: EventMetadata = {}) {
  return deps.commands.handle(
    orgAggregate,
    orgStreamId(orgId),
    { type: 'RemoveOrgMember', data: { userId }, metadata: { now: deps.clock.now() } },
    metadata,
  )
}

export type CreateUserInput = {
  userId?: string
  email: string | null
  firstName?: string | null
  lastName?: string | null
  phoneNumber?: string | null
}

// One spelling per address: spkey stores (and looks up) e-mails trimmed and lower-cased.
export const normalizeEmail = (email: string) => email.trim().toLowerCase()

// The raw phone number goes to the vault in the same transaction as its masked audit event.
export async function createUser(deps: Deps, input: CreateUserInput, metadata: EventMetadata = {}) {
  const userId = input.userId ?? crypto.randomUUID()
  const phoneNumber = input.phoneNumber ?? null
  const data = { userId, email: input.email, firstName: input.firstName ?? null, lastName: input.lastName ?? null, phoneNumber }
  const handled = await deps.commands.handle(
    userAggregate,
    userStreamId(userId),
    { type: 'CreateUser', data, metadata: { now: deps.clock.now() } },
    metadata,
    ({ events }) =>
      phoneNumber !== null && events.some((event) => event.type === 'UserPhoneNumberUpdated')
        ? [{ kind: 'phone-number', userId, phoneNumber }]
        : [],
  )
  return { userId, handled }
}

// docs UpdateEmail: the raw address goes to the vault and the users read model with its masked audit event. Whether
// another user has it is checked inside the command's transaction, so two users racing for one address cannot both win.
export async function updateEmail(deps: Deps, userId: string, rawEmail: string, metadata: EventMetadata = {}) {
  const email = normalizeEmail(rawEmail)
  const onFile = (await deps.data.findUser(userId))?.email === email
  return deps.commands.handle(
    userAggregate,
    userStreamId(userId),
    { type: 'UpdateEmail', data: { email, onFile }, metadata: { now: deps.clock.now() } },
    metadata,
    ({ events }) => (events.length === 0 ? [] : [{ kind: 'email', userId, email }]),
  )
}

// docs GET /users/by-email: find, else create (with the caller's uuid when given); searchOnly never creates.
export async function findOrCreateUserByEmail(
  deps: Deps,
  input: { email: string; uuid?: string; searchOnly?: boolean },
  metadata: EventMetadata = {},
): Promise<{ user: User; created: boolean }> {
  const email = normalizeEmail(input.email)
  const found = await deps.data.findUserByEmail(email)
  if (found) return { user: found, created: false }
  if (input.searchOnly) throw new NotFound('No user with this email')
  if (input.uuid !== undefined && (await deps.data.findUser(input.uuid))) throw new Conflict('This uuid belongs to another user')
  const { userId } = await createUser(deps, { userId: input.uuid, email }, metadata)
  const user = await deps.data.findUser(userId)
  if (!user) throw new Error(`user ${userId} missing from the read model after CreateUser`)
  return { user, created: true }
}
