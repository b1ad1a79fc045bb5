// /: the start page, for a visitor and for a signed-in person (their places, by role).
import { Elysia } from 'elysia'
import type { Deps } from '../../deps'
import { HomePage } from '../../../views/pages/home'
import { HOME_PATH } from '../../../views/paths'
import { signedIn, staffOrgsOf } from './common'
import { html, pagePlugin } from './support'

export const homePages = (deps: Deps) =>
  new Elysia({ name: 'pages.home', detail: { hide: true } }).use(pagePlugin(deps)).get(HOME_PATH, async ({ sessionUserId, csrfToken }) => {
    const me = await signedIn(deps, sessionUserId)
    if (!me) return html(await HomePage({ signedIn: false, csrfToken }))
    const [isAdmin, lockCount, staffOrgs] = await Promise.all([
      deps.data.isSiteAdmin(me.userId),
      deps.data.countOwnedLocks(me.userId),
      staffOrgsOf(deps, me.userId),
    ])
    const view = { signedIn: true as const, csrfToken, signedInAs: me.email ?? me.userId, isAdmin, lockCount, staffOrgs }
    return html(await HomePage(view))
  })
