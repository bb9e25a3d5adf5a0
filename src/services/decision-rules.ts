import type { Resolution, WorkspaceResolution } from '../db/schema';
import type { NewHistoryEvent } from './history';
import { newEventId } from './ids';

/**
 * The workspace model's decision rules as plain functions over rows: given what the
 * store read, say what changes, what is refused and which events are
 * written. No database here, so a second store can reuse them.
 */

/** approve / restrict / clearResolution, and removeAppApprovals (`unapprove`: approved → none, restricted stays). */
export type DecisionAction = 'approve' | 'restrict' | 'unapprove' | 'clear';

export type DecisionErrorCode = 'APP_NOT_FOUND' | 'APP_RESTRICTED_ORG_WIDE' | 'INVALID_SCOPES';

/** One app as the store read it for a decision. */
export interface DecisionRow {
  appId: string;
  found: boolean;
  /** The scopes the app requests now. */
  appScopes: string[];
  /** `approvalExpiresAt`: when an approval ends (ms); null: it does not. */
  org: { resolution: Resolution; approvedScopes: string[] | null; needsReapproval: boolean; approvalExpiresAt?: number | null };
  /** The call's workspace's own decision; null at org level or when the workspace has none. */
  workspace: { resolution: WorkspaceResolution; approvedScopes: string[] | null; approvalExpiresAt?: number | null } | null;
  /** Pending requests this decision covers (the app's, in the client or in the call's workspace). */
  pendingRequests: { id: string; workspaceId: string }[];
  /** Workspaces holding their own approval of the app (read only for an org-level restriction). */
  workspaceApprovals: string[];
}

export interface DecisionCall {
  action: DecisionAction;
  /** null: the org (client) level. */
  workspaceId: string | null;
  /** The scopes to approve; null: all the app requests now. */
  scopes: string[] | null;
  reason: string | null;
  /** Set when the call names an install request rather than an app. */
  requestId: string | null;
  /** When the approval ends (ms; approve only); null or absent: it does not. */
  expiresAt?: number | null;
  /** The decision's time (ms; absent: the clock's): an approval whose end is at or before it has lapsed, and counts as none. */
  now?: number;
}

export interface DecisionFailure {
  id: string;
  error: string;
  code: DecisionErrorCode;
  /** For INVALID_SCOPES: the scopes the app does not request. */
  invalidScopes?: string[];
}

export interface DecisionPlan {
  succeeded: string[];
  failed: DecisionFailure[];
  changed: string[];
  /** Org-level rows to write (needs-re-approval is cleared by any org decision). */
  orgStates: { appId: string; resolution: Resolution; approvedScopes: string[] | null; approvalExpiresAt: number | null }[];
  /** The call's workspace's rows to write. */
  workspaceUpserts: { appId: string; resolution: WorkspaceResolution; approvedScopes: string[] | null; approvalExpiresAt: number | null }[];
  /** The earliest end this plan writes (ms); null: none. The client's due time is lowered to it. */
  dueAt: number | null;
  workspaceDeletes: { workspaceId: string; appId: string }[];
  requestResolutions: { id: string; status: 'approved' | 'restricted' }[];
  events: NewHistoryEvent[];
}

const sameSet = (a: readonly string[] | null, b: readonly string[]) =>
  a !== null && a.length === b.length && b.every((s) => a.includes(s));

/** Whether an approval with this end has lapsed at `now` (ms): its end is at or before it. */
export function hasLapsed(approvalExpiresAt: number | null | undefined, now: number): boolean {
  return approvalExpiresAt != null && approvalExpiresAt <= now;
}

/**
 * A decision as it stands at `now`: an approval whose end has passed counts as none (`unresolved`,
 * no scopes), whether or not its expiry was written down yet (services/expiry.ts writes it).
 */
export function liveState<T extends { resolution: Resolution; approvedScopes: string[] | null; approvalExpiresAt?: number | null }>(state: T, now: number): T {
  return state.resolution === 'approved' && hasLapsed(state.approvalExpiresAt, now)
    ? { ...state, resolution: 'unresolved', approvedScopes: null, approvalExpiresAt: null }
    : state;
}

