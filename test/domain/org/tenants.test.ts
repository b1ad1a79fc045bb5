// Org decider: registration (idempotent for identical details, a clash otherwise), one active API key, rotation.
import { describe, it } from 'bun:test'
import type { IssueApiKey, RegisterOrganization } from '../../../src/domain/org/commands'
import { orgDecider } from '../../../src/domain/org/decide'
import type { OrgEvent } from '../../../src/domain/org/events'
import { Conflict, NotFound } from '../../../src/domain/errors'
import { given as givenDecider } from '../../support/given-when-then'

const NOW = Date.parse('2026-06-01T10:00:00.000Z')
const ISO = '2026-06-01T10:00:00.000Z'
const given = (history: OrgEvent[]) => givenDecider(orgDecider, history)

const details = { orgId: 'acme', orgName: 'Acme', ownerEmail: 'o@acme.test', isSuper: false }
const register = (overrides: Partial<RegisterOrganization['data']> = {}): RegisterOrganization => ({
  type: 'RegisterOrganization',
  data: { ...details, ...overrides },
  metadata: { now: NOW },
})
const registered: OrgEvent = { type: 'OrganizationRegistered', data: { ...details, registeredAt: ISO } }
const issue = (keyHash: string, rotate = false, expiresAt: string | null = null): IssueApiKey => ({
  type: 'IssueApiKey',
  data: { keyHash, prefix: keyHash.slice(0, 8), createdBy: 'admin', expiresAt, rotate },
  metadata: { now: NOW },
})
const issued = (keyHash: string, expiresAt: string | null = null): OrgEvent => ({
  type: 'ApiKeyIssued',
  data: { orgId: 'acme', keyHash, prefix: keyHash.slice(0, 8), createdAt: ISO, createdBy: 'admin', expiresAt },
})
const revoked = (keyHash: string): OrgEvent => ({ type: 'ApiKeyRevoked', data: { orgId: 'acme', keyHash, revokedAt: ISO } })

describe('when the tenant is not registered', () => {
  it('should register it', () => {
    given([]).when(register()).then([registered])
  })

  it('should refuse a key with NotFound "Tenant not registered"', () => {
    given([]).when(issue('hash-one')).thenThrows(NotFound, 'Tenant not registered')
  })
})

describe('when the tenant is registered', () => {
  it('should do nothing when the same details are registered again', () => {
    given([registered]).when(register()).then([])
  })

  it('should refuse another name, owner or kind under the same id with Conflict', () => {
    given([registered])
      .when(register({ orgName: 'Acme Two' }))
      .thenThrows(Conflict)
    given([registered])
      .when(register({ ownerEmail: null }))
      .thenThrows(Conflict)
    given([registered])
      .when(register({ isSuper: true }))
      .thenThrows(Conflict)
  })

  it('should issue its first key', () => {
    given([registered])
      .when(issue('hash-one'))
      .then([issued('hash-one')])
  })
})

describe('when the tenant has an active key', () => {
  it('should refuse a second key with Conflict', () => {
    given([registered, issued('hash-one')])
      .when(issue('hash-two'))
      .thenThrows(Conflict, 'rotate')
  })

  it('should rotate: revoke the old key and issue the new one in one decision', () => {
    given([registered, issued('hash-one')])
      .when(issue('hash-two', true))
      .then([revoked('hash-one'), issued('hash-two')])
  })
})

describe('when the active key has expired', () => {
  it('should issue a new key without rotating, revoking the expired one', () => {
    given([registered, issued('hash-one', '2026-06-01T09:00:00.000Z')])
      .when(issue('hash-two'))
      .then([revoked('hash-one'), issued('hash-two')])
  })
})
