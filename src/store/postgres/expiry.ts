/**
 * The expiry of time-limited approvals on Postgres: the same reads, plan (planExpiry) and writes as
 * services/expiry.ts on SQLite. Exactly once with any number of instances: every caller holds the
 * tenant's row lock (lockClient) before it reads the lapsed rows, and takes them back in the same
 * commit; under READ COMMITTED each statement after the lock sees the previous holder's commit.
 */
import { HISTORY_NOTIFY } from './history';
import { sql } from 'drizzle-orm';
import type { PgDb } from '../../db/postgres';
import { EXPIRY_ACTOR, planExpiry, SWEEP_BATCH, type LapsedRow } from '../../services/expiry';
import { lockClient } from './decisions';
import { DEFAULT_BOUNDS, inTransaction, type PgTx, type TransactionBounds } from './transaction';

type Int8 = number | string;

/**
 * services/expiry.ts expireLapsed, inside a transaction that holds the tenant's lock: how many
 * approvals it took back, null when there is no such client.
 */
export async function expireLapsedPg(tx: PgTx, clientId: string, now: Date): Promise<number | null> {
  const ms = now.getTime();
  const found = (
    await tx.execute(sql`
    SELECT c.history_at AS head, l.workspace_id, l.app_id, l.approved_scopes::text AS approved_scopes, l.ends, l.decided_at, l.decided_by
    FROM clients AS c LEFT JOIN (
      SELECT NULL::text AS workspace_id, app_id, approved_scopes, approval_expires_at AS ends, decided_at, decided_by
      FROM client_app_states WHERE client_id = ${clientId} AND approval_expires_at <= ${ms}::bigint AND resolution = 'approved'
      UNION ALL
      SELECT workspace_id, app_id, approved_scopes, approval_expires_at, decided_at, decided_by
      FROM workspace_app_decisions WHERE client_id = ${clientId} AND approval_expires_at <= ${ms}::bigint AND resolution = 'approved'
    ) AS l ON true
    WHERE c.id = ${clientId}`)
  ).rows as { head: Int8; workspace_id: string | null; app_id: string | null; approved_scopes: string | null; ends: Int8 | null; decided_at: Int8 | null; decided_by: string | null }[];
  if (found.length === 0) return null;
  const headAt = Number(found[0]!.head);
  const lapsed: LapsedRow[] = found
    .filter((r) => r.app_id !== null)
    .map((r) => ({
      workspace_id: r.workspace_id,
      app_id: r.app_id!,
      approved_scopes: r.approved_scopes,
      ends: Number(r.ends),
      decided_at: r.decided_at === null ? null : Number(r.decided_at),
      decided_by: r.decided_by,
    }));
  const plan = planExpiry(lapsed, headAt, (json) => (json === null ? null : (JSON.parse(json) as string[])));
  if (plan.events.length > 0) {
    await tx.execute(sql`
      UPDATE client_app_states SET resolution = 'unresolved', approved_scopes = NULL, approval_expires_at = NULL,
        decided_at = GREATEST(approval_expires_at, ${headAt}::bigint), decided_by = ${EXPIRY_ACTOR.tokenId},
        version = version + 1, updated_at = GREATEST(approval_expires_at, ${headAt}::bigint)
      WHERE client_id = ${clientId} AND approval_expires_at <= ${ms}::bigint AND resolution = 'approved'`);
    await tx.execute(sql`
      DELETE FROM workspace_app_decisions
      WHERE client_id = ${clientId} AND approval_expires_at <= ${ms}::bigint AND resolution = 'approved'`);
  }
  const [head] = (
    await tx.execute(sql`
    UPDATE clients SET history_seq = history_seq + ${plan.events.length}, history_at = GREATEST(history_at, ${plan.lastAt}::bigint),
      approvals_due_at = LEAST(
        (SELECT min(approval_expires_at) FROM client_app_states WHERE client_id = ${clientId} AND approval_expires_at > ${ms}::bigint),
        (SELECT min(approval_expires_at) FROM workspace_app_decisions WHERE client_id = ${clientId} AND approval_expires_at > ${ms}::bigint))
    WHERE id = ${clientId}
    RETURNING history_seq AS seq, ${HISTORY_NOTIFY}`)
  ).rows as { seq: Int8 }[];
  const firstSeq = Number(head!.seq) - plan.events.length + 1;
  if (plan.events.length > 0) {
    const data = JSON.stringify(plan.events.map((e) => [e.eventId, e.appId, e.data, e.at]));
    await tx.execute(sql`
      INSERT INTO app_history_events (id, client_id, app_id, type, actor_id, actor_kind, actor_name, data, created_at, client_seq)
      SELECT j.value ->> 0, ${clientId}, j.value ->> 1, 'APPROVAL_EXPIRED', ${EXPIRY_ACTOR.tokenId}, ${EXPIRY_ACTOR.kind},
             ${EXPIRY_ACTOR.name}, j.value -> 2, (j.value ->> 3)::bigint, ${firstSeq}::bigint + j.ord - 1
      FROM jsonb_array_elements(${data}::jsonb) WITH ORDINALITY AS j(value, ord)`);
  }
  return plan.events.length;
}

/** services/expiry.ts expireApprovals: each due client in its own transaction, the tenant locked first. */
export async function expireApprovalsPg(
  db: PgDb,
  now: Date = new Date(),
  bounds: TransactionBounds = DEFAULT_BOUNDS,
): Promise<{ clients: number; expired: number }> {
  const due = (
    await db.execute(sql`
    SELECT id FROM clients WHERE approvals_due_at <= ${now.getTime()}::bigint ORDER BY approvals_due_at LIMIT ${SWEEP_BATCH}`)
  ).rows as { id: string }[];
  let expired = 0;
  for (const { id } of due) {
    expired += await inTransaction(
      db,
      async (tx) => {
        await lockClient(tx, id);
        return (await expireLapsedPg(tx, id, now)) ?? 0;
      },
      bounds,
    );
  }
  return { clients: due.length, expired };
}
