// The guest page of a collective key (/temp-keys/{uuid} or /collective-temp-keys/{uuid}) in the guest's language
// (views/i18n): every door with its label and how it opens, an Open button per slide-to-open door (a plain form: no
// JavaScript needed), and the PIN where a door takes codes. Also the confirmation page after a door's open.
import type { AccessMethod } from '../../src/domain/lock/state'
import { LocalTime } from '../components/local-time'
import { StatusBadge } from '../components/temp-key-status'
import { type Lang, messagesFor } from '../i18n'
import { Layout } from '../layout'
import { doorOpenPath, type KeyBase, keyPagePath, keyPageUrl } from '../paths'
import { ConfirmationCard, ExpiredNotice, LanguageSwitch, ValidityFacts } from './temp-key'

export type CollectiveStatus = 'valid' | 'not-yet-valid' | 'expired' | 'deleted'

export type GuestDoor = { id: number; label: string; lockLabel: string; accessMethod: AccessMethod }

export type CollectiveGuestView = {
  lang: Lang
  base: KeyBase
  uuid: string
  description: string | null
  validFrom: string
  validUntil: string
  status: CollectiveStatus
  // Shown while the key can still open (valid or not yet valid); null when no door takes codes.
  pin: string | null
  doors: GuestDoor[]
  csrfToken: string
  onceToken: string
  // A refused open, already in the page's language.
  refusal: string | null
}

const slides = (method: AccessMethod) => method !== 'code'

function DoorItem({ door, view }: { door: GuestDoor; view: CollectiveGuestView }): JSX.Element {
  const t = messagesFor(view.lang).shared
  const action = doorOpenPath(view.base, view.uuid, door.id)
  return (
    <li class="door">
      <div class="door-text">
        <h3 safe>{door.label}</h3>
        <p class="muted" safe>
          {`${door.lockLabel} · ${t.methods[door.accessMethod]}`}
        </p>
      </div>
      {view.status === 'valid' && slides(door.accessMethod) ? (
        <form method="post" action={action} class="open-form">
          <input type="hidden" name="_csrf" value={view.csrfToken} />
          <input type="hidden" name="_once" value={view.onceToken} />
          <button type="submit" class="big open-button" aria-label={t.openDoor(door.label)} safe>
            {t.open}
          </button>
        </form>
      ) : (
        ''
      )}
    </li>
  )
}

function StateMessage(view: CollectiveGuestView): JSX.Element {
  const t = messagesFor(view.lang)
  switch (view.status) {
    case 'valid':
      return ''
    case 'not-yet-valid':
      return (
        <div class="state-message warn">
          <h2 safe>{t.guest.notYetValid}</h2>
          <p>
            <span safe>{t.shared.opensFrom}</span> <LocalTime iso={view.validFrom} />.
          </p>
        </div>
      )
    case 'expired':
      return <ExpiredNotice t={t} validUntil={view.validUntil} />
    case 'deleted':
      return (
        <div class="state-message bad">
          <h2 safe>{t.shared.withdrawnTitle}</h2>
          <p safe>{t.shared.withdrawnText}</p>
        </div>
      )
  }
}

export function CollectiveKeyPage(view: CollectiveGuestView): JSX.Element {
  const t = messagesFor(view.lang)
  const open = view.status === 'valid' || view.status === 'not-yet-valid'
  return (
    <Layout title={view.description ?? t.shared.eyebrow} csrfToken={view.csrfToken} lang={view.lang}>
      <section class="card temp-key collective-key" aria-labelledby="collective-title">
        <p class="eyebrow" safe>
          {t.shared.eyebrow}
        </p>
        <h1 id="collective-title" safe>
          {view.description ?? t.shared.yourDoors}
        </h1>
        {view.refusal ? (
          <div class="notice bad result" role="alert">
            <p safe>{view.refusal}</p>
          </div>
        ) : (
          ''
        )}
        <p>
          <StatusBadge status={view.status} lang={view.lang} />
        </p>
        <dl class="facts">
          <ValidityFacts t={t} validFrom={view.validFrom} validUntil={view.validUntil} />
          {view.pin !== null && open ? (
            <div>
              <dt safe>{t.shared.pin}</dt>
              <dd>
                <code class="pin" safe>
                  {view.pin}
                </code>
              </dd>
            </div>
          ) : (
            ''
          )}
        </dl>
        <StateMessage {...view} />
        {view.status !== 'deleted' ? (
          <>
            <h2 safe>{t.shared.doors}</h2>
            <ul class="doors">
              {view.doors.map((door) => (
                <DoorItem door={door} view={view} />
              ))}
            </ul>
          </>
        ) : (
          ''
        )}
      </section>
      <LanguageSwitch urlFor={(code) => keyPageUrl(view.base, view.uuid, { lang: code })} lang={view.lang} />
    </Layout>
  )
}

export type DoorConfirmationView = { lang: Lang; base: KeyBase; uuid: string; door: GuestDoor | null; offline: boolean }

// .../confirmation?door=&offline=: the open command for a door was sent (queued when its lock was offline).
export function CollectiveConfirmationPage(view: DoorConfirmationView): JSX.Element {
  const t = messagesFor(view.lang)
  return (
    <Layout title={t.confirmation.title} lang={view.lang}>
      <ConfirmationCard lang={view.lang} eyebrow={t.shared.eyebrow} offline={view.offline} backHref={keyPagePath(view.base, view.uuid)}>
        {view.door ? (
          <dl class="facts">
            <div>
              <dt safe>{t.shared.door}</dt>
              <dd safe>{view.door.label}</dd>
            </div>
            <div>
              <dt safe>{t.confirmation.lock}</dt>
              <dd safe>{view.door.lockLabel}</dd>
            </div>
          </dl>
        ) : (
          ''
        )}
      </ConfirmationCard>
    </Layout>
  )
}
