// The reads of ../orgs.ts on PostgreSQL: same names, same parameters after the connection, the same rows.
import type { Sql, Tx } from '../../db/pg/connection'
import { type Org, orgs } from '../../db/schema'
import { RELATED_TO_ORG_SQL, type Tenant } from '../orgs'
import { columnsOf } from './columns'

const ORG = columnsOf(orgs, 'o')

// Unordered, as on SQLite (whose rows come in insertion order): callers use it as a set.
export async function staffOrgIds(sql: Sql | Tx, userId: string): Promise<string[]> {
  const rows = await sql<{ orgId: string }[]>`SELECT org_id AS "orgId" FROM org_members WHERE user_id = ${userId}`
  return rows.map((row) => row.orgId)
}

export async function findOrg(sql: Sql | Tx, orgId: string): Promise<Org | undefined> {
  const [row] = await sql<Org[]>`SELECT ${sql.unsafe(ORG)} FROM orgs o WHERE o.org_id = ${orgId}`
  return row
}

type TenantRow = Org & Omit<Tenant, 'org'>

// Tenants with their current (unrevoked, possibly expired) key: prefix, expiry and last use, never the hash.
const tenantRows = (sql: Sql | Tx) => sql`
  SELECT ${sql.unsafe(ORG)}, k.prefix AS "apiKeyPrefix", k.expires_at AS "apiKeyExpiresAt", u.last_used_at AS "apiKeyLastUsedAt"
  FROM orgs o
  LEFT JOIN api_keys k ON k.org_id = o.org_id AND k.revoked_at IS NULL
  LEFT JOIN api_key_usage u ON u.key_hash = k.key_hash`

const tenant = ({ apiKeyPrefix, apiKeyExpiresAt, apiKeyLastUsedAt, ...org }: TenantRow): Tenant => ({
  org,
  apiKeyPrefix,
  apiKeyExpiresAt,
  apiKeyLastUsedAt,
})

export async function findTenant(sql: Sql | Tx, orgId: string): Promise<Tenant | undefined> {
  const [row] = await sql<TenantRow[]>`${tenantRows(sql)} WHERE o.org_id = ${orgId}`
  return row && tenant(row)
}

// Ordered in byte order, as on SQLite: orgs.created_at and org_id are COLLATE "C" (src/db/pg/read-models.ts).
export async function listTenants(sql: Sql | Tx, page: { limit: number; offset: number }) {
  const rows = await sql<TenantRow[]>`
    ${tenantRows(sql)} ORDER BY o.created_at, o.org_id LIMIT ${page.limit} OFFSET ${page.offset}`
  const [counted] = await sql<{ n: number }[]>`SELECT count(*) AS n FROM orgs`
  return { rows: rows.map(tenant), total: counted?.n ?? 0 }
}

// The organisation's staff with their e-mail addresses, in the order they joined (added_at and user_id in byte order).
export async function listOrgMembers(sql: Sql | Tx, orgId: string) {
  const rows = await sql<{ userId: string; email: string | null; addedAt: string }[]>`
    SELECT m.user_id AS "userId", u.email, m.added_at AS "addedAt"
    FROM org_members m LEFT JOIN users u ON u.user_id = m.user_id
    WHERE m.org_id = ${orgId} ORDER BY m.added_at, m.user_id`
  return [...rows]
}

const RELATED_TO_ORG = RELATED_TO_ORG_SQL.replace(/\?(\d)/g, '$$$1')

// Whether an organisation has given this user something (see ../orgs.ts): SQLite's own statement.
export async function isRelatedToOrg(sql: Sql | Tx, orgId: string, userId: string): Promise<boolean> {
  const [row] = await sql.unsafe<{ related: boolean }[]>(RELATED_TO_ORG, [orgId, userId], { prepare: true })
  return row?.related === true
}
