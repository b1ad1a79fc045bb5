// What several page controllers (and the documented open endpoint's browser answer) share: finding a key from a
// link, how a lock and a schedule read on a page, who is signed in, and the guest page's view model.
import type { Lock, PhysicalKeyRow, TempKeyRow, User } from '../../db/schema'
import type { Deps } from '../../deps'
import { DomainError, RateLimited } from '../../domain/errors'
import { refusalReasonOf } from '../../domain/lock/decide'
import { DriverFailed } from '../../locks/doors'
import type { Schedule } from '../../domain/lock/state'
import { usesLeft } from '../../domain/lock/temp-key-status'
import { normaliseKeyUuid, tempKeyFacts } from '../../locks/temp-keys'
import { newOnceToken } from '../../reads/page-template'
import type { KeyView } from '../../../views/components/physical-keys'
import { type GuestRefusal, type Lang, type Messages, messagesFor } from '../../../views/i18n'
import { en } from '../../../views/i18n/en'
import type { GuestKeyView, GuestResult } from '../../../views/pages/temp-key'
import { guestPath, loginUrl } from '../../../views/paths'
import { physicalKeyCursor } from '../cursor'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
// Set by a successful plain-form open, read (and cleared) by the next page view: "Door opened" shows once.
export const OPENED_COOKIE = 'spkey_opened'

export const findKey = async (deps: Deps, uuid: string): Promise<TempKeyRow | undefined> =>
  UUID.test(uuid) ? deps.data.findTempKey(normaliseKeyUuid(uuid)) : undefined

// What a lock is called on a page: its name, else its id (never its serial number, which means nothing to a person).
export const lockTitle = (lock: Pick<Lock, 'lockId' | 'name'>) => lock.name ?? `Lock ${lock.lockId}`

// A guest's lock line: its name, else its id and vendor (the page's language says "Lock").
export const lockLabel = (lock: Pick<Lock, 'lockId' | 'name' | 'vendorName'> | undefined, lockId: number, t: Messages = en) =>
  lock?.name ?? (lock?.vendorName ? `${t.guest.lockNumber(lockId)} · ${lock.vendorName}` : t.guest.lockNumber(lockId))

export const describeSchedule = (schedule: Schedule | undefined, t: Messages = en): string[] =>
  schedule ? schedule.weekly.map((w) => `${w.days.map((d) => t.days[d]).join(', ')} ${w.from}–${w.until} (${schedule.timezone})`) : []

export const emailOf = async (deps: Deps, userId: string | null) =>
  userId === null ? null : ((await deps.data.findUser(userId))?.email ?? userId)

// What the header shows a signed-in user: who they are, and the console's entry when they are a site administrator.
export async function headerFor(deps: Deps, userId: string) {
  const [user, isAdmin] = await Promise.all([deps.data.findUser(userId), deps.data.isSiteAdmin(userId)])
  return { signedInAs: user?.email ?? userId, isAdmin }
}

// The signed-in user's id, as signedIn decides it.
export const sessionUser = async (deps: Deps, userId: string | null) => (await signedIn(deps, userId))?.userId ?? null

export type Viewer = { userId: string | null; csrfToken: string; lang: Lang }

export async function guestView(deps: Deps, row: TempKeyRow, viewer: Viewer, result: GuestResult | null): Promise<GuestKeyView> {
  const t = messagesFor(viewer.lang)
  const facts = tempKeyFacts(row, deps.clock.now())
  const [lock, signedInAs] = await Promise.all([deps.data.findLock(row.lockId), emailOf(deps, viewer.userId)])
  const access =
    facts.accessMode === 'public' || (viewer.userId !== null && facts.allowedUserIds.includes(viewer.userId))
      ? 'granted'
      : viewer.userId === null
        ? 'sign-in'
        : 'not-listed'
  return {
    lang: viewer.lang,
    uuid: row.uuid,
    lockLabel: lockLabel(lock, row.lockId, t),
    lockUuid: row.lockUuid,
    description: facts.description ?? null,
    validFrom: facts.validFrom,
    validUntil: facts.validUntil,
    status: facts.status,
    maxUses: facts.maxUses,
    usesLeft: usesLeft(facts),
    scheduleLines: describeSchedule(facts.schedule, t),
    nextWindow: facts.nextWindow ?? null,
    access,
    signInUrl: loginUrl(guestPath(row.uuid)),
    signedInAs,
    csrfToken: viewer.csrfToken,
    onceToken: newOnceToken(),
    result,
  }
}

// The guest pages word the refusals they know in the guest's language; any other shows its own message.
export function guestRefusal(error: DomainError): GuestRefusal | null {
  const reason = refusalReasonOf(error)
  if (reason !== null) return reason
  if (error instanceof RateLimited) return 'rate-limited'
  if (error instanceof DriverFailed) return 'lock-failed'
  return null
}

// Domain refusals render on the page; anything else is the server's problem and goes to the error mapper.
export async function settle<T>(work: () => Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: DomainError }> {
  try {
    return { ok: true, value: await work() }
  } catch (error) {
    if (error instanceof DomainError) return { ok: false, error }
    throw error
  }
}

// The page's own address, query included: where to come back to after signing in.
export const here = (request: Request) => {
  const url = new URL(request.url)
  return url.pathname + url.search
}

export const toKeyView = ({ number, orgId, orgName, note, addedAt }: PhysicalKeyRow): KeyView => ({ number, orgId, orgName, note, addedAt })

// A session for a user that no longer exists counts as signed out.
export const signedIn = async (deps: Deps, sessionUserId: string | null): Promise<User | null> =>
  sessionUserId === null ? null : ((await deps.data.findUser(sessionUserId)) ?? null)

// The organisations a user is staff of, by name (the start page and My keys link to their desks).
export async function staffOrgsOf(deps: Deps, userId: string): Promise<{ orgId: string; name: string }[]> {
  const orgs = await Promise.all((await deps.data.staffOrgIds(userId)).map((orgId) => deps.data.findOrg(orgId)))
  return orgs.flatMap((org) => (org ? [{ orgId: org.orgId, name: org.name }] : []))
}

// Both pages list a user's keys a page at a time; `cursor` ('' = the first page) comes from their own Next page links.
const PAGE_SIZE = 50

export async function keysPage(deps: Deps, userId: string, orgIds: string[] | null, q: string, cursor: string) {
  const after = cursor === '' ? null : physicalKeyCursor.decode(cursor)
  const filter = { orgIds, ...(q !== '' ? { q } : {}) }
  const { keys, total, next } = await deps.data.listPhysicalKeys(userId, filter, { after, limit: PAGE_SIZE })
  return { keys: keys.map(toKeyView), total, nextCursor: next === null ? null : physicalKeyCursor.encode(next) }
}
