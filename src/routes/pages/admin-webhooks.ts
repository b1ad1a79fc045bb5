// /admin/webhooks: the console's overview of every organisation's webhook subscriptions and their delivery state
// (the same view model and cards as an organisation's own page, src/routes/pages/webhooks.ts), 50 a page.
import { Elysia, t } from 'elysia'
import type { Deps } from '../../deps'
import { AdminWebhooksPage, type OrgSubscriptions } from '../../../views/pages/admin-webhooks'
import { openConsole } from './admin'
import { html, pagePlugin } from './support'
import { subscriptionView } from './webhooks'

const PAGE_SIZE = 50

export const adminWebhookPages = (deps: Deps) =>
  new Elysia({ name: 'pages.admin-webhooks', detail: { hide: true } }).use(pagePlugin(deps)).get(
    '/admin/webhooks',
    async ({ query, ...context }) => {
      const session = await openConsole(deps, context)
      if (session instanceof Response) return session
      const offset = query.offset ?? 0
      const { rows, total } = await deps.data.listAllSubscriptions({ limit: PAGE_SIZE, offset }, deps.clock.now())
      const views = await Promise.all(rows.map(async (row) => ({ orgId: row.orgId, view: await subscriptionView(deps, row) })))
      // Rows come by organisation: consecutive rows of one organisation make one group.
      const groups: OrgSubscriptions[] = []
      for (const { orgId, view } of views) {
        const last = groups.at(-1)
        if (last?.org.orgId === orgId) last.subscriptions.push(view)
        else groups.push({ org: { orgId, name: (await deps.data.findOrg(orgId))?.name ?? orgId }, subscriptions: [view] })
      }
      const page = {
        csrfToken: session.csrfToken,
        signedInAs: session.signedInAs,
        groups,
        offset,
        shown: rows.length,
        total,
        pageSize: PAGE_SIZE,
      }
      return html(await AdminWebhooksPage(page))
    },
    { query: t.Object({ offset: t.Optional(t.Integer({ minimum: 0, maximum: 1_000_000 })) }) },
  )
