import { sql } from 'drizzle-orm';
import { appVisibleToClient } from '../auth/app-visibility';
import type { Principal } from '../auth/principal';
import type { Db } from '../db/open';
import type { Resolution, WorkspaceResolution } from '../db/schema';
import { planDecisions, type DecisionAction, type DecisionCall, type DecisionPlan, type DecisionRow } from './decision-rules';
import { claimHistory, insertHistoryEvents } from './history';
import { parseScopes } from './workspaces';

export interface DecideInput {
  clientId: string;
  /** null: decide at org (client) level. The caller has checked that the workspace is the client's. */
  workspaceId: string | null;
  /** Canonical, distinct app ids. */
  appIds: readonly string[];
  action: DecisionAction;
  scopes: string[] | null;
  reason: string | null;
  requestId: string | null;
  actor: Principal;
  /** When an approval ends (approve only; validated by parseApprovalExpiry); null or absent: it does not. */
  expiresAt?: Date | null;
  dryRun?: boolean;
  now?: Date;
}

/**
 * One lookup row, in the SELECT's column order. Read as an array (better-sqlite3's raw mode): building a
 * keyed object per row cost a fifth of a 1,000-id lookup.
 */
type LookupRow = [
  id: string,
  found: 0 | 1,
  ownerDirectoryId: string | null,
  appScopes: string | null,
  clientDirectoryId: string | null,
  orgResolution: Resolution | null,
  orgScopes: string | null,
  needsReapproval: 0 | 1 | null,
  wsResolution: WorkspaceResolution | null,
  wsScopes: string | null,
  orgEnds: number | null,
  wsEnds: number | null,
];

/**
 * The SQL store for decisions: it reads every row the rules need (the app and who owns it, the client's
 * directory, the org state, the workspace decision, the pending requests the decision covers and, for an
 * org restriction, the workspace approvals it voids); planDecisions decides; then at most five set-based
 * writes apply the plan. The statement count does not depend on the number of apps.
 *
 * The reads are shaped by cost (1,000 ids, measured): one row per id with only the joins the level needs
 * (the client's directory is a scalar read once, not joined per id); pending requests and voided
 * approvals are each one set-based statement over the same id list, run only for the actions that use
 * them. Folded into the per-id row as correlated json_group_array subqueries they cost about 40% of the
 * lookup even when nothing matched.
 */
/** The call the rules plan for (both stores). */
export function decisionCallOf(input: DecideInput, now: Date): DecisionCall {
  return {
    action: input.action,
    workspaceId: input.workspaceId,
    scopes: input.scopes,
    reason: input.reason,
    requestId: input.requestId,
    expiresAt: input.action === 'approve' ? (input.expiresAt?.getTime() ?? null) : null,
    now: now.getTime(),
  };
}

