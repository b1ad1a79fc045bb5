// The global request hooks: generated request ids, security headers and the server-set query field, without new URL().
import { describe, expect, it } from 'bun:test'
import { nextRequestId, requestInfo, startRequest } from '../src/request-context'
import { testContext } from './support/context'

const ID = /^req_[0-9a-f]{32}$/

describe('generated request ids', () => {
  it('should be unique and keep the req_ + 32 hex form across counter blocks', () => {
    const ids = Array.from({ length: 1000 }, () => nextRequestId())

    for (const id of ids) expect(id).toMatch(ID)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it('should differ between two processes', () => {
    const script = `import { nextRequestId } from '${import.meta.dir}/../src/request-context'; console.log(nextRequestId())`
    const run = () => Bun.spawnSync([process.execPath, '-e', script]).stdout.toString().trim()

    const [first, second] = [run(), run()]

    expect(first).toMatch(ID)
    expect(second).toMatch(ID)
    expect(first).not.toBe(second)
  })

  it('should be read back from the same Request by requestInfo', () => {
    const request = new Request('http://localhost/healthz', { headers: { 'x-request-id': 'lb-1' } })

    const info = startRequest(request)

    expect(requestInfo(request)).toBe(info)
    expect(info.requestId).toBe('lb-1')
    expect(requestInfo(new Request('http://localhost/healthz')).requestId).toMatch(ID)
  })
})

describe('the server-set _callerOrgId in a query', () => {
  it('should be refused however its name is percent-encoded', async () => {
    const ctx = testContext()

    for (const query of ['_callerOrgId=o', '%5FcallerOrgId=o', '%5fcallerOrgId=o', '_c%61llerOrgId=o', 'a=1&_callerOrgId']) {
      const response = await ctx.call('GET', `/healthz?${query}`)
      expect(response.status).toBe(400)
      expect(response.json.details).toEqual([{ field: '_callerOrgId', message: 'Server-set field: clients must not send it' }])
    }
  })

  it('should not be confused with a value or another name', async () => {
    const ctx = testContext()

    for (const query of ['q=_callerOrgId', '_callerOrgIds=1', 'callerOrgId=1', 'q=%20']) {
      expect((await ctx.call('GET', `/healthz?${query}`)).status).toBe(200)
    }
  })
})

describe('the security headers', () => {
  it('should leave out the CSP under /swagger only', async () => {
    const ctx = testContext()

    const docs = await ctx.call('GET', '/swagger/json')
    const api = await ctx.call('GET', '/healthz?from=/swagger')

    expect(docs.headers.get('content-security-policy')).toBeNull()
    expect(docs.headers.get('x-frame-options')).toBe('DENY')
    expect(api.headers.get('content-security-policy')).toContain("default-src 'self'")
    expect(api.headers.get('x-request-id')).toMatch(ID)
  })
})
