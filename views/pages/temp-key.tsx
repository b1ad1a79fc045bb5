// /temp-keys/{uuid}: the guest page behind a shared link. TempKeyCard is also the fragment htmx swaps in after an
// open, so the inline result and the page after a redirect are one piece of markup.
import type { TempKeyStatus } from '../../src/domain/lock/temp-key-status'
import { LocalTime } from '../components/local-time'
import { StatusBadge } from '../components/temp-key-status'
import { Layout } from '../layout'
import { openPath } from '../paths'

export type GuestResult = { kind: 'opened' } | { kind: 'offline' } | { kind: 'refused'; message: string; reference: string | null }

export type GuestKeyView = {
  uuid: string
  lockLabel: string
  lockUuid: string
  description: string | null
  validFrom: string
  validUntil: string
  status: TempKeyStatus
  maxUses: number | null
  usesLeft: number | null
  scheduleLines: string[]
  nextWindow: string | null
  // Whitelist keys show their details and the Open button only to a listed, signed-in user.
  access: 'granted' | 'sign-in' | 'not-listed'
  signInUrl: string
  signedInAs: string | null
  csrfToken: string
  onceToken: string
  result: GuestResult | null
}

function Result({ result }: { result: GuestResult | null }): JSX.Element {
  if (!result) return ''
  if (result.kind === 'opened') {
    return (
      <p class="notice ok result" role="status" tabindex="-1">
        <strong>Door opened.</strong> You can go in now.
      </p>
    )
  }
  if (result.kind === 'offline') {
    return (
      <p class="notice warn result" role="status" tabindex="-1">
        <strong>The door open command was sent.</strong> The lock is offline right now; it opens as soon as it reconnects.
      </p>
    )
  }
  return (
    <div class="notice bad result" role="alert" tabindex="-1">
      <p safe>{result.message}</p>
      {result.reference ? (
        <p class="muted">
          Reference: <code safe>{result.reference}</code>
        </p>
      ) : (
        ''
      )}
    </div>
  )
}

function OpenForm({ uuid, csrfToken, onceToken }: Pick<GuestKeyView, 'uuid' | 'csrfToken' | 'onceToken'>): JSX.Element {
  const action = openPath(uuid)
  return (
    <form
      method="post"
      action={action}
      hx-post={action}
      hx-target="#temp-key"
      hx-swap="innerHTML"
      hx-disabled-elt="find button"
      class="open-form"
    >
      <input type="hidden" name="_csrf" value={csrfToken} />
      <input type="hidden" name="_once" value={onceToken} />
      <button type="submit" class="big open-button">
        Open the door
      </button>
      <p class="htmx-indicator muted" aria-hidden="true">
        Opening…
      </p>
    </form>
  )
}

// What the guest can do now, by status: the button while valid, otherwise why not.
function Action(view: GuestKeyView): JSX.Element {
  switch (view.status) {
    case 'valid':
      return <OpenForm uuid={view.uuid} csrfToken={view.csrfToken} onceToken={view.onceToken} />
    case 'not-yet-valid': {
      // A scheduled key waits for its next window (none left before validUntil: null); others for validFrom.
      const from = view.scheduleLines.length > 0 ? view.nextWindow : view.validFrom
      return (
        <div class="state-message warn">
          <h2>Not valid yet</h2>
          {from ? (
            <p>
              {view.scheduleLines.length > 0 ? 'The next time this key opens the door: ' : 'This key opens the door from '}
              <LocalTime iso={from} />.
            </p>
          ) : (
            <p>This key cannot open the door right now.</p>
          )}
        </div>
      )
    }
    case 'expired':
      return (
        <div class="state-message bad">
          <h2>This key has expired</h2>
          <p>
            It was valid until <LocalTime iso={view.validUntil} />. Ask the person who shared it for a new link.
          </p>
        </div>
      )
    case 'used-up':
      return (
        <div class="state-message bad">
          <h2>This key has been used up</h2>
          <p>It has opened the door as many times as allowed. Ask the person who shared it for a new link.</p>
        </div>
      )
    case 'deleted':
      return (
        <div class="state-message bad">
          <h2>This key was deleted</h2>
          <p>Its owner withdrew it; it no longer opens the door.</p>
        </div>
      )
  }
}

