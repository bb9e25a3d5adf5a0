import { randomUUID } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { appVisibleSql } from '../auth/app-visibility';
import type { Principal } from '../auth/principal';
import type { Db } from '../db/open';
import type { InstallRequestStatus } from '../db/schema';
import { BadUserInputError, DecisionError, NotFoundError } from '../errors';
import { checkText, parseReason } from './fields';
import { claimHistory, insertHistoryEvents, type NewHistoryEvent } from './history';
import { parseId, newEventId } from './ids';
import { decodeCursor, pageSize, toPage, withCursor, type Page } from './pagination';
import { parseScopes } from './workspaces';

export interface InstallRequest {
  id: string;
  clientId: string;
  workspaceId: string;
  appId: string;
  scopes: string[];
  message: string | null;
  requester: string;
  status: InstallRequestStatus;
  createdAt: Date;
  resolvedAt: Date | null;
  resolvedBy: string | null;
}

export interface RequestRow {
  id: string;
  client_id: string;
  workspace_id: string;
  app_id: string;
  scopes: string;
  message: string | null;
  requester: string;
  status: InstallRequestStatus;
  created_at: number;
  resolved_at: number | null;
  resolved_by: string | null;
}

export function toRequest(row: RequestRow): InstallRequest {
  return {
    id: row.id,
    clientId: row.client_id,
    workspaceId: row.workspace_id,
    appId: row.app_id,
    scopes: parseScopes(row.scopes) ?? [],
    message: row.message,
    requester: row.requester,
    status: row.status,
    createdAt: new Date(row.created_at),
    resolvedAt: row.resolved_at === null ? null : new Date(row.resolved_at),
    resolvedBy: row.resolved_by,
  };
}

export const MAX_MESSAGE_LENGTH = 1000;

/** Refuses scopes the app does not request (INVALID_SCOPES); returns them distinct, in order. */
export function checkScopes(requested: readonly string[], appScopes: readonly string[], field = 'scopes'): string[] {
  const scopes = [...new Set(requested.map((s) => s.trim()).filter(Boolean))];
  const invalid = scopes.filter((s) => !appScopes.includes(s));
  if (invalid.length > 0) {
    throw new DecisionError('INVALID_SCOPES', `The app does not request these scopes: ${invalid.join(', ')}`, { field, invalidScopes: invalid });
  }
  return scopes;
}

/** One request by id, or null. */
export function findInstallRequest(db: Db, id: string): InstallRequest | null {
  const row = db.get<RequestRow | undefined>(sql`SELECT * FROM install_requests WHERE id = ${id}`);
  return row ? toRequest(row) : null;
}

/**
 * Someone in a workspace asks for an app (one its client may see; any other is NOT_FOUND, as unknown): the scopes they want (default: all
 * the app requests; others are INVALID_SCOPES) and a message. Writes the
 * pending request and an INSTALL_REQUEST_CREATED event in one transaction.
 * An app restricted org-wide is APP_RESTRICTED_ORG_WIDE, writing nothing.
 */
export function createInstallRequest(db: Db, input: CreateInstallRequestInput): InstallRequest {
  const parsed = parseInstallRequest(input);
  return db.transaction(
    (tx) => {
      const app = tx.get<RequestableApp | undefined>(requestableAppSql(input.clientId, parsed.appId));
      const scopes = requestedScopes(app, input.scopes);
      // Under the write lock: the claim's time (never before the client's previous event) stamps the request.
      const claim = claimHistory(tx, input.clientId, input.now ?? new Date(), 1);
      const { request, event } = newInstallRequest(input, parsed, scopes, claim.at);
      tx.run(sql`
        INSERT INTO install_requests (id, client_id, workspace_id, app_id, scopes, message, requester, status, created_at)
        VALUES (${request.id}, ${request.clientId}, ${request.workspaceId}, ${request.appId}, ${JSON.stringify(scopes)}, ${request.message},
                ${request.requester}, 'pending', ${request.createdAt.getTime()})`);
      insertHistoryEvents(tx, input.clientId, input.actor, claim, [event]);
      return request;
    },
    { behavior: 'immediate' },
  );
}

