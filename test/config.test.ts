import { describe, expect, it } from 'bun:test'
import { loadConfig } from '../src/config'

describe('DATABASE_URL', () => {
  it('should select PostgreSQL for a postgres:// or postgresql:// URL', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://spkey@db/spkey' }).databaseUrl).toBe('postgres://spkey@db/spkey')
    expect(loadConfig({ DATABASE_URL: 'postgresql://spkey@db/spkey' }).databaseUrl).toBe('postgresql://spkey@db/spkey')
  })

  it('should refuse any other URL rather than keep the data in a SQLite file nobody chose', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://spkey@db/spkey' })).toThrow('DATABASE_URL must be a PostgreSQL URL')
  })

  it('should leave the SQLite default alone when unset', () => {
    expect(loadConfig({}).databasePath).toBe('./data/spkey.db')
    expect(loadConfig({}).databaseUrl).toBeNull()
  })
})
