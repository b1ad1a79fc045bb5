// /shared-keys: a signed-in owner's collective keys across their locks: a create form (which locks, each door's label
// and how it opens, the window), the keys they created with their doors and a Revoke button, and right after a create
// the key's PIN, shown this once. Plain forms; no JavaScript needed (with it, times are in the browser's zone).
import type { AccessMethod } from '../../src/domain/lock/state'
import { OwnerKeyHead, ValidFact } from '../components/owner-key'
import { Layout } from '../layout'
import { SHARED_KEYS_PATH, sharedKeyRevokePath } from '../paths'
import type { CollectiveStatus } from './collective-key'

export type SharedKeyView = {
  uuid: string
  status: CollectiveStatus
  description: string | null
  validFrom: string
  validUntil: string
  link: string
  doors: { label: string; accessMethod: AccessMethod }[]
}

export type LockChoice = { lockId: number; lockLabel: string; chosen: boolean; label: string; accessMethod: AccessMethod }

export type SharedKeysView = {
  csrfToken: string
  signedInAs: string
  isAdmin?: boolean
  keys: SharedKeyView[]
  nextPage: string | null
  locks: LockChoice[]
  form: { validFrom: string; validUntil: string; description: string }
  error: string | null
  // Right after a create: the new key's link and PIN (null when no door takes codes). Never stored to be shown again.
  created: { link: string; pin: string | null } | null
  notice: string | null
}

const METHODS: { value: AccessMethod; text: string }[] = [
  { value: 'key', text: 'Open on the guest page' },
  { value: 'code', text: 'PIN at the entrance panel' },
  { value: 'both', text: 'Either' },
]

const METHOD_SHORT: Record<AccessMethod, string> = { key: 'guest page', code: 'PIN', both: 'guest page or PIN' }

function Created({ created }: { created: NonNullable<SharedKeysView['created']> }): JSX.Element {
  return (
    <div class="notice ok" role="status">
      <p>
        <strong>Shared key created.</strong> Send your guest its link:
      </p>
      <p>
        <a href={created.link} safe>
          {created.link}
        </a>
      </p>
      {created.pin !== null ? (
        <p>
          PIN for the entrance panel:{' '}
          <code class="pin" safe>
            {created.pin}
          </code>
          <br />
          This page shows it only now; the guest finds it on their page.
        </p>
      ) : (
        ''
      )}
    </div>
  )
}

function LockRow({ lock }: { lock: LockChoice }): JSX.Element {
  const id = `lock-${lock.lockId}`
  return (
    <li class="door">
      <label class="check">
        <input type="checkbox" name="lockId" value={String(lock.lockId)} checked={lock.chosen} /> <span safe>{lock.lockLabel}</span>
      </label>
      <label for={`${id}-label`}>Door name</label>
      <input id={`${id}-label`} name={`label-${lock.lockId}`} maxlength="120" value={lock.label} />
      <label for={`${id}-method`}>Opens by</label>
      <select id={`${id}-method`} name={`method-${lock.lockId}`}>
        {METHODS.map((method) => (
          <option value={method.value} selected={method.value === lock.accessMethod} safe>
            {method.text}
          </option>
        ))}
      </select>
    </li>
  )
}

function CreateForm(view: SharedKeysView): JSX.Element {
  if (view.locks.length === 0) return <p class="muted">You own no lock yet: a shared key needs at least one.</p>
  return (
    <form method="post" action={SHARED_KEYS_PATH} class="stack">
      <input type="hidden" name="_csrf" value={view.csrfToken} />
      <input type="hidden" name="timezone" value="UTC" data-timezone="" />
      <fieldset>
        <legend>Doors</legend>
        <ul class="doors">
          {view.locks.map((lock) => (
            <LockRow lock={lock} />
          ))}
        </ul>
      </fieldset>
      <label for="shared-from">Valid from</label>
      <input id="shared-from" type="datetime-local" name="validFrom" required value={view.form.validFrom} />
      <label for="shared-until">Valid until</label>
      <input id="shared-until" type="datetime-local" name="validUntil" required value={view.form.validUntil} />
      <p class="muted">
        Times are in <span data-timezone-label="">UTC</span>.
      </p>
      <label for="shared-description">Description (optional)</label>
      <textarea id="shared-description" name="description" maxlength="2000" safe>
        {view.form.description}
      </textarea>
      <button type="submit" class="big">
        Create shared key
      </button>
    </form>
  )
}

function KeyItem({ item, csrfToken }: { item: SharedKeyView; csrfToken: string }): JSX.Element {
  return (
    <li class="card owner-key" id={`key-${item.uuid}`}>
      <OwnerKeyHead status={item.status} description={item.description} />
      <dl class="facts">
        <ValidFact validFrom={item.validFrom} validUntil={item.validUntil} />
        <div>
          <dt>Doors</dt>
          <dd>
            {item.doors.map((door) => (
              <span class="schedule-line" safe>
                {`${door.label} (${METHOD_SHORT[door.accessMethod]})`}
              </span>
            ))}
          </dd>
        </div>
        <div>
          <dt>Link</dt>
          <dd>
            <a href={item.link} safe>
              {item.link}
            </a>
          </dd>
        </div>
      </dl>
      {item.status !== 'deleted' ? (
        <form method="post" action={sharedKeyRevokePath(item.uuid)}>
          <input type="hidden" name="_csrf" value={csrfToken} />
          <button type="submit" class="secondary">
            Revoke
          </button>
        </form>
      ) : (
        ''
      )}
    </li>
  )
}

export function SharedKeysPage(view: SharedKeysView): JSX.Element {
  return (
    <Layout title="Shared keys" csrfToken={view.csrfToken} signedInAs={view.signedInAs} isAdmin={view.isAdmin}>
      <section class="card">
        <h1>Shared keys</h1>
        <p class="muted">One link for several doors: a building entrance, a floor, a flat.</p>
        {view.created ? <Created created={view.created} /> : ''}
        {view.notice ? (
          <p class="notice ok" role="status" safe>
            {view.notice}
          </p>
        ) : (
          ''
        )}
        {view.error ? (
          <div class="notice bad" role="alert">
            <p safe>{view.error}</p>
          </div>
        ) : (
          ''
        )}
        <h2>New shared key</h2>
        <CreateForm {...view} />
      </section>
      <section aria-labelledby="shared-list">
        <h2 id="shared-list">Your shared keys</h2>
        {view.keys.length === 0 ? <p class="muted">None yet.</p> : ''}
        <ul class="owner-keys">
          {view.keys.map((item) => (
            <KeyItem item={item} csrfToken={view.csrfToken} />
          ))}
        </ul>
        {view.nextPage ? <a href={view.nextPage}>Next page</a> : ''}
      </section>
      <script src="/public/temp-keys.js" defer></script>
    </Layout>
  )
}
