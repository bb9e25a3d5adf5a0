import { sql } from 'drizzle-orm';
import type { Db } from '../db/open';
import type { HistoryEventType, Resolution, TokenKind } from '../db/schema';
import { decodeCursor, encodeCursor, type Page } from './pagination';

/** What an APPROVAL_STATUS_CHANGED event records, in `app_history_events.data`. */
export interface ApprovalStatusChangedData {
  from: Resolution;
  to: Resolution;
}

export interface HistoryEvent {
  seq: number;
  id: string;
  clientId: string;
  appId: string;
  type: HistoryEventType;
  actor: { id: string; kind: TokenKind; name: string };
  data: Record<string, unknown>;
  createdAt: Date;
  cursor: string;
}

/** One page of one app's history, as the history loader asks for it. */
export interface HistoryPageKey {
  clientId: string;
  appId: string;
  /** Page size, already validated. */
  first: number;
  /** Events strictly older than this sequence number; null for the newest. */
  beforeSeq: number | null;
}

const HISTORY_CURSOR = 'hist';

export function decodeHistoryCursor(after: string | null | undefined): number | null {
  const values = decodeCursor(HISTORY_CURSOR, after, ['number']);
  return values ? (values[0] as number) : null;
}

interface HistoryRow {
  k: number;
  seq: number;
  id: string;
  client_id: string;
  app_id: string;
  type: HistoryEventType;
  actor_id: string;
  actor_kind: TokenKind;
  actor_name: string;
  data: string;
  created_at: number;
}

function toEvent(row: HistoryRow): HistoryEvent {
  return {
    seq: row.seq,
    id: row.id,
    clientId: row.client_id,
    appId: row.app_id,
    type: row.type,
    actor: { id: row.actor_id, kind: row.actor_kind, name: row.actor_name },
    data: JSON.parse(row.data) as Record<string, unknown>,
    createdAt: new Date(row.created_at),
    cursor: encodeCursor(HISTORY_CURSOR, [row.seq]),
  };
}

/** Larger than any rowid SQLite hands out, so "no cursor" needs no second query shape. */
const NEWEST = Number.MAX_SAFE_INTEGER;

/**
 * Newest-first history pages for many (client, app) keys in ONE statement:
 * the keys travel as a JSON array, and a correlated subquery walks the
 * (client_id, app_id, seq) index for each, so every key costs O(page size)
 * however long its history is. Results come back in key order.
 */
export function historyPages(db: Db, keys: readonly HistoryPageKey[]): Page<HistoryEvent>[] {
  if (keys.length === 0) return [];
  const limit = Math.max(...keys.map((k) => k.first)) + 1;
  const keyJson = JSON.stringify(keys.map((k) => ({ c: k.clientId, a: k.appId, b: k.beforeSeq ?? NEWEST })));
  const rows = db.all<HistoryRow>(sql`
    SELECT k.key AS k, e.seq, e.id, e.client_id, e.app_id, e.type, e.actor_id, e.actor_kind, e.actor_name,
           e.data, e.created_at
    FROM json_each(${keyJson}) AS k
    JOIN app_history_events AS e ON e.seq IN (
      SELECT h.seq FROM app_history_events AS h
      WHERE h.client_id = k.value ->> '$.c' AND h.app_id = k.value ->> '$.a' AND h.seq < k.value ->> '$.b'
      ORDER BY h.seq DESC
      LIMIT ${limit})
    ORDER BY k.key, e.seq DESC`);
  const byKey: HistoryRow[][] = keys.map(() => []);
  for (const row of rows) byKey[row.k]!.push(row);
  return keys.map((key, i) => {
    const keyRows = byKey[i]!;
    return { items: keyRows.slice(0, key.first).map(toEvent), hasNextPage: keyRows.length > key.first };
  });
}
