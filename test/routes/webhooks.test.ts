// Webhook subscriptions over HTTP (self-service and Admin API), the org's webhooks page, and the routes under random
// input; on both databases.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import fc from 'fast-check'
import { addOrgMember } from '../../src/auth/tenants'
import { type Backend, BACKENDS, contextOn } from '../support/context'
import { realTimeClock, startReceiver, stopAfterEach, verifySignature, waitFor } from '../webhooks/receiver'

const ADMIN_KEY = 'admin-key-for-webhook-route-tests'
const stopAfterTest = stopAfterEach()

type Ctx = Awaited<ReturnType<typeof contextOn>>

// The receivers listen on 127.0.0.1: private targets are allowed here (the guard has its own tests).
const contextFor = (backend: Backend, env: Record<string, string> = {}) =>
  contextOn(
    backend,
    { ADMIN_API_KEY: ADMIN_KEY, WEBHOOK_RETRY_SCHEDULE: '50ms', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', ...env },
    realTimeClock(),
  )

// A partner of its own with a receiver, on `shared`; a test that needs other settings gets a context of its own. The
// dispatcher a test starts is stopped after it, before its context closes.
async function setup(shared: Ctx | (() => Promise<Ctx>)) {
  const ctx = typeof shared === 'function' ? await shared() : shared
  const receiver = startReceiver()
  stopAfterTest(() => ctx.deps.webhooks.stop(), receiver.stop, ...(ctx === shared ? [] : [ctx.close]))
  return { ctx, receiver, partner: await ctx.org() }
}

const subscriptionsOf = async (ctx: Ctx, orgId: string) =>
  (await ctx.deps.data.listSubscriptions(orgId, { limit: 100, offset: 0 }, Date.now())).rows
const allSubscriptions = async (ctx: Ctx) => (await ctx.deps.data.listAllSubscriptions({ limit: 1, offset: 0 }, Date.now())).total
const deadLetter = async (ctx: Ctx, webhookId: string) =>
  (await ctx.deps.data.listDeliveries(webhookId, { limit: 1, state: 'dead' })).length > 0

for (const backend of BACKENDS) {
  describe(`webhooks (${backend})`, () => {
    let shared: Ctx
    beforeAll(async () => {
      shared = await contextFor(backend)
    })
    afterAll(() => shared.close())
    const own = (env: Record<string, string>) => () => contextFor(backend, env)

    describe('self-service webhooks (X-API-Key)', () => {
      it('should create a subscription answering the secret once, and list it with its health but no secret', async () => {
        const { ctx, receiver, partner } = await setup(shared)
        const head = await ctx.head()
        const created = await ctx.call('POST', '/webhooks', {
          apiKey: partner.apiKey,
          body: { url: receiver.url, events: ['TempKeyUsed'] },
        })
        expect(created.status).toBe(201)
        const { id, secret } = created.json
        expect(created.json).toMatchObject({
          id: expect.any(String),
          secret: expect.stringMatching(/^whsec_/),
          orgId: partner.orgId,
          url: receiver.url,
          events: ['TempKeyUsed'],
          status: 'active',
          auth: { type: 'none' },
          checkpoint: head,
          lastDelivery: null,
          deadLetters: 0,
        })
        const list = await ctx.call('GET', '/webhooks', { apiKey: partner.apiKey })
        expect(list.json).toMatchObject({ total: 1, limit: 50, offset: 0 })
        expect(list.json.webhooks[0].id).toBe(id)
        expect(list.text).not.toContain(secret)
        expect(await subscriptionsOf(ctx, partner.orgId)).toEqual([expect.objectContaining({ id, orgId: partner.orgId, secret })])
        // Operational data: subscribing appends nothing to the log.
        expect(await ctx.head()).toBe(head)
      })

      it("should answer 404 for another org's subscription on every route, and change nothing", async () => {
        const { ctx, receiver, partner } = await setup(shared)
        const created = await ctx.call('POST', '/webhooks', { apiKey: partner.apiKey, body: { url: receiver.url } })
        const intruder = await ctx.org()
        const id = created.json.id
        const attempts = [
          ctx.call('GET', `/webhooks/${id}`, { apiKey: intruder.apiKey }),
          ctx.call('PATCH', `/webhooks/${id}`, { apiKey: intruder.apiKey, body: { url: 'http://127.0.0.1:1/evil' } }),
          ctx.call('DELETE', `/webhooks/${id}`, { apiKey: intruder.apiKey }),
          ctx.call('POST', `/webhooks/${id}/rotate-secret`, { apiKey: intruder.apiKey }),
          ctx.call('POST', `/webhooks/${id}/test`, { apiKey: intruder.apiKey }),
          ctx.call('GET', `/webhooks/${id}/deliveries`, { apiKey: intruder.apiKey }),
          ctx.call('POST', `/webhooks/${id}/replay`, { apiKey: intruder.apiKey, body: { fromPosition: 1 } }),
          ctx.call('POST', `/webhooks/${id}/deliveries/1/retry`, { apiKey: intruder.apiKey }),
        ]
        for (const answer of await Promise.all(attempts)) {
          expect(answer.status).toBe(404)
          expect(answer.json).toMatchObject({ success: false, code: 404, message: 'Webhook not found' })
        }
        expect((await ctx.call('GET', '/webhooks', { apiKey: intruder.apiKey })).json.total).toBe(0)
        expect(await subscriptionsOf(ctx, partner.orgId)).toEqual([
          expect.objectContaining({ id, secret: created.json.secret, status: 'active' }),
        ])
        expect(receiver.received).toHaveLength(0)
      })

      it('should require an organisation key', async () => {
        const { ctx } = await setup(shared)
        const user = await ctx.user()
        const before = await allSubscriptions(ctx)
        expect((await ctx.call('GET', '/webhooks')).status).toBe(401)
        const asUser = await ctx.call('POST', '/webhooks', { token: user.token, body: { url: 'https://example.test/h' } })
        expect(asUser.status).toBe(403)
        expect(await allSubscriptions(ctx)).toBe(before)
      })

      it('should validate the body with field details', async () => {
        const { ctx, partner } = await setup(own({ WEBHOOK_ALLOW_HTTP: 'false' }))
        const cases: [unknown, string][] = [
          [{ url: 'not a url' }, 'url'],
          [{ url: 'ftp://example.test/h' }, 'url'],
          [{ url: 'http://example.test/h' }, 'url'],
          [{ url: 'https://user:pw@example.test/h' }, 'url'],
          [{ url: 'https://example.test/h', events: [] }, 'events'],
          [{ url: 'https://example.test/h', events: ['Bad<Name>'] }, 'events[0]'],
          [{ url: 'https://example.test/h', secret: 'whsec_x' }, 'secret'],
          [{ url: 'https://example.test/h', orgId: 'other' }, 'orgId'],
        ]
        for (const [body, field] of cases) {
          const answer = await ctx.call('POST', '/webhooks', { apiKey: partner.apiKey, body })
          expect(answer.status).toBe(400)
          expect(answer.json.details.map((d: { field: string }) => d.field)).toContain(field)
        }
        const ok = await ctx.call('POST', '/webhooks', {
          apiKey: partner.apiKey,
          body: { url: 'https://example.test/h', events: ['Shadow Update'] },
        })
        expect(ok.status).toBe(201)
        expect(await subscriptionsOf(ctx, partner.orgId)).toHaveLength(1)
      })

      it('should set a changed URL to pending until a signed test answers 2xx', async () => {
        const { ctx, receiver, partner } = await setup(shared)
        const created = await ctx.call('POST', '/webhooks', { apiKey: partner.apiKey, body: { url: 'http://127.0.0.1:1/old' } })
        const id = created.json.id
        const patched = await ctx.call('PATCH', `/webhooks/${id}`, { apiKey: partner.apiKey, body: { url: receiver.url } })
        expect(patched.json).toMatchObject({ url: receiver.url, status: 'pending' })
        const tested = await ctx.call('POST', `/webhooks/${id}/test`, { apiKey: partner.apiKey })
        expect(tested.json).toMatchObject({ success: true, delivery: { state: 'delivered', statusCode: 200, position: 0, attempt: 1 } })
        const [probe] = receiver.received
        expect(probe?.json).toMatchObject({
          'detail-type': 'WebhookTest',
          detail: { partnerId: partner.orgId, data: { type: 'WebhookTest', webhookId: id } },
        })
        expect(verifySignature(created.json.secret, probe?.headers ?? new Headers(), probe?.body ?? '')).toBe(true)
        expect((await ctx.call('GET', `/webhooks/${id}`, { apiKey: partner.apiKey })).json.status).toBe('active')
      })

      it('should rotate the secret with WEBHOOK_SECRET_OVERLAP=0: later deliveries verify with the new one only', async () => {
        const { ctx, receiver, partner } = await setup(own({ WEBHOOK_SECRET_OVERLAP: '0' }))
        const created = await ctx.call('POST', '/webhooks', { apiKey: partner.apiKey, body: { url: receiver.url } })
        const rotated = await ctx.call('POST', `/webhooks/${created.json.id}/rotate-secret`, { apiKey: partner.apiKey })
        expect(rotated.json).toEqual({ id: created.json.id, secret: expect.stringMatching(/^whsec_/), previousSecretValidUntil: null })
        expect(rotated.json.secret).not.toBe(created.json.secret)
        await ctx.call('POST', `/webhooks/${created.json.id}/test`, { apiKey: partner.apiKey })
        const [probe] = receiver.received
        expect(verifySignature(rotated.json.secret, probe?.headers ?? new Headers(), probe?.body ?? '')).toBe(true)
        expect(verifySignature(created.json.secret, probe?.headers ?? new Headers(), probe?.body ?? '')).toBe(false)
      })

      it('should list deliveries with status codes and timings, and re-send a dead letter on request', async () => {
        const { ctx, receiver, partner } = await setup(shared)
        const { userId } = await ctx.user()
        const created = await ctx.call('POST', '/webhooks', { apiKey: partner.apiKey, body: { url: receiver.url } })
        const id = created.json.id
        receiver.respond(() => new Response('no', { status: 500 }))
        await ctx.call('POST', `/users/${userId}/AddPhysicalKey`, { apiKey: partner.apiKey, body: { orgId: partner.orgId } })
        const position = await ctx.head()
        ctx.deps.webhooks.start()
        await waitFor(() => deadLetter(ctx, id), 5000, 'a dead letter')
        const dead = await ctx.call('GET', `/webhooks/${id}/deliveries?state=dead`, { apiKey: partner.apiKey })
        expect(dead.json.deliveries).toEqual([
          {
            id: expect.any(Number),
            position,
            messageId: receiver.received[0]?.json.id,
            attempt: 2,
            state: 'dead',
            statusCode: 500,
            error: 'HTTP 500: no',
            durationMs: expect.any(Number),
            createdAt: expect.any(String),
            nextAttemptAt: null,
          },
        ])
        const all = await ctx.call('GET', `/webhooks/${id}/deliveries?limit=1`, { apiKey: partner.apiKey })
        expect(all.json.deliveries).toHaveLength(1)
        expect(all.json.next).toBe(all.json.deliveries[0].id)
        const older = await ctx.call('GET', `/webhooks/${id}/deliveries?before=${all.json.next}`, { apiKey: partner.apiKey })
        expect(older.json.deliveries).toEqual([expect.objectContaining({ state: 'retrying', attempt: 1, nextAttemptAt: null })])

        receiver.respond(() => new Response('ok'))
        const retried = await ctx.call('POST', `/webhooks/${id}/deliveries/${dead.json.deliveries[0].id}/retry`, { apiKey: partner.apiKey })
        expect(retried.json).toMatchObject({ success: true, delivery: { state: 'delivered', statusCode: 200, attempt: 3 } })
        expect(receiver.received.at(-1)?.json.id).toBe(receiver.received[0]?.json.id)
        const missing = await ctx.call('POST', `/webhooks/${id}/deliveries/999999/retry`, { apiKey: partner.apiKey })
        expect(missing.status).toBe(404)
      })

      it('should delete a subscription and its delivery records', async () => {
        const { ctx, receiver, partner } = await setup(shared)
        const created = await ctx.call('POST', '/webhooks', { apiKey: partner.apiKey, body: { url: receiver.url } })
        await ctx.call('POST', `/webhooks/${created.json.id}/test`, { apiKey: partner.apiKey })
        const deleted = await ctx.call('DELETE', `/webhooks/${created.json.id}`, { apiKey: partner.apiKey })
        expect(deleted.json).toEqual({ success: true, id: created.json.id })
        expect(await subscriptionsOf(ctx, partner.orgId)).toEqual([])
        expect(await ctx.deps.data.listDeliveries(created.json.id, { limit: 100 })).toEqual([])
        expect((await ctx.call('GET', `/webhooks/${created.json.id}`, { apiKey: partner.apiKey })).status).toBe(404)
      })

      it('should refuse a replay past the head of the log', async () => {
        const { ctx, receiver, partner } = await setup(shared)
        const created = await ctx.call('POST', '/webhooks', { apiKey: partner.apiKey, body: { url: receiver.url } })
        const head = await ctx.head()
        const answer = await ctx.call('POST', `/webhooks/${created.json.id}/replay`, {
          apiKey: partner.apiKey,
          body: { fromPosition: head + 5 },
        })
        expect(answer.status).toBe(400)
        const fine = await ctx.call('POST', `/webhooks/${created.json.id}/replay`, { apiKey: partner.apiKey, body: { fromPosition: 0 } })
        expect(fine.json.checkpoint).toBe(0)
      })
    })

    describe('Admin API webhooks (X-Admin-API-Key)', () => {
      const admin = (extra: Record<string, string> = {}) => ({ 'x-admin-api-key': ADMIN_KEY, ...extra })

      it('should create with the docs answer plus id and secret, for a registered tenant only', async () => {
        const { ctx, receiver, partner } = await setup(shared)
        const body = { url: receiver.url, events: ['LockCreated', 'KeyAdded'] }
        // The docs send an admin JWT beside the key; spkey does not need it and does not trip over it.
        const created = await ctx.call('POST', `/tenants/${partner.orgId}/webhooks`, {
          headers: admin({ authorization: 'Bearer not.a.jwt' }),
          body,
        })
        expect(created.status).toBe(201)
        const id = created.json.id
        expect(created.json).toMatchObject({
          success: true,
          aggregateId: partner.orgId,
          version: 1,
          id: expect.any(String),
          secret: expect.stringMatching(/^whsec_/),
          status: 'active',
        })
        const unknown = await ctx.call('POST', '/tenants/nobody/webhooks', { headers: admin(), body })
        expect(unknown.status).toBe(404)
        expect(unknown.json.message).toBe('Tenant not registered')
        const listed = await ctx.call('GET', `/tenants/${partner.orgId}/webhooks`, { headers: admin() })
        expect(listed.json).toMatchObject({ total: 1, limit: 50, offset: 0, webhooks: [{ id, events: body.events }] })
        expect(await subscriptionsOf(ctx, partner.orgId)).toHaveLength(1)
      })

      it('should refuse a missing or wrong admin key, and a partner key', async () => {
        const { ctx, partner } = await setup(shared)
        const body = { url: 'https://example.test/h' }
        const attempts: Record<string, string>[] = [{}, { 'x-admin-api-key': 'wrong' }, { 'x-api-key': partner.apiKey }]
        for (const headers of attempts) {
          const answer = await ctx.call('POST', `/tenants/${partner.orgId}/webhooks`, { headers, body })
          expect(answer.status).toBe(401)
        }
        expect(await subscriptionsOf(ctx, partner.orgId)).toEqual([])
      })

      it('should update with PUT (at least one field) and deliver with the configured bearer token', async () => {
        const { ctx, receiver, partner } = await setup(shared)
        const created = await ctx.call('POST', `/tenants/${partner.orgId}/webhooks`, {
          headers: admin(),
          body: { url: receiver.url, events: ['*'] },
        })
        const path = `/tenants/${partner.orgId}/webhooks/${created.json.id}`
        expect((await ctx.call('PUT', path, { headers: admin(), body: {} })).status).toBe(400)
        const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`
        const put = await ctx.call('PUT', path, { headers: admin(), body: { secret, auth: { type: 'bearerToken', value: 's3cr3t' } } })
        expect(put.json).toMatchObject({ success: true, aggregateId: partner.orgId, webhook: { auth: { type: 'bearerToken' } } })
        expect(put.text).not.toContain('s3cr3t')
        await ctx.call('POST', `/webhooks/${created.json.id}/test`, { apiKey: partner.apiKey })
        const [probe] = receiver.received
        expect(probe?.headers.get('authorization')).toBe('Bearer s3cr3t')
        expect(verifySignature(secret, probe?.headers ?? new Headers(), probe?.body ?? '')).toBe(true)
        const header = await ctx.call('PUT', path, {
          headers: admin(),
          body: { auth: { type: 'apiKeyHeader', headerName: 'webhook-id', value: 'x' } },
        })
        expect(header.status).toBe(400)
        const other = await ctx.org()
        expect(
          (await ctx.call('PUT', `/tenants/${other.orgId}/webhooks/${created.json.id}`, { headers: admin(), body: { url: receiver.url } }))
            .status,
        ).toBe(404)
        const deleted = await ctx.call('DELETE', path, { headers: admin() })
        expect(deleted.json).toEqual({ success: true, aggregateId: partner.orgId, version: 1, id: created.json.id })
        expect(await subscriptionsOf(ctx, partner.orgId)).toEqual([])
      })

      it('should document every webhook and feed route in the OpenAPI document', async () => {
        const { ctx } = await setup(shared)
        const paths = Object.keys((await ctx.call('GET', '/swagger/json')).json.paths)
        for (const path of [
          '/webhooks',
          '/webhooks/{id}',
          '/webhooks/{id}/rotate-secret',
          '/webhooks/{id}/test',
          '/webhooks/{id}/deliveries',
          '/webhooks/{id}/replay',
          '/webhooks/{id}/deliveries/{deliveryId}/retry',
          '/tenants/{orgId}/webhooks',
          '/tenants/{orgId}/webhooks/{webhookId}',
          '/events',
          '/events/stream',
        ]) {
          expect(paths).toContain(path)
        }
      })
    })

    describe('the /orgs/{orgId}/webhooks page', () => {
      async function pageSetup() {
        const s = await setup(shared)
        const staff = await s.ctx.user()
        await addOrgMember(s.ctx.deps, s.partner.orgId, staff.userId)
        const { cookie, csrf } = await s.ctx.browser(staff.userId)
        const created = await s.ctx.call('POST', '/webhooks', { apiKey: s.partner.apiKey, body: { url: s.receiver.url } })
        return { ...s, staff, cookie, csrf, webhookId: created.json.id as string }
      }

      it('should show staff each subscription with its health and the recent attempts, escaping what partners sent', async () => {
        const { ctx, receiver, partner, cookie, webhookId } = await pageSetup()
        receiver.respond(() => new Response('<script>alert(1)</script>', { status: 500 }))
        const { userId } = await ctx.user()
        await ctx.call('POST', `/users/${userId}/AddPhysicalKey`, { apiKey: partner.apiKey, body: { orgId: partner.orgId } })
        ctx.deps.webhooks.start()
        await waitFor(() => deadLetter(ctx, webhookId), 5000, 'a dead letter')
        const page = await ctx.call('GET', `/orgs/${partner.orgId}/webhooks`, { headers: { cookie } })
        expect(page.status).toBe(200)
        expect(page.headers.get('content-type')).toContain('text/html')
        expect(page.text).toContain(receiver.url)
        expect(page.text).toContain(`id="webhook-${webhookId}"`)
        expect(page.text).toContain('PhysicalKeyAdded #')
        expect(page.text).not.toContain('<script>alert(1)</script>')
        expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
        expect(page.text).toContain(`name="fromPosition" min="0" value="${await ctx.head()}"`)
      })

      it('should send the anonymous to sign in and refuse staff of other orgs', async () => {
        const { ctx, partner } = await pageSetup()
        const anonymous = await ctx.call('GET', `/orgs/${partner.orgId}/webhooks`)
        expect(anonymous.status).toBe(303)
        expect(anonymous.headers.get('location')).toBe(`/login?next=${encodeURIComponent(`/orgs/${partner.orgId}/webhooks`)}`)
        const outsider = await ctx.user()
        const refused = await ctx.call('GET', `/orgs/${partner.orgId}/webhooks`, {
          headers: { cookie: `spkey_session=${outsider.token}`, accept: 'text/html' },
        })
        expect(refused.status).toBe(403)
        expect(refused.text).not.toContain(`${partner.orgId}/webhooks/`)
      })

      it('should replay only with a valid CSRF token', async () => {
        const { ctx, partner, cookie, csrf, webhookId } = await pageSetup()
        const path = `/orgs/${partner.orgId}/webhooks/${webhookId}/replay`
        const form = (csrf: string) => ({
          rawBody: `_csrf=${csrf}&fromPosition=1`,
          headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
        })
        const checkpoint = async () => (await ctx.deps.data.findSubscription(partner.orgId, webhookId, Date.now())).checkpoint
        const before = await checkpoint()
        expect((await ctx.call('POST', path, form('forged'))).status).toBe(403)
        expect(await checkpoint()).toBe(before)
        const replayed = await ctx.call('POST', path, form(csrf))
        expect(replayed.status).toBe(303)
        expect(replayed.headers.get('location')).toBe(`/orgs/${partner.orgId}/webhooks?replayed=${webhookId}`)
        expect(await checkpoint()).toBe(0)
        const page = await ctx.call('GET', replayed.headers.get('location') ?? '', { headers: { cookie } })
        expect(page.text).toContain('Replaying')
        const other = await ctx.org()
        const foreign = await ctx.call('POST', `/orgs/${other.orgId}/webhooks/${webhookId}/replay`, form('csrf-token-1'))
        expect(foreign.status).toBe(403)
      })
    })

    describe('webhook routes under random input', () => {
      // PostgreSQL compares positions and delivery ids as bigints and refuses a larger number (a 500) where SQLite finds
      // nothing: the schemas stop them first, on both.
      it('should answer 400 to a position or delivery id past the safe integers', async () => {
        const { ctx, partner } = await setup(shared)
        const created = await ctx.call('POST', '/webhooks', { apiKey: partner.apiKey, body: { url: 'http://127.0.0.1:1/x' } })
        for (const huge of ['1e99', '9007199254740992', '9223372036854775808']) {
          const answers = [
            await ctx.call('GET', `/events?after=${huge}`, { apiKey: partner.apiKey }),
            await ctx.call('GET', '/events/stream', { apiKey: partner.apiKey, headers: { 'last-event-id': huge } }),
            await ctx.call('POST', `/webhooks/${created.json.id}/deliveries/${huge}/retry`, { apiKey: partner.apiKey }),
          ]
          for (const answer of answers) expect({ huge, status: answer.status }).toEqual({ huge, status: 400 })
        }
        expect((await ctx.call('GET', `/events?after=${Number.MAX_SAFE_INTEGER}`, { apiKey: partner.apiKey })).status).toBe(200)
      })

      it('should never answer 5xx and always use the error envelope for 4xx', async () => {
        const { ctx, partner } = await setup(shared)
        const created = await ctx.call('POST', '/webhooks', { apiKey: partner.apiKey, body: { url: 'http://127.0.0.1:1/x' } })
        const id = created.json.id as string
        const body = fc.oneof(
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc
            .record(
              {
                url: fc.oneof(fc.string(), fc.webUrl(), fc.integer()),
                events: fc.oneof(fc.array(fc.string()), fc.string()),
                fromPosition: fc.oneof(fc.integer(), fc.double(), fc.string()),
                status: fc.string(),
                secret: fc.string(),
                auth: fc.jsonValue(),
              },
              { requiredKeys: [] },
            )
            .map((v) => JSON.stringify(v)),
          fc.string(),
        )
        const route = fc.constantFrom(
          ['POST', () => '/webhooks'],
          ['PATCH', () => `/webhooks/${id}`],
          ['POST', () => `/webhooks/${id}/replay`],
          ['GET', (q: string) => `/events?${q}`],
          ['GET', (q: string) => `/webhooks/${id}/deliveries?${q}`],
          ['PUT', () => `/tenants/${partner.orgId}/webhooks/${id}`],
          ['POST', () => `/tenants/${partner.orgId}/webhooks`],
        ) as fc.Arbitrary<[string, (q: string) => string]>
        const query = fc.oneof(fc.string(), fc.constantFrom('after=-1', 'limit=9999', 'types=%00', 'before=abc', 'state=x', 'after=1e99'))
        await fc.assert(
          fc.asyncProperty(route, body, query, async ([method, path], text, q) => {
            const answer = await ctx.call(method, path(encodeURIComponent(q).replace(/%3D/g, '=')), {
              apiKey: partner.apiKey,
              headers: { 'x-admin-api-key': ADMIN_KEY },
              ...(method === 'GET' ? {} : { rawBody: text }),
            })
            expect(answer.status).toBeLessThan(500)
            if (answer.status >= 400) expect(answer.json).toMatchObject({ success: false, code: answer.status })
          }),
          { numRuns: 300 },
        )
      })
    })
  })
}