function Facts(view: GuestKeyView): JSX.Element {
  return (
    <dl class="facts">
      <div>
        <dt>Valid from</dt>
        <dd>
          <LocalTime iso={view.validFrom} />
        </dd>
      </div>
      <div>
        <dt>Valid until</dt>
        <dd>
          <LocalTime iso={view.validUntil} />
        </dd>
      </div>
      <div>
        <dt>Uses left</dt>
        <dd safe>{view.usesLeft === null ? 'Unlimited' : `${view.usesLeft} of ${view.maxUses ?? view.usesLeft}`}</dd>
      </div>
      {view.scheduleLines.length > 0 ? (
        <div>
          <dt>Opens only</dt>
          <dd>
            {view.scheduleLines.map((line) => (
              <span class="schedule-line" safe>
                {line}
              </span>
            ))}
          </dd>
        </div>
      ) : (
        ''
      )}
    </dl>
  )
}

function Gate(view: GuestKeyView): JSX.Element {
  if (view.access === 'sign-in') {
    return (
      <div class="state-message">
        <h2>Sign in to use this key</h2>
        <p>This key was shared with specific people. Sign in with the account it was shared with to open the door.</p>
        <a class="button big" href={view.signInUrl}>
          Sign in
        </a>
      </div>
    )
  }
  return (
    <div class="state-message bad">
      <h2>This key was not shared with your account</h2>
      <p safe>{`You are signed in as ${view.signedInAs ?? 'another user'}. Sign in with the account the key was shared with.`}</p>
      <a class="button secondary" href={view.signInUrl}>
        Use another account
      </a>
    </div>
  )
}

// The card: lock, status and what the guest can do (or why not).
export function TempKeyCard(view: GuestKeyView): JSX.Element {
  const granted = view.access === 'granted' || view.status === 'deleted'
  return (
    <section class="card temp-key" aria-labelledby="temp-key-title">
      <p class="eyebrow">Temporary key</p>
      <h1 id="temp-key-title" safe>
        {view.lockLabel}
      </h1>
      <p class="muted lock-uuid">
        Lock <code safe>{view.lockUuid}</code>
      </p>
      <Result result={view.result} />
      {granted ? (
        <>
          <p>
            <StatusBadge status={view.status} />
          </p>
          {view.description && view.status !== 'deleted' ? (
            <p class="description" safe>
              {view.description}
            </p>
          ) : (
            ''
          )}
          {view.status !== 'deleted' ? <Facts {...view} /> : ''}
          <Action {...view} />
        </>
      ) : (
        <Gate {...view} />
      )}
    </section>
  )
}

export function TempKeyPage(view: GuestKeyView): JSX.Element {
  return (
    <Layout title={view.lockLabel} csrfToken={view.csrfToken} signedInAs={view.signedInAs ?? undefined}>
      <div id="temp-key" class="temp-key-live" data-swap-errors="">
        <TempKeyCard {...view} />
      </div>
      <script src="/public/temp-keys.js" defer></script>
    </Layout>
  )
}

// An unknown link: 404, with no hint whether such a key ever existed elsewhere.
export function TempKeyNotFoundCard(): JSX.Element {
  return (
    <section class="card temp-key error" aria-labelledby="temp-key-title">
      <h1 id="temp-key-title">Key not found</h1>
      <p>This link does not belong to any key. Check that you copied the whole link, or ask for a new one.</p>
    </section>
  )
}

export function TempKeyNotFoundPage(): JSX.Element {
  return (
    <Layout title="Key not found">
      <TempKeyNotFoundCard />
    </Layout>
  )
}

export type ConfirmationView = { uuid: string; lockLabel: string; lockUuid: string; offline: boolean }

// /temp-keys/{uuid}/confirmation: the open command was sent (queued when the lock was offline).
export function TempKeyConfirmationPage(view: ConfirmationView): JSX.Element {
  return (
    <Layout title="Open command sent">
      <section class="card temp-key" aria-labelledby="confirmation-title">
        <p class="eyebrow">Temporary key</p>
        <h1 id="confirmation-title">The door open command was sent</h1>
        {view.offline ? (
          <p class="notice warn" role="status">
            The lock was offline, so the command is queued: the door opens as soon as the lock reconnects.
          </p>
        ) : (
          <p class="notice ok" role="status">
            The lock received the command.
          </p>
        )}
        <dl class="facts">
          <div>
            <dt>Lock</dt>
            <dd safe>{view.lockLabel}</dd>
          </div>
          <div>
            <dt>Lock UUID</dt>
            <dd>
              <code safe>{view.lockUuid}</code>
            </dd>
          </div>
        </dl>
        <p>
          <a href={`/temp-keys/${view.uuid}`}>Back to the key</a>
        </p>
      </section>
      <script src="/public/temp-keys.js" defer></script>
    </Layout>
  )
}
