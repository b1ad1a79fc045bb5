// The console's locks over HTTP: register a lock (id, UUID, serial number, name, owner, organisation, driver) through
// CreateLock and ConfigureLockDriver, change a lock's owner, organisation and driver, each audited under the
// administrator; every refused form changes nothing, and only site administrators get in; on both databases.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { createOrg } from '../../../src/auth/tenants'
import { BACKENDS, contextOn } from '../../support/context'
import { consoleWorld, expectRefusedToOutsiders } from '../../support/console'
import { createTestLock, freshLockId } from '../../support/locks'
import { uniqueId } from '../../support/temp-db'

type Ctx = Awaited<ReturnType<typeof contextOn>>

// An administrator, a plain user and an organisation of their own, new on the context.
async function world(ctx: Ctx) {
  const w = await consoleWorld(ctx)
  const orgId = uniqueId('acme')
  await createOrg(ctx.deps, { orgId, orgName: 'Acme' }, 'test')
  return { ...w, orgId }
}

const registration = (lockId: number, overrides: Record<string, string> = {}) => ({
  lockId: String(lockId),
  uuid: crypto.randomUUID(),
  serialNumber: 'SN-1',
  name: 'Front door',
  index: '',
  ownerEmail: '',
  orgId: '',
  driver: 'default',
  bridgeUrl: '',
  ...overrides,
})

