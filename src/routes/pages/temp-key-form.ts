// The owner's temp-key form: its fields as sent, and the conversion to the API's input — datetime-local values
// read in the browser's time zone, e-mail addresses resolved to users, weekly windows checked against the API's
// ScheduleSchema — with errors per field for the page.
import { Value } from '@sinclair/typebox/value'
import { t } from 'elysia'
import { findOrCreateUserByEmail, normalizeEmail } from '../../auth/tenants'
import type { TempKeyRow } from '../../db/schema'
import type { Deps } from '../../deps'
import type { DomainError } from '../../domain/errors'
import { isValidTimezone, zonedInstant } from '../../domain/lock/schedule'
import type { Schedule } from '../../domain/lock/state'
import type { EventMetadata } from '../../eventstore/types'
import { CsrfField } from './support'
import { ScheduleSchema, type TempKeyFacts, type TempKeyInput } from '../../locks/temp-keys'
import type { FormErrors, TempKeyFormValues, WindowValues } from '../../../views/components/temp-key-form'
import { EMAIL_PATTERN } from '../models'

export const KeyForm = t.Object({
  _csrf: CsrfField,
  timezone: t.Optional(t.String({ maxLength: 64 })),
  validFrom: t.Optional(t.String({ maxLength: 40 })),
  validUntil: t.Optional(t.String({ maxLength: 40 })),
  accessMode: t.Optional(t.String({ maxLength: 20 })),
  allowedEmails: t.Optional(t.String({ maxLength: 20_000 })),
  maxUses: t.Optional(t.String({ maxLength: 20 })),
  description: t.Optional(t.String({ maxLength: 4000 })),
  // The weekly windows, one row each: from/until repeat in row order, a ticked day is sent as "<row>:<day>".
  scheduleMode: t.Optional(t.String({ maxLength: 20 })),
  scheduleTimezone: t.Optional(t.String({ maxLength: 64 })),
  windowFrom: t.Optional(t.Union([t.String({ maxLength: 20 }), t.Array(t.String({ maxLength: 20 }), { maxItems: 28 })])),
  windowUntil: t.Optional(t.Union([t.String({ maxLength: 20 }), t.Array(t.String({ maxLength: 20 }), { maxItems: 28 })])),
  windowDays: t.Optional(t.Union([t.String({ maxLength: 20 }), t.Array(t.String({ maxLength: 20 }), { maxItems: 196 })])),
})
export type KeyFormBody = typeof KeyForm.static

const listOf = (value: string | string[] | undefined) => (value === undefined ? [] : Array.isArray(value) ? value : [value])

// The window rows as sent (a row's days are the "<row>:<day>" values with its index).
function windowValues(body: KeyFormBody): WindowValues[] {
  const froms = listOf(body.windowFrom)
  const untils = listOf(body.windowUntil)
  const days = listOf(body.windowDays)
  return Array.from({ length: Math.max(froms.length, untils.length) }, (_, row) => ({
    days: days.filter((day) => day.startsWith(`${row}:`)).map((day) => day.slice(`${row}:`.length)),
    from: froms[row] ?? '',
    until: untils[row] ?? '',
  }))
}

export const formValues = (body: KeyFormBody): TempKeyFormValues => ({
  validFrom: body.validFrom ?? '',
  validUntil: body.validUntil ?? '',
  accessMode: body.accessMode === 'user-whitelist' ? 'user-whitelist' : 'public',
  allowedEmails: body.allowedEmails ?? '',
  maxUses: body.maxUses ?? '',
  description: body.description ?? '',
  scheduleMode: body.scheduleMode === 'weekly' ? 'weekly' : 'none',
  scheduleTimezone: body.scheduleTimezone ?? '',
  windows: windowValues(body),
})

const isBlankRow = (w: WindowValues) => w.days.length === 0 && w.from.trim() === '' && w.until.trim() === ''

// What the schema's complaint about a window's field means on the form.
const WINDOW_PROBLEM: Record<string, (w: WindowValues) => string> = {
  days: (w) => (w.days.length === 0 ? 'Tick at least one day.' : 'Choose days from Monday to Sunday, each once.'),
  from: () => 'Enter the time the window opens (HH:MM).',
  until: () => 'Enter the time the window closes (HH:MM).',
}

type ParsedSchedule = { schedule: Schedule | null | undefined; windowRows: number[]; errors: FormErrors }

