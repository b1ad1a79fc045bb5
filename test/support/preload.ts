import { afterAll } from 'bun:test'
import { stopCluster } from '../fixtures/postgres'

// Test defaults: quiet logs unless a test asks for them.
process.env.LOG_LEVEL ??= 'silent'

// Once every file has run (a hook in the preload is global): the throwaway PostgreSQL cluster, if a suite started one.
afterAll(() => stopCluster())
