// The request context: generated request ids, unique across processes, read back from the Request they were made for.
import { describe, expect, it } from 'bun:test'
import { nextRequestId, requestInfo, startRequest } from '../src/request-context'

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
