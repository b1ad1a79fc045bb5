// The admin CLI as a child process (`bun src/main.ts <command>`) on a temp DATABASE_PATH: one JSON object on
// stdout, the error envelope on stderr with exit code 1 (2 for usage errors); safe beside a running server.
import { describe, expect, it, setDefaultTimeout } from 'bun:test'
import { verifyPassword } from '../src/auth/credentials'
import { isLoginLinkUsable } from '../src/auth/login-links'
import { addSiteAdmin, isSetupTokenUsable } from '../src/auth/site-admins'
import { allProjections } from '../src/projections'
import { staffOrgIds } from '../src/projections/orgs'
import { testContext } from './support/context'
import { tempDbPath } from './support/temp-db'
import { cli, startServer } from './support/server'

// Each test starts one or more bun processes: generous on a loaded CI machine.
setDefaultTimeout(60_000)

const PUBLIC_URL = 'https://keys.example.test'

function database() {
  const env = { DATABASE_PATH: tempDbPath(), PUBLIC_URL }
  // The same file, opened in this process the way the server would.
  const open = () => testContext(env)
  return { env, open }
}

async function ok(args: string[], env: Record<string, string>, stdin?: string) {
  const result = await cli(args, env, stdin)
  if (result.exitCode !== 0) throw new Error(`spkey ${args.join(' ')} exited ${result.exitCode}: ${result.stderr}`)
  return result.json as Record<string, string>
}

// Any valid org key may read its own event feed.
const withKey = async (ctx: ReturnType<typeof testContext>, apiKey: string) => ctx.call('GET', '/events', { apiKey })

describe('org create', () => {
  it('should register the organisation and print its id, name and a working API key', async () => {
    const db = database()
    const out = await ok(['org', 'create', '--name', 'ACME Corporation'], db.env)
    expect(out).toEqual({ orgId: 'acme-corporation', name: 'ACME Corporation', apiKey: expect.stringMatching(/^[A-Za-z0-9]{40}$/) })
    const ctx = db.open()
    expect((await withKey(ctx, out.apiKey ?? '')).status).toBe(200)
    expect(ctx.eventsOf('org-acme-corporation').map((e) => e.type)).toEqual(['OrganizationRegistered', 'ApiKeyIssued'])
    expect(ctx.eventsOf('org-acme-corporation')[0]?.metadata.principal).toBe('cli')
  })

  it('should make a super organisation with --super and honour --id', async () => {
    const db = database()
    const out = await ok(['org', 'create', '--name', 'Operator', '--id', 'root', '--super'], db.env)
    expect(out.orgId).toBe('root')
    const ctx = db.open()
    expect(await ctx.deps.apiKeys.resolve(out.apiKey ?? '', Date.now())).toMatchObject({ orgId: 'root', isSuper: true })
  })

  it('should fail with 409 when the organisation already has a key', async () => {
    const db = database()
    await ok(['org', 'create', '--name', 'Acme'], db.env)
    const again = await cli(['org', 'create', '--name', 'Acme'], db.env)
    expect(again.exitCode).toBe(1)
    expect(again.stdout).toBe('')
    expect(again.json).toMatchObject({ success: false, code: 409, error: 'Conflict' })
  })

  it('should refuse an id that cannot be a tenant id (exit 1, 400)', async () => {
    const db = database()
    const res = await cli(['org', 'create', '--name', 'X', '--id', 'has space'], db.env)
    expect(res.exitCode).toBe(1)
    expect(res.json).toMatchObject({ code: 400, details: [{ field: 'id' }] })
  })
})

describe('apikey rotate', () => {
  it('should print a new key and revoke the old one at once', async () => {
    const db = database()
    const created = await ok(['org', 'create', '--name', 'Acme'], db.env)
    const rotated = await ok(['apikey', 'rotate', '--org', 'acme'], db.env)
    expect(rotated).toEqual({ orgId: 'acme', apiKey: expect.stringMatching(/^[A-Za-z0-9]{40}$/) })
    const ctx = db.open()
    expect((await withKey(ctx, created.apiKey ?? '')).status).toBe(401)
    expect((await withKey(ctx, rotated.apiKey ?? '')).status).toBe(200)
  })

  it('should fail with 404 for an unknown organisation', async () => {
    const res = await cli(['apikey', 'rotate', '--org', 'ghost'], database().env)
    expect(res.exitCode).toBe(1)
    expect(res.json).toMatchObject({ code: 404, message: 'Tenant not registered' })
  })
})

