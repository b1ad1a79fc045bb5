// The administration console over HTTP (app.handle, cookie sessions): one site administrator and one plain user on a
// context of either database, and the page requests a browser would send (forms with or without their CSRF token).
import type { contextOn } from './context'

const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8'

export type ConsoleContext = Pick<Awaited<ReturnType<typeof contextOn>>, 'deps' | 'clock' | 'app' | 'user' | 'browser' | 'head'>

// New people on `ctx` each time, so tests may share a context.
export async function consoleWorld<C extends ConsoleContext>(ctx: C) {
  const admin = await ctx.user({ email: `admin-${crypto.randomUUID().slice(0, 8)}@example.test` })
  await ctx.deps.data.addSiteAdmin(admin.userId, ctx.clock.now())
  const plain = await ctx.user()

  async function send(
    method: string,
    path: string,
    userId: string | null,
    form?: Record<string, string>,
    options: { csrf?: boolean; htmx?: boolean } = {},
  ) {
    const browser = await ctx.browser(userId)
    const headers: Record<string, string> = { accept: BROWSER, cookie: browser.cookie }
    if (options.htmx) headers['hx-request'] = 'true'
    let body: string | undefined
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded'
      body = new URLSearchParams(options.csrf === false ? form : { _csrf: browser.csrf, ...form }).toString()
    }
    const res = await ctx.app.handle(new Request(`http://localhost${path}`, { method, headers, body }))
    return { status: res.status, headers: res.headers, text: await res.text() }
  }

  const page = (path: string, userId: string | null = admin.userId) => send('GET', path, userId)
  const post = (
    path: string,
    form: Record<string, string>,
    userId: string | null = admin.userId,
    options: { csrf?: boolean; htmx?: boolean } = {},
  ) => send('POST', path, userId, form, options)
  const head = () => ctx.head()

  return { ctx, admin, plain, page, post, head }
}

// Every POST of the console, refused the same way for the wrong people: a visitor is sent to sign in, a signed-in
// user who is no administrator gets 403, a form without its CSRF token 403; none of them changes anything.
export async function expectRefusedToOutsiders(w: Awaited<ReturnType<typeof consoleWorld>>, path: string, form: Record<string, string>) {
  const before = await w.head()
  const visitor = await w.post(path, form, null)
  const plain = await w.post(path, form, w.plain.userId)
  const forged = await w.post(path, form, w.admin.userId, { csrf: false })
  return { visitor, plain, forged, appended: (await w.head()) - before }
}
