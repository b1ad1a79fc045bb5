// Every read-model query on PostgreSQL answers as its SQLite original: both databases hold the same generated history
// (test/fixtures/history.ts, grown here with more of everything a list pages through), then each query is called on
// both with a spread of arguments (existing and missing ids, each filter and status, first, middle and last pages by
// the cursors they return, empty answers, LIKE's wildcards in searches) and must give the same JS values. The
// PostgreSQL database sorts text as en-US does by default, so an order that is not byte order shows. A SQLite read
// without a PostgreSQL twin fails the first test; a page statement that scans or sorts fails the last.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import postgres from 'postgres'
import type { Db } from '../../src/db/connection'
import { migratePostgres, openPostgres, type Sql } from '../../src/db/pg/connection'
import { pgMigrations } from '../../src/db/pg/migrations'
import * as pgCollectiveKeys from '../../src/projections/pg/collective-keys-queries'
import * as pgLocks from '../../src/projections/pg/locks-queries'
import * as pgOrgs from '../../src/projections/pg/orgs-queries'
import * as pgUsers from '../../src/projections/pg/users-queries'
import * as collectiveKeys from '../../src/projections/collective-keys'
import * as locks from '../../src/projections/locks'
import * as orgs from '../../src/projections/orgs'
import * as users from '../../src/projections/users'
import { PartnerFeed, type TypeFilter } from '../../src/webhooks/feed'
import { PgPartnerFeed } from '../../src/webhooks/pg-feed'
import {
  BACK,
  closePools,
  FRONT,
  freshPostgres,
  HISTORY,
  lock,
  MARA,
  NG,
  NOW,
  onPostgres,
  onSqlite,
  org,
  type Step,
  tempKey,
  user,
  window,
} from '../fixtures/history'
import { freshDatabase } from '../fixtures/postgres'

type Kind = 'read' | 'projection' | 'write' | 'decision reader' | 'SQL text' | 'shared helper' | 'constant'

// What each export of the SQLite modules is: a new export fails to compile here until it is listed, and a new read
// fails the first test until PostgreSQL has its twin.
const ORGS: Record<keyof typeof orgs, Kind> = {
  orgsProjection: 'projection',
  staffOrgIds: 'read',
  findOrg: 'read',
  findTenant: 'read',
  listTenants: 'read',
  listOrgMembers: 'read',
  isRelatedToOrg: 'read',
  RELATED_TO_ORG_SQL: 'SQL text',
}
const USERS: Record<keyof typeof users, Kind> = {
  usersProjection: 'projection',
  copyEmailFromVault: 'write',
  // The SQLite store's entity reader; PostgreSQL's store keeps entity states in its own table.
  physicalKeyDecisions: 'decision reader',
  findUser: 'read',
  PHYSICAL_KEYS_CAP: 'constant',
  notePattern: 'shared helper',
  inventorySql: 'SQL text',
  listPhysicalKeys: 'read',
  getPhysicalKey: 'read',
  findUserByEmail: 'read',
  listAccessibleLocks: 'read',
  likeContaining: 'shared helper',
  issuedKeysSql: 'SQL text',
  listIssuedKeys: 'read',
  listUsers: 'read',
}
const LOCKS: Record<keyof typeof locks, Kind> = {
  LIVE_KEY_COLUMNS: 'SQL text',
  USES_LEFT: 'SQL text',
  LIVE_KEY_PAGE_SQL: 'SQL text',
  TEMP_KEY_PAGE_SQL: 'SQL text',
  locksProjection: 'projection',
  findLock: 'read',
  lockKeyHolderIds: 'read',
  findTempKey: 'read',
  SCAN_START: 'constant',
  scanLiveTempKeys: 'read',
  pageTempKeys: 'read',
  listLockKeys: 'read',
  listLockResidents: 'read',
  listOwnedLocks: 'read',
  countOwnedLocks: 'read',
  findLockKeyOf: 'read',
  listKeysHeldBy: 'read',
  listLocks: 'read',
}
const COLLECTIVE_KEYS: Record<keyof typeof collectiveKeys, Kind> = {
  COLLECTIVE_PAGE_SQL: 'SQL text',
  collectiveKeysProjection: 'projection',
  findCollectiveKey: 'read',
  doorsOfKey: 'read',
  TOP: 'constant',
  pageCollectiveKeys: 'read',
}

