// Webhook subscriptions and the delivery log on PostgreSQL: each twin run beside its SQLite function on the same calls
// answers the same and leaves the same rows; and two dispatchers writing one subscription's checkpoint at once (a lease
// that changed hands while the old leader was still sending) never move it back nor past an unacknowledged event.
import { afterAll, beforeAll, describe, expect, it, spyOn } from 'bun:test'
import { type Attempt, DeliveryLog, type FailurePolicy } from '../../src/webhooks/delivery-log'
import { PgDeliveryLog } from '../../src/webhooks/pg-delivery-log'
import * as pgSubs from '../../src/webhooks/pg-subscriptions'
import { generateSecret } from '../../src/webhooks/signing'
import * as subs from '../../src/webhooks/subscriptions'
import type { DeliveryState } from '../../src/webhooks/subscriptions'
import { pgProcesses } from '../fixtures/postgres'
import { expectSameRows, rowsOf, same, twinWorlds } from './fixtures/twins'

const db = pgProcesses()
beforeAll(() => db.setUp())
afterAll(() => db.closeAll())

const HOUR = 3_600_000

// crypto.randomUUID answering `id` for the one call that makes a subscription on each side.
function withId<T>(id: string, call: () => T): T {
  const spy = spyOn(crypto, 'randomUUID').mockReturnValue(id as ReturnType<typeof crypto.randomUUID>)
  try {
    return call()
  } finally {
    spy.mockRestore()
  }
}

const attempt = (webhookId: string, position: number, state: DeliveryState, at: number, more: Partial<Attempt> = {}): Attempt => ({
  webhookId,
  position,
  messageId: `msg_${position}`,
  attempt: 1,
  state,
  result: {
    statusCode: state === 'delivered' ? 200 : 500,
    error: state === 'delivered' ? null : 'HTTP 500',
    durationMs: 12,
    retryAfterMs: null,
  },
  at,
  nextAttemptAt: null,
  ...more,
})

