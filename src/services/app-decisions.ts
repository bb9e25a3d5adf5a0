import { sql, type SQL } from 'drizzle-orm';
import { appVisibleSql } from '../auth/app-visibility';
import type { Principal } from '../auth/principal';
import type { Db } from '../db/open';
import type { Resolution } from '../db/schema';
import { DecisionError, NotFoundError } from '../errors';
import { planScopeChange, type DecisionAction, type DecisionPlan } from './decision-rules';
import { decide, type DecideInput } from './decisions';
import { parseReason } from './fields';
import { parseId } from './ids';
import { checkScopes, requestInScope, requirePending, type InstallRequest } from './install-requests';
import { decodeCursor, pageSize, toPage, withCursor, type Page } from './pagination';
import { parseScopes } from './workspaces';

/** What one approveApp / restrictApp / clearAppResolution call did. */
export interface AppDecisionOutcome {
  clientId: string;
  workspaceId: string | null;
  appId: string;
  action: DecisionAction;
  changed: boolean;
  /** The pending requests this call resolved. */
  resolvedRequestIds: string[];
}

/**
 * One decision on one app, named by its id or by an install request, at org
 * level or in one workspace. Refusals are whole-request errors: NOT_FOUND
 * (app or request), REQUEST_ALREADY_RESOLVED, INVALID_SCOPES,
 * APP_RESTRICTED_ORG_WIDE. By request id, the request must belong to the
 * target (the client, or that very workspace) and, for approve and restrict,
 * be pending; its scopes are the default. Clearing by request id clears its
 * app's resolution and leaves the request as it is.
 */
export function decideApp(db: Db, input: DecideAppInput): AppDecisionOutcome {
  const reason = parseReason(input.reason);
  return db.transaction(
    (tx) => {
      const request = input.subject.requestId ? requestInScope(tx, input.subject.requestId, input.clientId, input.workspaceId) : null;
      const subject = appDecisionSubject(input, request);
      // An app this client may not see is left to decide(), which answers as for an unknown one.
      const app = subject.scopes && input.action === 'approve' ? tx.get<{ scopes: string } | undefined>(visibleAppScopesSql(input.clientId, subject.appId)) : undefined;
      const plan = decide(tx, appDecideInput(input, subject, app, reason));
      return appDecisionOutcome(input, subject.appId, plan);
    },
    { behavior: 'immediate' },
  );
}

export interface DecideAppInput {
  clientId: string;
  workspaceId: string | null;
  subject: { appId?: string | null; requestId?: string | null };
  action: Exclude<DecisionAction, 'unapprove'>;
  scopes?: readonly string[] | null;
  reason?: string | null;
  /** approve: when the approval ends (checked by parseApprovalExpiry); null or absent: it does not. */
  expiresAt?: Date | null;
  actor: Principal;
  now?: Date;
}

/**
 * What a decideApp call is about (both stores): the app (by id, or the request's), the request it
 * names (pending, unless clearing: else REQUEST_ALREADY_RESOLVED) and the scopes asked for (distinct;
 * by default the request's).
 */
export function appDecisionSubject(input: DecideAppInput, request: InstallRequest | null): { appId: string; requestId: string | null; scopes: string[] | null } {
  const asked = input.scopes ? [...new Set(input.scopes)] : null;
  if (request) {
    if (input.action !== 'clear') requirePending(request);
    return { appId: request.appId, requestId: request.id, scopes: asked ?? request.scopes };
  }
  return { appId: parseId(input.subject.appId ?? '', 'appId'), requestId: null, scopes: asked };
}

/** The scopes (JSON text) of an app this client may see; no row for any other. */
export function visibleAppScopesSql(clientId: string, appId: string): SQL {
  return sql`SELECT a.scopes FROM apps AS a WHERE a.id = ${appId} AND ${appVisibleSql(clientId)}`;
}

