// The OpenAPI document (GET /swagger/json) and its UI, built by Elysia from the TypeBox schemas beside each route.
import { swagger } from '@elysiajs/swagger'
import { SCALAR_SCRIPT_PATH } from './static'

export const openApiDocs = () =>
  swagger({
    path: '/swagger',
    // Not the plugin's default, the latest bundle from a public CDN: a pinned one from this server, and no web fonts.
    scalarCDN: SCALAR_SCRIPT_PATH,
    scalarConfig: { withDefaultFonts: false },
    documentation: {
      info: {
        title: 'spkey',
        version: '0.1.0',
        description: 'Self-hosted SmartphoneKey-compatible access server',
      },
      components: {
        securitySchemes: {
          BearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          ApiKeyAuth: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
          AdminApiKey: { type: 'apiKey', in: 'header', name: 'X-Admin-API-Key' },
        },
      },
    },
    exclude: ['/public/:file'],
  })
