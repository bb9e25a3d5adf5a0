/**
 * The Postgres store for history: the claim and appends every write uses (as services/history.ts
 * on SQLite), and the reads of services/history.ts: the loader's batch of app history pages and the
 * client-wide audit view, with the same order, filters, cursors and events.
 *
 * Order, as on SQLite: per client, newest first by (created_at, client_seq), which is commit order
 * (the head on the client row is bumped under the tenant's lock; no sequence orders anything).
 */
import { sql, type SQL } from 'drizzle-orm';
import type { Principal } from '../../auth/principal';
import type { PgDb } from '../../db/postgres';
import { NotFoundError, UnavailableError } from '../../errors';
import {
  decodeHistoryCursor,
  historyListOf,
  legacySeqsOf,
  positionsOf,
  seekKeyOf,
  toEvent,
  type HistoryAfter,
  type HistoryClaim,
  type HistoryEvent,
  type HistoryFilter,
  type HistoryPageKey,
  type LegacyEventRow,
  type NewHistoryEvent,
} from '../../services/history';
import { EARLIEST_MS, LATEST_MS, newestFirstPage, typesOf, type HistoryPosition, type HistoryRow, type HistorySeekKey } from '../../services/history-seek';
import { pageSize, type Page } from '../../services/pagination';
import { expireLapsedPg } from './expiry';
import { isUnavailable, type PgTx } from './transaction';

/** A pool or a transaction: what runs a statement. */
type Runner = Pick<PgDb, 'execute'> | Pick<PgTx, 'execute'>;

async function rows<T>(tx: Runner, query: SQL): Promise<T[]> {
  return (await tx.execute(query)).rows as T[];
}

/** A read outside a write: a database that is busy or away answers UNAVAILABLE (503), as a write does, never a 500. */
async function read<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (isUnavailable(error)) throw new UnavailableError('The database is busy or not answering. Retry after 1 s.', 1);
    throw error;
  }
}

/** An event row as Postgres returns it: int8 as text (Drizzle's execute), data as jsonb text (`data::text`). */
export type PgHistoryRow = Omit<HistoryRow, 'seq' | 'created_at' | 'client_seq'> & { seq: number | string; created_at: number | string; client_seq: number | string };

/** The columns of an event, in HistoryRow's shape; `data::text` so toEvent parses it as it parses SQLite's text. */
export const EVENT_COLUMNS = sql.raw('h.seq, h.id, h.client_id, h.app_id, h.type, h.actor_id, h.actor_kind, h.actor_name, h.data::text AS data, h.created_at, h.client_seq');

export function historyRow(row: PgHistoryRow): HistoryRow {
  return { ...row, seq: Number(row.seq), created_at: Number(row.created_at), client_seq: Number(row.client_seq) };
}

/**
 * Said in every history claim: Postgres delivers it to every listening instance when (and only
 * if) the transaction commits, with the client's id, so their live streams read at once
 * (src/live/hub.ts). One per client per transaction, however many events: Postgres folds
 * repeats of one payload.
 */
export const HISTORY_CHANNEL = 'appgov_history';
export const HISTORY_NOTIFY = sql.raw(`pg_notify('${HISTORY_CHANNEL}', id) AS notified`);

/** The history claim (see services/history.ts claimHistory): under the tenant lock, one statement. */
export async function claimHistoryPg(tx: PgTx, clientId: string, now: Date, count: number, dueAt: number | null = null): Promise<HistoryClaim> {
  const claim = async () =>
    (
      await rows<{ seq: number | string; at: number | string }>(tx, sql`
    UPDATE clients SET history_seq = history_seq + ${count}, history_at = GREATEST(history_at, ${now.getTime()}::bigint),
                       approvals_due_at = ${dueAt === null ? sql`approvals_due_at` : sql`LEAST(approvals_due_at, ${dueAt}::bigint)`}
    WHERE id = ${clientId} AND (approvals_due_at IS NULL OR approvals_due_at > ${now.getTime()}::bigint)
    RETURNING history_seq AS seq, history_at AS at, ${HISTORY_NOTIFY}`)
    )[0];
  // No row: no such client, or one of its approvals has ended: its expiry is written first (before this
  // write's events; the caller holds the tenant's lock), and the claim is made again.
  const head = (await claim()) ?? ((await expireLapsedPg(tx, clientId, now)) !== null ? await claim() : undefined);
  if (!head) throw new NotFoundError('Client not found', { field: 'clientId' });
  // Drizzle's queries parse int8 with pg's global parser (a string), whatever the pool's own: read as numbers here.
  const seq = Number(head.seq);
  return { clientId, at: new Date(Number(head.at)), firstSeq: seq - count + 1, count };
}

