import { setDefaultTimeout } from 'bun:test'
// Test defaults: quiet logs unless a test asks for them.
process.env.LOG_LEVEL ??= 'silent'
// Hooks too (bunfig's timeout covers tests only): a suite's first PostgreSQL context starts the throwaway cluster.
setDefaultTimeout(30_000)
