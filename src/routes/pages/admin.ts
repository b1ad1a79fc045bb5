// What every page of the administration console (src/routes/pages/admin-*.ts) shares: only a signed-in site
// administrator gets in (a visitor is sent to sign in, anyone else gets the 403 page), every POST checks the CSRF
// token first, and every action is audited under the administrator's user id, as the API records a user's commands.
import type { User } from '../../db/schema'
import type { Deps } from '../../deps'
import type { DomainError } from '../../domain/errors'
import type { EventMetadata } from '../../eventstore/types'
import { requestInfo } from '../../request-context'
import { renderErrorPage } from '../../../views/pages/error'
import type { FormErrors } from '../../../views/components/admin'
import { loginUrl } from '../../../views/paths'
import { eventMetadata } from '../models'
import { here, signedIn } from './common'
import { html, isHtmx, redirect, verifyCsrf } from './support'

export type PageContext = { request: Request; sessionUserId: string | null; csrfToken: string }
export type Console = { admin: User; signedInAs: string; csrfToken: string; request: Request; metadata: EventMetadata }

export async function openConsole(deps: Deps, context: PageContext): Promise<Console | Response> {
  const { request, sessionUserId, csrfToken } = context
  const admin = await signedIn(deps, sessionUserId)
  if (!admin) return redirect(request, loginUrl(request.method === 'GET' ? here(request) : new URL(request.url).pathname))
  if (!(await deps.data.isSiteAdmin(admin.userId))) {
    const message = 'Only site administrators can use the administration console.'
    const page = await renderErrorPage({ code: 403, error: 'Forbidden', message, requestId: requestInfo(request).requestId })
    return html(page, { status: 403 })
  }
  const metadata = eventMetadata(request, { kind: 'user', userId: admin.userId })
  return { admin, signedInAs: admin.email ?? admin.userId, csrfToken, request, metadata }
}

// A form post: the CSRF token (403, nothing done, before anything else), then the administrator.
export function openConsoleFor(deps: Deps, context: PageContext, body: unknown): Promise<Console | Response> {
  verifyCsrf(deps, context.request, body)
  return openConsole(deps, context)
}

// A refused form comes back with its status; htmx swaps 2xx answers only, so a boosted form gets the same page as a
// 200 (the page itself says what was wrong).
export const formPage = (request: Request, page: string, status: number) => html(page, { status: isHtmx(request) ? 200 : status })

// A domain refusal worded next to the fields it names, or for the whole form.
export function refusal<Field extends string>(
  error: DomainError,
  fields: readonly Field[],
  rename: Record<string, Field> = {},
): FormErrors<Field> {
  const errors: FormErrors<Field> = {}
  for (const detail of error.details ?? []) {
    const field = rename[detail.field] ?? fields.find((name) => name === detail.field)
    if (field !== undefined) errors[field] ??= `${detail.message.charAt(0).toUpperCase()}${detail.message.slice(1)}.`
  }
  if (Object.keys(errors).length === 0) errors.form = error.message
  return errors
}
