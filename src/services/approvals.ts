import type { Principal } from '../auth/principal';
import type { Db } from '../db/open';
import type { DecisionAction, DecisionErrorCode, DecisionPlan } from './decision-rules';
import { decide, type DecideInput } from './decisions';
import { parseReason } from './fields';
import { parseIdList } from './ids';

export type BulkErrorCode = DecisionErrorCode;

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
  /** Decide in this workspace (already checked to be the client's); absent or null: at org level. */
  workspaceId?: string | null;
  appIds: readonly string[];
  actor: Principal;
  /** The most distinct ids one call may name (APPGOV_MAX_BULK_IDS). */
  maxIds: number;
  /** Why: at most 500 characters, recorded on every event the call writes. */
  reason?: string | null;
  /** approveApps: when the approvals end (checked by parseApprovalExpiry); null or absent: they do not. */
  expiresAt?: Date | null;
  /** Validate and compute the result exactly as for real, but write nothing. */
  dryRun?: boolean;
  now?: Date;
}

/**
 * The shared core of the bulk calls. Validation happens before anything is
 * read; then decide() runs one immediate transaction of a fixed number of
 * set-based statements whatever the number of ids: one lookup, then only the
 * writes the plan needs (a dry run stops after the lookup).
 */
function bulkDecide(db: Db, input: BulkApprovalInput, action: DecisionAction): BulkResult {
  return bulkResultOf(decide(db, bulkDecideInput(input, action)));
}

/** A bulk call's input, validated (before anything is read), as either store's decide() takes it. */
export function bulkDecideInput(input: BulkApprovalInput, action: DecisionAction): DecideInput {
  const ids = parseIdList(input.appIds, 'appIds', input.maxIds);
  const reason = parseReason(input.reason);
  return {
    clientId: input.clientId,
    workspaceId: input.workspaceId ?? null,
    appIds: ids,
    action,
    scopes: null,
    reason,
    requestId: null,
    actor: input.actor,
    ...(action === 'approve' && input.expiresAt ? { expiresAt: input.expiresAt } : {}),
    ...(input.dryRun ? { dryRun: true } : {}),
    ...(input.now ? { now: input.now } : {}),
  };
}

/** What a bulk call answers, from its plan. */
export function bulkResultOf(plan: DecisionPlan): BulkResult {
  return {
    succeeded: plan.succeeded,
    failed: plan.failed.map(({ id, error, code }) => ({ id, error, code })),
    changed: plan.changed,
  };
}

/** Approve Apps: idempotent bulk approval; unknown ids fail individually. */
export function approveApps(db: Db, input: BulkApprovalInput): BulkResult {
  return bulkDecide(db, input, 'approve');
}

/** Remove App Approvals: idempotent bulk removal of approval (back to unresolved). */
export function removeAppApprovals(db: Db, input: BulkApprovalInput): BulkResult {
  return bulkDecide(db, input, 'unapprove');
}

/** Idempotent bulk restriction; at org level it voids workspace approvals. */
export function restrictApps(db: Db, input: BulkApprovalInput): BulkResult {
  return bulkDecide(db, input, 'restrict');
}
