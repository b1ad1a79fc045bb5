// /locks/{id}: one lock for a signed-in user who may use it: its name, details, the Open button (htmx swaps in the
// result from OpenResult, a plain form gets a 303 back here) and, for its owner, keys, residents and the activity log.
import { LockActivity, type ActivityView } from '../components/lock-activity'
import { Layout } from '../layout'
import { lockOpenPath, LOCKS_PATH, tempKeysPath } from '../paths'

export type OpenOutcome = { status: 'opened' | 'offline' | 'failed'; detail?: string }

export type LockDetailView = {
  csrfToken: string
  signedInAs: string
  isAdmin?: boolean
  lock: { lockId: number; name: string; uuid: string; serialNumber: string | null; vendorName: string | null; orgId: string | null }
  // How the reader relates to the lock: 'Owner' or 'Key holder'.
  access: string
  // Keys, residents and the activity log are shown only to the lock's managers (the log names temp-key links).
  manage: {
    keys: { uuid: string; indexNumber: number | null; userId: string | null }[]
    residents: { name: string; email: string | null }[]
    activity: ActivityView
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
  const action = lockOpenPath(lockId)
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

// The owner's activity log; after an htmx open it comes again out of band, so the open shows at its top at once.
export function ActivitySection({ activity, outOfBand = false }: { activity: ActivityView; outOfBand?: boolean }): JSX.Element {
  return (
    <section class="card" id="activity" aria-labelledby="activity-title" hx-swap-oob={outOfBand ? 'true' : undefined}>
      <h2 id="activity-title">Activity</h2>
      <LockActivity {...activity} />
    </section>
  )
}

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
          <a href={tempKeysPath(lockId)}>Temporary keys for guests</a>
        </p>
      </section>
      <ActivitySection activity={manage.activity} />
    </>
  )
}

export function LockDetailPage(view: LockDetailView): JSX.Element {
  const { lock } = view
  return (
    <Layout title={lock.name} csrfToken={view.csrfToken} signedInAs={view.signedInAs} isAdmin={view.isAdmin}>
      <p>
        <a href={LOCKS_PATH}>← My locks</a>
      </p>
      <section class="card">
        <h1 safe>{lock.name}</h1>
        <Facts lock={lock} access={view.access} />
        <OpenForm lockId={lock.lockId} csrfToken={view.csrfToken} />
        <OpenResult open={view.open} />
      </section>
      {view.manage ? <ManagerSections manage={view.manage} lockId={lock.lockId} /> : ''}
      <script src="/public/temp-keys.js" defer></script>
    </Layout>
  )
}
