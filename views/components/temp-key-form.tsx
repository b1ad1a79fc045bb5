// The temp-key form of the owner pages (create and edit): labelled fields, errors tied to them with
// aria-describedby / aria-invalid, datetime-local inputs in the browser's time zone (the page script fills
// `timezone` and rewrites values from data-utc); without JS the times are UTC and say so. An optional weekly
// schedule: a time zone (the browser's by default) and window rows (days, from, until); blank rows are skipped.

// One weekly window row as typed.
export type WindowValues = { days: string[]; from: string; until: string }

// Form fields as typed (strings), so a refused form comes back exactly as it was sent.
export type TempKeyFormValues = {
  validFrom: string
  validUntil: string
  accessMode: 'public' | 'user-whitelist'
  allowedEmails: string
  maxUses: string
  description: string
  scheduleMode: 'none' | 'weekly'
  scheduleTimezone: string
  windows: WindowValues[]
}

export type FormErrors = Partial<Record<keyof TempKeyFormValues | 'form' | `windows.${number}`, string>>

export const emptyForm: TempKeyFormValues = {
  validFrom: '',
  validUntil: '',
  accessMode: 'public',
  allowedEmails: '',
  maxUses: '',
  description: '',
  scheduleMode: 'none',
  scheduleTimezone: '',
  windows: [],
}

const DAYS: [string, string][] = [
  ['mon', 'Mon'],
  ['tue', 'Tue'],
  ['wed', 'Wed'],
  ['thu', 'Thu'],
  ['fri', 'Fri'],
  ['sat', 'Sat'],
  ['sun', 'Sun'],
]
const MAX_WINDOWS = 28
const MIN_ROWS = 3
const BLANK_WINDOW: WindowValues = { days: [], from: '', until: '' }
const ZONES = ['UTC', ...Intl.supportedValuesOf('timeZone').filter((zone) => zone !== 'UTC')]

// The rows shown: the windows as they are plus blank ones (at least one, MIN_ROWS in all), so a plain form can
// add a window; more rows come with the next edit.
const windowRows = (windows: WindowValues[]) =>
  [...windows, ...Array.from({ length: Math.max(1, MIN_ROWS - windows.length) }, () => BLANK_WINDOW)].slice(0, MAX_WINDOWS)

function FieldError({ id, error }: { id: string; error: string | undefined }): JSX.Element {
  return error ? (
    <p class="field-error" id={id} safe>
      {error}
    </p>
  ) : (
    ''
  )
}

// One labelled input with its error wired to aria-describedby / aria-invalid.
function Field({
  children,
  ...props
}: {
  name: keyof TempKeyFormValues
  label: string
  errors: FormErrors
  hint?: string
  children: JSX.Element
}): JSX.Element {
  return (
    <div class="field">
      <label for={`f-${props.name}`} safe>
        {props.label}
      </label>
      {props.hint ? (
        <p class="hint muted" id={`hint-${props.name}`} safe>
          {props.hint}
        </p>
      ) : (
        ''
      )}
      {children}
      <FieldError id={`err-${props.name}`} error={props.errors[props.name]} />
    </div>
  )
}

const describedBy = (name: string, errors: FormErrors, hint = false) =>
  [hint ? `hint-${name}` : '', errors[name as keyof FormErrors] ? `err-${name}` : ''].filter(Boolean).join(' ') || undefined

// A window's two times: the field, its label, and the form name the rows repeat.
const WINDOW_ENDS = [
  ['from', 'From', 'windowFrom'],
  ['until', 'Until', 'windowUntil'],
] as const

function WindowRow({ row, window, error }: { row: number; window: WindowValues; error: string | undefined }): JSX.Element {
  const errorId = `err-windows-${row}`
  return (
    <fieldset class="window" aria-describedby={error ? errorId : undefined}>
      <legend>Window {row + 1}</legend>
      <div class="days">
        {DAYS.map(([day, label]) => (
          <label class="day">
            <input type="checkbox" name="windowDays" value={`${row}:${day}`} checked={window.days.includes(day)} />
            <span safe>{label}</span>
          </label>
        ))}
      </div>
      <div class="times">
        {WINDOW_ENDS.map(([end, label, name]) => (
          <div>
            <label for={`f-window-${row}-${end}`}>{label}</label>
            <input
              id={`f-window-${row}-${end}`}
              name={name}
              type="time"
              value={window[end]}
              aria-invalid={error ? 'true' : undefined}
              aria-describedby={error ? errorId : undefined}
            />
          </div>
        ))}
      </div>
      <FieldError id={errorId} error={error} />
    </fieldset>
  )
}

