// The partner feed over HTTP (GET /events, GET /events/stream): paging, filters, tenancy, resuming and live delivery,
// on both databases.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { issueApiKey } from '../../src/auth/tenants'
import { messageId } from '../../src/webhooks/envelope'
import { BACKENDS, contextOn } from '../support/context'

type Ctx = Awaited<ReturnType<typeof contextOn>>

// A partner org and a user of its own: the tests of one context share its database and its log, never their org.
async function given(ctx: Ctx) {
  const partner = await ctx.org()
  const { userId } = await ctx.user()
  const addKey = async () => {
    const added = await ctx.call('POST', `/users/${userId}/AddPhysicalKey`, { apiKey: partner.apiKey, body: { orgId: partner.orgId } })
    expect(added.status).toBe(200)
  }
  return { partner, userId, addKey }
}

type Sse = { id: string | undefined; data: any }

// Reads Server-Sent Events from a streamed response until `count` events (comments skipped) have arrived.
async function readEvents(response: Response, count: number, timeoutMs = 3000): Promise<Sse[]> {
  const reader = response.body?.getReader()
  if (!reader) throw new Error('no body')
  const decoder = new TextDecoder()
  const events: Sse[] = []
  let buffer = ''
  const deadline = Date.now() + timeoutMs
  while (events.length < count) {
    if (Date.now() > deadline) throw new Error(`only ${events.length} of ${count} events arrived`)
    const chunk = await Promise.race([reader.read(), Bun.sleep(deadline - Date.now()).then(() => null)])
    if (!chunk || chunk.done) continue
    buffer += decoder.decode(chunk.value, { stream: true })
    let end = buffer.indexOf('\n\n')
    while (end >= 0) {
      const block = buffer.slice(0, end)
      buffer = buffer.slice(end + 2)
      const fields = block.split('\n').filter((line) => !line.startsWith(':'))
      const data = fields.find((line) => line.startsWith('data: '))
      if (data) events.push({ id: fields.find((line) => line.startsWith('id: '))?.slice(4), data: JSON.parse(data.slice(6)) })
      end = buffer.indexOf('\n\n')
    }
  }
  reader.releaseLock()
  return events
}

// Everything a stream sends until it ends; throws if it is still open after the timeout.
async function readToEnd(response: Response, timeoutMs = 3000): Promise<string> {
  const reader = response.body?.getReader()
  if (!reader) throw new Error('no body')
  const decoder = new TextDecoder()
  let text = ''
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const chunk = await Promise.race([reader.read(), Bun.sleep(Math.max(0, deadline - Date.now())).then(() => null)])
    if (!chunk) throw new Error(`the stream is still open after ${timeoutMs} ms`)
    if (chunk.done) return text
    text += decoder.decode(chunk.value, { stream: true })
  }
}

