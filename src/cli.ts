// Admin CLI (`spkey <command>`): the Admin API's operations and more, on the database the server runs on (DATABASE_URL's
// PostgreSQL, else the SQLite file at DATABASE_PATH), safe while it runs: every write goes through the command handler.
// Prints ONE JSON object on stdout; failures print the JSON error envelope on stderr and exit 1 (2 for usage errors).
import { parseArgs } from 'node:util'
import type { TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { backupTo, restoreFrom } from './backup'
import { issueLoginLink } from './auth/login-links'
import { setupUrl } from './auth/site-admins'
import { createAccount } from './auth/accounts'
import { addOrgMember, createOrg, issueApiKey, orgIdFromName } from './auth/tenants'
import { type Config, parseDuration } from './config'
import { openDatabase } from './db/connection'
import type { Deps, SqliteDeps } from './deps'
import { openDeps, type PostgresDeps } from './deps-pg'
import { Conflict, DomainError, Invalid, NotFound } from './domain/errors'
import type { EventMetadata } from './eventstore/types'
import { configureLockDriver, lockDriverSettings } from './locks/provisioning'
import { createLogger } from './logger'
import type { FirstStart } from './secrets'
import { envelope } from './routes/errors'
import { OrgId } from './routes/models'

export const USAGE = `usage: spkey <command> [options]

  serve                                          run the server (default)
  org create --name NAME [--id ORGID] [--super]  register an organisation and issue its API key
  org add-member --org ORGID --user USERID       make a user staff of an organisation
  apikey rotate --org ORGID                      issue a new API key, revoking the old one at once
  user create --email EMAIL [--name NAME] [--password PW | --password -]
                                                 create a user (--password - reads it from stdin)
  token --user USERID [--ttl 1h]                 sign a B2C JWT for a user
  login-link --user USERID                       one-time browser sign-in link (valid 15 minutes)
  setup-link                                     a new one-time link that creates the first administrator
                                                 (only while there is none; replaces the link shown at start)
  lock driver --lock ID --driver simulated|http|mqtt [--bridge-url URL]
                                                 choose a lock's driver (http: the address of its bridge)
  rebuild                                        replay the event log into the read models
  backup --out FILE                              online, consistent copy of the SQLite file (VACUUM INTO)
  restore --from FILE                            replace the SQLite file with a backup (server stopped)
                                                 (on PostgreSQL: pg_dump and pg_restore)
  healthcheck                                    exit 0 when the local server answers /healthz

Each command prints one JSON object on stdout. Errors: the JSON error envelope on stderr, exit code 1
(2 for usage errors).`

export type CliIo = { out: (text: string) => void; err: (text: string) => void; stdin: () => Promise<string> }

const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  stdin: () => Bun.stdin.text(),
}

class UsageError extends Error {}

type Flag = { type: 'string' } | { type: 'boolean' }
// Either database: rebuild asks its event store, every other command only the ports.
type CliDeps = (SqliteDeps | PostgresDeps) & { firstStart: FirstStart }
type Context = { deps: CliDeps; io: CliIo; metadata: EventMetadata; values: Record<string, string | boolean | undefined> }
type WithoutDeps = { config: Config; values: Context['values'] }
// These open no deps: backup and restore work on the SQLite file itself (restore replaces it), healthcheck asks the server.
type Command = { flags: Record<string, Flag>; required: string[] } & (
  | { run: (context: Context) => Promise<object> }
  | { withoutDeps: (context: WithoutDeps) => Promise<object> }
)

const text: Flag = { type: 'string' }
const MAX_TTL_MS = 366 * 86_400_000

function option(values: Context['values'], name: string): string | undefined {
  const value = values[name]
  return typeof value === 'string' ? value : undefined
}

function required(values: Context['values'], name: string): string {
  const value = option(values, name)
  if (value === undefined || value === '') throw new UsageError(`--${name} is required`)
  return value
}

// The HTTP API's schemas judge CLI values too, so both accept exactly the same ids and addresses.
function valid(schema: TSchema, field: string, value: string, message: string): string {
  if (!Value.Check(schema, value)) throw new Invalid(`--${field}: ${message}`, [{ field, message }])
  return value
}