/** decide()'s input for one app; an approval's scopes checked against what the app requests (INVALID_SCOPES), when it was read. */
export function appDecideInput(
  input: DecideAppInput,
  subject: { appId: string; requestId: string | null; scopes: string[] | null },
  app: { scopes: string } | undefined,
  reason: string | null,
): DecideInput {
  const scopes = subject.scopes && app ? checkScopes(subject.scopes, parseScopes(app.scopes) ?? []) : subject.scopes;
  return {
    clientId: input.clientId,
    workspaceId: input.workspaceId,
    appIds: [subject.appId],
    action: input.action,
    scopes,
    reason,
    requestId: subject.requestId,
    actor: input.actor,
    ...(input.action === 'approve' && input.expiresAt ? { expiresAt: input.expiresAt } : {}),
    ...(input.now ? { now: input.now } : {}),
  };
}

/** The plan's one failure as the whole call's error (NOT_FOUND for an app unknown or not visible), else the outcome. */
export function appDecisionOutcome(input: DecideAppInput, appId: string, plan: DecisionPlan): AppDecisionOutcome {
  const failure = plan.failed[0];
  if (failure?.code === 'APP_NOT_FOUND') throw new NotFoundError('App not found', { field: 'appId' });
  if (failure) throw new DecisionError(failure.code, failure.error, failure.invalidScopes ? { invalidScopes: failure.invalidScopes } : {});
  return {
    clientId: input.clientId,
    workspaceId: input.workspaceId,
    appId,
    action: input.action,
    changed: plan.changed.length > 0,
    resolvedRequestIds: plan.requestResolutions.map((r) => r.id),
  };
}

/** One row of an approved or restricted listing, at org level or in one workspace. */
export interface AppDecision {
  clientId: string;
  workspaceId: string | null;
  appId: string;
  resolution: Extract<Resolution, 'approved' | 'restricted'>;
  approvedScopes: string[] | null;
  /** When an approval ends; null: it does not (and for a restriction). */
  approvalExpiresAt: Date | null;
  decidedAt: Date | null;
  /** The token that decided (its id, and its name where recorded). */
  decidedBy: { id: string | null; name: string | null };
  cursor: string;
}

/** What listAppDecisions is asked for. */
export interface AppDecisionsQuery {
  clientId: string;
  workspaceId: string | null;
  resolution: 'approved' | 'restricted';
  first?: number | null;
  after?: string | null;
}

/** A decision row as the listings read it: `sort_key` is the keyset (the org row's rowid, or the app id). */
export interface AppDecisionRow {
  sort_key: number | string;
  app_id: string;
  approved_scopes: string | null;
  decided_at: number | null;
  decided_by: string | null;
  decided_by_name: string | null;
  approval_expires_at: number | null;
}

/** A listing's page size, cursor kind and binding, and where `after` continues (BAD_USER_INPUT for a foreign cursor); both stores. */
export function appDecisionsSeek(input: AppDecisionsQuery): { size: number; kind: 'orgdec' | 'wsdec'; list: string; after: (string | number)[] | null } {
  const size = pageSize(input.first);
  const org = input.workspaceId === null;
  const kind = org ? 'orgdec' : 'wsdec';
  const list = JSON.stringify([input.clientId, input.workspaceId, input.resolution]);
  return { size, kind, list, after: decodeCursor(kind, input.after, [org ? 'number' : 'string'], 'after', list) };
}

/** One workspace's decisions by app id, a seek on (workspace, resolution, app_id) from the cursor: standard SQL, both stores. */
export function workspaceDecisionsSql(input: AppDecisionsQuery & { workspaceId: string }, after: string | null, size: number, now: number): SQL {
  return sql`
    SELECT x.app_id AS sort_key, x.app_id, x.approved_scopes, x.decided_at, x.decided_by, x.decided_by_name, x.approval_expires_at
    FROM workspace_app_decisions AS x
    WHERE x.workspace_id = ${input.workspaceId} AND x.resolution = ${input.resolution} ${after !== null ? sql`AND x.app_id > ${after}` : sql``}
      AND ${notLapsed(sql`x`, now)}
    ORDER BY x.app_id LIMIT ${size + 1}`;
}

