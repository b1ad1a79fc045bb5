// List pages on real SQLite: the page statements walk their index from the cursor (query plans, the key desk's list
// too), a filtered temp-key page stops after its scan budget, and the inventory's SQL search finds exactly what
// toLowerCase().includes() finds.
import { describe, expect, test } from 'bun:test'
import fc from 'fast-check'
import { physicalKeys, tempKeys } from '../../src/db/schema'
import { FILTER_SCAN_BUDGET, pageLiveTempKeys } from '../../src/locks/temp-keys'
import { COLLECTIVE_PAGE_SQL } from '../../src/projections/collective-keys'
import { LIVE_KEY_PAGE_SQL, TEMP_KEY_PAGE_SQL } from '../../src/projections/locks'
import { inventorySql, issuedKeysSql, listPhysicalKeys } from '../../src/projections/users'
import { testContext } from '../support/context'

const plan = (db: ReturnType<typeof testContext>['deps']['db'], sql: string, ...args: unknown[]) =>
  db.$client
    .query<{ detail: string }, never[]>(`EXPLAIN QUERY PLAN ${sql}`)
    .all(...(args as never[]))
    .map((row) => row.detail)

const HOUR = 3_600_000

describe('temp-key pages', () => {
  test('a page searches temp_keys_lock_page from its cursor in index order: no scan, no sort', () => {
    const { deps } = testContext()
    const params = { lockId: 1, createdAt: '2026-06-01T10:00:00.000Z', uuid: 'u', status: null, now: '2026-06-01T10:00:00.000Z', max: 3 }
    for (const [direction, sql] of Object.entries(LIVE_KEY_PAGE_SQL)) {
      const steps = plan(deps.db, sql, params)
      expect(steps).toEqual([
        `SEARCH temp_keys USING INDEX temp_keys_lock_page (lock_id=? AND deleted_at=? AND (created_at,uuid)${direction === 'ASC' ? '>' : '<'}(?,?))`,
      ])
    }
  })

  test('the unified GET /temp-keys pages each kind newest first from its cursor in index order: no scan, no sort', () => {
    const { deps } = testContext()
    const below = { createdAt: '2026-06-01T10:00:00.000Z', uuid: 'u', max: 3 }
    const range = 'AND (created_at,uuid)<(?,?))'
    expect(plan(deps.db, TEMP_KEY_PAGE_SQL.byLock, { ...below, value: 1 })).toEqual([
      `SEARCH temp_keys USING INDEX temp_keys_lock_created (lock_id=? ${range}`,
    ])
    expect(plan(deps.db, TEMP_KEY_PAGE_SQL.byCreator, { ...below, value: 'x' })).toEqual([
      `SEARCH temp_keys USING INDEX temp_keys_creator (created_by=? ${range}`,
    ])
    expect(plan(deps.db, COLLECTIVE_PAGE_SQL.byLock, { ...below, lockId: 1 })).toEqual([
      `SEARCH d USING COVERING INDEX collective_temp_key_doors_lock_created (lock_id=? ${range}`,
      'SEARCH k USING INDEX sqlite_autoindex_collective_temp_keys_1 (uuid=?)',
    ])
    expect(plan(deps.db, COLLECTIVE_PAGE_SQL.byCreator, { ...below, createdBy: 'x' })).toEqual([
      `SEARCH k USING INDEX collective_temp_keys_creator (created_by=? ${range}`,
    ])
  })

  test(`a filtered page looks at no more than ${FILTER_SCAN_BUDGET} keys and says where to go on`, async () => {
    const { deps, clock } = testContext()
    const now = clock.now()
    const at = (offset: number) => new Date(now + offset).toISOString()
    const row = (i: number, validUntil: string) => ({
      uuid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      lockId: 7,
      lockUuid: 'lock-7',
      accessMode: 'public',
      allowedUserIds: '[]',
      validFrom: at(-2 * HOUR),
      validUntil,
      maxUses: null,
      usedCount: 0,
      schedule: null,
      description: null,
      createdAt: at(-HOUR + i),
      createdBy: 'test',
      deletedAt: null,
    })
    const expired = Array.from({ length: FILTER_SCAN_BUDGET + 5 }, (_, i) => row(i, at(-HOUR)))
    const valid = row(FILTER_SCAN_BUDGET + 5, at(HOUR))
    deps.db.transaction((tx) => {
      for (const values of [...expired, valid]) tx.insert(tempKeys).values(values).run()
    })
    const query = { limit: 10, status: 'valid' as const, now }

    const first = await pageLiveTempKeys(deps, 7, { ...query, after: null })
    expect(first.items).toEqual([])
    const position = (key: { createdAt: string; uuid: string } | undefined) => key && { createdAt: key.createdAt, uuid: key.uuid }
    expect(first.next).toEqual(position(expired[FILTER_SCAN_BUDGET - 1]) ?? null)
    const second = await pageLiveTempKeys(deps, 7, { ...query, after: first.next })
    expect(second.items.map((key) => key.uuid)).toEqual([valid.uuid])
    expect(second.next).toBeNull()
    // Unfiltered, the same list pages by limit alone.
    const page = await pageLiveTempKeys(deps, 7, { ...query, status: null, after: null })
    expect(page.items).toHaveLength(10)
    expect(page.next).toEqual(position(expired[9]) ?? null)
    // Every key a page looked at bounds its freshness, a filtered-out one too; the first page saw only expired keys.
    expect(first.stableUntil).toBe(Number.POSITIVE_INFINITY)
    expect(second.stableUntil).toBe(now + HOUR)
  })
})

