// Two processes on one PostgreSQL database, only one of them delivering webhooks (the lease holder): a subscription
// re-pointed or replayed through the other one, whose reset() reaches only its own idle dispatcher, is tried at once,
// from a first attempt, by the one that delivers.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { createUser, registerOrg } from '../../src/auth/tenants'
import { loadConfig } from '../../src/config'
import { createPgDeps, type PostgresDeps } from '../../src/deps-pg'
import { userAggregate } from '../../src/domain/user/decide'
import { userStreamId } from '../../src/domain/user/events'
import { createLogger } from '../../src/logger'
import { freshDatabase } from '../fixtures/postgres'
import { tempDbPath } from '../support/temp-db'
import { FAST_RETRIES_TO_LOCALHOST, type Received, type Receiver, startReceiver, waitFor } from '../webhooks/receiver'

describe('a subscription changed by a process that does not deliver webhooks', () => {
  let leader: PostgresDeps
  let other: PostgresDeps
  const receivers: Receiver[] = []
  beforeAll(async () => {
    const env = { ...FAST_RETRIES_TO_LOCALHOST, WEBHOOK_RETRY_SCHEDULE: '20s,20s', LOG_LEVEL: 'error' }
    const config = { ...loadConfig({ DATABASE_PATH: tempDbPath(), ...env }), databaseUrl: await freshDatabase() }
    const logger = createLogger('error', () => {})
    leader = await createPgDeps(config, { logger })
    other = await createPgDeps(config, { logger })
  })
  afterAll(async () => {
    await leader.webhooks.stop()
    for (const receiver of receivers) receiver.stop()
    await leader.lifecycle.close()
    await other.lifecycle.close()
  })

  const receiver = () => {
    const started = startReceiver()
    receivers.push(started)
    return started
  }
  const isEvent = (request: Received) => request.json['detail-type'] === 'PhysicalKeyAdded'
  const attempts = async (id: string) =>
    (await other.data.listDeliveries(id, { limit: 10 })).filter((d) => d.position > 0).map((d) => [d.attempt, d.state])

  it('should try a new URL, and a replay, at once from a first attempt rather than wait out the old retry', async () => {
    const failing = receiver()
    failing.respond(() => new Response('busy', { status: 500 }))
    const orgId = `org-${crypto.randomUUID()}`
    await registerOrg(other, { orgId, orgName: 'Partner' })
    const { userId } = await createUser(other, { email: `${crypto.randomUUID()}@example.test` })
    const sub = await other.data.createSubscription(other.config, orgId, { url: failing.url }, await other.log.headPosition(), Date.now())
    const command = { type: 'AddPhysicalKey' as const, data: { orgId, orgName: null, note: null }, metadata: { now: Date.now() } }
    await other.commands.handle(userAggregate, userStreamId(userId), command, {})
    leader.webhooks.start()
    await waitFor(async () => (await attempts(sub.id)).length === 1, 5000, 'the first attempt, its retry scheduled')
    expect(other.webhooks.isRunning).toBe(false)

    // Re-pointed: the new endpoint fails the event once (a retry due in 20 s), then takes its replay.
    const moved = receiver()
    moved.respond((request) =>
      isEvent(request) && moved.received.filter(isEvent).length === 1 ? new Response('busy', { status: 500 }) : new Response('ok'),
    )
    const current = await other.data.findSubscription(orgId, sub.id, Date.now())
    await other.data.updateSubscription(other.config, current, { url: moved.url }, Date.now())
    await waitFor(() => moved.received.filter(isEvent).length === 1, 3000, 'the event at the new URL')
    await waitFor(async () => (await attempts(sub.id)).length === 2, 3000, 'its failure recorded')
    expect(failing.received).toHaveLength(1)

    // Replayed from that event: its retry at attempt 2, due in 20 s, is abandoned.
    const [retrying] = await other.data.listDeliveries(sub.id, { limit: 1, state: 'retrying' })
    if (!retrying) throw new Error('no retry scheduled')
    await other.data.rewind(sub.id, retrying.position, Date.now())
    await waitFor(() => moved.received.filter(isEvent).length === 2, 3000, 'the replayed event')
    await waitFor(async () => (await attempts(sub.id)).length === 3, 3000, 'its delivery recorded')
    expect(await attempts(sub.id)).toEqual([
      [1, 'delivered'],
      [1, 'retrying'],
      [1, 'retrying'],
    ])
    expect(new Set([...failing.received, ...moved.received.filter(isEvent)].map((request) => request.json.id)).size).toBe(1)
  })
})
