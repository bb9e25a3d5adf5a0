import { sql } from 'drizzle-orm';
import type { Principal } from '../auth/principal';
import type { Db } from '../db/open';
import type { ActorKind, HistoryEventType, Resolution } from '../db/schema';
import { expireLapsed } from './expiry';
import { BadUserInputError, NotFoundError } from '../errors';
import { seekHistory, type HistoryPosition, type HistoryRow, type HistorySeekKey } from './history-seek';
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
  /**
   * When the new approval ends (ISO 8601); null when the decision drops an end the approval had;
   * absent when no end is involved.
   */
  expiresAt?: string | null;
}
/** A workspace-level decision changed. `unresolved` means "no workspace decision". */
export interface WorkspaceResolutionChangedData {
  workspaceId: string;
  from: Resolution;
  to: Resolution;
  approvedScopes: string[] | null;
  requestId: string | null;
  reason: string | null;
  /** As on ApprovalStatusChangedData: the new approval's end, null when one is dropped, absent when none is involved. */
  expiresAt?: string | null;
}
/**
 * An approval reached its end and was taken back (written by appgov itself, actor kind `system`). The
 * event's time is the end, or the client's previous event time when that is later (history stays in
 * commit order); `expiredAt` is always the end.
 */
export interface ApprovalExpiredData {
  /** null: the org-level approval; else the workspace whose approval ended. */
  workspaceId: string | null;
  expiredAt: string;
  /** The approval that ended: its scopes, when and by which token it was given. */
  approvedScopes: string[] | null;
  approvedAt: string | null;
  approvedBy: string | null;
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
  | { type: 'APPROVAL_LOST_SCOPE_CHANGE'; data: ApprovalLostData }
  | { type: 'APPROVAL_EXPIRED'; data: ApprovalExpiredData };

export type HistoryEvent = {
  seq: number;
  id: string;
  clientId: string;
  appId: string;
  actor: { id: string; kind: ActorKind; name: string };
  createdAt: Date;
  cursor: string;
} & EventBody;

export type NewHistoryEvent = { eventId: string; appId: string } & EventBody;

/**
 * Where one write transaction's events go in its client's history. History
 * order is commit order: every writer (the writer thread, the main thread,
 * the CLI, another process on the same file) appends inside a transaction
 * that took the write lock first (BEGIN IMMEDIATE), and only then claims its
 * place by bumping the client's head. So per client, each commit's events are
 * numbered after every earlier commit's, and their time is never before the
 * previous event's even when this writer's clock is behind (another process,
 * or the clock was set back): newest first by (created_at, client_seq) is the
 * order the writes committed in, and a reader that polls "newest first until
 * the last event I saw" never misses one.
 */
export interface HistoryClaim {
  clientId: string;
  /** The events' time: the writer's clock, or the client's previous event time when that is later. */
  at: Date;
  /** The client_seq of the first event; the others follow it, in the order given. */
  firstSeq: number;
  count: number;
}

/**
 * Claims `count` places at the head of one client's history: ONE statement
 * (the head is the client row's history_seq and history_at). Call it inside
 * the write transaction, before writing anything that carries the time, and
 * use `at` for the transaction's writes.
 */
export function claimHistory(tx: Db, clientId: string, now: Date, count: number, dueAt: number | null = null): HistoryClaim {
  const claim = () =>
    tx.get<{ seq: number; at: number } | undefined>(sql`
    UPDATE clients SET history_seq = history_seq + ${count}, history_at = max(history_at, ${now.getTime()}),
                       approvals_due_at = ${lowerDue(dueAt)}
    WHERE id = ${clientId} AND (approvals_due_at IS NULL OR approvals_due_at > ${now.getTime()})
    RETURNING history_seq AS seq, history_at AS at`);
  // No row: no such client, or one of its approvals has ended. Its expiry is written first (it goes
  // before this write's events), and the claim is made again.
  const head = claim() ?? (expireLapsed(tx, clientId, now) !== null ? claim() : undefined);
  if (!head) throw new NotFoundError('Client not found', { field: 'clientId' });
  return { clientId, at: new Date(head.at), firstSeq: head.seq - count + 1, count };
}

/** The client's due time lowered to `dueAt` (a write that sets an approval's end), in SQL both stores run. */
export function lowerDue(dueAt: number | null) {
  return dueAt === null
    ? sql`approvals_due_at`
    : sql`CASE WHEN approvals_due_at IS NULL OR approvals_due_at > ${dueAt} THEN ${dueAt} ELSE approvals_due_at END`;
}

function checkClaim(claim: HistoryClaim, clientId: string, count: number): void {
  if (claim.clientId !== clientId || claim.count !== count) {
    throw new Error(`history claim for ${claim.count} events of ${claim.clientId} used for ${count} of ${clientId}`);
  }
}

/**
 * Appends events for one client in ONE statement, however many, at the
 * places `claim` holds: the rows travel as a JSON array of arrays. jsonb_each
 * hands each row over as JSONB, so its four fields are read without parsing
 * the row's text four times (json_each's text rows cost about three times as
 * much per 1,000 events); its key (0, 1, ...) numbers them from the claim.
 */
export function insertHistoryEvents(
  tx: Db,
  clientId: string,
  actor: Principal,
  claim: HistoryClaim,
  events: readonly NewHistoryEvent[],
): void {
  if (events.length === 0) return;
  checkClaim(claim, clientId, events.length);
  const rows = JSON.stringify(events.map((e) => [e.eventId, e.appId, e.type, e.data]));
  tx.run(sql`
    INSERT INTO app_history_events (id, client_id, app_id, type, actor_id, actor_kind, actor_name, data, created_at, client_seq)
    SELECT j.value ->> 0, ${clientId}, j.value ->> 1, j.value ->> 2,
           ${actor.tokenId}, ${actor.kind}, ${actor.name}, j.value -> 3, ${claim.at.getTime()}, ${claim.firstSeq} + j.key
    FROM jsonb_each(${rows}) AS j`);
}

/** Claims one place and appends one event there; returns it as stored (with its cursor). */
export function appendHistoryEvent(tx: Db, clientId: string, actor: Principal, now: Date, event: NewHistoryEvent): HistoryEvent {
  const claim = claimHistory(tx, clientId, now, 1);
  const row = tx.get<HistoryRow>(sql`
    INSERT INTO app_history_events (id, client_id, app_id, type, actor_id, actor_kind, actor_name, data, created_at, client_seq)
    VALUES (${event.eventId}, ${clientId}, ${event.appId}, ${event.type}, ${actor.tokenId}, ${actor.kind}, ${actor.name},
            ${JSON.stringify(event.data)}, ${claim.at.getTime()}, ${claim.firstSeq})
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

/** History cursors hold (created_at, client_seq). */
const HISTORY_CURSOR = 'history';
/**
 * Cursors issued before events were numbered per client held (created_at,
 * seq). Still accepted: the upgrade numbered every event in that very order,
 * so the event a legacy cursor names marks the same place (see resolveAfter).
 */
const LEGACY_HISTORY_CURSOR = 'hist';
export const NO_FILTER: HistoryFilter = { types: null, since: null, until: null };

/** Where an `after` cursor continues: a position, or a legacy cursor's event (by its row key) still to be looked up. */
export type HistoryAfter = HistoryPosition | { at: number; legacySeq: number };

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
): HistoryAfter | null {
  const binding = historyListOf(list);
  let values: (string | number)[] | null;
  try {
    values = decodeCursor(HISTORY_CURSOR, after, ['number', 'number'], 'after', binding);
  } catch (error) {
    let legacy: (string | number)[] | null;
    try {
      legacy = decodeCursor(LEGACY_HISTORY_CURSOR, after, ['number', 'number'], 'after', binding);
    } catch {
      throw error;
    }
    return legacy ? { at: legacy[0] as number, legacySeq: legacy[1] as number } : null;
  }
  return values ? { at: values[0] as number, clientSeq: values[1] as number } : null;
}

/** What a legacy cursor's event is checked against: its row, found by its key (seq). */
export interface LegacyEventRow {
  client_id: string;
  client_seq: number;
  created_at: number;
}

/** The row keys (seq) of the legacy cursors' events among `keys`, to look up in one statement (none: no lookup). */
export function legacySeqsOf(keys: readonly { after: HistoryAfter | null }[]): number[] {
  return keys.flatMap((k) => (k.after && 'legacySeq' in k.after ? [k.after.legacySeq] : []));
}

/**
 * The positions of `afters`, legacy cursors' events found in `found` (by seq). A legacy cursor
 * whose event is missing or not this client's is refused as any foreign cursor is.
 */
export function positionsOf(
  keys: readonly { clientId: string; after: HistoryAfter | null }[],
  found: ReadonlyMap<number, LegacyEventRow>,
): (HistoryPosition | null)[] {
  return keys.map(({ clientId, after }) => {
    if (!after || !('legacySeq' in after)) return after;
    const row = found.get(after.legacySeq);
    if (!row || row.client_id !== clientId || row.created_at !== after.at) {
      throw new BadUserInputError('after is not a valid cursor for this list', { field: 'after' });
    }
    return { at: after.at, clientSeq: row.client_seq };
  });
}

/**
 * The positions of `afters`, legacy cursors' events looked up in ONE
 * statement (none when there is no legacy cursor).
 */
function resolveAfter(db: Db, keys: readonly { clientId: string; after: HistoryAfter | null }[]): (HistoryPosition | null)[] {
  const legacy = legacySeqsOf(keys);
  const found =
    legacy.length === 0
      ? new Map<number, LegacyEventRow>()
      : new Map(
          // From the keys into the table (CROSS JOIN fixes that order): with statistics, `seq IN (…)` scanned it.
          db
            .all<{ seq: number } & LegacyEventRow>(sql`
              SELECT e.seq, e.client_id, e.client_seq, e.created_at FROM json_each(${JSON.stringify(legacy)}) AS k
              CROSS JOIN app_history_events AS e ON e.seq = k.value`)
            .map((row) => [row.seq, row]),
        );
  return positionsOf(keys, found);
}

/** An event as the API hands it out, from its row (data as JSON text), with its cursor for `list` (historyListOf). */
export function toEvent(row: HistoryRow, list: string): HistoryEvent {
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
  return withCursor(event, HISTORY_CURSOR, [row.created_at, row.client_seq], list);
}

/** One page of one app's history, as the history loader asks for it. */
export interface HistoryPageKey {
  clientId: string;
  appId: string;
  /** Page size, already validated. */
  first: number;
  /** Continue after this position (from a decoded cursor); null for the newest. */
  after: HistoryAfter | null;
  filter: HistoryFilter;
}

/** What one listing seeks: its scope, size and filters, from `after`'s resolved position. */
export function seekKeyOf(
  key: { clientId: string; appId: string | null; first: number; filter: HistoryFilter },
  after: HistoryPosition | null,
): HistorySeekKey {
  const { types, since, until } = key.filter;
  return { clientId: key.clientId, appId: key.appId, first: key.first, after, types, since: since?.getTime() ?? null, until: until?.getTime() ?? null };
}

/**
 * Newest-first history pages for many (client, app) keys in ONE statement,
 * each an index seek (see seekHistory), in key order.
 */
export function historyPages(db: Db, keys: readonly HistoryPageKey[]): Page<HistoryEvent>[] {
  const afters = resolveAfter(db, keys);
  const pages = seekHistory(
    db,
    keys.map((k, i) => seekKeyOf(k, afters[i]!)),
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
  const [after] = resolveAfter(db, [{ clientId: input.clientId, after: decodeHistoryCursor(input.after, listKey) }]);
  const [page] = seekHistory(db, [seekKeyOf({ ...listKey, first: size }, after!)]);
  const list = historyListOf(listKey);
  return { items: page!.rows.map((row) => toEvent(row, list)), hasNextPage: page!.hasNextPage };
}