for (const backend of BACKENDS) {
  describe(`the partner feed (${backend})`, () => {
    let ctx: Ctx
    beforeAll(async () => {
      ctx = await contextOn(backend)
    })
    afterAll(() => ctx.close())

    describe('GET /events', () => {
      it('should page through the org events with an after cursor, in the webhook envelope', async () => {
        const { partner, userId, addKey } = await given(ctx)
        for (let i = 0; i < 5; i++) await addKey()
        const first = await ctx.call('GET', '/events?limit=2', { apiKey: partner.apiKey })
        expect(first.status).toBe(200)
        expect(first.json.events.map((e: any) => e.detail.data.number)).toEqual([1, 2])
        const [event] = first.json.events
        const [stored] = await ctx.deps.log.readStreamRange(`user-${userId}`, 2, 2)
        expect(stored).toBeDefined()
        if (!stored) return
        expect(event).toMatchObject({
          id: messageId(stored),
          source: 'spk.api',
          'detail-type': 'PhysicalKeyAdded',
          detail: { partnerId: partner.orgId },
        })
        expect(first.json.next).toBe(stored.position + 1)
        const second = await ctx.call('GET', `/events?limit=2&after=${first.json.next}`, { apiKey: partner.apiKey })
        expect(second.json.events.map((e: any) => e.detail.data.number)).toEqual([3, 4])
        const third = await ctx.call('GET', `/events?after=${second.json.next}`, { apiKey: partner.apiKey })
        expect(third.json.events.map((e: any) => e.detail.data.number)).toEqual([5])
        const done = await ctx.call('GET', `/events?after=${third.json.next}`, { apiKey: partner.apiKey })
        expect(done.json).toEqual({ events: [], next: third.json.next })
      })

      it('should filter by types and show an org none of another org’s events', async () => {
        const { partner, userId, addKey } = await given(ctx)
        await addKey()
        await addKey()
        await ctx.call('POST', `/users/${userId}/RemovePhysicalKey`, { apiKey: partner.apiKey, body: { number: 1 } })
        const removed = await ctx.call('GET', '/events?types=PhysicalKeyRemoved', { apiKey: partner.apiKey })
        expect(removed.json.events.map((e: any) => e['detail-type'])).toEqual(['PhysicalKeyRemoved'])
        const both = await ctx.call('GET', '/events?types=PhysicalKeyRemoved,PhysicalKeyAdded', { apiKey: partner.apiKey })
        expect(both.json.events).toHaveLength(3)
        const stranger = await ctx.org()
        const theirs = await ctx.call('GET', '/events', { apiKey: stranger.apiKey })
        expect(theirs.json).toEqual({ events: [], next: 0 })
        // The org's own registration (org stream) is not a partner event either.
        const all = await ctx.call('GET', '/events', { apiKey: partner.apiKey })
        expect(all.json.events.every((e: any) => e.detail.aggregateType === 'user')).toBe(true)
      })

      it('should validate the query and require an organisation key', async () => {
        const { partner } = await given(ctx)
        const user = await ctx.user()
        for (const query of ['limit=0', 'limit=501', 'after=-1', 'types=%3Cscript%3E', 'unknown=1']) {
          expect((await ctx.call('GET', `/events?${query}`, { apiKey: partner.apiKey })).status).toBe(400)
        }
        expect((await ctx.call('GET', '/events')).status).toBe(401)
        expect((await ctx.call('GET', '/events', { token: user.token })).status).toBe(403)
        expect((await ctx.call('GET', '/events?limit=500', { apiKey: partner.apiKey })).status).toBe(200)
      })
    })

    describe('GET /events/stream', () => {
      it('should resume after Last-Event-ID, then deliver new events live', async () => {
        const { partner, addKey } = await given(ctx)
        for (let i = 0; i < 3; i++) await addKey()
        const page = await ctx.call('GET', '/events', { apiKey: partner.apiKey })
        const secondPosition = page.json.next - 1
        const abort = new AbortController()
        const response = await ctx.app.handle(
          new Request('http://localhost/events/stream', {
            headers: { 'x-api-key': partner.apiKey, 'last-event-id': String(secondPosition - 1) },
            signal: abort.signal,
          }),
        )
        expect(response.status).toBe(200)
        expect(response.headers.get('content-type')).toBe('text/event-stream')
        const resumed = await readEvents(response, 2)
        expect(resumed.map((e) => e.data.detail.data.number)).toEqual([2, 3])
        expect(resumed.map((e) => Number(e.id))).toEqual([secondPosition, page.json.next])
        expect(resumed[0]?.data).toEqual(page.json.events[1])
        await addKey()
        const live = await readEvents(response, 1)
        expect(live.map((e) => e.data.detail.data.number)).toEqual([4])
        abort.abort()
        await response.body?.cancel()
      })

      it('should start at the head without a cursor and keep other orgs out', async () => {
        const { partner, addKey } = await given(ctx)
        await addKey()
        const stranger = await ctx.org()
        const strangerUser = await ctx.user()
        const response = await ctx.app.handle(new Request('http://localhost/events/stream', { headers: { 'x-api-key': partner.apiKey } }))
        await ctx.call('POST', `/users/${strangerUser.userId}/AddPhysicalKey`, { apiKey: stranger.apiKey, body: { orgId: stranger.orgId } })
        await addKey()
        const events = await readEvents(response, 1)
        expect(events.map((e) => [e.data.detail.partnerId, e.data.detail.data.number])).toEqual([[partner.orgId, 2]])
        await response.body?.cancel()
        expect((await ctx.call('GET', '/events/stream')).status).toBe(401)
        expect((await ctx.call('GET', '/events/stream', { apiKey: partner.apiKey, headers: { 'last-event-id': 'abc' } })).status).toBe(400)
      })

      it('should end the stream once its key is rotated, delivering nothing after (issue 24 #2)', async () => {
        const { partner } = await given(ctx)
        const response = await ctx.app.handle(new Request('http://localhost/events/stream', { headers: { 'x-api-key': partner.apiKey } }))
        expect(response.status).toBe(200)
        const { apiKey: rotated } = await issueApiKey(ctx.deps, partner.orgId, { createdBy: 'test', rotate: true })
        const added = await ctx.call('POST', `/users/${(await ctx.user()).userId}/AddPhysicalKey`, {
          apiKey: rotated,
          body: { orgId: partner.orgId },
        })
        expect(added.status).toBe(200)
        const text = await readToEnd(response)
        expect(text).not.toContain('data:')
        expect((await ctx.call('GET', '/events/stream', { apiKey: partner.apiKey })).status).toBe(401)
      })

      it('should refuse an eleventh open stream of one organisation with 429 until one ends', async () => {
        const { partner } = await given(ctx)
        const open = () => ctx.app.handle(new Request('http://localhost/events/stream', { headers: { 'x-api-key': partner.apiKey } }))
        const streams = await Promise.all(Array.from({ length: 10 }, open))
        expect(streams.map((r) => r.status)).toEqual(Array(10).fill(200))
        expect((await open()).status).toBe(429)
        const other = await ctx.org()
        const theirs = await ctx.app.handle(new Request('http://localhost/events/stream', { headers: { 'x-api-key': other.apiKey } }))
        expect(theirs.status).toBe(200)
        await streams[0]?.body?.cancel()
        const again = await open()
        expect(again.status).toBe(200)
        for (const response of [...streams.slice(1), theirs, again]) await response.body?.cancel()
      })
    })
  })
}
