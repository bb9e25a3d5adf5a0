/**
 * The reads of live history streams on Postgres (see services/history-live.ts): the same
 * answers, one statement each. Postgres seeks on a row value, so "after (at, seq)" is one
 * LATERAL seek per type on the history index of its scope, walked forwards and stopped after n.
 */
import { sql } from 'drizzle-orm';
import type { PgDb } from '../../db/postgres';
import { HISTORY_EVENT_TYPES } from '../../db/schema';
import { type HistoryPosition, type HistoryRow } from '../../services/history-seek';
import { oldestFirst, type EventPosition, type HistoryAfterKey } from '../../services/history-live';
import { toRequest, type InstallRequest, type RequestRow } from '../../services/install-requests';
import { EVENT_COLUMNS, historyRow, type PgHistoryRow } from './history';
import { pgRows } from './rows';

export async function historyAfter(db: PgDb, key: HistoryAfterKey): Promise<HistoryRow[]> {
  const types = JSON.stringify(key.types ?? HISTORY_EVENT_TYPES);
  const app = key.appId === null ? sql`` : sql`AND h.app_id = ${key.appId}`;
  const result = await db.execute(sql`
    SELECT s.* FROM jsonb_array_elements_text(${types}::jsonb) AS t(type)
    CROSS JOIN LATERAL (
      SELECT ${EVENT_COLUMNS} FROM app_history_events AS h
      WHERE h.client_id = ${key.clientId} ${app} AND h.type = t.type
        AND (h.created_at, h.client_seq) > (${key.after.at}::bigint, ${key.after.clientSeq}::bigint)
      ORDER BY h.created_at, h.client_seq
      LIMIT ${key.first}) AS s`);
  return oldestFirst((result.rows as PgHistoryRow[]).map(historyRow), key.first);
}

export async function historyHeads(db: PgDb, clientIds: readonly string[]): Promise<Map<string, HistoryPosition>> {
  if (clientIds.length === 0) return new Map();
  const result = await db.execute(sql`
    SELECT id, history_at AS at, history_seq AS seq FROM clients
    WHERE id IN (SELECT value FROM jsonb_array_elements_text(${JSON.stringify(clientIds)}::jsonb))`);
  return new Map((result.rows as { id: string; at: string | number; seq: string | number }[]).map((r) => [r.id, { at: Number(r.at), clientSeq: Number(r.seq) }]));
}

export async function eventPosition(db: PgDb, eventId: string): Promise<EventPosition | null> {
  const result = await db.execute(sql`SELECT client_id, created_at, client_seq FROM app_history_events WHERE id = ${eventId}`);
  const row = result.rows[0] as { client_id: string; created_at: string | number; client_seq: string | number } | undefined;
  return row ? { clientId: row.client_id, at: Number(row.created_at), clientSeq: Number(row.client_seq) } : null;
}

export async function findInstallRequests(db: PgDb, ids: readonly string[]): Promise<(InstallRequest | null)[]> {
  if (ids.length === 0) return [];
  const rows = await pgRows(db)<RequestRow>(sql`
    SELECT * FROM install_requests WHERE id IN (SELECT value FROM jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))`);
  const byId = new Map(rows.map((row) => [row.id, toRequest(row)]));
  return ids.map((id) => byId.get(id) ?? null);
}
