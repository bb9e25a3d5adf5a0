import { sql } from 'drizzle-orm';
import type { Principal } from '../auth/principal';
import type { Db } from '../db/open';
import type { Resolution, RiskLevel } from '../db/schema';
import { BadUserInputError, ConflictError } from '../errors';
import { getClientApp, type ClientApp } from './apps';
import { parseCategory, parseEmail, parseNote, parseReason } from './fields';
import { appendHistoryEvent, claimHistory, insertHistoryEvents, type AppField, type AppFieldChange, type HistoryEvent, type NewHistoryEvent } from './history';
import { parseApprovalExpiry } from './approval-expiry';
import { endOf as approvalEndOf } from './decision-rules';
import { parseId, newEventId } from './ids';

/**
 * A patch: a field that is absent (undefined) stays as it is; null clears a
 * clearable field.
 */
export interface UpdateAppPatch {
  isApproved?: boolean | null;
  ownerEmail?: string | null;
  category?: string | null;
  riskLevel?: RiskLevel | null;
  reason?: string | null;
  expectedVersion?: number | null;
  /** With isApproved: true, when the approval ends (or expiresIn, a duration); absent: it does not. */
  expiresAt?: Date | null;
  expiresIn?: string | null;
}

const PATCHABLE = ['isApproved', 'ownerEmail', 'category', 'riskLevel'] as const;

export interface ValidPatch {
  isApproved?: boolean;
  attributes: Partial<Record<AppField, string | null>>;
  reason: string | null;
  expectedVersion: number | null;
  /** The approval's end (with isApproved: true); null: permanent. */
  expiresAt: Date | null;
}

export function validatePatch(patch: UpdateAppPatch, now: Date = new Date()): ValidPatch {
  if (!PATCHABLE.some((field) => patch[field] !== undefined)) {
    throw new BadUserInputError(`input is an empty patch: set at least one of ${PATCHABLE.join(', ')}`, { field: 'input' });
  }
  if (patch.isApproved === null) {
    throw new BadUserInputError('input.isApproved cannot be null: pass true or false, or leave it out', {
      field: 'input.isApproved',
    });
  }
  if (patch.expectedVersion !== undefined && patch.expectedVersion !== null && patch.expectedVersion < 0) {
    throw new BadUserInputError('input.expectedVersion cannot be negative', { field: 'input.expectedVersion' });
  }
  const expiresAt = parseApprovalExpiry(patch, now, 'input.');
  if (expiresAt !== null && patch.isApproved !== true) {
    throw new BadUserInputError('An end (input.expiresAt or input.expiresIn) needs input.isApproved: true', {
      field: patch.expiresAt != null ? 'input.expiresAt' : 'input.expiresIn',
    });
  }
  const attributes: ValidPatch['attributes'] = {};
  if (patch.ownerEmail !== undefined) attributes.ownerEmail = parseEmail(patch.ownerEmail, 'input.ownerEmail');
  if (patch.category !== undefined) attributes.category = parseCategory(patch.category, 'input.category');
  if (patch.riskLevel !== undefined) attributes.riskLevel = patch.riskLevel;
  return {
    ...(patch.isApproved !== undefined ? { isApproved: patch.isApproved } : {}),
    attributes,
    reason: parseReason(patch.reason, 'input.reason'),
    expectedVersion: patch.expectedVersion ?? null,
    expiresAt,
  };
}

/**
 * Single-app edit from a detail view (the REST API's "Update App"). In one
 * transaction: read the app's state, refuse a stale `expectedVersion`
 * (CONFLICT), then write the new state and at most two events, an
 * APPROVAL_STATUS_CHANGED for an approval change and one APP_UPDATED listing
 * every other changed field. A patch that changes nothing writes nothing.
 */
export function updateApp(
  db: Db,
  input: { clientId: string; appId: string; patch: UpdateAppPatch; actor: Principal; now?: Date },
): ClientApp {
  const appId = parseId(input.appId, 'appId');
  const patch = validatePatch(input.patch, input.now);
  const { clientId, actor } = input;

  return db.transaction(
    (tx) => {
      const current = getClientApp(tx, clientId, appId);
      const update = planAppUpdate(current, appId, patch);
      if (update.events.length === 0) return current;
      // Under the write lock: the claim's time (never before the client's previous event) stamps the change.
      const claim = claimHistory(tx, clientId, input.now ?? new Date(), update.events.length, update.approvalExpiresAt?.getTime() ?? null);
      const { next, decided } = appAfterUpdate(current, update, claim.at);
      tx.run(appStateUpsertSql({ clientId, appId, actorId: actor.tokenId, current, next, decided, at: claim.at }));
      insertHistoryEvents(tx, clientId, actor, claim, update.events);
      return next;
    },
    { behavior: 'immediate' },
  );
}

/**
 * The app's state row after an update, as both stores write it (standard SQL: the flags are SQL's
 * TRUE/FALSE, which SQLite stores as 1/0; every parameter goes into a typed column). The resolution's
 * fields (approved scopes, the re-approval flag) change only when the resolution does.
 */
