// /admin/locks: every lock by id, a page at a time, and the form that registers one (id, UUID, serial number, name,
// owner, organisation, driver); /admin/locks/{id}: one lock, with forms for its owner, organisation and driver.
import { AdminShell, CsrfField, Field, FormError, type FormErrors, type Notice, NoticeBox } from '../components/admin'
import { ADMIN_LOCKS_PATH, adminLockPath, adminLocksUrl } from '../paths'

export type DriverOption = 'default' | 'simulated' | 'http' | 'mqtt'

export type LockSummary = {
  lockId: number
  uuid: string
  name: string | null
  serialNumber: string | null
  owner: string | null
  org: string | null
  // null: the server's default driver.
  driver: string | null
  bridgeUrl: string | null
}

export type RegisterLockField = 'lockId' | 'uuid' | 'index' | 'serialNumber' | 'name' | 'ownerEmail' | 'orgId' | 'driver' | 'bridgeUrl'
export type RegisterLockForm = Record<Exclude<RegisterLockField, 'driver'>, string> & { driver: DriverOption }

export type DriverChoices = { defaultDriver: string; available: string[] }

export type AdminLocksView = {
  csrfToken: string
  signedInAs: string
  locks: LockSummary[]
  cursor: number | null
  nextCursor: number | null
  form: RegisterLockForm
  errors: FormErrors<RegisterLockField>
  notice: Notice | null
  drivers: DriverChoices
}

export type LockSettingField = 'ownerEmail' | 'orgId' | 'driver' | 'bridgeUrl'

export type AdminLockView = {
  csrfToken: string
  signedInAs: string
  lock: LockSummary
  form: { ownerEmail: string; orgId: string; driver: DriverOption; bridgeUrl: string }
  errors: FormErrors<LockSettingField>
  notice: Notice | null
  drivers: DriverChoices
}

export const EMPTY_REGISTRATION: RegisterLockForm = {
  lockId: '',
  uuid: '',
  index: '',
  serialNumber: '',
  name: '',
  ownerEmail: '',
  orgId: '',
  driver: 'default',
  bridgeUrl: '',
}

const driverLabel = (lock: Pick<LockSummary, 'driver' | 'bridgeUrl'>) =>
  lock.driver === null ? 'server default' : lock.driver === 'http' ? `http · ${lock.bridgeUrl ?? ''}` : lock.driver

