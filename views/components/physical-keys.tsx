// Pieces both inventory pages share: the key view model, its date, the as-you-type search box, the pager.

export type KeyView = { number: number; orgId: string; orgName: string | null; note: string | null; addedAt: number }

// UTC on purpose: the server does not know the reader's time zone, and a date is all the inventory needs.
const DAY = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' })

export function KeyDate({ addedAt }: { addedAt: number }): JSX.Element {
  return (
    <time datetime={new Date(addedAt).toISOString()} safe>
      {DAY.format(addedAt)}
    </time>
  )
}

// The cells every key row ends with: its note and the day it was added.
export function NoteAndDateCells({ note, addedAt }: { note: string | null; addedAt: number }): JSX.Element {
  return (
    <>
      <td data-label="Note" class="key-note" safe>
        {note ?? ''}
      </td>
      <td data-label="Added">
        <KeyDate addedAt={addedAt} />
      </td>
    </>
  )
}

export type SearchBoxProps = {
  // The page URL: a plain GET form without JavaScript, the same URL answering the #keys fragment to htmx.
  action: string
  q: string
  hidden?: Record<string, string>
  label: string
}

export function SearchBox({ action, q, hidden = {}, label }: SearchBoxProps): JSX.Element {
  return (
    <form
      method="get"
      action={action}
      role="search"
      class="key-search"
      hx-get={action}
      hx-target="#keys"
      hx-swap="outerHTML"
      hx-replace-url="true"
    >
      {Object.entries(hidden).map(([name, value]) => (
        <input type="hidden" name={name} value={value} />
      ))}
      <label for="key-search-q" safe>
        {label}
      </label>
      <div class="key-search-row">
        <input
          id="key-search-q"
          type="search"
          name="q"
          value={q}
          maxlength="500"
          autocomplete="off"
          placeholder="e.g. front door"
          hx-get={action}
          hx-trigger="input changed delay:300ms, search"
          hx-include="closest form"
          hx-sync="closest form:replace"
        />
        <button type="submit" class="secondary">
          Search
        </button>
      </div>
    </form>
  )
}

// Where the list goes on: plain links (the page URL with ?cursor=) that htmx upgrades to swapping #keys in place.
// total: null where counting would cost more than the page (the key desk's list of a whole org).
export type PagerProps = { shown: number; total: number | null; nextPage: string | null; firstPage: string | null }

function SwapLink({ url, primary, label }: { url: string; primary?: boolean; label: string }): JSX.Element {
  return (
    <a
      class={primary ? 'button secondary' : undefined}
      href={url}
      hx-get={url}
      hx-target="#keys"
      hx-swap="outerHTML"
      hx-push-url="true"
      safe
    >
      {label}
    </a>
  )
}

export function Pager({ shown, total, nextPage, firstPage }: PagerProps): JSX.Element {
  if (nextPage === null && firstPage === null) return ''
  return (
    <nav class="pager" aria-label="Pages of keys">
      <span class="muted" safe>
        {total === null ? `${shown} keys on this page.` : `${shown} of ${total} keys on this page.`}
      </span>
      {firstPage !== null ? <SwapLink url={firstPage} label="First page" /> : ''}
      {nextPage !== null ? <SwapLink url={nextPage} label="Next page" primary /> : ''}
    </nav>
  )
}
