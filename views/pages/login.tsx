// /login: e-mail + password sign-in, and the confirmation step of a one-time sign-in link. Plain forms (no JS
// needed); `next` rides along in a hidden field so the reader lands back where they were.
import { Layout } from '../layout'

export type LoginView = { csrfToken: string; next: string; email: string; error: string | null }

export function LoginPage({ csrfToken, next, email, error }: LoginView): JSX.Element {
  return (
    <Layout title="Sign in" csrfToken={csrfToken} current="login">
      <section class="card">
        <h1>Sign in</h1>
        {error ? (
          <p class="notice bad" role="alert" id="login-error" safe>
            {error}
          </p>
        ) : (
          ''
        )}
        <form method="post" action="/login">
          <input type="hidden" name="_csrf" value={csrfToken} />
          <input type="hidden" name="next" value={next} />
          <label for="email">Email</label>
          <input id="email" name="email" type="email" autocomplete="username" required value={email} />
          <label for="password">Password</label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
          <p>
            <button type="submit" class="big">
              Sign in
            </button>
          </p>
        </form>
        <p class="muted">No password? Ask your administrator for a one-time sign-in link.</p>
      </section>
    </Layout>
  )
}

export type LoginLinkView = { csrfToken: string; token: string; next: string; usable: boolean }

// A GET never spends the link (chat apps and mail scanners open links to preview them): the button does.
export function LoginLinkPage({ csrfToken, token, next, usable }: LoginLinkView): JSX.Element {
  return (
    <Layout title="Sign in" csrfToken={csrfToken} current="login">
      <section class="card">
        <h1>Sign in</h1>
        {usable ? (
          <form method="post" action="/login/link">
            <input type="hidden" name="_csrf" value={csrfToken} />
            <input type="hidden" name="token" value={token} />
            <input type="hidden" name="next" value={next} />
            <p>This one-time link signs you in on this device.</p>
            <p>
              <button type="submit" class="big">
                Continue
              </button>
            </p>
          </form>
        ) : (
          <>
            <p class="notice bad" role="alert">
              This sign-in link has expired or was already used.
            </p>
            <p>
              Ask for a new link, or <a href="/login">sign in with your password</a>.
            </p>
          </>
        )}
      </section>
    </Layout>
  )
}
