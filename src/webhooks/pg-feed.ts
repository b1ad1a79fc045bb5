// PartnerFeed (./feed.ts) on PostgreSQL: the log as one partner sees it, only the events routed to the org
// (partner_events), optionally only some detail-types, in position order; the same reads, the same events.
import type { Sql, Tx } from '../db/pg/connection'
import type { PartnerEvent } from './envelope'
import type { TypeFilter } from './feed'

// TEXT's type id: the detail-types go as one text[] parameter, an empty list too.
const TEXT = 25

const ofTypes = (sql: Sql | Tx, types: TypeFilter) => (types === null ? sql`` : sql`AND pe.type = ANY(${sql.array([...types], TEXT)})`)

const select = (sql: Sql | Tx) => sql`
  SELECT e.position, e.stream_id AS "streamId", e.stream_version AS "streamVersion", e.type, e.data, e.created_at AS "createdAt"
  FROM partner_events pe JOIN events e ON e.position = pe.position`

export class PgPartnerFeed {
  constructor(private readonly sql: Sql | Tx) {}

  // Events of `orgId` with after < position <= upTo (default: everything), over partner_events' key (org_id, position).
  async read(orgId: string, after: number, limit: number, types: TypeFilter, upTo = Number.MAX_SAFE_INTEGER): Promise<PartnerEvent[]> {
    return [
      ...(await this.sql<PartnerEvent[]>`
        ${select(this.sql)} WHERE pe.org_id = ${orgId} AND pe.position > ${after} AND pe.position <= ${upTo} ${ofTypes(this.sql, types)}
        ORDER BY pe.position LIMIT ${limit}`),
    ]
  }

  // The event at `position` if it belongs to `orgId`: a delivery can only ever re-send the org's own events.
  async event(orgId: string, position: number): Promise<PartnerEvent | null> {
    const [row] = await this.sql<PartnerEvent[]>`${select(this.sql)} WHERE pe.org_id = ${orgId} AND pe.position = ${position}`
    return row ?? null
  }

  // How many events wait after `after`, counted up to `cap` (a page shows "10000+", never scans the whole log).
  async backlog(orgId: string, after: number, types: TypeFilter, cap: number): Promise<number> {
    const [row] = await this.sql<{ n: number }[]>`
      SELECT count(*) AS n FROM (
        SELECT 1 FROM partner_events pe WHERE pe.org_id = ${orgId} AND pe.position > ${after} ${ofTypes(this.sql, types)} LIMIT ${cap}
      ) waiting`
    return row?.n ?? 0
  }

  async head(orgId: string): Promise<number> {
    const [row] = await this.sql<{ p: number | null }[]>`SELECT max(position) AS p FROM partner_events WHERE org_id = ${orgId}`
    return row?.p ?? 0
  }
}
