// Read models of the org stream: orgs, their API keys (hash + prefix) and staff members.
import { and, asc, count, eq, isNull } from 'drizzle-orm'
import type { Db } from '../db/connection'
import { apiKeys, apiKeyUsage, orgMembers, orgs } from '../db/schema'
import type { OrgEvent } from '../domain/org/events'
import type { Projection } from '../eventstore/projections'
import type { StoredEvent } from '../eventstore/types'

function apply(db: Db, stored: StoredEvent): void {
  const event = stored as StoredEvent<OrgEvent>
  switch (event.type) {
    case 'OrganizationRegistered': {
      const { orgId, orgName, ownerEmail, isSuper, registeredAt } = event.data
      db.insert(orgs).values({ orgId, name: orgName, ownerEmail, isSuper, createdAt: registeredAt }).run()
      return
    }
    case 'ApiKeyIssued':
      db.insert(apiKeys).values({ ...event.data, revokedAt: null }).run()
      return
    case 'ApiKeyRevoked':
      db.update(apiKeys).set({ revokedAt: event.data.revokedAt }).where(eq(apiKeys.keyHash, event.data.keyHash)).run()
      return
    case 'OrgMemberAdded':
      db.insert(orgMembers).values(event.data).onConflictDoNothing().run()
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
export function listTenants(db: Db, page: { limit: number; offset: number }) {
  const rows = db
    .select({
      org: orgs,
      apiKeyPrefix: apiKeys.prefix,
      apiKeyExpiresAt: apiKeys.expiresAt,
      apiKeyLastUsedAt: apiKeyUsage.lastUsedAt,
    })
    .from(orgs)
    .leftJoin(apiKeys, and(eq(apiKeys.orgId, orgs.orgId), isNull(apiKeys.revokedAt)))
    .leftJoin(apiKeyUsage, eq(apiKeyUsage.keyHash, apiKeys.keyHash))
    .orderBy(asc(orgs.createdAt), asc(orgs.orgId))
    .limit(page.limit)
    .offset(page.offset)
    .all()
  const total = db.select({ n: count() }).from(orgs).get()?.n ?? 0
  return { rows, total }
}
