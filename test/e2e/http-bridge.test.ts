// A real server drives a real lock through the reference HTTP bridge once the admin points the lock at it.
import { describe, expect, it } from 'bun:test'
import { startReferenceBridge } from '../fixtures/reference-bridge'
import { cli, startServer } from '../support/server'

describe('a lock connected through the HTTP bridge', () => {
  it('should open only through the bridge, with signed commands, after `spkey lock driver`', async () => {
    const secret = 'bridge-secret-for-tests-0123456789'
    const bridge = startReferenceBridge({ secret })
    const server = await startServer({ BRIDGE_SECRET: secret })
    try {
      const org = await cli(['org', 'create', '--name', 'Bridge Co'], server.env)
      const { apiKey } = org.json as { apiKey: string }
      const post = (path: string, body: unknown) =>
        fetch(`${server.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
          body: JSON.stringify(body),
        })
      expect((await post('/locks/5/CreateLock', { index: 5, uuid: crypto.randomUUID() })).status).toBe(201)

      const refused = await cli(['lock', 'driver', '--lock', '5', '--driver', 'http'], server.env)
      expect(refused.exitCode).toBe(1)
      expect(refused.json).toMatchObject({ code: 400, details: [{ field: 'bridge-url' }] })

      const configured = await cli(['lock', 'driver', '--lock', '5', '--driver', 'http', '--bridge-url', bridge.url], server.env)
      expect(configured.json).toMatchObject({ lockId: 5, driver: 'http', bridgeUrl: bridge.url })

      const open = await post('/locks/5/OpenLock', { reason: 'bridge test' })
      expect(open.status).toBe(200)
      expect(bridge.executed).toHaveLength(1)
      expect(bridge.executed[0]).toMatchObject({ op: 'open', lockId: 5 })

      bridge.setBehaviour('failure')
      expect((await post('/locks/5/OpenLock', {})).status).toBe(502)
    } finally {
      await server.stop()
      await bridge.stop()
    }
  }, 30_000)
})
