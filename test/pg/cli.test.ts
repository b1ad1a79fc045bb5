// The admin CLI on PostgreSQL (DATABASE_URL): every command on the database the config names, never the SQLite file at
// DATABASE_PATH; rebuild replays the log into the same read models and decision rows; backup and restore refuse and
// point to pg_dump/pg_restore. runCli in this process (each run opens and closes its deps), one run as `bun src/main.ts`.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { existsSync } from 'node:fs'
import { verifyPassword } from '../../src/auth/credentials'
import { isLoginLinkUsable } from '../../src/auth/login-links'
import { type CliIo, runCli } from '../../src/cli'
import { loadConfig } from '../../src/config'
import { migratePostgres, openPostgres, type Sql } from '../../src/db/pg/connection'
import { createPgDeps, type PostgresDeps } from '../../src/deps-pg'
import { orgAggregate } from '../../src/domain/org/decide'
import { orgStreamId } from '../../src/domain/org/events'
import { lockStreamId } from '../../src/domain/lock/events'
import { PgCommandHandler } from '../../src/eventstore/pg-command-handler'
import { PgEventStore } from '../../src/eventstore/pg-store'
import { registerLock } from '../../src/locks/provisioning'
import { createLogger } from '../../src/logger'
import { allPgProjections } from '../../src/projections/pg'
import { createLockCommand } from '../fixtures/lock-commands'
import { HISTORY, NOW, onPostgres } from '../fixtures/history'
import { freshDatabase } from '../fixtures/postgres'
import { cli } from '../support/server'
import { tempDbPath } from '../support/temp-db'

const PUBLIC_URL = 'https://keys.example.test'

async function run(args: string[], env: Record<string, string>, stdin = '') {
  let stdout = ''
  let stderr = ''
  const io: CliIo = { out: (text) => void (stdout += text), err: (text) => void (stderr += text), stdin: async () => stdin }
  const exitCode = await runCli(args, () => loadConfig({ LOG_LEVEL: 'warn', ...env }), io)
  const source = exitCode === 0 ? stdout : (stderr.split('\n').find((line) => line.startsWith('{')) ?? '')
  return { exitCode, stdout, stderr, json: JSON.parse(source) as unknown }
}

async function ok(args: string[], env: Record<string, string>, stdin?: string) {
  const result = await run(args, env, stdin)
  if (result.exitCode !== 0) throw new Error(`spkey ${args.join(' ')} exited ${result.exitCode}: ${result.stderr}`)
  return result.json as Record<string, string>
}

