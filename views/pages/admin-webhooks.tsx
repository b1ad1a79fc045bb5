// /admin/webhooks: every organisation's webhook subscriptions with their delivery state, grouped by organisation, a
// page at a time; each card is the one the organisation's own webhooks page shows (with its replay form).
import { AdminShell } from '../components/admin'
import { adminWebhooksUrl, orgWebhooksPath } from '../paths'
import { SubscriptionCard, type SubscriptionView } from './webhooks'

export type OrgSubscriptions = { org: { orgId: string; name: string }; subscriptions: SubscriptionView[] }

export type AdminWebhooksView = {
  csrfToken: string
  signedInAs: string
  groups: OrgSubscriptions[]
  offset: number
  shown: number
  total: number
  pageSize: number
}

function Pager({ offset, shown, total, pageSize }: Pick<AdminWebhooksView, 'offset' | 'shown' | 'total' | 'pageSize'>): JSX.Element {
  const next = offset + shown < total ? adminWebhooksUrl({ offset: offset + pageSize }) : null
  const previous = offset > 0 ? adminWebhooksUrl({ offset: Math.max(0, offset - pageSize) }) : null
  if (!next && !previous) return ''
  return (
    <nav class="pager" aria-label="Pages">
      <span class="muted" safe>{`Subscriptions ${shown === 0 ? 0 : offset + 1}–${offset + shown} of ${total}`}</span>
      {previous ? <a href={previous}>Previous page</a> : ''}
      {next ? <a href={next}>Next page</a> : ''}
    </nav>
  )
}

export function AdminWebhooksPage(view: AdminWebhooksView): JSX.Element {
  const { csrfToken, signedInAs, groups } = view
  return (
    <AdminShell title="Webhooks" section="webhooks" csrfToken={csrfToken} signedInAs={signedInAs}>
      <section class="card">
        <h1>Webhooks</h1>
        {view.total === 0 ? (
          <p class="muted">No organisation has a webhook subscription. Partners create them with POST /webhooks and their API key.</p>
        ) : (
          <p class="muted" safe>{`${view.total} subscription(s), by organisation.`}</p>
        )}
      </section>
      {groups.map((group) => (
        <>
          <section class="card">
            <h2 safe>{group.org.name}</h2>
            <p>
              <a href={orgWebhooksPath(group.org.orgId)} safe>{`${group.org.name}: webhooks page and recent deliveries`}</a>
            </p>
          </section>
          {group.subscriptions.map((sub) => (
            <SubscriptionCard sub={sub} orgId={group.org.orgId} csrfToken={csrfToken} />
          ))}
        </>
      ))}
      <Pager offset={view.offset} shown={view.shown} total={view.total} pageSize={view.pageSize} />
    </AdminShell>
  )
}
