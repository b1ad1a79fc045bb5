// The partner's pull and live views of its events, in the webhook envelope: GET /events (cursor pagination by
// global position) and GET /events/stream (Server-Sent Events, `id:` = position, resumable with Last-Event-ID).
// Exact paths only, so the per-lock GET /locks/{id}/events is untouched.
import { Type as T } from '@sinclair/typebox'
import { Elysia, t } from 'elysia'
import { authPlugin } from '../auth/principal'
import type { Deps } from '../deps'
import { Invalid, RateLimited } from '../domain/errors'
import { callerOrg } from '../webhooks/access'
import { toEnvelope } from '../webhooks/envelope'
import type { TypeFilter } from '../webhooks/feed'
import { Envelope } from '../webhooks/models'
import { errorResponses } from './models'

const STREAM_PAGE = 100
const POLL_MS = 250
const HEARTBEAT_MS = 15_000
const TYPE_NAME = /^[A-Za-z][A-Za-z0-9 ]{0,63}$/
// Open streams per organisation: each holds a connection and polls, so one leaked or hostile client cannot hold them all.
const MAX_STREAMS_PER_ORG = 10

const Types = t.String({ maxLength: 2000, description: 'Comma-separated detail-types; all when omitted' })
// Bounded as every position is: PostgreSQL compares it as a bigint, and refuses a larger number (a 500) where SQLite
// simply finds nothing.
const After = t.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'Return events after this position' })

const FeedQuery = t.Object(
  { after: t.Optional(After), limit: t.Optional(t.Integer({ minimum: 1, maximum: 500, default: 100 })), types: t.Optional(Types) },
  { additionalProperties: false },
)
const StreamQuery = t.Object({ after: t.Optional(After), types: t.Optional(Types) }, { additionalProperties: false })

function parseTypes(raw: string | undefined): TypeFilter {
  if (raw === undefined || raw.trim() === '' || raw.trim() === '*') return null
  const names = raw.split(',').map((name) => name.trim())
  const bad = names.filter((name) => !TYPE_NAME.test(name))
  if (bad.length > 0)
    throw new Invalid('types must be comma-separated event names', [{ field: 'types', message: `invalid: ${bad.join(', ')}` }])
  return names
}

async function resumePosition(deps: Deps, after: number | undefined, lastEventId: string | null): Promise<number> {
  if (lastEventId !== null && lastEventId.trim() !== '') {
    const position = Number(lastEventId)
    if (!Number.isSafeInteger(position) || position < 0) throw new Invalid('Last-Event-ID must be a position the stream sent')
    return position
  }
  // Without a cursor the stream is live only: it starts at the current head.
  return after ?? (await deps.log.headPosition())
}

// Pull-driven: the next page is read only when the client has taken the previous one, so a slow reader costs one
// page of memory, never a backlog. The key is checked again before every read (a cache hit): a rotated, revoked or
// expired key ends the stream at once, as it answers 401 elsewhere (docs/auth.md).
function eventStream(
  deps: Deps,
  orgId: string,
  after: number,
  types: TypeFilter,
  request: Request,
  isAuthorised: () => Promise<boolean>,
  onEnd: () => void,
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  const abort = new AbortController()
  abort.signal.addEventListener('abort', onEnd, { once: true })
  request.signal.addEventListener('abort', () => abort.abort(), { once: true })
  let cursor = after
  let lastSent = 0
  const send = (controller: ReadableStreamDefaultController<Uint8Array>, text: string) => {
    lastSent = Date.now()
    controller.enqueue(encoder.encode(text))
  }
  return new ReadableStream<Uint8Array>({
    start(controller) {
      send(controller, 'retry: 2000\n: connected\n\n')
    },
    async pull(controller) {
      for (;;) {
        if (abort.signal.aborted || deps.appended.closed || !(await isAuthorised())) {
          abort.abort()
          return controller.close()
        }
        const events = await deps.feed.read(orgId, cursor, STREAM_PAGE, types)
        const last = events.at(-1)
        if (last) {
          cursor = last.position
          return send(
            controller,
            events.map((event) => `id: ${event.position}\ndata: ${JSON.stringify(toEnvelope(event, orgId))}\n\n`).join(''),
          )
        }
        if (Date.now() - lastSent >= HEARTBEAT_MS) return send(controller, ': keep-alive\n\n')
        await deps.appended.wait(POLL_MS, abort.signal)
      }
    },
    cancel() {
      abort.abort()
    },
  })
}

export const eventsFeedRoutes = (deps: Deps) => {
  const openStreams = new Map<string, number>()
  return new Elysia({ name: 'routes.events-feed', detail: { tags: ['Events'], security: [{ ApiKeyAuth: [] }] } })
    .use(authPlugin(deps))
    .get(
      '/events',
      async ({ query, principal }) => {
        const orgId = callerOrg(principal)
        const after = query.after ?? 0
        const events = await deps.feed.read(orgId, after, query.limit ?? 100, parseTypes(query.types))
        return { events: events.map((event) => toEnvelope(event, orgId)), next: events.at(-1)?.position ?? after }
      },
      {
        query: FeedQuery,
        response: {
          200: T.Object({
            events: T.Array(Envelope),
            next: T.Integer({ minimum: 0, description: 'Pass as after= for the next page (unchanged when caught up)' }),
          }),
          ...errorResponses,
        },
        detail: {
          summary: "The organisation's events, oldest first",
          description: 'The same envelope (and id) as webhook deliveries; only events routed to the calling organisation.',
        },
      },
    )
    .get(
      '/events/stream',
      async ({ query, principal, request, server }) => {
        const orgId = callerOrg(principal)
        const types = parseTypes(query.types)
        const after = await resumePosition(deps, query.after, request.headers.get('last-event-id'))
        const open = openStreams.get(orgId) ?? 0
        if (open >= MAX_STREAMS_PER_ORG) throw new RateLimited(5, `At most ${MAX_STREAMS_PER_ORG} open event streams per organisation`)
        openStreams.set(orgId, open + 1)
        const onEnd = () => {
          const left = (openStreams.get(orgId) ?? 1) - 1
          if (left > 0) openStreams.set(orgId, left)
          else openStreams.delete(orgId)
        }
        const apiKey = request.headers.get('x-api-key') ?? ''
        const isAuthorised = async () => (await deps.apiKeys.resolve(apiKey, deps.clock.now()))?.orgId === orgId
        // Heartbeats keep proxies open; Bun's own idle timeout would otherwise close a quiet stream.
        server?.timeout(request, 0)
        return new Response(eventStream(deps, orgId, after, types, request, isAuthorised, onEnd), {
          headers: { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' },
        })
      },
      {
        query: StreamQuery,
        detail: {
          summary: 'Live events (Server-Sent Events)',
          description:
            'Each event: `id: <position>` and `data: <envelope>`. Reconnect with Last-Event-ID (or ?after=) to resume; without either the stream starts at the head.',
          responses: { 200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } } },
        },
      },
    )
}
