// Reads the log as one partner sees it: only events routed to the org (partner_events), optionally only some
// detail-types, in position order. Shared by the dispatcher, GET /events and the live stream.
import type { Statement } from 'bun:sqlite'
import type { Db } from '../db/connection'
import type { PartnerEvent } from './envelope'

type Row = { position: number; stream_id: string; stream_version: number; type: string; data: string; created_at: number }

// null = every detail-type (a subscription's ["*"]).
export type TypeFilter = readonly string[] | null

const SELECT =
  'SELECT e.position, e.stream_id, e.stream_version, e.type, e.data, e.created_at ' +
  'FROM partner_events pe JOIN events e ON e.position = pe.position '

const toEvent = (row: Row): PartnerEvent => ({
  position: row.position,
  streamId: row.stream_id,
  streamVersion: row.stream_version,
  type: row.type,
  data: JSON.parse(row.data),
  createdAt: row.created_at,
})

export const typeFilter = (events: readonly string[]): TypeFilter => (events.includes('*') ? null : events)

export class PartnerFeed {
  private readonly q: {
    read: Statement<Row, [string, number, number, number, string, number]>
    one: Statement<Row, [string, number]>
    head: Statement<{ p: number | null }, [string]>
    backlog: Statement<{ n: number }, [string, number, number, string, number]>
  }

  constructor(db: Db) {
    const c = db.$client
    this.q = {
      read: c.query(
        `${SELECT}WHERE pe.org_id = ? AND pe.position > ? AND pe.position <= ? ` +
          'AND (? OR pe.type IN (SELECT value FROM json_each(?))) ORDER BY pe.position LIMIT ?',
      ),
      one: c.query(`${SELECT}WHERE pe.org_id = ? AND pe.position = ?`),
      head: c.query('SELECT max(position) AS p FROM partner_events WHERE org_id = ?'),
      backlog: c.query(
        'SELECT count(*) AS n FROM (SELECT 1 FROM partner_events pe WHERE pe.org_id = ? AND pe.position > ? ' +
          'AND (? OR pe.type IN (SELECT value FROM json_each(?))) LIMIT ?)',
      ),
    }
  }

  // Events of `orgId` with after < position <= upTo (default: everything).
  read(orgId: string, after: number, limit: number, types: TypeFilter, upTo = Number.MAX_SAFE_INTEGER): PartnerEvent[] {
    const all = types === null ? 1 : 0
    return this.q.read.all(orgId, after, upTo, all, JSON.stringify(types ?? []), limit).map(toEvent)
  }

  // The event at `position` if it belongs to `orgId`: a delivery can only ever re-send the org's own events.
  event(orgId: string, position: number): PartnerEvent | null {
    const row = this.q.one.get(orgId, position)
    return row ? toEvent(row) : null
  }

  // How many events wait after `after`, counted up to `cap` (a page shows "10000+", never scans the whole log).
  backlog(orgId: string, after: number, types: TypeFilter, cap: number): number {
    return this.q.backlog.get(orgId, after, types === null ? 1 : 0, JSON.stringify(types ?? []), cap)?.n ?? 0
  }

  head(orgId: string): number {
    return this.q.head.get(orgId)?.p ?? 0
  }
}
