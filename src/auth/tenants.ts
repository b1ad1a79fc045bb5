// Tenant and user provisioning shared by the admin API, the CLI and tests: each step is one command.
import type { Deps } from '../deps'
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

export async function addOrgMember(deps: Deps, orgId: string, userId: string, metadata: EventMetadata = {}) {
  return deps.commands.handle(
    orgAggregate,
    orgStreamId(orgId),
    { type: 'AddOrgMember', data: { userId, role: 'staff' }, metadata: { now: deps.clock.now() } },
    metadata,
  )
}

export type CreateUserInput = { userId?: string; email: string | null; firstName?: string | null; lastName?: string | null }

export async function createUser(deps: Deps, input: CreateUserInput, metadata: EventMetadata = {}) {
  const userId = input.userId ?? crypto.randomUUID()
  const data = { userId, email: input.email, firstName: input.firstName ?? null, lastName: input.lastName ?? null }
  const handled = await deps.commands.handle(
    userAggregate,
    userStreamId(userId),
    { type: 'CreateUser', data, metadata: { now: deps.clock.now() } },
    metadata,
  )
  return { userId, handled }
}
