import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Principal } from '../auth/principal';
import type { Db } from '../db/open';
import type { Resolution } from '../db/schema';
import { parseReason } from './fields';
import { insertHistoryEvents, type NewHistoryEvent } from './history';
import { parseIdList } from './ids';

export type BulkErrorCode = 'APP_NOT_FOUND';

export interface BulkFailure {
  id: string;
  error: string;
  code: BulkErrorCode;
}

export interface BulkResult {
  /** Every id now in the desired state, changed by this call or already there. */
  succeeded: string[];
  failed: BulkFailure[];
  /** The ids in `succeeded` whose state this call actually changed. */
  changed: string[];
}

export interface BulkApprovalInput {
  clientId: string;
  appIds: readonly string[];
  actor: Principal;
  /** The most distinct ids one call may name (APPGOV_MAX_BULK_IDS). */
  maxIds: number;
  /** Why: at most 500 characters, recorded on every event the call writes. */
  reason?: string | null;
  /** Validate and compute the result exactly as for real, but write nothing. */
  dryRun?: boolean;
  now?: Date;
}

interface LookupRow {
  id: string;
  found: 0 | 1;
  resolution: Resolution | null;
}

/**
 * The shared core of approveApps and removeAppApprovals. Validation happens
 * before anything is read; then one immediate transaction runs a fixed number
 * of set-based statements whatever the number of ids: one lookup, one upsert
 * of the changed states, one multi-row history insert (a dry run stops after
 * the lookup).
 */
function setApproval(db: Db, input: BulkApprovalInput, approve: boolean): BulkResult {
  const ids = parseIdList(input.appIds, 'appIds', input.maxIds);
  const reason = parseReason(input.reason);
  const now = input.now ?? new Date();
  const { actor, clientId } = input;
  const target: Resolution = approve ? 'approved' : 'unresolved';

  return db.transaction(
    (tx) => {
      const rows = tx.all<LookupRow>(sql`
        SELECT j.value AS id, a.id IS NOT NULL AS found, s.resolution
        FROM json_each(${JSON.stringify(ids)}) AS j
        LEFT JOIN apps AS a ON a.id = j.value
        LEFT JOIN client_app_states AS s ON s.client_id = ${clientId} AND s.app_id = a.id
        ORDER BY j.key`);

      const result: BulkResult = { succeeded: [], failed: [], changed: [] };
      const events: NewHistoryEvent[] = [];
      for (const row of rows) {
        if (!row.found) {
          result.failed.push({ id: row.id, error: 'App not found', code: 'APP_NOT_FOUND' });
          continue;
        }
        result.succeeded.push(row.id);
        const from: Resolution = row.resolution ?? 'unresolved';
        if ((from === 'approved') !== approve) {
          result.changed.push(row.id);
          events.push({ eventId: randomUUID(), appId: row.id, type: 'APPROVAL_STATUS_CHANGED', data: { from, to: target, reason } });
        }
      }
      if (events.length === 0 || input.dryRun) return result;

      const at = now.getTime();
      tx.run(sql`
        INSERT INTO client_app_states (client_id, app_id, resolution, decided_at, decided_by, version, updated_at)
        SELECT ${clientId}, j.value, ${target}, ${at}, ${actor.tokenId}, 1, ${at}
        FROM json_each(${JSON.stringify(result.changed)}) AS j WHERE true
        ON CONFLICT (client_id, app_id) DO UPDATE SET
          resolution = excluded.resolution,
          decided_at = excluded.decided_at,
          decided_by = excluded.decided_by,
          version = client_app_states.version + 1,
          updated_at = excluded.updated_at`);
      insertHistoryEvents(tx, clientId, actor, now, events);
      return result;
    },
    // A dry run only reads: it need not take the write lock.
    { behavior: input.dryRun ? 'deferred' : 'immediate' },
  );
}

/** Seed 000: idempotent bulk approval; unknown ids fail individually. */
export function approveApps(db: Db, input: BulkApprovalInput): BulkResult {
  return setApproval(db, input, true);
}

/** Seed 001: idempotent bulk removal of approval (back to unresolved). */
export function removeAppApprovals(db: Db, input: BulkApprovalInput): BulkResult {
  return setApproval(db, input, false);
}