const ORG_ID = OrgId()

// Refused before anything is opened: on PostgreSQL its own tools copy the database (README, "Running on PostgreSQL").
function sqliteFile(config: Config): string {
  if (config.databaseUrl !== null) {
    throw new Invalid('backup and restore copy the SQLite file; on PostgreSQL (DATABASE_URL) use pg_dump and pg_restore')
  }
  return config.databasePath
}

async function existingUser(deps: Deps, userId: string) {
  const user = await deps.data.findUser(userId)
  if (!user) throw new NotFound('User not found')
  return user
}

async function readPassword(context: Context): Promise<string | undefined> {
  const password = option(context.values, 'password')
  if (password !== '-') return password
  return (await context.io.stdin()).replace(/\r?\n$/, '')
}

const COMMANDS: Record<string, Command> = {
  'org create': {
    flags: { name: text, id: text, super: { type: 'boolean' } },
    required: ['name'],
    async run({ deps, values, metadata }) {
      const name = required(values, 'name')
      const orgId = valid(
        ORG_ID,
        'id',
        option(values, 'id') ?? (orgIdFromName(name) || `org-${crypto.randomUUID().slice(0, 8)}`),
        'letters, digits, ".", "_" and "-" only',
      )
      return createOrg(deps, { orgId, orgName: name, isSuper: values.super === true }, 'cli', metadata)
    },
  },
  'org add-member': {
    flags: { org: text, user: text },
    required: ['org', 'user'],
    async run({ deps, values, metadata }) {
      const orgId = required(values, 'org')
      const { userId } = await existingUser(deps, required(values, 'user'))
      await addOrgMember(deps, orgId, userId, metadata)
      return { orgId, userId }
    },
  },
  'apikey rotate': {
    flags: { org: text },
    required: ['org'],
    async run({ deps, values, metadata }) {
      const orgId = required(values, 'org')
      const { apiKey } = await issueApiKey(deps, orgId, { createdBy: 'cli', rotate: true }, metadata)
      return { orgId, apiKey }
    },
  },
  'user create': {
    flags: { email: text, name: text, password: text },
    required: ['email'],
    async run(context) {
      const { deps, values, metadata } = context
      const input = { email: required(values, 'email'), name: option(values, 'name'), password: await readPassword(context) }
      return createAccount(deps, input, metadata)
    },
  },
  token: {
    flags: { user: text, ttl: text },
    required: ['user'],
    async run({ deps, values }) {
      const { userId } = await existingUser(deps, required(values, 'user'))
      const raw = option(values, 'ttl') ?? '1h'
      const ttlMs = parseDuration(raw)
      if (ttlMs === null || ttlMs < 1000 || ttlMs > MAX_TTL_MS) {
        throw new Invalid('--ttl: a duration from 1s to 366d, like 15m, 1h or 7d', [
          { field: 'ttl', message: `"${raw}" is not a valid duration` },
        ])
      }
      return { token: await deps.jwt.sign(userId, Math.ceil(ttlMs / 1000)) }
    },
  },
  'login-link': {
    flags: { user: text },
    required: ['user'],
    async run({ deps, values, metadata }) {
      return issueLoginLink(deps, required(values, 'user'), metadata)
    },
  },
  'setup-link': {
    flags: {},
    required: [],
    async run({ deps }) {
      const token = await deps.data.mintSetupToken()
      if (token === null) throw new Conflict('An administrator exists already: sign in, or ask them for a sign-in link')
      return { url: setupUrl(deps.config.publicUrl, token) }
    },
  },
  'lock driver': {
    flags: { lock: text, driver: text, 'bridge-url': text },
    required: ['lock', 'driver'],
    async run({ deps, values, metadata }) {
      const lockId = Number(required(values, 'lock'))
      if (!Number.isInteger(lockId) || lockId <= 0)
        throw new Invalid('--lock must be a lock id (integer > 0)', [{ field: 'lock', message: 'integer > 0' }])
      const data = lockDriverSettings(required(values, 'driver'), option(values, 'bridge-url') ?? null, 'bridge-url')
      const handled = await configureLockDriver(deps, lockId, data, metadata)
      return { lockId, ...data, version: handled.version }
    },
  },
  rebuild: {
    flags: {},
    required: [],
    async run({ deps, io }) {
      const events = await deps.store.rebuild((done, total) => io.err(`rebuild: ${done}/${total} events\n`))
      return { events }
    },
  },
  backup: {
    flags: { out: text },
    required: ['out'],
    async withoutDeps({ config, values }) {
      const out = required(values, 'out')
      const db = openDatabase(sqliteFile(config))
      try {
        return { out, ...backupTo(db, out) }
      } finally {
        db.$client.close()
      }
    },
  },
  restore: {
    flags: { from: text },
    required: ['from'],
    async withoutDeps({ config, values }) {
      const from = required(values, 'from')
      const databasePath = sqliteFile(config)
      return { from, databasePath, ...restoreFrom(from, databasePath) }
    },
  },
  healthcheck: {
    flags: {},
    required: [],
    async withoutDeps({ config }) {
      const response = await fetch(`http://127.0.0.1:${config.port}/healthz`, { signal: AbortSignal.timeout(3000) }).catch(() => null)
      if (!response?.ok) throw new DomainError(503, `no healthy spkey on port ${config.port}`)
      return { status: 'ok', port: config.port }
    },
  },
}

