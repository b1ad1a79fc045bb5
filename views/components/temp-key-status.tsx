// A temp key's status as a badge (colour plus words, never colour alone), in the page's language.
import type { TempKeyStatus } from '../../src/domain/lock/temp-key-status'
import { DEFAULT_LANG, type Lang, messagesFor } from '../i18n'

export function StatusBadge({ status, lang = DEFAULT_LANG }: { status: TempKeyStatus; lang?: Lang }): JSX.Element {
  return (
    <span class={`badge ${status}`} safe>
      {messagesFor(lang).status[status]}
    </span>
  )
}
