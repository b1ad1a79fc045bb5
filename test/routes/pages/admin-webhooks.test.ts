// The console's webhooks overview over HTTP: every organisation's subscriptions with their delivery state, grouped by
// organisation, escaped; administrators may open and replay on an organisation's own webhooks page; no one else gets
// in; on both databases.
import { afterAll, describe, expect, it } from 'bun:test'
import { createOrg } from '../../../src/auth/tenants'
import { BACKENDS, type Backend, contextOn } from '../../support/context'
import { consoleWorld } from '../../support/console'

type Ctx = Awaited<ReturnType<typeof contextOn>>
const contexts: Ctx[] = []
afterAll(async () => {
  for (const ctx of contexts) await ctx.close()
})

// A server per test: the overview lists every organisation's subscriptions, so each test counts what it made.
async function context(backend: Backend) {
  const ctx = await contextOn(backend)
  contexts.push(ctx)
  return ctx
}

async function world(backend: Backend) {
  const w = await consoleWorld(await context(backend))
  const { deps } = w.ctx
  await createOrg(deps, { orgId: 'acme', orgName: '<i>Acme</i>' }, 'test')
  await createOrg(deps, { orgId: 'beta', orgName: 'Beta' }, 'test')
  await createOrg(deps, { orgId: 'quiet', orgName: 'Quiet' }, 'test')
  const subscribe = async (orgId: string, url: string) =>
    deps.data.createSubscription(deps.config, orgId, { url }, await deps.log.headPosition(), deps.clock.now())
  const acme = [await subscribe('acme', 'https://hooks.acme.example/one'), await subscribe('acme', 'https://hooks.acme.example/two')]
  const beta = await subscribe('beta', 'https://hooks.beta.example/only')
  return { ...w, acme, beta }
}

for (const backend of BACKENDS) {
  describe(`the console's webhooks (${backend})`, () => {
    describe('GET /admin/webhooks', () => {
      it("should show every organisation's subscriptions under its name, with their state and a replay form", async () => {
        const w = await world(backend)
        const res = await w.page('/admin/webhooks')
        expect(res.status).toBe(200)
        expect(res.text).toContain('3 subscription(s), by organisation.')
        const acmeAt = res.text.indexOf('<h2>&lt;i&gt;Acme&lt;/i&gt;</h2>')
        const betaAt = res.text.indexOf('<h2>Beta</h2>')
        expect(acmeAt).toBeGreaterThan(0)
        expect(betaAt).toBeGreaterThan(acmeAt)
        for (const sub of [...w.acme, w.beta]) expect(res.text).toContain(`id="webhook-${sub.id}"`)
        expect(res.text.indexOf(`id="webhook-${w.acme[1]?.id}"`)).toBeLessThan(betaAt)
        expect(res.text).toContain('<h2>https://hooks.acme.example/two</h2>')
        expect(res.text).toContain('none yet')
        expect(res.text).toContain(`action="/orgs/beta/webhooks/${w.beta.id}/replay"`)
        expect(res.text).toContain('href="/orgs/acme/webhooks"')
        expect(res.text).not.toContain('Quiet')
      })

      it('should say so when no organisation has a subscription', async () => {
        const w = await consoleWorld(await context(backend))
        expect((await w.page('/admin/webhooks')).text).toContain('No organisation has a webhook subscription.')
      })

      it('should send a visitor to sign in and refuse a user who is no administrator', async () => {
        const w = await world(backend)
        expect((await w.page('/admin/webhooks', null)).status).toBe(303)
        const plain = await w.page('/admin/webhooks', w.plain.userId)
        expect(plain.status).toBe(403)
        expect(plain.text).not.toContain('hooks.acme.example')
      })
    })

    describe("an organisation's webhooks page, for an administrator", () => {
      it('should open and replay for a site administrator who is not its staff, and stay closed to others', async () => {
        const w = await world(backend)
        const { data, clock } = w.ctx.deps
        expect((await w.page('/orgs/acme/webhooks')).status).toBe(200)
        const replayed = await w.post(`/orgs/beta/webhooks/${w.beta.id}/replay`, { fromPosition: '1' })
        expect(replayed.status).toBe(303)
        expect(replayed.headers.get('location')).toBe(`/orgs/beta/webhooks?replayed=${w.beta.id}`)
        expect((await w.page('/orgs/acme/webhooks', w.plain.userId)).status).toBe(403)
        // The administrator's replay put the checkpoint at 0; the refused one, from 2, would have moved it to 1.
        expect((await data.findSubscription('beta', w.beta.id, clock.now())).checkpoint).toBe(0)
        expect((await w.post(`/orgs/beta/webhooks/${w.beta.id}/replay`, { fromPosition: '2' }, w.plain.userId)).status).toBe(403)
        expect((await data.findSubscription('beta', w.beta.id, clock.now())).checkpoint).toBe(0)
      })
    })
  })
}
