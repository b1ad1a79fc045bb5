// /orgs/{orgId}/webhooks: an organisation's partner webhooks at a glance: each subscription's health (status,
// last delivery, failures, dead letters, backlog), the latest attempts, and a replay form per subscription.
import { Layout } from '../layout'
import { orgWebhooksPath } from '../paths'

export type AttemptView = {
  id: number
  webhookId: string
  position: number
  eventType: string | null
  attempt: number
  state: string
  statusCode: number | null
  error: string | null
  durationMs: number | null
  at: number
}

export type SubscriptionView = {
  id: string
  url: string
  events: string[]
  status: string
  disabledReason: string | null
  checkpoint: number
  backlog: number
  backlogCapped: boolean
  failingSince: number | null
  lastDelivery: AttemptView | null
  lastFailure: AttemptView | null
  deadLetters: number
  // Suggested replay start: the oldest dead letter, else the next event.
  replayFrom: number
}

export type WebhooksPageView = {
  org: { orgId: string; name: string }
  csrfToken: string
  signedInAs: string
  isAdmin?: boolean
  subscriptions: SubscriptionView[]
  attempts: AttemptView[]
  notice: string | null
}

const TIME = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' })

function When({ at }: { at: number }): JSX.Element {
  return (
    <time datetime={new Date(at).toISOString()} safe>
      {`${TIME.format(at)} UTC`}
    </time>
  )
}

const outcome = (attempt: AttemptView) => (attempt.statusCode === null ? (attempt.error ?? 'no answer') : `HTTP ${attempt.statusCode}`)

function StatusBadge({ status }: { status: string }): JSX.Element {
  const tone = status === 'active' ? 'valid' : status === 'disabled' ? 'expired' : 'not-yet-valid'
  return (
    <span class={`badge ${tone}`} safe>
      {status}
    </span>
  )
}

export function SubscriptionCard({ sub, orgId, csrfToken }: { sub: SubscriptionView; orgId: string; csrfToken: string }): JSX.Element {
  const action = `${orgWebhooksPath(orgId)}/${encodeURIComponent(sub.id)}/replay`
  return (
    <section class="card webhook" id={`webhook-${sub.id}`}>
      <h2 safe>{sub.url}</h2>
      <p>
        <StatusBadge status={sub.status} />{' '}
        {sub.disabledReason ? (
          <span class="muted" safe>
            {sub.disabledReason}
          </span>
        ) : (
          ''
        )}
      </p>
      <dl>
        <dt>Events</dt>
        <dd safe>{sub.events.join(', ')}</dd>
        <dt>Last delivery</dt>
        <dd>
          {sub.lastDelivery ? (
            <>
              <When at={sub.lastDelivery.at} /> <span safe>{`· ${sub.lastDelivery.state} · ${outcome(sub.lastDelivery)}`}</span>
            </>
          ) : (
            'none yet'
          )}
        </dd>
        <dt>Last failure</dt>
        <dd>
          {sub.lastFailure ? (
            <>
              <When at={sub.lastFailure.at} /> <span safe>{`· ${outcome(sub.lastFailure)}`}</span>
            </>
          ) : (
            'none'
          )}
        </dd>
        <dt>Failing since</dt>
        <dd>{sub.failingSince === null ? 'healthy' : <When at={sub.failingSince} />}</dd>
        <dt>Dead letters</dt>
        <dd>{sub.deadLetters}</dd>
        <dt>Waiting</dt>
        <dd safe>{`${sub.backlog}${sub.backlogCapped ? '+' : ''} event(s) after position ${sub.checkpoint}`}</dd>
      </dl>
      <form method="post" action={action} hx-post={action} class="inline replay">
        <input type="hidden" name="_csrf" value={csrfToken} />
        <label for={`from-${sub.id}`}>Replay from position</label>
        <input id={`from-${sub.id}`} type="number" name="fromPosition" min="0" value={String(sub.replayFrom)} required />
        <button type="submit">Replay</button>
      </form>
    </section>
  )
}

function Attempts({ attempts }: { attempts: AttemptView[] }): JSX.Element {
  if (attempts.length === 0) return <p class="muted">No deliveries yet.</p>
  return (
    <table class="deliveries">
      <thead>
        <tr>
          <th scope="col">When</th>
          <th scope="col">Event</th>
          <th scope="col">Attempt</th>
          <th scope="col">State</th>
          <th scope="col">Answer</th>
          <th scope="col">Time</th>
        </tr>
      </thead>
      <tbody>
        {attempts.map((attempt) => (
          <tr>
            <td data-label="When">
              <When at={attempt.at} />
            </td>
            <td data-label="Event" safe>
              {attempt.position === 0 ? 'WebhookTest' : `${attempt.eventType ?? '?'} #${attempt.position}`}
            </td>
            <td data-label="Attempt">{attempt.attempt}</td>
            <td data-label="State" safe>
              {attempt.state}
            </td>
            <td data-label="Answer" safe>
              {attempt.error ?? outcome(attempt)}
            </td>
            <td data-label="Time" safe>
              {attempt.durationMs === null ? '' : `${attempt.durationMs} ms`}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

export function renderWebhooksPage(view: WebhooksPageView): JSX.Element {
  const { org, csrfToken, signedInAs, isAdmin, subscriptions, attempts, notice } = view
  return (
    <Layout title={`Webhooks · ${org.name}`} csrfToken={csrfToken} signedInAs={signedInAs} isAdmin={isAdmin}>
      <h1 safe>{`${org.name}: webhooks`}</h1>
      {notice ? (
        <p class="notice ok" role="status" safe>
          {notice}
        </p>
      ) : (
        ''
      )}
      {subscriptions.length === 0 ? (
        <p class="muted">No webhook subscriptions. Partners create them with POST /webhooks and their API key.</p>
      ) : (
        subscriptions.map((sub) => <SubscriptionCard sub={sub} orgId={org.orgId} csrfToken={csrfToken} />)
      )}
      <section class="card">
        <h2>Recent deliveries</h2>
        <Attempts attempts={attempts} />
      </section>
    </Layout>
  )
}
