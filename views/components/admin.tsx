// What every page of the administration console shares: the shell (the site header with Admin marked, the console's
// own section links), notices, form fields with their errors. The console is plain links and forms that htmx boosts
// (hx-boost: the next page is swapped in without a reload); without JavaScript they work as they are.
import type { PropsWithChildren } from '@kitajs/html'
import { Layout } from '../layout'
import { ADMIN_LOCKS_PATH, ADMIN_ORGS_PATH, ADMIN_USERS_PATH, ADMIN_WEBHOOKS_PATH } from '../paths'

export type AdminSection = 'orgs' | 'users' | 'locks' | 'webhooks'
export type Notice = { kind: 'ok' | 'bad'; text: string }
// A form's refusals: per field, and `form` for what no single field caused.
export type FormErrors<Field extends string> = Partial<Record<Field | 'form', string>>

export type AdminShellProps = PropsWithChildren<{ title: string; section: AdminSection; csrfToken: string; signedInAs: string }>

// The console's sections, as its own navigation and the start page's dashboard list them.
export const ADMIN_SECTIONS: { section: AdminSection; href: string; label: string }[] = [
  { section: 'orgs', href: ADMIN_ORGS_PATH, label: 'Organisations' },
  { section: 'users', href: ADMIN_USERS_PATH, label: 'Users' },
  { section: 'locks', href: ADMIN_LOCKS_PATH, label: 'Locks' },
  { section: 'webhooks', href: ADMIN_WEBHOOKS_PATH, label: 'Webhooks' },
]

export function AdminShell({ title, section, csrfToken, signedInAs, children }: AdminShellProps): JSX.Element {
  return (
    <Layout title={title} csrfToken={csrfToken} signedInAs={signedInAs} isAdmin current="admin">
      <div hx-boost="true">
        <nav aria-label="Administration" class="admin-nav">
          {ADMIN_SECTIONS.map((entry) => (
            <a href={entry.href} aria-current={entry.section === section ? 'page' : undefined} safe>
              {entry.label}
            </a>
          ))}
        </nav>
        {children}
      </div>
    </Layout>
  )
}

export function NoticeBox({ notice }: { notice: Notice | null }): JSX.Element {
  if (!notice) return ''
  return (
    <p class={`notice ${notice.kind}`} role={notice.kind === 'bad' ? 'alert' : 'status'} safe>
      {notice.text}
    </p>
  )
}

export function CsrfField({ token }: { token: string }): JSX.Element {
  return <input type="hidden" name="_csrf" value={token} />
}

// The form-level refusal (no single field caused it), announced like a field's.
export function FormError({ message }: { message: string | undefined }): JSX.Element {
  return message ? (
    <p class="notice bad" role="alert" safe>
      {message}
    </p>
  ) : (
    ''
  )
}

export type FieldProps = {
  id: string
  name: string
  label: string
  value: string
  error: string | undefined
  hint?: string
  type?: string
  required?: boolean
  autocomplete?: string
  inputmode?: string
  maxlength?: number
}

// A labelled input, its hint and its error, tied together for screen readers.
export function Field({
  id,
  name,
  label,
  value,
  error,
  hint,
  type = 'text',
  required,
  autocomplete,
  inputmode,
  maxlength,
}: FieldProps): JSX.Element {
  const described = [error ? `${id}-error` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ')
  return (
    <>
      <label for={id} safe>
        {label}
      </label>
      <input
        id={id}
        name={name}
        type={type}
        value={value}
        required={required}
        autocomplete={autocomplete ?? 'off'}
        inputmode={inputmode}
        maxlength={maxlength === undefined ? undefined : String(maxlength)}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={described || undefined}
      />
      {hint ? (
        <p class="muted small" id={`${id}-hint`} safe>
          {hint}
        </p>
      ) : (
        ''
      )}
      {error ? (
        <p class="field-error" id={`${id}-error`} safe>
          {error}
        </p>
      ) : (
        ''
      )}
    </>
  )
}
