// /orgs/{orgId}/keys: an organisation's key desk. Staff find a user by e-mail, see the keys the org issued to them,
// hand out a key and take one back after a confirmation. Each part is a fragment htmx swaps on its own:
// #user-panel (find), #add-key (add; the inventory follows out of band), #inventory / #keys (search, remove), #key-N.
// Until a user is found, the panel lists every key the org handed out (its own #keys: search and pages).
import { type KeyView, NoteAndDateCells, Pager, SearchBox } from '../components/physical-keys'
import { Layout } from '../layout'
import { orgKeysPath, orgKeysUrl } from '../paths'

export type OrgRef = { orgId: string; name: string }
export type Notice = { kind: 'ok' | 'bad'; text: string }

// Page URL with only the parameters that carry a value.

export const keyRowId = (number: number) => `key-${number}`

export type InventoryView = {
  org: OrgRef
  csrfToken: string
  email: string
  q: string
  // One page: `cursor` is where it starts ('' for the first), nextCursor where the next one does (null: none).
  cursor: string
  keys: KeyView[]
  total: number
  nextCursor: string | null
  // The key whose removal awaits confirmation (no-JS flow: ?confirm=N).
  confirm: number | null
  notice: Notice | null
}

// `entry`, not `key`: the JSX runtime takes `key` for itself.
export type KeyRowView = Pick<InventoryView, 'org' | 'csrfToken' | 'email' | 'q' | 'cursor'> & { entry: KeyView }

export type AddKeyFormView = {
  org: OrgRef
  csrfToken: string
  email: string
  note: string
  errors: { note?: string; form?: string }
  notice: Notice | null
}

// A key of the org's whole list (every holder). holderId stands in for a holder without an e-mail address.
export type IssuedKeyView = { number: number; email: string | null; holderId: string; note: string | null; addedAt: number }
// The org's list, shown while no user is looked up: `q` and `cursor` are then the page's own. No total: counting
// would cost the whole org's keys on every page.
export type IssuedKeysView = { org: OrgRef; q: string; cursor: string; keys: IssuedKeyView[]; nextCursor: string | null }

export type UserPanelView =
  | { kind: 'none'; issued: IssuedKeysView }
  | { kind: 'missing'; email: string }
  | { kind: 'found'; email: string; form: AddKeyFormView; inventory: InventoryView }

export type OrgKeysView = { org: OrgRef; csrfToken: string; signedInAs: string; isAdmin?: boolean; email: string; panel: UserPanelView }

function NoticeBox({ notice }: { notice: Notice | null }): JSX.Element {
  if (!notice) return ''
  return (
    <p class={`notice ${notice.kind}`} role={notice.kind === 'bad' ? 'alert' : 'status'} safe>
      {notice.text}
    </p>
  )
}

function CsrfField({ token }: { token: string }): JSX.Element {
  return <input type="hidden" name="_csrf" value={token} />
}

export function KeyRow({ org, email, q, cursor, entry: key }: KeyRowView): JSX.Element {
  const confirmUrl = orgKeysUrl(org.orgId, { email, q, cursor, confirm: key.number })
  return (
    <tr id={keyRowId(key.number)}>
      <td data-label="#" class="key-number">
        {key.number}
      </td>
      <NoteAndDateCells note={key.note} addedAt={key.addedAt} />
      <td class="key-actions">
        <a
          class="button secondary small"
          href={`${confirmUrl}#${keyRowId(key.number)}`}
          hx-get={confirmUrl}
          hx-target={`#${keyRowId(key.number)}`}
          hx-swap="outerHTML"
          aria-label={`Remove key #${key.number}`}
        >
          Remove
        </a>
      </td>
    </tr>
  )
}

