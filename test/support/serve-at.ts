// `spkey serve` with its clock stopped at the instant given as the only argument (ISO 8601): the same server, whose
// every recorded and shown time is that instant, for documentation screenshots that do not change from run to run.
import { loadConfig } from '../../src/config'
import { serve } from '../../src/server'

const at = Date.parse(process.argv[2] ?? '')
if (Number.isNaN(at)) throw new Error(`usage: bun test/support/serve-at.ts <ISO instant>, got ${process.argv[2]}`)
await serve(loadConfig(), { clock: { now: () => at } })
