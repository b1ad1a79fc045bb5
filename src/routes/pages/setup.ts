// /setup/{token}: the first-run form that makes the first site administrator and signs them in. A used, replaced or
// wrong token, and any token once an administrator exists, answer the same 404 page as an unknown address (no oracle);
// wrong tokens are throttled per IP.
import { Value } from '@sinclair/typebox/value'
import { Elysia, t } from 'elysia'
import { MIN_PASSWORD_LENGTH, setPassword } from '../../auth/credentials'
import { createUser, normalizeEmail } from '../../auth/tenants'
import type { Deps } from '../../deps'
import { NotFound } from '../../domain/errors'
import { type SetupField, SetupPage } from '../../../views/pages/setup'
import { HOME_PATH, setupPath } from '../../../views/paths'
import { Email } from '../models'
import { clientIp } from '../rate-limit'
import { signIn } from './login'
import { html, pagePlugin, verifyCsrf } from './support'

const WINDOW_MS = 15 * 60_000
const EMAIL = Email('e-mail')

const SetupParams = t.Object({ token: t.String({ maxLength: 128 }) })
const SetupForm = t.Object({
  email: t.String({ maxLength: 320 }),
  password: t.String({ maxLength: 1024 }),
  passwordAgain: t.String({ maxLength: 1024 }),
  _csrf: t.Optional(t.String()),
})

function formErrors(form: typeof SetupForm.static): Partial<Record<SetupField, string>> {
  const errors: Partial<Record<SetupField, string>> = {}
  if (!Value.Check(EMAIL, normalizeEmail(form.email))) errors.email = 'Enter an e-mail address.'
  if (form.password.length < MIN_PASSWORD_LENGTH) errors.password = `The password must be at least ${MIN_PASSWORD_LENGTH} characters long.`
  else if (form.password !== form.passwordAgain) errors.passwordAgain = 'The two passwords differ.'
  return errors
}

export const setupPages = (deps: Deps) => {
  const wrongTokens = deps.rateLimiters('setup-wrong-tokens', {
    limit: 10,
    windowMs: WINDOW_MS,
    message: 'Too many wrong setup links; wait a few minutes',
  })
  // Throws the 404 of an unknown address unless the token would still make the first administrator.
  const usableOrNotFound = async (token: string, ip: string[]) => {
    await wrongTokens.check(ip, deps.clock.now())
    if (await deps.data.isSetupTokenUsable(token)) return
    await wrongTokens.hit(ip, deps.clock.now())
    throw new NotFound()
  }
  const page = (csrfToken: string, token: string, email: string, errors: Partial<Record<SetupField, string>>) =>
    SetupPage({ csrfToken, action: setupPath(token), email, errors, minPasswordLength: MIN_PASSWORD_LENGTH })

  return new Elysia({ name: 'pages.setup', detail: { hide: true } })
    .use(pagePlugin(deps))
    .get(
      '/setup/:token',
      async ({ params, request, server, csrfToken }) => {
        await usableOrNotFound(params.token, [clientIp(server, request, deps.config.trustedProxyHops)])
        return html(await page(csrfToken, params.token, '', {}))
      },
      { params: SetupParams },
    )
    .post(
      '/setup/:token',
      async ({ params, body, request, server, csrfToken }) => {
        verifyCsrf(deps, request, body)
        await usableOrNotFound(params.token, [clientIp(server, request, deps.config.trustedProxyHops)])
        const errors = formErrors(body)
        if (Object.keys(errors).length > 0) return html(await page(csrfToken, params.token, body.email, errors), { status: 400 })
        const email = normalizeEmail(body.email)
        if (await deps.data.findUserByEmail(email)) {
          return html(await page(csrfToken, params.token, body.email, { email: 'An account with this e-mail already exists.' }), {
            status: 409,
          })
        }
        // Spent before anything is made: of two submits, one makes the administrator, the other gets the 404.
        if (!(await deps.data.claimSetupToken(params.token))) throw new NotFound()
        let userId: string
        try {
          userId = (await createUser(deps, { email })).userId
          await setPassword(deps, userId, body.password)
          await deps.data.addSiteAdmin(userId, deps.clock.now())
        } catch (error) {
          await deps.data.restoreSetupToken(params.token)
          throw error
        }
        return signIn(deps, request, userId, HOME_PATH)
      },
      { params: SetupParams, body: SetupForm },
    )
}