describe('webhook subscriptions and deliveries on PostgreSQL', () => {
  it('should store, page, change, rotate, replay, record, report and prune as SQLite does', async () => {
    const sql = db.pool()
    const w = twinWorlds(sql)
    const sqlite = w.deps.db
    const cfg = w.config
    // Events at positions 1..6 on both, for the event types recent deliveries show.
    for (let i = 1; i <= 6; i++) await w.user(`u-${i}`, null)

    const [A, B, C] = ['wh-2', 'wh-1', 'wh-3']
    const secret = generateSecret()
    const create = (id: string, orgId: string, input: subs.SubscriptionInput, head = 10) =>
      same(
        () => withId(id, () => subs.createSubscription(sqlite, cfg, orgId, input, head, w.clock.now())),
        () => withId(id, () => pgSubs.createSubscription(sql, cfg, orgId, input, head, w.clock.now())),
      )
    await create(A, 'org-1', { url: 'https://a.example/hook', secret, events: ['UserCreated'] })
    await create(B, 'org-1', { url: 'https://b.example/hook', fromPosition: 3, auth: { type: 'bearerToken', value: 'tok' }, secret })
    await create(C, 'org-2', { url: 'https://c.example/hook', auth: { type: 'apiKeyHeader', headerName: 'X-Key', value: 'v' }, secret })
    await create('wh-x', 'org-2', { url: 'not a url' })
    await create('wh-x', 'org-2', { url: 'https://c.example/', auth: { type: 'apiKeyHeader', headerName: 'Webhook-Id', value: 'v' } })
    expect(
      await same(
        () => subs.tenantExists(sqlite, 'org-1'),
        () => pgSubs.tenantExists(sql, 'org-1'),
      ),
    ).toBe(false)

    const now = () => w.clock.now()
    const list = (orgId: string, page: { limit: number; offset: number }) =>
      same(
        () => subs.listSubscriptions(sqlite, orgId, page, now()),
        () => pgSubs.listSubscriptions(sql, orgId, page, now()),
      )
    expect((await list('org-1', { limit: 10, offset: 0 })).rows.map((row) => row.id)).toEqual([B, A])
    expect(await list('org-1', { limit: 1, offset: 1 })).toMatchObject({ total: 2, rows: [{ id: A }] })
    await same(
      () => subs.listAllSubscriptions(sqlite, { limit: 2, offset: 1 }, now()),
      () => pgSubs.listAllSubscriptions(sql, { limit: 2, offset: 1 }, now()),
    )
    const find = (orgId: string, id: string) =>
      same(
        () => subs.findSubscription(sqlite, orgId, id, now()),
        () => pgSubs.findSubscription(sql, orgId, id, now()),
      )
    await find('org-2', A)
    const update = async (id: string, changes: subs.SubscriptionChanges) => {
      const current = await find('org-1', id)
      return same(
        () => subs.updateSubscription(sqlite, cfg, current, changes, now()),
        () => pgSubs.updateSubscription(sql, cfg, current, changes, now()),
      )
    }
    expect((await update(A, { url: 'https://a2.example/hook' })).status).toBe('pending')
    await update(A, { events: ['*'], auth: { type: 'apiKeyHeader', headerName: 'X-Other', value: 'w' } })
    expect((await update(A, { secret: generateSecret() })).previousSecret).toBe(secret)
    await update(B, { status: 'disabled' })
    await update(B, { status: 'active' })
    await update(B, { url: 'ftp://b.example/' })
    await expectSameRows(sqlite.$client, sql, 'webhooks', ['id'])

    w.clock.advance(25 * HOUR)
    expect((await find('org-1', A)).previousSecret).toBeNull()
    const current = await find('org-1', B)
    const rotated = { sqlite: subs.rotateSecret(sqlite, cfg, current, now()), pg: await pgSubs.rotateSecret(sql, cfg, current, now()) }
    expect(rotated.pg.previousSecretValidUntil).toBe(rotated.sqlite.previousSecretValidUntil)
    const secretsOf = async () => (await rowsOf(sqlite.$client, sql, 'webhooks', ['id'])).pg.find((row) => row.id === B)
    expect(await secretsOf()).toMatchObject({ secret: rotated.pg.secret, previous_secret: secret })
    await sql`UPDATE webhooks SET secret = ${rotated.sqlite.secret} WHERE id = ${B}`
    w.clock.advance(25 * HOUR)
    await same(
      () => subs.forgetExpiredSecrets(sqlite, now()),
      () => pgSubs.forgetExpiredSecrets(sql, now()),
    )
    expect(
      await same(
        () => subs.rewind(sqlite, A, 5, now()),
        () => pgSubs.rewind(sql, A, 5, now()),
      ),
    ).toBe(4)
    await expectSameRows(sqlite.$client, sql, 'webhooks', ['id'])

    // The delivery log, as the dispatcher writes it.
    const logs = { sqlite: new DeliveryLog(sqlite), pg: new PgDeliveryLog(sql) }
    const log = <T>(call: (log: Pick<DeliveryLog, keyof DeliveryLog>) => T | Promise<T>) =>
      same(
        () => call(logs.sqlite),
        () => Promise.resolve(call(logs.pg as unknown as Pick<DeliveryLog, keyof DeliveryLog>)),
      )
    const at = now()
    const patience: FailurePolicy = { gone: false, disableAfterMs: HOUR }
    expect(await log((l) => l.recordOneOff(attempt(A, 0, 'delivered', at)))).toBe(1)
    expect(await log((l) => l.recordOneOff(attempt('wh-gone', 0, 'delivered', at)))).toBe(0)
    await log((l) => l.acknowledge(B, 2, [attempt(B, 3, 'delivered', at), attempt(B, 4, 'delivered', at)]))
    await log((l) => l.settle(attempt(A, 5, 'retrying', at, { nextAttemptAt: at + 1000 }), 4, patience))
    expect(await log((l) => l.scheduledRetry(A, 5))).toEqual({ attempt: 1, nextAttemptAt: at + 1000 })
    await log((l) => l.settle(attempt(A, 5, 'delivered', at + 1000, { attempt: 2 }), 4, patience))
    expect(await log((l) => l.scheduledRetry(A, 5))).toBeNull()
    await log((l) => l.settle(attempt(A, 6, 'dead', at + 2000), 5, patience))
    expect(await log((l) => l.settle(attempt(C, 11, 'retrying', at, { nextAttemptAt: at + 1 }), 10, patience))).toBe(false)
    expect(await log((l) => l.settle(attempt(C, 11, 'retrying', at + HOUR, { attempt: 2 }), 10, patience))).toBe(true)
    expect(await log((l) => l.settle(attempt(B, 5, 'failed', at), 4, { gone: true, disableAfterMs: HOUR }))).toBe(true)
    await log((l) => l.skipTo(A, 9, 6))
    await log((l) => l.skipTo(A, 12, 6))
    expect(await log((l) => l.deliverableIds())).toEqual([{ id: A, updatedAt: expect.any(String) }])
    expect(await log((l) => l.subscription(A))).toMatchObject({ checkpoint: 9, failingSince: at + 2000 })
    expect(await log((l) => l.subscription('wh-gone'))).toBeUndefined()
    await expectSameRows(sqlite.$client, sql, 'webhooks', ['id'])
    await expectSameRows(sqlite.$client, sql, 'webhook_deliveries', ['id'])

    const deliveries = (webhookId: string, options: { limit: number; before?: number; state?: DeliveryState }) =>
      same(
        () => subs.listDeliveries(sqlite, webhookId, options),
        () => pgSubs.listDeliveries(sql, webhookId, options),
      )
    expect((await deliveries(A, { limit: 10 })).map((d) => d.id)).toEqual([6, 5, 4, 1])
    expect((await deliveries(A, { limit: 1, before: 5 })).map((d) => d.id)).toEqual([4])
    expect((await deliveries(A, { limit: 10, state: 'delivered' })).map((d) => d.id)).toEqual([5, 1])
    await same(
      () => subs.findDelivery(sqlite, A, 4),
      () => pgSubs.findDelivery(sql, A, 4),
    )
    await same(
      () => subs.findDelivery(sqlite, B, 4),
      () => pgSubs.findDelivery(sql, B, 4),
    )
    const recent = await same(
      () => subs.recentDeliveries(sqlite, 'org-1', 10),
      () => pgSubs.recentDeliveries(sql, 'org-1', 10),
    )
    // The test probe (position 0) carried no event.
    expect(recent.map((r) => [r.delivery.id, r.eventType])).toEqual([
      [9, 'UserCreated'],
      [6, 'UserCreated'],
      [5, 'UserCreated'],
      [4, 'UserCreated'],
      [3, 'UserCreated'],
      [2, 'UserCreated'],
      [1, null],
    ])
    for (const id of [A, B, C, 'wh-gone'])
      await same(
        () => subs.health(sqlite, id),
        () => pgSubs.health(sql, id),
      )

    w.clock.advance(8 * 24 * HOUR)
    await same(
      () => subs.pruneDeliveries(sqlite, now()),
      () => pgSubs.pruneDeliveries(sql, now()),
    )
    // Kept: the dead letter and the retry still scheduled.
    const kept = async () => (await expectSameRows(sqlite.$client, sql, 'webhook_deliveries', ['id'])).map((row) => row.id)
    expect(await kept()).toEqual([6, 7])
    // Re-enabled, C is tried at once from a first attempt: the retry scheduled before is abandoned.
    const disabled = await find('org-2', C)
    await same(
      () => subs.updateSubscription(sqlite, cfg, disabled, { status: 'active' }, now()),
      () => pgSubs.updateSubscription(sql, cfg, disabled, { status: 'active' }, now()),
    )
    const abandoned = await expectSameRows(sqlite.$client, sql, 'webhook_deliveries', ['id'])
    expect(abandoned.find((row) => row.id === 7)).toMatchObject({ state: 'retrying', next_attempt_at: null })
    await same(
      () => subs.deleteSubscription(sqlite, A),
      () => pgSubs.deleteSubscription(sql, A),
    )
    expect(await kept()).toEqual([7])
    expect(await expectSameRows(sqlite.$client, sql, 'webhooks', ['id'])).toHaveLength(2)
    w.close()
  })
})

