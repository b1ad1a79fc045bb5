// The vaults, server secrets, site administrators, sign-in links, passwords, signed-out sessions and API-key use on
// PostgreSQL: each twin run beside its SQLite function on the same inputs (a backend-neutral function run on both
// databases' ports) answers the same and leaves the same rows, and what must happen once does so across processes (a
// link spent once, one first administrator, one first start).
import { afterAll, describe, expect, it } from 'bun:test'
import { ApiKeyLookup, sqliteApiKeys } from '../../src/auth/api-keys'
import * as credentials from '../../src/auth/credentials'
import * as links from '../../src/auth/login-links'
import { SessionRevocations } from '../../src/auth/sessions'
import * as admins from '../../src/auth/site-admins'
import { createUser, updateEmail } from '../../src/auth/tenants'
import { loadConfig } from '../../src/config'
import { postgresData } from '../../src/data/postgres'
import { sqliteData } from '../../src/data/sqlite'
import { pgApiKeys } from '../../src/db/pg/api-keys'
import * as pgLinks from '../../src/db/pg/login-links'
import * as pgSecrets from '../../src/db/pg/secrets'
import { PgSessionRevocations } from '../../src/db/pg/sessions'
import * as pgAdmins from '../../src/db/pg/site-admins'
import * as pgVault from '../../src/db/pg/vault'
import * as vault from '../../src/db/vault'
import type { Deps } from '../../src/deps'
import type { OrgCommand } from '../../src/domain/org/commands'
import { orgAggregate } from '../../src/domain/org/decide'
import { orgStreamId } from '../../src/domain/org/events'
import { userAggregate } from '../../src/domain/user/decide'
import { userStreamId } from '../../src/domain/user/events'
import { ReadCache } from '../../src/reads/cache'
import { Reads } from '../../src/reads/reads'
import * as secrets from '../../src/secrets'
import { pgProcesses } from '../fixtures/postgres'
import { expectSameRows, same, settle, twinWorlds } from './fixtures/twins'

const databases: ReturnType<typeof pgProcesses>[] = []
// A fresh database for each test: settings and site administrators are the whole server's.
async function freshDatabase() {
  const db = pgProcesses()
  databases.push(db)
  await db.setUp()
  return db
}
afterAll(() => Promise.all(databases.map((db) => db.closeAll())))

async function worlds(env: Record<string, string> = {}) {
  const db = await freshDatabase()
  return { db, ...twinWorlds(db.pool(), env) }
}

