// The guest side of a collective key over HTTP: its page at both addresses (a single key's page unchanged), a door's
// open (303 to the confirmation), refusals (window, code-only door, revoked, unknown door) and a revocation racing opens;
// on both databases.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'bun:test'
import type { DriverRegistry, LockDriver } from '../../../src/locks/drivers/port'
import { BACKENDS, type Backend, contextOn } from '../../support/context'
import { fakeDriver } from '../../support/fake-driver'
import { createTestLock, createTestTempKey } from '../../support/locks'

const HOUR = 3_600_000
const HTML = { accept: 'text/html' }

type Ctx = Awaited<ReturnType<typeof contextOn>>

// A server for the tests that drive its doors with `drivers`; its guests' opens all come from one address, which is
// not what these tests limit.
const server = (backend: Backend, drivers: DriverRegistry) => contextOn(backend, { OPEN_RATE_LIMIT_PER_IP: '0' }, undefined, { drivers })

// An owner with two locks, new on the server.
async function setup(ctx: Ctx) {
  const owner = await ctx.user()
  const entrance = await createTestLock(ctx, { ownerId: owner.userId, vendorName: 'Front door' })
  const flat = await createTestLock(ctx, { ownerId: owner.userId })
  const iso = (offsetMs: number) => new Date(ctx.clock.now() + offsetMs).toISOString()
  const key = async (options: { from?: number; hours?: number } = {}) => {
    const from = options.from ?? -HOUR
    const res = await ctx.call('POST', '/temp-keys', {
      token: owner.token,
      body: {
        validFrom: iso(from),
        validUntil: iso(from + (options.hours ?? 24) * HOUR),
        description: 'Harbour Flats <3>',
        doors: [
          { lockId: String(entrance.lockId), label: 'Street entrance', accessMethod: 'code' },
          { lockId: String(flat.lockId), label: 'Flat 3', accessMethod: 'both' },
        ],
      },
    })
    expect(res.status).toBe(201)
    return res.json as { uuid: string; pin: string }
  }
  const open = (
    uuid: string,
    doorId: number,
    options: { headers?: Record<string, string>; base?: string; form?: Record<string, string> } = {},
  ) =>
    ctx.app.handle(
      new Request(`http://localhost${options.base ?? '/temp-keys'}/${uuid}/doors/${doorId}/open`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...options.headers },
        body: new URLSearchParams(options.form ?? {}).toString(),
      }),
    )
  return { ctx, owner, entrance, flat, key, open }
}

