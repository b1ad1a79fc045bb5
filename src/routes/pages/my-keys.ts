// /me/keys: a signed-in user's own physical keys, searchable and a page at a time, with links to the key desks of the
// organisations they are staff of.
import { Elysia, t } from 'elysia'
import type { Deps } from '../../deps'
import { MyKeysPage, MyKeysTable } from '../../../views/pages/my-keys'
import { loginUrl, MY_KEYS_PATH, myKeysUrl } from '../../../views/paths'
import { Cursor } from '../cursor'
import { headerFor, here, keysPage, signedIn, staffOrgsOf } from './common'
import { html, isHtmx, pagePlugin, redirect } from './support'

const Search = t.Optional(t.String({ maxLength: 500 }))

export const myKeysPages = (deps: Deps) =>
  new Elysia({ name: 'pages.my-keys', detail: { hide: true } }).use(pagePlugin(deps)).get(
    MY_KEYS_PATH,
    async ({ query, request, sessionUserId, csrfToken }) => {
      const me = await signedIn(deps, sessionUserId)
      if (!me) return redirect(request, loginUrl(here(request)))
      const q = query.q ?? ''
      const cursor = query.cursor ?? ''
      const { nextCursor, ...page } = await keysPage(deps, me.userId, null, q, cursor)
      const table = {
        q,
        ...page,
        nextPage: nextCursor && myKeysUrl({ q, cursor: nextCursor }),
        firstPage: cursor === '' ? null : myKeysUrl({ q }),
      }
      if (isHtmx(request)) return html(await MyKeysTable(table))
      const [header, staffOrgs] = await Promise.all([headerFor(deps, me.userId), staffOrgsOf(deps, me.userId)])
      return html(await MyKeysPage({ ...table, csrfToken, ...header, staffOrgs }))
    },
    { query: t.Object({ q: Search, cursor: t.Optional(Cursor) }) },
  )