describe('the vaults on PostgreSQL', () => {
  it('should keep and find phone numbers, e-mails and password hashes as SQLite does', async () => {
    const w = await worlds()
    const { db } = w.deps
    const { sql } = w.pg
    const t0 = w.clock.now()
    await w.user('u-b', 'b@example.test', t0)
    await w.user('u-a', null, t0)
    await w.user('u-c', null, t0 - 1000)
    expect(
      await same(
        () => vault.phoneNumberOf(db, 'u-a'),
        () => pgVault.phoneNumberOf(sql, 'u-a'),
      ),
    ).toBeNull()
    for (const [userId, number] of [
      ['u-a', '+30 1'],
      ['u-b', '+30 1'],
      ['u-c', '+30 2'],
    ] as const) {
      await same(
        () => vault.writePhoneNumber(db, userId, number),
        () => pgVault.writePhoneNumber(sql, userId, number),
      )
    }
    const shared = await same(
      () => vault.findUserByPhoneNumber(db, '+30 1'),
      () => pgVault.findUserByPhoneNumber(sql, '+30 1'),
    )
    expect(shared?.user.userId).toBe('u-a')
    expect(
      await same(
        () => vault.findUserByPhoneNumber(db, '+30 9'),
        () => pgVault.findUserByPhoneNumber(sql, '+30 9'),
      ),
    ).toBeUndefined()
    await same(
      () => vault.writePhoneNumber(db, 'u-a', '+30 3'),
      () => pgVault.writePhoneNumber(sql, 'u-a', '+30 3'),
    )
    expect(
      (
        await same(
          () => vault.findUserByPhoneNumber(db, '+30 1'),
          () => pgVault.findUserByPhoneNumber(sql, '+30 1'),
        )
      )?.user.userId,
    ).toBe('u-b')
    await same(
      () => vault.writePhoneNumber(db, 'u-b', null),
      () => pgVault.writePhoneNumber(sql, 'u-b', null),
    )
    expect(
      await same(
        () => vault.phoneNumberOf(db, 'u-b'),
        () => pgVault.phoneNumberOf(sql, 'u-b'),
      ),
    ).toBeNull()
    expect(
      await same(
        () => vault.phoneNumberOf(db, 'u-a'),
        () => pgVault.phoneNumberOf(sql, 'u-a'),
      ),
    ).toBe('+30 3')

    await same(
      () => vault.writeEmail(db, 'u-a', 'a@example.test'),
      () => pgVault.writeEmail(sql, 'u-a', 'a@example.test'),
    )
    // Unique across users, on both.
    const taken = [
      await settle(() => vault.writeEmail(db, 'u-c', 'a@example.test')),
      await settle(() => pgVault.writeEmail(sql, 'u-c', 'a@example.test')),
    ]
    expect(taken.map((outcome) => 'refused' in outcome)).toEqual([true, true])

    await same(
      () => vault.writePasswordHash(db, 'u-a', 'hash-1', t0),
      () => pgVault.writePasswordHash(sql, 'u-a', 'hash-1', t0),
    )
    await same(
      () => vault.writePasswordHash(db, 'u-a', 'hash-2', t0 + 5),
      () => pgVault.writePasswordHash(sql, 'u-a', 'hash-2', t0 + 5),
    )
    expect(
      await same(
        () => vault.passwordHashOf(db, 'u-a'),
        () => pgVault.passwordHashOf(sql, 'u-a'),
      ),
    ).toBe('hash-2')
    expect(
      await same(
        () => vault.passwordHashOf(db, 'u-b'),
        () => pgVault.passwordHashOf(sql, 'u-b'),
      ),
    ).toBeNull()

    expect(await expectSameRows(db.$client, sql, 'user_phone_numbers', ['user_id'])).toHaveLength(2)
    expect(await expectSameRows(db.$client, sql, 'user_emails', ['user_id'])).toHaveLength(1)
    expect(await expectSameRows(db.$client, sql, 'user_credentials', ['user_id'])).toHaveLength(1)
    w.close()
  })

  it("should apply a command's vault writes as SQLite does, refusing an e-mail address another user has", async () => {
    const w = await worlds()
    await w.user('u-taken', 'taken@example.test')
    await w.user('u-late', null)
    const both = <T>(call: (deps: Deps) => Promise<T>) =>
      same(
        () => call(w.deps),
        () => call(w.pg.deps),
      )
    const created = await both(async (deps) => (await createUser(deps, { userId: 'u-phone', email: null, phoneNumber: '+30 5' })).userId)
    expect(created).toBe('u-phone')
    const emailed = (userId: string, email: string) => async (deps: Deps) =>
      (await updateEmail(deps, userId, email)).events.map(({ type, data }) => ({ type, data }))
    expect(await both(emailed('u-phone', ' Phone@Example.test'))).toHaveLength(1)
    expect(await both(async (deps) => (await deps.data.findUser('u-phone'))?.email)).toBe('phone@example.test')
    await both(emailed('u-late', 'taken@example.test'))
    expect(await settle(() => emailed('u-late', 'taken@example.test')(w.pg.deps))).toMatchObject({ refused: { status: 409 } })
    expect(await expectSameRows(w.deps.db.$client, w.pg.sql, 'user_phone_numbers', ['user_id'])).toHaveLength(1)
    expect(await expectSameRows(w.deps.db.$client, w.pg.sql, 'user_emails', ['user_id'])).toHaveLength(1)
    w.close()
  })

  it("should write the vault in the command's transaction: a command that fails after the write leaves nothing", async () => {
    const w = await worlds()
    await w.user('u-vault', null)
    const command = { type: 'UpdatePhoneNumber' as const, data: { phoneNumber: '+30 4' }, metadata: { now: w.clock.now() } }
    const failing = w.pg.commands.handle(userAggregate, userStreamId('u-vault'), command, {}, async (_, tx) => {
      await pgVault.writePhoneNumber(tx, 'u-vault', '+30 4')
      throw new Error('after the vault write')
    })
    await expect(failing).rejects.toThrow('after the vault write')
    expect(await pgVault.phoneNumberOf(w.pg.sql, 'u-vault')).toBeNull()
    expect(await w.pg.store.streamVersion(userStreamId('u-vault'))).toBe(1)

    await w.pg.commands.handle(userAggregate, userStreamId('u-vault'), command, {}, (_, tx) =>
      pgVault.writePhoneNumber(tx, 'u-vault', '+30 4'),
    )
    expect(await pgVault.phoneNumberOf(w.pg.sql, 'u-vault')).toBe('+30 4')
    expect(await w.pg.store.streamVersion(userStreamId('u-vault'))).toBe(2)
    w.close()
  })
})

