import { describe, expect, it } from 'bun:test'
import { deliveryHeaders, generateSecret, isValidSecret, sign } from '../../src/webhooks/signing'
import { verifySignature } from './receiver'

describe('webhook signing', () => {
  it('should match the Standard Webhooks reference vector', () => {
    // From the standard-webhooks reference libraries' tests.
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
    expect(sign(secret, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe(
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    )
  })

  it('should generate whsec_ secrets of 24 random bytes, each different', () => {
    const a = generateSecret()
    expect(a).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/)
    expect(Buffer.from(a.slice(6), 'base64')).toHaveLength(24)
    expect(generateSecret()).not.toBe(a)
    expect(isValidSecret(a)).toBe(true)
  })

  it('should refuse malformed secrets', () => {
    expect(isValidSecret('mysecret123')).toBe(false)
    expect(isValidSecret('whsec_short')).toBe(false)
    expect(isValidSecret(`whsec_${Buffer.alloc(65).toString('base64')}`)).toBe(false)
    expect(isValidSecret('whsec_!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!')).toBe(false)
  })

  it('should build headers a partner can verify, with the static auth header beside them', () => {
    const secret = generateSecret()
    const body = '{"id":"x"}'
    const nowMs = Date.now()
    const headers = new Headers(
      deliveryHeaders({ messageId: 'x', body, secret, auth: { type: 'apiKeyHeader', headerName: 'X-Partner-Token', value: 't0k' }, nowMs }),
    )
    expect(headers.get('webhook-timestamp')).toBe(String(Math.floor(nowMs / 1000)))
    expect(headers.get('x-partner-token')).toBe('t0k')
    expect(verifySignature(secret, headers, body)).toBe(true)
    expect(verifySignature(generateSecret(), headers, body)).toBe(false)
    const bearer = deliveryHeaders({ messageId: 'x', body, secret, auth: { type: 'bearerToken', value: 'abc' }, nowMs })
    expect(bearer.authorization).toBe('Bearer abc')
  })
})
