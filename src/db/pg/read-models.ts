// Drizzle schema of the read models on PostgreSQL: the tables of the inline projections (src/projections/pg/),
// with the names, columns and query indexes of src/db/schema.ts, so a row reads the same from either database.
// Integers are bigint (read back as numbers, see connection.ts): SQLite's integers hold any value the API admits
// (indexes and key numbers up to 2^53, epoch milliseconds). JSON columns stay text, as written. is_super is boolean,
// the type drizzle gives it on SQLite too (stored there as 0/1).
import { bigint, boolean, customType, index, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core'

const int = (name: string) => bigint(name, { mode: 'number' })

// Text the list pages order by or compare with a cursor (src/projections/pg/*-queries.ts), and the columns joined to
// such text: byte order, as SQLite's BINARY collation, whatever the database's locale. In the column, so the indexes
// over it serve those orders; a COLLATE "C" in a query over a column of another collation would sort every matching
// row instead, and a join of two collations uses neither side's index.
const bytewise = customType<{ data: string }>({ dataType: () => 'text COLLATE "C"' })

export const orgs = pgTable('orgs', {
  orgId: bytewise('org_id').primaryKey(),
  name: text('name').notNull(),
  ownerEmail: text('owner_email'),
  isSuper: boolean('is_super').notNull(),
  createdAt: bytewise('created_at').notNull(),
})

export const apiKeys = pgTable(
  'api_keys',
  {
    keyHash: text('key_hash').primaryKey(),
    orgId: bytewise('org_id').notNull(),
    prefix: text('prefix').notNull(),
    createdAt: text('created_at').notNull(),
    createdBy: text('created_by').notNull(),
    expiresAt: text('expires_at'),
    revokedAt: text('revoked_at'),
  },
  (t) => [index('api_keys_org').on(t.orgId)],
)

export const orgMembers = pgTable(
  'org_members',
  {
    orgId: text('org_id').notNull(),
    userId: bytewise('user_id').notNull(),
    role: text('role').notNull(),
    addedAt: bytewise('added_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.userId] }), index('org_members_user').on(t.userId)],
)

// position: where the user's UserCreated is in the log. SQLite's users are a rowid table whose rowids grow with each
// UserCreated (one writer; a rebuild replays the log in order), and the console lists users by rowid: PostgreSQL has
// no rowid, and its positions give the same order.
export const users = pgTable(
  'users',
  {
    userId: bytewise('user_id').primaryKey(),
    email: text('email').unique(),
    firstName: text('first_name'),
    lastName: text('last_name'),
    status: text('status').notNull(),
    createdAt: text('created_at').notNull(),
    position: int('position').notNull(),
  },
  (t) => [uniqueIndex('users_position').on(t.position)],
)

// PII vault, not a read model (a rebuild keeps it): an e-mail set by UpdateEmail, whose event carries only a masked
// form. Here because the users projection copies it into users, on the command and on a rebuild.
export const userEmails = pgTable('user_emails', {
  userId: text('user_id').primaryKey(),
  email: text('email').notNull().unique(),
})

export const physicalKeys = pgTable(
  'physical_keys',
  {
    userId: bytewise('user_id').notNull(),
    number: int('number').notNull(),
    orgId: text('org_id').notNull(),
    orgName: text('org_name'),
    note: text('note'),
    addedAt: int('added_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.userId, t.number] }),
    index('physical_keys_user_org').on(t.userId, t.orgId, t.number),
    index('physical_keys_org_added').on(t.orgId, t.addedAt, t.userId, t.number),
  ],
)

export const locks = pgTable(
  'locks',
  {
    lockId: int('lock_id').primaryKey(),
    uuid: text('uuid').notNull(),
    index: int('index').notNull(),
    serialNumber: text('serial_number'),
    vendorName: text('vendor_name'),
    name: text('name'),
    ownerId: text('owner_id'),
    orgId: text('org_id'),
    driver: text('driver'),
    bridgeUrl: text('bridge_url'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('locks_owner').on(t.ownerId), index('locks_org').on(t.orgId)],
)

export const lockKeys = pgTable(
  'lock_keys',
  {
    lockId: int('lock_id').notNull(),
    keyUuid: bytewise('key_uuid').notNull(),
    keyIndexNumber: int('key_index_number'),
    userId: text('user_id'),
    addedAt: bytewise('added_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.lockId, t.keyUuid] }), index('lock_keys_user').on(t.userId)],
)

export const lockResidents = pgTable(
  'lock_residents',
  {
    lockId: int('lock_id').notNull(),
    userId: bytewise('user_id').notNull(),
    email: text('email'),
    name: bytewise('name').notNull(),
  },
  (t) => [primaryKey({ columns: [t.lockId, t.userId] })],
)

export const accessibleLocks = pgTable(
  'accessible_locks',
  {
    userId: text('user_id').notNull(),
    lockId: bytewise('lock_id').notNull(),
    lockName: text('lock_name').notNull(),
    accessLevel: text('access_level').notNull(),
    validFrom: text('valid_from'),
    validUntil: text('valid_until'),
    grantedBy: text('granted_by').notNull(),
    grantedAt: bytewise('granted_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.userId, t.lockId] })],
)

export const tempKeys = pgTable(
  'temp_keys',
  {
    uuid: bytewise('uuid').primaryKey(),
    lockId: int('lock_id').notNull(),
    lockUuid: text('lock_uuid').notNull(),
    accessMode: text('access_mode').notNull(),
    allowedUserIds: text('allowed_user_ids').notNull(),
    enteredEmails: text('entered_emails'),
    validFrom: bytewise('valid_from').notNull(),
    validUntil: bytewise('valid_until').notNull(),
    maxUses: int('max_uses'),
    usedCount: int('used_count').notNull(),
    schedule: text('schedule'),
    description: text('description'),
    createdAt: bytewise('created_at').notNull(),
    createdBy: text('created_by').notNull(),
    deletedAt: text('deleted_at'),
  },
  (t) => [
    index('temp_keys_lock_page').on(t.lockId, t.deletedAt, t.createdAt, t.uuid),
    index('temp_keys_lock_created').on(t.lockId, t.createdAt, t.uuid),
    index('temp_keys_creator').on(t.createdBy, t.createdAt, t.uuid),
  ],
)

export const collectiveTempKeys = pgTable(
  'collective_temp_keys',
  {
    uuid: bytewise('uuid').primaryKey(),
    description: text('description'),
    validFrom: text('valid_from').notNull(),
    validUntil: text('valid_until').notNull(),
    pinSeed: text('pin_seed'),
    createdAt: bytewise('created_at').notNull(),
    createdBy: text('created_by').notNull(),
    revokedAt: text('revoked_at'),
  },
  (t) => [index('collective_temp_keys_creator').on(t.createdBy, t.createdAt, t.uuid)],
)

export const collectiveTempKeyDoors = pgTable(
  'collective_temp_key_doors',
  {
    uuid: bytewise('uuid').notNull(),
    doorId: int('door_id').notNull(),
    lockId: int('lock_id').notNull(),
    lockUuid: text('lock_uuid').notNull(),
    label: text('label'),
    accessMethod: text('access_method').notNull(),
    createdAt: bytewise('created_at').notNull().default(''),
  },
  (t) => [primaryKey({ columns: [t.uuid, t.doorId] }), index('collective_temp_key_doors_lock_created').on(t.lockId, t.createdAt, t.uuid)],
)

export const partnerEvents = pgTable(
  'partner_events',
  {
    position: int('position').notNull(),
    orgId: text('org_id').notNull(),
    type: text('type').notNull(),
  },
  (t) => [primaryKey({ columns: [t.orgId, t.position] })],
)