const SET_SECRETS = {
  JWT_SECRET: 'jwt-secret-from-env-0123456789abcdef',
  ADMIN_API_KEY: 'AdminKeyFromEnv0123456789012345678901234',
  SIGNUP_HOOK_SECRET: 'hook-secret-from-env',
  PIN_SECRET: 'pin-secret-from-env',
}

describe('the server secrets on PostgreSQL', () => {
  it('should create each secret once and show the first start its values, as SQLite does', async () => {
    const w = await worlds()
    // createDeps started the SQLite side once: its first start was then.
    const first = {
      sqlite: { secrets: w.deps.secrets, firstStart: w.deps.firstStart },
      pg: await pgSecrets.loadSecrets(w.pg.sql, w.config),
    }
    const shape = (loaded: typeof first.sqlite) => ({
      firstStart: Object.keys(loaded.firstStart).sort(),
      lengths: Object.values(loaded.secrets).map((value) => value.length),
    })
    expect(shape(first.pg)).toEqual(shape(first.sqlite))
    expect(Object.keys(first.pg.firstStart).sort()).toEqual(['adminApiKey', 'signupHookSecret'])
    expect(first.pg.secrets.adminKeyHash).toBe(secrets.sha256Hex(first.pg.firstStart.adminApiKey ?? ''))
    const again = { sqlite: secrets.loadSecrets(w.deps.db, w.config), pg: await pgSecrets.loadSecrets(w.pg.sql, w.config) }
    expect(again.pg).toEqual({ secrets: first.pg.secrets, firstStart: {} })
    expect(again.sqlite).toEqual({ secrets: first.sqlite.secrets, firstStart: {} })
    // The SQLite store also keeps its decision-state versions there.
    const keys = (rows: { key: string }[]) =>
      rows
        .map((row) => row.key)
        .filter((key) => !key.startsWith('decision-state:'))
        .sort()
    expect(keys(await w.pg.sql<{ key: string }[]>`SELECT key FROM settings`)).toEqual(
      keys(w.deps.db.$client.query<{ key: string }, []>('SELECT key FROM settings').all()),
    )
    w.close()
  })

  it('should take the values set in the environment, as SQLite does', async () => {
    const w = await worlds(SET_SECRETS)
    const config = loadConfig({ ...SET_SECRETS, DATABASE_PATH: ':memory:' })
    // The CSRF secret is always generated.
    const set = ({ csrfSecret, ...rest }: secrets.Secrets) => rest
    await same(
      () => set(secrets.loadSecrets(w.deps.db, config).secrets),
      async () => set((await pgSecrets.loadSecrets(w.pg.sql, config)).secrets),
    )
    w.close()
  })

  it('should give three processes starting together the same secrets, and the first-start values to one of them', async () => {
    const db = await freshDatabase()
    const config = loadConfig({ DATABASE_PATH: ':memory:' })
    const loaded = await Promise.all([db.pool(), db.pool(), db.pool()].map((pool) => pgSecrets.loadSecrets(pool, config)))
    expect(new Set(loaded.map((one) => JSON.stringify(one.secrets))).size).toBe(1)
    expect(loaded.filter((one) => one.firstStart.adminApiKey !== undefined)).toHaveLength(1)
    expect(loaded.filter((one) => one.firstStart.signupHookSecret !== undefined)).toHaveLength(1)
  })
})

