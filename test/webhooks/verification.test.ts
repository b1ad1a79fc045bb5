// URL verification: a changed webhook URL gets a signed WebhookVerification challenge from the running
// dispatcher; a 2xx turns a pending subscription active, anything else is retried on the delivery schedule while it
// stays pending. Event deliveries go on beside it unchanged.
import { describe, expect, it } from 'bun:test'
import { VERIFICATION_TYPE } from '../../src/webhooks/verification'
import { testContext } from '../support/context'
import { FAST_RETRIES_TO_LOCALHOST, realTimeClock, type Receiver, startReceiver, stopAfterEach, verifySignature, waitFor } from './receiver'

const stopAfterTest = stopAfterEach()

async function setup(env: Record<string, string> = {}) {
  const ctx = testContext({ ...FAST_RETRIES_TO_LOCALHOST, ...env }, realTimeClock())
  const first = startReceiver()
  const second = startReceiver()
  stopAfterTest(() => ctx.deps.webhooks.stop(), first.stop, second.stop)
  const partner = await ctx.org()
  const call = (method: string, path: string, body?: unknown) => ctx.call(method, path, { apiKey: partner.apiKey, body })
  const subscribe = async (receiver: Receiver) => {
    const created = await call('POST', '/webhooks', { url: receiver.url })
    expect(created.status).toBe(201)
    return { id: created.json.id as string, secret: created.json.secret as string }
  }
  const status = (id: string) =>
    (ctx.deps.db.$client.query('SELECT status FROM webhooks WHERE id = ?').get(id) as { status: string }).status
  return { ctx, first, second, partner, call, subscribe, status }
}

const challenges = (receiver: Receiver) => receiver.received.filter((r) => r.json['detail-type'] === VERIFICATION_TYPE)
const events = (receiver: Receiver) => receiver.received.filter((r) => r.json['detail-type'] !== VERIFICATION_TYPE)

describe('a webhook whose URL changed while the dispatcher runs', () => {
  it('should get one signed verification challenge at the new URL, and become active on its 2xx', async () => {
    const s = await setup()
    const { id, secret } = await s.subscribe(s.first)
    s.ctx.deps.webhooks.start()
    const patched = await s.call('PATCH', `/webhooks/${id}`, { url: s.second.url })
    expect(patched.json).toMatchObject({ url: s.second.url, status: 'pending' })
    await waitFor(() => s.status(id) === 'active', 5000, 'the subscription to be verified')
    expect(s.first.received).toHaveLength(0)
    expect(s.second.received).toHaveLength(1)
    const [request] = s.second.received
    if (!request) throw new Error('no challenge received')
    expect(verifySignature(secret, request.headers, request.body)).toBe(true)
    expect(request.headers.get('webhook-id')).toBe(request.json.id)
    expect(request.json).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      source: 'spk.api',
      'detail-type': 'WebhookVerification',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: 'local',
      account: 'spkey',
      version: '0',
      resources: [],
      detail: {
        partnerId: s.partner.orgId,
        aggregateType: 'webhook',
        aggregateId: id,
        version: 0,
        timestamp: expect.any(Number),
        data: {
          type: 'WebhookVerification',
          webhookId: id,
          url: s.second.url,
          challenge: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
          timestamp: expect.any(String),
        },
      },
    })
    const log = (await s.call('GET', `/webhooks/${id}/deliveries`)).json.deliveries
    expect(log).toEqual([
      expect.objectContaining({ position: 0, attempt: 1, state: 'delivered', statusCode: 200, messageId: request.json.id }),
    ])
    expect((await s.call('GET', `/webhooks/${id}`)).json).toMatchObject({ status: 'active', url: s.second.url })
  })

  it('should retry a failed challenge (any non-2xx) with the same id on the schedule, pending until the 2xx', async () => {
    const s = await setup()
    const { id } = await s.subscribe(s.first)
    const answers = [new Response('not yet', { status: 404 }), new Response('busy', { status: 503 })]
    s.second.respond((_, index) => answers[index] ?? new Response(null, { status: 204 }))
    s.ctx.deps.webhooks.start()
    await s.call('PATCH', `/webhooks/${id}`, { url: s.second.url })
    await waitFor(() => s.second.received.length === 2, 5000, 'two failed challenges')
    expect(s.status(id)).toBe('pending')
    await waitFor(() => s.status(id) === 'active', 5000, 'the third challenge to verify it')
    await Bun.sleep(300)
    expect(s.second.received).toHaveLength(3)
    expect(new Set(s.second.ids()).size).toBe(1)
    const [first, second, third] = s.second.received.map((r) => r.at)
    expect((second ?? 0) - (first ?? 0)).toBeGreaterThanOrEqual(50)
    expect((third ?? 0) - (second ?? 0)).toBeGreaterThanOrEqual(100)
    const log = (await s.call('GET', `/webhooks/${id}/deliveries`)).json.deliveries
    expect(log.map((d: { attempt: number; state: string; statusCode: number }) => [d.attempt, d.state, d.statusCode])).toEqual([
      [3, 'delivered', 204],
      [2, 'failed', 503],
      [1, 'failed', 404],
    ])
  })

  it('should give up after the last retry of WEBHOOK_RETRY_SCHEDULE and leave the subscription pending', async () => {
    const s = await setup()
    const { id } = await s.subscribe(s.first)
    s.second.respond(() => new Response('down', { status: 500 }))
    s.ctx.deps.webhooks.start()
    await s.call('PATCH', `/webhooks/${id}`, { url: s.second.url })
    await waitFor(() => s.second.received.length === 4, 5000, 'four attempts')
    await Bun.sleep(600)
    expect(s.second.received).toHaveLength(4)
    expect(s.status(id)).toBe('pending')
    const sub = (await s.call('GET', `/webhooks/${id}`)).json
    expect(sub).toMatchObject({ status: 'pending', lastError: { state: 'failed', statusCode: 500, attempt: 4 } })
  })

  it('should stop challenging the old URL when the URL changes again, and challenge the newest one', async () => {
    const s = await setup()
    const third = startReceiver()
    stopAfterTest(third.stop)
    const { id } = await s.subscribe(s.first)
    s.second.respond(() => new Response('down', { status: 500 }))
    s.ctx.deps.webhooks.start()
    await s.call('PATCH', `/webhooks/${id}`, { url: s.second.url })
    await waitFor(() => s.second.received.length === 1, 5000, 'the first challenge')
    await s.call('PATCH', `/webhooks/${id}`, { url: third.url })
    await waitFor(() => s.status(id) === 'active', 5000, 'the newest URL to be verified')
    await Bun.sleep(500)
    expect(s.second.received.length).toBeLessThanOrEqual(2)
    expect(challenges(third).map((r) => r.json.detail.data.url)).toEqual([third.url])
  })

  it('should deliver events exactly as before, beside the challenge', async () => {
    const s = await setup()
    const { id } = await s.subscribe(s.first)
    const { userId } = await s.ctx.user()
    s.ctx.deps.webhooks.start()
    await s.call('PATCH', `/webhooks/${id}`, { url: s.second.url })
    for (let i = 0; i < 3; i++)
      expect((await s.call('POST', `/users/${userId}/AddPhysicalKey`, { orgId: s.partner.orgId })).status).toBe(200)
    await waitFor(() => events(s.second).length === 3 && challenges(s.second).length === 1, 5000, 'three events and the challenge')
    expect(events(s.second).map((r) => [r.json['detail-type'], r.json.detail.data.number])).toEqual([
      ['PhysicalKeyAdded', 1],
      ['PhysicalKeyAdded', 2],
      ['PhysicalKeyAdded', 3],
    ])
    await waitFor(
      async () =>
        (s.ctx.deps.db.$client.query('SELECT checkpoint AS c FROM webhooks WHERE id = ?').get(id) as { c: number }).c ===
        (await s.ctx.deps.feed.head(s.partner.orgId)),
    )
    expect(s.status(id)).toBe('active')
  })

  it('should send no challenge to a disabled subscription', async () => {
    const s = await setup()
    const { id } = await s.subscribe(s.first)
    await s.call('PATCH', `/webhooks/${id}`, { status: 'disabled' })
    s.ctx.deps.webhooks.start()
    expect((await s.call('PATCH', `/webhooks/${id}`, { url: s.second.url })).json).toMatchObject({ status: 'disabled' })
    await Bun.sleep(200)
    expect(s.second.received).toHaveLength(0)
  })
})

