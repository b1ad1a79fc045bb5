import { describe, expect, it } from 'bun:test'
import { deliveryHeaders, generateSecret, isValidSecret, sign } from '../../src/webhooks/signing'
import { signingSecrets } from '../../src/webhooks/subscriptions'
import { verifySignature } from './receiver'

describe('webhook signing', () => {
  it('should match the Standard Webhooks reference vector', () => {
    // From the standard-webhooks reference libraries' tests.
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
    expect(sign([secret], 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe(
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
      deliveryHeaders({
        messageId: 'x',
        body,
        secrets: [secret],
        auth: { type: 'apiKeyHeader', headerName: 'X-Partner-Token', value: 't0k' },
        nowMs,
      }),
    )
    expect(headers.get('webhook-timestamp')).toBe(String(Math.floor(nowMs / 1000)))
    expect(headers.get('x-partner-token')).toBe('t0k')
    expect(verifySignature(secret, headers, body)).toBe(true)
    expect(verifySignature(generateSecret(), headers, body)).toBe(false)
    const bearer = deliveryHeaders({ messageId: 'x', body, secrets: [secret], auth: { type: 'bearerToken', value: 'abc' }, nowMs })
    expect(bearer.authorization).toBe('Bearer abc')
  })

  it('should sign with each secret in order, space-separated, each signature verifiable with its own secret only', () => {
    const reference = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'
    const other = generateSecret()
    const header = sign([other, reference], 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')
    const [first, second, ...rest] = header.split(' ')
    expect(rest).toEqual([])
    expect(first).toBe(sign([other], 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}'))
    expect(second).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=')
    const nowMs = Date.now()
    const headers = new Headers(deliveryHeaders({ messageId: 'x', body: '{}', secrets: [other, reference], auth: { type: 'none' }, nowMs }))
    expect(verifySignature(other, headers, '{}')).toBe(true)
    expect(verifySignature(reference, headers, '{}')).toBe(true)
    expect(verifySignature(generateSecret(), headers, '{}')).toBe(false)
    expect(() => sign([], 'x', 1, '{}')).toThrow()
    expect(() => sign([other, 'whsec_short'], 'x', 1, '{}')).toThrow()
  })

  it('should sign with the previous secret second only while its window lasts', () => {
    const sub = { secret: generateSecret(), previousSecret: generateSecret(), previousSecretExpiresAt: 1_000_000 }
    expect(signingSecrets(sub, 999_999)).toEqual([sub.secret, sub.previousSecret])
    expect(signingSecrets(sub, 1_000_000)).toEqual([sub.secret])
    expect(signingSecrets({ ...sub, previousSecret: null, previousSecretExpiresAt: null }, 0)).toEqual([sub.secret])
  })
})
