// `npm run screenshots`: the documentation's screenshots (docs/screenshots) are the newcomer walk's
// (newcomer.browser.test.ts: a stopped server clock, fixed names and ids, a fixed phone viewport). The walk runs twice;
// the pictures are written only when both runs drew every one of them byte for byte the same, else the script names the
// ones that differ and exits 1. Fonts are the machine's: another machine may draw other (equally stable) bytes.
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const ROOT = resolve(import.meta.dir, '../..')
const DOCS = join(ROOT, 'docs/screenshots')
const WALK = 'test/e2e/newcomer.browser.test.ts'

const pictures = (dir: string) =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.png'))
    .sort()
const digest = (file: string) => new Bun.CryptoHasher('sha256').update(readFileSync(file)).digest('hex')

async function walk(into: string): Promise<void> {
  // The SQLite walk alone writes the pictures; the PostgreSQL walks of the same file show the same pages.
  const child = Bun.spawn(['bun', 'test', '--timeout', '120000', WALK, '--test-name-pattern', '\\(sqlite\\)'], {
    cwd: ROOT,
    env: { ...process.env, SCREENSHOTS_DIR: into },
    stdout: 'inherit',
    stderr: 'inherit',
  })
  if ((await child.exited) !== 0) throw new Error(`the walk failed (${WALK})`)
}

const [runA, runB] = [mkdtempSync(join(tmpdir(), 'spkey-shots-a-')), mkdtempSync(join(tmpdir(), 'spkey-shots-b-'))]
try {
  await walk(runA)
  await walk(runB)
  const [first, second] = [pictures(runA), pictures(runB)]
  const names = [...new Set([...first, ...second])]
  const isSame = (name: string) => first.includes(name) && second.includes(name) && digest(join(runA, name)) === digest(join(runB, name))
  const differing = names.filter((name) => !isSame(name))
  if (names.length === 0 || differing.length > 0) {
    console.error(`not the same in both runs: ${differing.join(', ') || 'no pictures taken'}`)
    process.exitCode = 1
  } else {
    for (const stale of pictures(DOCS)) if (!first.includes(stale)) rmSync(join(DOCS, stale))
    for (const name of first) copyFileSync(join(runA, name), join(DOCS, name))
    const lines = first.map((name) => `  ${digest(join(DOCS, name)).slice(0, 16)}  ${name}`)
    console.log(`${first.length} screenshots, the same in both runs, written to docs/screenshots:\n${lines.join('\n')}`)
  }
} finally {
  for (const dir of [runA, runB]) rmSync(dir, { recursive: true, force: true })
}
