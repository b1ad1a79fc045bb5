// Static assets under /public, embedded as files so the compiled binary carries them.
import { Elysia } from 'elysia'
import htmxPath from 'htmx.org/dist/htmx.min.js' with { type: 'file' }
// The API reference UI (/swagger), served from here so a LAN install without internet still shows it. A path, as the
// package's exports map does not name its browser bundle.
import scalarPath from '../../node_modules/@scalar/api-reference/dist/browser/standalone.js' with { type: 'file' }
import cssPath from '../../public/app.css' with { type: 'file' }
import tempKeysJsPath from '../../public/temp-keys.js' with { type: 'file' }

const SCALAR_FILE = 'scalar-api-reference.js'
export const SCALAR_SCRIPT_PATH = `/public/${SCALAR_FILE}`

const assets: Record<string, { path: string; type: string }> = {
  'htmx.min.js': { path: htmxPath, type: 'text/javascript; charset=utf-8' },
  'app.css': { path: cssPath, type: 'text/css; charset=utf-8' },
  'temp-keys.js': { path: tempKeysJsPath, type: 'text/javascript; charset=utf-8' },
  [SCALAR_FILE]: { path: scalarPath, type: 'text/javascript; charset=utf-8' },
}

export const staticRoutes = () =>
  new Elysia({ name: 'routes.static' }).get(
    '/public/:file',
    ({ params, set }) => {
      // Own keys only: `constructor` or `__proto__` would find Object.prototype's members.
      const asset = Object.hasOwn(assets, params.file) ? assets[params.file] : undefined
      if (!asset) return new Response('Not Found', { status: 404 })
      set.headers['content-type'] = asset.type
      set.headers['cache-control'] = 'public, max-age=3600'
      return Bun.file(asset.path)
    },
    { detail: { hide: true } },
  )
