// /me/keys: the signed-in user's physical-key inventory, searchable as they type; #keys is the fragment htmx swaps.
import { type KeyView, NoteAndDateCells, Pager, type PagerProps, SearchBox } from '../components/physical-keys'
import { Layout } from '../layout'
import { MY_KEYS_PATH, orgKeysPath } from '../paths'

// One page of the keys; nextPage / firstPage: links to the following and the first page (null when there is none).
export type MyKeysTableView = { q: string; keys: KeyView[]; total: number } & Pick<PagerProps, 'nextPage' | 'firstPage'>

export type MyKeysView = MyKeysTableView & {
  csrfToken: string
  signedInAs: string
  isAdmin?: boolean
  // Organisations the user is staff of: links to their key desks.
  staffOrgs: { orgId: string; name: string }[]
}

function EmptyState({ q }: { q: string }): JSX.Element {
  if (q !== '') {
    return (
      <p class="empty" safe>
        {`No keys match “${q}”.`}
      </p>
    )
  }
  return (
    <div class="empty">
      <p>
        <strong>No physical keys yet.</strong>
      </p>
      <p class="muted">When an organisation hands you a key, a card or a fob, it shows up here with its number.</p>
    </div>
  )
}

export function MyKeysTable({ q, keys, total, nextPage, firstPage }: MyKeysTableView): JSX.Element {
  return (
    <div id="keys" aria-live="polite">
      {keys.length === 0 && firstPage !== null ? (
        <>
          <p class="empty">No more keys.</p>
          <Pager shown={0} total={total} nextPage={null} firstPage={firstPage} />
        </>
      ) : keys.length === 0 ? (
        <EmptyState q={q} />
      ) : (
        <>
          <table class="keys">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Issued by</th>
                <th scope="col">Note</th>
                <th scope="col">Added</th>
              </tr>
            </thead>
            <tbody>
              {keys.map((key) => (
                <tr id={`key-${key.number}`}>
                  <td data-label="#" class="key-number">
                    {key.number}
                  </td>
                  <td data-label="Issued by" title={key.orgId} safe>
                    {key.orgName ?? key.orgId}
                  </td>
                  <NoteAndDateCells note={key.note} addedAt={key.addedAt} />
                </tr>
              ))}
            </tbody>
          </table>
          <Pager shown={keys.length} total={total} nextPage={nextPage} firstPage={firstPage} />
        </>
      )}
    </div>
  )
}

export function MyKeysPage(view: MyKeysView): JSX.Element {
  return (
    <Layout title="My keys" csrfToken={view.csrfToken} signedInAs={view.signedInAs} isAdmin={view.isAdmin} current="my-keys">
      <section class="card inventory">
        <h1>My keys</h1>
        <p class="muted">The physical keys, cards and fobs organisations have handed you.</p>
        <SearchBox action={MY_KEYS_PATH} q={view.q} label="Search your notes" />
        <MyKeysTable {...view} />
      </section>
      {view.staffOrgs.length > 0 ? (
        <section class="card">
          <h2>Your organisations</h2>
          <ul>
            {view.staffOrgs.map((org) => (
              <li>
                <a href={orgKeysPath(org.orgId)} safe>
                  {`Hand out keys for ${org.name}`}
                </a>
              </li>
            ))}
          </ul>
        </section>
      ) : (
        ''
      )}
    </Layout>
  )
}
