/**
 * The Postgres store for decisions: the same reads, the same rules (planDecisions) and the same
 * writes as services/decisions.ts does on SQLite, as a fixed number of set-based statements
 * whatever the number of apps (ids travel as one JSON array: jsonb_array_elements WITH ORDINALITY).
 *
 * Concurrency, by construction: the transaction locks the tenant's row first (FOR NO KEY UPDATE:
 * it does not block inserts that reference the client), so two writers of one tenant run one
 * after the other and each reads what the other committed. Without it, read-plan-write under
 * READ COMMITTED double-writes: two concurrent 1,000-id approvals wrote 2,000 events (measured;
 * see the reference on Postgres). The history head is bumped under that lock, so (created_at,
 * client_seq) per client is commit order, as on SQLite; no sequence orders anything.
 */
import { sql } from 'drizzle-orm';
import { appVisibleToClient } from '../../auth/app-visibility';
import type { Resolution, WorkspaceResolution } from '../../db/schema';
import type { PgDb } from '../../db/postgres';
import { NotFoundError } from '../../errors';
import { planDecisions, type DecisionPlan, type DecisionRow } from '../../services/decision-rules';
import { decisionCallOf, groupByApp, type DecideInput } from '../../services/decisions';
import { claimHistoryPg, insertHistoryEventsPg } from './history';
import { DEFAULT_BOUNDS, inTransaction, type PgTx, type TransactionBounds } from './transaction';

interface LookupRow {
  id: string;
  found: boolean;
  owner_directory_id: string | null;
  app_scopes: string[] | null;
  org_resolution: Resolution | null;
  org_scopes: string[] | null;
  needs_reapproval: boolean | null;
  ws_resolution: WorkspaceResolution | null;
  ws_scopes: string[] | null;
  /** int8: text. */
  org_ends: string | number | null;
  ws_ends: string | number | null;
}

async function rows<T>(tx: PgTx, query: ReturnType<typeof sql>): Promise<T[]> {
  return (await tx.execute(query)).rows as T[];
}

/** Locks the tenant's row for this transaction (the first statement of every tenant write); its directory. */
export async function lockClient(tx: PgTx, clientId: string): Promise<{ directoryId: string | null }> {
  const [client] = await rows<{ directory_id: string | null }>(tx, sql`SELECT directory_id FROM clients WHERE id = ${clientId} FOR NO KEY UPDATE`);
  if (!client) throw new NotFoundError('Client not found', { field: 'clientId' });
  return { directoryId: client.directory_id };
}

/** One decision call in one transaction: lock, read, plan, write (a dry run stops after the plan). */
export async function decidePg(db: PgDb, input: DecideInput, bounds: TransactionBounds = DEFAULT_BOUNDS): Promise<DecisionPlan> {
  return inTransaction(db, async (tx) => decideInTx(tx, input, await lockClient(tx, input.clientId)), bounds);
}

/**
 * decidePg's read, plan and write inside a caller's transaction that has locked the tenant already
 * (`client`: what lockClient answered), for a write that decides as one step of its own (a single-app
 * decision by install request reads the request under the same lock).
 */