// As on PostgreSQL, where the process that answers the PATCH is often not the one that runs the dispatcher: the row as
// that process's PATCH leaves it, without a word to this one.
describe('a webhook whose URL another process changed while the dispatcher runs', () => {
  const changedElsewhere = (s: Awaited<ReturnType<typeof setup>>, id: string, url: string) =>
    s.ctx.deps.db.$client
      .query("UPDATE webhooks SET url = ?, status = 'pending', updated_at = ? WHERE id = ?")
      .run(url, new Date().toISOString(), id)

  it('should get one challenge at the new URL from the running dispatcher, and become active on its 2xx', async () => {
    const s = await setup()
    const { id } = await s.subscribe(s.first)
    s.ctx.deps.webhooks.start()
    changedElsewhere(s, id, s.second.url)
    await waitFor(() => s.status(id) === 'active', 5000, 'the subscription to be verified')
    await Bun.sleep(1200)
    expect(challenges(s.second).map((r) => r.json.detail.data.url)).toEqual([s.second.url])
    expect(s.first.received).toHaveLength(0)
  })

  it('should not be challenged again once the challenge has given up, while it stays pending', async () => {
    const s = await setup()
    const { id } = await s.subscribe(s.first)
    s.second.respond(() => new Response('down', { status: 500 }))
    s.ctx.deps.webhooks.start()
    changedElsewhere(s, id, s.second.url)
    await waitFor(() => s.second.received.length === 4, 5000, 'four attempts')
    await Bun.sleep(1500)
    expect(s.second.received).toHaveLength(4)
    expect(new Set(s.second.ids()).size).toBe(1)
    expect(s.status(id)).toBe('pending')
  })
})

describe('a webhook just created while the dispatcher runs', () => {
  it('should be active at once and get no challenge (docs: only a changed URL is re-verified)', async () => {
    const s = await setup()
    s.ctx.deps.webhooks.start()
    const created = await s.call('POST', '/webhooks', { url: s.first.url })
    expect(created.json).toMatchObject({ status: 'active' })
    await Bun.sleep(300)
    expect(s.first.received).toHaveLength(0)
    expect(s.status(created.json.id)).toBe('active')
  })
})

describe('a webhook changed while the dispatcher is stopped', () => {
  it('should get no challenge, and stay pending until a delivery or a test answers 2xx (as before)', async () => {
    const s = await setup()
    const { id } = await s.subscribe(s.first)
    expect((await s.call('PATCH', `/webhooks/${id}`, { url: s.second.url })).json).toMatchObject({ status: 'pending' })
    await Bun.sleep(100)
    expect(s.second.received).toHaveLength(0)
    expect(s.status(id)).toBe('pending')
    expect((await s.call('POST', `/webhooks/${id}/test`)).json).toMatchObject({ success: true })
    expect(s.status(id)).toBe('active')
  })
})