function resolve(argv: string[]): { command: Command; rest: string[] } {
  const two = `${argv[0] ?? ''} ${argv[1] ?? ''}`
  const byTwo = COMMANDS[two]
  if (byTwo) return { command: byTwo, rest: argv.slice(2) }
  const byOne = COMMANDS[argv[0] ?? '']
  if (byOne) return { command: byOne, rest: argv.slice(1) }
  throw new UsageError(argv.length === 0 ? 'a command is required' : `unknown command "${argv.slice(0, 2).join(' ')}"`)
}

function parse(command: Command, rest: string[]): Context['values'] {
  try {
    const { values } = parseArgs({ args: rest, options: command.flags, strict: true, allowPositionals: false })
    for (const name of command.required) required(values, name)
    return values
  } catch (error) {
    if (error instanceof UsageError) throw error
    throw new UsageError(error instanceof Error ? error.message : String(error))
  }
}

const cliRequestId = () => `cli_${crypto.randomUUID().replaceAll('-', '')}`

// Returns the exit code; `loadConfig` is a thunk so a bad environment is reported like any other error.
export async function runCli(argv: string[], loadConfig: () => Config, io: CliIo = processIo): Promise<number> {
  const requestId = cliRequestId()
  const fail = (status: number, message: string, details?: { field: string; message: string }[]) =>
    io.err(`${JSON.stringify(envelope(status, requestId, message, details))}\n`)
  let deps: CliDeps | undefined
  try {
    if (argv[0] === 'help' || argv[0] === '--help' || argv[0] === '-h') {
      io.out(`${USAGE}\n`)
      return 0
    }
    const { command, rest } = resolve(argv)
    const values = parse(command, rest)
    const config = loadConfig()
    if ('withoutDeps' in command) {
      io.out(`${JSON.stringify(await command.withoutDeps({ config, values }))}\n`)
      return 0
    }
    deps = await openDeps(config, { logger: createLogger(config.logLevel === 'debug' ? 'debug' : 'warn', io.err) })
    if (deps.firstStart.adminApiKey) {
      io.err(`First start: admin API key (X-Admin-API-Key), shown once:\n  ${deps.firstStart.adminApiKey}\n`)
    }
    const result = await command.run({ deps, io, values, metadata: { requestId, principal: 'cli' } })
    io.out(`${JSON.stringify(result)}\n`)
    return 0
  } catch (error) {
    if (error instanceof UsageError) {
      fail(400, `${error.message} (spkey help: the commands and their options)`)
      return 2
    }
    if (error instanceof DomainError) {
      fail(error.status, error.message, error.details)
      return 1
    }
    fail(500, error instanceof Error ? error.message : String(error))
    return 1
  } finally {
    // On PostgreSQL the pool, the log tail and the sign-out listener would keep the process alive.
    await deps?.lifecycle.close()
  }
}
