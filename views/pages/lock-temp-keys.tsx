// /locks/{id}/temp-keys for the lock's owner (or its organisation's staff): the live keys with status, link, copy
// button and QR code, a create form, and the edit and delete-confirmation pages. Plain forms; no JS needed.
import type { TempKeyStatus } from '../../src/domain/lock/temp-key-status'
import { LocalTime } from '../components/local-time'
import { type FormErrors, TempKeyForm, type TempKeyFormValues } from '../components/temp-key-form'
import { OwnerKeyHead, ValidFact } from '../components/owner-key'
import { Layout } from '../layout'
import { tempKeysPath } from '../paths'

export type OwnerKeyView = {
  uuid: string
  status: TempKeyStatus
  validFrom: string
  validUntil: string
  uses: string
  accessMode: 'public' | 'user-whitelist'
  allowedEmails: string[]
  description: string | null
  scheduleLines: string[]
  nextWindow: string | null
  link: string
  qrDataUri: string
}

export type LockRef = { lockId: number; lockLabel: string; lockUuid: string }

export type LockTempKeysView = LockRef & {
  csrfToken: string
  signedInAs: string
  isAdmin?: boolean
  // One page of the live keys, newest first; nextPage: the link to the following one (null on the last).
  keys: OwnerKeyView[]
  isFirstPage: boolean
  nextPage: string | null
  form: { values: TempKeyFormValues; errors: FormErrors }
  notice: string | null
}

function KeyItem({ lockId, item }: { lockId: number; item: OwnerKeyView }): JSX.Element {
  const base = `${tempKeysPath(lockId)}/${item.uuid}`
  return (
    <li class="card owner-key" id={`key-${item.uuid}`}>
      <OwnerKeyHead status={item.status} description={item.description}>
        <span class="muted">{item.accessMode === 'public' ? 'Anyone with the link' : 'Listed people only'}</span>
      </OwnerKeyHead>
      <dl class="facts">
        <ValidFact validFrom={item.validFrom} validUntil={item.validUntil} />
        <div>
          <dt>Uses</dt>
          <dd safe>{item.uses}</dd>
        </div>
        {item.allowedEmails.length > 0 ? (
          <div>
            <dt>Allowed</dt>
            <dd safe>{item.allowedEmails.join(', ')}</dd>
          </div>
        ) : (
          ''
        )}
        {item.scheduleLines.length > 0 ? (
          <div>
            <dt>Opens only</dt>
            <dd>
              {item.scheduleLines.map((line) => (
                <span class="schedule-line" safe>
                  {line}
                </span>
              ))}
              {item.nextWindow ? (
                <span class="schedule-line">
                  Next window: <LocalTime iso={item.nextWindow} />
                </span>
              ) : (
                ''
              )}
            </dd>
          </div>
        ) : (
          ''
        )}
      </dl>
      <div class="share">
        <img class="qr" src={item.qrDataUri} width="132" height="132" alt="QR code of the key's link" />
        <div class="share-link">
          <label for={`link-${item.uuid}`}>Link to share</label>
          <input id={`link-${item.uuid}`} type="text" readonly value={item.link} />
          <button type="button" class="secondary copy" data-copy={item.link} hidden>
            Copy link
          </button>
          <span class="copy-status muted" role="status"></span>
        </div>
      </div>
      <p class="actions">
        <a class="button secondary" href={`${base}/edit`}>
          Edit
        </a>{' '}
        <a class="button danger" href={`${base}/delete`}>
          Delete
        </a>
      </p>
    </li>
  )
}

// The list and its pager; htmx swaps the next page's list in place (the same full page, narrowed by hx-select).
function KeysPage(view: LockTempKeysView): JSX.Element {
  const first = tempKeysPath(view.lockId)
  return (
    <div id="owner-keys-page">
      {view.keys.length === 0 ? (
        view.isFirstPage ? (
          <p class="muted">No temporary keys yet. Create one below and share its link.</p>
        ) : (
          <p class="muted">No older keys.</p>
        )
      ) : (
        <ul class="owner-keys">
          {view.keys.map((item) => (
            <KeyItem lockId={view.lockId} item={item} />
          ))}
        </ul>
      )}
      {view.nextPage || !view.isFirstPage ? (
        <nav class="pager" aria-label="Pages of keys">
          {view.isFirstPage ? '' : <a href={first}>Newest keys</a>}{' '}
          {view.nextPage ? (
            <a
              class="button secondary"
              href={view.nextPage}
              hx-get={view.nextPage}
              hx-select="#owner-keys-page"
              hx-target="#owner-keys-page"
              hx-swap="outerHTML show:top"
              hx-push-url="true"
            >
              Next page: older keys
            </a>
          ) : (
            ''
          )}
        </nav>
      ) : (
        ''
      )}
    </div>
  )
}