// The schedule the form asks for: undefined when the form has no schedule part (nothing to change), null for "any
// time", else the filled rows checked with the API's ScheduleSchema and isValidTimezone; blank rows are skipped.
function parseSchedule(body: KeyFormBody, values: TempKeyFormValues): ParsedSchedule {
  if (body.scheduleMode === undefined) return { schedule: undefined, windowRows: [], errors: {} }
  if (body.scheduleMode !== 'weekly') return { schedule: null, windowRows: [], errors: {} }
  const errors: FormErrors = {}
  const windowRows = values.windows.flatMap((w, row) => (isBlankRow(w) ? [] : [row]))
  const filled = windowRows.map((row) => values.windows[row] ?? { days: [], from: '', until: '' })
  const candidate = {
    timezone: values.scheduleTimezone.trim(),
    weekly: filled.map((w) => ({ days: w.days, from: w.from.trim(), until: w.until.trim() })),
  }
  if (!isValidTimezone(candidate.timezone)) errors.scheduleTimezone = 'Enter a time zone such as Europe/Berlin.'
  if (filled.length === 0) errors.windows = 'Add at least one window: tick its days and set its times.'
  for (const issue of Value.Errors(ScheduleSchema, candidate)) {
    const [, part, index, field] = issue.path.split('/')
    const row = windowRows[Number(index)]
    const w = filled[Number(index)]
    const problem = WINDOW_PROBLEM[field ?? '']
    if (part === 'weekly' && row !== undefined && w !== undefined && problem) {
      const key: `windows.${number}` = `windows.${row}`
      if (!errors[key]?.includes(problem(w))) errors[key] = [errors[key], problem(w)].filter(Boolean).join(' ')
    } else if (part === 'timezone') errors.scheduleTimezone ??= 'Enter a time zone such as Europe/Berlin.'
    else errors.windows ??= 'Check the weekly windows.'
  }
  return { schedule: Value.Check(ScheduleSchema, candidate) ? candidate : null, windowRows, errors }
}

const LOCAL_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?$/

// A datetime-local value read in the browser's time zone (UTC without JS) -> an ISO instant, or null.
export function localToIso(value: string, timezone: string): string | null {
  const m = LOCAL_DATE_TIME.exec(value)
  if (!m) return null
  const [y, mo, d, h, mi] = m.slice(1).map(Number)
  if (y === undefined || mo === undefined || d === undefined || h === undefined || mi === undefined) return null
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return null
  return new Date(zonedInstant(timezone, y, mo, d, h * 60 + mi)).toISOString()
}

// The UTC instant as a datetime-local value (what the form shows without JS).
const isoToLocalUtc = (iso: string) => iso.slice(0, 16)

// `emails`: the whitelist as typed, for listedPeople once the form is valid; input.allowedUserIds holds the ids typed.
type ParsedForm = { input: TempKeyInput; emails: string[]; errors: FormErrors; windowRows: number[] }

const isEmail = (value: string) => value.length <= 254 && new RegExp(EMAIL_PATTERN).test(value)
const isUuid = (value: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)

// Form -> the API's input: times in the browser's zone, whitelist entries checked for their form only. An entry
// may be a user id: the page shows people entered through the API by id, and saving the form again keeps them.
export function parseKeyForm(body: KeyFormBody): ParsedForm {
  const values = formValues(body)
  const timezone = body.timezone && isValidTimezone(body.timezone) ? body.timezone : 'UTC'
  const errors: FormErrors = {}
  const validFrom = localToIso(values.validFrom, timezone)
  const validUntil = localToIso(values.validUntil, timezone)
  if (!validFrom) errors.validFrom = 'Enter the date and time the key starts to work.'
  if (!validUntil) errors.validUntil = 'Enter the date and time the key stops working.'
  if (body.accessMode !== 'public' && body.accessMode !== 'user-whitelist') errors.accessMode = 'Choose who may open.'
  const entries = values.allowedEmails.split(/[\s,;]+/).filter((entry) => entry !== '')
  const allowedUserIds = entries.filter(isUuid).map((id) => id.toLowerCase())
  const emails = entries.filter((entry) => !isUuid(entry)).map(normalizeEmail)
  if (values.accessMode === 'user-whitelist') {
    const malformed = emails.filter((email) => !isEmail(email))
    if (malformed.length > 0) errors.allowedEmails = `Not an e-mail address: ${malformed.join(', ')}.`
    else if (entries.length === 0) errors.allowedEmails = 'List at least one person, or let anyone with the link open.'
  }
  let maxUses: number | null = null
  if (values.maxUses.trim() !== '') {
    const n = Number(values.maxUses)
    if (!Number.isSafeInteger(n) || n < 1) errors.maxUses = 'Enter a whole number of at least 1, or leave it empty.'
    else maxUses = n
  }
  if (values.description.length > 2000) errors.description = 'At most 2000 characters.'
  const { schedule, windowRows, errors: scheduleErrors } = parseSchedule(body, values)
  Object.assign(errors, scheduleErrors)
  const input: TempKeyInput = {
    accessMode: values.accessMode,
    allowedUserIds,
    validFrom: validFrom ?? '',
    validUntil: validUntil ?? '',
    maxUses,
    ...(values.description.trim() !== '' ? { description: values.description } : {}),
    ...(schedule !== undefined ? { schedule } : {}),
  }
  return { input, emails: values.accessMode === 'user-whitelist' ? emails : [], errors, windowRows }
}