/** Appends the claimed events in one statement, numbered from the claim in the order given. */
export async function insertHistoryEventsPg(tx: PgTx, clientId: string, actor: Principal, claim: HistoryClaim, events: readonly NewHistoryEvent[]): Promise<void> {
  if (events.length === 0) return;
  if (claim.clientId !== clientId || claim.count !== events.length) {
    throw new Error(`history claim for ${claim.count} events of ${claim.clientId} used for ${events.length} of ${clientId}`);
  }
  const data = JSON.stringify(events.map((e) => [e.eventId, e.appId, e.type, e.data]));
  await tx.execute(sql`
    INSERT INTO app_history_events (id, client_id, app_id, type, actor_id, actor_kind, actor_name, data, created_at, client_seq)
    SELECT j.value ->> 0, ${clientId}, j.value ->> 1, j.value ->> 2, ${actor.tokenId}, ${actor.kind}, ${actor.name},
           j.value -> 3, ${claim.at.getTime()}::bigint, ${claim.firstSeq}::bigint + j.ord - 1
    FROM jsonb_array_elements(${data}::jsonb) WITH ORDINALITY AS j(value, ord)`);
}

/**
 * The positions of `afters` (see services/history.ts positionsOf), legacy cursors' events looked
 * up in ONE statement, none when there is no legacy cursor.
 */
async function resolveAfter(db: Runner, keys: readonly { clientId: string; after: HistoryAfter | null }[]): Promise<(HistoryPosition | null)[]> {
  const legacy = legacySeqsOf(keys);
  const found = new Map<number, LegacyEventRow>();
  if (legacy.length > 0) {
    const lookedUp = await rows<{ seq: string | number; client_id: string; client_seq: string | number; created_at: string | number }>(db, sql`
      SELECT seq, client_id, client_seq, created_at FROM app_history_events
      WHERE seq IN (SELECT j.value::bigint FROM jsonb_array_elements_text(${JSON.stringify(legacy)}::jsonb) AS j(value))`);
    for (const row of lookedUp) {
      found.set(Number(row.seq), { client_id: row.client_id, client_seq: Number(row.client_seq), created_at: Number(row.created_at) });
    }
  }
  return positionsOf(keys, found);
}

/** The smallest client_seq bound: `(until, MIN)` excludes exactly the events at `until` and later. */
const BEFORE_ANY_SEQ = Number.MIN_SAFE_INTEGER;

/**
 * One seek: events of one client (and app), of one type, with lo <= created_at and
 * (created_at, client_seq) < (at, cs), newest first, at most n. Postgres seeks on a row value,
 * so a cursor's tie (a bulk call's events share one millisecond) needs no arm of its own.
 */
interface Segment {
  /** Index of the key it serves. */
  k: number;
  c: string;
  a: string | null;
  t: string;
  lo: number;
  at: number;
  cs: number;
  n: number;
}

function segmentsOf(key: HistorySeekKey, k: number): Segment[] {
  const lo = key.since ?? EARLIEST_MS;
  const until = key.until ?? LATEST_MS;
  // The page ends before the cursor's event when that is inside the window, else at `until`.
  const [at, cs] = key.after && key.after.at < until ? [key.after.at, key.after.clientSeq] : [until, BEFORE_ANY_SEQ];
  if (at < lo) return [];
  return typesOf(key).map((t) => ({ k, c: key.clientId, a: key.appId, t, lo, at, cs, n: key.first + 1 }));
}