describe('site administrators on PostgreSQL', () => {
  it('should answer as SQLite through the setup link’s life', async () => {
    const w = await worlds()
    const { db } = w.deps
    const { sql } = w.pg
    const bad = 'x'.repeat(43)
    expect(
      await same(
        () => admins.hasSiteAdmin(db),
        () => pgAdmins.hasSiteAdmin(sql),
      ),
    ).toBe(false)
    const tokens = { sqlite: admins.mintSetupToken(db) ?? '', pg: (await pgAdmins.mintSetupToken(sql)) ?? '' }
    expect(tokens.pg).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const both = <T>(sqliteCall: (token: string) => T, pgCall: (token: string) => Promise<T>) =>
      same(
        () => sqliteCall(tokens.sqlite),
        () => pgCall(tokens.pg),
      )
    expect(
      await both(
        (t) => admins.isSetupTokenUsable(db, t),
        (t) => pgAdmins.isSetupTokenUsable(sql, t),
      ),
    ).toBe(true)
    expect(
      await same(
        () => admins.isSetupTokenUsable(db, bad),
        () => pgAdmins.isSetupTokenUsable(sql, bad),
      ),
    ).toBe(false)
    expect(
      await same(
        () => admins.claimSetupToken(db, 'short'),
        () => pgAdmins.claimSetupToken(sql, 'short'),
      ),
    ).toBe(false)
    expect(
      await both(
        (t) => admins.claimSetupToken(db, t),
        (t) => pgAdmins.claimSetupToken(sql, t),
      ),
    ).toBe(true)
    expect(
      await both(
        (t) => admins.claimSetupToken(db, t),
        (t) => pgAdmins.claimSetupToken(sql, t),
      ),
    ).toBe(false)
    expect(
      await both(
        (t) => admins.isSetupTokenUsable(db, t),
        (t) => pgAdmins.isSetupTokenUsable(sql, t),
      ),
    ).toBe(false)
    await both(
      (t) => admins.restoreSetupToken(db, t),
      (t) => pgAdmins.restoreSetupToken(sql, t),
    )
    expect(
      await both(
        (t) => admins.claimSetupToken(db, t),
        (t) => pgAdmins.claimSetupToken(sql, t),
      ),
    ).toBe(true)
    await same(
      () => admins.addSiteAdmin(db, 'u-admin', 5),
      () => pgAdmins.addSiteAdmin(sql, 'u-admin', 5),
    )
    await same(
      () => admins.addSiteAdmin(db, 'u-admin', 6),
      () => pgAdmins.addSiteAdmin(sql, 'u-admin', 6),
    )
    expect(
      await same(
        () => admins.hasSiteAdmin(db),
        () => pgAdmins.hasSiteAdmin(sql),
      ),
    ).toBe(true)
    expect(
      await same(
        () => admins.isSiteAdmin(db, 'u-admin'),
        () => pgAdmins.isSiteAdmin(sql, 'u-admin'),
      ),
    ).toBe(true)
    expect(
      await same(
        () => admins.isSiteAdmin(db, 'u-other'),
        () => pgAdmins.isSiteAdmin(sql, 'u-other'),
      ),
    ).toBe(false)
    expect(
      await same(
        () => admins.mintSetupToken(db),
        () => pgAdmins.mintSetupToken(sql),
      ),
    ).toBeNull()
    await both(
      (t) => admins.restoreSetupToken(db, t),
      (t) => pgAdmins.restoreSetupToken(sql, t),
    )
    expect(
      await both(
        (t) => admins.isSetupTokenUsable(db, t),
        (t) => pgAdmins.isSetupTokenUsable(sql, t),
      ),
    ).toBe(false)
    expect(await expectSameRows(db.$client, sql, 'site_admins', ['user_id'])).toEqual([{ user_id: 'u-admin', added_at: 5 }])
    w.close()
  })

  it('should make one first administrator when two processes submit the setup link at once, round after round', async () => {
    const db = await freshDatabase()
    const processes = [db.pool(), db.pool()]
    const observer = db.pool(1)
    for (let round = 0; round < 15; round++) {
      const token = (await pgAdmins.mintSetupToken(observer)) ?? ''
      // The setup form's steps: spend the token, then make the administrator.
      const made = await Promise.all(
        processes.map(async (sql, i) => {
          if (!(await pgAdmins.claimSetupToken(sql, token))) return false
          await pgAdmins.addSiteAdmin(sql, `u-${round}-${i}`, round)
          return true
        }),
      )
      expect(made.filter(Boolean)).toHaveLength(1)
      const [count] = await observer<{ n: number }[]>`SELECT count(*) AS n FROM site_admins`
      expect(count?.n).toBe(1)
      await observer`DELETE FROM site_admins`
    }
  })
})

