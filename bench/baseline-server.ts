// Baseline: the fastest answer Bun.serve can give on this machine (static JSON, no framework).
const body = JSON.stringify({ status: 'ok' })
const server = Bun.serve({
  port: Number(process.env.PORT ?? 0),
  hostname: '127.0.0.1',
  fetch: () => new Response(body, { headers: { 'content-type': 'application/json' } }),
})
process.on('SIGTERM', () => {
  server.stop(true)
  process.exit(0)
})
