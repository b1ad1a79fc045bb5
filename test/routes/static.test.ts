// Static assets: the icon at /favicon.ico (where browsers ask for it on their own) and under /public, linked from every
// page; an unknown name is a 404.
import { describe, expect, it } from 'bun:test'
import { testContext } from '../support/context'

const get = async (ctx: ReturnType<typeof testContext>, path: string) => {
  const res = await ctx.app.handle(new Request(`http://localhost${path}`))
  return { status: res.status, type: res.headers.get('content-type'), bytes: new Uint8Array(await res.arrayBuffer()) }
}

describe('the favicon', () => {
  it('should answer /favicon.ico with an ICO file', async () => {
    const ctx = testContext()
    const ico = await get(ctx, '/favicon.ico')
    expect(ico.status).toBe(200)
    expect(ico.type).toBe('image/x-icon')
    // ICO header: reserved 0, type 1 (icon), one image.
    expect([...ico.bytes.slice(0, 6)]).toEqual([0, 0, 1, 0, 1, 0])
  })

  it('should serve the SVG icon under /public and link both from the layout', async () => {
    const ctx = testContext()
    const svg = await get(ctx, '/public/favicon.svg')
    expect(svg.status).toBe(200)
    expect(svg.type).toBe('image/svg+xml')
    expect(new TextDecoder().decode(svg.bytes)).toStartWith('<svg')
    const page = await (await ctx.app.handle(new Request('http://localhost/'))).text()
    expect(page).toContain('<link rel="icon" href="/public/favicon.svg" type="image/svg+xml"')
    expect(page).toContain('<link rel="icon" href="/favicon.ico"')
  })

  it('should answer 404 for a file it does not have', async () => {
    const ctx = testContext()
    expect((await get(ctx, '/public/favicon.png')).status).toBe(404)
    expect((await get(ctx, '/public/constructor')).status).toBe(404)
  })
})
