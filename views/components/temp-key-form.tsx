// The temp-key form of the owner pages (create and edit): labelled fields, errors tied to them with
// aria-describedby / aria-invalid, datetime-local inputs in the browser's time zone (the page script fills
// `timezone` and rewrites values from data-utc); without JS the times are UTC and say so.

// Form fields as typed (strings), so a refused form comes back exactly as it was sent.
export type TempKeyFormValues = {
  validFrom: string
  validUntil: string
  accessMode: 'public' | 'user-whitelist'
  allowedEmails: string
  maxUses: string
  description: string
}

export type FormErrors = Partial<Record<keyof TempKeyFormValues | 'form', string>>

export const emptyForm: TempKeyFormValues = {
  validFrom: '',
  validUntil: '',
  accessMode: 'public',
  allowedEmails: '',
  maxUses: '',
  description: '',
}

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
      <fieldset class="field" aria-describedby={describedBy('accessMode', errors)}>
        <legend>Who may open</legend>
        <label class="choice">
          <input type="radio" name="accessMode" value="public" checked={values.accessMode === 'public'} /> Anyone with the link
        </label>
        <label class="choice">
          <input type="radio" name="accessMode" value="user-whitelist" checked={values.accessMode === 'user-whitelist'} /> Only the
          people listed below (they sign in)
        </label>
        <FieldError id="err-accessMode" error={errors.accessMode} />
      </fieldset>
      <Field name="allowedEmails" label="Allowed people (e-mail addresses)" errors={errors} hint="One per line; only for “only the people listed”.">
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
