// English: the guest's pages (temp key, confirmation, not found), sign-in and the header. It defines Messages, so a
// key missing from another language is a compile error.
import type { RefusalReason } from '../../src/domain/lock/events'
import type { Weekday } from '../../src/domain/lock/state'
import type { TempKeyStatus } from '../../src/domain/lock/temp-key-status'

// Why a guest's open was refused, as the guest page says it: the key's own reasons, too many tries, a silent lock.
export type GuestRefusal = RefusalReason | 'rate-limited' | 'lock-failed'

export const en = {
  languageName: 'English',
  nav: { main: 'Main', start: 'Start', myLocks: 'My locks', myKeys: 'My keys', admin: 'Admin', signIn: 'Sign in', signOut: 'Sign out' },
  language: 'Language',
  status: {
    valid: 'Valid',
    'not-yet-valid': 'Not valid yet',
    expired: 'Expired',
    'used-up': 'Used up',
    deleted: 'Deleted',
  } satisfies Record<TempKeyStatus, string>,
  days: { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' } satisfies Record<Weekday, string>,
  guest: {
    eyebrow: 'Temporary key',
    lockNumber: (lockId: number) => `Lock ${lockId}`,
    lock: 'Lock',
    opened: 'Door opened.',
    openedHint: 'You can go in now.',
    sent: 'The door open command was sent.',
    offlineHint: 'The lock is offline right now; it opens as soon as it reconnects.',
    reference: 'Reference:',
    open: 'Open the door',
    opening: 'Opening…',
    notYetValid: 'Not valid yet',
    nextWindow: 'The next time this key opens the door:',
    opensFrom: 'This key opens the door from',
    cannotOpenNow: 'This key cannot open the door right now.',
    expiredTitle: 'This key has expired',
    validUntilWas: 'It was valid until',
    askForNew: 'Ask the person who shared it for a new link.',
    usedUpTitle: 'This key has been used up',
    usedUpText: 'It has opened the door as many times as allowed.',
    deletedTitle: 'This key was deleted',
    deletedText: 'Its owner withdrew it; it no longer opens the door.',
    validFrom: 'Valid from',
    validUntil: 'Valid until',
    usesLeft: 'Uses left',
    unlimited: 'Unlimited',
    usesOf: (left: number, max: number) => `${left} of ${max}`,
    opensOnly: 'Opens only',
    signInTitle: 'Sign in to use this key',
    signInText: 'This key was shared with specific people. Sign in with the account it was shared with to open the door.',
    signIn: 'Sign in',
    notListedTitle: 'This key was not shared with your account',
    notListedText: (who: string) => `You are signed in as ${who}. Sign in with the account the key was shared with.`,
    anotherUser: 'another user',
    useAnother: 'Use another account',
  },
  refusals: {
    'not-yet-valid': 'This key is not valid yet.',
    expired: 'This key has expired.',
    'used-up': 'This key has been used up.',
    deleted: 'This key has been deleted.',
    'sign-in-required': 'Sign in to use this key.',
    'not-allowed': 'This key was not shared with your account.',
    'code-only': 'This door opens only with the PIN at its entrance panel.',
    'key-only': 'This door does not open with a PIN.',
    'rate-limited': 'Too many tries. Wait a minute and try again.',
    'lock-failed': 'The lock did not answer. Nothing was recorded; try again.',
  } satisfies Record<GuestRefusal, string>,
  notFound: {
    title: 'Key not found',
    text: 'This link does not belong to any key. Check that you copied the whole link, or ask for a new one.',
  },
  confirmation: {
    title: 'Open command sent',
    heading: 'The door open command was sent',
    queued: 'The lock was offline, so the command is queued: the door opens as soon as the lock reconnects.',
    received: 'The lock received the command.',
    lock: 'Lock',
    lockUuid: 'Lock UUID',
    back: 'Back to the key',
  },
  login: {
    title: 'Sign in',
    email: 'Email',
    password: 'Password',
    submit: 'Sign in',
    noPassword: 'No password? Ask your administrator for a one-time sign-in link.',
    wrong: 'Wrong email or password.',
    linkText: 'This one-time link signs you in on this device.',
    continue: 'Continue',
    linkExpired: 'This sign-in link has expired or was already used.',
    askNewLink: 'Ask for a new link, or',
    withPassword: 'sign in with your password',
  },
}

export type Messages = typeof en