/**
 * A decision row that still stands at `now` (standard SQL): not an approval whose end has passed
 * (reads never show a lapsed approval, even before its expiry is written down).
 */
export function notLapsed(row: SQL, now: number): SQL {
  return sql`(${row}.approval_expires_at IS NULL OR ${row}.approval_expires_at > ${now})`;
}

/** The page from `size + 1` rows (both stores). */
export function appDecisionsPage(input: AppDecisionsQuery, seek: { size: number; kind: string; list: string }, rows: AppDecisionRow[]): Page<AppDecision> {
  const page = toPage(rows, seek.size);
  return {
    items: page.items.map((r) =>
      withCursor(
        {
          clientId: input.clientId,
          workspaceId: input.workspaceId,
          appId: r.app_id,
          resolution: input.resolution,
          approvedScopes: parseScopes(r.approved_scopes),
          approvalExpiresAt: r.approval_expires_at === null ? null : new Date(Number(r.approval_expires_at)),
          decidedAt: r.decided_at === null ? null : new Date(r.decided_at),
          decidedBy: { id: r.decided_by, name: r.decided_by_name },
        },
        seek.kind,
        [r.sort_key],
        seek.list,
      ),
    ),
    hasNextPage: page.hasNextPage,
  };
}

/** What `appgov app update` asks for (both stores). */
export interface UpdateAppCatalogInput {
  appId: string;
  name?: string | null;
  scopes?: readonly string[] | null;
  actor: Principal;
  reason?: string | null;
  now?: Date;
}

/** The app as it is after the update, and the clients whose org-level approval it lost (by client id). */
export interface AppCatalogUpdate {
  id: string;
  name: string;
  scopes: string[];
  lostApprovals: string[];
}

/**
 * The app's entry after the update (both stores): the name trimmed (kept when not given or blank),
 * the scopes trimmed and distinct, in the order given (kept when not given).
 */
export function nextCatalogEntry(app: { name: string; scopes: string[] | null }, input: UpdateAppCatalogInput): { name: string; scopes: string[] } {
  return {
    name: input.name?.trim() || app.name,
    scopes: input.scopes ? [...new Set(input.scopes.map((s) => s.trim()).filter(Boolean))] : (app.scopes ?? []),
  };
}

/**
 * The re-approval rule's plan for one update (both stores), from the org-level approvals of the app
 * (in client id order): each client's history place is claimed once, so one event per client.
 */
export function planCatalogScopeChange(
  appId: string,
  scopes: string[],
  approvals: readonly { clientId: string; approvedScopes: string[] | null }[],
  reason: string | null,
): ReturnType<typeof planScopeChange> {
  const plan = planScopeChange(appId, scopes, approvals, reason);
  if (new Set(plan.events.map((e) => e.clientId)).size !== plan.events.length) {
    throw new Error('updateAppCatalog claims one history place per client: one event per client');
  }
  return plan;
}

/**
 * The apps approved (or restricted) at one level, keyset-paged on an index:
 * org level in decision-row order (the (client, resolution) index ends in
 * the rowid, which an upsert keeps), workspace level by app id on
 * (workspace, resolution, app_id). An org approval lost after a scope change
 * is not `approved` any more, so it is not listed.
 */
export function listAppDecisions(db: Db, input: AppDecisionsQuery): Page<AppDecision> {
  const seek = appDecisionsSeek(input);
  const { size, after } = seek;
  const now = Date.now();
  const rows =
    input.workspaceId === null
      ? db.all<AppDecisionRow>(sql`
          SELECT x.rowid AS sort_key, x.app_id, x.approved_scopes, x.decided_at, x.decided_by, NULL AS decided_by_name, x.approval_expires_at
          FROM client_app_states AS x
          WHERE x.client_id = ${input.clientId} AND x.resolution = ${input.resolution} ${after ? sql`AND x.rowid > ${after[0]}` : sql``}
            AND ${notLapsed(sql`x`, now)}
          ORDER BY x.rowid LIMIT ${size + 1}`)
      : db.all<AppDecisionRow>(workspaceDecisionsSql({ ...input, workspaceId: input.workspaceId }, after ? (after[0] as string) : null, size, now));
  return appDecisionsPage(input, seek, rows);
}