for (const backend of BACKENDS) {
  describe(`collective key pages (${backend})`, () => {
    const driver = fakeDriver()
    // The servers of the tests that need a driver of their own, closed with the shared one.
    const contexts: Ctx[] = []
    let shared: Ctx
    beforeAll(async () => {
      shared = await server(backend, driver.registry)
      contexts.push(shared)
    })
    afterAll(async () => {
      for (const ctx of contexts) await ctx.close()
    })
    beforeEach(() => {
      driver.state.mode = 'ok'
      driver.state.calls.length = 0
    })

    describe('the collective key guest page', () => {
      it('should show every door with its label and method, Open only for slide doors, and the PIN, at both addresses', async () => {
        const { ctx, key } = await setup(shared)
        const { uuid, pin } = await key()
        for (const base of ['/temp-keys', '/collective-temp-keys']) {
          const page = await ctx.call('GET', `${base}/${uuid}`, { headers: HTML })
          expect(page.status).toBe(200)
          expect(page.text).toContain('Street entrance')
          expect(page.text).toContain('Type the PIN at its panel')
          expect(page.text).toContain('Flat 3')
          expect(page.text).toContain('Open it here or type the PIN at its panel')
          expect(page.text).toContain('Harbour Flats &lt;3&gt;')
          expect(page.text).toContain(pin)
          expect(page.text).not.toContain(`${base}/${uuid}/doors/1/open`)
          expect(page.text).toContain(`action="${base}/${uuid}/doors/2/open"`)
        }
      })

      it('should keep a single key’s page at /temp-keys/{uuid}, and answer 404 for an unknown key', async () => {
        const { ctx, entrance } = await setup(shared)
        const single = await createTestTempKey(ctx, entrance)
        const page = await ctx.call('GET', `/temp-keys/${single}`, { headers: HTML })
        expect(page.status).toBe(200)
        expect(page.text).toContain(`action="/temp-keys/${single}/open"`)
        expect((await ctx.call('GET', `/temp-keys/${crypto.randomUUID()}`, { headers: HTML })).status).toBe(404)
        expect((await ctx.call('GET', `/collective-temp-keys/${single}`, { headers: HTML })).status).toBe(404)
      })

      it('should hide the PIN and the Open buttons once the key is revoked', async () => {
        const { ctx, owner, key } = await setup(shared)
        const { uuid, pin } = await key()
        await ctx.call('DELETE', `/temp-keys/${uuid}`, { token: owner.token })
        const page = await ctx.call('GET', `/collective-temp-keys/${uuid}`, { headers: HTML })
        expect(page.text).toContain('This key was withdrawn')
        expect(page.text).not.toContain(pin)
        expect(page.text).not.toContain('/doors/2/open')
      })
    })

    describe('POST /temp-keys/{uuid}/doors/{doorId}/open', () => {
      it('should open the door’s lock, record the use with the door on that lock, and 303 to the confirmation', async () => {
        const { ctx, flat, entrance, key, open } = await setup(shared)
        const { uuid } = await key()
        const res = await open(uuid, 2, { base: '/collective-temp-keys' })
        expect(res.status).toBe(303)
        expect(res.headers.get('location')).toBe(`/collective-temp-keys/${uuid}/confirmation?door=2&offline=false`)
        expect(driver.state.calls.map((call) => call.lock.lockId)).toEqual([flat.lockId])
        expect((await ctx.streamEvents(flat.streamId)).at(-1)).toMatchObject({
          type: 'TempKeyUsed',
          data: { tempKeyUuid: uuid, doorId: 2, openedWith: 'page' },
        })
        expect((await ctx.streamEvents(entrance.streamId)).some((e) => e.type === 'TempKeyUsed')).toBe(false)
        const confirmation = await ctx.call('GET', res.headers.get('location') ?? '', { headers: HTML })
        expect(confirmation.status).toBe(200)
        expect(confirmation.text).toContain('Flat 3')
        expect(confirmation.text).toContain(`href="/collective-temp-keys/${uuid}"`)
      })

      it('should say offline on the confirmation when the lock queued the open', async () => {
        const { ctx, key, open } = await setup(shared)
        const { uuid } = await key()
        driver.state.mode = 'offline'
        const res = await open(uuid, 2)
        expect(res.headers.get('location')).toBe(`/temp-keys/${uuid}/confirmation?door=2&offline=true`)
        expect((await ctx.call('GET', res.headers.get('location') ?? '', { headers: HTML })).text).toContain('The lock was offline')
      })

      it('should open once for a double submit of the same form', async () => {
        const { key, open } = await setup(shared)
        const { uuid } = await key()
        const [a, b] = await Promise.all([open(uuid, 2, { form: { _once: 'form-1' } }), open(uuid, 2, { form: { _once: 'form-1' } })])
        expect([a.status, b.status]).toEqual([303, 303])
        expect(driver.state.calls).toHaveLength(1)
      })

      it('should answer 400 for a code-only door and outside the window, auditing the refusal, and 404 for an unknown door or key', async () => {
        const { ctx, entrance, flat, key, open } = await setup(shared)
        const { uuid } = await key()
        const codeOnly = await open(uuid, 1, { headers: { accept: 'application/json' } })
        expect(codeOnly.status).toBe(400)
        expect((await codeOnly.json()).message).toContain('only with the PIN')
        expect((await ctx.streamEvents(entrance.streamId)).at(-1)).toMatchObject({
          type: 'TempKeyOpenRefused',
          data: { reason: 'code-only', doorId: 1 },
        })
        const early = await key({ from: HOUR })
        expect((await open(early.uuid, 2)).status).toBe(400)
        const expired = await key({ from: -48 * HOUR })
        const page = await open(expired.uuid, 2, { headers: HTML })
        expect(page.status).toBe(400)
        expect(await page.text()).toContain('This key has expired.')
        expect((await ctx.streamEvents(flat.streamId)).at(-1)).toMatchObject({
          type: 'TempKeyOpenRefused',
          data: { reason: 'expired', doorId: 2 },
        })
        expect((await open(uuid, 3)).status).toBe(404)
        expect((await open(crypto.randomUUID(), 1)).status).toBe(404)
        expect(driver.state.calls).toEqual([])
      })

      it('should open nothing once revoked, also for an open that was waiting while the revocation ran', async () => {
        // A driver that holds the first open until the test lets it go.
        let release: () => void = () => {}
        const held = new Promise<void>((resolve) => (release = resolve))
        const opened: number[] = []
        let entered = false
        const holding: LockDriver = {
          name: 'simulated',
          open: async (lock) => {
            entered = true
            if (opened.length === 0) await held
            opened.push(lock.lockId)
            return { status: 'ok' }
          },
          addKey: async () => ({ status: 'ok' }),
          removeKey: async () => ({ status: 'ok' }),
          writeKey: async () => ({ status: 'ok' }),
        }
        // A server of its own, for its driver.
        const own = await server(backend, { forLock: () => holding })
        contexts.push(own)
        const { ctx, owner, flat, key, open } = await setup(own)
        const { uuid } = await key()
        const first = open(uuid, 2)
        while (!entered) await Bun.sleep(1)
        const revoke = ctx.call('DELETE', `/temp-keys/${uuid}`, { token: owner.token })
        // The revocation looks the key up and checks the caller before it queues behind the open (round trips on
        // PostgreSQL): an open sent before it has queued may rightly go first, so the second comes well after.
        await Bun.sleep(150)
        const second = open(uuid, 2, { headers: { accept: 'application/json' } })
        await Bun.sleep(20)
        release()
        const [a, r, b] = await Promise.all([first, revoke, second])
        // The open in flight when the revocation came finished first; the one after it was refused without a driver call.
        expect([a.status, r.status, b.status]).toEqual([303, 200, 400])
        expect(opened).toEqual([flat.lockId])
        const types = (await ctx.streamEvents(flat.streamId)).map((e) => e.type)
        expect(types.slice(-5)).toEqual([
          'LockOpenRequested',
          'TempKeyUsed',
          'CollectiveTempKeyRevoked',
          'TempKeyPinReleased',
          'TempKeyOpenRefused',
        ])
        expect((await open(uuid, 2)).status).toBe(400)
      })
    })

    describe('the collective key guest pages in the guest’s language', () => {
      it('should speak Greek to a Greek phone at both addresses, its lock lines and state too, and keep a ?lang= choice', async () => {
        const { ctx, key, entrance, flat } = await setup(shared)
        const { uuid, pin } = await key({ from: HOUR })
        const greek = { ...HTML, 'accept-language': 'el-GR,el;q=0.9,en;q=0.5' }
        for (const base of ['/temp-keys', '/collective-temp-keys']) {
          const page = await ctx.call('GET', `${base}/${uuid}`, { headers: greek })
          expect(page.status).toBe(200)
          expect(page.headers.get('content-language')).toBe('el')
          expect(page.text).toContain('<html lang="el">')
          for (const text of [
            'Κοινόχρηστο κλειδί',
            'PIN για το πάνελ εισόδου',
            'Πληκτρολογήστε το PIN στο πάνελ της',
            'Δεν ισχύει ακόμη',
          ]) {
            expect(page.text).toContain(text)
          }
          expect(page.text).toContain(`Κλειδαριά ${entrance.lockId} · Front door`)
          expect(page.text).toContain(`Κλειδαριά ${flat.lockId}`)
          expect(page.text).toContain(pin)
          expect(page.text).not.toContain('Shared key')
          // The language switch links to this page at this address.
          expect(page.text).toContain(`href="${base}/${uuid}?lang=en"`)
        }
        const chosen = await ctx.call('GET', `/collective-temp-keys/${uuid}?lang=de`, { headers: greek })
        expect(chosen.headers.get('content-language')).toBe('de')
        expect(chosen.headers.get('set-cookie')).toContain('spkey_lang=de')
        expect(chosen.text).toContain('Geteilter Schlüssel')
      })

      it('should word a refused open and the confirmation in Greek', async () => {
        const { ctx, key, open } = await setup(shared)
        const { uuid } = await key()
        const greek = { ...HTML, 'accept-language': 'el' }
        const refused = await open(uuid, 1, { headers: greek })
        expect(refused.status).toBe(400)
        expect(refused.headers.get('content-language')).toBe('el')
        const text = await refused.text()
        expect(text).toContain('Αυτή η πόρτα')
        expect(text).not.toContain('opens only with the PIN')
        const opened = await open(uuid, 2, { headers: greek })
        expect(opened.status).toBe(303)
        const confirmation = await ctx.call('GET', opened.headers.get('location') ?? '', { headers: greek })
        expect(confirmation.status).toBe(200)
        expect(confirmation.headers.get('content-language')).toBe('el')
        expect(confirmation.text).toContain('Η κλειδαριά έλαβε την εντολή.')
        expect(confirmation.text).toContain('Πόρτα')
        expect(confirmation.text).toContain('Πίσω στο κλειδί')
      })
    })
  })
}
