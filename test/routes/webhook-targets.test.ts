// The SSRF guard end to end: private-network webhook URLs are refused when registered or changed (400, nothing
// written) and again right before each delivery (DNS may change after registration), where a refusal is a dead
// letter that sends nothing and is not retried. WEBHOOK_ALLOW_PRIVATE_TARGETS=true restores LAN deliveries.
import { describe, expect, it } from 'bun:test'
import { testContext } from '../support/context'
import { realTimeClock, startReceiver, stopAfterEach, waitFor } from '../webhooks/receiver'

const ADMIN_KEY = 'admin-key-for-webhook-target-tests'
// Never delivered to: the dispatcher is only started after the URL was pointed elsewhere, and no test is sent.
const PUBLIC_URL = 'https://93.184.216.34/hook'
const stopAfterTest = stopAfterEach()

async function setup(env: Record<string, string> = {}) {
  const ctx = testContext({ ADMIN_API_KEY: ADMIN_KEY, WEBHOOK_RETRY_SCHEDULE: '50ms,50ms', ...env }, realTimeClock())
  stopAfterTest(() => ctx.deps.webhooks.stop())
  return { ctx, partner: await ctx.org() }
}

// A bare TCP listener on 127.0.0.1 that counts connections: proof that a refused delivery sends no byte.
function tcpTrap() {
  let connections = 0
  const listener = Bun.listen({
    hostname: '127.0.0.1',
    port: 0,
    socket: {
      open: (socket) => {
        connections++
        socket.end()
      },
      data: () => {},
    },
  })
  stopAfterTest(() => listener.stop(true))
  return { port: listener.port, connections: () => connections }
}

const rows = (ctx: ReturnType<typeof testContext>) =>
  ctx.deps.db.$client.query('SELECT id, url, status FROM webhooks').all() as { id: string; url: string; status: string }[]
const admin = { 'x-admin-api-key': ADMIN_KEY }

const PRIVATE_TARGETS: [string, string][] = [
  ['loopback', 'http://127.0.0.1:8080/hook'],
  ['loopback, short form', 'http://127.1/'],
  ['loopback, decimal form', 'http://2130706433/'],
  ['unspecified', 'http://0.0.0.0:3000/'],
  ['RFC 1918 10/8', 'http://10.1.2.3/hook'],
  ['RFC 1918 172.16/12', 'https://172.16.5.4/hook'],
  ['RFC 1918 192.168/16', 'http://192.168.1.10/hook'],
  ['cloud metadata (link-local)', 'http://169.254.169.254/latest/meta-data/'],
  ['carrier-grade NAT', 'http://100.64.0.1/'],
  ['multicast', 'http://224.0.0.1/'],
  ['IPv6 loopback', 'http://[::1]:8080/hook'],
  ['IPv6 unspecified', 'http://[::]/'],
  ['IPv6 link-local', 'http://[fe80::1]/'],
  ['IPv6 unique-local', 'http://[fd00::1]/'],
  ['IPv6 multicast', 'http://[ff02::1]/'],
  ['IPv4-mapped loopback', 'http://[::ffff:127.0.0.1]/'],
  ['IPv4-mapped metadata', 'http://[::ffff:169.254.169.254]/'],
  ['IPv4-mapped private', 'http://[::ffff:10.0.0.1]/'],
  ['a name resolving to 127.0.0.1', 'http://localhost:3000/hook'],
]

describe('webhook registration refuses private-network targets', () => {
  it.each(PRIVATE_TARGETS)('should answer 400 with a url detail for %s (%s), self-service and admin, recording nothing', async (_, url) => {
    const { ctx, partner } = await setup()
    const own = await ctx.call('POST', '/webhooks', { apiKey: partner.apiKey, body: { url } })
    expect(own.status).toBe(400)
    expect(own.json).toMatchObject({ success: false, error: 'Bad Request', code: 400, requestId: expect.any(String) })
    expect(own.json.message).toContain('private network targets are refused')
    expect(own.json.details).toEqual([{ field: 'url', message: expect.stringContaining('WEBHOOK_ALLOW_PRIVATE_TARGETS') }])
    const byAdmin = await ctx.call('POST', `/tenants/${partner.orgId}/webhooks`, { headers: admin, body: { url } })
    expect(byAdmin.status).toBe(400)
    expect(byAdmin.json.details.map((d: { field: string }) => d.field)).toEqual(['url'])
    expect(rows(ctx)).toEqual([])
  })

  it('should refuse changing a URL to a private target and leave the subscription as it was', async () => {
    const { ctx, partner } = await setup()
    const created = await ctx.call('POST', '/webhooks', { apiKey: partner.apiKey, body: { url: PUBLIC_URL } })
    expect(created.status).toBe(201)
    const id = created.json.id
    const patched = await ctx.call('PATCH', `/webhooks/${id}`, { apiKey: partner.apiKey, body: { url: 'http://[::ffff:127.0.0.1]:3000/' } })
    expect(patched.status).toBe(400)
    expect(patched.json.details).toEqual([{ field: 'url', message: expect.stringContaining('loopback') }])
    const put = await ctx.call('PUT', `/tenants/${partner.orgId}/webhooks/${id}`, {
      headers: admin,
      body: { url: 'http://169.254.169.254/', status: 'disabled' },
    })
    expect(put.status).toBe(400)
    expect(put.json.details).toEqual([{ field: 'url', message: expect.stringContaining('link-local') }])
    expect(rows(ctx)).toEqual([{ id, url: PUBLIC_URL, status: 'active' }])
    // Other changes still work.
    const events = await ctx.call('PATCH', `/webhooks/${id}`, { apiKey: partner.apiKey, body: { events: ['TempKeyUsed'] } })
    expect(events.status).toBe(200)
  })

  it('should accept a public literal such as 93.184.216.34', async () => {
    const { ctx, partner } = await setup()
    const created = await ctx.call('POST', '/webhooks', { apiKey: partner.apiKey, body: { url: PUBLIC_URL } })
    expect(created.status).toBe(201)
    expect(created.json).toMatchObject({ url: PUBLIC_URL, status: 'active' })
  })
})

