// /admin/orgs: the organisations (tenants) of this server, a page at a time, and the form that registers one with its
// first API key; /admin/orgs/{orgId}: one organisation, its API key (rotated here, the new key shown once) and its
// staff (added by e-mail, removed one by one).
import { AdminShell, CsrfField, Field, FormError, type FormErrors, type Notice, NoticeBox } from '../components/admin'
import { ADMIN_ORGS_PATH, adminOrgKeyPath, adminOrgMemberRemovePath, adminOrgMembersPath, adminOrgPath, adminOrgsUrl } from '../paths'

export type OrgSummary = { orgId: string; name: string; isSuper: boolean; apiKeyPrefix: string | null }
export type CreateOrgField = 'name' | 'orgId'

export type AdminOrgsView = {
  csrfToken: string
  signedInAs: string
  orgs: OrgSummary[]
  total: number
  offset: number
  pageSize: number
  form: { name: string; orgId: string }
  errors: FormErrors<CreateOrgField>
}

export type OrgDetail = OrgSummary & { createdAt: string; apiKeyExpiresAt: string | null; apiKeyLastUsedAt: number | null }
export type Member = { userId: string; email: string | null }

export type AdminOrgView = {
  csrfToken: string
  signedInAs: string
  org: OrgDetail
  // A key just issued: its only showing.
  issuedKey: string | null
  members: Member[]
  memberEmail: string
  errors: FormErrors<'email'>
  notice: Notice | null
}

