// The guest pages behind a shared link, in the guest's language (language.ts): the key's page (cached per viewer and
// language as a template, reads/reads.ts guestPage) and the confirmation page after an open the lock queued. The open
// itself is routes/temp-key-open.ts.
import { Elysia, t } from 'elysia'
import { cookieName, readCookie } from '../../auth/principal'
import type { Deps } from '../../deps'
import { statusStableUntil } from '../../domain/lock/temp-key-status'
import { CSRF_MARK, fillTemplate, ONCE_MARK, type PageTemplate, toTemplate } from '../../reads/page-template'
import { TempKeyConfirmationPage, TempKeyNotFoundPage, TempKeyPage } from '../../../views/pages/temp-key'
import { TEMP_KEYS_PATH } from '../../../views/paths'
import { findKey, guestView, lockLabel, OPENED_COOKIE, sessionUser } from './common'
import { collectiveConfirmationPage, collectiveGuestPage } from './collective-key'
import { inLanguage, pageLanguage } from './language'
import { cookie, html, pagePlugin } from './support'
import { type Lang, messagesFor } from '../../../views/i18n'

// The guest page is rendered once per key and viewer with markers where the per-browser CSRF token and the per-view
// once token go (reads/page-template.ts), then kept (reads/reads.ts guestPage) and filled for each view.
async function renderGuestPageTemplate(deps: Deps, rawUuid: string, userId: string | null, lang: Lang): Promise<PageTemplate | null> {
  const builtAt = deps.reads.mark()
  const row = await findKey(deps, rawUuid)
  if (!row) return null
  const view = { ...(await guestView(deps, row, { userId, csrfToken: CSRF_MARK, lang }, null)), onceToken: ONCE_MARK }
  const rendered = await TempKeyPage(view)
  const template = toTemplate(rendered)
  deps.reads.keepGuestPage(rawUuid, userId, lang, row.lockId, {
    template,
    stableUntil: statusStableUntil(row, deps.clock.now()),
    bytes: rendered.length,
    builtAt,
  })
  return template
}

export const tempKeyPages = (deps: Deps) =>
  new Elysia({ name: 'pages.temp-keys' })
    .use(pagePlugin(deps))
    .get(
      '/temp-keys/:uuid',
      async ({ params, query, request, sessionUserId, csrfToken }) => {
        const userId = await sessionUser(deps, sessionUserId)
        const language = pageLanguage(deps, request, query.lang)
        const { lang } = language
        // The flash: only right after the redirect of a successful open, never on a reload of that address.
        const openedUuid = query.opened === '1' ? readCookie(request.headers, cookieName(deps, OPENED_COOKIE)) : null
        const openedRow = openedUuid === null ? undefined : await findKey(deps, params.uuid)
        if (openedRow && openedRow.uuid === openedUuid) {
          const view = await guestView(deps, openedRow, { userId, csrfToken, lang }, { kind: 'opened' })
          const page = html(await TempKeyPage(view), { headers: { 'set-cookie': cookie(deps, OPENED_COOKIE, '', 0) } })
          return inLanguage(page, language)
        }
        const template =
          deps.reads.guestPage(params.uuid, userId, lang, deps.clock.now()) ??
          (await renderGuestPageTemplate(deps, params.uuid, userId, lang))
        if (template) return inLanguage(html(fillTemplate(template, csrfToken)), language)
        // The unified resource: a collective key's page lives at the same address.
        return (
          (await collectiveGuestPage(deps, TEMP_KEYS_PATH, params.uuid, csrfToken, language)) ??
          inLanguage(html(await TempKeyNotFoundPage({ lang }), { status: 404 }), language)
        )
      },
      {
        params: t.Object({ uuid: t.String({ maxLength: 64, description: 'Temporary key UUID' }) }),
        // Shared links pick up tracking parameters (utm_*, fbclid) on the way: extra ones are ignored.
        query: t.Object(
          { opened: t.Optional(t.String({ maxLength: 8 })), lang: t.Optional(t.String({ maxLength: 16, description: 'Page language' })) },
          { additionalProperties: true },
        ),
        detail: {
          tags: ['TempKey', 'Web'],
          summary: 'Render temp key web page',
          description: 'The guest page (text/html): status, validity in local time, uses left and the Open button; 404 for an unknown key.',
        },
      },
    )
    .get(
      '/temp-keys/:uuid/confirmation',
      async ({ params, query, request }) => {
        const language = pageLanguage(deps, request, query.lang)
        const { lang } = language
        const row = await findKey(deps, params.uuid)
        if (!row) {
          const collective = await collectiveConfirmationPage(deps, TEMP_KEYS_PATH, params.uuid, query, language)
          return collective ?? inLanguage(html(await TempKeyNotFoundPage({ lang }), { status: 404 }), language)
        }
        const lock = await deps.data.findLock(row.lockId)
        const offline = query.offline === 'true' || query.offline === '1'
        const view = { lang, uuid: row.uuid, lockLabel: lockLabel(lock, row.lockId, messagesFor(lang)), lockUuid: row.lockUuid, offline }
        return inLanguage(html(await TempKeyConfirmationPage(view)), language)
      },
      {
        params: t.Object({ uuid: t.String({ maxLength: 64, description: 'Temporary key UUID' }) }),
        query: t.Object(
          {
            offline: t.Optional(t.String({ maxLength: 8, description: 'Device was offline when command was sent' })),
            door: t.Optional(t.String({ maxLength: 12, description: 'Door that was opened (a collective key)' })),
            lang: t.Optional(t.String({ maxLength: 16, description: 'Page language' })),
          },
          { additionalProperties: true },
        ),
        detail: {
          tags: ['TempKey', 'Web'],
          summary: 'Render temp key confirmation page',
          description: 'Confirms the open command was sent (queued when the lock was offline), with lock info and a link back.',
        },
      },
    )