export function appStateUpsertSql(w: { clientId: string; appId: string; actorId: string; current: ClientApp; next: ClientApp; decided: boolean; at: Date }) {
  const { next, decided } = w;
  const flag = sql.raw(decided ? 'TRUE' : 'FALSE');
  return sql`
    INSERT INTO client_app_states (client_id, app_id, resolution, decided_at, decided_by, owner_email, category,
                                   risk_level, version, updated_at, approved_scopes, approval_expires_at)
    VALUES (${w.clientId}, ${w.appId}, ${next.resolution}, ${next.decidedAt?.getTime() ?? null},
            ${decided ? w.actorId : null}, ${next.ownerEmail}, ${next.category}, ${next.riskLevel},
            ${next.version}, ${w.at.getTime()},
            -- An approval covers every scope the app requests now (the re-approval rule).
            ${next.resolution === 'approved' ? JSON.stringify(w.current.scopes) : null},
            ${next.approvalExpiresAt?.getTime() ?? null})
    ON CONFLICT (client_id, app_id) DO UPDATE SET
      approval_expires_at = excluded.approval_expires_at,
      approved_scopes = CASE WHEN ${flag} THEN excluded.approved_scopes ELSE client_app_states.approved_scopes END,
      needs_reapproval = CASE WHEN ${flag} THEN FALSE ELSE client_app_states.needs_reapproval END,
      resolution = excluded.resolution,
      decided_at = excluded.decided_at,
      decided_by = coalesce(excluded.decided_by, client_app_states.decided_by),
      owner_email = excluded.owner_email,
      category = excluded.category,
      risk_level = excluded.risk_level,
      version = excluded.version,
      updated_at = excluded.updated_at`;
}

/** What a valid patch changes on `current` (both stores): the new resolution, the field changes, their events (none: no change). */
export interface AppUpdate {
  resolution: Resolution;
  /** The approval's end after the update (null: none). */
  approvalExpiresAt: Date | null;
  changes: AppFieldChange[];
  events: NewHistoryEvent[];
}

/**
 * Refuses a stale `expectedVersion` (CONFLICT); then an APPROVAL_STATUS_CHANGED for an approval change and
 * one APP_UPDATED listing every other changed field.
 */
export function planAppUpdate(current: ClientApp, appId: string, patch: ValidPatch): AppUpdate {
  if (patch.expectedVersion !== null && patch.expectedVersion !== current.version) {
    throw new ConflictError(
      `The app changed since you read it: version is ${current.version}, not ${patch.expectedVersion}. Reload and retry.`,
      { expectedVersion: patch.expectedVersion, actualVersion: current.version },
    );
  }
  const events: NewHistoryEvent[] = [];
  let resolution: Resolution = current.resolution;
  let approvalExpiresAt = current.approvalExpiresAt;
  const end = patch.expiresAt?.getTime() ?? null;
  const endChanged = patch.isApproved === true && current.resolution === 'approved' && (current.approvalExpiresAt?.getTime() ?? null) !== end;
  if (patch.isApproved !== undefined && ((current.resolution === 'approved') !== patch.isApproved || endChanged)) {
    resolution = patch.isApproved ? 'approved' : 'unresolved';
    approvalExpiresAt = patch.isApproved ? patch.expiresAt : null;
    events.push({
      eventId: newEventId(),
      appId,
      type: 'APPROVAL_STATUS_CHANGED',
      data: {
        from: current.resolution,
        to: resolution,
        reason: patch.reason,
        ...approvalEndOf(resolution, { resolution: current.resolution, approvalExpiresAt: current.approvalExpiresAt?.getTime() ?? null }, end),
      },
    });
  }
  const changes: AppFieldChange[] = [];
  for (const [field, to] of Object.entries(patch.attributes) as [AppField, string | null][]) {
    if (current[field] !== to) changes.push({ field, from: current[field], to });
  }
  if (changes.length > 0) {
    events.push({ eventId: newEventId(), appId, type: 'APP_UPDATED', data: { changes, reason: patch.reason } });
  }
  return { resolution, approvalExpiresAt, changes, events };
}

/** The app after the update, stamped `now`; `decided` when its resolution changed. */
export function appAfterUpdate(current: ClientApp, update: AppUpdate, now: Date): { next: ClientApp; decided: boolean } {
  const { resolution, changes } = update;
  // A new end on an approval is a decision too (approving again).
  const decided = resolution !== current.resolution || update.approvalExpiresAt !== current.approvalExpiresAt;
  const next: ClientApp = {
    ...current,
    ...Object.fromEntries(changes.map((c) => [c.field, c.to])),
    resolution,
    approvedScopes: decided ? (resolution === 'approved' ? current.scopes : null) : current.approvedScopes,
    needsReapproval: decided ? false : current.needsReapproval,
    decidedAt: decided ? now : current.decidedAt,
    approvalExpiresAt: update.approvalExpiresAt,
    version: current.version + 1,
    updatedAt: now,
  };
  return { next, decided };
}

/**
 * Free text on an app's history (the REST API's "Add App History Note"). Never
 * mixed into approval events, and never changes the app's state or version.
 */
export function addAppHistoryNote(
  db: Db,
  input: { clientId: string; appId: string; note: string; actor: Principal; now?: Date },
): HistoryEvent {
  const appId = parseId(input.appId, 'appId');
  const note = parseNote(input.note);
  return db.transaction(
    (tx) => {
      getClientApp(tx, input.clientId, appId);
      return appendHistoryEvent(tx, input.clientId, input.actor, input.now ?? new Date(), {
        eventId: newEventId(),
        appId,
        type: 'NOTE_ADDED',
        data: { note },
      });
    },
    { behavior: 'immediate' },
  );
}