// The confirmation step: only "Confirm" posts; "Cancel" puts the plain row back.
export function ConfirmRemoveRow({ org, csrfToken, email, q, cursor, entry: key }: KeyRowView): JSX.Element {
  const backUrl = orgKeysUrl(org.orgId, { email, q, cursor })
  const rowId = keyRowId(key.number)
  return (
    <tr id={rowId} class="confirm-row">
      <td colspan="4">
        <div class="confirm-remove">
          <p safe>{`Remove key #${key.number}?`}</p>
          <form
            method="post"
            action={`${orgKeysPath(org.orgId)}/remove`}
            hx-post={`${orgKeysPath(org.orgId)}/remove`}
            hx-target="#keys"
            hx-swap="outerHTML"
            class="inline"
          >
            <CsrfField token={csrfToken} />
            <input type="hidden" name="email" value={email} />
            <input type="hidden" name="q" value={q} />
            <input type="hidden" name="cursor" value={cursor} />
            <input type="hidden" name="number" value={String(key.number)} />
            <button type="submit" class="danger small" autofocus>
              Confirm
            </button>
          </form>
          <a class="button secondary small" href={`${backUrl}#${rowId}`} hx-get={backUrl} hx-target={`#${rowId}`} hx-swap="outerHTML">
            Cancel
          </a>
        </div>
      </td>
    </tr>
  )
}

export function KeysRegion(view: InventoryView): JSX.Element {
  const { org, csrfToken, email, q, cursor, keys, total, nextCursor, confirm, notice } = view
  const nextPage = nextCursor === null ? null : orgKeysUrl(org.orgId, { email, q, cursor: nextCursor })
  const firstPage = cursor === '' ? null : orgKeysUrl(org.orgId, { email, q })
  return (
    <div id="keys" aria-live="polite">
      <NoticeBox notice={notice} />
      {keys.length === 0 && firstPage !== null ? (
        <>
          <p class="empty">No more keys.</p>
          <Pager shown={0} total={total} nextPage={null} firstPage={firstPage} />
        </>
      ) : keys.length === 0 ? (
        <p class="empty" safe>
          {q === '' ? `${org.name} has not handed out any keys to this user yet.` : `No keys match “${q}”.`}
        </p>
      ) : (
        <>
          <table class="keys">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Note</th>
                <th scope="col">Added</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.map((key) =>
                key.number === confirm ? (
                  <ConfirmRemoveRow org={org} csrfToken={csrfToken} email={email} q={q} cursor={cursor} entry={key} />
                ) : (
                  <KeyRow org={org} csrfToken={csrfToken} email={email} q={q} cursor={cursor} entry={key} />
                ),
              )}
            </tbody>
          </table>
          <Pager shown={keys.length} total={total} nextPage={nextPage} firstPage={firstPage} />
        </>
      )}
    </div>
  )
}

// The search box and the list; sent out of band after an add, so the new key shows without reloading the page.
export function Inventory({ view, outOfBand = false }: { view: InventoryView; outOfBand?: boolean }): JSX.Element {
  return (
    <section id="inventory" class="card inventory" hx-swap-oob={outOfBand ? 'true' : undefined}>
      <h2 safe>{`Keys ${view.org.name} issued to ${view.email}`}</h2>
      <SearchBox action={orgKeysPath(view.org.orgId)} q={view.q} hidden={{ email: view.email }} label="Search the notes" />
      <KeysRegion {...view} />
    </section>
  )
}

function IssuedKeyRow({ org, entry: key }: { org: OrgRef; entry: IssuedKeyView }): JSX.Element {
  return (
    <tr>
      <td data-label="#" class="key-number">
        {key.number}
      </td>
      <td data-label="Holder">
        {key.email === null ? (
          <span class="muted" safe>
            {key.holderId}
          </span>
        ) : (
          <a href={orgKeysUrl(org.orgId, { email: key.email })} safe>
            {key.email}
          </a>
        )}
      </td>
      <NoteAndDateCells note={key.note} addedAt={key.addedAt} />
    </tr>
  )
}

// The #keys region of the org's list: what the search box and the pager swap.
export function IssuedKeysRegion({ org, q, cursor, keys, nextCursor }: IssuedKeysView): JSX.Element {
  const nextPage = nextCursor === null ? null : orgKeysUrl(org.orgId, { q, cursor: nextCursor })
  const firstPage = cursor === '' ? null : orgKeysUrl(org.orgId, { q })
  if (keys.length === 0) {
    const empty = firstPage !== null ? 'No more keys.' : q === '' ? `${org.name} has not handed out any keys yet.` : `No keys match “${q}”.`
    return (
      <div id="keys" aria-live="polite">
        <p class="empty" safe>
          {empty}
        </p>
        <Pager shown={0} total={null} nextPage={null} firstPage={firstPage} />
      </div>
    )
  }
  return (
    <div id="keys" aria-live="polite">
      <table class="keys">
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Holder</th>
            <th scope="col">Note</th>
            <th scope="col">Added</th>
          </tr>
        </thead>
        <tbody>
          {keys.map((key) => (
            <IssuedKeyRow org={org} entry={key} />
          ))}
        </tbody>
      </table>
      <Pager shown={keys.length} total={null} nextPage={nextPage} firstPage={firstPage} />
    </div>
  )
}