function LockHeading(view: LockRef): JSX.Element {
  return (
    <>
      <p class="eyebrow">
        <a href={`/locks/${view.lockId}`} safe>
          {view.lockLabel}
        </a>
      </p>
      <p class="muted lock-uuid">
        Lock <code safe>{view.lockUuid}</code>
      </p>
    </>
  )
}

export function LockTempKeysPage(view: LockTempKeysView): JSX.Element {
  const action = tempKeysPath(view.lockId)
  return (
    <Layout
      title={`Temporary keys · ${view.lockLabel}`}
      csrfToken={view.csrfToken}
      signedInAs={view.signedInAs ?? undefined}
      isAdmin={view.isAdmin}
    >
      <LockHeading {...view} />
      <h1>Temporary keys</h1>
      {view.notice ? (
        <p class="notice ok" role="status" safe>
          {view.notice}
        </p>
      ) : (
        ''
      )}
      <KeysPage {...view} />
      <section class="card" aria-labelledby="create-title">
        <h2 id="create-title">Create a temporary key</h2>
        <TempKeyForm
          action={action}
          csrfToken={view.csrfToken}
          values={view.form.values}
          errors={view.form.errors}
          submitLabel="Create key"
        />
      </section>
      <script src="/public/temp-keys.js" defer></script>
    </Layout>
  )
}

export type EditTempKeyView = LockRef & {
  csrfToken: string
  signedInAs: string
  isAdmin?: boolean
  uuid: string
  values: TempKeyFormValues
  errors: FormErrors
  utc: { validFrom: string; validUntil: string } | undefined
}

export function EditTempKeyPage(view: EditTempKeyView): JSX.Element {
  const back = tempKeysPath(view.lockId)
  return (
    <Layout title="Edit temporary key" csrfToken={view.csrfToken} signedInAs={view.signedInAs} isAdmin={view.isAdmin}>
      <LockHeading {...view} />
      <section class="card" aria-labelledby="edit-title">
        <h1 id="edit-title">Edit temporary key</h1>
        <p class="muted">
          Key <code safe>{view.uuid}</code>
        </p>
        <TempKeyForm
          action={`${back}/${view.uuid}/edit`}
          csrfToken={view.csrfToken}
          values={view.values}
          errors={view.errors}
          submitLabel="Save changes"
          utc={view.utc}
        />
        <p>
          <a href={back}>Cancel</a>
        </p>
      </section>
      <script src="/public/temp-keys.js" defer></script>
    </Layout>
  )
}

export type DeleteTempKeyView = LockRef & {
  csrfToken: string
  signedInAs: string
  isAdmin?: boolean
  uuid: string
  description: string | null
}

export function DeleteTempKeyPage(view: DeleteTempKeyView): JSX.Element {
  const back = tempKeysPath(view.lockId)
  return (
    <Layout title="Delete temporary key" csrfToken={view.csrfToken} signedInAs={view.signedInAs} isAdmin={view.isAdmin}>
      <LockHeading {...view} />
      <section class="card" aria-labelledby="delete-title">
        <h1 id="delete-title">Delete this temporary key?</h1>
        <p>
          Key <code safe>{view.uuid}</code>
        </p>
        {view.description ? (
          <p class="description" safe>
            {view.description}
          </p>
        ) : (
          ''
        )}
        <p>Its link stops opening the door at once. This cannot be undone.</p>
        <form method="post" action={`${back}/${view.uuid}/delete`} class="inline">
          <input type="hidden" name="_csrf" value={view.csrfToken} />
          <button type="submit" class="danger">
            Delete key
          </button>
        </form>{' '}
        <a class="button secondary" href={back}>
          Keep it
        </a>
      </section>
    </Layout>
  )
}
