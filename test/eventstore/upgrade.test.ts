// A database written by main at 6ad9dde (test/fixtures/main-6ad9dde.db: whole-lock and whole-inventory snapshots of
// state version 1, no decision rows) opens in the current spkey: rows and snapshots are rebuilt once at start, and
// every key keeps its uses, its deletion and its issuer.
import { describe, expect, it } from 'bun:test'
import { copyFileSync } from 'node:fs'
import { lockAggregate } from '../../src/domain/lock/decide'
import { lockStreamId } from '../../src/domain/lock/events'
import { userAggregate } from '../../src/domain/user/decide'
import { userStreamId } from '../../src/domain/user/events'
import { testContext } from '../support/context'
import { tempDbPath } from '../support/temp-db'

const FIXTURE = new URL('../fixtures/main-6ad9dde.db', import.meta.url).pathname
// The fixture's own API keys (printed when it was made; only their hashes are in the file).
const FIXTURE_ORG_KEY = 'xEuwDW8qCIzL95bznYP4H9pwUS86UqdzxiMru2Mg'
const OTHER_ORG_KEY = 'UBwaweKC8Z614QfFuK1xX0VUIuGu8mgIRPquGLbB'
const LOCK = 7001
const USER = '11111111-1111-4111-8111-111111111111'
const key = (i: number) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`

function openFixture() {
  const path = tempDbPath()
  copyFileSync(FIXTURE, path)
  return testContext({ DATABASE_PATH: path, SNAPSHOT_EVERY: '5' })
}

const snapshotOf = (ctx: ReturnType<typeof testContext>, streamId: string) =>
  ctx.deps.db.$client
    .query<{ stream_version: number; schema_version: number; state: string }, [string]>(
      'SELECT stream_version, schema_version, state FROM snapshots WHERE stream_id = ?',
    )
    .get(streamId)

describe('a database written by main at 6ad9dde', () => {
  it('should be brought to decision rows and version-2 snapshots once, at start', () => {
    const ctx = openFixture()

    const lockSnapshot = snapshotOf(ctx, lockStreamId(LOCK))
    expect(lockSnapshot).toMatchObject({ stream_version: 19, schema_version: 2 })
    expect(lockSnapshot?.state).not.toContain('tempKeys')
    expect(ctx.deps.store.loadEntity(lockAggregate, lockStreamId(LOCK), key(1))).toMatchObject({ usedCount: 2, maxUses: 5, deleted: false })
    expect(ctx.deps.store.loadEntity(lockAggregate, lockStreamId(LOCK), key(2))).toMatchObject({ deleted: true })
    expect(ctx.deps.store.loadEntity(userAggregate, userStreamId(USER), '3')).toBeNull()
    expect(ctx.deps.store.loadEntity(userAggregate, userStreamId(USER), '2')).toEqual({ orgId: 'other-org' })
    // Physical keys are decided on the inventory's own rows: no decision rows of their own.
    const userRows = ctx.deps.db.$client
      .query<{ n: number }, []>("SELECT count(*) AS n FROM entity_states WHERE stream_id LIKE 'user-%'")
      .get()
    expect(userRows?.n).toBe(0)
    // A second start finds everything current and rewrites nothing.
    expect(ctx.deps.store.upgrade()).toEqual([])
  })

  it('should go on counting uses, refusing used-up and deleted keys, and refusing a reused key UUID', async () => {
    const ctx = openFixture()
    const use = (i: number) => ctx.call('POST', `/locks/${LOCK}/use-temp-key`, { apiKey: FIXTURE_ORG_KEY, body: { tempKeyUuid: key(i) } })

    expect((await use(1)).json.event.data).toMatchObject({ tempKeyUuid: key(1), usedCount: 3 })
    expect(await use(3)).toMatchObject({ status: 400, json: { message: 'This temporary key has been used up' } })
    expect(await use(2)).toMatchObject({ status: 400, json: { message: 'This temporary key has been deleted' } })
    const reuse = await ctx.call('POST', `/locks/${LOCK}/create-temp-key`, {
      apiKey: FIXTURE_ORG_KEY,
      body: { tempKeyUuid: key(2), accessMode: 'public', validFrom: '2026-06-01T00:00:00Z', validUntil: '2027-06-01T00:00:00Z' },
    })
    expect(reuse.status).toBe(409)
  })

  it('should go on numbering physical keys and keep each key’s issuer', async () => {
    const ctx = openFixture()

    const added = await ctx.call('POST', `/users/${USER}/AddPhysicalKey`, {
      apiKey: FIXTURE_ORG_KEY,
      body: { orgId: 'fixture-org', note: 'new fob' },
    })
    expect(added.json.number).toBe(8)
    const removedAgain = await ctx.call('POST', `/users/${USER}/RemovePhysicalKey`, { apiKey: FIXTURE_ORG_KEY, body: { number: 3 } })
    expect(removedAgain.status).toBe(404)
    const othersKey = await ctx.call('POST', `/users/${USER}/RemovePhysicalKey`, { apiKey: FIXTURE_ORG_KEY, body: { number: 2 } })
    expect(othersKey.status).toBe(403)
    const own = await ctx.call('POST', `/users/${USER}/RemovePhysicalKey`, { apiKey: OTHER_ORG_KEY, body: { number: 2 } })
    expect(own.status).toBe(200)
  })
})
