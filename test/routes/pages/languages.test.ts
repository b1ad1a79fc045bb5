// The guest's pages and sign-in in the reader's language: Accept-Language picks it, ?lang= switches it (kept in a
// cookie, which then wins), <html lang> and Content-Language say it, and the cached guest page is kept per language; on
// both databases.
import { afterAll, beforeAll, describe, expect, it } from 'bun:test'
import { CATALOGUES, LANGUAGES } from '../../../views/i18n'
import { BACKENDS, contextOn } from '../../support/context'
import { fakeDriver } from '../../support/fake-driver'
import { createTestLock, createTestTempKey } from '../../support/locks'

const HOUR = 3_600_000
const REGION = { en: 'en-GB', el: 'el-GR', de: 'de-DE', fr: 'fr-FR', es: 'es-ES', it: 'it-IT' } as const

type Ctx = Awaited<ReturnType<typeof contextOn>>

// A lock with a temp key of three uses, new on the context.
async function setup(ctx: Ctx) {
  const lock = await createTestLock(ctx, { vendorName: 'Acme' })
  const uuid = await createTestTempKey(ctx, lock, { maxUses: 3 })
  async function get(path: string, acceptLanguage: string | null, cookie?: string) {
    const headers: Record<string, string> = { accept: 'text/html' }
    if (acceptLanguage !== null) headers['accept-language'] = acceptLanguage
    if (cookie) headers.cookie = cookie
    return ctx.call('GET', path, { headers })
  }
  async function post(path: string, acceptLanguage: string, form: Record<string, string>) {
    const browser = await ctx.browser(null)
    const headers = {
      accept: 'text/html',
      'accept-language': acceptLanguage,
      cookie: browser.cookie,
      'content-type': 'application/x-www-form-urlencoded',
    }
    return ctx.call('POST', path, { headers, rawBody: new URLSearchParams({ _csrf: browser.csrf, ...form }).toString() })
  }
  return { ctx, lock, uuid, get, post }
}

const escaped = (text: string) => Bun.escapeHTML(text)

