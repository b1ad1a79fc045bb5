// The physical-key inventory over HTTP (seeds 000/001, API.md §2.4/§5.7, issue 6): shapes, validation,
// authorisation, filters and the events each call appends (none on any 4xx); on both databases.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'bun:test'
import { addOrgMember } from '../../src/auth/tenants'
import { userStreamId } from '../../src/domain/user/events'
import { BACKENDS, type CallOptions, contextOn } from '../support/context'

const NOW = Date.parse('2026-06-01T10:00:00.000Z')

type Ctx = Awaited<ReturnType<typeof contextOn>>

// Two orgs and a key holder of their own: the tests of one context share its database, never their ids.
async function given(ctx: Ctx) {
  const acme = await ctx.org({ name: 'Acme' })
  const other = await ctx.org({ name: 'Other' })
  const holder = await ctx.user()
  const add = (userId: string, body: unknown, auth: CallOptions = { apiKey: acme.apiKey }) =>
    ctx.call('POST', `/users/${userId}/AddPhysicalKey`, { ...auth, body })
  const remove = (userId: string, body: unknown, auth: CallOptions = { apiKey: acme.apiKey }) =>
    ctx.call('POST', `/users/${userId}/RemovePhysicalKey`, { ...auth, body })
  const list = (userId: string, query = '', auth: CallOptions = { apiKey: acme.apiKey }) =>
    ctx.call('GET', `/users/${userId}/PhysicalKeys${query}`, auth)
  const events = (userId = holder.userId) => ctx.streamEvents(userStreamId(userId))
  const keyEvents = async (userId = holder.userId) => (await events(userId)).filter((e) => e.type.startsWith('PhysicalKey'))
  // A B2C user made staff of an org, as the admin CLI/API would.
  const staffOf = async (orgId: string) => {
    const staff = await ctx.user()
    await addOrgMember(ctx.deps, orgId, staff.userId)
    return staff
  }
  return { ctx, acme, other, holder, add, remove, list, events, keyEvents, staffOf }
}