describe('the admin CLI on PostgreSQL', () => {
  let env: Record<string, string>
  // The server's view of the same database, for checking what each command did.
  let view: PostgresDeps
  beforeAll(async () => {
    const url = await freshDatabase()
    env = { DATABASE_URL: url, DATABASE_PATH: tempDbPath(), PUBLIC_URL }
    view = await createPgDeps({ ...loadConfig(env), databaseUrl: url }, { logger: createLogger('warn', () => {}) })
  })
  afterAll(() => view.lifecycle.close())

  const eventsOf = async (streamId: string) => view.log.readStreamRange(streamId, 1, await view.log.streamVersion(streamId))

  it('should register an organisation, with a working API key and the CLI as the principal of its events', async () => {
    const out = await ok(['org', 'create', '--name', 'ACME Corporation'], env)
    expect(out).toEqual({ orgId: 'acme-corporation', name: 'ACME Corporation', apiKey: expect.stringMatching(/^[A-Za-z0-9]{40}$/) })
    expect(await view.apiKeys.resolve(out.apiKey ?? '', Date.now())).toMatchObject({ orgId: 'acme-corporation', isSuper: false })
    const events = await eventsOf(orgStreamId('acme-corporation'))
    expect(events.map((e) => [e.type, e.metadata.principal])).toEqual([
      ['OrganizationRegistered', 'cli'],
      ['ApiKeyIssued', 'cli'],
    ])
  })

  it('should make a super organisation with --super, under the --id given', async () => {
    const out = await ok(['org', 'create', '--name', 'Operator', '--id', 'root', '--super'], env)
    expect(out.orgId).toBe('root')
    expect(await view.apiKeys.resolve(out.apiKey ?? '', Date.now())).toMatchObject({ orgId: 'root', isSuper: true })
    const again = await run(['org', 'create', '--name', 'Operator', '--id', 'root'], env)
    expect(again.exitCode).toBe(1)
    expect(again.json).toMatchObject({ success: false, code: 409 })
  })

  it('should create a user whose password signs in, make them staff, and rotate the API key', async () => {
    await ok(['org', 'create', '--name', 'Staffed'], env)
    const out = await ok(
      ['user', 'create', '--email', 'Ada@Example.test', '--name', 'Ada Lovelace', '--password', '-'],
      env,
      'engine 1843\n',
    )
    expect(out).toEqual({ userId: expect.any(String), email: 'ada@example.test' })
    const userId = out.userId ?? ''
    expect(await view.data.findUser(userId)).toMatchObject({ email: 'ada@example.test', firstName: 'Ada', lastName: 'Lovelace' })
    expect(await verifyPassword(view, 'ada@example.test', 'engine 1843')).toBe(userId)
    expect(await ok(['org', 'add-member', '--org', 'staffed', '--user', userId], env)).toEqual({ orgId: 'staffed', userId })
    expect(await view.data.staffOrgIds(userId)).toEqual(['staffed'])
    const rotated = await ok(['apikey', 'rotate', '--org', 'staffed'], env)
    expect(await view.apiKeys.resolve(rotated.apiKey ?? '', Date.now())).toMatchObject({ orgId: 'staffed' })
    const taken = await run(['user', 'create', '--email', 'ADA@example.test'], env)
    expect(taken.json).toMatchObject({ code: 409 })
  })

  it("should choose a lock's driver", async () => {
    await registerLock(view, createLockCommand(7001).data, {})
    const out = await run(['lock', 'driver', '--lock', '7001', '--driver', 'http', '--bridge-url', 'https://bridge.example.test/7001'], env)
    expect(out.json).toEqual({ lockId: 7001, driver: 'http', bridgeUrl: 'https://bridge.example.test/7001', version: 2 })
    expect(await view.data.findLock(7001)).toMatchObject({ driver: 'http', bridgeUrl: 'https://bridge.example.test/7001' })
    expect((await eventsOf(lockStreamId(7001))).at(-1)?.metadata.principal).toBe('cli')
    expect((await run(['lock', 'driver', '--lock', '7002', '--driver', 'simulated'], env)).json).toMatchObject({ code: 404 })
  })

  it('should sign a token and a one-time sign-in link that the server accepts', async () => {
    const { userId = '' } = await ok(['user', 'create', '--email', 'link@example.test'], env)
    const { token = '' } = await ok(['token', '--user', userId, '--ttl', '2h'], env)
    expect((await view.jwt.verify(token))?.userId).toBe(userId)
    const link = await ok(['login-link', '--user', userId], env)
    expect(link.url).toStartWith(`${PUBLIC_URL}/login/link?token=`)
    expect(await isLoginLinkUsable(view, new URL(link.url ?? '').searchParams.get('token') ?? '')).toBe(true)
  })

  it('should print a setup link the server accepts, replacing the last, until there is an administrator', async () => {
    const tokenOf = (url = '') => url.slice(url.lastIndexOf('/') + 1)
    const first = await ok(['setup-link'], env)
    const second = await ok(['setup-link'], env)
    expect(second.url).toMatch(new RegExp(`^${PUBLIC_URL}/setup/[A-Za-z0-9_-]{43}$`))
    expect(await view.data.isSetupTokenUsable(tokenOf(second.url))).toBe(true)
    expect(await view.data.isSetupTokenUsable(tokenOf(first.url))).toBe(false)
    const { userId = '' } = await ok(['user', 'create', '--email', 'admin@example.test'], env)
    await view.data.addSiteAdmin(userId, Date.now())
    expect((await run(['setup-link'], env)).json).toMatchObject({ success: false, code: 409 })
  })

  it('should refuse backup and restore, pointing to pg_dump and pg_restore, before opening anything', async () => {
    for (const args of [
      ['backup', '--out', `${tempDbPath()}.bak`],
      ['restore', '--from', tempDbPath()],
    ]) {
      // A database that does not exist: the refusal comes first.
      const res = await run(args, { ...env, DATABASE_URL: `${env.DATABASE_URL}_absent` })
      expect(res.exitCode).toBe(1)
      expect(res.stdout).toBe('')
      expect(res.json).toMatchObject({ success: false, code: 400, message: expect.stringContaining('use pg_dump and pg_restore') })
    }
  })

  it('should run as `bun src/main.ts` and exit once done', async () => {
    const child = await cli(['org', 'create', '--name', 'Child Process'], env)
    expect(child.exitCode).toBe(0)
    expect(await view.data.findOrg('child-process')).toMatchObject({ name: 'Child Process' })
  }, 30_000)

  it('should not have opened (or made) the SQLite file at DATABASE_PATH', () => {
    expect(existsSync(env.DATABASE_PATH ?? '')).toBe(false)
  })
})

