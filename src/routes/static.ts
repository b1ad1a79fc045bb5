// Static assets under /public (and the icon browsers ask for at /favicon.ico), embedded as files so the compiled binary
// carries them.
import { Elysia } from 'elysia'
import htmxPath from 'htmx.org/dist/htmx.min.js' with { type: 'file' }
// The API reference UI (/swagger), served from here so a LAN install without internet still shows it. A path, as the
// package's exports map does not name its browser bundle.
import scalarPath from '../../node_modules/@scalar/api-reference/dist/browser/standalone.js' with { type: 'file' }
import cssPath from '../../public/app.css' with { type: 'file' }
import icoPath from '../../public/favicon.ico' with { type: 'file' }
import svgPath from '../../public/favicon.svg' with { type: 'file' }
import tempKeysJsPath from '../../public/temp-keys.js' with { type: 'file' }

const SCALAR_FILE = 'scalar-api-reference.js'
export const SCALAR_SCRIPT_PATH = `/public/${SCALAR_FILE}`

type Asset = { path: string; type: string }

const assets: Record<string, Asset> = {
  'htmx.min.js': { path: htmxPath, type: 'text/javascript; charset=utf-8' },
  'app.css': { path: cssPath, type: 'text/css; charset=utf-8' },
  'temp-keys.js': { path: tempKeysJsPath, type: 'text/javascript; charset=utf-8' },
  [SCALAR_FILE]: { path: scalarPath, type: 'text/javascript; charset=utf-8' },
  'favicon.svg': { path: svgPath, type: 'image/svg+xml' },
  // public/favicon.svg drawn at 32x32 by chromium, the PNG wrapped in a one-image ICO header.
  'favicon.ico': { path: icoPath, type: 'image/x-icon' },
}

function send(asset: Asset | undefined, set: { headers: Record<string, string | number> }) {
  if (!asset) return new Response('Not Found', { status: 404 })
  set.headers['content-type'] = asset.type
  set.headers['cache-control'] = 'public, max-age=3600'
  return Bun.file(asset.path)
}

export const staticRoutes = () =>
  new Elysia({ name: 'routes.static' })
    .get(
      // Own keys only: `constructor` or `__proto__` would find Object.prototype's members.
      '/public/:file',
      ({ params, set }) => send(Object.hasOwn(assets, params.file) ? assets[params.file] : undefined, set),
      { detail: { hide: true } },
    )
    .get('/favicon.ico', ({ set }) => send(assets['favicon.ico'], set), { detail: { hide: true } })
