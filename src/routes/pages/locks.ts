// Lock pages for a signed-in user: /locks (the locks they own) and /locks/{id} (a lock they may use), whose Open
// button runs the API's OpenLock logic. The API's lock rules apply: someone else's lock is a 404 page.
import { Elysia, t } from 'elysia'
import { authorizeLock, isLockManager } from '../../auth/lock-access'
import type { Authenticated } from '../../auth/principal'
import type { Lock, User } from '../../db/schema'
import type { Deps } from '../../deps'
import type { LockOpen as DeviceResult } from '../../locks/doors'
import { type HistoryEntry, lockHistory } from '../../locks/history'
import { listLockKeys, listLockResidents, listOwnedLocks } from '../../projections/locks'
import { findUser } from '../../projections/users'
import type { LockEventView } from '../../../views/components/lock-events'
import { LockDetailPage, type LockDetailView, type OpenOutcome, OpenResult } from '../../../views/pages/locks-detail'
import { LocksPage } from '../../../views/pages/locks'
import { eventMetadata, LockIdParams } from '../models'
import { html, isHtmx, pagePlugin, redirect, verifyCsrf } from './support'
import { lockPath, LOCKS_PATH } from '../../../views/paths'

const loginUrl = (next: string) => `/login?next=${encodeURIComponent(next).replaceAll('%2F', '/')}`

// A session for a user that no longer exists counts as signed out.
const signedIn = (deps: Deps, sessionUserId: string | null): User | null =>
  sessionUserId === null ? null : (findUser(deps.db, sessionUserId) ?? null)

const asCaller = (user: User): Authenticated => ({ kind: 'user', userId: user.userId })

const str = (value: unknown) => (typeof value === 'string' ? value : '')

// One line a person can read next to the event name.
function summary(entry: HistoryEntry): string {
  const data = entry.event.data
  switch (entry.type) {
    case 'LockOpenRequested':
      return str(data.reason)
    case 'KeyAdded':
    case 'KeyRemoved':
    case 'KeyWriteRequested':
      return str(data.keyUuid)
    case 'ResidentAdded':
      return str(data.name)
    case 'OwnerSet':
      return str(data.userId)
    case 'OrganizationSet':
      return str(data.orgId)
    case 'LockUuidChanged':
      return str(data.newUuid)
    default:
      return ''
  }
}

function recentEvents(deps: Deps, lock: Lock): LockEventView[] {
  return lockHistory(deps, lock, undefined)
    .events.map((entry) => ({ version: entry.version, type: entry.type, timestamp: entry.timestamp, summary: summary(entry) }))
    .reverse()
}

function detailView(deps: Deps, me: User, lock: Lock, csrfToken: string, open: OpenOutcome | null): LockDetailView {
  // For a signed-in user, managing a lock means owning it (an org manages through its API key).
  const manages = isLockManager(deps, asCaller(me), lock)
  const manage = manages
    ? {
        keys: listLockKeys(deps.db, lock.lockId).map((k) => ({ uuid: k.keyUuid, indexNumber: k.keyIndexNumber, userId: k.userId })),
        residents: listLockResidents(deps.db, lock.lockId).map((r) => ({ name: r.name, email: r.email })),
        events: recentEvents(deps, lock),
      }
    : null
  const { lockId, uuid, serialNumber, vendorName, orgId } = lock
  const access = manages ? 'Owner' : 'Key holder'
  return { csrfToken, signedInAs: me.email ?? me.userId, lock: { lockId, uuid, serialNumber, vendorName, orgId }, access, manage, open }
}

const outcomeOf = (result: DeviceResult): OpenOutcome =>
  result.status === 'failed' ? { status: 'failed' } : { status: result.offline ? 'offline' : 'opened' }

export const lockPages = (deps: Deps) =>
  new Elysia({ name: 'pages.locks', detail: { hide: true } })
    .use(pagePlugin(deps))
    .get(LOCKS_PATH, async ({ request, sessionUserId, csrfToken }) => {
      const me = signedIn(deps, sessionUserId)
      if (!me) return redirect(request, loginUrl(LOCKS_PATH))
      const locks = listOwnedLocks(deps.db, me.userId).map(({ lock, keysCount, residentCount }) => ({
        lockId: lock.lockId,
        uuid: lock.uuid,
        serialNumber: lock.serialNumber,
        keysCount,
        residentCount,
      }))
      return html(await LocksPage({ csrfToken, signedInAs: me.email ?? me.userId, locks }))
    })
    .get(
      `${LOCKS_PATH}/:id`,
      async ({ params, query, request, sessionUserId, csrfToken }) => {
        const me = signedIn(deps, sessionUserId)
        if (!me) return redirect(request, loginUrl(lockPath(params.id)))
        const lock = authorizeLock(deps, asCaller(me), params.id, 'use')
        const open = query.open ? { status: query.open } : null
        return html(await LockDetailPage(detailView(deps, me, lock, csrfToken, open)))
      },
      { params: LockIdParams, query: t.Object({ open: t.Optional(t.UnionEnum(['opened', 'offline', 'failed'])) }) },
    )
    .post(
      `${LOCKS_PATH}/:id/open`,
      async ({ params, body, request, sessionUserId }) => {
        verifyCsrf(deps, request, body)
        const me = signedIn(deps, sessionUserId)
        if (!me) return redirect(request, loginUrl(lockPath(params.id)))
        authorizeLock(deps, asCaller(me), params.id, 'use')
        const input = { requestId: null, reason: 'web', userId: me.userId }
        const open = outcomeOf(await deps.doors.openLock(params.id, input, eventMetadata(request, asCaller(me))))
        if (isHtmx(request)) return html(await OpenResult({ open }))
        return redirect(request, `${lockPath(params.id)}?open=${open.status}`)
      },
      { params: LockIdParams, body: t.Object({ _csrf: t.Optional(t.String()) }) },
    )