describe('sign-in links on PostgreSQL', () => {
  it('should issue, show and spend a link as SQLite does, and refuse it once spent or expired', async () => {
    const w = await worlds({ PUBLIC_URL: 'https://spkey.example' })
    await w.user('u-link', 'link@example.test')
    const issued = {
      sqlite: await links.issueLoginLink(w.deps, 'u-link', { principal: 'cli' }),
      pg: await links.issueLoginLink(w.pg.deps, 'u-link', { principal: 'cli' }),
    }
    const tokenOf = (url: string) => new URL(url).searchParams.get('token') ?? ''
    const without = (link: { url: string; expiresAt: string }) => ({ ...link, url: link.url.replace(tokenOf(link.url), '<token>') })
    expect(without(issued.pg)).toEqual(without(issued.sqlite))
    const tokens = { sqlite: tokenOf(issued.sqlite.url), pg: tokenOf(issued.pg.url) }
    const usable = () =>
      same(
        () => links.isLoginLinkUsable(w.deps, tokens.sqlite),
        () => links.isLoginLinkUsable(w.pg.deps, tokens.pg),
      )
    const consume = () =>
      same(
        () => links.consumeLoginLink(w.deps, tokens.sqlite),
        () => links.consumeLoginLink(w.pg.deps, tokens.pg),
      )

    const logs = { sqlite: w.deps.store.readStream(userStreamId('u-link')), pg: await w.pg.store.readStream(userStreamId('u-link')) }
    expect(logs.pg.map(({ type, data, metadata }) => ({ type, data, metadata }))).toEqual(
      logs.sqlite.map(({ type, data, metadata }) => ({ type, data, metadata })),
    )
    expect(await usable()).toBe(true)
    expect(await consume()).toBe('u-link')
    expect(await consume()).toBeNull()
    expect(await usable()).toBe(false)
    expect(
      await same(
        () => links.consumeLoginLink(w.deps, 'unknown'),
        () => links.consumeLoginLink(w.pg.deps, 'unknown'),
      ),
    ).toBeNull()
    await same(
      () => links.issueLoginLink(w.deps, 'u-nobody'),
      () => links.issueLoginLink(w.pg.deps, 'u-nobody'),
    )

    const later = {
      sqlite: tokenOf((await links.issueLoginLink(w.deps, 'u-link')).url),
      pg: tokenOf((await links.issueLoginLink(w.pg.deps, 'u-link')).url),
    }
    w.clock.advance(links.LOGIN_LINK_TTL_MS)
    expect(
      await same(
        () => links.isLoginLinkUsable(w.deps, later.sqlite),
        () => links.isLoginLinkUsable(w.pg.deps, later.pg),
      ),
    ).toBe(false)
    expect(
      await same(
        () => links.consumeLoginLink(w.deps, later.sqlite),
        () => links.consumeLoginLink(w.pg.deps, later.pg),
      ),
    ).toBeNull()
    // The next issue sweeps the expired ones out: only the spent first link (not yet expired then) and the new one.
    w.clock.advance(1)
    await links.issueLoginLink(w.deps, 'u-link')
    await links.issueLoginLink(w.pg.deps, 'u-link')
    const rows = await rowsWithoutTokens(w)
    expect(rows.pg).toEqual(rows.sqlite)
    expect(rows.sqlite).toHaveLength(1)
    w.close()
  })

  it('should sign in once with a link clicked on two processes at once, link after link', async () => {
    const w = await worlds()
    await w.user('u-race', null)
    const processes = [w.pg.sql, w.db.pool(), w.db.pool()]
    for (let round = 0; round < 15; round++) {
      const token = new URL((await links.issueLoginLink(w.pg.deps, 'u-race')).url).searchParams.get('token') ?? ''
      const tokenHash = secrets.sha256Hex(token)
      const signedIn = await Promise.all(
        processes.flatMap((sql) => [1, 2].map(() => pgLinks.consumeLoginLink(sql, tokenHash, w.clock.now()))),
      )
      expect(signedIn.filter((userId) => userId !== null)).toEqual(['u-race'])
    }
    w.close()
  })
})

async function rowsWithoutTokens(w: Awaited<ReturnType<typeof worlds>>) {
  const strip = (rows: Record<string, unknown>[]) =>
    rows.map(({ token_hash, ...row }) => row).sort((a, b) => Number(a.created_at) - Number(b.created_at))
  return {
    sqlite: strip(w.deps.db.$client.query<Record<string, unknown>, []>('SELECT * FROM login_links').all()),
    pg: strip([...(await w.pg.sql<Record<string, unknown>[]>`SELECT * FROM login_links`)]),
  }
}

