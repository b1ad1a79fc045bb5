// The HTML error page: the same status and message as the JSON envelope, never a stack trace.
import { Layout } from '../layout'
import { HOME_PATH } from '../paths'

export type ErrorView = { code: number; error: string; message: string; requestId: string }

export function renderErrorPage(view: ErrorView): JSX.Element {
  return (
    <Layout title={view.error} viewerUnknown>
      <section class="card error">
        <h1 safe>{`${view.code} · ${view.error}`}</h1>
        <p safe>{view.message}</p>
        {view.code >= 500 ? (
          <p class="muted">
            Reference: <code safe>{view.requestId}</code>
          </p>
        ) : (
          ''
        )}
        <p>
          <a href={HOME_PATH}>Back to the start page</a>
        </p>
      </section>
    </Layout>
  )
}