function OrgTable({ orgs }: { orgs: OrgSummary[] }): JSX.Element {
  if (orgs.length === 0) return <p class="empty">No organisations yet.</p>
  return (
    <table class="admin-list">
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Id</th>
          <th scope="col">API key</th>
        </tr>
      </thead>
      <tbody>
        {orgs.map((org) => (
          <tr>
            <td data-label="Name">
              <a href={adminOrgPath(org.orgId)} safe>
                {org.name}
              </a>
              {org.isSuper ? ' (super)' : ''}
            </td>
            <td data-label="Id">
              <code safe>{org.orgId}</code>
            </td>
            <td data-label="API key">{org.apiKeyPrefix === null ? 'none' : <code safe>{`${org.apiKeyPrefix}…`}</code>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

function OffsetPager({ offset, shown, total, pageSize }: { offset: number; shown: number; total: number; pageSize: number }): JSX.Element {
  const next = offset + shown < total ? adminOrgsUrl({ offset: offset + pageSize }) : null
  const previous = offset > 0 ? adminOrgsUrl({ offset: Math.max(0, offset - pageSize) }) : null
  if (!next && !previous) return ''
  return (
    <nav class="pager" aria-label="Pages">
      <span class="muted" safe>{`${shown === 0 ? 0 : offset + 1}–${offset + shown} of ${total}`}</span>
      {previous ? <a href={previous}>Previous page</a> : ''}
      {next ? <a href={next}>Next page</a> : ''}
    </nav>
  )
}

export function AdminOrgsPage(view: AdminOrgsView): JSX.Element {
  const { csrfToken, signedInAs, orgs, form, errors } = view
  return (
    <AdminShell title="Organisations" section="orgs" csrfToken={csrfToken} signedInAs={signedInAs}>
      <section class="card">
        <h1>Organisations</h1>
        <OrgTable orgs={orgs} />
        <OffsetPager offset={view.offset} shown={orgs.length} total={view.total} pageSize={view.pageSize} />
      </section>
      <section class="card">
        <h2>New organisation</h2>
        <form method="post" action={ADMIN_ORGS_PATH}>
          <CsrfField token={csrfToken} />
          <FormError message={errors.form} />
          <Field id="org-name" name="name" label="Name" value={form.name} error={errors.name} required maxlength={200} />
          <Field
            id="org-id"
            name="orgId"
            label="Id (optional)"
            value={form.orgId}
            error={errors.orgId}
            hint="Letters, digits, “.”, “_” and “-”. Left empty, it is made from the name (Acme Corp: acme-corp)."
            maxlength={128}
          />
          <p>
            <button type="submit">Create the organisation</button>
          </p>
        </form>
      </section>
    </AdminShell>
  )
}

const TIME = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' })
const when = (at: string | number) => `${TIME.format(new Date(at))} UTC`

function KeyFacts({ org }: { org: OrgDetail }): JSX.Element {
  if (org.apiKeyPrefix === null) return <p>No active API key.</p>
  return (
    <dl class="lock-facts">
      <dt>Starts with</dt>
      <dd>
        <code safe>{`${org.apiKeyPrefix}…`}</code>
      </dd>
      <dt>Expires</dt>
      <dd safe>{org.apiKeyExpiresAt === null ? 'never' : when(org.apiKeyExpiresAt)}</dd>
      <dt>Last used</dt>
      <dd safe>{org.apiKeyLastUsedAt === null ? 'never' : when(org.apiKeyLastUsedAt)}</dd>
    </dl>
  )
}

function IssuedKey({ apiKey }: { apiKey: string }): JSX.Element {
  return (
    <div class="notice ok" role="status">
      <p>The new API key, shown this once (only its hash is kept): copy it now.</p>
      <p>
        <code class="secret" safe>
          {apiKey}
        </code>
      </p>
    </div>
  )
}

function Members({ org, members, csrfToken }: { org: OrgDetail; members: Member[]; csrfToken: string }): JSX.Element {
  if (members.length === 0) return <p class="empty">No staff yet.</p>
  return (
    <ul class="lock-residents">
      {members.map((member) => (
        <li>
          <span safe>{member.email ?? member.userId}</span>{' '}
          <form method="post" action={adminOrgMemberRemovePath(org.orgId)} class="inline">
            <CsrfField token={csrfToken} />
            <input type="hidden" name="userId" value={member.userId} />
            <button type="submit" class="secondary small" aria-label={`Remove ${member.email ?? member.userId} from the staff`}>
              Remove
            </button>
          </form>
        </li>
      ))}
    </ul>
  )
}

export function AdminOrgPage(view: AdminOrgView): JSX.Element {
  const { csrfToken, signedInAs, org, issuedKey, members, errors } = view
  return (
    <AdminShell title={org.name} section="orgs" csrfToken={csrfToken} signedInAs={signedInAs}>
      <section class="card">
        <p class="eyebrow">
          <a href={ADMIN_ORGS_PATH}>Organisations</a>
        </p>
        <h1 safe>{org.name}</h1>
        <p>
          Id <code safe>{org.orgId}</code>
          {org.isSuper ? ' · super organisation (its key may act on every lock)' : ''}
        </p>
        <NoticeBox notice={view.notice} />
      </section>
      <section class="card">
        <h2>API key</h2>
        {issuedKey === null ? '' : <IssuedKey apiKey={issuedKey} />}
        <KeyFacts org={org} />
        {org.isSuper ? (
          <p class="muted">A super organisation's key is rotated with the command line only: spkey apikey rotate.</p>
        ) : (
          <form method="post" action={adminOrgKeyPath(org.orgId)}>
            <CsrfField token={csrfToken} />
            <p class="muted small">A new key replaces the current one at once: whoever uses the old key is refused from then on.</p>
            <button type="submit" class="secondary">
              {org.apiKeyPrefix === null ? 'Issue an API key' : 'Rotate the API key'}
            </button>
          </form>
        )}
      </section>
      <section class="card">
        <h2>Staff</h2>
        <p class="muted small">Staff run the organisation's key desk and see its webhooks.</p>
        <Members org={org} members={members} csrfToken={csrfToken} />
        <form method="post" action={adminOrgMembersPath(org.orgId)}>
          <CsrfField token={csrfToken} />
          <FormError message={errors.form} />
          <Field id="member-email" name="email" type="email" label="Add by e-mail" value={view.memberEmail} error={errors.email} required />
          <p>
            <button type="submit">Add to the staff</button>
          </p>
        </form>
      </section>
    </AdminShell>
  )
}
