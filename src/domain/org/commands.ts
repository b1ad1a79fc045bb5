// Org (tenant) commands: registration, API keys (hash + prefix only) and staff membership.
import type { Command } from '../../eventstore/types'

export type RegisterOrganization = Command<
  'RegisterOrganization',
  { orgId: string; orgName: string; ownerEmail: string | null; isSuper: boolean }
>
export type IssueApiKey = Command<
  'IssueApiKey',
  { keyHash: string; prefix: string; createdBy: string; expiresAt: string | null; rotate: boolean }
>
export type AddOrgMember = Command<'AddOrgMember', { userId: string; role: 'staff' }>
export type RemoveOrgMember = Command<'RemoveOrgMember', { userId: string }>

export type OrgCommand = RegisterOrganization | IssueApiKey | AddOrgMember | RemoveOrgMember