function LockTable({ locks }: { locks: LockSummary[] }): JSX.Element {
  return (
    <table class="admin-list">
      <thead>
        <tr>
          <th scope="col">Lock</th>
          <th scope="col">Name</th>
          <th scope="col">Owner</th>
          <th scope="col">Organisation</th>
          <th scope="col">Driver</th>
        </tr>
      </thead>
      <tbody>
        {locks.map((lock) => (
          <tr>
            <td data-label="Lock">
              <a href={adminLockPath(lock.lockId)} safe>{`Lock ${lock.lockId}`}</a>
            </td>
            <td data-label="Name" safe>
              {lock.name ?? ''}
            </td>
            <td data-label="Owner" safe>
              {lock.owner ?? 'none'}
            </td>
            <td data-label="Organisation" safe>
              {lock.org ?? 'none'}
            </td>
            <td data-label="Driver" safe>
              {driverLabel(lock)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  )
}

const DRIVER_TEXT: Record<DriverOption, string> = {
  default: 'Server default',
  simulated: 'Simulated (no device: every open succeeds)',
  http: 'HTTP bridge',
  mqtt: 'MQTT',
}

// The driver radios and the bridge address: plain fields, so the form works without JavaScript.
function DriverFields({
  prefix,
  driver,
  bridgeUrl,
  errors,
  drivers,
}: {
  prefix: string
  driver: DriverOption
  bridgeUrl: string
  errors: FormErrors<'driver' | 'bridgeUrl'>
  drivers: DriverChoices
}): JSX.Element {
  const options: DriverOption[] = ['default', 'simulated', 'http', 'mqtt']
  return (
    <fieldset aria-describedby={errors.driver ? `${prefix}-driver-error ${prefix}-driver-hint` : `${prefix}-driver-hint`}>
      <legend>Driver</legend>
      {options.map((option) => (
        <label class="choice">
          <input type="radio" name="driver" value={option} checked={driver === option} aria-invalid={errors.driver ? 'true' : undefined} />
          <span safe>{option === 'default' ? `${DRIVER_TEXT.default} (${drivers.defaultDriver})` : DRIVER_TEXT[option]}</span>
        </label>
      ))}
      <p class="muted small" id={`${prefix}-driver-hint`} safe>
        {`This server runs: ${drivers.available.join(', ')}. HTTP needs BRIDGE_SECRET, MQTT needs MQTT_URL.`}
      </p>
      {errors.driver ? (
        <p class="field-error" id={`${prefix}-driver-error`} safe>
          {errors.driver}
        </p>
      ) : (
        ''
      )}
      <Field
        id={`${prefix}-bridge-url`}
        name="bridgeUrl"
        type="url"
        label="Bridge address (HTTP only)"
        value={bridgeUrl}
        error={errors.bridgeUrl}
        hint="For example https://bridge.example.com/locks/7"
        maxlength={2000}
      />
    </fieldset>
  )
}

export function AdminLocksPage(view: AdminLocksView): JSX.Element {
  const { csrfToken, signedInAs, locks, form, errors } = view
  return (
    <AdminShell title="Locks" section="locks" csrfToken={csrfToken} signedInAs={signedInAs}>
      <section class="card">
        <h1>Locks</h1>
        <NoticeBox notice={view.notice} />
        {locks.length === 0 ? <p class="empty">No locks on this page.</p> : <LockTable locks={locks} />}
        {view.nextCursor !== null || view.cursor !== null ? (
          <nav class="pager" aria-label="Pages">
            {view.cursor !== null ? <a href={ADMIN_LOCKS_PATH}>First page</a> : ''}
            {view.nextCursor !== null ? <a href={adminLocksUrl({ cursor: view.nextCursor })}>Next page</a> : ''}
          </nav>
        ) : (
          ''
        )}
      </section>
      <section class="card">
        <h2>Register a lock</h2>
        <form method="post" action={ADMIN_LOCKS_PATH} class="admin-form">
          <CsrfField token={csrfToken} />
          <FormError message={errors.form} />
          <Field id="lock-id" name="lockId" label="Lock id" value={form.lockId} error={errors.lockId} inputmode="numeric" required />
          <Field id="lock-uuid" name="uuid" label="UUID" value={form.uuid} error={errors.uuid} required hint="As the lock reports it." />
          <Field
            id="lock-serial"
            name="serialNumber"
            label="Serial number (optional)"
            value={form.serialNumber}
            error={errors.serialNumber}
            maxlength={800}
          />
          <Field
            id="lock-name"
            name="name"
            label="Name (optional)"
            value={form.name}
            error={errors.name}
            maxlength={800}
            hint="How pages name the lock, e.g. Front door."
          />
          <Field
            id="lock-index"
            name="index"
            label="Index number (optional)"
            value={form.index}
            error={errors.index}
            inputmode="numeric"
            hint="Left empty, the lock id."
          />
          <Field
            id="lock-owner"
            name="ownerEmail"
            type="email"
            label="Owner's e-mail (optional)"
            value={form.ownerEmail}
            error={errors.ownerEmail}
          />
          <Field id="lock-org" name="orgId" label="Organisation id (optional)" value={form.orgId} error={errors.orgId} maxlength={128} />
          <DriverFields prefix="lock" driver={form.driver} bridgeUrl={form.bridgeUrl} errors={errors} drivers={view.drivers} />
          <p>
            <button type="submit">Register the lock</button>
          </p>
        </form>
      </section>
    </AdminShell>
  )
}

export function AdminLockPage(view: AdminLockView): JSX.Element {
  const { csrfToken, signedInAs, lock, form, errors } = view
  const base = adminLockPath(lock.lockId)
  return (
    <AdminShell title={`Lock ${lock.lockId}`} section="locks" csrfToken={csrfToken} signedInAs={signedInAs}>
      <section class="card">
        <p class="eyebrow">
          <a href={ADMIN_LOCKS_PATH}>Locks</a>
        </p>
        <h1 safe>{lock.name ? `Lock ${lock.lockId} · ${lock.name}` : `Lock ${lock.lockId}`}</h1>
        <NoticeBox notice={view.notice} />
        <FormError message={errors.form} />
        <dl class="lock-facts">
          <dt>UUID</dt>
          <dd>
            <code safe>{lock.uuid}</code>
          </dd>
          <dt>Serial number</dt>
          <dd safe>{lock.serialNumber ?? 'none'}</dd>
          <dt>Owner</dt>
          <dd safe>{lock.owner ?? 'none'}</dd>
          <dt>Organisation</dt>
          <dd safe>{lock.org ?? 'none'}</dd>
          <dt>Driver</dt>
          <dd safe>{driverLabel(lock)}</dd>
        </dl>
      </section>
      <section class="card">
        <h2>Owner</h2>
        <form method="post" action={`${base}/owner`} class="admin-form">
          <CsrfField token={csrfToken} />
          <Field
            id="owner-email"
            name="ownerEmail"
            type="email"
            label="Owner's e-mail"
            value={form.ownerEmail}
            error={errors.ownerEmail}
            required
          />
          <button type="submit">Set the owner</button>
        </form>
      </section>
      <section class="card">
        <h2>Organisation</h2>
        <form method="post" action={`${base}/org`} class="admin-form">
          <CsrfField token={csrfToken} />
          <Field id="org-id" name="orgId" label="Organisation id" value={form.orgId} error={errors.orgId} required maxlength={128} />
          <button type="submit">Set the organisation</button>
        </form>
      </section>
      <section class="card">
        <h2>Driver</h2>
        <form method="post" action={`${base}/driver`} class="admin-form">
          <CsrfField token={csrfToken} />
          <DriverFields prefix="setting" driver={form.driver} bridgeUrl={form.bridgeUrl} errors={errors} drivers={view.drivers} />
          <button type="submit">Set the driver</button>
        </form>
      </section>
    </AdminShell>
  )
}