for (const backend of BACKENDS) {
  describe(`the guest's language (${backend})`, () => {
    let ctx: Ctx
    beforeAll(async () => {
      ctx = await contextOn(backend, {}, undefined, { drivers: fakeDriver().registry })
    })
    afterAll(() => ctx.close())

    describe('each language on the guest page, its confirmation, its error page and sign-in', () => {
      for (const lang of LANGUAGES) {
        const t = CATALOGUES[lang]
        it(`should speak ${lang} to a ${REGION[lang]} browser`, async () => {
          const { uuid, lock, get, post } = await setup(ctx)
          const accept = `${REGION[lang]},${lang};q=0.9`

          const page = await get(`/temp-keys/${uuid}`, accept)
          expect(page.status).toBe(200)
          expect(page.text).toContain(`<html lang="${lang}">`)
          expect(page.headers.get('content-language')).toBe(lang)
          for (const text of [t.guest.eyebrow, t.guest.open, t.guest.validFrom, t.guest.usesOf(3, 3), t.status.valid, t.nav.signIn]) {
            expect(page.text).toContain(escaped(text))
          }
          expect(page.text).toContain(escaped(`${t.guest.lockNumber(lock.lockId)} · Acme`))

          const confirmation = await get(`/temp-keys/${uuid}/confirmation?offline=true`, accept)
          expect(confirmation.text).toContain(`<html lang="${lang}">`)
          expect(confirmation.text).toContain(escaped(t.confirmation.heading))
          expect(confirmation.text).toContain(escaped(t.confirmation.queued))

          const missing = await get(`/temp-keys/${crypto.randomUUID()}`, accept)
          expect(missing.status).toBe(404)
          expect(missing.text).toContain(`<html lang="${lang}">`)
          expect(missing.text).toContain(escaped(t.notFound.text))

          const login = await get('/login', accept)
          expect(login.text).toContain(`<html lang="${lang}">`)
          expect(login.text).toContain(escaped(t.login.password))
          expect(login.text).toContain(escaped(t.login.noPassword))
          // An address per language: failed sign-ins are counted per address, and the server is shared.
          const wrong = await post('/login', accept, { email: `nobody-${lang}@example.test`, password: 'not it' })
          expect(wrong.status).toBe(401)
          expect(wrong.text).toContain(escaped(t.login.wrong))
        })
      }

      it('should say why an open was refused in the guest’s language, with the same status', async () => {
        const { lock, post } = await setup(ctx)
        const now = ctx.clock.now()
        const expired = await createTestTempKey(ctx, lock, {
          validFrom: new Date(now - 2 * HOUR).toISOString(),
          validUntil: new Date(now - HOUR).toISOString(),
        })
        const res = await post(`/temp-keys/${expired}/open`, 'el-GR', { _once: 'g1' })
        expect(res.status).toBe(400)
        expect(res.text).toContain('<html lang="el">')
        expect(res.text).toContain('<p>Αυτό το κλειδί έληξε.</p>')
        expect(res.text).toContain('<h2>Αυτό το κλειδί έληξε</h2>')
      })
    })

    describe('the language switch', () => {
      it('should offer every language as a plain link, the current one marked', async () => {
        const { uuid, get } = await setup(ctx)
        const page = await get(`/temp-keys/${uuid}`, 'de')
        for (const lang of LANGUAGES)
          expect(page.text).toContain(`href="/temp-keys/${uuid}?lang=${lang}" hreflang="${lang}" lang="${lang}"`)
        expect(page.text).toContain('lang="de" aria-current="true">Deutsch</a>')
        expect(page.text).toContain('<nav class="languages" aria-label="Sprache">')
      })

      it('should switch with ?lang=, keep the choice in a cookie that then beats Accept-Language, and ignore an unknown one', async () => {
        const { uuid, get } = await setup(ctx)
        const chosen = await get(`/temp-keys/${uuid}?lang=it`, 'el-GR')
        expect(chosen.text).toContain('<html lang="it">')
        const cookies = chosen.headers.getSetCookie()
        expect(cookies.some((c) => c.startsWith('spkey_lang=it;') && c.includes('Max-Age=31536000') && c.includes('HttpOnly'))).toBe(true)
        expect(cookies.some((c) => c.startsWith('spkey_csrf='))).toBe(true)
        const kept = await get(`/temp-keys/${uuid}`, 'el-GR', 'spkey_lang=it')
        expect(kept.text).toContain('<html lang="it">')
        expect(kept.headers.getSetCookie().some((c) => c.startsWith('spkey_lang='))).toBe(false)
        const login = await get('/login', 'el-GR', 'spkey_lang=it')
        expect(login.text).toContain('<html lang="it">')
        const unknown = await get(`/temp-keys/${uuid}?lang=xx`, 'el-GR', 'spkey_lang=zz')
        expect(unknown.text).toContain('<html lang="el">')
        expect(unknown.headers.getSetCookie().some((c) => c.startsWith('spkey_lang='))).toBe(false)
      })
    })

    describe('the cached guest page', () => {
      it('should keep one page per language: a Greek guest and an English guest on one key each get their own', async () => {
        const { uuid, get } = await setup(ctx)
        const greek = await get(`/temp-keys/${uuid}`, 'el-GR,el;q=0.9')
        const english = await get(`/temp-keys/${uuid}`, 'en-US')
        const greekAgain = await get(`/temp-keys/${uuid}`, 'el')
        expect(greek.text).toContain('Άνοιγμα πόρτας')
        expect(english.text).toContain('Open the door')
        expect(english.text).not.toContain('Άνοιγμα πόρτας')
        expect(greekAgain.text).toContain('Άνοιγμα πόρτας')
        const now = ctx.clock.now()
        const kept = (lang: string) => ctx.deps.reads.guestPage(uuid, null, lang, now)?.join('') ?? ''
        expect(kept('el')).toContain('<html lang="el">')
        expect(kept('en')).toContain('<html lang="en">')
        expect(kept('de')).toBe('')
      })
    })
  })
}
