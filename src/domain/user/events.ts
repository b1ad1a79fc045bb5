// User events with the docs' names and payloads (reference/event-schemas.json); UserPasswordChanged and LoginLinkIssued are spkey's own.
import type { Event } from '../../eventstore/types'

export type UserCreated = Event<
  'UserCreated',
  { userId: string; email: string | null; firstName?: string; lastName?: string; status: 'ACTIVE' }
>
export type UserPhoneNumberUpdated = Event<
  'UserPhoneNumberUpdated',
  { userId: string; action: 'set' | 'removed'; maskedPhoneNumber?: string; timestamp: string }
>
// docs (UpdateEmail): "a masked (first-initial + domain) form — the raw address never enters the event log".
export type UserEmailUpdated = Event<'UserEmailUpdated', { userId: string; maskedEmail: string; timestamp: string }>
export type UserPasswordChanged = Event<'UserPasswordChanged', { userId: string; changedAt: string }>
// spkey's own: whoever can hand out a sign-in link can be anyone, so each one is on record (never its token).
export type LoginLinkIssued = Event<'LoginLinkIssued', { userId: string; issuedAt: string; expiresAt: string }>
export type PhysicalKeyAdded = Event<
  'PhysicalKeyAdded',
  { userId: string; number: number; orgId: string; orgName?: string; note?: string; addedAt: number }
>
export type PhysicalKeyRemoved = Event<'PhysicalKeyRemoved', { userId: string; number: number; removedAt: number }>
export type AccessibleLockAdded = Event<
  'AccessibleLockAdded',
  {
    userId: string
    lockId: string
    lockName: string
    accessLevel: 'OWNER' | 'ADMIN' | 'USER' | 'GUEST'
    grantedBy: string
    validFrom?: string
    validUntil?: string
    grantedAt: string
  }
>
export type AccessibleLockRemoved = Event<
  'AccessibleLockRemoved',
  { userId: string; lockId: string; removedBy: string; reason: string; removedAt: string }
>

export type UserEvent =
  | UserCreated
  | UserPhoneNumberUpdated
  | UserEmailUpdated
  | UserPasswordChanged
  | LoginLinkIssued
  | PhysicalKeyAdded
  | PhysicalKeyRemoved
  | AccessibleLockAdded
  | AccessibleLockRemoved

export const userStreamId = (userId: string) => `user-${userId}`
