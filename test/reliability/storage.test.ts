import { describe, expect, it } from 'bun:test'
import { testContext } from '../support/context'

describe('when storage refuses writes', () => {
  it('should answer 503 in the envelope while the database is read-only, then recover losing nothing acknowledged', async () => {
    const ctx = testContext()
    const { orgId, apiKey } = await ctx.org()
    const { userId } = await ctx.user()
    const add = () => ctx.call('POST', `/users/${userId}/AddPhysicalKey`, { apiKey, body: { orgId } })
    expect((await add()).status).toBe(200)

    ctx.deps.db.$client.exec('PRAGMA query_only = ON')
    const refused = await add()
    expect(refused.status).toBe(503)
    expect(refused.json).toMatchObject({ success: false, error: 'Service Unavailable', code: 503 })
    expect(refused.json.requestId).toBeString()
    expect(refused.headers.get('retry-after')).toBe('5')

    ctx.deps.db.$client.exec('PRAGMA query_only = OFF')
    const recovered = await add()
    expect(recovered.status).toBe(200)
    expect(recovered.json.number).toBe(2)
    expect(ctx.eventsOf(`user-${userId}`).map((e) => e.type)).toEqual(['UserCreated', 'PhysicalKeyAdded', 'PhysicalKeyAdded'])
  })

  it('should answer 503 when the disk is full and record nothing, then go on when space returns', async () => {
    const ctx = testContext()
    const { orgId, apiKey } = await ctx.org()
    const { userId } = await ctx.user()
    const client = ctx.deps.db.$client
    const pages = client.query<{ page_count: number }, []>('PRAGMA page_count').get()?.page_count ?? 0
    client.exec(`PRAGMA max_page_count = ${pages}`)
    const note = 'x'.repeat(500)
    let full: Awaited<ReturnType<typeof ctx.call>> | undefined
    for (let i = 0; i < 200 && !full; i++) {
      const response = await ctx.call('POST', `/users/${userId}/AddPhysicalKey`, { apiKey, body: { orgId, note } })
      if (response.status !== 200) full = response
    }
    expect(full?.status).toBe(503)
    const acknowledged = ctx.eventsOf(`user-${userId}`).length
    client.exec('PRAGMA max_page_count = 1073741823')
    const after = await ctx.call('POST', `/users/${userId}/AddPhysicalKey`, { apiKey, body: { orgId } })
    expect(after.status).toBe(200)
    expect(ctx.eventsOf(`user-${userId}`).length).toBe(acknowledged + 1)
  })
})

describe('when a body is too large', () => {
  it('should answer 413 in the envelope and record nothing', async () => {
    const ctx = testContext({ MAX_BODY_BYTES: '1024' })
    const { orgId, apiKey } = await ctx.org()
    const { userId } = await ctx.user()
    const body = JSON.stringify({ orgId, note: 'x'.repeat(2000) })
    const response = await ctx.call('POST', `/users/${userId}/AddPhysicalKey`, {
      apiKey,
      rawBody: body,
      headers: { 'content-length': String(body.length) },
    })
    expect(response.status).toBe(413)
    expect(response.json).toMatchObject({ success: false, error: 'Payload Too Large', code: 413 })
    expect(ctx.eventsOf(`user-${userId}`).length).toBe(1)
  })
})
