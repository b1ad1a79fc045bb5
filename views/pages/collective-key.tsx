// The guest page of a collective key (/temp-keys/{uuid} or /collective-temp-keys/{uuid}): every door with its label
// and how it opens, an Open button per slide-to-open door (a plain form: no JavaScript needed), and the PIN where a
// door takes codes. Also the confirmation page after a door's open.
import type { AccessMethod } from '../../src/domain/lock/state'
import { LocalTime } from '../components/local-time'
import { StatusBadge } from '../components/temp-key-status'
import { Layout } from '../layout'
import { doorOpenPath, type KeyBase, keyPagePath } from '../paths'

export type CollectiveStatus = 'valid' | 'not-yet-valid' | 'expired' | 'deleted'

export type GuestDoor = { id: number; label: string; lockLabel: string; accessMethod: AccessMethod }

export type CollectiveGuestView = {
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
  refusal: string | null
}

const METHOD_TEXT: Record<AccessMethod, string> = {
  key: 'Open it here',
  code: 'Type the PIN at its panel',
  both: 'Open it here or type the PIN at its panel',
}

const slides = (method: AccessMethod) => method !== 'code'

function DoorItem({ door, view }: { door: GuestDoor; view: CollectiveGuestView }): JSX.Element {
  const action = doorOpenPath(view.base, view.uuid, door.id)
  return (
    <li class="door">
      <div class="door-text">
        <h3 safe>{door.label}</h3>
        <p class="muted" safe>
          {`${door.lockLabel} · ${METHOD_TEXT[door.accessMethod]}`}
        </p>
      </div>
      {view.status === 'valid' && slides(door.accessMethod) ? (
        <form method="post" action={action} class="open-form">
          <input type="hidden" name="_csrf" value={view.csrfToken} />
          <input type="hidden" name="_once" value={view.onceToken} />
          <button type="submit" class="big open-button" aria-label={`Open ${door.label}`}>
            Open
          </button>
        </form>
      ) : (
        ''
      )}
    </li>
  )
}

function StateMessage(view: CollectiveGuestView): JSX.Element {
  switch (view.status) {
    case 'valid':
      return ''
    case 'not-yet-valid':
      return (
        <div class="state-message warn">
          <h2>Not valid yet</h2>
          <p>
            This key opens its doors from <LocalTime iso={view.validFrom} />.
          </p>
        </div>
      )
    case 'expired':
      return (
        <div class="state-message bad">
          <h2>This key has expired</h2>
          <p>
            It was valid until <LocalTime iso={view.validUntil} />. Ask the person who shared it for a new link.
          </p>
        </div>
      )
    case 'deleted':
      return (
        <div class="state-message bad">
          <h2>This key was withdrawn</h2>
          <p>Its owner revoked it; it no longer opens any door.</p>
        </div>
      )
  }
}

export function CollectiveKeyPage(view: CollectiveGuestView): JSX.Element {
  const open = view.status === 'valid' || view.status === 'not-yet-valid'
  return (
    <Layout title={view.description ?? 'Shared key'} csrfToken={view.csrfToken}>
      <section class="card temp-key collective-key" aria-labelledby="collective-title">
        <p class="eyebrow">Shared key</p>
        <h1 id="collective-title" safe>
          {view.description ?? 'Your doors'}
        </h1>
        {view.refusal ? (
          <div class="notice bad result" role="alert">
            <p safe>{view.refusal}</p>
          </div>
        ) : (
          ''
        )}
        <p>
          <StatusBadge status={view.status} />
        </p>
        <dl class="facts">
          <div>
            <dt>Valid from</dt>
            <dd>
              <LocalTime iso={view.validFrom} />
            </dd>
          </div>
          <div>
            <dt>Valid until</dt>
            <dd>
              <LocalTime iso={view.validUntil} />
            </dd>
          </div>
          {view.pin !== null && open ? (
            <div>
              <dt>PIN for the entrance panel</dt>
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
            <h2>Doors</h2>
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
    </Layout>
  )
}

export type DoorConfirmationView = { base: KeyBase; uuid: string; door: GuestDoor | null; offline: boolean }

// .../confirmation?door=&offline=: the open command for a door was sent (queued when its lock was offline).
export function CollectiveConfirmationPage(view: DoorConfirmationView): JSX.Element {
  return (
    <Layout title="Open command sent">
      <section class="card temp-key" aria-labelledby="confirmation-title">
        <p class="eyebrow">Shared key</p>
        <h1 id="confirmation-title">The door open command was sent</h1>
        {view.offline ? (
          <p class="notice warn" role="status">
            The lock was offline, so the command is queued: the door opens as soon as the lock reconnects.
          </p>
        ) : (
          <p class="notice ok" role="status">
            The lock received the command.
          </p>
        )}
        {view.door ? (
          <dl class="facts">
            <div>
              <dt>Door</dt>
              <dd safe>{view.door.label}</dd>
            </div>
            <div>
              <dt>Lock</dt>
              <dd safe>{view.door.lockLabel}</dd>
            </div>
          </dl>
        ) : (
          ''
        )}
        <p>
          <a href={keyPagePath(view.base, view.uuid)}>Back to the key</a>
        </p>
      </section>
    </Layout>
  )
}
