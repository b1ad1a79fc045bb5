// /admin/locks: the console's locks. Registering is the API's CreateLock (registerLock) with the owner and the
// organisation named at once, then the CLI's ConfigureLockDriver when a driver is chosen; a lock's owner,
// organisation and driver change through SetOwner, SetOrganization and ConfigureLockDriver. Everything the form says
// is checked before the first command, so a refused form registers nothing.
import { Value } from '@sinclair/typebox/value'
import { Elysia, t } from 'elysia'
import { normalizeEmail } from '../../auth/tenants'
import type { Lock } from '../../db/schema'
import type { CreateLock } from '../../domain/lock/commands'
import type { Deps } from '../../deps'
import { DomainError, NotFound } from '../../domain/errors'
import { configureLockDriver, lockDriverSettings, registerLock, setLockOrganization, setLockOwner } from '../../locks/provisioning'
import type { FormErrors, Notice } from '../../../views/components/admin'
import {
  AdminLockPage,
  type AdminLockView,
  AdminLocksPage,
  type DriverChoices,
  type DriverOption,
  EMPTY_REGISTRATION,
  type LockSettingField,
  type LockSummary,
  type RegisterLockField,
  type RegisterLockForm,
} from '../../../views/pages/admin-locks'
import { adminLockPath, adminLocksUrl } from '../../../views/paths'
import { Uuid } from '../models'
import { type Console, formPage, openConsole, openConsoleFor } from './admin'
import { CsrfField, html, pagePlugin, redirect } from './support'

const PAGE_SIZE = 50
const UUID = Uuid()
const TEXT_MAX = 800
// CreateLock's name, as the JSON API takes it.
const NAME_MAX = 200

async function summary(deps: Deps, lock: Lock): Promise<LockSummary> {
  const [owner, org] = await Promise.all([
    lock.ownerId === null ? undefined : deps.data.findUser(lock.ownerId),
    lock.orgId === null ? undefined : deps.data.findOrg(lock.orgId),
  ])
  return {
    lockId: lock.lockId,
    uuid: lock.uuid,
    name: lock.name ?? lock.vendorName,
    serialNumber: lock.serialNumber,
    owner: lock.ownerId === null ? null : (owner?.email ?? lock.ownerId),
    org: lock.orgId === null ? null : (org?.name ?? lock.orgId),
    driver: lock.driver,
    bridgeUrl: lock.bridgeUrl,
  }
}

const driverChoices = (deps: Deps): DriverChoices => ({
  defaultDriver: deps.config.lockDriver,
  available: ['simulated', ...(deps.config.bridgeSecret ? ['http'] : []), ...(deps.config.mqttUrl ? ['mqtt'] : [])],
})

type ListOptions = { cursor?: number; form?: RegisterLockForm; errors?: FormErrors<RegisterLockField>; notice?: Notice | null }

async function locksPage(deps: Deps, session: Console, options: ListOptions = {}) {
  const { locks, next } = await deps.data.listLocks({ after: options.cursor ?? null, limit: PAGE_SIZE })
  return AdminLocksPage({
    csrfToken: session.csrfToken,
    signedInAs: session.signedInAs,
    locks: await Promise.all(locks.map((lock) => summary(deps, lock))),
    cursor: options.cursor ?? null,
    nextCursor: next,
    form: options.form ?? EMPTY_REGISTRATION,
    errors: options.errors ?? {},
    notice: options.notice ?? null,
    drivers: driverChoices(deps),
  })
}

async function requireLock(deps: Deps, lockId: number): Promise<Lock> {
  const lock = await deps.data.findLock(lockId)
  if (!lock) throw new NotFound('No lock with this id')
  return lock
}

type LockPageOptions = { form?: Partial<AdminLockView['form']>; errors?: FormErrors<LockSettingField>; notice?: Notice | null }

async function lockPage(deps: Deps, session: Console, lock: Lock, options: LockPageOptions = {}) {
  const [owner, facts] = await Promise.all([lock.ownerId === null ? undefined : deps.data.findUser(lock.ownerId), summary(deps, lock)])
  const current = {
    ownerEmail: owner?.email ?? '',
    orgId: lock.orgId ?? '',
    driver: (lock.driver ?? 'default') as DriverOption,
    bridgeUrl: lock.bridgeUrl ?? '',
  }
  return AdminLockPage({
    csrfToken: session.csrfToken,
    signedInAs: session.signedInAs,
    lock: facts,
    form: { ...current, ...options.form },
    errors: options.errors ?? {},
    notice: options.notice ?? null,
    drivers: driverChoices(deps),
  })
}

const positiveInteger = (value: string) => (/^[1-9][0-9]{0,15}$/.test(value) && Number.isSafeInteger(Number(value)) ? Number(value) : null)

type Checked<T> = { ok: true; value: T } | { ok: false; error: string }