export function IssuedKeys({ view }: { view: IssuedKeysView }): JSX.Element {
  return (
    <section id="issued-keys" class="card inventory">
      <h2 safe>{`Keys ${view.org.name} has handed out, newest first`}</h2>
      <SearchBox action={orgKeysPath(view.org.orgId)} q={view.q} label="Search the notes and e-mail addresses" />
      <IssuedKeysRegion {...view} />
    </section>
  )
}

export function AddKeyForm({ org, csrfToken, email, note, errors, notice }: AddKeyFormView): JSX.Element {
  const action = `${orgKeysPath(org.orgId)}/add`
  return (
    <form id="add-key" method="post" action={action} hx-post={action} hx-target="this" hx-swap="outerHTML" class="card add-key">
      <h2 safe>{`Hand out a key to ${email}`}</h2>
      <NoticeBox notice={notice} />
      {errors.form ? (
        <p class="notice bad" role="alert" safe>
          {errors.form}
        </p>
      ) : (
        ''
      )}
      <CsrfField token={csrfToken} />
      <input type="hidden" name="email" value={email} />
      <label for="add-key-note">
        Note <span class="muted">(optional, at most 500 characters)</span>
      </label>
      <textarea
        id="add-key-note"
        name="note"
        rows="2"
        maxlength="500"
        placeholder="e.g. front door, blue fob"
        aria-invalid={errors.note ? 'true' : undefined}
        aria-describedby={errors.note ? 'add-key-note-error' : undefined}
        safe
      >
        {note}
      </textarea>
      {errors.note ? (
        <p id="add-key-note-error" class="field-error" safe>
          {errors.note}
        </p>
      ) : (
        ''
      )}
      <p class="muted small">The key gets the next free number for this user; numbers are never reused.</p>
      <button type="submit">Add key</button>
    </form>
  )
}

export function UserPanel({ panel }: { panel: UserPanelView }): JSX.Element {
  if (panel.kind === 'none') {
    return (
      <div id="user-panel">
        <p class="muted">Find the person by the e-mail address they signed up with to see and manage their keys.</p>
        <IssuedKeys view={panel.issued} />
      </div>
    )
  }
  if (panel.kind === 'missing') {
    return (
      <div id="user-panel">
        <p class="notice bad" role="alert" safe>
          {`No user has the e-mail address “${panel.email}”. Check the spelling, or ask them to sign up first.`}
        </p>
      </div>
    )
  }
  return (
    <div id="user-panel">
      <AddKeyForm {...panel.form} />
      <Inventory view={panel.inventory} />
    </div>
  )
}

export function OrgKeysPage(view: OrgKeysView): JSX.Element {
  const path = orgKeysPath(view.org.orgId)
  return (
    <Layout title={`Keys · ${view.org.name}`} csrfToken={view.csrfToken} signedInAs={view.signedInAs} isAdmin={view.isAdmin}>
      <section class="card">
        <h1 safe>{`Keys issued by ${view.org.name}`}</h1>
        <form
          method="get"
          action={path}
          role="search"
          class="find-user"
          hx-get={path}
          hx-target="#user-panel"
          hx-swap="outerHTML"
          hx-push-url="true"
        >
          <label for="find-email">Find a user by e-mail</label>
          <div class="key-search-row">
            <input
              id="find-email"
              type="email"
              name="email"
              value={view.email}
              required
              autocomplete="off"
              placeholder="name@example.com"
            />
            <button type="submit">Find</button>
          </div>
        </form>
      </section>
      <UserPanel panel={view.panel} />
    </Layout>
  )
}
