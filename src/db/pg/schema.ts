// Drizzle schema of the event store on PostgreSQL (DATABASE_URL=postgres://...): the same log, snapshots, decision rows
// and settings as src/db/schema.ts, plus the streams table that carries each stream's version for the append's check.
import { bigint, customType, index, integer, json, jsonb, pgTable, primaryKey, text, timestamp, unique } from 'drizzle-orm/pg-core'
import { sql } from 'drizzle-orm'

// The id of the writing transaction: a reader of the whole log follows (tx_id, position) below the oldest transaction
// still running, so a commit that drew its position early but landed late is never skipped (Emmett's rule).
const xid8 = customType<{ data: string }>({ dataType: () => 'xid8' })

// The expected-version check of every append: one row per stream, updated by compare-and-set.
export const streams = pgTable('streams', {
  streamId: text('stream_id').primaryKey(),
  version: integer('version').notNull(),
})

export const events = pgTable(
  'events',
  {
    position: bigint('position', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    txId: xid8('tx_id').notNull().default(sql`pg_current_xact_id()`),
    streamId: text('stream_id').notNull(),
    streamVersion: integer('stream_version').notNull(),
    type: text('type').notNull(),
    // json keeps the payload's text as appended (jsonb would reorder its keys for partners).
    data: json('data').notNull(),
    metadata: json('metadata').notNull(),
    createdAt: bigint('created_at', { mode: 'number' }).notNull(),
  },
  (t) => [unique('events_stream_version').on(t.streamId, t.streamVersion), index('events_tx_position').on(t.txId, t.position)],
)

export const snapshots = pgTable('snapshots', {
  streamId: text('stream_id').primaryKey(),
  streamVersion: integer('stream_version').notNull(),
  schemaVersion: integer('schema_version').notNull(),
  state: jsonb('state').notNull(),
})

export const entityStates = pgTable(
  'entity_states',
  {
    streamId: text('stream_id').notNull(),
    entityId: text('entity_id').notNull(),
    state: jsonb('state').notNull(),
  },
  (t) => [primaryKey({ columns: [t.streamId, t.entityId] })],
)

export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
})

// Where each reader of the whole log (a process's cache tail, a webhook dispatcher) got to, and who holds its lease.
export const consumers = pgTable('consumers', {
  name: text('name').primaryKey(),
  txId: xid8('tx_id').notNull().default(sql`'0'::xid8`),
  position: bigint('position', { mode: 'number' }).notNull().default(0),
  owner: text('owner'),
  leaseUntil: timestamp('lease_until', { withTimezone: true }),
})

// Idempotency-Key and one-time-form outcomes shared by every process: the first to claim a token does the work, the
// others wait for the outcome stored here (src/db/pg/once.ts).
export const onceOutcomes = pgTable(
  'once_outcomes',
  {
    token: text('token').primaryKey(),
    claimedAt: bigint('claimed_at', { mode: 'number' }).notNull(),
    outcome: jsonb('outcome'),
  },
  (t) => [index('once_outcomes_claimed_at').on(t.claimedAt)],
)

// Fixed-window attempt counters shared by every process (src/db/pg/rate-limits.ts).
export const rateWindows = pgTable(
  'rate_windows',
  {
    key: text('key').primaryKey(),
    windowStart: bigint('window_start', { mode: 'number' }).notNull(),
    count: integer('count').notNull(),
  },
  (t) => [index('rate_windows_window_start').on(t.windowStart)],
)
