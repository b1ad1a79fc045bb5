// Every read-model query on PostgreSQL answers as its SQLite original: both databases hold the same generated history
// (test/fixtures/history.ts, grown here with more of everything a list pages through), then each query is called on
// both with a spread of arguments (existing and missing ids, each filter and status, first, middle and last pages by
// the cursors they return, empty answers, LIKE's wildcards in searches) and must give the same JS values. The
// PostgreSQL database sorts text as en-US does by default, so an order that is not byte order shows. A SQLite read
// without a PostgreSQL twin fails the first test; a page statement that scans or sorts fails the last.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import type { Db } from '../../src/db/connection'
import type { Sql } from '../../src/db/pg/connection'
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
  locksProjection: 'projection',
  findLock: 'read',
  lockKeyHolderIds: 'read',
  findTempKey: 'read',
  SCAN_START: 'constant',
  scanLiveTempKeys: 'read',
  listLockKeys: 'read',
  listLockResidents: 'read',
  listOwnedLocks: 'read',
  countOwnedLocks: 'read',
  findLockKeyOf: 'read',
  listKeysHeldBy: 'read',
  listLocks: 'read',
}
const COLLECTIVE_KEYS: Record<keyof typeof collectiveKeys, Kind> = {
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
