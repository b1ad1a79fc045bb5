// Secret rotation without a gap: for WEBHOOK_SECRET_OVERLAP after a rotation (POST rotate-secret or an admin PUT with
// a new secret) every delivery carries the new secret's signature first and the old one's second; then only the new
// one. Signatures are checked with the independent verifier in test/webhooks/receiver.ts, on the test's manual clock.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { createHmac } from 'node:crypto'
import { addOrgMember } from '../../src/auth/tenants'
import { loadConfig } from '../../src/config'
import { type Backend, BACKENDS, contextOn } from '../support/context'
import { tempDbPath } from '../support/temp-db'
import { type Received, startReceiver, stopAfterEach, verifySignature, waitFor } from '../webhooks/receiver'

const ADMIN_KEY = 'admin-key-for-webhook-rotation-tests'
const HOUR = 3_600_000
const stopAfterTest = stopAfterEach()

type Ctx = Awaited<ReturnType<typeof contextOn>>

// The receiver listens on 127.0.0.1: private targets are allowed here (the guard has its own tests).
const contextFor = (backend: Backend, env: Record<string, string> = {}) =>
  contextOn(backend, { ADMIN_API_KEY: ADMIN_KEY, WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', ...env })

// A partner of its own subscribed to a receiver, on `shared`; a test with another overlap gets a context of its own.
// The dispatcher a test starts is stopped after it, before its context closes.
async function setup(shared: Ctx | (() => Promise<Ctx>)) {
  const ctx = typeof shared === 'function' ? await shared() : shared
  const { clock } = ctx
  const receiver = startReceiver()
  stopAfterTest(() => ctx.deps.webhooks.stop(), receiver.stop, ...(ctx === shared ? [] : [ctx.close]))
  const partner = await ctx.org()
  const created = await ctx.call('POST', '/webhooks', { apiKey: partner.apiKey, body: { url: receiver.url } })
  expect(created.status).toBe(201)
  const id = created.json.id as string
  const rotate = async () => {
    const rotated = await ctx.call('POST', `/webhooks/${id}/rotate-secret`, { apiKey: partner.apiKey })
    expect(rotated.status).toBe(200)
    return rotated.json as { id: string; secret: string; previousSecretValidUntil: string | null }
  }
  // One signed delivery now (the test probe goes through the same signer as every event), as the partner got it.
  const probe = async (): Promise<Received> => {
    const before = receiver.received.length
    const tested = await ctx.call('POST', `/webhooks/${id}/test`, { apiKey: partner.apiKey })
    expect(tested.json).toMatchObject({ success: true })
    const request = receiver.received[before]
    if (!request) throw new Error('no delivery received')
    return request
  }
  const verifies = (secret: string, request: Received) => verifySignature(secret, request.headers, request.body, clock.now() / 1000)
  const signatures = (request: Received) => (request.headers.get('webhook-signature') ?? '').split(' ')
  const stored = () => ctx.deps.data.findSubscription(partner.orgId, id, clock.now())
  return { ctx, clock, stored, receiver, partner, id, secret: created.json.secret as string, rotate, probe, verifies, signatures }
}

// The expected `v1,` entry for one secret, computed here from the spec rather than by src/.
function expectedSignature(secret: string, request: Received): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64')
  const signed = `${request.headers.get('webhook-id')}.${request.headers.get('webhook-timestamp')}.${request.body}`
  return `v1,${createHmac('sha256', key).update(signed).digest('base64')}`
}

for (const backend of BACKENDS) {
  describe(`webhook secret rotation with an overlap window (${backend})`, () => {
    let shared: Ctx
    beforeAll(async () => {
      shared = await contextFor(backend)
    })
    afterAll(() => shared.close())
    const own = (env: Record<string, string>) => () => contextFor(backend, env)

    it('should sign a delivery right after rotation with the new secret first and the old one second', async () => {
      const s = await setup(shared)
      const rotated = await s.rotate()
      expect(rotated).toEqual({
        id: s.id,
        secret: expect.stringMatching(/^whsec_/),
        previousSecretValidUntil: new Date(s.clock.now() + 24 * HOUR).toISOString(),
      })
      expect(rotated.secret).not.toBe(s.secret)
      expect(JSON.stringify(rotated)).not.toContain(s.secret)
      const request = await s.probe()
      expect(s.signatures(request)).toEqual([expectedSignature(rotated.secret, request), expectedSignature(s.secret, request)])
      expect(s.verifies(rotated.secret, request)).toBe(true)
      expect(s.verifies(s.secret, request)).toBe(true)
    })

    it('should sign events the dispatcher delivers after a rotation with both secrets, each verifiable on its own', async () => {
      const s = await setup(shared)
      const rotated = await s.rotate()
      const { userId } = await s.ctx.user()
      const added = await s.ctx.call('POST', `/users/${userId}/AddPhysicalKey`, {
        apiKey: s.partner.apiKey,
        body: { orgId: s.partner.orgId },
      })
      expect(added.status).toBe(200)
      s.ctx.deps.webhooks.start()
      await waitFor(() => s.receiver.received.length === 1, 5000, 'one delivery')
      const [request] = s.receiver.received
      if (!request) throw new Error('no delivery received')
      expect(request.json['detail-type']).toBe('PhysicalKeyAdded')
      expect(s.signatures(request)).toHaveLength(2)
      expect(s.signatures(request)[0]).toBe(expectedSignature(rotated.secret, request))
      expect(s.signatures(request)[1]).toBe(expectedSignature(s.secret, request))
      expect(s.verifies(rotated.secret, request)).toBe(true)
      expect(s.verifies(s.secret, request)).toBe(true)
    })

    it('should sign with the new secret only once the window has passed', async () => {
      const s = await setup(own({ WEBHOOK_SECRET_OVERLAP: '2h' }))
      const rotated = await s.rotate()
      expect(rotated.previousSecretValidUntil).toBe(new Date(s.clock.now() + 2 * HOUR).toISOString())
      s.clock.advance(2 * HOUR - 1000)
      const late = await s.probe()
      expect(s.signatures(late)).toHaveLength(2)
      expect(s.verifies(s.secret, late)).toBe(true)
      s.clock.advance(1000)
      const after = await s.probe()
      expect(s.signatures(after)).toEqual([expectedSignature(rotated.secret, after)])
      expect(s.verifies(rotated.secret, after)).toBe(true)
      expect(s.verifies(s.secret, after)).toBe(false)
    })

    it('should sign with one signature at once when WEBHOOK_SECRET_OVERLAP=0 (the old behaviour)', async () => {
      const s = await setup(own({ WEBHOOK_SECRET_OVERLAP: '0' }))
      const rotated = await s.rotate()
      expect(rotated).toEqual({ id: s.id, secret: expect.stringMatching(/^whsec_/), previousSecretValidUntil: null })
      const request = await s.probe()
      expect(s.signatures(request)).toEqual([expectedSignature(rotated.secret, request)])
      expect(s.verifies(rotated.secret, request)).toBe(true)
      expect(s.verifies(s.secret, request)).toBe(false)
    })

    it('should keep only the latest previous secret when rotating twice inside the window', async () => {
      const s = await setup(shared)
      const second = await s.rotate()
      s.clock.advance(HOUR)
      const third = await s.rotate()
      // The window restarts at the second rotation, for the secret it replaced.
      expect(third.previousSecretValidUntil).toBe(new Date(s.clock.now() + 24 * HOUR).toISOString())
      const request = await s.probe()
      expect(s.signatures(request)).toEqual([expectedSignature(third.secret, request), expectedSignature(second.secret, request)])
      expect(s.verifies(s.secret, request)).toBe(false)
      expect(await s.stored()).toMatchObject({ secret: third.secret, previousSecret: second.secret })
    })

    it('should keep the old secret signing after an admin PUT with a new secret, and not for the same secret again', async () => {
      const s = await setup(own({ WEBHOOK_SECRET_OVERLAP: '30m' }))
      const path = `/tenants/${s.partner.orgId}/webhooks/${s.id}`
      const admin = { 'x-admin-api-key': ADMIN_KEY }
      const secret = `whsec_${Buffer.alloc(32, 9).toString('base64')}`
      const put = await s.ctx.call('PUT', path, { headers: admin, body: { secret } })
      expect(put.status).toBe(200)
      expect(put.text).not.toContain(secret)
      expect(put.text).not.toContain(s.secret)
      const request = await s.probe()
      expect(s.signatures(request)).toEqual([expectedSignature(secret, request), expectedSignature(s.secret, request)])
      // Sending the current secret again is no rotation: the old one keeps its place and window.
      expect((await s.ctx.call('PUT', path, { headers: admin, body: { secret } })).status).toBe(200)
      const again = await s.probe()
      expect(s.signatures(again)).toEqual([expectedSignature(secret, again), expectedSignature(s.secret, again)])
      s.clock.advance(30 * 60_000)
      const after = await s.probe()
      expect(s.signatures(after)).toEqual([expectedSignature(secret, after)])
    })

    it('should never show the previous secret in any answer or page', async () => {
      const s = await setup(shared)
      const rotated = await s.rotate()
      await s.probe()
      const staff = await s.ctx.user()
      await addOrgMember(s.ctx.deps, s.partner.orgId, staff.userId)
      const admin = { 'x-admin-api-key': ADMIN_KEY }
      const answers = [
        await s.ctx.call('GET', '/webhooks', { apiKey: s.partner.apiKey }),
        await s.ctx.call('GET', `/webhooks/${s.id}`, { apiKey: s.partner.apiKey }),
        await s.ctx.call('GET', `/webhooks/${s.id}/deliveries`, { apiKey: s.partner.apiKey }),
        await s.ctx.call('PATCH', `/webhooks/${s.id}`, { apiKey: s.partner.apiKey, body: { events: ['*'] } }),
        await s.ctx.call('GET', `/tenants/${s.partner.orgId}/webhooks`, { headers: admin }),
        await s.ctx.call('PUT', `/tenants/${s.partner.orgId}/webhooks/${s.id}`, { headers: admin, body: { events: ['*'] } }),
        await s.ctx.call('GET', `/orgs/${s.partner.orgId}/webhooks`, { headers: { cookie: `spkey_session=${staff.token}` } }),
      ]
      const listed = answers[0]?.json
      expect(listed.total).toBe(1)
      expect(Object.keys(listed.webhooks[0]).some((key) => /previous/i.test(key))).toBe(false)
      expect(answers[6]?.status).toBe(200)
      for (const answer of answers) {
        expect(answer.status).toBe(200)
        expect(answer.text).not.toContain(s.secret)
        expect(answer.text).not.toContain(rotated.secret)
      }
      // Stored, though: the signer needs it until the window ends.
      expect((await s.stored()).previousSecret).toBe(s.secret)
    })

    it('should document previousSecretValidUntil in the rotate-secret answer schema', async () => {
      const s = await setup(shared)
      const doc = (await s.ctx.call('GET', '/swagger/json')).json
      const answer = doc.paths['/webhooks/{id}/rotate-secret'].post.responses['200']
      const schema = answer.content?.['application/json']?.schema ?? answer.schema
      expect(Object.keys(schema.properties)).toEqual(['id', 'secret', 'previousSecretValidUntil'])
      expect(JSON.stringify(schema.properties.previousSecretValidUntil)).toContain('WEBHOOK_SECRET_OVERLAP')
    })
  })
}

describe('WEBHOOK_SECRET_OVERLAP', () => {
  const overlap = (value?: string) =>
    loadConfig({ DATABASE_PATH: tempDbPath(), ...(value === undefined ? {} : { WEBHOOK_SECRET_OVERLAP: value }) }).webhookSecretOverlapMs
  it('should default to 24h and parse durations like the other webhook settings', () => {
    expect(overlap()).toBe(24 * HOUR)
    expect(overlap('')).toBe(24 * HOUR)
    expect(overlap('0')).toBe(0)
    expect(overlap('90m')).toBe(90 * 60_000)
    expect(overlap('2d')).toBe(48 * HOUR)
    expect(() => overlap('a day')).toThrow('WEBHOOK_SECRET_OVERLAP')
  })
})
