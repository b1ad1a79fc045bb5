// /login: e-mail + password sign-in, and the confirmation step of a one-time sign-in link, in the reader's language
// (views/i18n). Plain forms (no JS needed); `next` rides along in a hidden field so the reader lands back where they were.
import { type Lang, messagesFor } from '../i18n'
import { Layout } from '../layout'

// failed: the e-mail and password did not match an account.
export type LoginView = { lang: Lang; csrfToken: string; next: string; email: string; failed: boolean }

export function LoginPage({ lang, csrfToken, next, email, failed }: LoginView): JSX.Element {
  const t = messagesFor(lang).login
  return (
    <Layout title={t.title} csrfToken={csrfToken} current="login" lang={lang}>
      <section class="card">
        <h1 safe>{t.title}</h1>
        {failed ? (
          <p class="notice bad" role="alert" id="login-error" safe>
            {t.wrong}
          </p>
        ) : (
          ''
        )}
        <form method="post" action="/login">
          <input type="hidden" name="_csrf" value={csrfToken} />
          <input type="hidden" name="next" value={next} />
          <label for="email" safe>
            {t.email}
          </label>
          <input id="email" name="email" type="email" autocomplete="username" required value={email} />
          <label for="password" safe>
            {t.password}
          </label>
          <input id="password" name="password" type="password" autocomplete="current-password" required />
          <p>
            <button type="submit" class="big" safe>
              {t.submit}
            </button>
          </p>
        </form>
        <p class="muted" safe>
          {t.noPassword}
        </p>
      </section>
    </Layout>
  )
}

export type LoginLinkView = { lang: Lang; csrfToken: string; token: string; next: string; usable: boolean }

// A GET never spends the link (chat apps and mail scanners open links to preview them): the button does.
export function LoginLinkPage({ lang, csrfToken, token, next, usable }: LoginLinkView): JSX.Element {
  const t = messagesFor(lang).login
  return (
    <Layout title={t.title} csrfToken={csrfToken} current="login" lang={lang}>
      <section class="card">
        <h1 safe>{t.title}</h1>
        {usable ? (
          <form method="post" action="/login/link">
            <input type="hidden" name="_csrf" value={csrfToken} />
            <input type="hidden" name="token" value={token} />
            <input type="hidden" name="next" value={next} />
            <p safe>{t.linkText}</p>
            <p>
              <button type="submit" class="big" safe>
                {t.continue}
              </button>
            </p>
          </form>
        ) : (
          <>
            <p class="notice bad" role="alert" safe>
              {t.linkExpired}
            </p>
            <p>
              <span safe>{t.askNewLink}</span>{' '}
              <a href="/login" safe>
                {t.withPassword}
              </a>
              .
            </p>
          </>
        )}
      </section>
    </Layout>
  )
}