export async function decideInTx(tx: PgTx, input: DecideInput, client: { directoryId: string | null }): Promise<DecisionPlan> {
  const { clientId, workspaceId, actor } = input;
  const ids = JSON.stringify(input.appIds);
  const resolvesRequests = input.action === 'approve' || input.action === 'restrict';
  const readVoids = workspaceId === null && input.action === 'restrict';
  const workspace =
    workspaceId === null
      ? { columns: sql`NULL::text AS ws_resolution, NULL::jsonb AS ws_scopes, NULL::bigint AS ws_ends`, join: sql`` }
      : {
          columns: sql`d.resolution AS ws_resolution, d.approved_scopes AS ws_scopes, d.approval_expires_at AS ws_ends`,
          join: sql`LEFT JOIN workspace_app_decisions AS d ON d.workspace_id = ${workspaceId} AND d.app_id = a.id`,
        };
  // An approval reads its apps FOR SHARE: a catalog update (app-catalog.ts) locks its app's row, so an
  // approval never takes scopes an update is changing; it waits for that commit and reads the new ones.
  // The other actions do not read the scopes (and a catalog update waits for the lock of every client
  // that approved the app): no lock, no cost. (In a CTE: a locking clause cannot apply to the nullable
  // side of the outer join.)
  const lookup = await rows<LookupRow>(tx, sql`
    WITH a AS (SELECT id, owner_directory_id, scopes FROM apps WHERE id IN (SELECT jsonb_array_elements_text(${ids}::jsonb)) ${input.action === 'approve' ? sql`FOR SHARE` : sql``})
    SELECT j.value AS id, a.id IS NOT NULL AS found, a.owner_directory_id, a.scopes AS app_scopes,
           s.resolution AS org_resolution, s.approved_scopes AS org_scopes, s.needs_reapproval, s.approval_expires_at AS org_ends, ${workspace.columns}
    FROM jsonb_array_elements_text(${ids}::jsonb) WITH ORDINALITY AS j(value, ord)
    LEFT JOIN a ON a.id = j.value
    LEFT JOIN client_app_states AS s ON s.client_id = ${clientId} AND s.app_id = a.id
    ${workspace.join}
    ORDER BY j.ord`);
  // Under the tenant's lock: what has lapsed is judged, and the writes stamped, at this time.
  const now = input.now ?? new Date();
  const pending = resolvesRequests
    ? groupByApp(
        await rows<{ app_id: string; id: string; workspace_id: string }>(tx, sql`
          SELECT r.app_id, r.id, r.workspace_id FROM install_requests AS r
          WHERE r.client_id = ${clientId} AND r.status = 'pending'
            AND r.app_id IN (SELECT jsonb_array_elements_text(${ids}::jsonb))
            AND (${workspaceId}::text IS NULL OR r.workspace_id = ${workspaceId})
          ORDER BY r.created_at, r.id`),
        (r) => ({ id: r.id, workspaceId: r.workspace_id }),
      )
    : null;
  const voids = readVoids
    ? groupByApp(
        await rows<{ app_id: string; workspace_id: string }>(tx, sql`
          SELECT v.app_id, v.workspace_id FROM workspace_app_decisions AS v
          WHERE v.client_id = ${clientId} AND v.resolution = 'approved'
            AND v.app_id IN (SELECT jsonb_array_elements_text(${ids}::jsonb))
            AND (v.approval_expires_at IS NULL OR v.approval_expires_at > ${now.getTime()}::bigint)`),
        (r) => r.workspace_id,
      )
    : null;
  const decisionRows: DecisionRow[] = lookup.map((row) => ({
    appId: row.id,
    // A private app this client may not see is as unknown as a missing one (APP_NOT_FOUND).
    found: row.found && appVisibleToClient({ ownerDirectoryId: row.owner_directory_id }, client),
    appScopes: row.app_scopes ?? [],
    org: {
      resolution: row.org_resolution ?? 'unresolved',
      approvedScopes: row.org_scopes,
      needsReapproval: row.needs_reapproval === true,
      approvalExpiresAt: row.org_ends === null ? null : Number(row.org_ends),
    },
    workspace: row.ws_resolution
      ? { resolution: row.ws_resolution, approvedScopes: row.ws_scopes, approvalExpiresAt: row.ws_ends === null ? null : Number(row.ws_ends) }
      : null,
    pendingRequests: pending?.get(row.id) ?? [],
    workspaceApprovals: voids?.get(row.id) ?? [],
  }));
  const plan = planDecisions(decisionRows, decisionCallOf(input, now));
  // The clock was read under the tenant's lock, then is held to history order by the claim.
  if (!input.dryRun) await applyPlan(tx, input, plan, now);
  return plan;

  async function applyPlan(tx: PgTx, call: DecideInput, plan: DecisionPlan, now: Date): Promise<void> {
    const claim = plan.events.length > 0 ? await claimHistoryPg(tx, clientId, now, plan.events.length, plan.dueAt) : null;
    const ms = (claim?.at ?? now).getTime();
    if (plan.orgStates.length > 0) {
      const data = JSON.stringify(plan.orgStates.map((s) => [s.appId, s.resolution, s.approvedScopes, s.approvalExpiresAt]));
      // `-> 2` of a JSON null is the jsonb value null, not SQL NULL: NULLIF keeps "no scopes" a NULL column.
      await tx.execute(sql`
        INSERT INTO client_app_states (client_id, app_id, resolution, approved_scopes, needs_reapproval, decided_at, decided_by, version, updated_at, approval_expires_at)
        SELECT ${clientId}, j.value ->> 0, j.value ->> 1, NULLIF(j.value -> 2, 'null'::jsonb), false, ${ms}::bigint, ${actor.tokenId}, 1, ${ms}::bigint,
               (j.value ->> 3)::bigint
        FROM jsonb_array_elements(${data}::jsonb) AS j(value)
        ON CONFLICT (client_id, app_id) DO UPDATE SET
          resolution = excluded.resolution,
          approved_scopes = excluded.approved_scopes,
          approval_expires_at = excluded.approval_expires_at,
          needs_reapproval = false,
          decided_at = excluded.decided_at,
          decided_by = excluded.decided_by,
          version = client_app_states.version + 1,
          updated_at = excluded.updated_at`);
    }
    if (plan.workspaceUpserts.length > 0) {
      const data = JSON.stringify(plan.workspaceUpserts.map((s) => [s.appId, s.resolution, s.approvedScopes, s.approvalExpiresAt]));
      await tx.execute(sql`
        INSERT INTO workspace_app_decisions (workspace_id, app_id, client_id, resolution, approved_scopes, decided_at, decided_by, decided_by_name, approval_expires_at)
        SELECT ${call.workspaceId}, j.value ->> 0, ${clientId}, j.value ->> 1, NULLIF(j.value -> 2, 'null'::jsonb), ${ms}::bigint, ${actor.tokenId}, ${actor.name},
               (j.value ->> 3)::bigint
        FROM jsonb_array_elements(${data}::jsonb) AS j(value)
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
      await tx.execute(sql`
        DELETE FROM workspace_app_decisions
        WHERE (workspace_id, app_id) IN (SELECT j.value ->> 0, j.value ->> 1 FROM jsonb_array_elements(${keys}::jsonb) AS j(value))`);
    }
    if (plan.requestResolutions.length > 0) {
      const data = JSON.stringify(plan.requestResolutions.map((r) => [r.id, r.status]));
      await tx.execute(sql`
        UPDATE install_requests AS r SET status = j.value ->> 1, resolved_at = ${ms}::bigint, resolved_by = ${actor.name}
        FROM jsonb_array_elements(${data}::jsonb) AS j(value)
        WHERE r.id = j.value ->> 0 AND r.status = 'pending'`);
    }
    if (claim) await insertHistoryEventsPg(tx, clientId, actor, claim, plan.events);
  }
}
