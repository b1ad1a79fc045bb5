// Fresh SQLite file paths under the OS temp directory, one directory per call, removed when the test file ends.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll } from 'bun:test'

const dirs: string[] = []

afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

export function tempDbPath(name = 'spkey.db'): string {
  const dir = mkdtempSync(join(tmpdir(), 'spkey-test-'))
  dirs.push(dir)
  return join(dir, name)
}

let counter = 0
// Unique per call and per run, so no two tests (or two runs on one file) share a stream id.
export const uniqueId = (prefix: string): string =>
  `${prefix}-${Date.now().toString(36)}-${(counter++).toString(36)}-${Math.random().toString(36).slice(2, 8)}`
