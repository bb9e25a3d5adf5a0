import { sql } from 'drizzle-orm';
import type { Db } from '../db/open';
import type { ApprovalExpiredData, NewHistoryEvent } from './history';
import { newEventId } from './ids';

/**
 * Time-limited approvals: the expiry. An approval (org or workspace level) may carry an end
 * (`approval_expires_at`). Reads never show it as approved once the end has passed (decision-rules.ts
 * liveState, and the listings' SQL); this writes the lapse down: the approval is taken back (the org
 * state becomes unresolved, the workspace decision goes) and one APPROVAL_EXPIRED event per approval
 * is appended, by appgov itself (EXPIRY_ACTOR), at the time it lapsed.
 *
 * Exactly once, on any number of writers: it runs inside a write transaction that holds the tenant
 * (SQLite's write lock; Postgres locks the client's row first), reads the lapsed rows there and takes
 * them back in the same commit, so the next writer finds none. It runs in two places:
 * - any history claim of the client (services/history.ts claimHistory) once the client's due time
 *   (`clients.approvals_due_at`, never later than its earliest end) has passed: so no event of the
 *   client is written after an end before that end's expiry (history stays one chain in commit order);
 * - the sweeper (src/expiry-sweeper.ts), for clients nobody writes to: it finds due clients by
 *   `clients_approvals_due_idx`, also after a restart or a time when no instance ran.
 *
 * The event's time is the end, or the client's previous event time when that is later (written late,
 * another writer's event is already past it: history order stays commit order); `expiredAt` in its
 * data is always the end itself.
 */

/** The actor of expiries: appgov itself, not a token. */
export const EXPIRY_ACTOR = { tokenId: 'appgov:approval-expiry', kind: 'system', name: 'Approval expiry' } as const;

/** One lapsed approval as the store read it. */
export interface LapsedRow {
  workspace_id: string | null;
  app_id: string;
  approved_scopes: string | null;
  ends: number;
  decided_at: number | null;
  decided_by: string | null;
}

export interface ExpiryPlan {
  /** One event per lapsed approval, in order of their ends, each with its own time. */
  events: (NewHistoryEvent & { type: 'APPROVAL_EXPIRED'; at: number })[];
  /** The new head time: the last event's. */
  lastAt: number;
}

/**
 * The events for the lapsed rows (both stores): ordered by end, then org before workspaces, then by id;
 * each at max(its end, the client's previous event time).
 */
