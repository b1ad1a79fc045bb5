// Drizzle schema: the append-only event log, snapshots, settings, and every read model (rebuilt from the log).
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

export const events = sqliteTable(
  'events',
  {
    position: integer('position').primaryKey({ autoIncrement: true }),
    streamId: text('stream_id').notNull(),
    streamVersion: integer('stream_version').notNull(),
    type: text('type').notNull(),
    data: text('data').notNull(),
    metadata: text('metadata').notNull(),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [uniqueIndex('events_stream_version').on(t.streamId, t.streamVersion)],
)

export const snapshots = sqliteTable('snapshots', {
  streamId: text('stream_id').primaryKey(),
  streamVersion: integer('stream_version').notNull(),
  schemaVersion: integer('schema_version').notNull(),
  state: text('state').notNull(),
})

// Decision state of entities too many to fold into their stream's state (a lock's temp keys, a user's physical keys):
// one row per entity, written in the append's transaction, rebuilt from the log like a snapshot (eventstore/entities.ts).
export const entityStates = sqliteTable(
  'entity_states',
  {
    streamId: text('stream_id').notNull(),
    entityId: text('entity_id').notNull(),
    state: text('state').notNull(),
  },
  (t) => [primaryKey({ columns: [t.streamId, t.entityId] })],
)

// Server secrets generated on first start (JWT secret, admin key hash); never part of the log.
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
})

export const orgs = sqliteTable('orgs', {
  orgId: text('org_id').primaryKey(),
  name: text('name').notNull(),
  ownerEmail: text('owner_email'),
  isSuper: integer('is_super', { mode: 'boolean' }).notNull(),
  createdAt: text('created_at').notNull(),
})

export const apiKeys = sqliteTable(
  'api_keys',
  {
    keyHash: text('key_hash').primaryKey(),
    orgId: text('org_id').notNull(),
    prefix: text('prefix').notNull(),
    createdAt: text('created_at').notNull(),
    createdBy: text('created_by').notNull(),
    expiresAt: text('expires_at'),
    revokedAt: text('revoked_at'),
  },
  (t) => [index('api_keys_org').on(t.orgId)],
)

// Operational, not derived from the log: survives a rebuild untouched.
export const apiKeyUsage = sqliteTable('api_key_usage', {
  keyHash: text('key_hash').primaryKey(),
  lastUsedAt: integer('last_used_at').notNull(),
})

