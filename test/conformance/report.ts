// `npm run conformance:report`: runs the conformance suite with CONFORMANCE_WRITE=1 so its last test writes
// docs/conformance.md from the SQLite run's results (the same rendering the suite compares against in CI; every
// other backend must reach the same outcomes).
import { join } from 'node:path'

const root = join(import.meta.dir, '..', '..')
const run = Bun.spawnSync([process.execPath, 'test', 'test/conformance/'], {
  cwd: root,
  env: { ...process.env, CONFORMANCE_WRITE: '1' },
  stdout: 'inherit',
  stderr: 'inherit',
})
console.log(
  run.exitCode === 0
    ? 'docs/conformance.md regenerated; all conformance checks pass'
    : 'docs/conformance.md regenerated; some conformance checks fail (see above)',
)
process.exit(run.exitCode ?? 1)
