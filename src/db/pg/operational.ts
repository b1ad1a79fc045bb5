// Drizzle schema of the operational tables on PostgreSQL: rows written directly, never derived from the log, so a
// rebuild keeps them (the vaults, site administrators, sign-in links, signed-out sessions, webhook subscriptions and
// their deliveries). The names, columns, keys and indexes of src/db/schema.ts; integers bigint read back as numbers,
// as in read-models.ts. settings is in schema.ts (beside the event store) and user_emails in read-models.ts (the users
// projection copies from it).
import { bigint, index, pgTable, text } from 'drizzle-orm/pg-core'

const int = (name: string) => bigint(name, { mode: 'number' })

// When each API key was last used, written by the key lookup (to the minute); the console's tenant list joins it to
// api_keys (a read model). Created with the read models' query-order migration (0008), which that join needed first.
export const apiKeyUsage = pgTable('api_key_usage', {
  keyHash: text('key_hash').primaryKey(),
  lastUsedAt: int('last_used_at').notNull(),
})

export const userPhoneNumbers = pgTable(
  'user_phone_numbers',
  {
    userId: text('user_id').primaryKey(),
    phoneNumber: text('phone_number').notNull(),
  },
  (t) => [index('user_phone_numbers_number').on(t.phoneNumber)],
)

export const userCredentials = pgTable('user_credentials', {
  userId: text('user_id').primaryKey(),
  passwordHash: text('password_hash').notNull(),
  updatedAt: int('updated_at').notNull(),
})

export const siteAdmins = pgTable('site_admins', {
  userId: text('user_id').primaryKey(),
  addedAt: int('added_at').notNull(),
})

export const loginLinks = pgTable(
  'login_links',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: text('user_id').notNull(),
    createdAt: int('created_at').notNull(),
    expiresAt: int('expires_at').notNull(),
    usedAt: int('used_at'),
  },
  (t) => [index('login_links_expires').on(t.expiresAt)],
)

export const revokedSessions = pgTable(
  'revoked_sessions',
  {
    tokenHash: text('token_hash').primaryKey(),
    expiresAt: int('expires_at').notNull(),
    revokedAt: int('revoked_at').notNull(),
  },
  (t) => [index('revoked_sessions_expires').on(t.expiresAt)],
)

export const webhooks = pgTable(
  'webhooks',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    url: text('url').notNull(),
    events: text('events').notNull(),
    secret: text('secret').notNull(),
    previousSecret: text('previous_secret'),
    previousSecretExpiresAt: int('previous_secret_expires_at'),
    authType: text('auth_type').notNull().default('none'),
    authHeaderName: text('auth_header_name'),
    authValue: text('auth_value'),
    status: text('status').notNull(),
    disabledReason: text('disabled_reason'),
    checkpoint: int('checkpoint').notNull(),
    failingSince: int('failing_since'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('webhooks_org').on(t.orgId)],
)

// Ids count from 1 as SQLite's AUTOINCREMENT does, never reused: the delivery log pages by them.
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: int('id').primaryKey().generatedByDefaultAsIdentity(),
    webhookId: text('webhook_id').notNull(),
    position: int('position').notNull(),
    messageId: text('message_id').notNull(),
    attempt: int('attempt').notNull(),
    state: text('state').notNull(),
    statusCode: int('status_code'),
    error: text('error'),
    durationMs: int('duration_ms'),
    createdAt: int('created_at').notNull(),
    nextAttemptAt: int('next_attempt_at'),
  },
  (t) => [index('webhook_deliveries_webhook').on(t.webhookId, t.id)],
)