/** An end as ISO 8601: a bulk call's 1,000 events share one end, so the last one is kept. */
let lastIso: { ms: number; iso: string } | null = null;
function isoOf(ms: number): string {
  if (lastIso?.ms !== ms) lastIso = { ms, iso: new Date(ms).toISOString() };
  return lastIso.iso;
}

/** The end to record on a decision's event: set when the new approval has one, or when an end is dropped. */
export function endOf(to: Resolution, before: { resolution: Resolution; approvalExpiresAt?: number | null }, expiresAt: number | null): { expiresAt?: string | null } {
  if (to === 'approved' && expiresAt !== null) return { expiresAt: isoOf(expiresAt) };
  if (before.resolution === 'approved' && before.approvalExpiresAt != null) return { expiresAt: null };
  return {};
}

function decideOrg(row: DecisionRow, call: DecisionCall, scopes: string[], plan: DecisionPlan): boolean {
  const org = liveState(row.org, call.now!);
  const from = org.resolution;
  const to: Resolution =
    call.action === 'approve' ? 'approved' : call.action === 'restrict' ? 'restricted' : call.action === 'clear' ? 'unresolved' : from === 'approved' ? 'unresolved' : from;
  const approvedScopes = to === 'approved' ? scopes : null;
  // Only an approval has an end: a restriction or removal makes a pending end moot.
  const approvalExpiresAt = to === 'approved' ? (call.expiresAt ?? null) : null;
  const changed =
    from !== to ||
    (to === 'approved' && (!sameSet(org.approvedScopes, scopes) || (org.approvalExpiresAt ?? null) !== approvalExpiresAt)) ||
    // Clearing also clears "needs re-approval".
    (call.action === 'clear' && org.needsReapproval);
  if (changed) {
    plan.orgStates.push({ appId: row.appId, resolution: to, approvedScopes, approvalExpiresAt });
    plan.events.push({
      eventId: newEventId(),
      appId: row.appId,
      type: 'APPROVAL_STATUS_CHANGED',
      // Only what applies: older events (from before approved scopes and install requests) carry neither key; an end only when one is set or dropped.
      data: {
        from,
        to,
        reason: call.reason,
        ...(approvedScopes ? { approvedScopes } : {}),
        ...(call.requestId ? { requestId: call.requestId } : {}),
        ...endOf(to, org, approvalExpiresAt),
      },
    });
  }
  // An org-level restriction voids every workspace's own approval of the app.
  if (call.action === 'restrict') {
    for (const workspaceId of row.workspaceApprovals) {
      plan.workspaceDeletes.push({ workspaceId, appId: row.appId });
      plan.events.push({
        eventId: newEventId(),
        appId: row.appId,
        type: 'WORKSPACE_APPROVAL_VOIDED',
        data: { workspaceId, reason: call.reason },
      });
    }
    return changed || row.workspaceApprovals.length > 0;
  }
  return changed;
}

function decideWorkspace(row: DecisionRow, call: DecisionCall, workspaceId: string, scopes: string[], plan: DecisionPlan): boolean | DecisionFailure {
  if (call.action === 'approve' && row.org.resolution === 'restricted') {
    return { id: row.appId, error: 'The app is restricted org-wide', code: 'APP_RESTRICTED_ORG_WIDE' };
  }
  const current = row.workspace ? liveState(row.workspace, call.now!) : null;
  const from: Resolution = current?.resolution ?? 'unresolved';
  const to: Resolution =
    call.action === 'approve' ? 'approved' : call.action === 'restrict' ? 'restricted' : call.action === 'clear' ? 'unresolved' : from === 'approved' ? 'unresolved' : from;
  const approvedScopes = to === 'approved' ? scopes : null;
  const approvalExpiresAt = to === 'approved' ? (call.expiresAt ?? null) : null;
  const before = { resolution: from, approvalExpiresAt: current?.approvalExpiresAt ?? null };
  const changed =
    from !== to || (to === 'approved' && (!sameSet(current?.approvedScopes ?? null, scopes) || before.approvalExpiresAt !== approvalExpiresAt));
  if (!changed) return false;
  if (to === 'unresolved') plan.workspaceDeletes.push({ workspaceId, appId: row.appId });
  else plan.workspaceUpserts.push({ appId: row.appId, resolution: to, approvedScopes, approvalExpiresAt });
  plan.events.push({
    eventId: newEventId(),
    appId: row.appId,
    type: 'WORKSPACE_RESOLUTION_CHANGED',
    data: { workspaceId, from, to, approvedScopes, requestId: call.requestId, reason: call.reason, ...endOf(to, before, approvalExpiresAt) },
  });
  return true;
}

