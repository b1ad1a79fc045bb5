import { describe, expect, it } from 'bun:test'
import { testContext } from '../support/context'
import { FAST_RETRIES_TO_LOCALHOST, realTimeClock, type Receiver, startReceiver, stopAfterEach, verifySignature, waitFor } from './receiver'

const stopAfterTest = stopAfterEach()

async function setup(env: Record<string, string> = {}) {
  const ctx = testContext({ ...FAST_RETRIES_TO_LOCALHOST, ...env }, realTimeClock())
  const receiver = startReceiver()
  stopAfterTest(() => ctx.deps.webhooks.stop(), receiver.stop)
  const partner = await ctx.org()
  const { userId } = await ctx.user()
  return { ctx, receiver, partner, userId }
}

type Setup = Awaited<ReturnType<typeof setup>>

async function subscribe(s: Setup, receiver: Receiver = s.receiver, body: Record<string, unknown> = {}) {
  const created = await s.ctx.call('POST', '/webhooks', { apiKey: s.partner.apiKey, body: { url: receiver.url, ...body } })
  expect(created.status).toBe(201)
  return { id: created.json.id as string, secret: created.json.secret as string }
}

async function addKeys(s: Setup, count: number) {
  const { orgId, apiKey } = s.partner
  for (let i = 0; i < count; i++) {
    const added = await s.ctx.call('POST', `/users/${s.userId}/AddPhysicalKey`, { apiKey, body: { orgId, note: `key ${i}` } })
    expect(added.status).toBe(200)
  }
}

const numbers = (receiver: Receiver) => receiver.received.map((r) => r.json.detail.data.number as number)
const deliveries = (s: Setup, webhookId: string, query = '') =>
  s.ctx.call('GET', `/webhooks/${webhookId}/deliveries${query}`, { apiKey: s.partner.apiKey })
const webhook = async (s: Setup, id: string) => (await s.ctx.call('GET', `/webhooks/${id}`, { apiKey: s.partner.apiKey })).json

const checkpointOf = (s: Setup, id: string) =>
  (s.ctx.deps.db.$client.query('SELECT checkpoint AS c FROM webhooks WHERE id = ?').get(id) as { c: number } | null)?.c
const caughtUp = (s: Setup, id: string) =>
  waitFor(async () => checkpointOf(s, id) === (await s.ctx.deps.feed.head(s.partner.orgId)), 5000, 'the checkpoint at the head')

// Never saw event n after having seen a later one: retries do not reorder.
const inOrder = (list: number[]) => list.every((n, i) => i === 0 || n >= (list[i - 1] ?? 0))

