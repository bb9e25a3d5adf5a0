import { sql } from 'drizzle-orm';
import type { Principal } from '../auth/principal';
import type { Db } from '../db/open';
import type { HistoryEventType, Resolution, TokenKind } from '../db/schema';
import { BadUserInputError } from '../errors';
import { decodeCursor, encodeCursor, pageSize, toPage, type Page } from './pagination';

/** The typed data each event type records in `app_history_events.data`. */
export interface ApprovalStatusChangedData {
  from: Resolution;
  to: Resolution;
  reason: string | null;
  /** The scopes an approval covers; absent on events written before scopes were recorded. */
  approvedScopes?: string[] | null;
  /** The install request the decision was made on, when it was made by request id. */
  requestId?: string | null;
}
/** A workspace-level decision changed (seed 002). `unresolved` means "no workspace decision". */
export interface WorkspaceResolutionChangedData {
  workspaceId: string;
  from: Resolution;
  to: Resolution;
  approvedScopes: string[] | null;
  requestId: string | null;
  reason: string | null;
}
/** An org-level restriction removed a workspace's approval. */
export interface WorkspaceApprovalVoidedData {
  workspaceId: string;
  reason: string | null;
}
export interface InstallRequestCreatedData {
  requestId: string;
  workspaceId: string;
  scopes: string[];
  message: string | null;
  requester: string;
}
export interface InstallRequestResolvedData {
  requestId: string;
  workspaceId: string;
  status: 'approved' | 'restricted';
  /** Where the deciding call acted: null for org level, else the workspace. */
  decidedInWorkspaceId: string | null;
  reason: string | null;
}
export interface InstallRequestCancelledData {
  requestId: string;
  workspaceId: string;
  reason: string | null;
}
/** The app's scopes outgrew an org-level approval: it needs re-approval at org level. */
export interface ApprovalLostData {
  approvedScopes: string[];
  requestedScopes: string[];
  /** The scopes the approval did not cover. */
  uncoveredScopes: string[];
  reason: string | null;
}
export type AppField = 'ownerEmail' | 'category' | 'riskLevel';
export interface AppFieldChange {
  field: AppField;
  from: string | null;
  to: string | null;
}
export interface AppUpdatedData {
  changes: AppFieldChange[];
  reason: string | null;
}
export interface NoteAddedData {
  note: string;
}

export type EventBody =
  | { type: 'APPROVAL_STATUS_CHANGED'; data: ApprovalStatusChangedData }
  | { type: 'APP_UPDATED'; data: AppUpdatedData }
  | { type: 'NOTE_ADDED'; data: NoteAddedData }
  | { type: 'WORKSPACE_RESOLUTION_CHANGED'; data: WorkspaceResolutionChangedData }
  | { type: 'WORKSPACE_APPROVAL_VOIDED'; data: WorkspaceApprovalVoidedData }
  | { type: 'INSTALL_REQUEST_CREATED'; data: InstallRequestCreatedData }
  | { type: 'INSTALL_REQUEST_RESOLVED'; data: InstallRequestResolvedData }
  | { type: 'INSTALL_REQUEST_CANCELLED'; data: InstallRequestCancelledData }
  | { type: 'APPROVAL_LOST_SCOPE_CHANGE'; data: ApprovalLostData };

export type HistoryEvent = {
  seq: number;
  id: string;
  clientId: string;
  appId: string;
  actor: { id: string; kind: TokenKind; name: string };
  createdAt: Date;
  cursor: string;
} & EventBody;

export type NewHistoryEvent = { eventId: string; appId: string } & EventBody;

/**
 * Appends events for one client in ONE statement, however many: the rows
 * travel as a JSON array.
 */
export function insertHistoryEvents(
  tx: Db,
  clientId: string,
  actor: Principal,
  at: Date,
  events: readonly NewHistoryEvent[],
): void {
  if (events.length === 0) return;
  const rows = JSON.stringify(events.map((e) => [e.eventId, e.appId, e.type, e.data]));
  tx.run(sql`
    INSERT INTO app_history_events (id, client_id, app_id, type, actor_id, actor_kind, actor_name, data, created_at)
    SELECT j.value ->> 0, ${clientId}, j.value ->> 1, j.value ->> 2,
           ${actor.tokenId}, ${actor.kind}, ${actor.name}, j.value -> 3, ${at.getTime()}
    FROM json_each(${rows}) AS j`);
}

/** Appends one event and returns it as stored (with its sequence number and cursor). */
export function appendHistoryEvent(tx: Db, clientId: string, actor: Principal, at: Date, event: NewHistoryEvent): HistoryEvent {
  const row = tx.get<HistoryRow>(sql`
    INSERT INTO app_history_events (id, client_id, app_id, type, actor_id, actor_kind, actor_name, data, created_at)
    VALUES (${event.eventId}, ${clientId}, ${event.appId}, ${event.type}, ${actor.tokenId}, ${actor.kind}, ${actor.name},
            ${JSON.stringify(event.data)}, ${at.getTime()})
    RETURNING *`);
  return toEvent(row);
}

