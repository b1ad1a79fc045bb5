// /: the start page, for a visitor and for a signed-in person (their places, by role).
import { Elysia } from 'elysia'
import { isSiteAdmin } from '../../auth/site-admins'
import type { Deps } from '../../deps'
import { countOwnedLocks } from '../../projections/locks'
import { HomePage } from '../../../views/pages/home'
import { HOME_PATH } from '../../../views/paths'
import { signedIn, staffOrgsOf } from './common'
import { html, pagePlugin } from './support'

export const homePages = (deps: Deps) =>
  new Elysia({ name: 'pages.home', detail: { hide: true } }).use(pagePlugin(deps)).get(HOME_PATH, async ({ sessionUserId, csrfToken }) => {
    const me = signedIn(deps, sessionUserId)
    if (!me) return html(await HomePage({ signedIn: false, csrfToken }))
    const view = {
      signedIn: true as const,
      csrfToken,
      signedInAs: me.email ?? me.userId,
      isAdmin: isSiteAdmin(deps.db, me.userId),
      lockCount: countOwnedLocks(deps.db, me.userId),
      staffOrgs: staffOrgsOf(deps, me.userId),
    }
    return html(await HomePage(view))
  })