describe('webhook dispatcher, against a real local receiver', () => {
  it('should sign each delivery so the Standard Webhooks algorithm verifies it, in the docs envelope', async () => {
    const s = await setup()
    const { id, secret } = await subscribe(s)
    await addKeys(s, 2)
    s.ctx.deps.webhooks.start()
    await waitFor(() => s.receiver.received.length === 2, 5000, 'two deliveries')
    for (const request of s.receiver.received) {
      expect(verifySignature(secret, request.headers, request.body)).toBe(true)
      expect(verifySignature(secret, request.headers, request.body.replace('key', 'kez'))).toBe(false)
      expect(request.headers.get('webhook-id')).toBe(request.json.id)
      expect(request.headers.get('content-type')).toBe('application/json')
    }
    const [first] = s.receiver.received
    expect(first?.json).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
      source: 'spk.api',
      'detail-type': 'PhysicalKeyAdded',
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      region: 'local',
      account: 'spkey',
      version: '0',
      resources: [],
      detail: {
        partnerId: s.partner.orgId,
        aggregateType: 'user',
        aggregateId: s.userId,
        version: 2,
        timestamp: expect.any(Number),
        data: { type: 'PhysicalKeyAdded', userId: s.userId, number: 1, orgId: s.partner.orgId, note: 'key 0', addedAt: expect.any(Number) },
      },
    })
    await caughtUp(s, id)
    const after = await webhook(s, id)
    expect(after.lastDelivery).toMatchObject({ state: 'delivered', statusCode: 200, attempt: 1 })
  })

  it('should deliver in log order and move the checkpoint to the last event', async () => {
    const s = await setup()
    const { id } = await subscribe(s)
    await addKeys(s, 25)
    s.ctx.deps.webhooks.start()
    await waitFor(() => s.receiver.received.length === 25, 10_000, '25 deliveries')
    expect(numbers(s.receiver)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1))
    await caughtUp(s, id)
  })

  it('should retry 500s on the schedule and lose or reorder nothing once the receiver recovers', async () => {
    const s = await setup()
    const { id } = await subscribe(s)
    await addKeys(s, 8)
    s.receiver.respond((_, index) => (index < 3 ? new Response('busy', { status: 500 }) : new Response('ok')))
    s.ctx.deps.webhooks.start()
    await waitFor(() => new Set(numbers(s.receiver)).size === 8, 5000, 'all eight events')
    await caughtUp(s, id)
    const seen = numbers(s.receiver)
    expect(seen.slice(0, 4)).toEqual([1, 1, 1, 1])
    expect(inOrder(seen)).toBe(true)
    expect(new Set(s.receiver.ids().slice(0, 4)).size).toBe(1)
    const log = (await deliveries(s, id)).json.deliveries
    expect(log.filter((d: { state: string }) => d.state === 'retrying')).toHaveLength(3)
    expect(log.find((d: { attempt: number }) => d.attempt === 4)).toMatchObject({ state: 'delivered', statusCode: 200 })
    expect(log.find((d: { attempt: number }) => d.attempt === 2)).toMatchObject({ statusCode: 500, error: 'HTTP 500: busy' })
  })

  it('should dead-letter an event after the last retry, move on, and deliver it again on replay with the same id', async () => {
    const s = await setup()
    const { id } = await subscribe(s)
    await addKeys(s, 2)
    s.receiver.respond(() => new Response('down', { status: 503 }))
    s.ctx.deps.webhooks.start()
    await waitFor(() => s.receiver.received.length === 8, 5000, 'four attempts for each of two events')
    await waitFor(
      () =>
        (s.ctx.deps.db.$client.query("SELECT count(*) AS n FROM webhook_deliveries WHERE state = 'dead'").get() as { n: number }).n === 2,
    )
    const dead = (await deliveries(s, id, '?state=dead')).json.deliveries
    expect(dead.map((d: { attempt: number }) => d.attempt)).toEqual([4, 4])
    const sub = await webhook(s, id)
    expect(sub.deadLetters).toBe(2)
    expect(sub.checkpoint).toBe(await s.ctx.deps.feed.head(s.partner.orgId))
    expect(sub.failingSince).not.toBeNull()

    const firstIds = [...new Set(s.receiver.ids())]
    s.receiver.respond(() => new Response('ok'))
    const firstPosition = Math.min(...dead.map((d: { position: number }) => d.position))
    const replay = await s.ctx.call('POST', `/webhooks/${id}/replay`, { apiKey: s.partner.apiKey, body: { fromPosition: firstPosition } })
    expect(replay.json).toEqual({ success: true, id, checkpoint: firstPosition - 1 })
    await waitFor(() => s.receiver.received.length === 10, 5000, 'the replayed events')
    await caughtUp(s, id)
    expect(s.receiver.ids().slice(8)).toEqual(firstIds)
    expect(numbers(s.receiver).slice(8)).toEqual([1, 2])
    expect((await webhook(s, id)).failingSince).toBeNull()
  })

  it('should not retry a 4xx: the event is dead-lettered at once and the next one delivered', async () => {
    const s = await setup()
    const { id } = await subscribe(s)
    await addKeys(s, 2)
    s.receiver.respond((_, index) => (index === 0 ? new Response('nope', { status: 422 }) : new Response('ok')))
    s.ctx.deps.webhooks.start()
    await waitFor(() => s.receiver.received.length === 2, 5000, 'two requests')
    await caughtUp(s, id)
    await Bun.sleep(200)
    expect(numbers(s.receiver)).toEqual([1, 2])
    const log = (await deliveries(s, id)).json.deliveries
    expect(log.map((d: { state: string; statusCode: number }) => [d.state, d.statusCode])).toEqual([
      ['delivered', 200],
      ['dead', 422],
    ])
  })

  it('should disable the subscription on 410 Gone and resume from the same event once re-enabled', async () => {
    const s = await setup()
    const { id } = await subscribe(s)
    await addKeys(s, 2)
    s.receiver.respond(() => new Response('gone', { status: 410 }))
    s.ctx.deps.webhooks.start()
    await waitFor(() => s.receiver.received.length === 1, 5000, 'one request')
    await waitFor(() => s.ctx.deps.db.$client.query("SELECT 1 FROM webhooks WHERE id = ? AND status = 'disabled'").get(id) !== null)
    await Bun.sleep(200)
    expect(s.receiver.received).toHaveLength(1)
    const sub = await webhook(s, id)
    expect(sub).toMatchObject({ status: 'disabled', disabledReason: 'the endpoint answered 410 Gone' })
    expect(sub.lastError).toMatchObject({ state: 'failed', statusCode: 410 })

    s.receiver.respond(() => new Response('ok'))
    const enabled = await s.ctx.call('PATCH', `/webhooks/${id}`, { apiKey: s.partner.apiKey, body: { status: 'active' } })
    expect(enabled.json).toMatchObject({ status: 'active', disabledReason: null, failingSince: null })
    await waitFor(() => s.receiver.received.length === 3, 5000, 'the held events')
    expect(numbers(s.receiver)).toEqual([1, 1, 2])
  })

  it('should honour Retry-After on 429 and give up waiting on a receiver past the timeout', async () => {
    const s = await setup({ WEBHOOK_TIMEOUT_MS: '150' })
    const { id } = await subscribe(s)
    await addKeys(s, 2)
    s.receiver.respond(async (_, index) => {
      if (index === 0) return new Response('slow down', { status: 429, headers: { 'retry-after': '1' } })
      if (index === 2) await Bun.sleep(400)
      return new Response('ok')
    })
    s.ctx.deps.webhooks.start()
    await waitFor(() => s.receiver.received.length === 4, 5000, 'four requests')
    await caughtUp(s, id)
    const [first, second] = s.receiver.received
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(1000)
    expect(numbers(s.receiver)).toEqual([1, 1, 2, 2])
    const log = (await deliveries(s, id)).json.deliveries
    expect(log.find((d: { error: string | null }) => d.error?.startsWith('timeout'))).toMatchObject({ statusCode: null, state: 'retrying' })
  })

  it('should disable a subscription that has failed continuously for WEBHOOK_DISABLE_AFTER', async () => {
    const s = await setup({ WEBHOOK_DISABLE_AFTER: '300ms', WEBHOOK_RETRY_SCHEDULE: Array(20).fill('40ms').join(',') })
    const { id } = await subscribe(s)
    await addKeys(s, 1)
    s.receiver.respond(() => new Response('down', { status: 500 }))
    s.ctx.deps.webhooks.start()
    await waitFor(() => s.ctx.deps.db.$client.query("SELECT 1 FROM webhooks WHERE id = ? AND status = 'disabled'").get(id) !== null, 5000)
    const sub = await webhook(s, id)
    expect(sub.disabledReason).toStartWith('deliveries failing continuously since')
    const count = s.receiver.received.length
    await Bun.sleep(200)
    expect(s.receiver.received.length).toBe(count)
  })

  it("should never send one org's events to another org's subscription", async () => {
    const s = await setup()
    await subscribe(s)
    const other = await s.ctx.org()
    const otherReceiver = startReceiver()
    stopAfterTest(otherReceiver.stop)
    const created = await s.ctx.call('POST', '/webhooks', { apiKey: other.apiKey, body: { url: otherReceiver.url } })
    expect(created.status).toBe(201)
    await addKeys(s, 3)
    const otherUser = await s.ctx.user()
    await s.ctx.call('POST', `/users/${otherUser.userId}/AddPhysicalKey`, { apiKey: other.apiKey, body: { orgId: other.orgId } })
    s.ctx.deps.webhooks.start()
    await waitFor(() => s.receiver.received.length === 3 && otherReceiver.received.length === 1, 5000, 'both partners')
    await Bun.sleep(200)
    expect(s.receiver.received.map((r) => r.json.detail.partnerId)).toEqual([s.partner.orgId, s.partner.orgId, s.partner.orgId])
    expect(otherReceiver.received.map((r) => [r.json.detail.partnerId, r.json.detail.aggregateId])).toEqual([
      [other.orgId, otherUser.userId],
    ])
  })

  it('should send only the subscribed detail-types', async () => {
    const s = await setup()
    await subscribe(s, s.receiver, { events: ['PhysicalKeyRemoved'] })
    await addKeys(s, 3)
    await s.ctx.call('POST', `/users/${s.userId}/RemovePhysicalKey`, { apiKey: s.partner.apiKey, body: { number: 2 } })
    s.ctx.deps.webhooks.start()
    await waitFor(() => s.receiver.received.length === 1, 5000, 'the removal')
    await Bun.sleep(200)
    expect(s.receiver.received.map((r) => [r.json['detail-type'], r.json.detail.data.number])).toEqual([['PhysicalKeyRemoved', 2]])
  })

  it('should re-send an event abandoned by a stop, with the same webhook-id, after a restart', async () => {
    const s = await setup()
    await subscribe(s)
    await addKeys(s, 2)
    s.receiver.respond(async (_, index) => {
      if (index === 0) await Bun.sleep(500)
      return new Response('ok')
    })
    s.ctx.deps.webhooks.start()
    await waitFor(() => s.receiver.received.length === 1, 5000, 'the first request')
    await s.ctx.deps.webhooks.stop()
    s.ctx.deps.webhooks.start()
    await waitFor(() => s.receiver.received.length === 3, 5000, 'the re-sent and the next event')
    expect(numbers(s.receiver)).toEqual([1, 1, 2])
    expect(s.receiver.ids()[0]).toBe(s.receiver.ids()[1] ?? '')
  })

  // On PostgreSQL a process runs the dispatcher while it is elected: deposed, it stops; re-elected, it starts again.
  it('should deliver again from the checkpoint when started again after a stop, the events appended meanwhile too', async () => {
    const s = await setup()
    const { id } = await subscribe(s)
    await addKeys(s, 2)
    s.ctx.deps.webhooks.start()
    await waitFor(() => s.receiver.received.length === 2, 5000, 'the first two events')
    await caughtUp(s, id)
    await s.ctx.deps.webhooks.stop()
    await addKeys(s, 2)
    await Bun.sleep(200)
    expect(s.receiver.received).toHaveLength(2)
    s.ctx.deps.webhooks.start()
    await waitFor(() => s.receiver.received.length === 4, 5000, 'the events appended while stopped')
    await caughtUp(s, id)
    expect(numbers(s.receiver)).toEqual([1, 2, 3, 4])
    expect(new Set(s.receiver.ids()).size).toBe(4)
  })

  it('should resume a retry scheduled before a stop from its recorded attempt when started again', async () => {
    const s = await setup({ WEBHOOK_RETRY_SCHEDULE: '300ms,50ms,50ms' })
    const { id } = await subscribe(s)
    await addKeys(s, 1)
    s.receiver.respond((_, index) => (index === 0 ? new Response('busy', { status: 500 }) : new Response('ok')))
    s.ctx.deps.webhooks.start()
    await waitFor(() => s.receiver.received.length === 1, 5000, 'the failed first attempt')
    await waitFor(async () => (await deliveries(s, id)).json.deliveries.length === 1, 5000, 'the retry recorded')
    await s.ctx.deps.webhooks.stop()
    s.ctx.deps.webhooks.start()
    await waitFor(() => s.receiver.received.length === 2, 5000, 'the retry')
    await caughtUp(s, id)
    const [first, second] = s.receiver.received
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(300)
    expect(new Set(s.receiver.ids()).size).toBe(1)
    const log = (await deliveries(s, id)).json.deliveries
    expect(log.map((d: { attempt: number; state: string }) => [d.attempt, d.state])).toEqual([
      [2, 'delivered'],
      [1, 'retrying'],
    ])
  })

  it('should abandon the request in flight unrecorded when started again before its stop has settled', async () => {
    const s = await setup()
    const { id } = await subscribe(s)
    await addKeys(s, 2)
    s.receiver.respond(async (_, index) => {
      if (index === 0) await Bun.sleep(500)
      return new Response('ok')
    })
    s.ctx.deps.webhooks.start()
    await waitFor(() => s.receiver.received.length === 1, 5000, 'the first request')
    const stopped = s.ctx.deps.webhooks.stop()
    s.ctx.deps.webhooks.start()
    await stopped
    await waitFor(() => s.receiver.received.length === 3, 5000, 'the re-sent and the next event')
    await caughtUp(s, id)
    expect(numbers(s.receiver)).toEqual([1, 1, 2])
    expect(s.receiver.ids()[0]).toBe(s.receiver.ids()[1] ?? '')
    const log = (await deliveries(s, id)).json.deliveries
    expect(log.map((d: { attempt: number; state: string }) => [d.attempt, d.state])).toEqual([
      [1, 'delivered'],
      [1, 'delivered'],
    ])
  })

  // On PostgreSQL the process that changes a subscription may not be the one running the dispatcher: its reset() stays
  // there. Here the row changes under the running dispatcher the same way, through the data functions alone.
  it('should notice a subscription re-pointed by another process: the scheduled retry dropped, the new URL tried at once', async () => {
    const s = await setup({ WEBHOOK_RETRY_SCHEDULE: '20s' })
    const { id } = await subscribe(s)
    await addKeys(s, 1)
    s.receiver.respond(() => new Response('busy', { status: 500 }))
    s.ctx.deps.webhooks.start()
    await waitFor(async () => (await deliveries(s, id)).json.deliveries.length === 1, 5000, 'the retry scheduled')
    const moved = startReceiver()
    stopAfterTest(moved.stop)
    const current = await s.ctx.deps.data.findSubscription(s.partner.orgId, id, Date.now())
    await s.ctx.deps.data.updateSubscription(s.ctx.deps.config, current, { url: moved.url }, Date.now())
    // Beside the new URL's verification challenge, the event again, with its id: long before the old retry was due.
    const resent = () => moved.received.filter((r) => r.json['detail-type'] === 'PhysicalKeyAdded')
    await waitFor(() => resent().length === 1, 3000, 'the event at the new URL')
    expect(s.receiver.received).toHaveLength(1)
    expect(resent()[0]?.json.id).toBe(s.receiver.ids()[0] ?? '')
    await caughtUp(s, id)
    const log = (await deliveries(s, id)).json.deliveries.filter((d: { position: number }) => d.position > 0)
    expect(log.map((d: { attempt: number; state: string }) => [d.attempt, d.state])).toEqual([
      [1, 'delivered'],
      [1, 'retrying'],
    ])
  })

  it('should still send a test probe once stopped (a deposed process goes on answering requests)', async () => {
    const s = await setup()
    const { id } = await subscribe(s)
    s.ctx.deps.webhooks.start()
    await s.ctx.deps.webhooks.stop()
    const tested = await s.ctx.call('POST', `/webhooks/${id}/test`, { apiKey: s.partner.apiKey })
    expect(tested.json).toMatchObject({ success: true, delivery: { state: 'delivered', statusCode: 200 } })
    expect(s.receiver.received).toHaveLength(1)
  })

  it('should start a new subscription at the head unless fromPosition asks for history', async () => {
    const s = await setup()
    await addKeys(s, 2)
    const late = await subscribe(s)
    const history = startReceiver()
    stopAfterTest(history.stop)
    await subscribe(s, history, { fromPosition: 1 })
    await addKeys(s, 1)
    s.ctx.deps.webhooks.start()
    await waitFor(() => s.receiver.received.length === 1 && history.received.length === 3, 5000, 'both receivers')
    expect(numbers(s.receiver)).toEqual([3])
    expect(numbers(history)).toEqual([1, 2, 3])
    expect(late.id).toBeString()
  })
})
