import { describe, expect, it } from 'bun:test'
import {
  canIssuePhysicalKey,
  canLookUpUser,
  canManageLock,
  canModifyUser,
  canReadUser,
  canSeePersonalData,
  canUseLock,
  isSuperKey,
} from '../../src/auth/policies'
import type { Principal } from '../../src/auth/principal'

const anonymous: Principal = { kind: 'anonymous' }
const alice: Principal = { kind: 'user', userId: 'alice' }
const bob: Principal = { kind: 'user', userId: 'bob' }
const acme: Principal = { kind: 'org', orgId: 'acme', isSuper: false, actingUserId: null }
const acmeActingAsAlice: Principal = { kind: 'org', orgId: 'acme', isSuper: false, actingUserId: 'alice' }
const globex: Principal = { kind: 'org', orgId: 'globex', isSuper: false, actingUserId: null }
const root: Principal = { kind: 'org', orgId: 'root', isSuper: true, actingUserId: null }

const acmeLockOwnedByAlice = { ownerId: 'alice', orgId: 'acme' }
const unowned = { ownerId: null, orgId: null }

describe('canManageLock', () => {
  it("should allow the key of the lock's organisation", () => {
    expect(canManageLock(acme, acmeLockOwnedByAlice)).toBe(true)
    expect(canManageLock(acmeActingAsAlice, acmeLockOwnedByAlice)).toBe(true)
  })
  it("should refuse another organisation's key", () => {
    expect(canManageLock(globex, acmeLockOwnedByAlice)).toBe(false)
  })
  it('should allow a super key on any lock, even one without an organisation', () => {
    expect(canManageLock(root, acmeLockOwnedByAlice)).toBe(true)
    expect(canManageLock(root, unowned)).toBe(true)
  })
  it('should allow the owner and refuse other users', () => {
    expect(canManageLock(alice, acmeLockOwnedByAlice)).toBe(true)
    expect(canManageLock(bob, acmeLockOwnedByAlice)).toBe(false)
  })
  it('should refuse everyone but a super key on a lock with neither owner nor organisation', () => {
    expect(canManageLock(alice, unowned)).toBe(false)
    expect(canManageLock(acme, unowned)).toBe(false)
  })
  it('should refuse the anonymous caller', () => {
    expect(canManageLock(anonymous, acmeLockOwnedByAlice)).toBe(false)
  })
})

describe('canUseLock', () => {
  it('should allow whoever may manage the lock', () => {
    expect(canUseLock(alice, acmeLockOwnedByAlice)).toBe(true)
    expect(canUseLock(acme, acmeLockOwnedByAlice)).toBe(true)
    expect(canUseLock(root, unowned)).toBe(true)
  })
  it('should allow a user who holds a key on the lock', () => {
    expect(canUseLock(bob, { ...acmeLockOwnedByAlice, keyHolderIds: ['bob'] })).toBe(true)
  })
  it('should refuse a user without a key, and key holders named for another user', () => {
    expect(canUseLock(bob, acmeLockOwnedByAlice)).toBe(false)
    expect(canUseLock(bob, { ...acmeLockOwnedByAlice, keyHolderIds: ['carol'] })).toBe(false)
  })
  it('should not let key holders extend to organisations or the anonymous caller', () => {
    expect(canUseLock(globex, { ...acmeLockOwnedByAlice, keyHolderIds: ['globex'] })).toBe(false)
    expect(canUseLock(anonymous, { ...acmeLockOwnedByAlice, keyHolderIds: ['anonymous'] })).toBe(false)
  })
})

describe('canModifyUser', () => {
  it('should let a user change only their own record', () => {
    expect(canModifyUser(alice, 'alice')).toBe(true)
    expect(canModifyUser(alice, 'bob')).toBe(false)
  })
  it('should let any organisation key act on users', () => {
    expect(canModifyUser(acme, 'alice')).toBe(true)
    expect(canModifyUser(root, 'bob')).toBe(true)
  })
  it('should refuse the anonymous caller', () => {
    expect(canModifyUser(anonymous, 'alice')).toBe(false)
  })
})

describe('canReadUser', () => {
  it('should follow the same rule as modifying', () => {
    expect(canReadUser(alice, 'alice')).toBe(true)
    expect(canReadUser(bob, 'alice')).toBe(false)
    expect(canReadUser(globex, 'alice')).toBe(true)
    expect(canReadUser(anonymous, 'alice')).toBe(false)
  })
})

describe('canSeePersonalData', () => {
  it('should allow the user themself, an org the user is related to and a super key, nobody else', () => {
    expect(canSeePersonalData(alice, 'alice', false)).toBe(true)
    expect(canSeePersonalData(bob, 'alice', true)).toBe(false)
    expect(canSeePersonalData(acme, 'alice', true)).toBe(true)
    expect(canSeePersonalData(globex, 'alice', false)).toBe(false)
    expect(canSeePersonalData(root, 'alice', false)).toBe(true)
    expect(canSeePersonalData(anonymous, 'alice', true)).toBe(false)
  })
})

describe('canLookUpUser', () => {
  it('should let an organisation key find anyone, and also see a miss', () => {
    expect(canLookUpUser(acme, 'alice')).toBe(true)
    expect(canLookUpUser(acme, null)).toBe(true)
  })
  it('should let a user find only themself, so a miss looks like someone else', () => {
    expect(canLookUpUser(alice, 'alice')).toBe(true)
    expect(canLookUpUser(alice, 'bob')).toBe(false)
    expect(canLookUpUser(alice, null)).toBe(false)
  })
  it('should refuse the anonymous caller', () => {
    expect(canLookUpUser(anonymous, null)).toBe(false)
  })
})

describe('canIssuePhysicalKey', () => {
  it("should allow the issuing organisation's key and a super key", () => {
    expect(canIssuePhysicalKey(acme, 'acme', [])).toBe(true)
    expect(canIssuePhysicalKey(root, 'acme', [])).toBe(true)
  })
  it("should refuse another organisation's key", () => {
    expect(canIssuePhysicalKey(globex, 'acme', [])).toBe(false)
  })
  it('should allow staff of the issuing organisation, and no other user', () => {
    expect(canIssuePhysicalKey(alice, 'acme', ['acme'])).toBe(true)
    expect(canIssuePhysicalKey(alice, 'acme', ['globex'])).toBe(false)
    expect(canIssuePhysicalKey(bob, 'acme', [])).toBe(false)
  })
  it('should refuse the anonymous caller', () => {
    expect(canIssuePhysicalKey(anonymous, 'acme', ['acme'])).toBe(false)
  })
})

describe('isSuperKey', () => {
  it('should be true only for a super organisation key', () => {
    expect(isSuperKey(root)).toBe(true)
    expect(isSuperKey(acme)).toBe(false)
    expect(isSuperKey(alice)).toBe(false)
    expect(isSuperKey(anonymous)).toBe(false)
  })
})
