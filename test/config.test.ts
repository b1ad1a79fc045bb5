import { describe, expect, it } from 'bun:test'
import { loadConfig } from '../src/config'

describe('DATABASE_URL', () => {
  it('should stop the server from starting rather than keep its data in a SQLite file nobody chose', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://spkey@db/spkey' })).toThrow('DATABASE_URL is set')
  })

  it('should leave the SQLite default alone when unset', () => {
    expect(loadConfig({}).databasePath).toBe('./data/spkey.db')
  })
})