describe('two dispatchers on one subscription', () => {
  const patience: FailurePolicy = { gone: false, disableAfterMs: HOUR }

  async function subscription(sql: Parameters<typeof pgSubs.createSubscription>[0], config: ReturnType<typeof twinWorlds>['config']) {
    return pgSubs.createSubscription(sql, config, 'org-cas', { url: 'https://cas.example/hook', fromPosition: 1 }, 1000, Date.now())
  }

  it('should leave the checkpoint where the later leader put it: a stale one neither moves it back nor past a replay', async () => {
    const w = twinWorlds(db.pool())
    const sub = await subscription(w.pg.sql, w.config)
    const [current, stale] = [new PgDeliveryLog(db.pool()), new PgDeliveryLog(db.pool())]
    const checkpoint = async () => (await current.subscription(sub.id))?.checkpoint
    const at = Date.now()
    // Both read checkpoint 0; the current leader acknowledges 1..3 first.
    await current.acknowledge(
      sub.id,
      0,
      [1, 2, 3].map((p) => attempt(sub.id, p, 'delivered', at)),
    )
    expect(await checkpoint()).toBe(3)
    await stale.acknowledge(
      sub.id,
      0,
      [1, 2].map((p) => attempt(sub.id, p, 'delivered', at)),
    )
    await stale.settle(attempt(sub.id, 1, 'dead', at), 0, patience)
    await stale.skipTo(sub.id, 2, 0)
    expect(await checkpoint()).toBe(3)
    // A replay from 1 while the leader had 4..6 in flight on checkpoint 3: the replay wins.
    await pgSubs.rewind(w.pg.sql, sub.id, 1, at)
    await current.acknowledge(
      sub.id,
      3,
      [4, 5, 6].map((p) => attempt(sub.id, p, 'delivered', at)),
    )
    await current.settle(attempt(sub.id, 4, 'delivered', at), 3, patience)
    expect(await checkpoint()).toBe(0)
    w.close()
  })

  it('should only ever move the checkpoint forward, over acknowledged events, while two dispatchers race on it', async () => {
    const w = twinWorlds(db.pool())
    const sub = await subscription(w.pg.sql, w.config)
    const dispatchers = [new PgDeliveryLog(db.pool()), new PgDeliveryLog(db.pool())]
    const seen: number[] = []
    let running = true
    const observer = db.pool(1)
    const watching = (async () => {
      while (running) {
        const [row] = await observer<{ checkpoint: number }[]>`SELECT checkpoint FROM webhooks WHERE id = ${sub.id}`
        seen.push(row?.checkpoint ?? -1)
      }
    })()
    await Promise.all(
      dispatchers.map(async (log, d) => {
        for (let round = 0; round < 80; round++) {
          const base = (await log.subscription(sub.id))?.checkpoint ?? 0
          await Bun.sleep(Math.random() * 3)
          const positions = Array.from({ length: 1 + ((round + d) % 3) }, (_, i) => base + 1 + i)
          const attempts = positions.map((p) => attempt(sub.id, p, 'delivered', Date.now(), { messageId: `d${d}` }))
          if (round % 5 === 4) await log.settle(attempts[0] as Attempt, base, patience)
          else await log.acknowledge(sub.id, base, attempts)
        }
      }),
    )
    running = false
    await watching
    const final = (await dispatchers[0]?.subscription(sub.id))?.checkpoint ?? 0
    expect(final).toBeGreaterThan(80)
    expect(seen.length).toBeGreaterThan(10)
    expect(seen.every((checkpoint, i) => i === 0 || checkpoint >= (seen[i - 1] ?? 0))).toBe(true)
    // Every event up to the checkpoint was acknowledged by one dispatcher or the other.
    const delivered = await observer<{ position: number }[]>`
      SELECT DISTINCT position FROM webhook_deliveries WHERE webhook_id = ${sub.id} AND state = 'delivered' ORDER BY position`
    expect(delivered.map((row) => row.position).filter((p) => p <= final)).toEqual(Array.from({ length: final }, (_, i) => i + 1))
    w.close()
  })
})