describe('user create', () => {
  it('should create the user with a name and a password that signs in', async () => {
    const db = database()
    const out = await ok(
      ['user', 'create', '--email', 'Ada@Example.test', '--name', 'Ada King Lovelace', '--password', 'analytical engine'],
      db.env,
    )
    expect(out).toEqual({ userId: expect.any(String), email: 'ada@example.test' })
    const ctx = db.open()
    const { apiKey } = await ctx.org({ isSuper: true })
    const res = await ctx.call('GET', `/users/${out.userId}/profile`, { apiKey })
    expect(res.json).toEqual({
      userId: out.userId,
      email: 'ada@example.test',
      firstName: 'Ada',
      lastName: 'King Lovelace',
      status: 'ACTIVE',
    })
    expect(await verifyPassword(ctx.deps, 'ada@example.test', 'analytical engine')).toBe(out.userId ?? '')
    expect(ctx.eventsOf(`user-${out.userId}`).map((e) => e.type)).toEqual(['UserCreated', 'UserPasswordChanged'])
  })

  it('should read the password from stdin with --password -', async () => {
    const db = database()
    const out = await ok(['user', 'create', '--email', 'stdin@example.test', '--password', '-'], db.env, 'from standard input\n')
    expect(await verifyPassword(db.open().deps, 'stdin@example.test', 'from standard input')).toBe(out.userId ?? '')
  })

  it('should refuse a short password without creating the user, and a taken email with 409', async () => {
    const db = database()
    const short = await cli(['user', 'create', '--email', 'short@example.test', '--password', 'short'], db.env)
    expect(short.exitCode).toBe(1)
    expect(short.json).toMatchObject({ code: 400, details: [{ field: 'password' }] })
    await ok(['user', 'create', '--email', 'short@example.test'], db.env)
    const taken = await cli(['user', 'create', '--email', 'SHORT@example.test'], db.env)
    expect(taken.exitCode).toBe(1)
    expect(taken.json).toMatchObject({ code: 409 })
  })
})

describe('org add-member', () => {
  it('should make the user staff of the organisation', async () => {
    const db = database()
    await ok(['org', 'create', '--name', 'Acme'], db.env)
    const { userId = '' } = await ok(['user', 'create', '--email', 'staff@example.test'], db.env)
    expect(await ok(['org', 'add-member', '--org', 'acme', '--user', userId], db.env)).toEqual({ orgId: 'acme', userId })
    expect(staffOrgIds(db.open().deps.db, userId)).toEqual(['acme'])
  })

  it('should fail with 404 for an unknown user or organisation', async () => {
    const db = database()
    await ok(['org', 'create', '--name', 'Acme'], db.env)
    const { userId = '' } = await ok(['user', 'create', '--email', 'staff@example.test'], db.env)
    expect((await cli(['org', 'add-member', '--org', 'acme', '--user', crypto.randomUUID()], db.env)).json).toMatchObject({ code: 404 })
    expect((await cli(['org', 'add-member', '--org', 'ghost', '--user', userId], db.env)).json).toMatchObject({ code: 404 })
  })
})

describe('token', () => {
  it('should print a B2C JWT for the user with the asked lifetime', async () => {
    const db = database()
    const { userId = '' } = await ok(['user', 'create', '--email', 'jwt@example.test'], db.env)
    const { token = '' } = await ok(['token', '--user', userId, '--ttl', '2h'], db.env)
    const ctx = db.open()
    const verified = await ctx.deps.jwt.verify(token)
    expect(verified?.userId).toBe(userId)
    expect((verified?.exp ?? 0) - Date.now() / 1000).toBeWithin(7100, 7201)
    expect((await ctx.call('GET', `/users/${userId}/profile`, { token })).status).toBe(200)
  })

  it('should refuse an unknown user (404) and a bad --ttl (400)', async () => {
    const db = database()
    const { userId = '' } = await ok(['user', 'create', '--email', 'jwt@example.test'], db.env)
    expect((await cli(['token', '--user', crypto.randomUUID()], db.env)).json).toMatchObject({ code: 404 })
    const bad = await cli(['token', '--user', userId, '--ttl', 'forever'], db.env)
    expect(bad.exitCode).toBe(1)
    expect(bad.json).toMatchObject({ code: 400, details: [{ field: 'ttl' }] })
  })
})