export interface CreateInstallRequestInput {
  clientId: string;
  workspaceId: string;
  appId: string;
  scopes?: readonly string[] | null;
  message?: string | null;
  requester?: string | null;
  actor: Principal;
  now?: Date;
  /** A fixed id (demo data and fixtures); default a random UUID. */
  id?: string;
}

/** A request's input, validated before any transaction (both stores). */
export function parseInstallRequest(input: CreateInstallRequestInput): { appId: string; message: string | null; requester: string } {
  const appId = parseId(input.appId, 'appId');
  const message = input.message?.trim() || null;
  if (message !== null && message.length > MAX_MESSAGE_LENGTH) {
    throw new BadUserInputError(`message must be at most ${MAX_MESSAGE_LENGTH} characters`, { field: 'message' });
  }
  if (message !== null) checkText(message, 'message');
  const requester = (input.requester ?? input.actor.name).trim();
  if (requester.length === 0 || requester.length > 200) {
    throw new BadUserInputError('requester must be 1 to 200 characters', { field: 'requester' });
  }
  checkText(requester, 'requester');
  return { appId, message, requester };
}

/** The app a request names, as this client sees it (scopes as JSON text), with its org-level resolution. */
export interface RequestableApp {
  scopes: string;
  org_resolution: string | null;
}

/** Reads the RequestableApp (none: unknown or not visible to the client); the same statement on both stores. */
export function requestableAppSql(clientId: string, appId: string): SQL {
  return sql`
    SELECT a.scopes, (SELECT s.resolution FROM client_app_states AS s WHERE s.client_id = ${clientId} AND s.app_id = a.id) AS org_resolution
    FROM apps AS a WHERE a.id = ${appId} AND ${appVisibleSql(clientId)}`;
}

/** The scopes a request asks for, or why it cannot be made: NOT_FOUND, APP_RESTRICTED_ORG_WIDE, INVALID_SCOPES. */
export function requestedScopes(app: RequestableApp | undefined, requested: readonly string[] | null | undefined): string[] {
  if (!app) throw new NotFoundError('App not found', { field: 'appId' });
  // An org-wide restriction beats any workspace approval, so such a request could never be approved:
  // refused at once, as Slack prevents installs of an app restricted for the enterprise.
  if (app.org_resolution === 'restricted') {
    throw new DecisionError('APP_RESTRICTED_ORG_WIDE', 'The app is restricted org-wide: no workspace can be approved for it', { field: 'appId' });
  }
  const appScopes = parseScopes(app.scopes) ?? [];
  return requested ? checkScopes(requested, appScopes) : appScopes;
}

/** The pending request and its INSTALL_REQUEST_CREATED event, stamped with the history claim's time. */
export function newInstallRequest(
  input: CreateInstallRequestInput,
  parsed: { appId: string; message: string | null; requester: string },
  scopes: string[],
  now: Date,
): { request: InstallRequest; event: NewHistoryEvent } {
  const { appId, message, requester } = parsed;
  const request: InstallRequest = {
    id: input.id ?? randomUUID(),
    clientId: input.clientId,
    workspaceId: input.workspaceId,
    appId,
    scopes,
    message,
    requester,
    status: 'pending',
    createdAt: now,
    resolvedAt: null,
    resolvedBy: null,
  };
  const event: NewHistoryEvent = {
    eventId: newEventId(),
    appId,
    type: 'INSTALL_REQUEST_CREATED',
    data: { requestId: request.id, workspaceId: request.workspaceId, scopes, message, requester },
  };
  return { request, event };
}