for (const backend of BACKENDS) {
  describe(`the console's locks (${backend})`, () => {
    let ctx: Ctx
    beforeAll(async () => {
      ctx = await contextOn(backend)
    })
    afterAll(() => ctx.close())

    describe('POST /admin/locks', () => {
      it('should register a simulated lock with its owner and organisation, audited, and list it', async () => {
        const w = await world(ctx)
        const lockId = freshLockId()
        const form = registration(lockId, { ownerEmail: w.plain.email.toUpperCase(), orgId: w.orgId, driver: 'simulated' })
        const res = await w.post('/admin/locks', form)
        expect(res.status).toBe(303)
        expect(res.headers.get('location')).toBe(`/admin/locks?registered=${lockId}`)
        expect(await w.ctx.deps.data.findLock(lockId)).toMatchObject({
          uuid: form.uuid,
          index: lockId,
          serialNumber: 'SN-1',
          name: 'Front door',
          ownerId: w.plain.userId,
          orgId: w.orgId,
          driver: 'simulated',
        })
        const events = await w.ctx.streamEvents(`lock-${lockId}`)
        expect(events.map((e) => [e.type, e.metadata.principal])).toEqual([
          ['LockCreated', w.admin.userId],
          ['LockDriverConfigured', w.admin.userId],
        ])
        const list = await w.page(res.headers.get('location') ?? '')
        expect(list.text).toContain(`Lock ${lockId} registered.`)
        expect(list.text).toContain(`href="/admin/locks/${lockId}"`)
        expect(list.text).toContain(w.plain.email)
      })

      it('should leave the driver to the server default unless one is chosen (one event only)', async () => {
        const w = await world(ctx)
        const lockId = freshLockId()
        expect((await w.post('/admin/locks', registration(lockId, { index: '7' }))).status).toBe(303)
        expect(await w.ctx.deps.data.findLock(lockId)).toMatchObject({ index: 7, driver: null, ownerId: null, orgId: null })
        expect((await w.ctx.streamEvents(`lock-${lockId}`)).map((e) => e.type)).toEqual(['LockCreated'])
      })

      it('should refuse bad input in the page (each field named) and register nothing', async () => {
        const w = await world(ctx)
        const taken = await createTestLock(w.ctx)
        const lockId = freshLockId()
        const before = await w.head()
        const cases: [Record<string, string>, number, string][] = [
          [registration(0), 400, 'Enter a whole number above 0.'],
          [registration(lockId, { uuid: 'not-a-uuid' }), 400, 'Enter a UUID'],
          [registration(lockId, { ownerEmail: 'nobody@example.test' }), 400, 'No user has this e-mail address'],
          [registration(lockId, { orgId: 'ghost' }), 400, 'No organisation has this id.'],
          [registration(lockId, { driver: 'http', bridgeUrl: 'ftp://bridge' }), 400, 'http(s) address of the lock bridge'],
          [registration(lockId, { driver: 'mqtt' }), 400, 'does not run the mqtt driver'],
          [registration(lockId, { driver: 'teleport' }), 400, 'Choose a driver.'],
          [registration(taken.lockId), 409, 'registered already'],
        ]
        for (const [form, status, message] of cases) {
          const res = await w.post('/admin/locks', form)
          expect({ status: res.status, said: res.text.includes(message) }).toEqual({ status, said: true })
          expect(res.text).toContain('aria-invalid="true"')
        }
        expect(await w.head()).toBe(before)
        expect(await w.ctx.deps.data.findLock(lockId)).toBeUndefined()
      })

      it('should take an HTTP bridge when this server has its secret', async () => {
        // A server of its own: the others run without the bridge's secret.
        const own = await contextOn(backend, { BRIDGE_SECRET: 'a'.repeat(32) })
        try {
          const w = await world(own)
          const lockId = freshLockId()
          const form = registration(lockId, { driver: 'http', bridgeUrl: 'https://bridge.example.test/locks/1' })
          expect((await w.post('/admin/locks', form)).status).toBe(303)
          expect(await w.ctx.deps.data.findLock(lockId)).toMatchObject({ driver: 'http', bridgeUrl: 'https://bridge.example.test/locks/1' })
        } finally {
          await own.close()
        }
      })

      it('should refuse visitors, plain users and forms without a CSRF token', async () => {
        const w = await world(ctx)
        const lockId = freshLockId()
        const res = await expectRefusedToOutsiders(w, '/admin/locks', registration(lockId))
        expect([res.visitor.status, res.plain.status, res.forged.status, res.appended]).toEqual([303, 403, 403, 0])
        expect(await w.ctx.deps.data.findLock(lockId)).toBeUndefined()
      })
    })

    describe('GET /admin/locks', () => {
      it('should page through the locks by id and keep them from anyone but administrators', async () => {
        const w = await world(ctx)
        const first = await createTestLock(w.ctx, { vendorName: '<script>x</script>' })
        const res = await w.page('/admin/locks')
        expect(res.status).toBe(200)
        expect(res.text).toContain('&lt;script&gt;x&lt;/script&gt;')
        const after = await w.page(`/admin/locks?cursor=${first.lockId}`)
        expect(after.text).not.toContain(`href="/admin/locks/${first.lockId}"`)
        expect((await w.page('/admin/locks', null)).status).toBe(303)
        expect((await w.page('/admin/locks', w.plain.userId)).status).toBe(403)
        expect((await w.page(`/admin/locks/${first.lockId}`, w.plain.userId)).status).toBe(403)
      })
    })

    describe('a lock’s owner, organisation and driver', () => {
      it('should set each through its command, audited under the administrator', async () => {
        const w = await world(ctx)
        const lock = await createTestLock(w.ctx)
        const path = `/admin/locks/${lock.lockId}`
        expect((await w.post(`${path}/owner`, { ownerEmail: w.plain.email })).status).toBe(303)
        expect((await w.post(`${path}/org`, { orgId: w.orgId })).status).toBe(303)
        expect((await w.post(`${path}/driver`, { driver: 'simulated', bridgeUrl: '' })).status).toBe(303)
        expect(await w.ctx.deps.data.findLock(lock.lockId)).toMatchObject({ ownerId: w.plain.userId, orgId: w.orgId, driver: 'simulated' })
        expect((await w.post(`${path}/driver`, { driver: 'default' })).status).toBe(303)
        expect((await w.ctx.deps.data.findLock(lock.lockId))?.driver).toBeNull()
        const events = (await w.ctx.streamEvents(lock.streamId)).slice(-4)
        expect(events.map((e) => [e.type, e.metadata.principal])).toEqual([
          ['OwnerSet', w.admin.userId],
          ['OrganizationSet', w.admin.userId],
          ['LockDriverConfigured', w.admin.userId],
          ['LockDriverConfigured', w.admin.userId],
        ])
        const page = await w.page(path)
        expect(page.text).toContain(w.plain.email)
        expect(page.text).toContain('Acme')
      })

      it('should refuse an unknown owner or organisation and a bad driver in the page, changing nothing', async () => {
        const w = await world(ctx)
        const lock = await createTestLock(w.ctx)
        const path = `/admin/locks/${lock.lockId}`
        const before = await w.head()
        expect((await w.post(`${path}/owner`, { ownerEmail: 'nobody@example.test' })).status).toBe(400)
        expect((await w.post(`${path}/org`, { orgId: 'ghost' })).status).toBe(400)
        const bad = await w.post(`${path}/driver`, { driver: 'http', bridgeUrl: 'not a url' })
        expect(bad.status).toBe(400)
        expect(bad.text).toContain('http(s) address of the lock bridge')
        expect((await w.post('/admin/locks/999999999/owner', { ownerEmail: w.plain.email })).status).toBe(404)
        expect(await w.head()).toBe(before)
      })

      it('should refuse visitors, plain users and forms without a CSRF token', async () => {
        const w = await world(ctx)
        const lock = await createTestLock(w.ctx)
        const path = `/admin/locks/${lock.lockId}`
        for (const [action, form] of [
          ['owner', { ownerEmail: w.plain.email }],
          ['org', { orgId: w.orgId }],
          ['driver', { driver: 'simulated' }],
        ] as const) {
          const res = await expectRefusedToOutsiders(w, `${path}/${action}`, form)
          expect([res.visitor.status, res.plain.status, res.forged.status, res.appended]).toEqual([303, 403, 403, 0])
        }
        expect(await w.ctx.deps.data.findLock(lock.lockId)).toMatchObject({ ownerId: null, orgId: null, driver: null })
      })
    })
  })
}