export function planExpiry(lapsed: readonly LapsedRow[], headAt: number, parseScopes: (json: string | null) => string[] | null): ExpiryPlan {
  const order = [...lapsed].sort(
    (a, b) => a.ends - b.ends || cmp(a.workspace_id ?? '', b.workspace_id ?? '') || cmp(a.app_id, b.app_id),
  );
  let lastAt = headAt;
  const events = order.map((row) => {
    const at = Math.max(row.ends, headAt);
    lastAt = Math.max(lastAt, at);
    const data: ApprovalExpiredData = {
      workspaceId: row.workspace_id,
      expiredAt: new Date(row.ends).toISOString(),
      approvedScopes: parseScopes(row.approved_scopes),
      approvedAt: row.decided_at === null ? null : new Date(row.decided_at).toISOString(),
      approvedBy: row.decided_by,
    };
    return { eventId: newEventId(), appId: row.app_id, type: 'APPROVAL_EXPIRED' as const, data, at };
  });
  return { events, lastAt };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

const parseJsonScopes = (json: string | null) => (json === null ? null : (JSON.parse(json) as string[]));

/**
 * Writes down every approval of the client that has lapsed at `now` and sets its due time to its next
 * end (null: none). Call it inside a write transaction (BEGIN IMMEDIATE). Answers how many approvals
 * it took back; null when there is no such client. A fixed number of statements, whatever the number of lapsed approvals: one read, and when
 * something lapsed three set-based writes and the history append, then the due time.
 */
export function expireLapsed(tx: Db, clientId: string, now: Date): number | null {
  const ms = now.getTime();
  const rows = tx.all<{ head: number } & { [K in keyof LapsedRow]: LapsedRow[K] | null }>(sql`
    SELECT c.history_at AS head, l.workspace_id, l.app_id, l.approved_scopes, l.ends, l.decided_at, l.decided_by
    FROM clients AS c LEFT JOIN (
      SELECT NULL AS workspace_id, app_id, approved_scopes, approval_expires_at AS ends, decided_at, decided_by
      FROM client_app_states WHERE client_id = ${clientId} AND approval_expires_at <= ${ms} AND resolution = 'approved'
      UNION ALL
      SELECT workspace_id, app_id, approved_scopes, approval_expires_at, decided_at, decided_by
      FROM workspace_app_decisions WHERE client_id = ${clientId} AND approval_expires_at <= ${ms} AND resolution = 'approved'
    ) AS l ON 1
    WHERE c.id = ${clientId}`);
  if (rows.length === 0) return null;
  const headAt = rows[0]!.head;
  const lapsed = rows.filter((r) => r.app_id !== null) as unknown as LapsedRow[];
  const plan = planExpiry(lapsed, headAt, parseJsonScopes);
  if (plan.events.length > 0) {
    // The org state's time is its event's: max(end, head).
    tx.run(sql`
      UPDATE client_app_states SET resolution = 'unresolved', approved_scopes = NULL, approval_expires_at = NULL,
        decided_at = max(approval_expires_at, ${headAt}), decided_by = ${EXPIRY_ACTOR.tokenId},
        version = version + 1, updated_at = max(approval_expires_at, ${headAt})
      WHERE client_id = ${clientId} AND approval_expires_at <= ${ms} AND resolution = 'approved'`);
    tx.run(sql`
      DELETE FROM workspace_app_decisions
      WHERE client_id = ${clientId} AND approval_expires_at <= ${ms} AND resolution = 'approved'`);
  }
  const head = tx.get<{ seq: number }>(sql`
    UPDATE clients SET history_seq = history_seq + ${plan.events.length}, history_at = max(history_at, ${plan.lastAt}),
      approvals_due_at = (SELECT min(e) FROM (
        SELECT min(approval_expires_at) AS e FROM client_app_states WHERE client_id = ${clientId} AND approval_expires_at > ${ms}
        UNION ALL
        SELECT min(approval_expires_at) FROM workspace_app_decisions WHERE client_id = ${clientId} AND approval_expires_at > ${ms}))
    WHERE id = ${clientId}
    RETURNING history_seq AS seq`)!;
  const firstSeq = head.seq - plan.events.length + 1;
  if (plan.events.length > 0) {
    const data = JSON.stringify(plan.events.map((e) => [e.eventId, e.appId, e.data, e.at]));
    tx.run(sql`
      INSERT INTO app_history_events (id, client_id, app_id, type, actor_id, actor_kind, actor_name, data, created_at, client_seq)
      SELECT j.value ->> 0, ${clientId}, j.value ->> 1, 'APPROVAL_EXPIRED', ${EXPIRY_ACTOR.tokenId}, ${EXPIRY_ACTOR.kind},
             ${EXPIRY_ACTOR.name}, j.value -> 2, j.value ->> 3, ${firstSeq} + j.key
      FROM jsonb_each(${data}) AS j`);
  }
  return plan.events.length;
}

/** How many due clients one sweep takes at most (one transaction each); the next sweep takes the rest. */
export const SWEEP_BATCH = 100;

/**
 * One sweep: every client whose due time has passed, oldest first (at most SWEEP_BATCH), each in its own
 * write transaction. Answers how many approvals it took back.
 */
export function expireApprovals(db: Db, now: Date = new Date()): { clients: number; expired: number } {
  const due = db.all<{ id: string }>(sql`
    SELECT id FROM clients WHERE approvals_due_at <= ${now.getTime()} ORDER BY approvals_due_at LIMIT ${SWEEP_BATCH}`);
  let expired = 0;
  for (const { id } of due) {
    // Another writer may have written it down since the read above: under the lock it finds nothing.
    expired += db.transaction((tx) => expireLapsed(tx, id, now) ?? 0, { behavior: 'immediate' });
  }
  return { clients: due.length, expired };
}
