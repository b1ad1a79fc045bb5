import { describe, expect, it } from 'bun:test'
import { messageId, toEnvelope } from '../../src/webhooks/envelope'

const event = {
  position: 7,
  streamId: 'lock-4321',
  streamVersion: 7,
  type: 'TempKeyUsed',
  data: { tempKeyUuid: 'k', lockId: 4321, lockUuid: 'u', usedCount: 1, timestamp: '2026-04-30T10:30:00.123Z' },
  createdAt: Date.parse('2026-04-30T10:30:00.123Z'),
}

describe('webhook envelope', () => {
  it("should carry the docs' EventBridge fields, the aggregate from the stream id and the payload under data", () => {
    expect(toEnvelope(event, 'acme')).toEqual({
      id: messageId(event),
      source: 'spk.api',
      'detail-type': 'TempKeyUsed',
      time: '2026-04-30T10:30:00Z',
      region: 'local',
      account: 'spkey',
      version: '0',
      resources: [],
      detail: {
        partnerId: 'acme',
        aggregateType: 'lock',
        aggregateId: '4321',
        version: 7,
        timestamp: 1777545000123,
        data: { type: 'TempKeyUsed', ...event.data },
      },
    })
  })

  it('should give an event the same id every time and different events different ids', () => {
    expect(messageId(event)).toBe(messageId({ ...event }))
    expect(messageId({ ...event, streamVersion: 8 })).not.toBe(messageId(event))
    expect(toEnvelope(event, 'a').id).toBe(toEnvelope(event, 'b').id)
  })

  it('should split user stream ids at the first dash only', () => {
    const user = { ...event, streamId: 'user-9b3e1d5e-7c6a-4d4d-8b1a-2e4f6a8c0d1e', type: 'PhysicalKeyAdded' }
    expect(toEnvelope(user, 'acme').detail).toMatchObject({ aggregateType: 'user', aggregateId: '9b3e1d5e-7c6a-4d4d-8b1a-2e4f6a8c0d1e' })
  })

  it('should send a LockDriverConfigured bridge URL without its userinfo, query or fragment (issue 24 #11)', () => {
    const configured = {
      ...event,
      type: 'LockDriverConfigured',
      data: {
        lockId: 4321,
        uuid: 'u',
        driver: 'http',
        bridgeUrl: 'http://bridge-admin:s3cret-pw@10.20.30.40:8080/bridge?token=abc#x',
        timestamp: '2026-04-30T10:30:00.123Z',
      },
    }
    const sent = JSON.stringify(toEnvelope(configured, 'acme'))
    expect(toEnvelope(configured, 'acme').detail.data.bridgeUrl).toBe('http://10.20.30.40:8080/bridge')
    expect(sent).not.toContain('s3cret')
    expect(sent).not.toContain('token=abc')
  })
})
