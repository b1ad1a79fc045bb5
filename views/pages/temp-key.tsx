// /temp-keys/{uuid}: the guest page behind a shared link, in the guest's language (views/i18n). TempKeyCard is also
// the fragment htmx swaps in after an open, so the inline result and the page after a redirect are one piece of markup.
import type { PropsWithChildren } from '@kitajs/html'
import type { TempKeyStatus } from '../../src/domain/lock/temp-key-status'
import { LocalTime } from '../components/local-time'
import { StatusBadge } from '../components/temp-key-status'
import { type GuestRefusal, LANGUAGES, type Lang, type Messages, messagesFor } from '../i18n'
import { Layout } from '../layout'
import { guestPath, guestUrl, openPath } from '../paths'

// A refusal the catalogue words (`refusal`), or another error's own message (`refusal` null).
export type GuestResult =
  | { kind: 'opened' }
  | { kind: 'offline' }
  | { kind: 'refused'; refusal: GuestRefusal | null; message: string; reference: string | null }

export type GuestKeyView = {
  lang: Lang
  uuid: string
  lockLabel: string
  lockUuid: string
  description: string | null
  validFrom: string
  validUntil: string
  status: TempKeyStatus
  maxUses: number | null
  usesLeft: number | null
  scheduleLines: string[]
  nextWindow: string | null
  // Whitelist keys show their details and the Open button only to a listed, signed-in user.
  access: 'granted' | 'sign-in' | 'not-listed'
  signInUrl: string
  signedInAs: string | null
  csrfToken: string
  onceToken: string
  result: GuestResult | null
}

function Result({ result, t }: { result: GuestResult | null; t: Messages }): JSX.Element {
  if (!result) return ''
  if (result.kind === 'opened') {
    return (
      <p class="notice ok result" role="status" tabindex="-1">
        <strong safe>{t.guest.opened}</strong> <span safe>{t.guest.openedHint}</span>
      </p>
    )
  }
  if (result.kind === 'offline') {
    return (
      <p class="notice warn result" role="status" tabindex="-1">
        <strong safe>{t.guest.sent}</strong> <span safe>{t.guest.offlineHint}</span>
      </p>
    )
  }
  return (
    <div class="notice bad result" role="alert" tabindex="-1">
      <p safe>{result.refusal ? t.refusals[result.refusal] : result.message}</p>
      {result.reference ? (
        <p class="muted">
          <span safe>{t.guest.reference}</span> <code safe>{result.reference}</code>
        </p>
      ) : (
        ''
      )}
    </div>
  )
}

function OpenForm({
  uuid,
  csrfToken,
  onceToken,
  t,
}: Pick<GuestKeyView, 'uuid' | 'csrfToken' | 'onceToken'> & { t: Messages }): JSX.Element {
  const action = openPath(uuid)
  return (
    <form
      method="post"
      action={action}
      hx-post={action}
      hx-target="#temp-key"
      hx-swap="innerHTML"
      hx-disabled-elt="find button"
      class="open-form"
    >
      <input type="hidden" name="_csrf" value={csrfToken} />
      <input type="hidden" name="_once" value={onceToken} />
      <button type="submit" class="big open-button" safe>
        {t.guest.open}
      </button>
      <p class="htmx-indicator muted" aria-hidden="true" safe>
        {t.guest.opening}
      </p>
    </form>
  )
}

// What the guest can do now, by status: the button while valid, otherwise why not.
function Action({ view, t }: { view: GuestKeyView; t: Messages }): JSX.Element {
  switch (view.status) {
    case 'valid':
      return <OpenForm uuid={view.uuid} csrfToken={view.csrfToken} onceToken={view.onceToken} t={t} />
    case 'not-yet-valid': {
      // A scheduled key waits for its next window (none left before validUntil: null); others for validFrom.
      const from = view.scheduleLines.length > 0 ? view.nextWindow : view.validFrom
      return (
        <div class="state-message warn">
          <h2 safe>{t.guest.notYetValid}</h2>
          {from ? (
            <p>
              <span safe>{view.scheduleLines.length > 0 ? t.guest.nextWindow : t.guest.opensFrom}</span> <LocalTime iso={from} />.
            </p>
          ) : (
            <p safe>{t.guest.cannotOpenNow}</p>
          )}
        </div>
      )
    }
    case 'expired':
      return <ExpiredNotice t={t} validUntil={view.validUntil} />
    case 'used-up':
      return (
        <div class="state-message bad">
          <h2 safe>{t.guest.usedUpTitle}</h2>
          <p safe>{`${t.guest.usedUpText} ${t.guest.askForNew}`}</p>
        </div>
      )
    case 'deleted':
      return (
        <div class="state-message bad">
          <h2 safe>{t.guest.deletedTitle}</h2>
          <p safe>{t.guest.deletedText}</p>
        </div>
      )
  }
}