const MODULES = {
  orgs: { kinds: ORGS, sqlite: orgs, pg: pgOrgs },
  users: { kinds: USERS, sqlite: users, pg: pgUsers },
  locks: { kinds: LOCKS, sqlite: locks, pg: pgLocks },
  'collective-keys': { kinds: COLLECTIVE_KEYS, sqlite: collectiveKeys, pg: pgCollectiveKeys },
}
type ModuleName = keyof typeof MODULES
const readsOf = (module: ModuleName) =>
  Object.entries(MODULES[module].kinds)
    .filter(([, kind]) => kind === 'read')
    .map(([name]) => name)
    .sort()
const methodsOf = (feed: { prototype: object }) => Object.getOwnPropertyNames(feed.prototype).filter((name) => name !== 'constructor')

describe('the PostgreSQL queries', () => {
  it('should have a twin of every SQLite read, under its name, and nothing else', () => {
    for (const module of Object.keys(MODULES) as ModuleName[]) {
      const { kinds, sqlite, pg } = MODULES[module]
      expect({ module, exports: Object.keys(sqlite).sort() }).toEqual({ module, exports: Object.keys(kinds).sort() })
      expect({ module, reads: Object.keys(pg).sort() }).toEqual({ module, reads: readsOf(module) })
    }
    expect(methodsOf(PgPartnerFeed).sort()).toEqual(methodsOf(PartnerFeed).sort())
  })
})

// More of everything the lists page through, in byte orders that differ from en-US's: mixed case, accents, emoji.
const PEOPLE = ['user-Zoe', 'user-adam', 'user-Émile', 'user-bo', 'user-\u{1F600}', 'user-Carl']
const NOTES = ['Blue FOB', 'fob_2', '50% off', 'back\\slash', 'Ünïcode', 'İstanbul', 'KELVIN \u212A', 'kiosk', null]
const MORE: Step[] = [
  ...['Zeta', 'alpha', 'Beta', 'Ärger'].map((name) =>
    org(`org-${name}`, 'RegisterOrganization', { orgId: `org-${name}`, orgName: name, ownerEmail: null, isSuper: false }),
  ),
  ...PEOPLE.map((id, i) =>
    user(id, 'CreateUser', { userId: id, email: `${id.slice(5)}@Example.test`, firstName: i % 2 ? null : id.slice(5), lastName: null }),
  ),
  ...PEOPLE.slice(0, 3).map((id) => org('acme', 'AddOrgMember', { userId: id, role: 'staff' })),
  ...PEOPLE.flatMap((id, i) =>
    NOTES.slice(i % 3, (i % 3) + 5).map((note, j) =>
      user(id, 'AddPhysicalKey', { orgId: j % 3 === 2 ? 'root' : 'acme', orgName: j % 2 ? 'Acme' : null, note }),
    ),
  ),
  ...['key-Zed', 'key-alpha', 'key-Émile', 'key-beta'].map((keyUuid, i) =>
    lock(BACK, 'AddKey', { keyUuid, keyIndexNumber: i + 10, userId: i % 2 ? NG : PEOPLE[0] }),
  ),
  lock(FRONT, 'AddKey', { keyUuid: 'key-Other', keyIndexNumber: 20, userId: NG }),
  ...['Sam', 'alma', 'Sam', 'Éva', 'bob'].map((name, i) => lock(BACK, 'AddResident', { userId: PEOPLE[i], email: null, name })),
  ...[
    { uuid: 'tk-expired', validUntil: '2026-06-01T00:00:00.000Z' },
    { uuid: 'tk-later', validFrom: '2027-01-01T00:00:00.000Z' },
    { uuid: 'tk-Once', maxUses: 1 },
    { uuid: 'tk-once-used', maxUses: 1 },
    { uuid: 'tk-scheduled', schedule: { timezone: 'UTC', weekly: [{ days: ['sat'], from: '00:00', until: '01:00' }] } },
    { uuid: 'tk-plain' },
    { uuid: 'tk-Éclair' },
  ].map(({ uuid, ...more }) => lock(FRONT, 'CreateTempKey', tempKey(uuid, more))),
  lock(FRONT, 'UseTempKey', { tempKeyUuid: 'tk-once-used', userId: null, open: null }),
  ...['ck-Alpha', 'ck-beta', 'ck-Gamma'].map((uuid, i) =>
    lock(i === 1 ? BACK : FRONT, 'CreateCollectiveTempKey', {
      tempKeyUuid: uuid,
      ...window,
      description: null,
      createdBy: i === 2 ? NG : MARA,
      doors: [{ id: 1, label: null, accessMethod: 'both' }],
      pin: null,
    }),
  ),
  ...PEOPLE.slice(0, 4).map((id, i) =>
    user(id, 'AddAccessibleLock', {
      lockId: String(i % 2 ? FRONT : BACK),
      lockName: 'Door',
      accessLevel: 'GUEST',
      validFrom: null,
      validUntil: null,
      grantedBy: MARA,
    }),
  ),
  ...[102, 103, 104].map((lockId, i) =>
    lock(lockId, 'CreateLock', {
      lockId,
      index: lockId,
      uuid: `uuid-${lockId}`,
      serialNumber: null,
      vendorName: null,
      ownerId: i === 1 ? NG : MARA,
      orgId: i === 2 ? 'root' : 'acme',
      keys: [],
    }),
  ),
]

