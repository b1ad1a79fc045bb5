// /locks: the locks the signed-in user owns, each linking to its page.
import { Layout } from '../layout'
import { lockPath, SHARED_KEYS_PATH } from '../paths'

export type LockListItem = { lockId: number; name: string; keysCount: number; residentCount: number }

export type LocksView = { csrfToken: string; signedInAs: string; isAdmin?: boolean; locks: LockListItem[] }

function LockCard({ lock }: { lock: LockListItem }): JSX.Element {
  return (
    <li class="lock-item">
      <a href={lockPath(lock.lockId)} class="lock-link">
        <strong safe>{lock.name}</strong>
      </a>
      <span class="muted">
        {' · '}#{lock.lockId} · {lock.keysCount} {lock.keysCount === 1 ? 'key' : 'keys'} · {lock.residentCount}{' '}
        {lock.residentCount === 1 ? 'resident' : 'residents'}
      </span>
    </li>
  )
}

export function LocksPage({ csrfToken, signedInAs, isAdmin, locks }: LocksView): JSX.Element {
  return (
    <Layout title="My locks" csrfToken={csrfToken} signedInAs={signedInAs} isAdmin={isAdmin} current="locks">
      <section class="card">
        <h1>My locks</h1>
        {locks.length === 0 ? (
          <div class="empty">
            <p>
              <strong>You do not own a lock yet.</strong>
            </p>
            <p class="muted">Locks you create, or that an organisation makes you the owner of, show up here.</p>
          </div>
        ) : (
          <ul class="lock-list">
            {locks.map((lock) => (
              <LockCard lock={lock} />
            ))}
          </ul>
        )}
        {locks.length > 0 ? (
          <p>
            <a href={SHARED_KEYS_PATH}>Shared keys</a>: one guest link (and PIN) for several of your doors.
          </p>
        ) : (
          ''
        )}
      </section>
    </Layout>
  )
}