/** Which events a history listing returns. since is inclusive, until exclusive. */
export interface HistoryFilter {
  types: HistoryEventType[] | null;
  since: Date | null;
  until: Date | null;
}

export function parseHistoryFilter(input: {
  types?: readonly HistoryEventType[] | null;
  since?: Date | null;
  until?: Date | null;
}): HistoryFilter {
  if (input.types && input.types.length === 0) {
    throw new BadUserInputError('types must name at least one event type, or be omitted for all types', { field: 'types' });
  }
  const since = input.since ?? null;
  const until = input.until ?? null;
  if (since && until && since.getTime() > until.getTime()) {
    throw new BadUserInputError(`since (${since.toISOString()}) is after until (${until.toISOString()})`, { field: 'since' });
  }
  return { types: input.types ? [...new Set(input.types)] : null, since, until };
}

const HISTORY_CURSOR = 'hist';

export function decodeHistoryCursor(after: string | null | undefined): number | null {
  const values = decodeCursor(HISTORY_CURSOR, after, ['number']);
  return values ? (values[0] as number) : null;
}

interface HistoryRow {
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
    actor: { id: row.actor_id, kind: row.actor_kind, name: row.actor_name },
    createdAt: new Date(row.created_at),
    cursor: encodeCursor(HISTORY_CURSOR, [row.seq]),
    ...({ type: row.type, data: JSON.parse(row.data) } as EventBody),
  };
}

/** Bounds wider than any rowid or timestamp, so absent filters need no second query shape. */
const NEWEST = Number.MAX_SAFE_INTEGER;
const EARLIEST_MS = -8.64e15;
const LATEST_MS = 8.64e15;

/** One page of one app's history, as the history loader asks for it. */
export interface HistoryPageKey {
  clientId: string;
  appId: string;
  /** Page size, already validated. */
  first: number;
  /** Events strictly older than this sequence number; null for the newest. */
  beforeSeq: number | null;
  filter: HistoryFilter;
}

/**
 * Newest-first history pages for many (client, app) keys in ONE statement:
 * the keys and their filters travel as a JSON array, and a correlated
 * subquery walks the (client_id, app_id, seq) index for each, so a key costs
 * O(page size) however long its history is. Results come back in key order.
 */
export function historyPages(db: Db, keys: readonly HistoryPageKey[]): Page<HistoryEvent>[] {
  if (keys.length === 0) return [];
  const limit = Math.max(...keys.map((k) => k.first)) + 1;
  const keyJson = JSON.stringify(
    keys.map((k) => ({
      c: k.clientId,
      a: k.appId,
      b: k.beforeSeq ?? NEWEST,
      t: k.filter.types,
      s: k.filter.since?.getTime() ?? EARLIEST_MS,
      u: k.filter.until?.getTime() ?? LATEST_MS,
    })),
  );
  const rows = db.all<HistoryRow & { k: number }>(sql`
    SELECT k.key AS k, e.*
    FROM json_each(${keyJson}) AS k
    JOIN app_history_events AS e ON e.seq IN (
      SELECT h.seq FROM app_history_events AS h
      WHERE h.client_id = k.value ->> '$.c' AND h.app_id = k.value ->> '$.a' AND h.seq < k.value ->> '$.b'
        AND (k.value ->> '$.t' IS NULL OR h.type IN (SELECT value FROM json_each(k.value -> '$.t')))
        AND h.created_at >= k.value ->> '$.s' AND h.created_at < k.value ->> '$.u'
      ORDER BY h.seq DESC
      LIMIT ${limit})
    ORDER BY k.key, e.seq DESC`);
  const byKey: HistoryRow[][] = keys.map(() => []);
  for (const row of rows) byKey[row.k]!.push(row);
  return keys.map((key, i) => {
    const page = toPage(byKey[i]!, key.first);
    return { items: page.items.map(toEvent), hasNextPage: page.hasNextPage };
  });
}

/** The client-wide audit view: every event of every app of one client, newest first. */
export function clientHistoryPage(
  db: Db,
  input: { clientId: string; first?: number | null; after?: string | null; filter: HistoryFilter },
): Page<HistoryEvent> {
  const size = pageSize(input.first);
  const beforeSeq = decodeHistoryCursor(input.after) ?? NEWEST;
  const { types, since, until } = input.filter;
  const typesJson = types ? JSON.stringify(types) : null;
  const rows = db.all<HistoryRow>(sql`
    SELECT e.* FROM app_history_events AS e
    WHERE e.client_id = ${input.clientId} AND e.seq < ${beforeSeq}
      AND (${typesJson} IS NULL OR e.type IN (SELECT value FROM json_each(${typesJson})))
      AND e.created_at >= ${since?.getTime() ?? EARLIEST_MS} AND e.created_at < ${until?.getTime() ?? LATEST_MS}
    ORDER BY e.seq DESC
    LIMIT ${size + 1}`);
  const page = toPage(rows, size);
  return { items: page.items.map(toEvent), hasNextPage: page.hasNextPage };
}