let db: Db
let pg: Sql
beforeAll(async () => {
  const steps = [...HISTORY, ...MORE]
  db = (await onSqlite(steps)).db
  pg = (await onPostgres(steps, await freshPostgres({ icuLocale: 'en-US' }))).pg
  // The API keys' last use, as the key lookup writes it beside the log.
  db.$client.run('INSERT INTO api_key_usage (key_hash, last_used_at) VALUES (?, ?)', ['hash-2', NOW])
  await pg`INSERT INTO api_key_usage (key_hash, last_used_at) VALUES ('hash-2', ${NOW})`
}, 30_000)
afterAll(() => {
  db?.$client.close()
  return closePools()
})

type Read = (connection: unknown, ...args: unknown[]) => unknown
const called = new Set<string>()

// Iterators (the live-key scan) read to the end, so both answers compare as arrays.
async function settle(value: unknown): Promise<unknown> {
  const answer = await value
  if (answer !== null && typeof answer === 'object' && !Array.isArray(answer)) {
    if (Symbol.asyncIterator in answer) return Array.fromAsync(answer as AsyncIterable<unknown>)
    if (Symbol.iterator in answer) return Array.from(answer as Iterable<unknown>)
  }
  return answer
}

// Both answers to one call, expected equal; the SQLite one returned for the caller to follow its cursor.
async function both<T = unknown>(module: ModuleName, name: string, ...args: unknown[]): Promise<T> {
  const sqliteRead = (MODULES[module].sqlite as unknown as Record<string, Read>)[name]
  const pgRead = (MODULES[module].pg as unknown as Record<string, Read>)[name]
  if (sqliteRead === undefined || pgRead === undefined) throw new Error(`no read ${module}.${name}`)
  called.add(`${module}.${name}`)
  const expected = await settle(sqliteRead(db, ...args))
  const actual = await settle(pgRead(pg, ...args))
  const call = `${name}(${JSON.stringify(args)})`
  expect({ call, answer: actual }).toStrictEqual({ call, answer: expected })
  return expected as T
}

const ORG_IDS = ['acme', 'root', 'org-alpha', 'org-Zeta', 'nobody']
const USER_IDS = [MARA, NG, ...PEOPLE, 'user-missing']
const LOCK_IDS = [FRONT, BACK, 102, 103, 104, 999]
const SEARCHES = ['', 'fob', 'FOB', 'f_b', '%', '_', '\\', '50%', 'ü', 'Ü', 'i', 'İ', 'k', 'K', '\u212A', 'example', 'nothing']

