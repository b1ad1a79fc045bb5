// /locks/{id}: one lock for a signed-in user who may use it: its details, the Open button (htmx swaps in the result
// from OpenResult, a plain form gets a 303 back here) and, for its managers, keys, residents and recent events.
import { LockEvents, type LockEventView } from '../components/lock-events'
import { Layout } from '../layout'
import { lockPath, LOCKS_PATH } from '../paths'

export type OpenOutcome = { status: 'opened' | 'offline' | 'failed'; detail?: string }

export type LockDetailView = {
  csrfToken: string
  signedInAs: string
  lock: { lockId: number; uuid: string; serialNumber: string | null; vendorName: string | null; orgId: string | null }
  // How the reader relates to the lock: 'Owner' or 'Key holder'.
  access: string
  // Keys, residents and events are shown only to the lock's managers (the history names temp-key links).
  manage: {
    keys: { uuid: string; indexNumber: number | null; userId: string | null }[]
    residents: { name: string; email: string | null }[]
    events: LockEventView[]
  } | null
  open: OpenOutcome | null
}

const OPEN_TEXT: Record<OpenOutcome['status'], { kind: string; text: string }> = {
  opened: { kind: 'ok', text: 'The door is open.' },
  offline: { kind: 'warn', text: 'The lock is offline: the open command is queued and runs when it reconnects.' },
  failed: { kind: 'bad', text: 'The lock did not respond. Nothing was recorded; try again.' },
}

// The fragment htmx swaps in after an open; the full page shows the same block after a plain form's redirect.
export function OpenResult({ open }: { open: OpenOutcome | null }): JSX.Element {
  if (!open) return <div id="open-result" role="status" aria-live="polite"></div>
  const { kind, text } = OPEN_TEXT[open.status]
  return (
    <div id="open-result" role="status" aria-live="polite">
      <p class={`notice ${kind}`} safe>
        {text}
      </p>
      {open.detail ? (
        <p class="muted" safe>
          {open.detail}
        </p>
      ) : (
        ''
      )}
    </div>
  )
}

function OpenForm({ lockId, csrfToken }: { lockId: number; csrfToken: string }): JSX.Element {
  const action = `${lockPath(lockId)}/open`
  return (
    <form
      method="post"
      action={action}
      hx-post={action}
      hx-target="#open-result"
      hx-swap="outerHTML"
      hx-disabled-elt="find button"
      class="open-form"
    >
      <input type="hidden" name="_csrf" value={csrfToken} />
      <button type="submit" class="big">
        Open the door <span class="htmx-indicator">…</span>
      </button>
    </form>
  )
}

function Facts({ lock, access }: Pick<LockDetailView, 'lock' | 'access'>): JSX.Element {
  return (
    <dl class="lock-facts">
      <dt>Your access</dt>
      <dd safe>{access}</dd>
      <dt>Lock id</dt>
      <dd>{lock.lockId}</dd>
      <dt>Device UUID</dt>
      <dd>
        <code safe>{lock.uuid}</code>
      </dd>
      <dt>Serial number</dt>
      <dd safe>{lock.serialNumber ?? '—'}</dd>
      <dt>Vendor</dt>
      <dd safe>{lock.vendorName ?? '—'}</dd>
      <dt>Organisation</dt>
      <dd safe>{lock.orgId ?? 'none'}</dd>
    </dl>
  )
}

const keyNote = (key: { indexNumber: number | null; userId: string | null }) =>
  [key.indexNumber !== null ? ` · index ${key.indexNumber}` : '', key.userId !== null ? ` · held by ${key.userId}` : ''].join('')

function ManagerSections({ manage, lockId }: { manage: NonNullable<LockDetailView['manage']>; lockId: number }): JSX.Element {
  return (
    <>
      <section class="card">
        <h2>Keys on the lock</h2>
        {manage.keys.length === 0 ? (
          <p class="muted">No keys programmed.</p>
        ) : (
          <ul class="lock-keys">
            {manage.keys.map((key) => (
              <li>
                <code safe>{key.uuid}</code>
                <span class="muted" safe>
                  {keyNote(key)}
                </span>
              </li>
            ))}
          </ul>
        )}
        <h2>Residents</h2>
        {manage.residents.length === 0 ? (
          <p class="muted">No residents on the doorbell list.</p>
        ) : (
          <ul class="lock-residents">
            {manage.residents.map((resident) => (
              <li>
                <span safe>{resident.name}</span>
                {resident.email !== null ? (
                  <span class="muted" safe>
                    {` · ${resident.email}`}
                  </span>
                ) : (
                  ''
                )}
              </li>
            ))}
          </ul>
        )}
        <p>
          <a href={`${lockPath(lockId)}/temp-keys`}>Temporary keys for guests</a>
        </p>
      </section>
      <section class="card">
        <h2>Recent events</h2>
        <LockEvents events={manage.events} />
      </section>
    </>
  )
}

export function LockDetailPage(view: LockDetailView): JSX.Element {
  const { lock } = view
  return (
    <Layout title={lock.serialNumber ?? `Lock ${lock.lockId}`} csrfToken={view.csrfToken} signedInAs={view.signedInAs}>
      <p>
        <a href={LOCKS_PATH}>← My locks</a>
      </p>
      <section class="card">
        <h1 safe>{lock.serialNumber ?? `Lock ${lock.lockId}`}</h1>
        <Facts lock={lock} access={view.access} />
        <OpenForm lockId={lock.lockId} csrfToken={view.csrfToken} />
        <OpenResult open={view.open} />
      </section>
      {view.manage ? <ManagerSections manage={view.manage} lockId={lock.lockId} /> : ''}
    </Layout>
  )
}