describe('rebuild on PostgreSQL', () => {
  let env: Record<string, string>
  let pg: Sql
  let events: number
  beforeAll(async () => {
    const url = await freshDatabase()
    env = { DATABASE_URL: url, DATABASE_PATH: tempDbPath() }
    pg = openPostgres(url)
    await migratePostgres(pg)
    events = (await onPostgres(HISTORY, pg)).log.length
  })
  afterAll(() => pg.end({ timeout: 1 }))

  // Every read model's rows and the decision rows and snapshots beside them (each table's key leads its columns).
  const TABLES = [...allPgProjections.flatMap((p) => p.tables), 'entity_states', 'snapshots']
  const dump = async () =>
    Object.fromEntries(await Promise.all(TABLES.map(async (table) => [table, [...(await pg`SELECT * FROM ${pg(table)} ORDER BY 1, 2`)]])))

  it('should replay every event type into the same rows, with progress on stderr', async () => {
    const before = await dump()
    // Snapshots only past SNAPSHOT_EVERY events: this history has none.
    for (const table of TABLES.filter((table) => table !== 'snapshots')) expect(before[table]).not.toEqual([])
    const res = await run(['rebuild'], env)
    expect(res.exitCode).toBe(0)
    expect(res.json).toEqual({ events })
    expect(res.stderr).toContain(`rebuild: ${events}/${events} events`)
    expect(await dump()).toEqual(before)
  })

  it('should restore rows deleted or changed behind its back', async () => {
    const before = await dump()
    await pg`DELETE FROM org_members`
    await pg`DELETE FROM temp_keys WHERE uuid = 'temp-1'`
    await pg`UPDATE locks SET name = 'tampered'`
    await pg`DELETE FROM entity_states WHERE entity_id = (SELECT min(entity_id) FROM entity_states)`
    await pg`INSERT INTO partner_events (position, org_id, type) VALUES (999999, 'acme', 'Invented')`
    expect(await dump()).not.toEqual(before)
    expect((await run(['rebuild'], env)).json).toEqual({ events })
    expect(await dump()).toEqual(before)
  })

  it('should wait for an append in flight, and replay it too', async () => {
    const commands = new PgCommandHandler(new PgEventStore(pg, { projections: allPgProjections }))
    const register = { type: 'RegisterOrganization' as const, data: { orgId: 'late', orgName: 'Late', ownerEmail: null, isSuper: false } }
    const { promise: inFlight, resolve: appended } = Promise.withResolvers<void>()
    const { promise: held, resolve: release } = Promise.withResolvers<void>()
    const append = commands.handle(orgAggregate, orgStreamId('late'), { ...register, metadata: { now: NOW } }, {}, async () => {
      appended()
      await held
    })
    await inFlight
    const rebuild = run(['rebuild'], env)
    await Bun.sleep(300)
    release()
    await append
    events += 1
    expect((await rebuild).json).toEqual({ events })
    expect([...(await pg`SELECT org_id, name FROM orgs WHERE org_id = 'late'`)]).toEqual([{ org_id: 'late', name: 'Late' }])
  })

  it('should keep snapshots of long streams, refolded', async () => {
    const before = await dump()
    const res = await run(['rebuild'], { ...env, SNAPSHOT_EVERY: '5' })
    expect(res.exitCode).toBe(0)
    const after = await dump()
    expect(after.snapshots).not.toEqual([])
    // Each at its stream's head, in the state's current shape.
    const stale = await pg`SELECT stream_id FROM snapshots s JOIN streams t USING (stream_id) WHERE s.stream_version <> t.version`
    expect([...stale]).toEqual([])
    expect({ ...after, snapshots: [] }).toEqual({ ...before, snapshots: [] })
  })
})
