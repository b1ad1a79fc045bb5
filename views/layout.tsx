// The page shell: mobile-first, no inline scripts (CSP script-src 'self'), htmx served from /public.
import type { PropsWithChildren } from '@kitajs/html'

export type LayoutProps = PropsWithChildren<{ title: string; csrfToken?: string; signedInAs?: string }>

export function Layout({ title, csrfToken, signedInAs, children }: LayoutProps): JSX.Element {
  return (
    <>
      {'<!doctype html>'}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false}' />
          <title safe>{title} · spkey</title>
          <link rel="stylesheet" href="/public/app.css" />
          <script src="/public/htmx.min.js" defer></script>
        </head>
        <body hx-headers={csrfToken ? JSON.stringify({ 'x-csrf-token': csrfToken }) : undefined}>
          <header class="top">
            <a href="/" class="brand">
              spkey
            </a>
            {signedInAs ? (
              <form method="post" action="/logout" class="inline">
                <span class="who" safe>
                  {signedInAs}
                </span>
                <input type="hidden" name="_csrf" value={csrfToken ?? ''} />
                <button type="submit" class="link">
                  Sign out
                </button>
              </form>
            ) : (
              ''
            )}
          </header>
          <main id="main">{children}</main>
        </body>
      </html>
    </>
  )
}