// A key's window as the guest pages list it, single or collective.
export function ValidityFacts({ t, validFrom, validUntil }: { t: Messages; validFrom: string; validUntil: string }): JSX.Element {
  return (
    <>
      <div>
        <dt safe>{t.guest.validFrom}</dt>
        <dd>
          <LocalTime iso={validFrom} />
        </dd>
      </div>
      <div>
        <dt safe>{t.guest.validUntil}</dt>
        <dd>
          <LocalTime iso={validUntil} />
        </dd>
      </div>
    </>
  )
}

function Facts({ view, t }: { view: GuestKeyView; t: Messages }): JSX.Element {
  return (
    <dl class="facts">
      <ValidityFacts t={t} validFrom={view.validFrom} validUntil={view.validUntil} />
      <div>
        <dt safe>{t.guest.usesLeft}</dt>
        <dd safe>{view.usesLeft === null ? t.guest.unlimited : t.guest.usesOf(view.usesLeft, view.maxUses ?? view.usesLeft)}</dd>
      </div>
      {view.scheduleLines.length > 0 ? (
        <div>
          <dt safe>{t.guest.opensOnly}</dt>
          <dd>
            {view.scheduleLines.map((line) => (
              <span class="schedule-line" safe>
                {line}
              </span>
            ))}
          </dd>
        </div>
      ) : (
        ''
      )}
    </dl>
  )
}

function Gate({ view, t }: { view: GuestKeyView; t: Messages }): JSX.Element {
  if (view.access === 'sign-in') {
    return (
      <div class="state-message">
        <h2 safe>{t.guest.signInTitle}</h2>
        <p safe>{t.guest.signInText}</p>
        <a class="button big" href={view.signInUrl} safe>
          {t.guest.signIn}
        </a>
      </div>
    )
  }
  return (
    <div class="state-message bad">
      <h2 safe>{t.guest.notListedTitle}</h2>
      <p safe>{t.guest.notListedText(view.signedInAs ?? t.guest.anotherUser)}</p>
      <a class="button secondary" href={view.signInUrl} safe>
        {t.guest.useAnother}
      </a>
    </div>
  )
}

