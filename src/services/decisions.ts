import { sql } from 'drizzle-orm';
import { appVisibleToClient } from '../auth/app-visibility';
import type { Principal } from '../auth/principal';
import type { Db } from '../db/open';
import type { Resolution, WorkspaceResolution } from '../db/schema';
import { planDecisions, type DecisionAction, type DecisionPlan, type DecisionRow } from './decision-rules';
import { insertHistoryEvents } from './history';
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
  dryRun?: boolean;
  now?: Date;
}

interface LookupRow {
  id: string;
  found: 0 | 1;
  owner_directory_id: string | null;
  client_directory_id: string | null;
  app_scopes: string | null;
  org_resolution: Resolution | null;
  org_scopes: string | null;
  needs_reapproval: 0 | 1 | null;
  ws_resolution: WorkspaceResolution | null;
  ws_scopes: string | null;
  pending: string;
  ws_approvals: string | null;
}

/**
 * The SQL store for decisions: ONE lookup reads every row the rules need
 * (the app and who owns it, the client's directory, the org state, the workspace decision, the pending requests it
 * covers and, for an org restriction, the workspace approvals it voids);
 * planDecisions decides; then at most five set-based writes apply the plan.
 * The statement count does not depend on the number of apps.
 */
export function decide(db: Db, input: DecideInput): DecisionPlan {
  const { clientId, workspaceId, actor } = input;
  const now = input.now ?? new Date();
  const readVoids = workspaceId === null && input.action === 'restrict' ? 1 : 0;
  return db.transaction(
    (tx) => {
      const rows = tx.all<LookupRow>(sql`
        SELECT j.value AS id, a.id IS NOT NULL AS found, a.owner_directory_id, c.directory_id AS client_directory_id, a.scopes AS app_scopes,
               s.resolution AS org_resolution, s.approved_scopes AS org_scopes, s.needs_reapproval,
               d.resolution AS ws_resolution, d.approved_scopes AS ws_scopes,
               (SELECT json_group_array(json_array(r.id, r.workspace_id)) FROM install_requests AS r
                WHERE r.client_id = ${clientId} AND r.app_id = a.id AND r.status = 'pending'
                  AND (${workspaceId} IS NULL OR r.workspace_id = ${workspaceId})) AS pending,
               CASE WHEN ${readVoids} THEN (SELECT json_group_array(v.workspace_id) FROM workspace_app_decisions AS v
                WHERE v.client_id = ${clientId} AND v.app_id = a.id AND v.resolution = 'approved') END AS ws_approvals
        FROM json_each(${JSON.stringify(input.appIds)}) AS j
        LEFT JOIN apps AS a ON a.id = j.value
        LEFT JOIN clients AS c ON c.id = ${clientId}
        LEFT JOIN client_app_states AS s ON s.client_id = ${clientId} AND s.app_id = a.id
        LEFT JOIN workspace_app_decisions AS d ON d.workspace_id = ${workspaceId} AND d.app_id = a.id
        ORDER BY j.key`);
      const plan = planDecisions(rows.map(toDecisionRow), {
        action: input.action,
        workspaceId,
        scopes: input.scopes,
        reason: input.reason,
        requestId: input.requestId,
      });
      if (!input.dryRun) applyPlan(tx, input, plan, now);
      return plan;
    },
    // A dry run only reads: it need not take the write lock.
    { behavior: input.dryRun ? 'deferred' : 'immediate' },
  );

  // The writes read their rows with jsonb_each: each row is an array, and jsonb_each hands it over as
  // JSONB, so `->>` reads its fields without parsing the row's text again (json_each: once per field).
  function applyPlan(tx: Db, call: DecideInput, plan: DecisionPlan, at: Date): void {
    const ms = at.getTime();
    if (plan.orgStates.length > 0) {
      const rows = JSON.stringify(plan.orgStates.map((s) => [s.appId, s.resolution, s.approvedScopes]));
      tx.run(sql`
        INSERT INTO client_app_states (client_id, app_id, resolution, approved_scopes, needs_reapproval, decided_at, decided_by, version, updated_at)
        SELECT ${clientId}, j.value ->> 0, j.value ->> 1, j.value ->> 2, 0, ${ms}, ${actor.tokenId}, 1, ${ms}
        FROM jsonb_each(${rows}) AS j WHERE true
        ON CONFLICT (client_id, app_id) DO UPDATE SET
          resolution = excluded.resolution,
          approved_scopes = excluded.approved_scopes,
          needs_reapproval = 0,
          decided_at = excluded.decided_at,
          decided_by = excluded.decided_by,
          version = client_app_states.version + 1,
          updated_at = excluded.updated_at`);
    }
    if (plan.workspaceUpserts.length > 0) {
      const rows = JSON.stringify(plan.workspaceUpserts.map((s) => [s.appId, s.resolution, s.approvedScopes]));
      tx.run(sql`
        INSERT INTO workspace_app_decisions (workspace_id, app_id, client_id, resolution, approved_scopes, decided_at, decided_by, decided_by_name)
        SELECT ${call.workspaceId}, j.value ->> 0, ${clientId}, j.value ->> 1, j.value ->> 2, ${ms}, ${actor.tokenId}, ${actor.name}
        FROM jsonb_each(${rows}) AS j WHERE true
        ON CONFLICT (workspace_id, app_id) DO UPDATE SET
          resolution = excluded.resolution,
          approved_scopes = excluded.approved_scopes,
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
    insertHistoryEvents(tx, clientId, actor, at, plan.events);
  }
}

function toDecisionRow(row: LookupRow): DecisionRow {
  return {
    appId: row.id,
    // A private app this client may not see is as unknown as a missing one (APP_NOT_FOUND).
    found: row.found === 1 && appVisibleToClient({ ownerDirectoryId: row.owner_directory_id }, { directoryId: row.client_directory_id }),
    appScopes: parseScopes(row.app_scopes) ?? [],
    org: {
      resolution: row.org_resolution ?? 'unresolved',
      approvedScopes: parseScopes(row.org_scopes),
      needsReapproval: row.needs_reapproval === 1,
    },
    workspace: row.ws_resolution ? { resolution: row.ws_resolution, approvedScopes: parseScopes(row.ws_scopes) } : null,
    pendingRequests: (JSON.parse(row.pending) as [string, string][]).map(([id, workspaceId]) => ({ id, workspaceId })),
    workspaceApprovals: row.ws_approvals === null ? [] : (JSON.parse(row.ws_approvals) as string[]),
  };
}
