// Entry point: `serve` (the default) or an admin CLI command (src/cli.ts).
import { runCli } from './cli'
import { loadConfig } from './config'
import { serve } from './server'

const args = process.argv.slice(2)

if (args.length === 0 || args[0] === 'serve') {
  await serve(loadConfig())
} else {
  process.exit(await runCli(args, () => loadConfig()))
}