describe('login-link', () => {
  it('should print a one-time sign-in URL under PUBLIC_URL', async () => {
    const db = database()
    const { userId = '' } = await ok(['user', 'create', '--email', 'link@example.test'], db.env)
    const out = await ok(['login-link', '--user', userId], db.env)
    expect(out.url).toStartWith(`${PUBLIC_URL}/login/link?token=`)
    const token = new URL(out.url ?? '').searchParams.get('token') ?? ''
    expect(await isLoginLinkUsable(db.open().deps, token)).toBe(true)
  })
})

describe('setup-link', () => {
  it('should print a fresh one-time setup URL under PUBLIC_URL while no administrator exists, replacing the last', async () => {
    const db = database()
    const first = await ok(['setup-link'], db.env)
    const second = await ok(['setup-link'], db.env)
    expect(second.url).toMatch(new RegExp(`^${PUBLIC_URL}/setup/[A-Za-z0-9_-]{43}$`))
    const tokenOf = (url = '') => url.slice(url.lastIndexOf('/') + 1)
    const ctx = db.open()
    expect(isSetupTokenUsable(ctx.deps.db, tokenOf(second.url))).toBe(true)
    expect(isSetupTokenUsable(ctx.deps.db, tokenOf(first.url))).toBe(false)
  })

  it('should refuse with 409 once an administrator exists', async () => {
    const db = database()
    const ctx = db.open()
    addSiteAdmin(ctx.deps.db, (await ctx.user()).userId, Date.now())
    const res = await cli(['setup-link'], db.env)
    expect(res.exitCode).toBe(1)
    expect(res.json).toMatchObject({ success: false, code: 409 })
  })
})

describe('rebuild', () => {
  it('should replay the log into identical read models, with progress on stderr', async () => {
    const db = database()
    await ok(['org', 'create', '--name', 'Acme'], db.env)
    const { userId = '' } = await ok(['user', 'create', '--email', 'r@example.test', '--name', 'Re Build'], db.env)
    await ok(['org', 'add-member', '--org', 'acme', '--user', userId], db.env)
    const tables = allProjections.flatMap((p) => p.tables)
    const dump = () => {
      const ctx = db.open()
      return Object.fromEntries(tables.map((table) => [table, ctx.deps.db.$client.query(`SELECT * FROM ${table} ORDER BY 1, 2`).all()]))
    }
    const before = dump()
    const res = await cli(['rebuild'], db.env)
    expect(res.exitCode).toBe(0)
    // OrganizationRegistered, ApiKeyIssued, UserCreated, OrgMemberAdded
    expect(res.json).toEqual({ events: 4 })
    expect(res.stderr).toContain('rebuild: 4/4 events')
    expect(dump()).toEqual(before)
  })
})

describe('usage errors', () => {
  it.each([
    [['frobnicate'], 'unknown command'],
    [['org', 'create'], '--name is required'],
    [['token', '--user', 'x', '--bogus'], "Unknown option '--bogus'"],
    [['org', 'create', '--name', 'X', 'extra'], 'Unexpected argument'],
  ])('should exit 2 with the envelope on stderr for %p', async (args, message) => {
    const res = await cli(args, database().env)
    expect(res.exitCode).toBe(2)
    expect(res.stdout).toBe('')
    expect(res.json).toMatchObject({ success: false, code: 400, error: 'Bad Request' })
    expect(JSON.stringify(res.json)).toContain(message)
  })

  it('should print the usage with help', async () => {
    const res = await cli(['help'], database().env)
    expect(res.exitCode).toBe(0)
    expect(res.stdout).toContain('org create --name NAME')
  })
})

describe('beside a running server', () => {
  it('should work on the same database while the server serves it', async () => {
    const server = await startServer()
    try {
      const org = await ok(['org', 'create', '--name', 'Live'], server.env)
      const { userId = '' } = await ok(['user', 'create', '--email', 'live@example.test'], server.env)
      const res = await fetch(`${server.url}/users/by-email?email=live@example.test&searchOnly=true`, {
        headers: { 'x-api-key': org.apiKey ?? '' },
      })
      expect(res.status).toBe(200)
      expect((await res.json()).uuid).toBe(userId)
      const { token = '' } = await ok(['token', '--user', userId], server.env)
      expect((await fetch(`${server.url}/users/${userId}/phone-number`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(
        200,
      )
    } finally {
      await server.stop()
    }
  })
})