describe('passwords on PostgreSQL', () => {
  it('should set and check a password as SQLite does, with the same refusals and the same audit event', async () => {
    const w = await worlds()
    await w.user('u-pw', 'pw@example.test')
    await same(
      () => credentials.setPassword(w.deps, 'u-pw', 'short'),
      () => credentials.setPassword(w.pg.deps, 'u-pw', 'short'),
    )
    const set = {
      sqlite: await credentials.setPassword(w.deps, 'u-pw', 'correct horse'),
      pg: await credentials.setPassword(w.pg.deps, 'u-pw', 'correct horse'),
    }
    expect(set.pg.events.map(({ type, data }) => ({ type, data }))).toEqual(set.sqlite.events.map(({ type, data }) => ({ type, data })))
    const verify = (email: string, password: string) =>
      same(
        () => credentials.verifyPassword(w.deps, email, password),
        () => credentials.verifyPassword(w.pg.deps, email, password),
      )
    expect(await verify('pw@example.test', 'correct horse')).toBe('u-pw')
    expect(await verify(' PW@Example.test ', 'correct horse')).toBe('u-pw')
    expect(await verify('pw@example.test', 'wrong horse')).toBeNull()
    expect(await verify('nobody@example.test', 'correct horse')).toBeNull()
    const [row] = await w.pg.sql<{ updated_at: number }[]>`SELECT updated_at FROM user_credentials WHERE user_id = 'u-pw'`
    expect(row?.updated_at).toBe(w.clock.now())
    w.close()
  })
})

describe('signed-out sessions on PostgreSQL', () => {
  const HOUR = 3_600_000

  it('should refuse revoked tokens and sweep expired ones as SQLite does', async () => {
    const w = await worlds()
    const sqlite = new SessionRevocations(w.deps.db, w.clock.now)
    const pg = new PgSessionRevocations(w.pg.sql, { now: w.clock.now })
    await pg.start()
    const check = async (token: string) =>
      same(
        () => sqlite.isRevoked(token),
        () => pg.isRevoked(token),
      )
    expect(await check('token-a')).toBe(false)
    await same(
      () => sqlite.revoke('token-a', w.clock.now() + HOUR),
      () => pg.revoke('token-a', w.clock.now() + HOUR),
    )
    await same(
      () => sqlite.revoke('token-b', w.clock.now() + 3 * HOUR),
      () => pg.revoke('token-b', w.clock.now() + 3 * HOUR),
    )
    await same(
      () => sqlite.revoke('token-b', w.clock.now() + 3 * HOUR),
      () => pg.revoke('token-b', w.clock.now() + 3 * HOUR),
    )
    expect([await check('token-a'), await check('token-b'), await check('token-c')]).toEqual([true, true, false])
    expect(pg.size).toBe(sqlite.size)
    w.clock.advance(2 * HOUR)
    await same(
      () => sqlite.revoke('token-c', w.clock.now() + HOUR),
      () => pg.revoke('token-c', w.clock.now() + HOUR),
    )
    expect(pg.size).toBe(sqlite.size)
    expect(await expectSameRows(w.deps.db.$client, w.pg.sql, 'revoked_sessions', ['token_hash'])).toHaveLength(2)
    await pg.stop()
    w.close()
  })

  it('should refuse a session signed out through another process within 500 ms, from memory', async () => {
    const db = await freshDatabase()
    const here = new PgSessionRevocations(db.pool())
    const there = new PgSessionRevocations(db.pool())
    await Promise.all([here.start(), there.start()])
    for (let i = 0; i < 5; i++) {
      const token = `session-${i}`
      expect(await here.isRevoked(token)).toBe(false)
      await there.revoke(token, Date.now() + HOUR)
      const signedOutAt = performance.now()
      while (here.size <= i) await Bun.sleep(5)
      expect(performance.now() - signedOutAt).toBeLessThan(500)
      expect(here.isFresh()).toBe(true)
      expect(await here.isRevoked(token)).toBe(true)
    }
    await Promise.all([here.stop(), there.stop()])
  })

  it('should not miss a sign-out whose transaction began before others that committed first', async () => {
    const db = await freshDatabase()
    const here = new PgSessionRevocations(db.pool())
    await here.start()
    const slow = db.pool(1)
    const expiresAt = Date.now() + HOUR
    let release = () => {}
    const held = new Promise<void>((resolve) => (release = resolve))
    let begun = () => {}
    const started = new Promise<void>((resolve) => (begun = resolve))
    // Its id is drawn first; it commits last, after a later revocation and several refreshes have gone by.
    const late = slow.begin(async (tx) => {
      await tx`SELECT pg_current_xact_id()`
      await tx`INSERT INTO revoked_sessions (token_hash, expires_at, revoked_at) VALUES (${secrets.sha256Hex('late')}, ${expiresAt}, 1)`
      begun()
      await held
    })
    await started
    const seenWithin = async (token: string, ms: number) => {
      const from = performance.now()
      while (!(await here.isRevoked(token)) && performance.now() - from < ms) await Bun.sleep(5)
      return performance.now() - from
    }
    await new PgSessionRevocations(db.pool()).revoke('early', expiresAt)
    expect(await seenWithin('early', 1000)).toBeLessThan(500)
    await Bun.sleep(300)
    release()
    await late
    expect(await seenWithin('late', 1000)).toBeLessThan(500)
    expect(here.isFresh()).toBe(true)
    await here.stop()
  })

  it('should ask the table while its memory is not fresh', async () => {
    const db = await freshDatabase()
    const here = new PgSessionRevocations(db.pool(), { boundMs: 50 })
    await here.start()
    await here.stop()
    await new PgSessionRevocations(db.pool()).revoke('after-stop', Date.now() + HOUR)
    await Bun.sleep(60)
    expect(here.isFresh()).toBe(false)
    expect(here.size).toBe(0)
    expect(await here.isRevoked('after-stop')).toBe(true)
    expect(await here.isRevoked('never')).toBe(false)
  })
})

