// /shared-keys over HTTP: the owner creates a collective key over their locks (the PIN shown in that answer only),
// sees it listed, and revokes it; signed out is a redirect to sign in; a form without a lock or dates changes nothing;
// on both databases.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { BACKENDS, contextOn } from '../../support/context'
import { fakeDriver } from '../../support/fake-driver'
import { createTestLock } from '../../support/locks'

type Ctx = Awaited<ReturnType<typeof contextOn>>

// An owner with two locks, signed in, and someone else's lock, new on the context.
async function setup(ctx: Ctx) {
  const owner = await ctx.user()
  const entrance = await createTestLock(ctx, { ownerId: owner.userId, vendorName: 'Entrance' })
  const flat = await createTestLock(ctx, { ownerId: owner.userId })
  const someoneElses = await createTestLock(ctx, { ownerId: (await ctx.user()).userId })
  const browser = await ctx.browser(owner.userId)
  const post = (path: string, form: Record<string, string | string[]>) => {
    const params = new URLSearchParams({ _csrf: browser.csrf })
    for (const [name, value] of Object.entries(form)) for (const one of [value].flat()) params.append(name, one)
    return ctx.app.handle(
      new Request(`http://localhost${path}`, {
        method: 'POST',
        headers: { cookie: browser.cookie, 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
        body: params.toString(),
      }),
    )
  }
  const page = (path = '/shared-keys') => ctx.call('GET', path, { headers: { cookie: browser.cookie, accept: 'text/html' } })
  const form = {
    validFrom: '2026-06-01T09:00',
    validUntil: '2026-06-03T09:00',
    description: 'Weekend guests',
    lockId: [String(entrance.lockId), String(flat.lockId)],
    [`label-${entrance.lockId}`]: 'Street door',
    [`method-${entrance.lockId}`]: 'code',
    [`label-${flat.lockId}`]: 'Flat 3',
    [`method-${flat.lockId}`]: 'both',
  }
  return { owner, entrance, flat, someoneElses, post, page, form }
}

for (const backend of BACKENDS) {
  describe(`/shared-keys (${backend})`, () => {
    let ctx: Ctx
    beforeAll(async () => {
      ctx = await contextOn(backend, {}, undefined, { drivers: fakeDriver().registry })
    })
    afterAll(() => ctx.close())

    it('should send a signed-out visitor to sign in', async () => {
      const res = await ctx.call('GET', '/shared-keys', { headers: { accept: 'text/html' } })
      expect(res.status).toBe(303)
      expect(res.headers.get('location')).toBe('/login?next=/shared-keys')
    })

    it('should offer only the owner’s locks, create a key over the ticked ones and show its PIN this once', async () => {
      const { owner, entrance, flat, someoneElses, post, page, form } = await setup(ctx)
      const before = await page()
      expect(before.text).toContain(`value="${entrance.lockId}"`)
      expect(before.text).not.toContain(`value="${someoneElses.lockId}"`)
      const res = await post('/shared-keys', form)
      expect(res.status).toBe(201)
      const text = await res.text()
      const pin = /class="pin">(\d{6})</.exec(text)?.[1]
      expect(pin).toMatch(/^\d{6}$/)
      const listed = await ctx.call('GET', '/temp-keys', { token: owner.token })
      expect(listed.json.tempKeys).toHaveLength(1)
      const key = listed.json.tempKeys[0]
      expect(key).toMatchObject({
        description: 'Weekend guests',
        validFrom: '2026-06-01T09:00:00.000Z',
        validUntil: '2026-06-03T09:00:00.000Z',
      })
      expect(key.doors.map((d: { lockId: string; label: string; accessMethod: string }) => [d.lockId, d.label, d.accessMethod])).toEqual([
        [String(entrance.lockId), 'Street door', 'code'],
        [String(flat.lockId), 'Flat 3', 'both'],
      ])
      expect(text).toContain(`/temp-keys/${key.uuid}`)
      // The list shows the key, never its PIN.
      const after = await page()
      expect(after.text).toContain('Weekend guests')
      expect(after.text).toContain('Street door (PIN)')
      expect(after.text).not.toContain(`>${pin}<`)
    })

    it('should refuse a form without a lock or with a window that ends first, creating nothing', async () => {
      const { post, form } = await setup(ctx)
      const head = await ctx.head()
      const none = await post('/shared-keys', { ...form, lockId: [] })
      expect(none.status).toBe(400)
      expect(await none.text()).toContain('Tick at least one lock.')
      const backwards = await post('/shared-keys', { ...form, validUntil: '2026-05-01T09:00' })
      expect(backwards.status).toBe(400)
      expect(await backwards.text()).toContain('validUntil')
      expect(await ctx.head()).toBe(head)
    })

    it('should revoke a key from its Revoke button', async () => {
      const { owner, post, page, form } = await setup(ctx)
      await post('/shared-keys', form)
      const uuid = (await ctx.call('GET', '/temp-keys', { token: owner.token })).json.tempKeys[0].uuid
      const res = await post(`/shared-keys/${uuid}/revoke`, {})
      expect(res.status).toBe(303)
      expect(res.headers.get('location')).toBe('/shared-keys?done=revoked')
      expect((await ctx.call('GET', '/temp-keys', { token: owner.token })).json.tempKeys[0].revokedAt).toEqual(expect.any(String))
      const after = await page('/shared-keys?done=revoked')
      expect(after.text).toContain('Key revoked')
      expect(after.text).not.toContain(`/shared-keys/${uuid}/revoke`)
    })
  })
}
