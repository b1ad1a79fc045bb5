// The owner's temp-key form: its fields as sent, and the conversion to the API's input — datetime-local values
// read in the browser's time zone, e-mail addresses resolved to users — with errors per field for the page.
import { t } from 'elysia'
import type { Deps } from '../../deps'
import type { DomainError } from '../../domain/errors'
import { isValidTimezone, zonedInstant } from '../../domain/lock/schedule'
import type { TempKeyFacts, TempKeyInput } from '../../locks/temp-keys'
import { findUserByEmail } from '../../projections/users'
import type { FormErrors, TempKeyFormValues } from '../../../views/components/temp-key-form'
import { emailOf } from './temp-keys'

export const KeyForm = t.Object({
  _csrf: t.Optional(t.String({ maxLength: 200 })),
  timezone: t.Optional(t.String({ maxLength: 64 })),
  validFrom: t.Optional(t.String({ maxLength: 40 })),
  validUntil: t.Optional(t.String({ maxLength: 40 })),
  accessMode: t.Optional(t.String({ maxLength: 20 })),
  allowedEmails: t.Optional(t.String({ maxLength: 20_000 })),
  maxUses: t.Optional(t.String({ maxLength: 20 })),
  description: t.Optional(t.String({ maxLength: 4000 })),
})
export type KeyFormBody = typeof KeyForm.static

export const formValues = (body: KeyFormBody): TempKeyFormValues => ({
  validFrom: body.validFrom ?? '',
  validUntil: body.validUntil ?? '',
  accessMode: body.accessMode === 'user-whitelist' ? 'user-whitelist' : 'public',
  allowedEmails: body.allowedEmails ?? '',
  maxUses: body.maxUses ?? '',
  description: body.description ?? '',
})

const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?$/

// A datetime-local value read in the browser's time zone (UTC without JS) -> an ISO instant, or null.
function localToIso(value: string, timezone: string): string | null {
  const m = LOCAL_DATE_TIME.exec(value)
  if (!m) return null
  const [y, mo, d, h, mi] = m.slice(1).map(Number)
  if (y === undefined || mo === undefined || d === undefined || h === undefined || mi === undefined) return null
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return null
  return new Date(zonedInstant(timezone, y, mo, d, h * 60 + mi)).toISOString()
}

// The UTC instant as a datetime-local value (what the form shows without JS).
const isoToLocalUtc = (iso: string) => iso.slice(0, 16)

type ParsedForm = { input: TempKeyInput; errors: FormErrors }

// Form -> the API's input: times in the browser's zone, e-mails resolved to users (unknown e-mail: inline error).
export function parseKeyForm(deps: Deps, body: KeyFormBody): ParsedForm {
  const values = formValues(body)
  const timezone = body.timezone && isValidTimezone(body.timezone) ? body.timezone : 'UTC'
  const errors: FormErrors = {}
  const validFrom = localToIso(values.validFrom, timezone)
  const validUntil = localToIso(values.validUntil, timezone)
  if (!validFrom) errors.validFrom = 'Enter the date and time the key starts to work.'
  if (!validUntil) errors.validUntil = 'Enter the date and time the key stops working.'
  if (body.accessMode !== 'public' && body.accessMode !== 'user-whitelist') errors.accessMode = 'Choose who may open.'
  const emails = values.allowedEmails.split(/[\s,;]+/).filter((email) => email !== '')
  const allowedUserIds: string[] = []
  if (values.accessMode === 'user-whitelist') {
    const unknown: string[] = []
    for (const email of emails) {
      const user = findUserByEmail(deps.db, email)
      if (user) allowedUserIds.push(user.userId)
      else unknown.push(email)
    }
    if (unknown.length > 0) errors.allowedEmails = `No account with the e-mail ${unknown.join(', ')}. They need to sign up first.`
    else if (emails.length === 0) errors.allowedEmails = 'List at least one person, or let anyone with the link open.'
  }
  let maxUses: number | null = null
  if (values.maxUses.trim() !== '') {
    const n = Number(values.maxUses)
    if (!Number.isSafeInteger(n) || n < 1) errors.maxUses = 'Enter a whole number of at least 1, or leave it empty.'
    else maxUses = n
  }
  if (values.description.length > 2000) errors.description = 'At most 2000 characters.'
  const input: TempKeyInput = {
    accessMode: values.accessMode,
    allowedUserIds,
    validFrom: validFrom ?? '',
    validUntil: validUntil ?? '',
    maxUses,
    ...(values.description.trim() !== '' ? { description: values.description } : {}),
  }
  return { input, errors }
}

export const hasErrors = (errors: FormErrors) => Object.keys(errors).length > 0

// The domain's field names on the form.
const FORM_FIELD: Record<string, keyof FormErrors> = {
  validFrom: 'validFrom',
  validUntil: 'validUntil',
  allowedUserIds: 'allowedEmails',
  accessMode: 'accessMode',
  maxUses: 'maxUses',
  description: 'description',
}

export function domainErrors(error: DomainError): FormErrors {
  if (error.status !== 400) throw error
  const errors: FormErrors = {}
  for (const issue of error.details ?? []) errors[FORM_FIELD[issue.field] ?? 'form'] = `${issue.message}.`
  if (!hasErrors(errors)) errors.form = error.message
  return errors
}

const sameMinute = (a: string, b: string) => Math.floor(Date.parse(a) / 60_000) === Math.floor(Date.parse(b) / 60_000)
const sameIds = (a: string[], b: string[]) => [...a].sort().join() === [...b].sort().join()

// Only what the owner changed becomes TempKeyUpdated's `changes` (the form always sends every field).
export function formChanges(current: TempKeyFacts, input: TempKeyInput) {
  return {
    ...(sameMinute(current.validFrom, input.validFrom) ? {} : { validFrom: input.validFrom }),
    ...(sameMinute(current.validUntil, input.validUntil) ? {} : { validUntil: input.validUntil }),
    ...(current.accessMode === input.accessMode ? {} : { accessMode: input.accessMode }),
    ...(input.accessMode === 'public' || sameIds(current.allowedUserIds, input.allowedUserIds ?? []) ? {} : { allowedUserIds: input.allowedUserIds ?? [] }),
    ...(current.maxUses === (input.maxUses ?? null) ? {} : { maxUses: input.maxUses ?? null }),
    ...((current.description ?? '') === (input.description ?? '') ? {} : { description: input.description ?? '' }),
  }
}

export function editValues(deps: Deps, facts: TempKeyFacts): TempKeyFormValues {
  return {
    validFrom: isoToLocalUtc(facts.validFrom),
    validUntil: isoToLocalUtc(facts.validUntil),
    accessMode: facts.accessMode,
    allowedEmails: facts.allowedUserIds.map((id) => emailOf(deps, id) ?? id).join('\n'),
    maxUses: facts.maxUses === null ? '' : String(facts.maxUses),
    description: facts.description ?? '',
  }
}