/**
 * The plan for one call over many apps. Per app: unknown → APP_NOT_FOUND;
 * a scope the app does not request → INVALID_SCOPES; a workspace-level
 * approval under an org-level restriction → APP_RESTRICTED_ORG_WIDE. Every
 * other app succeeds, and is `changed` only when something is written for it
 * (idempotent). Approving or restricting also resolves the pending requests
 * the decision covers.
 */
export function planDecisions(rows: readonly DecisionRow[], given: DecisionCall): DecisionPlan {
  const call = { ...given, now: given.now ?? Date.now() };
  const plan: DecisionPlan = {
    succeeded: [],
    failed: [],
    changed: [],
    orgStates: [],
    workspaceUpserts: [],
    workspaceDeletes: [],
    requestResolutions: [],
    events: [],
    dueAt: null,
  };
  for (const row of rows) {
    if (!row.found) {
      plan.failed.push({ id: row.appId, error: 'App not found', code: 'APP_NOT_FOUND' });
      continue;
    }
    const scopes = call.scopes ?? row.appScopes;
    const invalid = scopes.filter((s) => !row.appScopes.includes(s));
    if (call.action === 'approve' && invalid.length > 0) {
      plan.failed.push({
        id: row.appId,
        error: `The app does not request these scopes: ${invalid.join(', ')}`,
        code: 'INVALID_SCOPES',
        invalidScopes: invalid,
      });
      continue;
    }
    const outcome =
      call.workspaceId === null ? decideOrg(row, call, scopes, plan) : decideWorkspace(row, call, call.workspaceId, scopes, plan);
    if (typeof outcome === 'object') {
      plan.failed.push(outcome);
      continue;
    }
    plan.succeeded.push(row.appId);
    let changed = outcome;
    if (call.action === 'approve' || call.action === 'restrict') {
      const status = call.action === 'approve' ? 'approved' : 'restricted';
      for (const request of row.pendingRequests) {
        plan.requestResolutions.push({ id: request.id, status });
        plan.events.push({
          eventId: newEventId(),
          appId: row.appId,
          type: 'INSTALL_REQUEST_RESOLVED',
          data: { requestId: request.id, workspaceId: request.workspaceId, status, decidedInWorkspaceId: call.workspaceId, reason: call.reason },
        });
        changed = true;
      }
    }
    if (changed) plan.changed.push(row.appId);
  }
  const ends = [...plan.orgStates, ...plan.workspaceUpserts].map((s) => s.approvalExpiresAt).filter((e) => e !== null);
  plan.dueAt = ends.length > 0 ? Math.min(...ends) : null;
  return plan;
}

/** Whether an org-level approval still covers what the app requests. */
export function uncoveredScopes(approvedScopes: readonly string[] | null, requestedScopes: readonly string[]): string[] {
  return requestedScopes.filter((s) => !(approvedScopes ?? []).includes(s));
}

/**
 * The re-approval rule: when an app's requested scopes change so
 * that an org-level approval no longer covers them, that approval stops
 * counting and the app needs re-approval at org level. Workspace-level
 * approvals are not affected (Slack: reinstalling in a workspace adds scopes
 * with no workspace approval needed).
 */
export function planScopeChange(
  appId: string,
  requestedScopes: string[],
  approvals: readonly { clientId: string; approvedScopes: string[] | null }[],
  reason: string | null,
): { lostClientIds: string[]; events: (NewHistoryEvent & { clientId: string })[] } {
  const lostClientIds: string[] = [];
  const events: (NewHistoryEvent & { clientId: string })[] = [];
  for (const approval of approvals) {
    const uncovered = uncoveredScopes(approval.approvedScopes, requestedScopes);
    if (uncovered.length === 0) continue;
    lostClientIds.push(approval.clientId);
    events.push({
      clientId: approval.clientId,
      eventId: newEventId(),
      appId,
      type: 'APPROVAL_LOST_SCOPE_CHANGE',
      data: { approvedScopes: approval.approvedScopes ?? [], requestedScopes, uncoveredScopes: uncovered, reason },
    });
  }
  return { lostClientIds, events };
}