/**
 * One arm: per segment, a LATERAL index seek on the index of its scope ((client, app, type,
 * created_at, client_seq) or (client, type, created_at, client_seq)), walked backwards from the
 * keyset bound and stopped after n rows: a page costs its own rows, never the history before it.
 */
function arm(scope: 'app' | 'client', segments: Segment[]): SQL {
  const app = scope === 'app' ? sql`AND h.app_id = k.value ->> 'a'` : sql``;
  return sql`
    SELECT (k.value ->> 'k')::int AS k, s.* FROM jsonb_array_elements(${JSON.stringify(segments)}::jsonb) AS k(value)
    CROSS JOIN LATERAL (
      SELECT ${EVENT_COLUMNS} FROM app_history_events AS h
      WHERE h.client_id = k.value ->> 'c' ${app} AND h.type = k.value ->> 't'
        AND h.created_at >= (k.value ->> 'lo')::bigint
        AND (h.created_at, h.client_seq) < ((k.value ->> 'at')::bigint, (k.value ->> 'cs')::bigint)
      ORDER BY h.created_at DESC, h.client_seq DESC
      LIMIT (k.value ->> 'n')::int) AS s`;
}

/** Newest-first pages for many listings in ONE statement (see services/history-seek.ts seekHistory), in key order. */
async function seekHistoryPg(db: Runner, keys: readonly HistorySeekKey[]): Promise<{ rows: HistoryRow[]; hasNextPage: boolean }[]> {
  const byScope = { app: [] as Segment[], client: [] as Segment[] };
  keys.forEach((key, k) => byScope[key.appId === null ? 'client' : 'app'].push(...segmentsOf(key, k)));
  const arms = (['app', 'client'] as const).filter((scope) => byScope[scope].length > 0).map((scope) => arm(scope, byScope[scope]));
  const byKey: HistoryRow[][] = keys.map(() => []);
  if (arms.length > 0) {
    for (const row of await rows<PgHistoryRow & { k: number }>(db, sql.join(arms, sql` UNION ALL `))) {
      const { k, ...event } = row;
      byKey[k]!.push(historyRow(event));
    }
  }
  return keys.map((key, i) => newestFirstPage(byKey[i]!, key.first));
}

/**
 * Newest-first history pages for many (client, app) keys, in key order: ONE statement (two when
 * a legacy cursor is among them), however many keys.
 */
export async function historyPages(db: PgDb, keys: readonly HistoryPageKey[]): Promise<Page<HistoryEvent>[]> {
  if (keys.length === 0) return [];
  return read(async () => {
    const afters = await resolveAfter(db, keys);
    const pages = await seekHistoryPg(db, keys.map((k, i) => seekKeyOf(k, afters[i]!)));
    return pages.map((page, i) => {
      const list = historyListOf(keys[i]!);
      return { items: page.rows.map((row) => toEvent(row, list)), hasNextPage: page.hasNextPage };
    });
  });
}

/** The client-wide audit view: every event of every app of one client, newest first. */
export async function clientHistoryPage(
  db: PgDb,
  input: { clientId: string; first?: number | null; after?: string | null; filter: HistoryFilter },
): Promise<Page<HistoryEvent>> {
  const size = pageSize(input.first);
  const listKey = { clientId: input.clientId, appId: null, filter: input.filter };
  const decoded = decodeHistoryCursor(input.after, listKey);
  return read(async () => {
    const [after] = await resolveAfter(db, [{ clientId: input.clientId, after: decoded }]);
    const [page] = await seekHistoryPg(db, [seekKeyOf({ ...listKey, first: size }, after!)]);
    const list = historyListOf(listKey);
    return { items: page!.rows.map((row) => toEvent(row, list)), hasNextPage: page!.hasNextPage };
  });
}
