// Cached hot reads through the HTTP API: repeat reads are served from the cache, and no write, revocation, elapsed
// validity or other process's commit ever lets a stale answer out.
import { describe, expect, test } from 'bun:test'
import { issueApiKey, registerOrg } from '../../src/auth/tenants'
import { loadConfig } from '../../src/config'
import { createDeps } from '../../src/deps'
import { lockAggregate } from '../../src/domain/lock/decide'
import { createLogger } from '../../src/logger'
import { testContext } from '../support/context'
import { createTestLock, createTestTempKey } from '../support/locks'
import { onceOf } from '../support/pages'

describe('GET /users/{id}/PhysicalKeys from the read cache', () => {
  test('a repeat read is a cache hit; a key added or removed shows on the next read', async () => {
    const ctx = testContext()
    const { orgId, apiKey } = await ctx.org()
    const { userId } = await ctx.user()
    await ctx.call('POST', `/users/${userId}/AddPhysicalKey`, { apiKey, body: { orgId, note: 'first' } })
    const first = await ctx.call('GET', `/users/${userId}/PhysicalKeys`, { apiKey })
    const misses = ctx.deps.readCache.misses

    const again = await ctx.call('GET', `/users/${userId}/PhysicalKeys`, { apiKey })
    expect(ctx.deps.readCache.misses).toBe(misses)
    expect(again.text).toBe(first.text)
    expect(again.headers.get('content-type')).toStartWith('application/json')
    expect(again.headers.get('x-content-type-options')).toBe('nosniff')

    const metrics = (await ctx.call('GET', '/metrics')).text
    expect(metrics).toContain(`spkey_read_cache_lookups_total{result="hit"} ${ctx.deps.readCache.hits}`)
    expect(metrics).toContain(`spkey_read_cache_lookups_total{result="miss"} ${misses}`)

    await ctx.call('POST', `/users/${userId}/AddPhysicalKey`, { apiKey, body: { orgId, note: 'second' } })
    const added = await ctx.call('GET', `/users/${userId}/PhysicalKeys`, { apiKey })
    expect(added.json.keys.map((k: { note: string }) => k.note)).toEqual(['first', 'second'])

    await ctx.call('POST', `/users/${userId}/RemovePhysicalKey`, { apiKey, body: { number: 1 } })
    const removed = await ctx.call('GET', `/users/${userId}/PhysicalKeys`, { apiKey })
    expect(removed.json).toMatchObject({ keys: [{ number: 2, note: 'second' }], total: 1 })
  })

  test('each reader gets its own scope: another org never sees a body cached for the first', async () => {
    const ctx = testContext()
    const a = await ctx.org()
    const b = await ctx.org()
    const { userId } = await ctx.user()
    await ctx.call('POST', `/users/${userId}/AddPhysicalKey`, { apiKey: a.apiKey, body: { orgId: a.orgId, note: 'from a' } })
    await ctx.call('POST', `/users/${userId}/AddPhysicalKey`, { apiKey: b.apiKey, body: { orgId: b.orgId, note: 'from b' } })

    for (let i = 0; i < 2; i++) {
      const seenByA = await ctx.call('GET', `/users/${userId}/PhysicalKeys`, { apiKey: a.apiKey })
      const seenByB = await ctx.call('GET', `/users/${userId}/PhysicalKeys`, { apiKey: b.apiKey })
      expect(seenByA.json.keys.map((k: { note: string }) => k.note)).toEqual(['from a'])
      expect(seenByB.json.keys.map((k: { note: string }) => k.note)).toEqual(['from b'])
    }
    const filtered = await ctx.call('GET', `/users/${userId}/PhysicalKeys?q=nothing`, { apiKey: a.apiKey })
    expect(filtered.json).toEqual({ keys: [], total: 0, nextCursor: null })
  })

  test('each page is cached on its own: limit and cursor are part of the key', async () => {
    const ctx = testContext()
    const { orgId, apiKey } = await ctx.org()
    const { userId } = await ctx.user()
    for (const note of ['one', 'two', 'three']) {
      await ctx.call('POST', `/users/${userId}/AddPhysicalKey`, { apiKey, body: { orgId, note } })
    }
    const notes = (body: { keys: { note: string }[] }) => body.keys.map((k) => k.note)
    for (let i = 0; i < 2; i++) {
      expect(notes((await ctx.call('GET', `/users/${userId}/PhysicalKeys`, { apiKey })).json)).toEqual(['one', 'two', 'three'])
      const first = (await ctx.call('GET', `/users/${userId}/PhysicalKeys?limit=2`, { apiKey })).json
      expect(notes(first)).toEqual(['one', 'two'])
      const next = (await ctx.call('GET', `/users/${userId}/PhysicalKeys?limit=2&cursor=${first.nextCursor}`, { apiKey })).json
      expect(next).toMatchObject({ total: 3, nextCursor: null })
      expect(notes(next)).toEqual(['three'])
    }
  })

  test('an unknown user is still a 404 after the cache has served others', async () => {
    const ctx = testContext()
    const { apiKey } = await ctx.org()
    const res = await ctx.call('GET', `/users/${crypto.randomUUID()}/PhysicalKeys`, { apiKey })
    expect(res.status).toBe(404)
  })
})