describe('API-key lookup on PostgreSQL', () => {
  it('should resolve keys and record their use to the minute as SQLite does', async () => {
    const w = await worlds()
    const both = async (orgId: string, command: OrgCommand) => {
      await w.deps.commands.handle(orgAggregate, orgStreamId(orgId), command, {})
      await w.pg.commands.handle(orgAggregate, orgStreamId(orgId), command, {})
    }
    const now = w.clock.now()
    const register = (orgId: string, isSuper: boolean): OrgCommand => ({
      type: 'RegisterOrganization',
      data: { orgId, orgName: orgId, ownerEmail: null, isSuper },
      metadata: { now },
    })
    const issue = (keyHash: string, expiresAt: string | null, rotate: boolean): OrgCommand => ({
      type: 'IssueApiKey',
      data: { keyHash, prefix: keyHash.slice(0, 8), createdBy: 'test', expiresAt, rotate },
      metadata: { now },
    })
    const keys = { old: 'A'.repeat(40), current: 'B'.repeat(40), brief: 'C'.repeat(40) }
    await both('acme', register('acme', true))
    await both('beta', register('beta', false))
    await both('acme', issue(secrets.sha256Hex(keys.old), null, false))
    await both('acme', issue(secrets.sha256Hex(keys.current), null, true))
    await both('beta', issue(secrets.sha256Hex(keys.brief), new Date(now + 90_000).toISOString(), false))
    const sqlite = new ApiKeyLookup(sqliteApiKeys(w.deps.db), new Reads(sqliteData(w.deps.db), ReadCache.onSqlite(w.deps.db)))
    const pg = new ApiKeyLookup(pgApiKeys(w.pg.sql), new Reads(postgresData(w.pg.sql), new ReadCache({ current: () => true })))
    const resolve = (plain: string) =>
      same(
        () => sqlite.resolve(plain, w.clock.now()),
        () => pg.resolve(plain, w.clock.now()),
      )
    expect(await resolve(keys.current)).toEqual({ orgId: 'acme', isSuper: true, keyHash: secrets.sha256Hex(keys.current) })
    expect(await resolve(keys.old)).toBeNull()
    expect(await resolve('unknown')).toBeNull()
    expect(await resolve(keys.brief)).not.toBeNull()
    w.clock.advance(30_000)
    await resolve(keys.current)
    w.clock.advance(31_000)
    await resolve(keys.current)
    w.clock.advance(30_000)
    expect(await resolve(keys.brief)).toBeNull()
    expect(await expectSameRows(w.deps.db.$client, w.pg.sql, 'api_key_usage', ['key_hash'])).toHaveLength(2)
    w.close()
  })
})