describe('every read on the same history', () => {
  it('should answer the orgs’ reads the same', async () => {
    for (const orgId of ORG_IDS) {
      await both('orgs', 'findOrg', orgId)
      await both('orgs', 'findTenant', orgId)
      await both('orgs', 'listOrgMembers', orgId)
      for (const userId of USER_IDS) await both('orgs', 'isRelatedToOrg', orgId, userId)
    }
    for (const limit of [1, 2, 3, 100]) {
      for (let offset = 0; offset <= 8; offset += limit) await both('orgs', 'listTenants', { limit, offset })
    }
    // No order on SQLite either (insertion order there): compared as the sets callers use.
    for (const userId of USER_IDS) {
      called.add('orgs.staffOrgIds')
      expect((await pgOrgs.staffOrgIds(pg, userId)).sort()).toEqual(orgs.staffOrgIds(db, userId).sort())
    }
    expect(orgs.staffOrgIds(db, PEOPLE[0] ?? '')).toEqual(['acme'])
  })

  it('should answer the users’ reads the same, page after page', async () => {
    for (const userId of USER_IDS) {
      await both('users', 'findUser', userId)
      await both('users', 'listAccessibleLocks', userId)
      for (const number of [1, 2, 3, 5, 99]) await both('users', 'getPhysicalKey', userId, number)
      const filters = [
        { orgIds: null },
        { orgIds: ['acme'] },
        { orgIds: ['acme', 'root'] },
        { orgIds: [] },
        { orgIds: null, orgId: 'root' },
        { orgIds: ['acme'], orgName: 'Acme' },
        ...SEARCHES.map((q) => ({ orgIds: null, q })),
        { orgIds: ['root'], q: 'o' },
      ]
      for (const filter of filters) {
        await both('users', 'listPhysicalKeys', userId, filter)
        for (const limit of [1, 2]) {
          let after: number | null = null
          do {
            const page: { next: number | null } = await both('users', 'listPhysicalKeys', userId, filter, { after, limit })
            after = page.next
          } while (after !== null)
        }
      }
    }
    for (const email of ['mara@example.test', 'MARA@EXAMPLE.TEST', 'zoe@Example.test', 'zoe@example.test', 'nobody@example.test']) {
      await both('users', 'findUserByEmail', email)
    }
    for (const orgId of ORG_IDS) {
      for (const q of SEARCHES) {
        for (const limit of [1, 3, 50]) {
          let after: unknown = null
          do {
            const page: { next: unknown } = await both('users', 'listIssuedKeys', orgId, { q, after, limit })
            after = page.next
          } while (after !== null)
        }
      }
    }
  })

  it('should list users newest first in the same pages, PostgreSQL’s log positions standing for SQLite’s rowids', async () => {
    type UserPage = { users: { rowid: number }[]; next: number | null }
    const walk = async (read: (before: number | null) => UserPage | Promise<UserPage>) => {
      const pages: unknown[][] = []
      let before: number | null = null
      do {
        const page: UserPage = await read(before)
        pages.push(page.users.map(({ rowid, ...rest }) => rest))
        before = page.next
      } while (before !== null)
      return pages
    }
    called.add('users.listUsers')
    for (const limit of [1, 2, 5, 100]) {
      const onSqlite = await walk((before) => users.listUsers(db, { before, limit }))
      expect(await walk((before) => pgUsers.listUsers(pg, { before, limit }))).toEqual(onSqlite)
      expect(onSqlite.flat()).toHaveLength(2 + PEOPLE.length)
    }
    expect(await pgUsers.listUsers(pg, { before: 1, limit: 5 })).toEqual(users.listUsers(db, { before: 1, limit: 5 }))
  })

  it('should give users projected before migration 0006 the positions of their UserCreated', async () => {
    const old = openPostgres(await freshDatabase())
    try {
      await old.begin(async (tx) => {
        await tx`CREATE TABLE __drizzle_migrations (id serial PRIMARY KEY, hash text NOT NULL, created_at bigint)`
        for (const migration of pgMigrations.filter((m) => m.tag < '0006')) {
          for (const statement of migration.sql) if (statement.trim()) await tx.unsafe(statement)
          await tx`INSERT INTO __drizzle_migrations (hash, created_at) VALUES (${migration.hash}, ${migration.folderMillis})`
        }
        for (const [stream, type] of [
          ['user-b', 'UserCreated'],
          ['lock-1', 'LockCreated'],
          ['user-a', 'UserCreated'],
          ['user-a', 'UserPasswordChanged'],
        ] as const) {
          await tx`INSERT INTO events (stream_id, stream_version, type, data, metadata, created_at)
            VALUES (${stream}, (SELECT count(*) + 1 FROM events WHERE stream_id = ${stream}), ${type}, '{}', '{}', 0)`
        }
        await tx`INSERT INTO users (user_id, status, created_at) VALUES ('b', 'active', '2026'), ('a', 'active', '2026')`
      })
      expect(await migratePostgres(old)).toBeGreaterThan(0)
      expect([...(await old`SELECT user_id, position FROM users ORDER BY position`)]).toEqual([
        { user_id: 'b', position: 1 },
        { user_id: 'a', position: 3 },
      ])
    } finally {
      await old.end({ timeout: 1 })
    }
  })

  it('should answer the locks’ reads the same', async () => {
    for (const lockId of LOCK_IDS) {
      await both('locks', 'findLock', lockId)
      await both('locks', 'lockKeyHolderIds', lockId)
      await both('locks', 'listLockKeys', lockId)
      await both('locks', 'listLockResidents', lockId)
      for (const userId of USER_IDS) await both('locks', 'findLockKeyOf', lockId, userId)
    }
    for (const userId of USER_IDS) {
      await both('locks', 'listKeysHeldBy', userId)
      await both('locks', 'countOwnedLocks', userId)
      for (const orgId of [null, 'acme', 'root', 'nobody']) await both('locks', 'listOwnedLocks', userId, orgId)
    }
    for (const uuid of ['temp-1', 'temp-2', 'temp-3', 'tk-Once', 'missing']) await both('locks', 'findTempKey', uuid)
    for (const limit of [1, 2, 4, 100]) {
      let after: number | null = null
      do {
        const page: { next: number | null } = await both('locks', 'listLocks', { after, limit })
        after = page.next
      } while (after !== null)
    }
  })

  it('should scan the live temp keys the same for every status, direction, instant and start', async () => {
    const instants = [NOW, Date.parse('2025-06-01T00:00:00Z'), Date.parse('2027-06-01T00:00:00Z'), Date.parse('2028-06-01T00:00:00Z')]
    for (const lockId of [FRONT, BACK, 999]) {
      for (const status of [null, 'valid', 'not-yet-valid', 'expired', 'used-up', 'other']) {
        for (const newestFirst of [false, true]) {
          for (const now of instants) {
            const all: { createdAt: string; uuid: string }[] = await both('locks', 'scanLiveTempKeys', lockId, {
              after: null,
              newestFirst,
              status,
              now,
              max: null,
            })
            for (const max of [0, 1, 3]) {
              for (const from of [null, ...all.map(({ createdAt, uuid }) => ({ createdAt, uuid }))]) {
                await both('locks', 'scanLiveTempKeys', lockId, { after: from, newestFirst, status, now, max })
              }
            }
          }
        }
      }
    }
  })

  it('should answer the collective keys’ reads the same, page after page', async () => {
    for (const uuid of ['shared-1', 'ck-Alpha', 'ck-beta', 'missing']) {
      await both('collective-keys', 'findCollectiveKey', uuid)
      await both('collective-keys', 'doorsOfKey', uuid)
    }
    for (const filter of [
      { lockId: FRONT },
      { lockId: BACK },
      { lockId: 999 },
      { createdBy: MARA },
      { createdBy: NG },
      { createdBy: 'x' },
    ]) {
      for (const limit of [1, 2, 10]) {
        let after: { createdAt: string; uuid: string } | null = null
        for (;;) {
          const rows: { createdAt: string; uuid: string }[] = await both('collective-keys', 'pageCollectiveKeys', filter, after, limit)
          const last = rows.slice(0, limit).at(-1)
          if (rows.length <= limit || last === undefined) break
          after = { createdAt: last.createdAt, uuid: last.uuid }
        }
        let below: { createdAt: string; uuid: string } | null = null
        for (;;) {
          const rows: { createdAt: string; uuid: string }[] = await both('locks', 'pageTempKeys', filter, below, limit)
          const last = rows.at(-1)
          if (rows.length < limit || last === undefined) break
          below = { createdAt: last.createdAt, uuid: last.uuid }
        }
      }
    }
  })

  it('should read every partner’s feed the same', async () => {
    const sqliteFeed = new PartnerFeed(db)
    const pgFeed = new PgPartnerFeed(pg)
    const head = (await pg<{ p: number }[]>`SELECT max(position) AS p FROM events`)[0]?.p ?? 0
    const filters: TypeFilter[] = [null, ['LockCreated'], ['TempKeyCreated', 'KeyAdded', 'PhysicalKeyAdded'], []]
    for (const orgId of ORG_IDS) {
      expect(await pgFeed.head(orgId)).toBe(sqliteFeed.head(orgId))
      for (const types of filters) {
        for (const after of [0, 10, head]) {
          for (const cap of [1, 5, 1000])
            expect(await pgFeed.backlog(orgId, after, types, cap)).toBe(sqliteFeed.backlog(orgId, after, types, cap))
          for (const limit of [1, 7, 1000]) {
            expect(await pgFeed.read(orgId, after, limit, types)).toStrictEqual(sqliteFeed.read(orgId, after, limit, types))
            expect(await pgFeed.read(orgId, after, limit, types, after + 20)).toStrictEqual(
              sqliteFeed.read(orgId, after, limit, types, after + 20),
            )
          }
        }
      }
      for (let position = 0; position <= head + 1; position++) {
        expect(await pgFeed.event(orgId, position)).toStrictEqual(sqliteFeed.event(orgId, position))
      }
    }
    expect(sqliteFeed.read('acme', 0, 1000, null).length).toBeGreaterThan(20)
  })

  it('should have called every read', () => {
    const reads = (Object.keys(MODULES) as ModuleName[]).flatMap((module) => readsOf(module).map((name) => `${module}.${name}`))
    expect([...called].sort()).toEqual(reads.sort())
  })
})