// Links, not a form: they work without JS, and the choice is kept in a cookie (?lang= sets it). `urlFor`: the page
// itself in another language.
export function LanguageSwitch({ urlFor, lang }: { urlFor: (code: Lang) => string; lang: Lang }): JSX.Element {
  return (
    <nav class="languages" aria-label={messagesFor(lang).language}>
      <ul>
        {LANGUAGES.map((code) => (
          <li>
            <a href={urlFor(code)} hreflang={code} lang={code} aria-current={code === lang ? 'true' : undefined} safe>
              {messagesFor(code).languageName}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  )
}

// The card: lock, status and what the guest can do (or why not).
export function TempKeyCard(view: GuestKeyView): JSX.Element {
  const t = messagesFor(view.lang)
  const granted = view.access === 'granted' || view.status === 'deleted'
  return (
    <section class="card temp-key" aria-labelledby="temp-key-title">
      <p class="eyebrow" safe>
        {t.guest.eyebrow}
      </p>
      <h1 id="temp-key-title" safe>
        {view.lockLabel}
      </h1>
      <p class="muted lock-uuid">
        <span safe>{t.guest.lock}</span> <code safe>{view.lockUuid}</code>
      </p>
      <Result result={view.result} t={t} />
      {granted ? (
        <>
          <p>
            <StatusBadge status={view.status} lang={view.lang} />
          </p>
          {view.description && view.status !== 'deleted' ? (
            <p class="description" safe>
              {view.description}
            </p>
          ) : (
            ''
          )}
          {view.status !== 'deleted' ? <Facts view={view} t={t} /> : ''}
          <Action view={view} t={t} />
        </>
      ) : (
        <Gate view={view} t={t} />
      )}
    </section>
  )
}

export function TempKeyPage(view: GuestKeyView): JSX.Element {
  return (
    <Layout title={view.lockLabel} csrfToken={view.csrfToken} signedInAs={view.signedInAs ?? undefined} lang={view.lang}>
      <div id="temp-key" class="temp-key-live" data-swap-errors="">
        <TempKeyCard {...view} />
      </div>
      <LanguageSwitch urlFor={(code) => guestUrl(view.uuid, { lang: code })} lang={view.lang} />
      <script src="/public/temp-keys.js" defer></script>
    </Layout>
  )
}

// An unknown link: 404, with no hint whether such a key ever existed elsewhere.
export function TempKeyNotFoundCard({ lang }: { lang: Lang }): JSX.Element {
  const t = messagesFor(lang).notFound
  return (
    <section class="card temp-key error" aria-labelledby="temp-key-title">
      <h1 id="temp-key-title" safe>
        {t.title}
      </h1>
      <p safe>{t.text}</p>
    </section>
  )
}

export function TempKeyNotFoundPage({ lang }: { lang: Lang }): JSX.Element {
  return (
    <Layout title={messagesFor(lang).notFound.title} lang={lang}>
      <TempKeyNotFoundCard lang={lang} />
    </Layout>
  )
}

export type ConfirmationView = { lang: Lang; uuid: string; lockLabel: string; lockUuid: string; offline: boolean }

// What an expired key's page says, single or collective.
export function ExpiredNotice({ t, validUntil }: { t: Messages; validUntil: string }): JSX.Element {
  return (
    <div class="state-message bad">
      <h2 safe>{t.guest.expiredTitle}</h2>
      <p>
        <span safe>{t.guest.validUntilWas}</span> <LocalTime iso={validUntil} />. <span safe>{t.guest.askForNew}</span>
      </p>
    </div>
  )
}

// The card both confirmation pages show: the command was sent (or queued: the lock was offline), the facts of what was
// opened, the way back to the key's page.
export function ConfirmationCard({
  lang,
  eyebrow,
  offline,
  backHref,
  children,
}: PropsWithChildren<{ lang: Lang; eyebrow: string; offline: boolean; backHref: string }>): JSX.Element {
  const t = messagesFor(lang)
  return (
    <section class="card temp-key" aria-labelledby="confirmation-title">
      <p class="eyebrow" safe>
        {eyebrow}
      </p>
      <h1 id="confirmation-title" safe>
        {t.confirmation.heading}
      </h1>
      {offline ? (
        <p class="notice warn" role="status" safe>
          {t.confirmation.queued}
        </p>
      ) : (
        <p class="notice ok" role="status" safe>
          {t.confirmation.received}
        </p>
      )}
      {children}
      <p>
        <a href={backHref} safe>
          {t.confirmation.back}
        </a>
      </p>
    </section>
  )
}

// /temp-keys/{uuid}/confirmation: the open command was sent (queued when the lock was offline).
export function TempKeyConfirmationPage(view: ConfirmationView): JSX.Element {
  const t = messagesFor(view.lang)
  return (
    <Layout title={t.confirmation.title} lang={view.lang}>
      <ConfirmationCard lang={view.lang} eyebrow={t.guest.eyebrow} offline={view.offline} backHref={guestPath(view.uuid)}>
        <dl class="facts">
          <div>
            <dt safe>{t.confirmation.lock}</dt>
            <dd safe>{view.lockLabel}</dd>
          </div>
          <div>
            <dt safe>{t.confirmation.lockUuid}</dt>
            <dd>
              <code safe>{view.lockUuid}</code>
            </dd>
          </div>
        </dl>
      </ConfirmationCard>
      <script src="/public/temp-keys.js" defer></script>
    </Layout>
  )
}
