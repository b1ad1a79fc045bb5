// /admin/users: everyone with an account, newest first, a page at a time; the form that creates one; and per person a
// button that makes a one-time sign-in link, shown on the page (spkey sends no mail: the operator passes it on).
import { AdminShell, CsrfField, Field, FormError, type FormErrors, type Notice, NoticeBox } from '../components/admin'
import { ADMIN_USERS_PATH, adminUserLoginLinkPath, adminUsersUrl } from '../paths'

export type UserSummary = { userId: string; email: string | null; name: string; createdAt: string }
export type CreateUserField = 'email' | 'name' | 'password'
export type IssuedLink = { email: string; url: string; expiresAt: string }

export type AdminUsersView = {
  csrfToken: string
  signedInAs: string
  users: UserSummary[]
  // Where this page starts ('' for the newest) and where the next one does (null: none).
  cursor: string
  nextCursor: string | null
  form: { email: string; name: string }
  errors: FormErrors<CreateUserField>
  notice: Notice | null
  link: IssuedLink | null
  minPasswordLength: number
}

const TIME = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' })

function LinkNotice({ link }: { link: IssuedLink }): JSX.Element {
  return (
    <div class="notice ok" role="status">
      <p safe>{`A sign-in link for ${link.email}, valid once until ${TIME.format(new Date(link.expiresAt))} UTC:`}</p>
      <p>
        <code class="secret" safe>
          {link.url}
        </code>
      </p>
      <p class="small">No mailer is configured on this server: give the link to the person yourself.</p>
    </div>
  )
}

function UserTable({ users, csrfToken }: { users: UserSummary[]; csrfToken: string }): JSX.Element {
  return (
    <table class="admin-list">
      <thead>
        <tr>
          <th scope="col">E-mail</th>
          <th scope="col">Name</th>
          <th scope="col">Created</th>
          <th scope="col">
            <span class="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {users.map((user) => (
          <tr>
            <td data-label="E-mail" safe>
              {user.email ?? user.userId}
            </td>
            <td data-label="Name" safe>
              {user.name}
            </td>
            <td data-label="Created" safe>
              {TIME.format(new Date(user.createdAt))}
            </td>
            <td>
              <form method="post" action={adminUserLoginLinkPath(user.userId)} class="inline">
                <CsrfField token={csrfToken} />
                <button type="submit" class="secondary small" aria-label={`Make a sign-in link for ${user.email ?? user.userId}`}>
                  Sign-in link
                </button>
              </form>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

export function AdminUsersPage(view: AdminUsersView): JSX.Element {
  const { csrfToken, signedInAs, users, form, errors } = view
  return (
    <AdminShell title="Users" section="users" csrfToken={csrfToken} signedInAs={signedInAs}>
      <section class="card">
        <h1>Users</h1>
        <NoticeBox notice={view.notice} />
        {view.link ? <LinkNotice link={view.link} /> : ''}
        {users.length === 0 ? <p class="empty">No users on this page.</p> : <UserTable users={users} csrfToken={csrfToken} />}
        {view.nextCursor !== null || view.cursor !== '' ? (
          <nav class="pager" aria-label="Pages">
            {view.cursor !== '' ? <a href={ADMIN_USERS_PATH}>Newest</a> : ''}
            {view.nextCursor !== null ? <a href={adminUsersUrl({ cursor: view.nextCursor })}>Next page</a> : ''}
          </nav>
        ) : (
          ''
        )}
      </section>
      <section class="card">
        <h2>New user</h2>
        <form method="post" action={ADMIN_USERS_PATH}>
          <CsrfField token={csrfToken} />
          <FormError message={errors.form} />
          <Field
            id="user-email"
            name="email"
            type="email"
            label="E-mail"
            value={form.email}
            error={errors.email}
            required
            maxlength={254}
          />
          <Field id="user-name" name="name" label="Name (optional)" value={form.name} error={errors.name} maxlength={200} />
          <Field
            id="user-password"
            name="password"
            type="password"
            label="Password (optional)"
            value=""
            error={errors.password}
            autocomplete="new-password"
            hint={`At least ${view.minPasswordLength} characters. Without one, the person signs in with a sign-in link.`}
          />
          <p>
            <button type="submit">Create the user</button>
          </p>
        </form>
      </section>
    </AdminShell>
  )
}