describe('webhook delivery re-checks the target', () => {
  it('should refuse a delivery to a name that resolves to 127.0.0.1 after registration: dead letters, no byte sent, no retry', async () => {
    const { ctx, partner } = await setup()
    const trap = tcpTrap()
    const created = await ctx.call('POST', '/webhooks', { apiKey: partner.apiKey, body: { url: PUBLIC_URL } })
    const id = created.json.id
    // The registered name now points into the server's own network (what a DNS change would do).
    ctx.deps.db.$client.query('UPDATE webhooks SET url = ? WHERE id = ?').run(`http://localhost:${trap.port}/hook`, id)
    const { userId } = await ctx.user()
    for (let i = 0; i < 3; i++) {
      const added = await ctx.call('POST', `/users/${userId}/AddPhysicalKey`, { apiKey: partner.apiKey, body: { orgId: partner.orgId } })
      expect(added.status).toBe(200)
    }
    ctx.deps.webhooks.start()
    const dead = () =>
      (ctx.deps.db.$client.query("SELECT count(*) AS n FROM webhook_deliveries WHERE state = 'dead'").get() as { n: number }).n
    await waitFor(() => dead() === 3, 5000, 'three dead letters')
    // Several retry periods later: still one attempt per event.
    await Bun.sleep(300)
    const log = (await ctx.call('GET', `/webhooks/${id}/deliveries`, { apiKey: partner.apiKey })).json.deliveries
    expect(log).toHaveLength(3)
    for (const delivery of log) {
      expect(delivery).toMatchObject({ attempt: 1, state: 'dead', statusCode: null, nextAttemptAt: null })
      expect(delivery.error).toBe('refused, not sent: localhost resolves to a loopback address (WEBHOOK_ALLOW_PRIVATE_TARGETS is false)')
    }
    const sub = (await ctx.call('GET', `/webhooks/${id}`, { apiKey: partner.apiKey })).json
    expect(sub).toMatchObject({ status: 'active', deadLetters: 3, checkpoint: await ctx.deps.feed.head(partner.orgId) })

    const tested = await ctx.call('POST', `/webhooks/${id}/test`, { apiKey: partner.apiKey })
    expect(tested.json).toMatchObject({
      success: false,
      delivery: { state: 'failed', statusCode: null, error: expect.stringContaining('refused, not sent') },
    })
    const retried = await ctx.call('POST', `/webhooks/${id}/deliveries/${log[0].id}/retry`, { apiKey: partner.apiKey })
    expect(retried.json).toMatchObject({
      success: false,
      delivery: { state: 'failed', error: expect.stringContaining('refused, not sent') },
    })
    expect(trap.connections()).toBe(0)
  })

  it('should deliver to a local receiver, by address or as localhost, as before when WEBHOOK_ALLOW_PRIVATE_TARGETS=true', async () => {
    const { ctx, partner } = await setup({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' })
    const receiver = startReceiver()
    stopAfterTest(receiver.stop)
    const byName = receiver.url.replace('127.0.0.1', 'localhost')
    const created = await ctx.call('POST', '/webhooks', { apiKey: partner.apiKey, body: { url: byName } })
    expect(created.status).toBe(201)
    const tested = await ctx.call('POST', `/webhooks/${created.json.id}/test`, { apiKey: partner.apiKey })
    expect(tested.json).toMatchObject({ success: true, delivery: { state: 'delivered', statusCode: 200 } })
    const patched = await ctx.call('PATCH', `/webhooks/${created.json.id}`, { apiKey: partner.apiKey, body: { url: receiver.url } })
    expect(patched.status).toBe(200)
    const { userId } = await ctx.user()
    await ctx.call('POST', `/users/${userId}/AddPhysicalKey`, { apiKey: partner.apiKey, body: { orgId: partner.orgId } })
    ctx.deps.webhooks.start()
    await waitFor(() => receiver.received.length === 2, 5000, 'the test probe and one event')
    expect(receiver.received.map((r) => r.json['detail-type'])).toEqual(['WebhookTest', 'PhysicalKeyAdded'])
  })
})