describe('the key desk’s list of an org’s keys', () => {
  test('every page walks physical_keys_org_added from its cursor, newest first, joining holders by key: no scan, no sort', () => {
    const { deps } = testContext()
    for (const searched of [false, true]) {
      const first = plan(deps.db, issuedKeysSql({ searched, after: false }), 'acme', ...(searched ? ['%a%', '%a%'] : []), 51)
      const next = plan(deps.db, issuedKeysSql({ searched, after: true }), 'acme', 1, 'u', 1, ...(searched ? ['%a%', '%a%'] : []), 51)
      const holder = 'SEARCH u USING INDEX sqlite_autoindex_users_1 (user_id=?)'
      expect(first).toEqual(['SEARCH k USING INDEX physical_keys_org_added (org_id=?)', holder])
      expect(next).toEqual(['SEARCH k USING INDEX physical_keys_org_added (org_id=? AND (added_at,user_id,number)<(?,?,?))', holder])
    }
  })
})

describe('inventory pages', () => {
  test('the page and count statements search an index from the cursor: no scan, no sort', () => {
    const { deps } = testContext()
    const scoped = inventorySql('user-1', { orgIds: ['acme'] })
    expect(plan(deps.db, scoped.page, ...scoped.args, 0, 101)).toEqual([
      'SEARCH physical_keys USING INDEX physical_keys_user_org (user_id=? AND org_id=? AND number>?)',
    ])
    expect(plan(deps.db, scoped.count, ...scoped.args)).toEqual([
      'SEARCH physical_keys USING COVERING INDEX physical_keys_user_org (user_id=? AND org_id=?)',
    ])
    const own = inventorySql('user-1', { orgIds: null })
    expect(plan(deps.db, own.page, ...own.args, 0, 101)).toEqual([
      'SEARCH physical_keys USING INDEX sqlite_autoindex_physical_keys_1 (user_id=? AND number>?)',
    ])
    const searched = inventorySql('user-1', { orgIds: ['acme'], q: 'door' })
    expect(searched.exact).toBe(true)
    expect(plan(deps.db, searched.page, ...searched.args, 0, 101).join()).not.toContain('TEMP B-TREE')
  })

  // Characters whose case SQLite does not fold, two that lower-case into ASCII (İ, the Kelvin sign), one that becomes
  // two characters (İ), a context-dependent one (Σ), and LIKE's own wildcards and escape.
  const alphabet = ['a', 'A', 'i', 'I', 'k', 'K', '\u212A', 'İ', '\u0307', 'ü', 'Ü', 'Σ', 'σ', 'ς', '%', '_', '\\', ' ']
  const text = (maxLength: number) => fc.array(fc.constantFrom(...alphabet), { maxLength }).map((chars) => chars.join(''))

  test('q finds exactly the notes whose toLowerCase() contains it, page after page', () => {
    const { deps } = testContext()
    let user = 0
    fc.assert(
      fc.property(
        fc.array(fc.option(text(6), { nil: null }), { maxLength: 12 }),
        text(3),
        fc.integer({ min: 1, max: 4 }),
        (notes, q, limit) => {
          const userId = `user-${user++}`
          deps.db.transaction((tx) => {
            notes.forEach((note, i) => {
              tx.insert(physicalKeys)
                .values({ userId, number: i + 1, orgId: 'acme', orgName: null, note, addedAt: 0 })
                .run()
            })
          })
          const needle = q.toLowerCase()
          const expected = notes.flatMap((note, i) => ((note ?? '').toLowerCase().includes(needle) ? [i + 1] : []))
          const seen: number[] = []
          let after: number | null = null
          do {
            const page = listPhysicalKeys(deps.db, userId, { orgIds: null, q }, { after, limit })
            expect(page.total).toBe(expected.length)
            seen.push(...page.keys.map((key) => key.number))
            after = page.next
          } while (after !== null)
          expect(seen).toEqual(expected)
        },
      ),
      { numRuns: 300 },
    )
  })
})