async function ownerOf(deps: Deps, email: string): Promise<Checked<string | null>> {
  if (email.trim() === '') return { ok: true, value: null }
  const user = await deps.data.findUserByEmail(normalizeEmail(email))
  return user ? { ok: true, value: user.userId } : { ok: false, error: 'No user has this e-mail address: create the user first.' }
}

async function orgOf(deps: Deps, orgId: string): Promise<Checked<string | null>> {
  if (orgId.trim() === '') return { ok: true, value: null }
  return (await deps.data.findOrg(orgId.trim())) ? { ok: true, value: orgId.trim() } : { ok: false, error: 'No organisation has this id.' }
}

// The driver the form chose, as ConfigureLockDriver takes it (null: leave the server's default); one this server can
// run, since a lock set to a driver the server lacks fails every open.
function driverOf(
  deps: Deps,
  driver: string,
  bridgeUrl: string,
):
  | Checked<{ driver: DriverOption; settings: ReturnType<typeof lockDriverSettings> | null }>
  | { ok: false; field: 'driver' | 'bridgeUrl'; error: string } {
  if (driver === 'default') return { ok: true, value: { driver, settings: null } }
  try {
    const settings = lockDriverSettings(driver, bridgeUrl.trim() === '' ? null : bridgeUrl.trim())
    if (!driverChoices(deps).available.includes(settings.driver)) {
      return { ok: false, field: 'driver', error: `This server does not run the ${settings.driver} driver.` }
    }
    return { ok: true, value: { driver: settings.driver, settings } }
  } catch (error) {
    if (!(error instanceof DomainError)) throw error
    const field = error.details?.[0]?.field === 'bridgeUrl' ? 'bridgeUrl' : 'driver'
    return { ok: false, field, error: field === 'bridgeUrl' ? 'Enter the http(s) address of the lock bridge.' : 'Choose a driver.' }
  }
}

type Registration =
  | { data: CreateLock['data']; settings: ReturnType<typeof lockDriverSettings> | null }
  | { errors: FormErrors<RegisterLockField> }

// rawDriver: the driver as sent (the form keeps a known option to show again).
async function checkRegistration(deps: Deps, form: RegisterLockForm, rawDriver: string): Promise<Registration> {
  const errors: FormErrors<RegisterLockField> = {}
  const lockId = positiveInteger(form.lockId.trim())
  const [existing, owner, org] = await Promise.all([
    lockId === null ? undefined : deps.data.findLock(lockId),
    ownerOf(deps, form.ownerEmail),
    orgOf(deps, form.orgId),
  ])
  if (lockId === null) errors.lockId = 'Enter a whole number above 0.'
  else if (existing) errors.lockId = `Lock ${lockId} is registered already.`
  if (!Value.Check(UUID, form.uuid.trim())) errors.uuid = 'Enter a UUID like 123e4567-e89b-12d3-a456-426614174000.'
  const index = form.index.trim() === '' ? lockId : positiveInteger(form.index.trim())
  if (index === null && lockId !== null) errors.index = 'Enter a whole number above 0, or leave it empty.'
  if (form.serialNumber.length > TEXT_MAX) errors.serialNumber = `Keep it to ${TEXT_MAX} characters or fewer.`
  if (form.name.trim().length > NAME_MAX) errors.name = `Keep it to ${NAME_MAX} characters or fewer.`
  if (!owner.ok) errors.ownerEmail = owner.error
  if (!org.ok) errors.orgId = org.error
  const driver = driverOf(deps, rawDriver, form.bridgeUrl)
  if (!driver.ok) errors['field' in driver ? driver.field : 'driver'] = driver.error
  if (lockId === null || index === null || !owner.ok || !org.ok || !driver.ok || Object.keys(errors).length > 0) return { errors }
  const optional = (value: string) => (value.trim() === '' ? null : value.trim())
  const data = {
    lockId,
    index,
    uuid: form.uuid.trim(),
    serialNumber: optional(form.serialNumber),
    vendorName: null,
    name: optional(form.name),
    ownerId: owner.value,
    orgId: org.value,
    keys: [],
  }
  return { data, settings: driver.value.settings }
}

const Text = t.Optional(t.String({ maxLength: 2000 }))
const LockParams = t.Object({ id: t.Integer({ exclusiveMinimum: 0, maximum: Number.MAX_SAFE_INTEGER }) })