// "When it opens": any time while valid, or only in weekly windows (hidden by CSS until chosen).
function ScheduleFields({ values, errors }: { values: TempKeyFormValues; errors: FormErrors }): JSX.Element {
  const zone = values.scheduleTimezone
  return (
    <fieldset class="field schedule" aria-describedby={errors.windows ? 'err-windows' : undefined}>
      <legend>When it opens</legend>
      <label class="choice">
        <input type="radio" name="scheduleMode" value="none" checked={values.scheduleMode === 'none'} /> Any time while it is valid
      </label>
      <label class="choice">
        <input type="radio" name="scheduleMode" value="weekly" checked={values.scheduleMode === 'weekly'} /> Only in weekly windows, e.g.
        Mon–Fri 08:00–18:00
      </label>
      <div class="schedule-details">
        <label for="f-scheduleTimezone">Time zone of the windows</label>
        <p class="hint muted" id="hint-scheduleTimezone">
          An IANA name such as Europe/Berlin.
        </p>
        <input
          id="f-scheduleTimezone"
          name="scheduleTimezone"
          type="text"
          list="time-zones"
          autocomplete="off"
          spellcheck="false"
          value={zone === '' ? 'UTC' : zone}
          data-timezone-default={zone === '' ? '' : undefined}
          aria-invalid={errors.scheduleTimezone ? 'true' : undefined}
          aria-describedby={describedBy('scheduleTimezone', errors, true)}
        />
        <datalist id="time-zones">
          {ZONES.map((name) => (
            <option value={name} />
          ))}
        </datalist>
        <FieldError id="err-scheduleTimezone" error={errors.scheduleTimezone} />
        <p class="hint muted">
          Tick the days and set the times of each window; leave a row empty to skip it. An “until” before “from” runs overnight.
        </p>
        {windowRows(values.windows).map((window, row) => (
          <WindowRow row={row} window={window} error={errors[`windows.${row}`]} />
        ))}
        <FieldError id="err-windows" error={errors.windows} />
      </div>
    </fieldset>
  )
}

export function TempKeyForm(props: {
  action: string
  csrfToken: string
  values: TempKeyFormValues
  errors: FormErrors
  submitLabel: string
  utc?: { validFrom: string; validUntil: string }
}): JSX.Element {
  const { values, errors } = props
  const invalid = (name: keyof FormErrors) => (errors[name] ? 'true' : undefined)
  return (
    <form method="post" action={props.action} class="temp-key-form" novalidate>
      <input type="hidden" name="_csrf" value={props.csrfToken} />
      <input type="hidden" name="timezone" value="UTC" data-timezone="" />
      {errors.form ? (
        <p class="notice bad" role="alert" safe>
          {errors.form}
        </p>
      ) : (
        ''
      )}
      <p class="muted">
        Times are in <span data-timezone-label="">UTC</span>.
      </p>
      <Field name="validFrom" label="Valid from" errors={errors}>
        <input
          id="f-validFrom"
          name="validFrom"
          type="datetime-local"
          required
          value={values.validFrom}
          data-utc={props.utc?.validFrom}
          aria-invalid={invalid('validFrom')}
          aria-describedby={describedBy('validFrom', errors)}
        />
      </Field>
      <Field name="validUntil" label="Valid until" errors={errors}>
        <input
          id="f-validUntil"
          name="validUntil"
          type="datetime-local"
          required
          value={values.validUntil}
          data-utc={props.utc?.validUntil}
          aria-invalid={invalid('validUntil')}
          aria-describedby={describedBy('validUntil', errors)}
        />
      </Field>
      <ScheduleFields values={values} errors={errors} />
      <fieldset class="field" aria-describedby={describedBy('accessMode', errors)}>
        <legend>Who may open</legend>
        <label class="choice">
          <input type="radio" name="accessMode" value="public" checked={values.accessMode === 'public'} /> Anyone with the link
        </label>
        <label class="choice">
          <input type="radio" name="accessMode" value="user-whitelist" checked={values.accessMode === 'user-whitelist'} /> Only the people
          listed below (they sign in)
        </label>
        <FieldError id="err-accessMode" error={errors.accessMode} />
      </fieldset>
      <Field
        name="allowedEmails"
        label="Allowed people (e-mail addresses)"
        errors={errors}
        hint="One per line; only for “only the people listed”."
      >
        <textarea
          id="f-allowedEmails"
          name="allowedEmails"
          rows="3"
          aria-invalid={invalid('allowedEmails')}
          aria-describedby={describedBy('allowedEmails', errors, true)}
          safe
        >
          {values.allowedEmails}
        </textarea>
      </Field>
      <Field name="maxUses" label="Maximum uses" errors={errors} hint="Leave empty for unlimited.">
        <input
          id="f-maxUses"
          name="maxUses"
          type="number"
          min="1"
          step="1"
          inputmode="numeric"
          value={values.maxUses}
          aria-invalid={invalid('maxUses')}
          aria-describedby={describedBy('maxUses', errors, true)}
        />
      </Field>
      <Field name="description" label="Description (shown to the guest)" errors={errors}>
        <textarea
          id="f-description"
          name="description"
          rows="3"
          maxlength="2000"
          aria-invalid={invalid('description')}
          aria-describedby={describedBy('description', errors)}
          safe
        >
          {values.description}
        </textarea>
      </Field>
      <button type="submit" safe>
        {props.submitLabel}
      </button>
    </form>
  )
}
