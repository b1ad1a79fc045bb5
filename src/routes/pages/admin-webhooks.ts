// /admin/webhooks: the console's overview of every organisation's webhook subscriptions and their delivery state
// (the same view model and cards as an organisation's own page, src/routes/pages/webhooks.ts), 50 a page.
import { Elysia, t } from 'elysia'
import type { Deps } from '../../deps'
import { findOrg } from '../../projections/orgs'
import { listAllSubscriptions } from '../../webhooks/subscriptions'
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
      const { rows, total } = listAllSubscriptions(deps.db, { limit: PAGE_SIZE, offset }, deps.clock.now())
      // Rows come by organisation: consecutive rows of one organisation make one group.
      const groups: OrgSubscriptions[] = []
      for (const row of rows) {
        const last = groups.at(-1)
        const view = subscriptionView(deps, row)
        if (last?.org.orgId === row.orgId) last.subscriptions.push(view)
        else groups.push({ org: { orgId: row.orgId, name: findOrg(deps.db, row.orgId)?.name ?? row.orgId }, subscriptions: [view] })
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