/**
 * Changes what an app requests and applies the re-approval rule in the same
 * transaction: every org-level approval that no longer covers the scopes is
 * lost (resolution back to unresolved, flagged needsReapproval, one
 * APPROVAL_LOST_SCOPE_CHANGE event per client). Workspace approvals stay.
 * A fixed number of statements however many clients approved the app.
 * The lost approvals are listed in client id order.
 */
export function updateAppCatalog(db: Db, input: UpdateAppCatalogInput): AppCatalogUpdate {
  const appId = parseId(input.appId, 'id');
  const reason = parseReason(input.reason);
  return db.transaction(
    (tx) => {
      // Read under the write lock; each client's event is then held to its history order by its head.
      const ms = (input.now ?? new Date()).getTime();
      const app = tx.get<{ name: string; scopes: string } | undefined>(sql`SELECT name, scopes FROM apps WHERE id = ${appId}`);
      if (!app) throw new NotFoundError(`App not found: ${appId}`, { field: 'id' });
      const { name, scopes } = nextCatalogEntry({ name: app.name, scopes: parseScopes(app.scopes) }, input);
      tx.run(sql`UPDATE apps SET name = ${name}, scopes = ${JSON.stringify(scopes)} WHERE id = ${appId}`);
      // One primary-key seek per client (CROSS JOIN keeps clients outer; clients are few, states many): no index on app_id to maintain on every write.
      const approvals = tx.all<{ client_id: string; approved_scopes: string | null }>(sql`
        SELECT s.client_id, s.approved_scopes FROM clients AS c
        CROSS JOIN client_app_states AS s ON s.client_id = c.id AND s.app_id = ${appId}
        WHERE s.resolution = 'approved' AND ${notLapsed(sql`s`, ms)}
        ORDER BY c.id`);
      const plan = planCatalogScopeChange(
        appId,
        scopes,
        approvals.map((a) => ({ clientId: a.client_id, approvedScopes: parseScopes(a.approved_scopes) })),
        reason,
      );
      if (plan.lostClientIds.length > 0) {
        const lost = JSON.stringify(plan.lostClientIds);
        // Every client's head in one statement (one event each); its time then stamps that client's rows.
        tx.run(sql`
          UPDATE clients SET history_seq = history_seq + 1, history_at = max(history_at, ${ms})
          WHERE id IN (SELECT value FROM json_each(${lost}))`);
        tx.run(sql`
          UPDATE client_app_states SET (resolution, approved_scopes, approval_expires_at, needs_reapproval, decided_at, decided_by, version, updated_at) =
            (SELECT 'unresolved', NULL, NULL, 1, c.history_at, ${input.actor.tokenId}, client_app_states.version + 1, c.history_at
             FROM clients AS c WHERE c.id = client_app_states.client_id)
          WHERE app_id = ${appId} AND client_id IN (SELECT value FROM json_each(${lost}))`);
        const rows = JSON.stringify(plan.events.map((e) => [e.eventId, e.clientId, e.type, e.data]));
        tx.run(sql`
          INSERT INTO app_history_events (id, client_id, app_id, type, actor_id, actor_kind, actor_name, data, created_at, client_seq)
          SELECT j.value ->> 0, c.id, ${appId}, j.value ->> 2, ${input.actor.tokenId}, ${input.actor.kind},
                 ${input.actor.name}, j.value -> 3, c.history_at, c.history_seq
          FROM json_each(${rows}) AS j JOIN clients AS c ON c.id = j.value ->> 1`);
      }
      return { id: appId, name, scopes, lostApprovals: plan.lostClientIds };
    },
    { behavior: 'immediate' },
  );
}

