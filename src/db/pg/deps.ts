// What the PostgreSQL twins of functions taking `deps` use of a process's wiring: Deps' database, command handler,
// clock and config, with the pool and PgCommandHandler in place of SQLite's.
import type { Clock } from '../../clock'
import type { Config } from '../../config'
import type { PgCommandHandler } from '../../eventstore/pg-command-handler'
import type { Sql } from './connection'

export type PgDeps = { sql: Sql; commands: PgCommandHandler; clock: Clock; config: Config }
