// /setup/{token}: the one-time form that makes the first site administrator (an account with a password), shown while
// none exists. A plain form: no JS needed.
import { Layout } from '../layout'

export type SetupField = 'email' | 'password' | 'passwordAgain'

export type SetupView = {
  csrfToken: string
  action: string
  email: string
  errors: Partial<Record<SetupField, string>>
  minPasswordLength: number
}

function FieldError({ id, message }: { id: string; message: string | undefined }): JSX.Element {
  return message ? (
    <p class="field-error" id={id} safe>
      {message}
    </p>
  ) : (
    ''
  )
}

const invalid = (message: string | undefined) => (message ? 'true' : undefined)

export function SetupPage({ csrfToken, action, email, errors, minPasswordLength }: SetupView): JSX.Element {
  return (
    <Layout title="Set up spkey" csrfToken={csrfToken}>
      <section class="card">
        <h1>Set up spkey</h1>
        <p>Create the administrator account. This link works once: after this form, it is gone.</p>
        <form method="post" action={action}>
          <input type="hidden" name="_csrf" value={csrfToken} />
          <label for="email">Email</label>
          <input
            id="email"
            name="email"
            type="email"
            autocomplete="username"
            required
            value={email}
            aria-invalid={invalid(errors.email)}
            aria-describedby={errors.email ? 'email-error' : undefined}
          />
          <FieldError id="email-error" message={errors.email} />
          <label for="password">Password</label>
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="new-password"
            required
            minlength={String(minPasswordLength)}
            aria-invalid={invalid(errors.password)}
            aria-describedby={errors.password ? 'password-error password-hint' : 'password-hint'}
          />
          <p class="muted small" id="password-hint">
            At least {minPasswordLength} characters.
          </p>
          <FieldError id="password-error" message={errors.password} />
          <label for="password-again">Password again</label>
          <input
            id="password-again"
            name="passwordAgain"
            type="password"
            autocomplete="new-password"
            required
            aria-invalid={invalid(errors.passwordAgain)}
            aria-describedby={errors.passwordAgain ? 'password-again-error' : undefined}
          />
          <FieldError id="password-again-error" message={errors.passwordAgain} />
          <p>
            <button type="submit" class="big">
              Create the administrator
            </button>
          </p>
        </form>
      </section>
    </Layout>
  )
}
