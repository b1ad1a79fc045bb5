// What an owner's key card opens with, on a lock's temp-key page and on the shared-keys page: the key's status (and
// whatever the page sets beside it), its description, and its window as the first of its facts.
import type { PropsWithChildren } from '@kitajs/html'
import type { TempKeyStatus } from '../../src/domain/lock/temp-key-status'
import { LocalTime } from './local-time'
import { StatusBadge } from './temp-key-status'

export function OwnerKeyHead({
  status,
  description,
  children,
}: PropsWithChildren<{ status: TempKeyStatus; description: string | null }>): JSX.Element {
  return (
    <>
      <div class="owner-key-head">
        <StatusBadge status={status} />
        {children}
      </div>
      {description ? (
        <p class="description" safe>
          {description}
        </p>
      ) : (
        ''
      )}
    </>
  )
}

export function ValidFact({ validFrom, validUntil }: { validFrom: string; validUntil: string }): JSX.Element {
  return (
    <div>
      <dt>Valid</dt>
      <dd>
        <LocalTime iso={validFrom} /> – <LocalTime iso={validUntil} />
      </dd>
    </div>
  )
}
