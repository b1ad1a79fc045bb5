// A temp key's status as a badge (colour plus words, never colour alone).
import type { TempKeyStatus } from '../../src/domain/lock/temp-key-status'

export const STATUS_LABELS: Record<TempKeyStatus, string> = {
  valid: 'Valid',
  'not-yet-valid': 'Not valid yet',
  expired: 'Expired',
  'used-up': 'Used up',
  deleted: 'Deleted',
}

export function StatusBadge({ status }: { status: TempKeyStatus }): JSX.Element {
  return (
    <span class={`badge ${status}`} safe>
      {STATUS_LABELS[status]}
    </span>
  )
}
