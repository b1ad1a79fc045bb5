// Org events: spkey's own (the docs keep tenants on a separate admin host and name no events for them).
import type { Event } from '../../eventstore/types'

export type OrganizationRegistered = Event<
  'OrganizationRegistered',
  { orgId: string; orgName: string; ownerEmail: string | null; isSuper: boolean; registeredAt: string }
>
export type ApiKeyIssued = Event<
  'ApiKeyIssued',
  { orgId: string; keyHash: string; prefix: string; createdAt: string; createdBy: string; expiresAt: string | null }
>
export type ApiKeyRevoked = Event<'ApiKeyRevoked', { orgId: string; keyHash: string; revokedAt: string }>
export type OrgMemberAdded = Event<'OrgMemberAdded', { orgId: string; userId: string; role: 'staff'; addedAt: string }>
export type OrgMemberRemoved = Event<'OrgMemberRemoved', { orgId: string; userId: string; removedAt: string }>

export type OrgEvent = OrganizationRegistered | ApiKeyIssued | ApiKeyRevoked | OrgMemberAdded | OrgMemberRemoved

export const orgStreamId = (orgId: string) => `org-${orgId}`
