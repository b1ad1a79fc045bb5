// The database file on disk: created owner-only, with its WAL (issue 24: it holds secrets and phone numbers).
import { describe, expect, it } from 'bun:test'
import { statSync } from 'node:fs'
import { openDatabase } from '../../src/db/connection'
import { tempDbPath } from '../support/temp-db'

describe('a new database file', () => {
  it('should be readable and writable by its owner only, and so should its -wal file', () => {
    const path = tempDbPath()
    const db = openDatabase(path)
    db.$client.run("INSERT INTO settings (key, value) VALUES ('probe', 'x')")
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(statSync(`${path}-wal`).mode & 0o777).toBe(0o600)
    db.$client.close()
  })
})
