import { sql } from 'drizzle-orm';
import type { Principal } from '../auth/principal';
import type { Db } from '../db/open';
import type { HistoryEventType, Resolution, TokenKind } from '../db/schema';
import { BadUserInputError } from '../errors';
import { seekHistory, type HistoryPosition, type HistoryRow } from './history-seek';
import { decodeCursor, pageSize, withCursor, type Page } from './pagination';

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
 * travel as a JSON array of arrays. jsonb_each hands each row over as JSONB,
 * so its four fields are read without parsing the row's text four times
 * (json_each's text rows cost about three times as much per 1,000 events).
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
    FROM jsonb_each(${rows}) AS j`);
}

/** Appends one event and returns it as stored (with its sequence number and cursor). */
export function appendHistoryEvent(tx: Db, clientId: string, actor: Principal, at: Date, event: NewHistoryEvent): HistoryEvent {
  const row = tx.get<HistoryRow>(sql`
    INSERT INTO app_history_events (id, client_id, app_id, type, actor_id, actor_kind, actor_name, data, created_at)
    VALUES (${event.eventId}, ${clientId}, ${event.appId}, ${event.type}, ${actor.tokenId}, ${actor.kind}, ${actor.name},
            ${JSON.stringify(event.data)}, ${at.getTime()})
    RETURNING *`);
  return toEvent(row, historyListOf({ clientId, appId: event.appId, filter: NO_FILTER }));
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
const NO_FILTER: HistoryFilter = { types: null, since: null, until: null };

/**
 * The list a history cursor belongs to: the client, the app (null for the
 * client-wide view) and the filters. A cursor only continues its own list.
 */
export function historyListOf(list: { clientId: string; appId: string | null; filter: HistoryFilter }): string {
  const { types, since, until } = list.filter;
  return JSON.stringify([list.clientId, list.appId, types ? [...types].sort() : null, since?.getTime() ?? null, until?.getTime() ?? null]);
}

/** The position an `after` cursor names, checked against the list it is used on (BAD_USER_INPUT otherwise). */
export function decodeHistoryCursor(
  after: string | null | undefined,
  list: { clientId: string; appId: string | null; filter: HistoryFilter },
): HistoryPosition | null {
  const values = decodeCursor(HISTORY_CURSOR, after, ['number', 'number'], 'after', historyListOf(list));
  return values ? { at: values[0] as number, seq: values[1] as number } : null;
}

function toEvent(row: HistoryRow, list: string): HistoryEvent {
  const event = {
    seq: row.seq,
    id: row.id,
    clientId: row.client_id,
    appId: row.app_id,
    actor: { id: row.actor_id, kind: row.actor_kind, name: row.actor_name },
    createdAt: new Date(row.created_at),
    ...({ type: row.type, data: JSON.parse(row.data) } as EventBody),
  };
  // Sealed only if a cursor is selected: `apps(first: 100) { history(first: 5) }` would seal 500 otherwise.
  return withCursor(event, HISTORY_CURSOR, [row.created_at, row.seq], list);
}

/** One page of one app's history, as the history loader asks for it. */
export interface HistoryPageKey {
  clientId: string;
  appId: string;
  /** Page size, already validated. */
  first: number;
  /** Continue after this position (from a decoded cursor); null for the newest. */
  after: HistoryPosition | null;
  filter: HistoryFilter;
}

/**
 * Newest-first history pages for many (client, app) keys in ONE statement,
 * each an index seek (see seekHistory), in key order.
 */
export function historyPages(db: Db, keys: readonly HistoryPageKey[]): Page<HistoryEvent>[] {
  const pages = seekHistory(
    db,
    keys.map((k) => ({
      clientId: k.clientId,
      appId: k.appId,
      first: k.first,
      after: k.after,
      types: k.filter.types,
      since: k.filter.since?.getTime() ?? null,
      until: k.filter.until?.getTime() ?? null,
    })),
  );
  return pages.map((page, i) => {
    const list = historyListOf(keys[i]!);
    return { items: page.rows.map((row) => toEvent(row, list)), hasNextPage: page.hasNextPage };
  });
}

/** The client-wide audit view: every event of every app of one client, newest first. */
export function clientHistoryPage(
  db: Db,
  input: { clientId: string; first?: number | null; after?: string | null; filter: HistoryFilter },
): Page<HistoryEvent> {
  const size = pageSize(input.first);
  const listKey = { clientId: input.clientId, appId: null, filter: input.filter };
  const after = decodeHistoryCursor(input.after, listKey);
  const { types, since, until } = input.filter;
  const [page] = seekHistory(db, [
    { clientId: input.clientId, appId: null, first: size, after, types, since: since?.getTime() ?? null, until: until?.getTime() ?? null },
  ]);
  const list = historyListOf(listKey);
  return { items: page!.rows.map((row) => toEvent(row, list)), hasNextPage: page!.hasNextPage };
}
