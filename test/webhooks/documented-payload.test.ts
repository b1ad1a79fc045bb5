import { describe, expect, it } from 'bun:test'
import { documentedPayload } from '../../src/webhooks/documented-payload'

describe('payloads sent to partners', () => {
  it('should carry exactly the documented properties of a docs event, nested ones included', () => {
    const data = {
      lockId: 7,
      uuid: 'u',
      timestamp: 't',
      index: 7,
      orgId: 'acme',
      keys: [{ uuid: 'k', indexNumber: 1, userId: 'x', extra: true }],
    }
    expect(documentedPayload('LockCreated', data)).toEqual({
      lockId: 7,
      uuid: 'u',
      timestamp: 't',
      keys: [{ uuid: 'k', indexNumber: 1, userId: 'x' }],
    })
    const changes = { validUntil: 'v', description: 'spkey only', schedule: null }
    expect(documentedPayload('TempKeyUpdated', { tempKeyUuid: 'k', changes })).toEqual({ tempKeyUuid: 'k', changes: { validUntil: 'v' } })
  })

  it("should pass spkey's own events through unchanged", () => {
    const data = { tempKeyUuid: 'k', reason: 'expired', lockId: 1 }
    expect(documentedPayload('TempKeyOpenRefused', data)).toEqual(data)
  })
})
