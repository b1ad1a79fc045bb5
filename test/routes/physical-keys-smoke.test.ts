import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { BACKENDS, contextOn } from '../support/context'

for (const backend of BACKENDS) {
  describe(`physical keys (seed 000/001) (${backend})`, () => {
    let ctx: Awaited<ReturnType<typeof contextOn>>
    beforeAll(async () => {
      ctx = await contextOn(backend)
    })
    afterAll(() => ctx.close())

    it('should add with consecutive numbers and remove without reusing them', async () => {
      const { orgId, apiKey } = await ctx.org()
      const { userId } = await ctx.user()
      const add = await ctx.call('POST', `/users/${userId}/AddPhysicalKey`, {
        apiKey,
        body: { orgId, orgName: 'Acme', note: 'front door' },
      })
      expect(add.status).toBe(200)
      expect(add.json).toMatchObject({
        success: true,
        aggregateId: userId,
        version: 2,
        number: 1,
        orgId,
        orgName: 'Acme',
        note: 'front door',
        event: { type: 'PhysicalKeyAdded' },
      })
      const rem = await ctx.call('POST', `/users/${userId}/RemovePhysicalKey`, { apiKey, body: { number: 1, _callerOrgId: orgId } })
      expect(rem.status).toBe(400)
      expect(rem.json.details).toEqual([{ field: '_callerOrgId', message: 'Server-set field: clients must not send it' }])
      const ok = await ctx.call('POST', `/users/${userId}/RemovePhysicalKey`, { apiKey, body: { number: 1 } })
      expect(ok.json).toMatchObject({ success: true, number: 1, event: { type: 'PhysicalKeyRemoved' } })
      const again = await ctx.call('POST', `/users/${userId}/AddPhysicalKey`, { apiKey, body: { orgId } })
      expect(again.json.number).toBe(2)
      const list = await ctx.call('GET', `/users/${userId}/PhysicalKeys`, { apiKey })
      expect(list.json).toEqual({ keys: [{ number: 2, orgId, addedAt: expect.any(Number) }], total: 1, nextCursor: null })
    })
  })
}
