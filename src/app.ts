// createApp(deps): the Elysia app assembled from one plugin per concern; tests call app.handle(Request).
import { Elysia } from 'elysia'
import type { Deps } from './deps'
import { adminRoutes } from './routes/admin'
import { eventsFeedRoutes } from './routes/events-feed'
import { healthRoutes } from './routes/health'
import { type AppRoutes, httpBasics } from './routes/http'
import { hotReads } from './routes/hot-reads'
import { adminOrgPages } from './routes/pages/admin-orgs'
import { adminUserPages } from './routes/pages/admin-users'
import { adminLockPages } from './routes/pages/admin-locks'
import { adminWebhookPages } from './routes/pages/admin-webhooks'
import { homePages } from './routes/pages/home'
import { setupPages } from './routes/pages/setup'
import { myKeysPages } from './routes/pages/my-keys'
import { orgKeysPages } from './routes/pages/org-keys'
import { lockPages } from './routes/pages/locks'
import { lockQueryRoutes } from './routes/lock-queries'
import { locksRoutes } from './routes/locks'
import { openApiDocs } from './routes/openapi'
import { physicalKeyRoutes } from './routes/physical-keys'
import { authPages } from './routes/pages/login'
import { replyRecorder } from './request-context'
import { webhookPages } from './routes/pages/webhooks'
import { staticRoutes } from './routes/static'
import { lockTempKeyPages } from './routes/pages/lock-temp-keys'
import { tempKeyPages } from './routes/pages/temp-key'
import { collectiveDoorOpener, collectiveKeyPages } from './routes/pages/collective-key'
import { sharedKeyPages } from './routes/pages/shared-keys'
import { openLimits } from './routes/rate-limit'
import { tempKeyOpenRoutes } from './routes/temp-key-open'
import { tempKeyRoutes } from './routes/temp-keys'
import { collectiveKeyRoutes } from './routes/collective-keys'
import { pinOpenRoutes } from './routes/pin-open'
import { signupHookRoutes, userRoutes } from './routes/users'
import { userLockRoutes } from './routes/user-locks'
import { adminWebhookRoutes, webhookRoutes } from './routes/webhooks'

export function createApp(deps: Deps) {
  // One recorder for the app and the hot reads: a reply is counted and logged once, whichever answers it.
  const replied = replyRecorder(deps.metrics, deps.logger)
  // Bun's router tries the hot reads first; what they do not answer from the read cache reaches this app.
  const hot = hotReads(deps, replied, () => app)
  const routes: AppRoutes = () => app.routes
  // A collective key's doors open at /temp-keys and /collective-temp-keys alike, counted by one set of rate limits.
  // One budget of guest opens per address and per key, whichever of the open addresses is used.
  const limitOpens = openLimits(deps.config, deps.rateLimiters)
  const collectiveDoors = collectiveDoorOpener(deps, limitOpens)
  const app = new Elysia({ normalize: false, serve: { routes: hot } })
    .use(httpBasics(deps, replied, routes))
    .use(openApiDocs())
    .use(staticRoutes())
    .use(healthRoutes(deps))
    .use(physicalKeyRoutes(deps))
    .use(userRoutes(deps))
    .use(signupHookRoutes(deps))
    .use(adminRoutes(deps))
    .use(authPages(deps))
    .use(homePages(deps))
    .use(setupPages(deps))
    .use(adminOrgPages(deps))
    .use(adminUserPages(deps))
    .use(adminLockPages(deps))
    .use(adminWebhookPages(deps))
    .use(locksRoutes(deps))
    .use(lockQueryRoutes(deps))
    .use(userLockRoutes(deps))
    .use(lockPages(deps))
    .use(webhookRoutes(deps))
    .use(adminWebhookRoutes(deps))
    .use(eventsFeedRoutes(deps))
    .use(webhookPages(deps))
    .use(myKeysPages(deps))
    .use(orgKeysPages(deps))
    .use(tempKeyRoutes(deps))
    .use(collectiveKeyRoutes(deps))
    .use(pinOpenRoutes(deps))
    .use(tempKeyOpenRoutes(deps, collectiveDoors, limitOpens))
    .use(tempKeyPages(deps))
    .use(collectiveKeyPages(deps, collectiveDoors))
    .use(sharedKeyPages(deps))
    .use(lockTempKeyPages(deps))
  return app
}
