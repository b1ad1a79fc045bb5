// Entry point: `serve` (the default) or an admin CLI command.
import { loadConfig } from './config'
import { serve } from './server'

const [command = 'serve'] = process.argv.slice(2)

if (command === 'serve') {
  await serve(loadConfig())
} else {
  process.stderr.write(`unknown command "${command}"\n`)
  process.exit(2)
}