describe('API keys from the read cache', () => {
  test('a key rotated away stops working on the very next request', async () => {
    const ctx = testContext()
    const { orgId, apiKey } = await ctx.org()
    const { userId } = await ctx.user()
    expect((await ctx.call('GET', `/users/${userId}/PhysicalKeys`, { apiKey })).status).toBe(200)

    const { apiKey: next } = await issueApiKey(ctx.deps, orgId, { createdBy: 'test', rotate: true })

    expect((await ctx.call('GET', `/users/${userId}/PhysicalKeys`, { apiKey })).status).toBe(401)
    expect((await ctx.call('GET', `/users/${userId}/PhysicalKeys`, { apiKey: next })).status).toBe(200)
  })

  test('a key rotated by another process (the admin CLI) stops working on the next request', async () => {
    const ctx = testContext()
    const { orgId, apiKey } = await ctx.org()
    const { userId } = await ctx.user()
    expect((await ctx.call('GET', `/users/${userId}/PhysicalKeys`, { apiKey })).status).toBe(200)

    const cli = createDeps(loadConfig({ DATABASE_PATH: ctx.deps.config.databasePath, LOG_LEVEL: 'silent' }), {
      logger: createLogger('silent'),
    })
    await issueApiKey(cli, orgId, { createdBy: 'cli', rotate: true })
    cli.db.$client.close()

    expect((await ctx.call('GET', `/users/${userId}/PhysicalKeys`, { apiKey })).status).toBe(401)
  })

  test('a cached key still expires at its expiry instant', async () => {
    const ctx = testContext()
    const orgId = 'expiring-org'
    await registerOrg(ctx.deps, { orgId, orgName: 'Expiring' })
    const expiresAt = new Date(ctx.clock.now() + 60_000).toISOString()
    const { apiKey } = await issueApiKey(ctx.deps, orgId, { createdBy: 'test', expiresAt })
    const { userId } = await ctx.user()
    expect((await ctx.call('GET', `/users/${userId}/PhysicalKeys`, { apiKey })).status).toBe(200)

    ctx.clock.advance(60_000)

    expect((await ctx.call('GET', `/users/${userId}/PhysicalKeys`, { apiKey })).status).toBe(401)
  })
})

describe('the guest page from the read cache', () => {
  const view = (ctx: ReturnType<typeof testContext>, uuid: string, cookie = '') =>
    ctx.call('GET', `/temp-keys/${uuid}`, { headers: { accept: 'text/html', cookie } })

  test('a cached page still carries this browser’s CSRF token and a fresh once token per view', async () => {
    const ctx = testContext()
    const lock = await createTestLock(ctx)
    const uuid = await createTestTempKey(ctx, lock)
    const browser = await ctx.browser(null)
    const first = await view(ctx, uuid, browser.cookie)
    const misses = ctx.deps.readCache.misses

    const second = await view(ctx, uuid, browser.cookie)
    const otherBrowser = await ctx.call('GET', `/temp-keys/${uuid}`, { headers: { accept: 'text/html' } })

    expect(ctx.deps.readCache.misses).toBe(misses)
    expect(second.text).toContain(`name="_csrf" value="${browser.csrf}"`)
    expect(onceOf(second.text)).toMatch(/^[A-Za-z0-9_-]{20,}$/)
    expect(onceOf(second.text)).not.toBe(onceOf(first.text))
    const minted = /spkey_csrf=([^;]+)/.exec(otherBrowser.headers.get('set-cookie') ?? '')?.[1] ?? 'none'
    expect(otherBrowser.text).toContain(`name="_csrf" value="${minted}"`)
    expect(otherBrowser.text).not.toContain(browser.csrf)
  })

  test('uses left, the end of validity and a deletion show on the next view', async () => {
    const ctx = testContext()
    const { orgId, apiKey } = await ctx.org()
    const lock = await createTestLock(ctx, { orgId })
    const now = ctx.clock.now()
    const uuid = await createTestTempKey(ctx, lock, { maxUses: 3, validUntil: new Date(now + 60_000).toISOString() })
    expect((await view(ctx, uuid)).text).toContain('3')

    await ctx.call('POST', `/locks/${lock.lockId}/use-temp-key`, { apiKey, body: { tempKeyUuid: uuid } })
    const afterUse = await view(ctx, uuid)
    expect(afterUse.text).toMatch(/2\s*(of 3|uses? left|left)/)

    ctx.clock.advance(60_000)
    const expired = await view(ctx, uuid)
    expect(expired.text).not.toContain('name="_once"')
    expect(expired.text).toContain('expired')

    await ctx.call('POST', `/locks/${lock.lockId}/delete-temp-key`, { apiKey, body: { tempKeyUuid: uuid } })
    expect((await view(ctx, uuid)).text).toContain('This key was deleted')
  })

  test('the page cached for an anonymous guest is not the one a listed, signed-in user sees', async () => {
    const ctx = testContext()
    const { userId, token } = await ctx.user()
    const lock = await createTestLock(ctx)
    const uuid = await createTestTempKey(ctx, lock, { accessMode: 'user-whitelist', allowedUserIds: [userId] })
    for (let i = 0; i < 2; i++) {
      expect((await view(ctx, uuid)).text).not.toContain('name="_once"')
      const signedIn = await ctx.call('GET', `/temp-keys/${uuid}`, {
        headers: { accept: 'text/html', cookie: `spkey_session=${token}` },
      })
      expect(signedIn.text).toContain('name="_once"')
    }
  })
})

