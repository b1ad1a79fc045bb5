// Lock pages for a signed-in user: /locks (the locks they own) and /locks/{id} (a lock they may use), whose Open
// button runs the API's OpenLock logic; its owner also reads the activity log there (?before= pages back). The API's
// lock rules apply: someone else's lock is a 404 page.
import { Elysia, t } from 'elysia'
import { authorizeLock, isLockManager } from '../../auth/lock-access'
import type { Authenticated } from '../../auth/principal'
import type { Lock, User } from '../../db/schema'
import type { Deps } from '../../deps'
import type { LockOpen as DeviceResult } from '../../locks/doors'
import { lockActivity } from '../../locks/activity'
import type { ActivityView } from '../../../views/components/lock-activity'
import { ActivitySection, LockDetailPage, type LockDetailView, type OpenOutcome, OpenResult } from '../../../views/pages/locks-detail'
import { LocksPage } from '../../../views/pages/locks'
import { activityCursor, Cursor } from '../cursor'
import { eventMetadata, LockIdParams } from '../models'
import { headerFor, lockTitle, signedIn } from './common'
import { html, isHtmx, pagePlugin, redirect, verifyCsrf } from './support'
import { lockPath, lockUrl, LOCKS_PATH, loginUrl } from '../../../views/paths'

// Literals, not t.UnionEnum: Elysia fills a missing optional UnionEnum query value with its first member, which made
// every visit say "The door is open.".
const OpenStatus = t.Union([t.Literal('opened'), t.Literal('offline'), t.Literal('failed')])

const asCaller = (user: User): Authenticated => ({ kind: 'user', userId: user.userId })

// `cursor` '' is the newest page.
async function activityView(deps: Deps, lock: Lock, cursor: string): Promise<ActivityView> {
  const page = await lockActivity(deps, lock, cursor === '' ? null : activityCursor.decode(cursor))
  return {
    entries: page.entries,
    olderUrl: page.before === null ? null : lockUrl(lock.lockId, { before: activityCursor.encode(page.before) }),
    newestUrl: cursor === '' ? null : lockPath(lock.lockId),
  }
}

type Reader = { me: User; csrfToken: string; cursor: string }

async function manageView(deps: Deps, lock: Lock, cursor: string): Promise<NonNullable<LockDetailView['manage']>> {
  const [keys, residents, activity] = await Promise.all([
    deps.data.listLockKeys(lock.lockId),
    deps.data.listLockResidents(lock.lockId),
    activityView(deps, lock, cursor),
  ])
  return {
    keys: keys.map((k) => ({ uuid: k.keyUuid, indexNumber: k.keyIndexNumber, userId: k.userId })),
    residents: residents.map((r) => ({ name: r.name, email: r.email })),
    activity,
  }
}

async function detailView(deps: Deps, { me, csrfToken, cursor }: Reader, lock: Lock, open: OpenOutcome | null): Promise<LockDetailView> {
  // For a signed-in user, managing a lock means owning it (an org manages through its API key).
  const manages = await isLockManager(deps, asCaller(me), lock)
  const [manage, header] = await Promise.all([manages ? manageView(deps, lock, cursor) : null, headerFor(deps, me.userId)])
  const { lockId, uuid, serialNumber, vendorName, orgId } = lock
  const access = manages ? 'Owner' : 'Key holder'
  const facts = { lockId, name: lockTitle(lock), uuid, serialNumber, vendorName, orgId }
  return { csrfToken, ...header, lock: facts, access, manage, open }
}

const outcomeOf = (result: DeviceResult): OpenOutcome =>
  result.status === 'failed' ? { status: 'failed' } : { status: result.offline ? 'offline' : 'opened' }

export const lockPages = (deps: Deps) =>
  new Elysia({ name: 'pages.locks', detail: { hide: true } })
    .use(pagePlugin(deps))
    .get(LOCKS_PATH, async ({ request, sessionUserId, csrfToken }) => {
      const me = await signedIn(deps, sessionUserId)
      if (!me) return redirect(request, loginUrl(LOCKS_PATH))
      const [owned, header] = await Promise.all([deps.data.listOwnedLocks(me.userId), headerFor(deps, me.userId)])
      const locks = owned.map(({ lock, keysCount, residentCount }) => ({
        lockId: lock.lockId,
        name: lockTitle(lock),
        keysCount,
        residentCount,
      }))
      return html(await LocksPage({ csrfToken, ...header, locks }))
    })
    .get(
      `${LOCKS_PATH}/:id`,
      async ({ params, query, request, sessionUserId, csrfToken }) => {
        const me = await signedIn(deps, sessionUserId)
        if (!me) return redirect(request, loginUrl(lockPath(params.id)))
        const lock = await authorizeLock(deps, asCaller(me), params.id, 'use')
        const open = query.open ? { status: query.open } : null
        return html(await LockDetailPage(await detailView(deps, { me, csrfToken, cursor: query.before ?? '' }, lock, open)))
      },
      {
        params: LockIdParams,
        query: t.Object({ open: t.Optional(OpenStatus), before: t.Optional(Cursor) }),
      },
    )
    .post(
      `${LOCKS_PATH}/:id/open`,
      async ({ params, body, request, sessionUserId }) => {
        verifyCsrf(deps, request, body)
        const me = await signedIn(deps, sessionUserId)
        if (!me) return redirect(request, loginUrl(lockPath(params.id)))
        const lock = await authorizeLock(deps, asCaller(me), params.id, 'use')
        const input = { requestId: null, reason: 'web', userId: me.userId }
        const open = outcomeOf(await deps.doors.openLock(params.id, input, eventMetadata(request, asCaller(me))))
        if (isHtmx(request)) {
          const result = await OpenResult({ open })
          if (!(await isLockManager(deps, asCaller(me), lock))) return html(result)
          return html(result + (await ActivitySection({ activity: await activityView(deps, lock, ''), outOfBand: true })))
        }
        return redirect(request, lockUrl(params.id, { open: open.status }))
      },
      { params: LockIdParams, body: t.Object({ _csrf: t.Optional(t.String()) }) },
    )
