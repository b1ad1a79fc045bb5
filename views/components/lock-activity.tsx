// A lock's activity log, newest first: who opened the door when and with which key, refused attempts and why, and the
// lock's other events in a line each. Times are the viewer's local time (LocalTime).
import type { ActivityEntry, Actor, Means } from '../../src/locks/activity'
import type { LockEvent, RefusalReason } from '../../src/domain/lock/events'
import { LocalTime } from './local-time'

export type ActivityView = { entries: ActivityEntry[]; olderUrl: string | null; newestUrl: string | null }

const REFUSALS: Record<RefusalReason, string> = {
  'not-yet-valid': 'the key was not valid yet',
  expired: 'the key had expired',
  'used-up': 'the key was used up',
  deleted: 'the key had been deleted',
  'not-allowed': 'this person is not on the key’s list',
  'sign-in-required': 'the guest was not signed in',
  'code-only': 'this door opens only with the PIN at its panel',
  'key-only': 'this door does not open with a PIN',
}

// The lock's other events, as a person reads them (a new event type is a compile error here until it has its words).
const EVENT_TITLES: Record<LockEvent['type'], string> = {
  LockCreated: 'Lock registered',
  OwnerSet: 'Owner changed',
  OrganizationSet: 'Organisation changed',
  LockUuidChanged: 'Device UUID changed',
  LockOpenRequested: 'Door opened',
  KeyAdded: 'Key programmed',
  KeyRemoved: 'Key removed',
  KeyWriteRequested: 'Key written',
  BulkAddKeysStarted: 'Adding keys in bulk',
  BulkAddKeyFailed: 'A key could not be added',
  BulkAddKeysFinished: 'Bulk key adding finished',
  ResidentAdded: 'Resident added',
  ResidentRemoved: 'Resident removed',
  LockDriverConfigured: 'Lock driver set',
  TempKeyCreated: 'Temporary key created',
  TempKeyUpdated: 'Temporary key changed',
  TempKeyDeleted: 'Temporary key deleted',
  TempKeyUsed: 'Temporary key used',
  TempKeyOpenRefused: 'Open refused',
  CollectiveTempKeyCreated: 'Shared key created',
  CollectiveTempKeyRevoked: 'Shared key revoked',
  TempKeyPinReserved: 'PIN reserved for a shared key',
  TempKeyPinReleased: 'PIN released',
  PinOpenRefused: 'PIN refused at the entrance panel',
}

const eventTitle = (type: string): string => (Object.hasOwn(EVENT_TITLES, type) ? EVENT_TITLES[type as LockEvent['type']] : type)

function actorText(actor: Actor): string {
  switch (actor.kind) {
    case 'user':
      return actor.name
    case 'guest':
      return 'a guest (not signed in)'
    case 'org':
      return `organisation ${actor.orgId}`
    case 'unknown':
      return 'someone'
  }
}

function meansText(means: Means): string {
  switch (means.kind) {
    case 'temp-key':
      return means.description ? `temp key “${means.description}”` : `temp key ${means.uuid}`
    case 'owner':
      return 'as the owner'
    case 'lock-key':
      return means.indexNumber === null ? 'with their key' : `with their key #${means.indexNumber}`
    case 'other':
      return means.reason ? `reason: ${means.reason}` : 'through the API'
  }
}

function headline(entry: ActivityEntry): { kind: string; title: string; detail: string } {
  switch (entry.kind) {
    case 'opened':
      return { kind: 'opened', title: 'Door opened', detail: `by ${actorText(entry.actor)} · ${meansText(entry.means)}` }
    case 'refused':
      return {
        kind: 'refused',
        title: `Refused: ${REFUSALS[entry.reason]}`,
        detail: `${actorText(entry.actor)} · ${meansText(entry.means)}`,
      }
    case 'key-used':
      return {
        kind: 'key-used',
        title: 'Use recorded (door not driven)',
        detail: `by ${actorText(entry.actor)} · ${meansText(entry.means)}`,
      }
    case 'event':
      return { kind: 'event', title: eventTitle(entry.type), detail: entry.summary }
  }
}

function Entry({ entry }: { entry: ActivityEntry }): JSX.Element {
  const { kind, title, detail } = headline(entry)
  return (
    <li class={`activity-item ${kind}`}>
      <LocalTime iso={entry.at} />
      <strong safe>{title}</strong>
      {detail !== '' ? (
        <span class="muted" safe>
          {detail}
        </span>
      ) : (
        ''
      )}
    </li>
  )
}

export function LockActivity({ entries, olderUrl, newestUrl }: ActivityView): JSX.Element {
  return (
    <>
      {entries.length === 0 ? (
        <p class="muted">Nothing has happened on this lock yet.</p>
      ) : (
        <ol class="activity">
          {entries.map((entry) => (
            <Entry entry={entry} />
          ))}
        </ol>
      )}
      {olderUrl !== null || newestUrl !== null ? (
        <nav class="pager" aria-label="Activity pages">
          {newestUrl !== null ? <a href={newestUrl}>Newest</a> : ''}
          {olderUrl !== null ? (
            <a href={olderUrl} rel="next">
              Older
            </a>
          ) : (
            ''
          )}
        </nav>
      ) : (
        ''
      )}
    </>
  )
}
