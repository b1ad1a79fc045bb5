// User commands as the docs name them; the raw phone number, e-mail (after creation) and password never travel in an event.
import type { Command } from '../../eventstore/types'

// phoneNumber: the raw number, for the vault; the events carry only its masked form.
export type CreateUser = Command<
  'CreateUser',
  { userId: string; email: string | null; firstName: string | null; lastName: string | null; phoneNumber?: string | null }
>
export type UpdatePhoneNumber = Command<'UpdatePhoneNumber', { phoneNumber: string | null }>
// email: the raw address, for the vault; onFile: it is already the user's email (looked up before decide), so a
// repeat is a no-op rather than a conflict.
export type UpdateEmail = Command<'UpdateEmail', { email: string; onFile: boolean }>
export type ChangePassword = Command<'ChangePassword', Record<string, never>>
// A one-time browser sign-in link handed out (by an operator): the token itself stays out of the log.
export type IssueLoginLink = Command<'IssueLoginLink', { expiresAt: string }>
export type AddPhysicalKey = Command<'AddPhysicalKey', { orgId: string; orgName: string | null; note: string | null }>
// issuerScope: the orgs whose keys the caller may remove (its API key's org, or the orgs it is staff of);
// null for a super key, which may remove any.
export type RemovePhysicalKey = Command<'RemovePhysicalKey', { number: number; issuerScope: string[] | null }>
export type AddAccessibleLock = Command<
  'AddAccessibleLock',
  {
    lockId: string
    lockName: string
    accessLevel: 'OWNER' | 'ADMIN' | 'USER' | 'GUEST'
    validFrom: string | null
    validUntil: string | null
    grantedBy: string
  }
>
export type RemoveAccessibleLock = Command<'RemoveAccessibleLock', { lockId: string; removedBy: string; reason: string }>

export type UserCommand =
  | CreateUser
  | UpdatePhoneNumber
  | UpdateEmail
  | ChangePassword
  | IssueLoginLink
  | AddPhysicalKey
  | RemovePhysicalKey
  | AddAccessibleLock
  | RemoveAccessibleLock
