// /admin/users: the console's users. Creating one is the CLI's `user create` (createAccount), a sign-in link the CLI's
// `login-link` (issueLoginLink, audited as LoginLinkIssued); both under the administrator's name. A link is answered
// once, in the page, never redirected to.
import { Elysia, t } from 'elysia'
import { createAccount } from '../../auth/accounts'
import { MIN_PASSWORD_LENGTH } from '../../auth/credentials'
import { issueLoginLink } from '../../auth/login-links'
import type { Deps } from '../../deps'
import type { FormErrors, Notice } from '../../../views/components/admin'
import { AdminUsersPage, type AdminUsersView, type CreateUserField } from '../../../views/pages/admin-users'
import { adminUsersUrl } from '../../../views/paths'
import { type Console, formPage, openConsole, openConsoleFor, refusal } from './admin'
import { settle } from './common'
import { CsrfField, html, pagePlugin, redirect } from './support'

const PAGE_SIZE = 50
const NAME_MAX = 200

type PageOptions = Partial<Pick<AdminUsersView, 'form' | 'errors' | 'notice' | 'link'>> & { cursor?: string }

async function usersPage(deps: Deps, session: Console, options: PageOptions = {}) {
  const cursor = options.cursor ?? ''
  const { users, next } = await deps.data.listUsers({ before: cursor === '' ? null : Number(cursor), limit: PAGE_SIZE })
  return AdminUsersPage({
    csrfToken: session.csrfToken,
    signedInAs: session.signedInAs,
    users: users.map((user) => ({
      userId: user.userId,
      email: user.email,
      name: [user.firstName, user.lastName].filter(Boolean).join(' '),
      createdAt: user.createdAt,
    })),
    cursor,
    nextCursor: next === null ? null : String(next),
    form: options.form ?? { email: '', name: '' },
    errors: options.errors ?? {},
    notice: options.notice ?? null,
    link: options.link ?? null,
    minPasswordLength: MIN_PASSWORD_LENGTH,
  })
}

export const adminUserPages = (deps: Deps) =>
  new Elysia({ name: 'pages.admin-users', prefix: '/admin/users', detail: { hide: true } })
    .use(pagePlugin(deps))
    .get(
      '',
      async ({ query, ...context }) => {
        const session = await openConsole(deps, context)
        if (session instanceof Response) return session
        const created = query.created ? await deps.data.findUser(query.created) : undefined
        const notice: Notice | null = created ? { kind: 'ok', text: `${created.email ?? created.userId} created.` } : null
        return html(await usersPage(deps, session, { cursor: query.cursor, notice }))
      },
      {
        query: t.Object({
          cursor: t.Optional(t.String({ pattern: '^[1-9][0-9]{0,14}$' })),
          created: t.Optional(t.String({ maxLength: 128 })),
        }),
      },
    )
    .post(
      '',
      async ({ body, ...context }) => {
        const session = await openConsoleFor(deps, context, body)
        if (session instanceof Response) return session
        const form = { email: body.email, name: body.name ?? '' }
        const name = form.name.trim()
        if (name.length > NAME_MAX) {
          const errors = { name: `Keep the name to ${NAME_MAX} characters or fewer.` }
          return formPage(context.request, await usersPage(deps, session, { form, errors }), 400)
        }
        const password = body.password ? body.password : undefined
        const created = await settle(() => createAccount(deps, { email: body.email, name, password }, session.metadata))
        if (!created.ok) {
          const errors: FormErrors<CreateUserField> = refusal(created.error, ['email', 'password'])
          if (created.error.status === 409) errors.email = 'A user with this e-mail address exists already.'
          return formPage(context.request, await usersPage(deps, session, { form, errors }), created.error.status)
        }
        return redirect(context.request, adminUsersUrl({ created: created.value.userId }))
      },
      {
        body: t.Object({
          email: t.String({ maxLength: 320 }),
          name: t.Optional(t.String({ maxLength: 1000 })),
          password: t.Optional(t.String({ maxLength: 1024 })),
          _csrf: CsrfField,
        }),
      },
    )
    .post(
      '/:userId/login-link',
      async ({ params, body, ...context }) => {
        const session = await openConsoleFor(deps, context, body)
        if (session instanceof Response) return session
        const { url, expiresAt } = await issueLoginLink(deps, params.userId, session.metadata)
        const user = await deps.data.findUser(params.userId)
        const link = { email: user?.email ?? params.userId, url, expiresAt }
        return html(await usersPage(deps, session, { link }))
      },
      { params: t.Object({ userId: t.String({ minLength: 1, maxLength: 128 }) }), body: t.Object({ _csrf: CsrfField }) },
    )