for (const backend of BACKENDS) {
  describe(`physical keys (${backend})`, () => {
    let ctx: Ctx
    beforeAll(async () => {
      ctx = await contextOn(backend)
    })
    afterAll(() => ctx.close())
    // The seeds' times count from NOW: each test starts the shared clock there.
    beforeEach(() => ctx.clock.set(NOW))
    const setup = () => given(ctx)

    describe('AddPhysicalKey (seed 001)', () => {
      it('should answer the seed shape exactly and append one PhysicalKeyAdded', async () => {
        const { acme, holder, add, keyEvents } = await setup()
        const res = await add(holder.userId, { orgId: acme.orgId, orgName: 'Acme', note: 'front door' })
        expect(res.status).toBe(200)
        const data = { userId: holder.userId, number: 1, orgId: acme.orgId, orgName: 'Acme', note: 'front door', addedAt: NOW }
        expect(res.json).toEqual({
          success: true,
          aggregateId: holder.userId,
          version: 2,
          event: { type: 'PhysicalKeyAdded', data },
          number: 1,
          orgId: acme.orgId,
          orgName: 'Acme',
          note: 'front door',
          addedAt: NOW,
        })
        expect(Number.isInteger(res.json.addedAt)).toBe(true)
        expect((await keyEvents()).map((e) => ({ type: e.type, data: e.data, version: e.streamVersion }))).toEqual([
          { type: 'PhysicalKeyAdded', data, version: 2 },
        ])
      })

      it('should leave out orgName and note when they are not sent', async () => {
        const { acme, holder, add } = await setup()
        const res = await add(holder.userId, { orgId: acme.orgId })
        expect(res.json).toEqual({
          success: true,
          aggregateId: holder.userId,
          version: 2,
          event: { type: 'PhysicalKeyAdded', data: { userId: holder.userId, number: 1, orgId: acme.orgId, addedAt: NOW } },
          number: 1,
          orgId: acme.orgId,
          addedAt: NOW,
        })
      })

      it('should number keys 1, 2, 3 and never reuse a number after removal', async () => {
        const { acme, holder, add, remove, keyEvents } = await setup()
        const numbers: number[] = []
        for (let i = 0; i < 3; i++) numbers.push((await add(holder.userId, { orgId: acme.orgId })).json.number)
        expect(numbers).toEqual([1, 2, 3])
        expect((await remove(holder.userId, { number: 3 })).status).toBe(200)
        expect((await remove(holder.userId, { number: 1 })).status).toBe(200)
        const next = await add(holder.userId, { orgId: acme.orgId })
        expect(next.json).toMatchObject({ number: 4, version: 7 })
        expect((await keyEvents()).map((e) => [e.type, e.data.number])).toEqual([
          ['PhysicalKeyAdded', 1],
          ['PhysicalKeyAdded', 2],
          ['PhysicalKeyAdded', 3],
          ['PhysicalKeyRemoved', 3],
          ['PhysicalKeyRemoved', 1],
          ['PhysicalKeyAdded', 4],
        ])
      })

      it('should accept a note of exactly 500 characters', async () => {
        const { acme, holder, add } = await setup()
        const res = await add(holder.userId, { orgId: acme.orgId, note: 'n'.repeat(500) })
        expect(res.status).toBe(200)
        expect(res.json.note).toHaveLength(500)
      })

      describe('when the body is invalid', () => {
        const cases: [string, unknown, string[]][] = [
          ['a note of 501 characters', { orgId: 'ORG', note: 'n'.repeat(501) }, ['note']],
          ['a missing orgId', { note: 'x' }, ['orgId']],
          ['an empty orgId', { orgId: '' }, ['orgId']],
          ['wrong types', { orgId: 5, orgName: true, note: ['x'] }, ['orgId', 'orgName', 'note']],
          ['an unknown extra field', { orgId: 'ORG', colour: 'red' }, ['colour']],
          ['a client-sent _callerOrgId', { orgId: 'ORG', _callerOrgId: 'ORG' }, ['_callerOrgId']],
          ['several bad fields at once', { orgId: '', note: 'n'.repeat(501), extra: 1 }, ['extra', 'orgId', 'note']],
          ['an array instead of an object', [{ orgId: 'ORG' }], ['body']],
        ]
        for (const [name, template, fields] of cases) {
          it(`should answer 400 with one detail per bad field for ${name}, and append nothing`, async () => {
            const { acme, holder, add, events } = await setup()
            const body = JSON.parse(JSON.stringify(template).replaceAll('"ORG"', JSON.stringify(acme.orgId)))
            const res = await add(holder.userId, body)
            expect(res.status).toBe(400)
            expect(res.json).toMatchObject({ success: false, error: 'Bad Request', code: 400 })
            expect(res.json.details.map((d: { field: string }) => d.field).sort()).toEqual([...fields].sort())
            for (const detail of res.json.details) expect(detail.message).toEqual(expect.any(String))
            expect((await events()).map((e) => e.type)).toEqual(['UserCreated'])
          })
        }

        it('should answer 400 to malformed JSON and append nothing', async () => {
          const { ctx, acme, holder, events } = await setup()
          const res = await ctx.call('POST', `/users/${holder.userId}/AddPhysicalKey`, { apiKey: acme.apiKey, rawBody: '{"orgId": "x",' })
          expect(res.status).toBe(400)
          expect(res.json).toMatchObject({ success: false, error: 'Bad Request', code: 400, message: expect.stringContaining('JSON') })
          expect((await events()).map((e) => e.type)).toEqual(['UserCreated'])
        })
      })

      describe('authorisation', () => {
        it('should answer 401 without credentials, and append nothing', async () => {
          const { acme, holder, add, events } = await setup()
          const res = await add(holder.userId, { orgId: acme.orgId }, {})
          expect(res.status).toBe(401)
          expect(res.json).toMatchObject({ success: false, error: 'Unauthorized', code: 401 })
          expect(await events()).toHaveLength(1)
        })

        it('should answer 401 to an unknown API key or a forged JWT', async () => {
          const { acme, holder, add } = await setup()
          expect((await add(holder.userId, { orgId: acme.orgId }, { apiKey: 'x'.repeat(40) })).status).toBe(401)
          expect((await add(holder.userId, { orgId: acme.orgId }, { token: `${holder.token}x` })).status).toBe(401)
        })

        it('should answer 403 to an org key naming another org, and append nothing', async () => {
          const { other, holder, add, events } = await setup()
          const res = await add(holder.userId, { orgId: 'some-other-org' }, { apiKey: other.apiKey })
          expect(res.status).toBe(403)
          expect(res.json).toMatchObject({ success: false, error: 'Forbidden', code: 403 })
          expect(await events()).toHaveLength(1)
        })

        it('should let a super key name any org', async () => {
          const { ctx, acme, holder, add } = await setup()
          const root = await ctx.org({ isSuper: true })
          const res = await add(holder.userId, { orgId: acme.orgId, orgName: 'Acme' }, { apiKey: root.apiKey })
          expect(res.status).toBe(200)
          expect(res.json).toMatchObject({ number: 1, orgId: acme.orgId })
        })

        it('should answer 403 to a B2C user adding to their own inventory (no forged issuance)', async () => {
          const { acme, holder, add, events } = await setup()
          const res = await add(holder.userId, { orgId: acme.orgId }, { token: holder.token })
          expect(res.status).toBe(403)
          expect(await events()).toHaveLength(1)
        })

        it('should let a staff member add for their org, and not for another', async () => {
          const { acme, other, holder, add, staffOf, keyEvents } = await setup()
          const staff = await staffOf(acme.orgId)
          const res = await add(holder.userId, { orgId: acme.orgId, note: 'by staff' }, { token: staff.token })
          expect(res.status).toBe(200)
          expect(res.json).toMatchObject({ number: 1, orgId: acme.orgId, note: 'by staff' })
          expect((await keyEvents())[0]?.metadata.principal).toBe(staff.userId)
          expect((await add(holder.userId, { orgId: other.orgId }, { token: staff.token })).status).toBe(403)
          expect(await keyEvents()).toHaveLength(1)
        })

        it('should answer 404 for an unknown user', async () => {
          const { ctx, acme, add } = await setup()
          const ghost = crypto.randomUUID()
          const res = await add(ghost, { orgId: acme.orgId })
          expect(res.status).toBe(404)
          expect(res.json).toMatchObject({ success: false, error: 'Not Found', code: 404 })
          expect(await ctx.streamEvents(userStreamId(ghost))).toEqual([])
        })
      })
    })

    describe('RemovePhysicalKey (seed 000)', () => {
      it('should answer the seed shape exactly, append PhysicalKeyRemoved and keep the counter', async () => {
        const { acme, holder, add, remove, keyEvents, ctx } = await setup()
        await add(holder.userId, { orgId: acme.orgId })
        ctx.clock.advance(60_000)
        const res = await remove(holder.userId, { number: 1 })
        expect(res.status).toBe(200)
        const data = { userId: holder.userId, number: 1, removedAt: NOW + 60_000 }
        expect(res.json).toEqual({
          success: true,
          aggregateId: holder.userId,
          version: 3,
          event: { type: 'PhysicalKeyRemoved', data },
          number: 1,
        })
        expect((await keyEvents()).at(-1)).toMatchObject({ type: 'PhysicalKeyRemoved', data, streamVersion: 3 })
        expect((await add(holder.userId, { orgId: acme.orgId })).json.number).toBe(2)
      })

      describe('when the body is invalid', () => {
        const cases: [string, unknown, string[]][] = [
          ['number 0', { number: 0 }, ['number']],
          ['a negative number', { number: -1 }, ['number']],
          ['a fractional number', { number: 1.5 }, ['number']],
          ['a string number', { number: '1' }, ['number']],
          ['a missing number', {}, ['number']],
          ['a client-sent _callerOrgId', { number: 1, _callerOrgId: 'org' }, ['_callerOrgId']],
          ['an unknown extra field', { number: 1, reason: 'lost' }, ['reason']],
          ['two bad fields', { number: 0, _callerOrgId: 'org' }, ['_callerOrgId', 'number']],
        ]
        for (const [name, body, fields] of cases) {
          it(`should answer 400 with one detail per bad field for ${name}, and append nothing`, async () => {
            const { acme, holder, add, remove, events } = await setup()
            await add(holder.userId, { orgId: acme.orgId })
            const res = await remove(holder.userId, body)
            expect(res.status).toBe(400)
            expect(res.json).toMatchObject({ success: false, error: 'Bad Request', code: 400 })
            expect(res.json.details.map((d: { field: string }) => d.field).sort()).toEqual(fields)
            expect((await events()).map((e) => e.type)).toEqual(['UserCreated', 'PhysicalKeyAdded'])
          })
        }

        it('should say that _callerOrgId is set by the server', async () => {
          const { holder, remove } = await setup()
          const res = await remove(holder.userId, { number: 1, _callerOrgId: 'org' })
          expect(res.json.details).toEqual([{ field: '_callerOrgId', message: 'Server-set field: clients must not send it' }])
        })

        it('should answer 400 to malformed JSON and append nothing', async () => {
          const { ctx, acme, holder, add, events } = await setup()
          await add(holder.userId, { orgId: acme.orgId })
          const res = await ctx.call('POST', `/users/${holder.userId}/RemovePhysicalKey`, { apiKey: acme.apiKey, rawBody: 'number=1' })
          expect(res.status).toBe(400)
          expect(await events()).toHaveLength(2)
        })
      })

      it('should answer 404 for a number never issued or already removed, and append nothing', async () => {
        const { acme, holder, add, remove, events } = await setup()
        await add(holder.userId, { orgId: acme.orgId })
        expect((await remove(holder.userId, { number: 2 })).status).toBe(404)
        expect((await remove(holder.userId, { number: 1 })).status).toBe(200)
        const again = await remove(holder.userId, { number: 1 })
        expect(again.status).toBe(404)
        expect(again.json).toMatchObject({ success: false, error: 'Not Found', code: 404 })
        expect(await events()).toHaveLength(3)
      })

      it('should answer 404 for an unknown user', async () => {
        const { remove } = await setup()
        expect((await remove(crypto.randomUUID(), { number: 1 })).status).toBe(404)
      })

      it('should answer 401 without credentials', async () => {
        const { acme, holder, add, remove, events } = await setup()
        await add(holder.userId, { orgId: acme.orgId })
        expect((await remove(holder.userId, { number: 1 }, {})).status).toBe(401)
        expect(await events()).toHaveLength(2)
      })

      it("should let a B2B caller remove only its own org's keys (403 otherwise)", async () => {
        const { acme, other, holder, add, remove, events } = await setup()
        await add(holder.userId, { orgId: acme.orgId })
        const res = await remove(holder.userId, { number: 1 }, { apiKey: other.apiKey })
        expect(res.status).toBe(403)
        expect(res.json).toMatchObject({ success: false, error: 'Forbidden', code: 403 })
        expect(await events()).toHaveLength(2)
        expect((await remove(holder.userId, { number: 1 }, { apiKey: acme.apiKey })).status).toBe(200)
      })

      it('should let a super key remove any org’s key', async () => {
        const { ctx, acme, holder, add, remove } = await setup()
        const root = await ctx.org({ isSuper: true })
        await add(holder.userId, { orgId: acme.orgId })
        expect((await remove(holder.userId, { number: 1 }, { apiKey: root.apiKey })).status).toBe(200)
      })

      it('should answer 403 to the key holder (B2C) removing from their own inventory', async () => {
        const { acme, holder, add, remove, events } = await setup()
        await add(holder.userId, { orgId: acme.orgId })
        expect((await remove(holder.userId, { number: 1 }, { token: holder.token })).status).toBe(403)
        expect(await events()).toHaveLength(2)
      })

      it("should let a staff member remove their org's keys, and not another org's", async () => {
        const { acme, other, holder, add, remove, staffOf, events } = await setup()
        await add(holder.userId, { orgId: acme.orgId })
        await add(holder.userId, { orgId: other.orgId }, { apiKey: other.apiKey })
        const staff = await staffOf(acme.orgId)
        expect((await remove(holder.userId, { number: 2 }, { token: staff.token })).status).toBe(403)
        expect((await remove(holder.userId, { number: 1 }, { token: staff.token })).status).toBe(200)
        expect((await events()).at(-1)).toMatchObject({
          type: 'PhysicalKeyRemoved',
          data: { number: 1 },
          metadata: { principal: staff.userId },
        })
      })
    })

    describe('GET /users/{id}/PhysicalKeys', () => {
      async function withKeys() {
        const s = await setup()
        const { acme, other, holder, add, ctx } = s
        const issue = async (body: object, apiKey = acme.apiKey) => {
          ctx.clock.advance(1000)
          return add(holder.userId, body, { apiKey })
        }
        await issue({ orgId: acme.orgId, orgName: 'Acme', note: 'Front door' })
        await issue({ orgId: acme.orgId, orgName: 'Acme', note: 'Schlüssel zur TÜR' })
        await issue({ orgId: other.orgId, orgName: 'Other', note: 'garage DOOR fob' }, other.apiKey)
        await issue({ orgId: acme.orgId, note: 'no name' })
        return s
      }
      const at = (seconds: number) => NOW + seconds * 1000

      it('should list every key of the user for the user themselves, in the documented shape, by number', async () => {
        const { acme, other, holder, list } = await withKeys()
        const res = await list(holder.userId, '', { token: holder.token })
        expect(res.status).toBe(200)
        expect(res.json).toEqual({
          keys: [
            { number: 1, orgId: acme.orgId, orgName: 'Acme', note: 'Front door', addedAt: at(1) },
            { number: 2, orgId: acme.orgId, orgName: 'Acme', note: 'Schlüssel zur TÜR', addedAt: at(2) },
            { number: 3, orgId: other.orgId, orgName: 'Other', note: 'garage DOOR fob', addedAt: at(3) },
            { number: 4, orgId: acme.orgId, note: 'no name', addedAt: at(4) },
          ],
          total: 4,
          nextCursor: null,
        })
      })

      it("should show a B2B caller only its own org's keys", async () => {
        const { other, holder, list } = await withKeys()
        const mine = await list(holder.userId)
        expect(mine.json.keys.map((k: { number: number }) => k.number)).toEqual([1, 2, 4])
        expect(mine.json.total).toBe(3)
        const filtered = await list(holder.userId, `?orgId=${other.orgId}`)
        expect(filtered.json).toEqual({ keys: [], total: 0, nextCursor: null })
        expect((await list(holder.userId, '', { apiKey: other.apiKey })).json.total).toBe(1)
      })

      it('should show a super key every key', async () => {
        const { ctx, holder, list } = await withKeys()
        const root = await ctx.org({ isSuper: true })
        expect((await list(holder.userId, '', { apiKey: root.apiKey })).json.total).toBe(4)
      })

      it("should show a staff member only their org's keys of another user", async () => {
        const { other, holder, list, staffOf } = await withKeys()
        const staff = await staffOf(other.orgId)
        const res = await list(holder.userId, '', { token: staff.token })
        expect(res.json.keys.map((k: { number: number }) => k.number)).toEqual([3])
      })

      it('should answer 403 to another user who is no staff', async () => {
        const { ctx, holder, list } = await withKeys()
        const stranger = await ctx.user()
        expect((await list(holder.userId, '', { token: stranger.token })).status).toBe(403)
      })

      it('should answer that user the same 403 for an id no one has, so it reveals no accounts (issue 24 #13)', async () => {
        const { ctx, holder, list } = await withKeys()
        const stranger = await ctx.user()
        const known = await list(holder.userId, '', { token: stranger.token })
        const unknown = await list(crypto.randomUUID(), '', { token: stranger.token })
        expect({ status: unknown.status, message: unknown.json.message }).toEqual({ status: 403, message: known.json.message })
        const one = await ctx.call('GET', `/users/${crypto.randomUUID()}/PhysicalKeys/1`, { token: stranger.token })
        expect(one.status).toBe(403)
      })

      const filterCases: [string, (ids: { acme: string; other: string }) => string, number[]][] = [
        ['orgId exact', (o) => `?orgId=${o.other}`, [3]],
        ['orgId is not a prefix match', (o) => `?orgId=${o.acme.slice(0, -1)}`, []],
        ['orgName exact', () => '?orgName=Acme', [1, 2]],
        ['orgName is case-sensitive', () => '?orgName=acme', []],
        ['q case-insensitive substring', () => '?q=door', [1, 3]],
        ['q upper-case finds lower-case', () => '?q=FRONT', [1]],
        ['q with a lower-case umlaut finds an upper-case one', () => `?q=${encodeURIComponent('tür')}`, [2]],
        ['q with an upper-case umlaut finds a lower-case one', () => `?q=${encodeURIComponent('SCHLÜSSEL')}`, [2]],
        ['filters AND-ed', (o) => `?orgId=${o.acme}&q=door`, [1]],
        ['all three filters', (o) => `?orgId=${o.acme}&orgName=Acme&q=t%C3%BCr`, [2]],
        ['no match', () => '?q=window', []],
      ]
      for (const [name, query, numbers] of filterCases) {
        it(`should filter by ${name}`, async () => {
          const { acme, other, holder, list } = await withKeys()
          const res = await list(holder.userId, query({ acme: acme.orgId, other: other.orgId }), { token: holder.token })
          expect(res.status).toBe(200)
          expect(res.json.keys.map((k: { number: number }) => k.number)).toEqual(numbers)
          expect(res.json.total).toBe(numbers.length)
        })
      }

      it('should cap the list at 100, ordered by number, with total counting every match', async () => {
        const { acme, holder, add, remove, list } = await setup()
        for (let i = 1; i <= 104; i++) await add(holder.userId, { orgId: acme.orgId, note: i % 2 ? 'odd' : 'even' })
        await remove(holder.userId, { number: 2 })
        const all = await list(holder.userId)
        expect(all.json.total).toBe(103)
        expect(all.json.keys).toHaveLength(100)
        expect(all.json.keys.map((k: { number: number }) => k.number)).toEqual([1, ...Array.from({ length: 99 }, (_, i) => i + 3)])
        const odd = await list(holder.userId, '?q=ODD')
        expect(odd.json).toMatchObject({ total: 52 })
        expect(odd.json.keys).toHaveLength(52)
      })

      it('should page by limit and cursor, total counting every match, to a last page whose nextCursor is null', async () => {
        const { acme, other, holder, add, remove, list } = await setup()
        for (let i = 1; i <= 7; i++) {
          const org = i === 3 ? other : acme
          await add(holder.userId, { orgId: org.orgId, note: i % 2 ? 'odd' : 'even' }, { apiKey: org.apiKey })
        }
        await remove(holder.userId, { number: 5 })
        const walk = async (query: string) => {
          const pages: number[][] = []
          const totals = new Set<number>()
          let cursor = ''
          do {
            const res = await list(holder.userId, `${query}${cursor}`)
            expect(res.status).toBe(200)
            pages.push(res.json.keys.map((k: { number: number }) => k.number))
            totals.add(res.json.total)
            cursor = res.json.nextCursor ? `&cursor=${res.json.nextCursor}` : ''
          } while (cursor)
          expect(totals.size).toBe(1)
          return { pages, total: [...totals][0] }
        }
        // acme's key: 1, 2, 4, 6, 7 (3 is another org's, 5 removed)
        expect(await walk('?limit=2')).toEqual({ pages: [[1, 2], [4, 6], [7]], total: 5 })
        expect(await walk('?limit=5')).toEqual({ pages: [[1, 2, 4, 6, 7]], total: 5 })
        expect(await walk('?limit=1&q=ODD')).toEqual({ pages: [[1], [7]], total: 2 })
        expect(await walk('?limit=1&q=%C3%B6dd')).toEqual({ pages: [[]], total: 0 })
      })

      it('should answer 400 in the error envelope to a cursor it did not give out and to a limit outside 1-100', async () => {
        const { holder, list } = await setup()
        const tempKeyCursor = Buffer.from(JSON.stringify(['2026-06-01T10:00:00.000Z', crypto.randomUUID()])).toString('base64url')
        for (const cursor of ['bm9wZQ', tempKeyCursor, Buffer.from('[-1]').toString('base64url'), 'a+b']) {
          const res = await list(holder.userId, `?cursor=${cursor}`)
          expect(res.status).toBe(400)
          expect(res.json).toMatchObject({ success: false, code: 400, details: [{ field: 'cursor' }] })
        }
        for (const limit of ['0', '101', 'x']) expect((await list(holder.userId, `?limit=${limit}`)).status).toBe(400)
        expect((await list(holder.userId, '?limit=100')).status).toBe(200)
      })

      it('should answer 404 for an unknown user and 401 without credentials', async () => {
        const { holder, list } = await setup()
        expect((await list(crypto.randomUUID())).status).toBe(404)
        expect((await list(holder.userId, '', {})).status).toBe(401)
      })

      it('should answer 400 to an orgId or orgName filter longer than any id or name (issue 24 #1: cache keys)', async () => {
        const { holder, list } = await setup()
        expect((await list(holder.userId, `?orgName=${'n'.repeat(201)}`)).status).toBe(400)
        expect((await list(holder.userId, `?orgId=${'o'.repeat(129)}`)).status).toBe(400)
        expect((await list(holder.userId, `?orgName=${'n'.repeat(200)}`)).status).toBe(200)
      })

      it('should answer 400 to _callerOrgId or an unknown query parameter', async () => {
        const { holder, list } = await setup()
        const res = await list(holder.userId, '?_callerOrgId=x&q=a')
        expect(res.status).toBe(400)
        expect(res.json.details).toEqual([{ field: '_callerOrgId', message: expect.any(String) }])
        expect((await list(holder.userId, '?colour=red')).status).toBe(400)
      })
    })

    describe('GET /users/{id}/PhysicalKeys/{number}', () => {
      it('should return one entry in the documented shape', async () => {
        const { ctx, acme, holder, add } = await setup()
        await add(holder.userId, { orgId: acme.orgId, orgName: 'Acme', note: 'front' })
        const res = await ctx.call('GET', `/users/${holder.userId}/PhysicalKeys/1`, { apiKey: acme.apiKey })
        expect(res.status).toBe(200)
        expect(res.json).toEqual({ number: 1, orgId: acme.orgId, orgName: 'Acme', note: 'front', addedAt: NOW })
        const own = await ctx.call('GET', `/users/${holder.userId}/PhysicalKeys/1`, { token: holder.token })
        expect(own.json).toEqual(res.json)
      })

      it("should answer 404 for an unknown number, a removed one, and another org's key", async () => {
        const { ctx, acme, other, holder, add, remove } = await setup()
        await add(holder.userId, { orgId: acme.orgId })
        await add(holder.userId, { orgId: acme.orgId })
        await remove(holder.userId, { number: 2 })
        const get = (n: number, apiKey: string) => ctx.call('GET', `/users/${holder.userId}/PhysicalKeys/${n}`, { apiKey })
        expect((await get(9, acme.apiKey)).status).toBe(404)
        expect((await get(2, acme.apiKey)).status).toBe(404)
        const foreign = await get(1, other.apiKey)
        expect(foreign.status).toBe(404)
        expect(foreign.json).toMatchObject({ success: false, error: 'Not Found', code: 404 })
      })

      it('should answer 400 to a client-sent _callerOrgId and to a number that is not a positive safe integer', async () => {
        const { ctx, acme, holder, add } = await setup()
        await add(holder.userId, { orgId: acme.orgId })
        const spoofed = await ctx.call('GET', `/users/${holder.userId}/PhysicalKeys/1?_callerOrgId=${acme.orgId}`, { apiKey: acme.apiKey })
        expect(spoofed.status).toBe(400)
        expect(spoofed.json.details).toEqual([{ field: '_callerOrgId', message: 'Server-set field: clients must not send it' }])
        // Past the safe integers PostgreSQL would refuse the number as a bigint: a 500 unless the schema stops it first.
        for (const bad of ['0', '-1', '1.5', 'one', '1e99', '9007199254740992']) {
          expect((await ctx.call('GET', `/users/${holder.userId}/PhysicalKeys/${bad}`, { apiKey: acme.apiKey })).status).toBe(400)
        }
      })

      it('should answer 404 for an unknown user and 401 without credentials', async () => {
        const { ctx, acme, holder } = await setup()
        expect((await ctx.call('GET', `/users/${crypto.randomUUID()}/PhysicalKeys/1`, { apiKey: acme.apiKey })).status).toBe(404)
        expect((await ctx.call('GET', `/users/${holder.userId}/PhysicalKeys/1`)).status).toBe(401)
      })
    })
  })
}