export const adminLockPages = (deps: Deps) =>
  new Elysia({ name: 'pages.admin-locks', prefix: '/admin/locks', detail: { hide: true } })
    .use(pagePlugin(deps))
    .get(
      '',
      async ({ query, ...context }) => {
        const session = await openConsole(deps, context)
        if (session instanceof Response) return session
        const notice: Notice | null = query.registered ? { kind: 'ok', text: `Lock ${query.registered} registered.` } : null
        return html(await locksPage(deps, session, { cursor: query.cursor, notice }))
      },
      {
        query: t.Object({
          cursor: t.Optional(t.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
          registered: t.Optional(t.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
        }),
      },
    )
    .post(
      '',
      async ({ body, ...context }) => {
        const session = await openConsoleFor(deps, context, body)
        if (session instanceof Response) return session
        const driver = (['default', 'simulated', 'http', 'mqtt'] as const).find((option) => option === body.driver) ?? 'default'
        const form: RegisterLockForm = { ...EMPTY_REGISTRATION, ...body, driver }
        const checked = await checkRegistration(deps, form, body.driver ?? 'default')
        if (!('data' in checked)) {
          const status = checked.errors.lockId?.includes('registered already') ? 409 : 400
          return formPage(context.request, await locksPage(deps, session, { form, errors: checked.errors }), status)
        }
        const created = await registerLock(deps, checked.data, session.metadata)
        // Registered by someone else since the check: CreateLock was a no-op, and the driver is not ours to set.
        if (created.events.length === 0) {
          const errors = { lockId: `Lock ${checked.data.lockId} is registered already.` }
          return formPage(context.request, await locksPage(deps, session, { form, errors }), 409)
        }
        if (checked.settings) await configureLockDriver(deps, checked.data.lockId, checked.settings, session.metadata)
        return redirect(context.request, adminLocksUrl({ registered: checked.data.lockId }))
      },
      {
        body: t.Object({
          lockId: t.String({ maxLength: 40 }),
          uuid: t.String({ maxLength: 100 }),
          index: Text,
          serialNumber: Text,
          name: Text,
          ownerEmail: Text,
          orgId: Text,
          driver: t.Optional(t.String({ maxLength: 20 })),
          bridgeUrl: Text,
          _csrf: CsrfField,
        }),
      },
    )
    .get(
      '/:id',
      async ({ params, ...context }) => {
        const session = await openConsole(deps, context)
        if (session instanceof Response) return session
        return html(await lockPage(deps, session, await requireLock(deps, params.id)))
      },
      { params: LockParams },
    )
    .post(
      '/:id/owner',
      async ({ params, body, ...context }) => {
        const session = await openConsoleFor(deps, context, body)
        if (session instanceof Response) return session
        const [lock, owner] = await Promise.all([requireLock(deps, params.id), ownerOf(deps, body.ownerEmail)])
        if (!owner.ok || owner.value === null) {
          const errors = { ownerEmail: owner.ok ? 'Enter the owner’s e-mail address.' : owner.error }
          return formPage(context.request, await lockPage(deps, session, lock, { form: { ownerEmail: body.ownerEmail }, errors }), 400)
        }
        await setLockOwner(deps, lock.lockId, owner.value, session.metadata)
        return redirect(context.request, adminLockPath(lock.lockId))
      },
      { params: LockParams, body: t.Object({ ownerEmail: t.String({ maxLength: 320 }), _csrf: CsrfField }) },
    )
    .post(
      '/:id/org',
      async ({ params, body, ...context }) => {
        const session = await openConsoleFor(deps, context, body)
        if (session instanceof Response) return session
        const [lock, org] = await Promise.all([requireLock(deps, params.id), orgOf(deps, body.orgId)])
        if (!org.ok || org.value === null) {
          const errors = { orgId: org.ok ? 'Enter the organisation’s id.' : org.error }
          return formPage(context.request, await lockPage(deps, session, lock, { form: { orgId: body.orgId }, errors }), 400)
        }
        await setLockOrganization(deps, lock.lockId, org.value, session.metadata)
        return redirect(context.request, adminLockPath(lock.lockId))
      },
      { params: LockParams, body: t.Object({ orgId: t.String({ maxLength: 200 }), _csrf: CsrfField }) },
    )
    .post(
      '/:id/driver',
      async ({ params, body, ...context }) => {
        const session = await openConsoleFor(deps, context, body)
        if (session instanceof Response) return session
        const lock = await requireLock(deps, params.id)
        const bridgeUrl = body.bridgeUrl ?? ''
        const driver = driverOf(deps, body.driver ?? '', bridgeUrl)
        if (!driver.ok) {
          const errors = { ['field' in driver ? driver.field : 'driver']: driver.error }
          const form = { driver: 'default' as const, bridgeUrl }
          return formPage(context.request, await lockPage(deps, session, lock, { form, errors }), 400)
        }
        const settings = driver.value.settings ?? { driver: null, bridgeUrl: null }
        await configureLockDriver(deps, lock.lockId, settings, session.metadata)
        return redirect(context.request, adminLockPath(lock.lockId))
      },
      { params: LockParams, body: t.Object({ driver: t.Optional(t.String({ maxLength: 20 })), bridgeUrl: Text, _csrf: CsrfField }) },
    )