export const orgMembers = sqliteTable(
  'org_members',
  {
    orgId: text('org_id').notNull(),
    userId: text('user_id').notNull(),
    role: text('role').notNull(),
    addedAt: text('added_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.userId] }), index('org_members_user').on(t.userId)],
)

export const users = sqliteTable('users', {
  userId: text('user_id').primaryKey(),
  email: text('email').unique(),
  firstName: text('first_name'),
  lastName: text('last_name'),
  status: text('status').notNull(),
  createdAt: text('created_at').notNull(),
})

// PII vault: the raw phone number never enters the log (the event carries the masked form), so a rebuild keeps it.
export const userPhoneNumbers = sqliteTable(
  'user_phone_numbers',
  {
    userId: text('user_id').primaryKey(),
    phoneNumber: text('phone_number').notNull(),
  },
  (t) => [index('user_phone_numbers_number').on(t.phoneNumber)],
)

// PII vault: an e-mail set by UpdateEmail (its event carries only a masked form); the users read model copies it
// from here, on the command and on a rebuild.
export const userEmails = sqliteTable('user_emails', {
  userId: text('user_id').primaryKey(),
  email: text('email').notNull().unique(),
})

// Credential vault: password hashes (Bun.password, argon2id) stay out of the log; UserPasswordChanged audits changes.
export const userCredentials = sqliteTable('user_credentials', {
  userId: text('user_id').primaryKey(),
  passwordHash: text('password_hash').notNull(),
  updatedAt: integer('updated_at').notNull(),
})

// Site administrators (the first one made through the one-time setup link, src/auth/site-admins.ts). Operational, not
// derived from the log, like the credential vault.
export const siteAdmins = sqliteTable('site_admins', {
  userId: text('user_id').primaryKey(),
  addedAt: integer('added_at').notNull(),
})

// One-time browser sign-in links (CLI `login-link`): only the token's hash is kept; used_at makes a link single-use.
// Operational, not derived from the log.
export const loginLinks = sqliteTable(
  'login_links',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: text('user_id').notNull(),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    usedAt: integer('used_at'),
  },
  (t) => [index('login_links_expires').on(t.expiresAt)],
)

// Signed-out session JWTs (POST /logout): only the token's SHA-256 is kept, until the token would have expired anyway.
// Operational, not derived from the log.
export const revokedSessions = sqliteTable(
  'revoked_sessions',
  {
    tokenHash: text('token_hash').primaryKey(),
    expiresAt: integer('expires_at').notNull(),
    revokedAt: integer('revoked_at').notNull(),
  },
  (t) => [index('revoked_sessions_expires').on(t.expiresAt)],
)

export const physicalKeys = sqliteTable(
  'physical_keys',
  {
    userId: text('user_id').notNull(),
    number: integer('number').notNull(),
    orgId: text('org_id').notNull(),
    orgName: text('org_name'),
    note: text('note'),
    addedAt: integer('added_at').notNull(),
  },
  // user_org: a reader scoped to its organisation pages through that org's keys by number, without visiting others'.
  // org_added: the key desk pages through everything its org handed out, newest first, without visiting others'.
  (t) => [
    primaryKey({ columns: [t.userId, t.number] }),
    index('physical_keys_user_org').on(t.userId, t.orgId, t.number),
    index('physical_keys_org_added').on(t.orgId, t.addedAt, t.userId, t.number),
  ],
)

export const locks = sqliteTable(
  'locks',
  {
    lockId: integer('lock_id').primaryKey(),
    uuid: text('uuid').notNull(),
    index: integer('index').notNull(),
    serialNumber: text('serial_number'),
    vendorName: text('vendor_name'),
    // spkey addition: the lock's display name (LockCreated.name).
    name: text('name'),
    ownerId: text('owner_id'),
    orgId: text('org_id'),
    // Per-lock driver override and HTTP bridge address; null = the configured default driver.
    driver: text('driver'),
    bridgeUrl: text('bridge_url'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('locks_owner').on(t.ownerId), index('locks_org').on(t.orgId)],
)

export const lockKeys = sqliteTable(
  'lock_keys',
  {
    lockId: integer('lock_id').notNull(),
    keyUuid: text('key_uuid').notNull(),
    keyIndexNumber: integer('key_index_number'),
    userId: text('user_id'),
    addedAt: text('added_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.lockId, t.keyUuid] }), index('lock_keys_user').on(t.userId)],
)

export const lockResidents = sqliteTable(
  'lock_residents',
  {
    lockId: integer('lock_id').notNull(),
    userId: text('user_id').notNull(),
    email: text('email'),
    name: text('name').notNull(),
  },
  (t) => [primaryKey({ columns: [t.lockId, t.userId] })],
)

export const accessibleLocks = sqliteTable(
  'accessible_locks',
  {
    userId: text('user_id').notNull(),
    lockId: text('lock_id').notNull(),
    lockName: text('lock_name').notNull(),
    accessLevel: text('access_level').notNull(),
    validFrom: text('valid_from'),
    validUntil: text('valid_until'),
    grantedBy: text('granted_by').notNull(),
    grantedAt: text('granted_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.lockId] })],
)

export const tempKeys = sqliteTable(
  'temp_keys',
  {
    uuid: text('uuid').primaryKey(),
    lockId: integer('lock_id').notNull(),
    lockUuid: text('lock_uuid').notNull(),
    accessMode: text('access_mode').notNull(),
    allowedUserIds: text('allowed_user_ids').notNull(),
    // JSON user id -> e-mail for the people a manager listed by e-mail on the page: the only e-mails the page shows
    // (an id sent to the API could be anyone's, and its e-mail is not the sender's to read).
    enteredEmails: text('entered_emails'),
    validFrom: text('valid_from').notNull(),
    validUntil: text('valid_until').notNull(),
    maxUses: integer('max_uses'),
    usedCount: integer('used_count').notNull(),
    schedule: text('schedule'),
    description: text('description'),
    createdAt: text('created_at').notNull(),
    createdBy: text('created_by').notNull(),
    deletedAt: text('deleted_at'),
  },
  // The lock's list pages in creation order (the cursor is createdAt, uuid), deleted keys out of the way; the unified
  // GET /temp-keys pages every key of a lock, deleted ones included, and a caller's own keys, newest first.
  (t) => [
    index('temp_keys_lock_page').on(t.lockId, t.deletedAt, t.createdAt, t.uuid),
    index('temp_keys_lock_created').on(t.lockId, t.createdAt, t.uuid),
    index('temp_keys_creator').on(t.createdBy, t.createdAt, t.uuid),
  ],
)

// Collective temp keys (one credential over several locks), filled from each lock's CollectiveTempKey* events: the key
// once, its doors one row each. pin_seed derives the PIN with the server's PIN secret (locks/pins.ts); the PIN itself
// and its hash are never here.
export const collectiveTempKeys = sqliteTable(
  'collective_temp_keys',
  {
    uuid: text('uuid').primaryKey(),
    description: text('description'),
    validFrom: text('valid_from').notNull(),
    validUntil: text('valid_until').notNull(),
    pinSeed: text('pin_seed'),
    createdAt: text('created_at').notNull(),
    createdBy: text('created_by').notNull(),
    revokedAt: text('revoked_at'),
  },
  // A caller's own keys, newest first (GET /temp-keys without a lock).
  (t) => [index('collective_temp_keys_creator').on(t.createdBy, t.createdAt, t.uuid)],
)

export const collectiveTempKeyDoors = sqliteTable(
  'collective_temp_key_doors',
  {
    uuid: text('uuid').notNull(),
    doorId: integer('door_id').notNull(),
    lockId: integer('lock_id').notNull(),
    lockUuid: text('lock_uuid').notNull(),
    label: text('label'),
    accessMethod: text('access_method').notNull(),
    // The key's createdAt, copied here so a lock's keys page newest first from this table's index alone.
    createdAt: text('created_at').notNull().default(''),
  },
  // Every key touching a lock, newest first (GET /temp-keys?lockId=).
  (t) => [primaryKey({ columns: [t.uuid, t.doorId] }), index('collective_temp_key_doors_lock_created').on(t.lockId, t.createdAt, t.uuid)],
)

export type CollectiveTempKeyRow = typeof collectiveTempKeys.$inferSelect
export type CollectiveTempKeyDoorRow = typeof collectiveTempKeyDoors.$inferSelect

// Which partner (org) receives each event: filled inline at append time (lock events -> the lock's org,
// physical-key events -> the issuing org). The webhook dispatcher and the event feed read it by (org, position).
export const partnerEvents = sqliteTable(
  'partner_events',
  {
    position: integer('position').notNull(),
    orgId: text('org_id').notNull(),
    type: text('type').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.position] })],
)

// Webhook subscriptions and their delivery state: operational data, not derived from the log.
export const webhooks = sqliteTable(
  'webhooks',
  {
    id: text('id').primaryKey(),
    orgId: text('org_id').notNull(),
    url: text('url').notNull(),
    events: text('events').notNull(),
    secret: text('secret').notNull(),
    // The secret a rotation replaced: deliveries are signed with it too (second) until previous_secret_expires_at
    // (epoch ms), so partners can deploy the new one without a gap. Never shown by any answer or page.
    previousSecret: text('previous_secret'),
    previousSecretExpiresAt: integer('previous_secret_expires_at'),
    authType: text('auth_type').notNull().default('none'),
    authHeaderName: text('auth_header_name'),
    authValue: text('auth_value'),
    status: text('status').notNull(),
    disabledReason: text('disabled_reason'),
    checkpoint: integer('checkpoint').notNull(),
    failingSince: integer('failing_since'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('webhooks_org').on(t.orgId)],
)

export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    webhookId: text('webhook_id').notNull(),
    position: integer('position').notNull(),
    messageId: text('message_id').notNull(),
    attempt: integer('attempt').notNull(),
    state: text('state').notNull(),
    statusCode: integer('status_code'),
    error: text('error'),
    durationMs: integer('duration_ms'),
    createdAt: integer('created_at').notNull(),
    nextAttemptAt: integer('next_attempt_at'),
  },
  (t) => [index('webhook_deliveries_webhook').on(t.webhookId, t.id)],
)

export type Org = typeof orgs.$inferSelect
export type User = typeof users.$inferSelect
export type Lock = typeof locks.$inferSelect
export type TempKeyRow = typeof tempKeys.$inferSelect
export type PhysicalKeyRow = typeof physicalKeys.$inferSelect
