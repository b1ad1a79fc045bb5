// The page shell: mobile-first, no inline scripts (CSP script-src 'self'), htmx served from /public, and the header
// every page shares (the brand, the signed-in user's places, sign in or out). Nothing in it varies per request but the
// CSRF token: the guest page is cached per key, viewer and language as a template (reads/reads.ts guestPage). The
// guest's pages and sign-in pass their language (views/i18n); every other page is English.
import type { PropsWithChildren } from '@kitajs/html'
import { DEFAULT_LANG, type Lang, messagesFor } from './i18n'
import { ADMIN_ORGS_PATH, HOME_PATH, LOCKS_PATH, LOGIN_PATH, LOGOUT_PATH, MY_KEYS_PATH } from './paths'

// The header entry a page is: marked aria-current="page". 'none' for pages no entry names.
export type NavPlace = 'home' | 'locks' | 'my-keys' | 'admin' | 'login' | 'none'

export type LayoutProps = PropsWithChildren<{
  title: string
  csrfToken?: string
  signedInAs?: string
  // A site administrator's header also leads to the administration console.
  isAdmin?: boolean
  current?: NavPlace
  // An error page does not know who is asking (the error mapper reads no session): brand and Start only.
  viewerUnknown?: boolean
  lang?: Lang
}>

function NavLink({ href, place, current, label }: { href: string; place: NavPlace; current: NavPlace; label: string }) {
  return (
    <a href={href} aria-current={place === current ? 'page' : undefined} safe>
      {label}
    </a>
  )
}

function Header({
  csrfToken,
  signedInAs,
  isAdmin,
  current = 'none',
  viewerUnknown,
  lang = DEFAULT_LANG,
}: Omit<LayoutProps, 'title'>): JSX.Element {
  const t = messagesFor(lang).nav
  return (
    <header class="top">
      {/* A visitor's header has no Start entry: the brand is the start page's. */}
      <a href={HOME_PATH} class="brand" aria-current={current === 'home' && !signedInAs && !viewerUnknown ? 'page' : undefined}>
        spkey
      </a>
      <nav aria-label={t.main} class="nav">
        {viewerUnknown ? (
          <NavLink href={HOME_PATH} place="home" current={current} label={t.start} />
        ) : signedInAs ? (
          <>
            <NavLink href={HOME_PATH} place="home" current={current} label={t.start} />
            <NavLink href={LOCKS_PATH} place="locks" current={current} label={t.myLocks} />
            <NavLink href={MY_KEYS_PATH} place="my-keys" current={current} label={t.myKeys} />
            {isAdmin ? <NavLink href={ADMIN_ORGS_PATH} place="admin" current={current} label={t.admin} /> : ''}
            <form method="post" action={LOGOUT_PATH} class="inline sign-out">
              <span class="who" safe>
                {signedInAs}
              </span>
              <input type="hidden" name="_csrf" value={csrfToken ?? ''} />
              <button type="submit" class="link" safe>
                {t.signOut}
              </button>
            </form>
          </>
        ) : (
          <NavLink href={LOGIN_PATH} place="login" current={current} label={t.signIn} />
        )}
      </nav>
    </header>
  )
}

export function Layout({ title, children, ...header }: LayoutProps): JSX.Element {
  return (
    <>
      {'<!doctype html>'}
      <html lang={header.lang ?? DEFAULT_LANG}>
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false}' />
          <title safe>{title} · spkey</title>
          <link rel="icon" href="/public/favicon.svg" type="image/svg+xml" />
          <link rel="icon" href="/favicon.ico" sizes="32x32" />
          <link rel="stylesheet" href="/public/app.css" />
          <script src="/public/htmx.min.js" defer></script>
        </head>
        <body hx-headers={header.csrfToken ? JSON.stringify({ 'x-csrf-token': header.csrfToken }) : undefined}>
          <Header {...header} />
          <main id="main">{children}</main>
        </body>
      </html>
    </>
  )
}
