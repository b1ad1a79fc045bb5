// The revocation list on real SQLite: hashes only, loaded on start, swept once the tokens would have expired anyway,
// and consulted by jwt.verify ahead of its cache.
import { describe, expect, it } from 'bun:test'
import { createJwtService } from '../../src/auth/jwt'
import { SessionRevocations } from '../../src/auth/sessions'
import { openDatabase } from '../../src/db/connection'
import { tempDbPath } from '../support/temp-db'

const HOUR = 60 * 60_000

function stepClock(start = Date.parse('2026-06-01T10:00:00.000Z')) {
  let now = start
  return { now: () => now, advance: (ms: number) => (now += ms) }
}

const rowCount = (path: string) => {
  const db = openDatabase(path)
  const row = db.$client.query<{ n: number }, []>('SELECT count(*) AS n FROM revoked_sessions').get()
  db.$client.close()
  return row?.n
}

describe('SessionRevocations', () => {
  it('should refuse a revoked token from then on, and from a new instance on the same file', () => {
    const path = tempDbPath()
    const clock = stepClock()
    const sessions = new SessionRevocations(openDatabase(path), clock.now)
    expect(sessions.isRevoked('token-a')).toBe(false)
    sessions.revoke('token-a', clock.now() + HOUR)
    expect([sessions.isRevoked('token-a'), sessions.isRevoked('token-b')]).toEqual([true, false])

    const restarted = new SessionRevocations(openDatabase(path), clock.now)
    expect([restarted.isRevoked('token-a'), restarted.isRevoked('token-b')]).toEqual([true, false])
  })

  it('should sweep revocations whose tokens have expired, on the next revoke and on start', () => {
    const path = tempDbPath()
    const clock = stepClock()
    const sessions = new SessionRevocations(openDatabase(path), clock.now)
    sessions.revoke('short', clock.now() + HOUR)
    sessions.revoke('long', clock.now() + 12 * HOUR)
    clock.advance(HOUR)
    sessions.revoke('later', clock.now() + HOUR)
    expect(sessions.size).toBe(2)
    expect(rowCount(path)).toBe(2)

    clock.advance(2 * HOUR)
    const restarted = new SessionRevocations(openDatabase(path), clock.now)
    expect(restarted.size).toBe(1)
    expect(restarted.isRevoked('long')).toBe(true)
    expect(rowCount(path)).toBe(1)
  })

  it('should treat revoking the same token twice as one revocation', () => {
    const path = tempDbPath()
    const sessions = new SessionRevocations(openDatabase(path))
    sessions.revoke('token-a', Date.now() + HOUR)
    sessions.revoke('token-a', Date.now() + HOUR)
    expect(sessions.size).toBe(1)
    expect(rowCount(path)).toBe(1)
  })
})

describe('jwt.verify with revocations', () => {
  it('should return null for a token revoked after it was verified and cached, and keep verifying others', async () => {
    const sessions = new SessionRevocations(openDatabase(tempDbPath()))
    const secret = 'test-secret-test-secret-test-secret'
    const jwt = createJwtService({ secret, issuer: 'spkey', audience: 'spkey', isRevoked: sessions.isRevoked })
    const token = await jwt.sign('user-1', 3600, { jti: 'a' })
    const other = await jwt.sign('user-1', 3600, { jti: 'b' })
    const verified = await jwt.verify(token)
    expect(verified).toMatchObject({ userId: 'user-1' })

    sessions.revoke(token, (verified?.exp ?? 0) * 1000)

    expect(await jwt.verify(token)).toBeNull()
    expect(await jwt.verify(other)).toMatchObject({ userId: 'user-1' })
  })
})