export function decide(db: Db, input: DecideInput): DecisionPlan {
  const { clientId, workspaceId, actor } = input;
  const ids = JSON.stringify(input.appIds);
  const resolvesRequests = input.action === 'approve' || input.action === 'restrict';
  const readVoids = workspaceId === null && input.action === 'restrict';
  return db.transaction(
    (tx) => {
      // Under the write lock (BEGIN IMMEDIATE): what has lapsed is judged, and the writes stamped, at this time.
      const now = input.now ?? new Date();
      // At org level there is no workspace decision to join: its columns are NULL.
      const workspace =
        workspaceId === null
          ? { columns: sql`NULL, NULL, s.approval_expires_at, NULL`, join: sql`` }
          : {
              columns: sql`d.resolution, d.approved_scopes, s.approval_expires_at, d.approval_expires_at`,
              join: sql`LEFT JOIN workspace_app_decisions AS d ON d.workspace_id = ${workspaceId} AND d.app_id = a.id`,
            };
      const rows = tx.values<LookupRow>(sql`
        SELECT j.value, a.id IS NOT NULL, a.owner_directory_id, a.scopes,
               (SELECT directory_id FROM clients WHERE id = ${clientId}),
               s.resolution, s.approved_scopes, s.needs_reapproval, ${workspace.columns}
        FROM json_each(${ids}) AS j
        LEFT JOIN apps AS a ON a.id = j.value
        LEFT JOIN client_app_states AS s ON s.client_id = ${clientId} AND s.app_id = a.id
        ${workspace.join}
        ORDER BY j.key`);
      // One seek per id on install_requests (client_id, app_id, status), this client's rows only.
      const pending = resolvesRequests
        ? groupByApp(
            tx.all<{ app_id: string; id: string; workspace_id: string }>(sql`
        SELECT r.app_id, r.id, r.workspace_id FROM install_requests AS r
        WHERE r.client_id = ${clientId} AND r.status = 'pending' AND r.app_id IN (SELECT value FROM json_each(${ids}))
          AND (${workspaceId} IS NULL OR r.workspace_id = ${workspaceId})
        ORDER BY r.created_at, r.id`),
            (r) => ({ id: r.id, workspaceId: r.workspace_id }),
          )
        : null;
      const voids = readVoids
        ? groupByApp(
            tx.all<{ app_id: string; workspace_id: string }>(sql`
        SELECT v.app_id, v.workspace_id FROM workspace_app_decisions AS v
        WHERE v.client_id = ${clientId} AND v.resolution = 'approved' AND v.app_id IN (SELECT value FROM json_each(${ids}))
          AND (v.approval_expires_at IS NULL OR v.approval_expires_at > ${now.getTime()})`),
            (r) => r.workspace_id,
          )
        : null;
      const scopes = scopeParser();
      const decisionRows = rows.map((row) => toDecisionRow(row, scopes, pending?.get(row[0]) ?? [], voids?.get(row[0]) ?? []));
      const plan = planDecisions(decisionRows, decisionCallOf(input, now));
      // The clock was read under the write lock (BEGIN IMMEDIATE), then is held to history order by the claim.
      if (!input.dryRun) applyPlan(tx, input, plan, now);
      return plan;
    },
    // A dry run only reads: it need not take the write lock.
    { behavior: input.dryRun ? 'deferred' : 'immediate' },
  );

  // The writes read their rows with jsonb_each: each row is an array, and jsonb_each hands it over as
  // JSONB, so `->>` reads its fields without parsing the row's text again (json_each: once per field).
  // The history claim comes first: its time (never before the client's previous event) stamps every write.
  function applyPlan(tx: Db, call: DecideInput, plan: DecisionPlan, now: Date): void {
    // The claim writes down any approval of the client that has lapsed first, and lowers its due time to this plan's ends.
    const claim = plan.events.length > 0 ? claimHistory(tx, clientId, now, plan.events.length, plan.dueAt) : null;
    const ms = (claim?.at ?? now).getTime();
    if (plan.orgStates.length > 0) {
      const rows = JSON.stringify(plan.orgStates.map((s) => [s.appId, s.resolution, s.approvedScopes, s.approvalExpiresAt]));
      tx.run(sql`
        INSERT INTO client_app_states (client_id, app_id, resolution, approved_scopes, needs_reapproval, decided_at, decided_by, version, updated_at, approval_expires_at)
        SELECT ${clientId}, j.value ->> 0, j.value ->> 1, j.value ->> 2, 0, ${ms}, ${actor.tokenId}, 1, ${ms}, j.value ->> 3
        FROM jsonb_each(${rows}) AS j WHERE true
        ON CONFLICT (client_id, app_id) DO UPDATE SET
          resolution = excluded.resolution,
          approved_scopes = excluded.approved_scopes,
          approval_expires_at = excluded.approval_expires_at,
          needs_reapproval = 0,
          decided_at = excluded.decided_at,
          decided_by = excluded.decided_by,
          version = client_app_states.version + 1,
          updated_at = excluded.updated_at`);
    }
    if (plan.workspaceUpserts.length > 0) {
      const rows = JSON.stringify(plan.workspaceUpserts.map((s) => [s.appId, s.resolution, s.approvedScopes, s.approvalExpiresAt]));
      tx.run(sql`
        INSERT INTO workspace_app_decisions (workspace_id, app_id, client_id, resolution, approved_scopes, decided_at, decided_by, decided_by_name, approval_expires_at)
        SELECT ${call.workspaceId}, j.value ->> 0, ${clientId}, j.value ->> 1, j.value ->> 2, ${ms}, ${actor.tokenId}, ${actor.name}, j.value ->> 3
        FROM jsonb_each(${rows}) AS j WHERE true
        ON CONFLICT (workspace_id, app_id) DO UPDATE SET
          resolution = excluded.resolution,
          approved_scopes = excluded.approved_scopes,
          approval_expires_at = excluded.approval_expires_at,
          decided_at = excluded.decided_at,
          decided_by = excluded.decided_by,
          decided_by_name = excluded.decided_by_name`);
    }
    if (plan.workspaceDeletes.length > 0) {
      const keys = JSON.stringify(plan.workspaceDeletes.map((d) => [d.workspaceId, d.appId]));
      tx.run(sql`
        DELETE FROM workspace_app_decisions
        WHERE (workspace_id, app_id) IN (SELECT j.value ->> 0, j.value ->> 1 FROM jsonb_each(${keys}) AS j)`);
    }
    if (plan.requestResolutions.length > 0) {
      const rows = JSON.stringify(Object.fromEntries(plan.requestResolutions.map((r) => [r.id, r.status])));
      tx.run(sql`
        UPDATE install_requests SET status = ${rows} ->> ('$."' || id || '"'), resolved_at = ${ms}, resolved_by = ${actor.name}
        WHERE id IN (SELECT key FROM json_each(${rows})) AND status = 'pending'`);
    }
    if (claim) insertHistoryEvents(tx, clientId, actor, claim, plan.events);
  }
}