// The people typed by e-mail, each found or created as GET /users/by-email does: the page answers the same whether
// or not an address has an account, so it cannot be used to learn which ones do. Their e-mails go with the command
// (metadata) into the read model, as the only e-mails the page shows.
export async function listedPeople(deps: Deps, input: TempKeyInput, emails: string[], metadata: EventMetadata) {
  const enteredEmails: Record<string, string> = {}
  for (const email of emails) enteredEmails[(await findOrCreateUserByEmail(deps, { email }, metadata)).user.userId] = email
  const allowedUserIds = [...new Set([...(input.allowedUserIds ?? []), ...Object.keys(enteredEmails)])]
  return { input: { ...input, allowedUserIds }, metadata: { ...metadata, enteredEmails } }
}

// A key's whitelist as the page shows it: the e-mail a manager typed, else the id.
export function whitelistLabels(row: Pick<TempKeyRow, 'enteredEmails'>, ids: string[]): string[] {
  const entered: Record<string, string> = row.enteredEmails === null ? {} : JSON.parse(row.enteredEmails)
  return ids.map((id) => entered[id] ?? id)
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

const WINDOW_FIELD: Record<string, string> = { days: 'Days', from: 'From', until: 'Until' }

// A schedule issue (`schedule.timezone`, `schedule.weekly[i].until`) on the form: `i` counts the filled rows only.
function scheduleField(field: string, windowRows: number[]): { key: keyof FormErrors; label: string } | null {
  if (field === 'schedule.timezone') return { key: 'scheduleTimezone', label: 'The time zone' }
  if (field === 'schedule' || field === 'schedule.weekly') return { key: 'windows', label: 'The schedule' }
  const m = /^schedule\.weekly\[(\d+)\](?:\.(\w+))?/.exec(field)
  if (!m) return null
  const row = windowRows[Number(m[1])] ?? Number(m[1])
  return { key: `windows.${row}`, label: WINDOW_FIELD[m[2] ?? ''] ?? 'The window' }
}

export function domainErrors(error: DomainError, windowRows: number[] = []): FormErrors {
  if (error.status !== 400) throw error
  const errors: FormErrors = {}
  for (const issue of error.details ?? []) {
    const scheduled = scheduleField(issue.field, windowRows)
    if (scheduled) errors[scheduled.key] = `${scheduled.label} ${issue.message}.`
    else errors[FORM_FIELD[issue.field] ?? 'form'] = `${issue.message}.`
  }
  if (!hasErrors(errors)) errors.form = error.message
  return errors
}

const sameMinute = (a: string, b: string) => Math.floor(Date.parse(a) / 60_000) === Math.floor(Date.parse(b) / 60_000)
const sameIds = (a: string[], b: string[]) => [...a].sort().join() === [...b].sort().join()

// Schedules compared by meaning: the order of a window's days does not matter.
const scheduleKey = (schedule: Schedule | null | undefined) =>
  schedule ? JSON.stringify({ ...schedule, weekly: schedule.weekly.map((w) => ({ ...w, days: [...w.days].sort() })) }) : 'none'

// Only what the owner changed becomes TempKeyUpdated's `changes` (the form always sends every field).
export function formChanges(current: TempKeyFacts, input: TempKeyInput) {
  return {
    ...(sameMinute(current.validFrom, input.validFrom) ? {} : { validFrom: input.validFrom }),
    ...(sameMinute(current.validUntil, input.validUntil) ? {} : { validUntil: input.validUntil }),
    ...(current.accessMode === input.accessMode ? {} : { accessMode: input.accessMode }),
    ...(input.accessMode === 'public' || sameIds(current.allowedUserIds, input.allowedUserIds ?? [])
      ? {}
      : { allowedUserIds: input.allowedUserIds ?? [] }),
    ...(current.maxUses === (input.maxUses ?? null) ? {} : { maxUses: input.maxUses ?? null }),
    ...((current.description ?? '') === (input.description ?? '') ? {} : { description: input.description ?? '' }),
    ...(input.schedule === undefined || scheduleKey(current.schedule) === scheduleKey(input.schedule) ? {} : { schedule: input.schedule }),
  }
}

export function editValues(facts: TempKeyFacts, whitelist: string[]): TempKeyFormValues {
  return {
    validFrom: isoToLocalUtc(facts.validFrom),
    validUntil: isoToLocalUtc(facts.validUntil),
    accessMode: facts.accessMode,
    allowedEmails: whitelist.join('\n'),
    maxUses: facts.maxUses === null ? '' : String(facts.maxUses),
    description: facts.description ?? '',
    scheduleMode: facts.schedule ? 'weekly' : 'none',
    scheduleTimezone: facts.schedule?.timezone ?? '',
    windows: facts.schedule?.weekly.map((w) => ({ days: [...w.days], from: w.from, until: w.until })) ?? [],
  }
}
