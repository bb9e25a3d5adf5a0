/**
 * The reads live history streams make (Subscription.historyEvents and installRequests): a
 * client's head, where an event the subscriber names sits in its history, and the events after a
 * position, oldest first. Per client, (created_at, client_seq) is commit order (history.ts), so
 * "after this position" is exactly "committed after that event": a stream that reads on from the
 * last event it handed out misses none and repeats none, whichever process wrote them.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/open';
import { HISTORY_EVENT_TYPES, type HistoryEventType } from '../db/schema';
import { type HistoryPosition, type HistoryRow } from './history-seek';
import { toRequest, type InstallRequest, type RequestRow } from './install-requests';

/** One stream's next read: after `after`, at most `first` events, of these types (null: all), of one app (null: all). */
export interface HistoryAfterKey {
  clientId: string;
  appId: string | null;
  types: readonly HistoryEventType[] | null;
  after: HistoryPosition;
  first: number;
}

/** Where an event sits in its client's history, when it is that client's (null otherwise). */
export interface EventPosition extends HistoryPosition {
  clientId: string;
}

interface Segment {
  c: string;
  a: string | null;
  t: HistoryEventType;
}

/**
 * The events after `key.after`, oldest first, at most `key.first`, in ONE statement: per type,
 * two index seeks ((client, [app,] type, created_at, client_seq)) that stop after `first` rows:
 * the rest of the position's millisecond (a bulk call's events share one), then the later ones.
 * A read costs its own rows, never the history before the position or other tenants'.
 */
export function historyAfter(db: Db, key: HistoryAfterKey): HistoryRow[] {
  const segments: Segment[] = (key.types ?? HISTORY_EVENT_TYPES).map((t) => ({ c: key.clientId, a: key.appId, t }));
  const index = sql.raw(key.appId === null ? 'app_history_events_client_type_idx' : 'app_history_events_app_type_idx');
  const arm = (tie: boolean): SQL => {
    const where = [sql`h.client_id = k.value ->> '$.c'`, sql`h.type = k.value ->> '$.t'`];
    if (key.appId !== null) where.push(sql`h.app_id = k.value ->> '$.a'`);
    if (tie) where.push(sql`h.created_at = ${key.after.at} AND h.client_seq > ${key.after.clientSeq}`);
    else where.push(sql`h.created_at > ${key.after.at}`);
    const order = tie ? sql`h.client_seq` : sql`h.created_at, h.client_seq`;
    // Pinned as history-seek.ts pins its pages (test/query-plans-statistics.test.ts): with statistics SQLite
    // would otherwise walk every event, testing each against the subquery.
    return sql`SELECT e.* FROM json_each(${JSON.stringify(segments)}) AS k
      CROSS JOIN app_history_events AS e ON e.seq IN (
        SELECT h.seq FROM app_history_events AS h INDEXED BY ${index} WHERE ${sql.join(where, sql` AND `)} ORDER BY ${order} LIMIT ${key.first})`;
  };
  const rows = db.all<HistoryRow>(sql`${arm(true)} UNION ALL ${arm(false)}`);
  return oldestFirst(rows, key.first);
}

/** The first `first` of the rows the seeks found, oldest first (commit order). */
export function oldestFirst<R extends { created_at: number; client_seq: number }>(rows: R[], first: number): R[] {
  return rows.sort((x, y) => x.created_at - y.created_at || x.client_seq - y.client_seq).slice(0, first);
}

/**
 * The heads of these clients' histories (the position of each one's newest event; 0/0 before
 * any), in ONE statement by the clients' primary key: what a poll compares its streams with. The
 * ids lead (CROSS JOIN) on the key (INDEXED BY): with statistics SQLite would otherwise scan every client.
 */
export function historyHeads(db: Db, clientIds: readonly string[]): Map<string, HistoryPosition> {
  if (clientIds.length === 0) return new Map();
  const rows = db.all<{ id: string; at: number; seq: number }>(sql`
    SELECT c.id, c.history_at AS at, c.history_seq AS seq
    FROM json_each(${JSON.stringify(clientIds)}) AS k CROSS JOIN clients AS c INDEXED BY sqlite_autoindex_clients_1 ON c.id = k.value`);
  return new Map(rows.map((r) => [r.id, { at: r.at, clientSeq: r.seq }]));
}

/** Where the event with this id sits, by its unique index; null when there is none. */
export function eventPosition(db: Db, eventId: string): EventPosition | null {
  const row = db.get<{ client_id: string; created_at: number; client_seq: number } | undefined>(sql`
    SELECT client_id, created_at, client_seq FROM app_history_events WHERE id = ${eventId}`);
  return row ? { clientId: row.client_id, at: row.created_at, clientSeq: row.client_seq } : null;
}

/** Install requests by id, in ONE statement by the primary key (the ids lead, as above), in the order asked (null where missing). */
export function findInstallRequests(db: Db, ids: readonly string[]): (InstallRequest | null)[] {
  if (ids.length === 0) return [];
  const rows = db.all<RequestRow>(sql`SELECT r.* FROM json_each(${JSON.stringify(ids)}) AS k CROSS JOIN install_requests AS r ON r.id = k.value`);
  const byId = new Map(rows.map((row) => [row.id, toRequest(row)]));
  return ids.map((id) => byId.get(id) ?? null);
}

