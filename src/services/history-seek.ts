import { sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/open';
import { HISTORY_EVENT_TYPES, type HistoryEventType, type ActorKind } from '../db/schema';

export interface HistoryRow {
  seq: number;
  id: string;
  client_id: string;
  app_id: string;
  type: HistoryEventType;
  actor_id: string;
  actor_kind: ActorKind;
  actor_name: string;
  data: string;
  created_at: number;
  client_seq: number;
}

/** Where a page continues: after the event at this (time, client_seq), newest first. */
export interface HistoryPosition {
  at: number;
  clientSeq: number;
}

/** One listing to seek: a client's whole history, or one app's history for a client. */
export interface HistorySeekKey {
  clientId: string;
  /** Null: every app of the client (the audit view). */
  appId: string | null;
  first: number;
  after: HistoryPosition | null;
  types: readonly HistoryEventType[] | null;
  /** Inclusive lower bound on created_at (ms), or null. */
  since: number | null;
  /** Exclusive upper bound on created_at (ms), or null. */
  until: number | null;
}

/** Bounds wider than any timestamp, so absent filters need no other query shape. */
export const EARLIEST_MS = -8.64e15;
export const LATEST_MS = 8.64e15;

interface Segment {
  /** Index of the key it serves. */
  k: number;
  c: string;
  a: string | null;
  t: HistoryEventType;
  /** Tie segment: events at exactly this time with a smaller client_seq. */
  at?: number;
  cs?: number;
  /** Range segment: lo <= created_at < hi. */
  lo?: number;
  hi?: number;
}

type ArmShape = { scope: 'app' | 'client'; tie: boolean };

/**
 * One arm: for each segment, a correlated subquery that seeks one index range
 * and stops after `limit` rows. Ties within one millisecond (a bulk call's
 * events share it) get their own arm, an equality on created_at plus a range
 * on client_seq, because SQLite does not seek on the second column of a row
 * value. Per client, (created_at, client_seq) is commit order (history.ts).
 */
function arm(shape: ArmShape, segments: Segment[], limit: number): SQL {
  const where = [sql`h.client_id = k.value ->> '$.c'`];
  if (shape.scope === 'app') where.push(sql`h.app_id = k.value ->> '$.a'`);
  where.push(sql`h.type = k.value ->> '$.t'`);
  if (shape.tie) where.push(sql`h.created_at = k.value ->> '$.at' AND h.client_seq < k.value ->> '$.cs'`);
  else where.push(sql`h.created_at >= k.value ->> '$.lo' AND h.created_at < k.value ->> '$.hi'`);
  const order = shape.tie ? sql`h.client_seq DESC` : sql`h.created_at DESC, h.client_seq DESC`;
  const index = sql.raw(shape.scope === 'app' ? 'app_history_events_app_type_idx' : 'app_history_events_client_type_idx');
  // Pinned, so ANALYZE's statistics cannot change the plan (test/query-plans-statistics.test.ts): CROSS JOIN keeps
  // the segments the outer loop (with statistics SQLite otherwise walks every event, testing each against the
  // subquery), INDEXED BY keeps the seek on the index the segment is a range of.
  return sql`SELECT k.value ->> '$.k' AS k, e.* FROM json_each(${JSON.stringify(segments)}) AS k
    CROSS JOIN app_history_events AS e ON e.seq IN (
      SELECT h.seq FROM app_history_events AS h INDEXED BY ${index} WHERE ${sql.join(where, sql` AND `)} ORDER BY ${order} LIMIT ${limit})`;
}

/**
 * The types a key's page is sought in: those named, else every type (history's indexes are
 * per type, so an unfiltered page merges every type's run).
 */
export function typesOf(key: HistorySeekKey): readonly HistoryEventType[] {
  return key.types ?? HISTORY_EVENT_TYPES;
}

/** The index ranges one key's page lies in: per type sought, a range and maybe a tie. */
function segmentsOf(key: HistorySeekKey, k: number): { tie: Segment[]; range: Segment[] } {
  const lo = key.since ?? EARLIEST_MS;
  const until = key.until ?? LATEST_MS;
  const hi = key.after ? Math.min(until, key.after.at) : until;
  const tie: Segment[] = [];
  const range: Segment[] = [];
  for (const t of typesOf(key)) {
    const base = { k, c: key.clientId, a: key.appId, t };
    if (key.after && key.after.at >= lo && key.after.at < until) tie.push({ ...base, at: key.after.at, cs: key.after.clientSeq });
    if (lo < hi) range.push({ ...base, lo, hi });
  }
  return { tie, range };
}

/**
 * Newest-first pages for many listings in ONE statement. Each filter is part
 * of an index range ((client, [app,] type, created_at, client_seq)), so a page
 * costs O(page size × types sought), however much history precedes it, falls
 * outside the time bounds or is of other types. Results come in key order.
 */
export function seekHistory(db: Db, keys: readonly HistorySeekKey[]): { rows: HistoryRow[]; hasNextPage: boolean }[] {
  if (keys.length === 0) return [];
  const limit = Math.max(...keys.map((key) => key.first)) + 1;
  const groups = new Map<string, { shape: ArmShape; segments: Segment[] }>();
  const add = (shape: ArmShape, segments: Segment[]) => {
    if (segments.length === 0) return;
    const name = `${shape.scope}/${shape.tie}`;
    const group = groups.get(name) ?? { shape, segments: [] };
    group.segments.push(...segments);
    groups.set(name, group);
  };
  keys.forEach((key, k) => {
    const scope = key.appId === null ? 'client' : 'app';
    const { tie, range } = segmentsOf(key, k);
    add({ scope, tie: true }, tie);
    add({ scope, tie: false }, range);
  });
  const byKey: HistoryRow[][] = keys.map(() => []);
  if (groups.size > 0) {
    const arms = [...groups.values()].map((g) => arm(g.shape, g.segments, limit));
    const rows = db.all<HistoryRow & { k: number }>(sql.join(arms, sql` UNION ALL `));
    for (const row of rows) byKey[row.k]!.push(row);
  }
  return keys.map((key, i) => newestFirstPage(byKey[i]!, key.first));
}

/** One key's page from the rows its seeks found (each seek newest first, up to first + 1): merged newest first. */
export function newestFirstPage<R extends { created_at: number; client_seq: number }>(found: R[], first: number): { rows: R[]; hasNextPage: boolean } {
  const rows = found.sort((x, y) => y.created_at - x.created_at || y.client_seq - x.client_seq);
  return { rows: rows.slice(0, first), hasNextPage: rows.length > first };
}
