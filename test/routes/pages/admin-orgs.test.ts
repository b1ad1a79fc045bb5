// The console's organisations over HTTP: list, create (with its first key, shown once), rotate the key, add and remove
// staff, each through the same commands as the API and audited under the administrator; refused to anyone else; on
// both databases.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { createOrg } from '../../../src/auth/tenants'
import { BACKENDS, contextOn } from '../../support/context'
import { consoleWorld, expectRefusedToOutsiders } from '../../support/console'
import { uniqueId } from '../../support/temp-db'

const keyIn = (html: string) => /<code class="secret">([A-Za-z0-9]{40})<\/code>/.exec(html)?.[1] ?? ''
type Ctx = Awaited<ReturnType<typeof contextOn>>

for (const backend of BACKENDS) {
  describe(`the console's organisations (${backend})`, () => {
    let ctx: Ctx
    beforeAll(async () => {
      ctx = await contextOn(backend)
    })
    afterAll(() => ctx.close())

    // An organisation new on the shared context.
    const acmeOn = (orgName = 'Acme') => createOrg(ctx.deps, { orgId: uniqueId('acme'), orgName }, 'test')

    describe('GET /admin/orgs', () => {
      it('should list the organisations to an administrator, names escaped', async () => {
        const w = await consoleWorld(ctx)
        const { orgId } = await acmeOn('<b>Acme</b>')
        const res = await w.page('/admin/orgs')
        expect(res.status).toBe(200)
        expect(res.text).toContain('&lt;b&gt;Acme&lt;/b&gt;')
        expect(res.text).toContain(`href="/admin/orgs/${orgId}"`)
        expect(res.text).toContain('aria-current="page">Organisations')
      })

      it('should send a visitor to sign in and refuse a user who is no administrator', async () => {
        const w = await consoleWorld(ctx)
        const visitor = await w.page('/admin/orgs?offset=0', null)
        expect(visitor.status).toBe(303)
        expect(visitor.headers.get('location')).toBe('/login?next=/admin/orgs%3Foffset%3D0')
        expect((await w.page('/admin/orgs', w.plain.userId)).status).toBe(403)
        expect((await w.page('/admin/orgs/acme', w.plain.userId)).status).toBe(403)
      })
    })

    describe('POST /admin/orgs', () => {
      it('should register the organisation with a working API key shown once, audited under the administrator', async () => {
        const w = await consoleWorld(ctx)
        const res = await w.post('/admin/orgs', { name: 'ACME Corporation', orgId: '' })
        expect(res.status).toBe(201)
        const apiKey = keyIn(res.text)
        expect(apiKey).not.toBe('')
        expect((await w.ctx.call('GET', '/events', { apiKey })).status).toBe(200)
        const events = await w.ctx.streamEvents('org-acme-corporation')
        expect(events.map((e) => e.type)).toEqual(['OrganizationRegistered', 'ApiKeyIssued'])
        expect(events.map((e) => e.metadata.principal)).toEqual([w.admin.userId, w.admin.userId])
        expect((await w.page('/admin/orgs/acme-corporation')).text).not.toContain(apiKey)
      })

      it('should refuse a bad id, a missing name and a taken id in the page, changing nothing', async () => {
        const w = await consoleWorld(ctx)
        const taken = await acmeOn('Taken')
        const before = await w.head()
        const badId = await w.post('/admin/orgs', { name: 'X', orgId: 'has space' })
        expect(badId.status).toBe(400)
        expect(badId.text).toContain('aria-invalid="true"')
        expect(badId.text).toContain('value="has space"')
        expect((await w.post('/admin/orgs', { name: '  ', orgId: '' })).status).toBe(400)
        const again = await w.post('/admin/orgs', { name: 'Other', orgId: taken.orgId })
        expect(again.status).toBe(409)
        expect(again.text).toContain('exists already')
        expect(await w.head()).toBe(before)
        expect(await w.ctx.deps.data.findOrg('has space')).toBeUndefined()
      })

      it('should answer a refused htmx post with the page as a 200, so htmx swaps it in', async () => {
        const w = await consoleWorld(ctx)
        const res = await w.post('/admin/orgs', { name: '', orgId: '' }, w.admin.userId, { htmx: true })
        expect(res.status).toBe(200)
        expect(res.text).toContain('Enter a name.')
      })

      it('should refuse visitors, plain users and forms without a CSRF token', async () => {
        const w = await consoleWorld(ctx)
        const { visitor, plain, forged, appended } = await expectRefusedToOutsiders(w, '/admin/orgs', { name: 'Sneaky', orgId: '' })
        expect([visitor.status, plain.status, forged.status]).toEqual([303, 403, 403])
        expect(appended).toBe(0)
        expect(await w.ctx.deps.data.findOrg('sneaky')).toBeUndefined()
      })
    })

    describe('POST /admin/orgs/{orgId}/api-key', () => {
      it('should rotate the key: the new one works and is shown once, the old one is refused', async () => {
        const w = await consoleWorld(ctx)
        const { orgId, apiKey: old } = await acmeOn()
        const res = await w.post(`/admin/orgs/${orgId}/api-key`, {})
        expect(res.status).toBe(200)
        const fresh = keyIn(res.text)
        expect((await w.ctx.call('GET', '/events', { apiKey: fresh })).status).toBe(200)
        expect((await w.ctx.call('GET', '/events', { apiKey: old })).status).toBe(401)
        expect((await w.ctx.streamEvents(`org-${orgId}`)).at(-1)).toMatchObject({
          type: 'ApiKeyIssued',
          metadata: { principal: w.admin.userId },
        })
      })

      it("should leave a super organisation's key to the CLI (403 in the page, nothing changed)", async () => {
        const w = await consoleWorld(ctx)
        const root = uniqueId('root')
        await createOrg(w.ctx.deps, { orgId: root, orgName: 'Root', isSuper: true }, 'test')
        const before = await w.head()
        const res = await w.post(`/admin/orgs/${root}/api-key`, {})
        expect(res.status).toBe(403)
        expect(res.text).toContain('admin CLI only')
        expect(await w.head()).toBe(before)
      })

      it('should refuse outsiders and a missing CSRF token without rotating', async () => {
        const w = await consoleWorld(ctx)
        const { orgId } = await acmeOn()
        const { visitor, plain, forged, appended } = await expectRefusedToOutsiders(w, `/admin/orgs/${orgId}/api-key`, {})
        expect([visitor.status, plain.status, forged.status]).toEqual([303, 403, 403])
        expect(appended).toBe(0)
      })

      it('should answer 404 for an unknown organisation', async () => {
        const w = await consoleWorld(ctx)
        expect((await w.post('/admin/orgs/ghost/api-key', {})).status).toBe(404)
      })
    })

    describe('staff of an organisation', () => {
      it('should add a user by e-mail and remove them again, both audited', async () => {
        const w = await consoleWorld(ctx)
        const { orgId } = await acmeOn()
        const staff = await w.ctx.user({ email: 'staff@example.test' })
        const added = await w.post(`/admin/orgs/${orgId}/members`, { email: 'Staff@Example.test' })
        expect(added.status).toBe(303)
        expect(added.headers.get('location')).toBe(`/admin/orgs/${orgId}`)
        expect(await w.ctx.deps.data.staffOrgIds(staff.userId)).toEqual([orgId])
        expect((await w.page(`/admin/orgs/${orgId}`)).text).toContain('staff@example.test')
        const removed = await w.post(`/admin/orgs/${orgId}/members/remove`, { userId: staff.userId })
        expect(removed.status).toBe(303)
        expect(await w.ctx.deps.data.staffOrgIds(staff.userId)).toEqual([])
        const types = (await w.ctx.streamEvents(`org-${orgId}`)).slice(-2)
        expect(types.map((e) => [e.type, e.metadata.principal])).toEqual([
          ['OrgMemberAdded', w.admin.userId],
          ['OrgMemberRemoved', w.admin.userId],
        ])
      })

      it('should refuse an unknown e-mail in the page (404) without changing anything', async () => {
        const w = await consoleWorld(ctx)
        const { orgId } = await acmeOn()
        const before = await w.head()
        const res = await w.post(`/admin/orgs/${orgId}/members`, { email: 'nobody@example.test' })
        expect(res.status).toBe(404)
        expect(res.text).toContain('No user has this e-mail address')
        expect(res.text).toContain('value="nobody@example.test"')
        expect(await w.head()).toBe(before)
      })

      it('should refuse outsiders and a missing CSRF token for adding and removing', async () => {
        const w = await consoleWorld(ctx)
        const { orgId } = await acmeOn()
        const add = await expectRefusedToOutsiders(w, `/admin/orgs/${orgId}/members`, { email: w.plain.email })
        expect([add.visitor.status, add.plain.status, add.forged.status, add.appended]).toEqual([303, 403, 403, 0])
        const remove = await expectRefusedToOutsiders(w, `/admin/orgs/${orgId}/members/remove`, { userId: w.plain.userId })
        expect([remove.visitor.status, remove.plain.status, remove.forged.status, remove.appended]).toEqual([303, 403, 403, 0])
        expect(await w.ctx.deps.data.staffOrgIds(w.plain.userId)).toEqual([])
      })
    })
  })
}
