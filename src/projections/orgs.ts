// Read models of the org stream: orgs, their API keys (hash + prefix) and staff members.
import { and, asc, count, eq, isNull } from 'drizzle-orm'
import type { Db } from '../db/connection'
import { apiKeys, apiKeyUsage, orgMembers, orgs, users } from '../db/schema'
import type { OrgEvent } from '../domain/org/events'
import type { Projection } from '../eventstore/projections'
import type { StoredEvent } from '../eventstore/types'
import { apiKeyRow, orgMemberRow, orgRow } from './rows'

function apply(db: Db, stored: StoredEvent): void {
  const event = stored as StoredEvent<OrgEvent>
  switch (event.type) {
    case 'OrganizationRegistered':
      db.insert(orgs).values(orgRow(event.data)).run()
      return
    case 'ApiKeyIssued':
      db.insert(apiKeys).values(apiKeyRow(event.data)).run()
      return
    case 'ApiKeyRevoked':
      db.update(apiKeys).set({ revokedAt: event.data.revokedAt }).where(eq(apiKeys.keyHash, event.data.keyHash)).run()
      return
    case 'OrgMemberAdded':
      db.insert(orgMembers).values(orgMemberRow(event.data)).onConflictDoNothing().run()
      return
    case 'OrgMemberRemoved':
      db.delete(orgMembers)
        .where(and(eq(orgMembers.orgId, event.data.orgId), eq(orgMembers.userId, event.data.userId)))
        .run()
  }
}

export const orgsProjection: Projection = { name: 'orgs', tables: ['orgs', 'api_keys', 'org_members'], apply }

export function staffOrgIds(db: Db, userId: string): string[] {
  return db
    .select({ orgId: orgMembers.orgId })
    .from(orgMembers)
    .where(eq(orgMembers.userId, userId))
    .all()
    .map((row) => row.orgId)
}

export function findOrg(db: Db, orgId: string) {
  return db.select().from(orgs).where(eq(orgs.orgId, orgId)).get()
}

// Tenants with their current (unrevoked, possibly expired) key: prefix, expiry and last use, never the hash.
const tenantRows = (db: Db) =>
  db
    .select({
      org: orgs,
      apiKeyPrefix: apiKeys.prefix,
      apiKeyExpiresAt: apiKeys.expiresAt,
      apiKeyLastUsedAt: apiKeyUsage.lastUsedAt,
    })
    .from(orgs)
    .leftJoin(apiKeys, and(eq(apiKeys.orgId, orgs.orgId), isNull(apiKeys.revokedAt)))
    .leftJoin(apiKeyUsage, eq(apiKeyUsage.keyHash, apiKeys.keyHash))

export type Tenant = NonNullable<ReturnType<typeof findTenant>>

export const findTenant = (db: Db, orgId: string) => tenantRows(db).where(eq(orgs.orgId, orgId)).get()

export function listTenants(db: Db, page: { limit: number; offset: number }) {
  const rows = tenantRows(db).orderBy(asc(orgs.createdAt), asc(orgs.orgId)).limit(page.limit).offset(page.offset).all()
  const total = db.select({ n: count() }).from(orgs).get()?.n ?? 0
  return { rows, total }
}

// The organisation's staff with their e-mail addresses, in the order they joined.
export function listOrgMembers(db: Db, orgId: string) {
  return db
    .select({ userId: orgMembers.userId, email: users.email, addedAt: orgMembers.addedAt })
    .from(orgMembers)
    .leftJoin(users, eq(users.userId, orgMembers.userId))
    .where(eq(orgMembers.orgId, orgId))
    .orderBy(asc(orgMembers.addedAt), asc(orgMembers.userId))
    .all()
}

// Whether an organisation has given this user something: staff membership, a physical key, or a key on, the
// ownership of or a residency at one of its locks. Only such users' personal data (profile, phone) is the org's to
// read and change (docs/auth.md).
export function isRelatedToOrg(db: Db, orgId: string, userId: string): boolean {
  const related = db.$client.query<{ related: number }, [string, string]>(RELATED_TO_ORG_SQL).get(orgId, userId)
  return related?.related === 1
}

// Plain SQL either database runs (PostgreSQL's twin numbers the parameters $1, $2): ?1 the org, ?2 the user.
export const RELATED_TO_ORG_SQL =
  'SELECT EXISTS (SELECT 1 FROM org_members WHERE org_id = ?1 AND user_id = ?2) ' +
  'OR EXISTS (SELECT 1 FROM physical_keys WHERE user_id = ?2 AND org_id = ?1) ' +
  'OR EXISTS (SELECT 1 FROM lock_keys k JOIN locks l ON l.lock_id = k.lock_id WHERE k.user_id = ?2 AND l.org_id = ?1) ' +
  'OR EXISTS (SELECT 1 FROM locks WHERE owner_id = ?2 AND org_id = ?1) ' +
  'OR EXISTS (SELECT 1 FROM lock_residents r JOIN locks l ON l.lock_id = r.lock_id WHERE r.user_id = ?2 AND l.org_id = ?1) AS related'