/** Rows of one statement grouped by app id, each mapped; order kept. */
export function groupByApp<R extends { app_id: string }, T>(rows: readonly R[], map: (row: R) => T): Map<string, T[]> {
  const byApp = new Map<string, T[]>();
  for (const row of rows) {
    const list = byApp.get(row.app_id);
    if (list) list.push(map(row));
    else byApp.set(row.app_id, [map(row)]);
  }
  return byApp;
}

/**
 * Parses scope lists, each distinct JSON text once per call: an org approval usually holds exactly the
 * app's own list, and apps often ask for the same scopes. The rules only read these arrays.
 */
function scopeParser(): (json: string | null) => string[] | null {
  const parsed = new Map<string, string[]>();
  return (json) => {
    if (json === null) return null;
    let scopes = parsed.get(json);
    if (!scopes) {
      scopes = parseScopes(json) ?? [];
      parsed.set(json, scopes);
    }
    return scopes;
  };
}

function toDecisionRow(
  row: LookupRow,
  scopes: (json: string | null) => string[] | null,
  pendingRequests: { id: string; workspaceId: string }[],
  workspaceApprovals: string[],
): DecisionRow {
  const [appId, found, ownerDirectoryId, appScopes, clientDirectoryId, orgResolution, orgScopes, needsReapproval, wsResolution, wsScopes, orgEnds, wsEnds] =
    row;
  return {
    appId,
    // A private app this client may not see is as unknown as a missing one (APP_NOT_FOUND).
    found: found === 1 && appVisibleToClient({ ownerDirectoryId }, { directoryId: clientDirectoryId }),
    appScopes: scopes(appScopes) ?? [],
    org: { resolution: orgResolution ?? 'unresolved', approvedScopes: scopes(orgScopes), needsReapproval: needsReapproval === 1, approvalExpiresAt: orgEnds },
    workspace: wsResolution ? { resolution: wsResolution, approvedScopes: scopes(wsScopes), approvalExpiresAt: wsEnds } : null,
    pendingRequests,
    workspaceApprovals,
  };
}