describe('GET /locks/{id}/temp-keys from the read cache', () => {
  test('a repeat list is a cache hit; a use and the end of validity show on the next list', async () => {
    const ctx = testContext()
    const { orgId, apiKey } = await ctx.org()
    const lock = await createTestLock(ctx, { orgId })
    const uuid = await createTestTempKey(ctx, lock, { validUntil: new Date(ctx.clock.now() + 60_000).toISOString() })
    const list = () => ctx.call('GET', `/locks/${lock.lockId}/temp-keys`, { apiKey, headers: { accept: 'application/json' } })
    await list()
    const misses = ctx.deps.readCache.misses
    expect((await list()).json.tempKeys).toMatchObject([{ uuid, usedCount: 0, status: 'valid' }])
    expect(ctx.deps.readCache.misses).toBe(misses)

    await ctx.call('POST', `/locks/${lock.lockId}/use-temp-key`, { apiKey, body: { tempKeyUuid: uuid } })
    expect((await list()).json.tempKeys).toMatchObject([{ uuid, usedCount: 1, status: 'valid' }])

    ctx.clock.advance(60_000)
    expect((await list()).json.tempKeys).toMatchObject([{ uuid, status: 'expired' }])
  })

  test('a lock with a scheduled key is listed fresh every time (its nextWindow follows the clock)', async () => {
    const ctx = testContext()
    const { orgId, apiKey } = await ctx.org()
    const lock = await createTestLock(ctx, { orgId })
    const schedule = {
      timezone: 'UTC',
      weekly: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const, from: '00:00', until: '23:59' }],
    }
    await createTestTempKey(ctx, lock, { schedule: { ...schedule, weekly: schedule.weekly.map((w) => ({ ...w, days: [...w.days] })) } })
    const list = () => ctx.call('GET', `/locks/${lock.lockId}/temp-keys`, { apiKey, headers: { accept: 'application/json' } })
    const first = (await list()).json.tempKeys[0].nextWindow
    ctx.clock.advance(1_000)
    const second = (await list()).json.tempKeys[0].nextWindow
    expect(Date.parse(second) - Date.parse(first)).toBe(1_000)
  })
})

describe('lock rows (what every lock route authorises against) from the read cache', () => {
  async function givenLockOfOrgA() {
    const ctx = testContext()
    const a = await ctx.org()
    const b = await ctx.org()
    const lock = await createTestLock(ctx, { orgId: a.orgId })
    const list = (apiKey: string) => ctx.call('GET', `/locks/${lock.lockId}/temp-keys`, { apiKey, headers: { accept: 'application/json' } })
    expect((await list(a.apiKey)).status).toBe(200)
    expect(ctx.deps.readCache.get(`lock-row:${lock.lockId}`, ctx.clock.now())).toMatchObject({ lockId: lock.lockId, orgId: a.orgId })
    const moveTo = (orgId: string) => ({ type: 'SetOrganization' as const, data: { orgId }, metadata: { now: ctx.clock.now() } })
    return { ctx, a, b, lock, list, moveTo }
  }

  test('a lock handed to another org is refused to the old org on the very next request, and served to the new one', async () => {
    const { ctx, a, b, lock, list, moveTo } = await givenLockOfOrgA()

    await ctx.deps.commands.handle(lockAggregate, lock.streamId, moveTo(b.orgId), {})

    expect((await list(a.apiKey)).status).toBe(404)
    expect((await list(b.apiKey)).status).toBe(200)
  })

  test('a lock handed over by another process (the admin CLI) is refused to the old org on the next request', async () => {
    const { ctx, a, b, lock, list, moveTo } = await givenLockOfOrgA()

    const cli = createDeps(loadConfig({ DATABASE_PATH: ctx.deps.config.databasePath, LOG_LEVEL: 'silent' }), {
      logger: createLogger('silent'),
    })
    await cli.commands.handle(lockAggregate, lock.streamId, moveTo(b.orgId), {})
    cli.db.$client.close()
    // Another process's commit is noticed within a millisecond (sooner than it could tell anyone it is done).
    await Bun.sleep(2)

    expect((await list(a.apiKey)).status).toBe(404)
    expect((await list(b.apiKey)).status).toBe(200)
  })
})
