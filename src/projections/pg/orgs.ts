// orgs, api_keys and org_members on PostgreSQL: the rows of ../orgs.ts (rows.ts builds them).
import type { Tx } from '../../db/pg/connection'
import { apiKeys, orgMembers, orgs } from '../../db/pg/read-models'
import type { OrgEvent } from '../../domain/org/events'
import type { PgProjection } from '../../eventstore/pg-store'
import type { StoredEvent } from '../../eventstore/types'
import { apiKeyRow, orgMemberRow, orgRow } from '../rows'
import { named } from './named'

async function apply(tx: Tx, stored: StoredEvent): Promise<void> {
  const event = stored as StoredEvent<OrgEvent>
  switch (event.type) {
    case 'OrganizationRegistered':
      await tx`INSERT INTO orgs ${tx(named(orgs, orgRow(event.data)))}`
      return
    case 'ApiKeyIssued':
      await tx`INSERT INTO api_keys ${tx(named(apiKeys, apiKeyRow(event.data)))}`
      return
    case 'ApiKeyRevoked':
      await tx`UPDATE api_keys SET revoked_at = ${event.data.revokedAt} WHERE key_hash = ${event.data.keyHash}`
      return
    case 'OrgMemberAdded':
      await tx`INSERT INTO org_members ${tx(named(orgMembers, orgMemberRow(event.data)))} ON CONFLICT DO NOTHING`
      return
    case 'OrgMemberRemoved':
      await tx`DELETE FROM org_members WHERE org_id = ${event.data.orgId} AND user_id = ${event.data.userId}`
  }
}

export const orgsPgProjection: PgProjection = { name: 'orgs', tables: ['orgs', 'api_keys', 'org_members'], apply }