// The statements each read runs, on tables grown large enough that the planner's choice is the one production gets:
// every page and lookup whose SQLite original is an indexed LIMIT or lookup walks an index here too (no Seq Scan, no
// Sort). The others sort one lock's, user's or org's rows, as SQLite does (findLockKeyOf: a user's keys on one lock).
describe('the page statements on large tables', () => {
  type Statement = { query: string; parameters: unknown[] }
  let big: Sql
  let captured: Statement[] = []
  let spy: Sql
  beforeAll(async () => {
    const url = await freshDatabase()
    big = openPostgres(url)
    await migratePostgres(big)
    await big.unsafe(`
      INSERT INTO orgs (org_id, name, owner_email, is_super, created_at) SELECT 'org-' || i, 'Org ' || i, NULL, false, to_char(i, 'FM000000') FROM generate_series(1, 2000) i;
      INSERT INTO users (user_id, email, first_name, last_name, status, created_at, position) SELECT 'user-' || i, 'u' || i || '@example.test', NULL, NULL, 'active', '2026', i FROM generate_series(1, 20000) i;
      INSERT INTO physical_keys (user_id, number, org_id, org_name, note, added_at)
        SELECT CASE WHEN i % 3 = 0 THEN 'user-7' ELSE 'user-' || (i % 20000) END, i, 'org-' || (i % 50), NULL, 'note ' || i, i
        FROM generate_series(1, 60000) i;
      INSERT INTO api_keys (key_hash, org_id, prefix, created_at, created_by) SELECT 'hash-' || i, 'org-' || i, 'pre', '2026', 'admin'
        FROM generate_series(1, 2000) i;
      INSERT INTO api_key_usage (key_hash, last_used_at) SELECT 'hash-' || i, i FROM generate_series(1, 2000) i;
      INSERT INTO org_members (org_id, user_id, role, added_at) SELECT 'org-' || (i % 2000), 'user-' || i, 'staff', '2026'
        FROM generate_series(1, 20000) i;
      INSERT INTO lock_residents (lock_id, user_id, email, name) SELECT i % 5000, 'user-' || i, NULL, 'R' FROM generate_series(1, 20000) i;
      INSERT INTO locks (lock_id, uuid, index, owner_id, org_id, created_at, updated_at)
        SELECT i, 'uuid-' || i, i, 'user-' || (i % 3000), 'org-' || (i % 50), '2026', '2026'
        FROM generate_series(1, 5000) i;
      INSERT INTO lock_keys (lock_id, key_uuid, key_index_number, user_id, added_at) SELECT i % 5000, 'key-' || i, NULL, 'user-' || (i % 20000), '2026' FROM generate_series(1, 20000) i;
      INSERT INTO temp_keys (uuid, lock_id, lock_uuid, access_mode, allowed_user_ids, valid_from, valid_until, used_count, created_at, created_by)
        SELECT 'tk-' || i, CASE WHEN i % 2 = 0 THEN 7 ELSE i % 50 END, 'uuid', 'public', '[]', '2026-01-01', '2027-01-01', 0, to_char(i, 'FM000000'), 'org-1' FROM generate_series(1, 40000) i;
      INSERT INTO collective_temp_keys (uuid, valid_from, valid_until, created_at, created_by)
        SELECT 'ck-' || i, '2026-01-01', '2027-01-01', to_char(i, 'FM000000'), 'user-' || (i % 100) FROM generate_series(1, 20000) i;
      INSERT INTO collective_temp_key_doors (uuid, door_id, lock_id, lock_uuid, label, access_method, created_at)
        SELECT 'ck-' || i, 1, CASE WHEN i % 2 = 0 THEN 7 ELSE i % 5000 END, 'uuid', NULL, 'both', to_char(i, 'FM000000') FROM generate_series(1, 20000) i;
      INSERT INTO events (stream_id, stream_version, type, data, metadata, created_at)
        SELECT 'lock-' || i, 1, 'LockCreated', '{}', '{}', i FROM generate_series(1, 30000) i;
      INSERT INTO partner_events (position, org_id, type) SELECT i, 'org-' || (i % 50), 'LockCreated' FROM generate_series(1, 30000) i;
      ANALYZE;`)
    spy = postgres(url, {
      max: 1,
      onnotice: () => {},
      debug: (_connection, query, parameters) => {
        captured.push({ query, parameters })
      },
    })
    // The client reads the server's types on its first statement: not a read's.
    await spy`SELECT 1`
  }, 60_000)
  afterAll(() => Promise.all([spy?.end({ timeout: 1 }), big?.end({ timeout: 1 })]))

  // The plan's node types, each statement a read ran.
  async function plans(read: (sql: Sql) => unknown): Promise<string[][]> {
    captured = []
    await settle(read(spy))
    const statements = captured
    return Promise.all(
      statements.map(async ({ query, parameters }) => {
        const [row] = await big.unsafe<{ 'QUERY PLAN': { Plan: PlanNode }[] }[]>(`EXPLAIN (FORMAT JSON) ${query}`, parameters as never[])
        const nodes: string[] = []
        const walk = (node: PlanNode) => {
          nodes.push(node['Index Name'] ? `${node['Node Type']} ${node['Index Name']}` : node['Node Type'])
          for (const child of node.Plans ?? []) walk(child)
        }
        const plan = row?.['QUERY PLAN'][0]?.Plan
        if (plan) walk(plan)
        return nodes
      }),
    )
  }
  type PlanNode = { 'Node Type': string; 'Index Name'?: string; Plans?: PlanNode[] }

  const after = { createdAt: '020000', uuid: 'tk-20000' }
  // [read, its statements, the first one that must walk an index (a total before its page counts every match, as on
  // SQLite)]. isRelatedToOrg is not here: its last checks walk the org's locks, on SQLite too.
  const FLAT: [string, (sql: Sql) => unknown, number?][] = [
    ['findOrg', (sql) => pgOrgs.findOrg(sql, 'org-7')],
    ['findTenant', (sql) => pgOrgs.findTenant(sql, 'org-7')],
    ['findUser', (sql) => pgUsers.findUser(sql, 'user-7')],
    ['findUserByEmail', (sql) => pgUsers.findUserByEmail(sql, 'U7@example.test')],
    ['getPhysicalKey', (sql) => pgUsers.getPhysicalKey(sql, 'user-7', 20007)],
    ['listPhysicalKeys', (sql) => pgUsers.listPhysicalKeys(sql, 'user-7', { orgIds: null }, { after: 1, limit: 2 }), 1],
    ['listPhysicalKeys scoped', (sql) => pgUsers.listPhysicalKeys(sql, 'user-7', { orgIds: ['org-7'] }, { after: 1, limit: 2 }), 1],
    ['listIssuedKeys', (sql) => pgUsers.listIssuedKeys(sql, 'org-7', { q: '', after: null, limit: 50 })],
    [
      'listIssuedKeys after',
      (sql) => pgUsers.listIssuedKeys(sql, 'org-7', { q: '', after: { addedAt: 30007, userId: 'user-10007', number: 30007 }, limit: 50 }),
    ],
    ['listIssuedKeys searched', (sql) => pgUsers.listIssuedKeys(sql, 'org-7', { q: 'note', after: null, limit: 50 })],
    ['listUsers', (sql) => pgUsers.listUsers(sql, { before: null, limit: 50 })],
    ['listUsers before', (sql) => pgUsers.listUsers(sql, { before: 10000, limit: 50 })],
    ['findLock', (sql) => pgLocks.findLock(sql, 7)],
    ['findTempKey', (sql) => pgLocks.findTempKey(sql, 'tk-7')],
    ['listLocks', (sql) => pgLocks.listLocks(sql, { after: 2500, limit: 50 })],
    ['scanLiveTempKeys', (sql) => pgLocks.scanLiveTempKeys(sql, 7, { after: null, newestFirst: false, status: null, now: NOW, max: 51 })],
    [
      'scanLiveTempKeys newest',
      (sql) => pgLocks.scanLiveTempKeys(sql, 7, { after, newestFirst: true, status: 'valid', now: NOW, max: 51 }),
    ],
    ['pageTempKeys by lock', (sql) => pgLocks.pageTempKeys(sql, { lockId: 7 }, after, 50)],
    ['pageTempKeys by creator', (sql) => pgLocks.pageTempKeys(sql, { createdBy: 'user-7' }, null, 50)],
    ['findCollectiveKey', (sql) => pgCollectiveKeys.findCollectiveKey(sql, 'ck-7')],
    ['pageCollectiveKeys by lock', (sql) => pgCollectiveKeys.pageCollectiveKeys(sql, { lockId: 7 }, null, 20)],
    ['pageCollectiveKeys by creator', (sql) => pgCollectiveKeys.pageCollectiveKeys(sql, { createdBy: 'user-7' }, null, 20)],
    ['feed read', (sql) => new PgPartnerFeed(sql).read('org-7', 100, 50, ['LockCreated'])],
    ['feed event', (sql) => new PgPartnerFeed(sql).event('org-7', 107)],
    ['feed backlog', (sql) => new PgPartnerFeed(sql).backlog('org-7', 100, null, 1000)],
    ['feed head', (sql) => new PgPartnerFeed(sql).head('org-7')],
  ]
  for (const [name, read, from = 0] of FLAT) {
    it(`should run ${name} over an index, without a scan or a sort`, async () => {
      const statements = (await plans(read)).slice(from)
      expect(statements.length).toBeGreaterThan(0)
      for (const nodes of statements) {
        expect({ name, scansAndSorts: nodes.filter((node) => node === 'Seq Scan' || node === 'Sort') }).toEqual({ name, scansAndSorts: [] })
        expect({ name, nodes }).toEqual({ name, nodes: expect.arrayContaining([expect.stringContaining('Index')]) })
      }
    })
  }
})