/** The request must exist in this client (and workspace, when given); else NOT_FOUND, as if it did not exist. */
export function requestInScope(db: Db, rawId: string, clientId: string, workspaceId: string | null): InstallRequest {
  return inScope(findInstallRequest(db, parseId(rawId, 'requestId')), clientId, workspaceId);
}

/** The rule of requestInScope over the row read (both stores). */
export function inScope(request: InstallRequest | null, clientId: string, workspaceId: string | null): InstallRequest {
  if (!request || request.clientId !== clientId || (workspaceId !== null && request.workspaceId !== workspaceId)) {
    throw new NotFoundError('Install request not found', { field: 'requestId' });
  }
  return request;
}

export function requirePending(request: InstallRequest): void {
  if (request.status !== 'pending') {
    throw new DecisionError('REQUEST_ALREADY_RESOLVED', `The install request was already resolved (${request.status})`, {
      field: 'requestId',
      status: request.status.toUpperCase(),
    });
  }
}

/** A pending request becomes cancelled for good; anything else is REQUEST_ALREADY_RESOLVED. */
export function cancelInstallRequest(
  db: Db,
  input: { clientId: string; workspaceId: string | null; requestId: string; reason?: string | null; actor: Principal; now?: Date },
): InstallRequest {
  const reason = parseReason(input.reason);
  return db.transaction(
    (tx) => {
      const request = requestInScope(tx, input.requestId, input.clientId, input.workspaceId);
      requirePending(request);
      const claim = claimHistory(tx, input.clientId, input.now ?? new Date(), 1);
      const { request: cancelled, event } = cancelledRequest(request, reason, input.actor, claim.at);
      tx.run(sql`
        UPDATE install_requests SET status = 'cancelled', resolved_at = ${claim.at.getTime()}, resolved_by = ${input.actor.name}
        WHERE id = ${request.id}`);
      insertHistoryEvents(tx, input.clientId, input.actor, claim, [event]);
      return cancelled;
    },
    { behavior: 'immediate' },
  );
}

/** A pending request as cancelled at `now`, and its INSTALL_REQUEST_CANCELLED event (both stores). */
export function cancelledRequest(request: InstallRequest, reason: string | null, actor: Principal, now: Date): { request: InstallRequest; event: NewHistoryEvent } {
  return {
    request: { ...request, status: 'cancelled', resolvedAt: now, resolvedBy: actor.name },
    event: {
      eventId: newEventId(),
      appId: request.appId,
      type: 'INSTALL_REQUEST_CANCELLED',
      data: { requestId: request.id, workspaceId: request.workspaceId, reason },
    },
  };
}

export type InstallRequestPage = Page<InstallRequest & { cursor: string }>;

/**
 * One status of a client's or a workspace's requests, newest first, keyset-
 * paged on the (client or workspace, status, created_at, id) index.
 */
export function listInstallRequests(
  db: Db,
  input: { clientId: string; workspaceId: string | null; status: InstallRequestStatus; first?: number | null; after?: string | null },
): InstallRequestPage {
  const size = pageSize(input.first);
  // A cursor continues only this list: this client or workspace, this status.
  const list = JSON.stringify([input.clientId, input.workspaceId, input.status]);
  const after = decodeCursor('req', input.after, ['number', 'string'], 'after', list);
  const owner = input.workspaceId === null ? sql`r.client_id = ${input.clientId}` : sql`r.workspace_id = ${input.workspaceId}`;
  const rows = db.all<RequestRow>(sql`
    SELECT r.* FROM install_requests AS r
    WHERE ${owner} AND r.status = ${input.status}
      ${after ? sql`AND (r.created_at, r.id) < (${after[0]}, ${after[1]})` : sql``}
    ORDER BY r.created_at DESC, r.id DESC
    LIMIT ${size + 1}`);
  const page = toPage(rows, size);
  return {
    items: page.items.map((row) => withCursor(toRequest(row), 'req', [row.created_at, row.id], list)),
    hasNextPage: page.hasNextPage,
  };
}
