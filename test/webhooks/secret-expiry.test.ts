// After a rotation's overlap window the previous secret is deleted from its row, not merely left unused: on a read
// of the subscription, before a delivery is signed, and by the dispatcher's sweep for rows nobody touches.
import { describe, expect, it } from 'bun:test'
import { findSubscription, forgetExpiredSecret } from '../../src/webhooks/subscriptions'
import { manualClock, testContext } from '../support/context'
import { startReceiver, stopAfterEach, verifySignature, waitFor } from './receiver'

const HOUR = 3_600_000
const stopAfterTest = stopAfterEach()

type Row = { secret: string; previous_secret: string | null; previous_secret_expires_at: number | null }

// Given a subscription whose secret was rotated with an overlap of `overlapMs` (an hour unless told).
async function givenRotated(overlapMs = HOUR) {
  const clock = manualClock()
  // The receiver listens on 127.0.0.1: private targets are allowed here (the guard has its own tests).
  const ctx = testContext({ WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_SECRET_OVERLAP: `${overlapMs}ms` }, clock)
  const receiver = startReceiver()
  stopAfterTest(() => ctx.deps.webhooks.stop(), receiver.stop)
  const partner = await ctx.org()
  const created = await ctx.call('POST', '/webhooks', { apiKey: partner.apiKey, body: { url: receiver.url } })
  expect(created.status).toBe(201)
  const id = created.json.id as string
  const rotated = await ctx.call('POST', `/webhooks/${id}/rotate-secret`, { apiKey: partner.apiKey })
  expect(rotated.status).toBe(200)
  const row = () =>
    ctx.deps.db.$client.query('SELECT secret, previous_secret, previous_secret_expires_at FROM webhooks WHERE id = ?').get(id) as Row
  expect(row()).toEqual({
    secret: rotated.json.secret,
    previous_secret: created.json.secret,
    previous_secret_expires_at: clock.now() + overlapMs,
  })
  return { ctx, clock, receiver, partner, id, oldSecret: created.json.secret as string, newSecret: rotated.json.secret as string, row }
}

describe('a rotated webhook secret, once its overlap window has passed', () => {
  it('should be deleted from the row before a delivery is signed, and the delivery carry one v1 signature', async () => {
    // A window shorter than the dispatcher's hourly sweep: the delivery itself must notice.
    const s = await givenRotated(10 * 60_000)
    const { userId } = await s.ctx.user()
    s.ctx.deps.webhooks.start()
    await Bun.sleep(50)
    expect(s.row().previous_secret).toBe(s.oldSecret)
    s.clock.advance(10 * 60_000)
    const added = await s.ctx.call('POST', `/users/${userId}/AddPhysicalKey`, {
      apiKey: s.partner.apiKey,
      body: { orgId: s.partner.orgId },
    })
    expect(added.status).toBe(200)
    await waitFor(() => s.receiver.received.length === 1, 5000, 'one delivery')
    const [request] = s.receiver.received
    if (!request) throw new Error('no delivery received')
    const signatures = (request.headers.get('webhook-signature') ?? '').split(' ')
    expect(signatures).toHaveLength(1)
    expect(signatures[0]).toStartWith('v1,')
    expect(verifySignature(s.newSecret, request.headers, request.body, s.clock.now() / 1000)).toBe(true)
    expect(verifySignature(s.oldSecret, request.headers, request.body, s.clock.now() / 1000)).toBe(false)
    expect(s.row()).toEqual({ secret: s.newSecret, previous_secret: null, previous_secret_expires_at: null })
  })

  it('should be deleted by a test probe, which then carries one v1 signature', async () => {
    const s = await givenRotated()
    s.clock.advance(HOUR + 1)
    const tested = await s.ctx.call('POST', `/webhooks/${s.id}/test`, { apiKey: s.partner.apiKey })
    expect(tested.json).toMatchObject({ success: true })
    expect(s.receiver.received.map((r) => (r.headers.get('webhook-signature') ?? '').split(' ').length)).toEqual([1])
    expect(s.row()).toMatchObject({ previous_secret: null, previous_secret_expires_at: null })
  })

  it.each([
    ['GET /webhooks/{id}', 'GET', (id: string) => `/webhooks/${id}`],
    ['GET /webhooks', 'GET', () => '/webhooks'],
  ])('should be deleted by a read of the subscription (%s), no delivery needed', async (_, method, path) => {
    const s = await givenRotated()
    s.clock.advance(HOUR)
    expect((await s.ctx.call(method, path(s.id), { apiKey: s.partner.apiKey })).status).toBe(200)
    expect(s.row()).toEqual({ secret: s.newSecret, previous_secret: null, previous_secret_expires_at: null })
    expect(s.receiver.received).toHaveLength(0)
  })

  it('should be deleted by the dispatcher for a subscription nobody reads or sends to (a disabled one)', async () => {
    const s = await givenRotated()
    const disabled = await s.ctx.call('PATCH', `/webhooks/${s.id}`, { apiKey: s.partner.apiKey, body: { status: 'disabled' } })
    expect(disabled.json).toMatchObject({ status: 'disabled' })
    s.clock.advance(2 * HOUR)
    s.ctx.deps.webhooks.start()
    await waitFor(() => s.row().previous_secret === null, 5000, 'the sweep')
    expect(s.row()).toEqual({ secret: s.newSecret, previous_secret: null, previous_secret_expires_at: null })
  })
})

describe('a rotated webhook secret, inside its overlap window', () => {
  it('should stay stored (reads do not touch it) until the last millisecond of the window', async () => {
    const s = await givenRotated()
    s.clock.advance(HOUR - 1)
    expect((await s.ctx.call('GET', `/webhooks/${s.id}`, { apiKey: s.partner.apiKey })).status).toBe(200)
    expect(s.row()).toMatchObject({ previous_secret: s.oldSecret })
  })

  it('should not be deleted through a stale read of the row when a newer rotation started a new window', async () => {
    const s = await givenRotated()
    s.clock.advance(HOUR)
    // The row as a reader saw it a moment earlier, expired secret and all.
    const stale = findSubscription(s.ctx.deps.db, s.partner.orgId, s.id, s.clock.now() - 1)
    const again = await s.ctx.call('POST', `/webhooks/${s.id}/rotate-secret`, { apiKey: s.partner.apiKey })
    expect(again.status).toBe(200)
    expect(forgetExpiredSecret(s.ctx.deps.db, stale, s.clock.now())).toMatchObject({ previousSecret: null })
    expect(s.row()).toEqual({ secret: again.json.secret, previous_secret: s.newSecret, previous_secret_expires_at: s.clock.now() + HOUR })
  })
})
