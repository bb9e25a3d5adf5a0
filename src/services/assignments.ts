import { randomUUID } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { decideAssignment, decideRemoval, type AppRow, type AssigneeRow, type AssigneeType, type Decision } from '../auth/assignment-rules';
import { requireScope } from '../auth/access';
import type { Principal } from '../auth/principal';
import type { Db } from '../db/open';
import type { AssignmentMode } from '../db/schema';
import { AppgovError, BadUserInputError, UnauthenticatedError } from '../errors';
import { parseId } from './ids';

/** One assignment as callers see it. */
export interface Assignment {
  seq: number;
  id: string;
  appId: string;
  appCodeName: string;
  assigneeType: AssigneeType;
  assigneeId: string;
  mode: AssignmentMode;
  createdAt: Date;
  updatedAt: Date;
}

export interface AssigneeRef {
  type: AssigneeType;
  id: string;
}

/** What an assign call did: REST answers 201 for the first two, 200 for the last. */
export type AssignOutcome = 'CREATED' | 'MODE_CHANGED' | 'UNCHANGED';

/** The v3 assignee: exactly one of a directory and a business, each a UUID. */
export function parseAssignee(input: { directoryId?: string | null; businessId?: string | null }): AssigneeRef {
  const { directoryId, businessId } = input;
  const given = (value: string | null | undefined): value is string => value !== null && value !== undefined;
  if (given(directoryId) === given(businessId)) {
    throw new BadUserInputError('assignee must name exactly one of directoryId and businessId', { field: 'assignee' });
  }
  return given(directoryId)
    ? { type: 'directory', id: parseId(directoryId, 'assignee.directoryId') }
    : { type: 'business', id: parseId(businessId!, 'assignee.businessId') };
}

/** Throws the refusal a rule decided, with the broken rule in `extensions.rule`. */
export function enforce(decision: Decision): void {
  if (!decision.allowed) throw new AppgovError(decision.code, decision.message, { rule: decision.rule });
}

export function requireWriter(actor: Principal | null): Principal {
  if (!actor) throw new UnauthenticatedError();
  return requireScope(actor, 'apps:write');
}

/** The assignee as the rules need it, in one statement. */
export function readAssignee(db: Db, ref: AssigneeRef): AssigneeRow {
  const row =
    ref.type === 'directory'
      ? db.get<{ directory_id: string | null } | undefined>(sql`SELECT id AS directory_id FROM directories WHERE id = ${ref.id}`)
      : db.get<{ directory_id: string | null } | undefined>(sql`SELECT directory_id FROM clients WHERE id = ${ref.id}`);
  return { ...ref, found: row !== undefined, directoryId: row?.directory_id ?? null };
}

function readApp(db: Db, codeName: string): AppRow | null {
  const row = db.get<{ id: string; code_name: string; owner_directory_id: string | null } | undefined>(
    sql`SELECT id, code_name, owner_directory_id FROM apps WHERE code_name = ${codeName}`,
  );
  return row ? { id: row.id, codeName: row.code_name, ownerDirectoryId: row.owner_directory_id } : null;
}

interface AssignmentRow {
  seq: number;
  id: string;
  app_id: string;
  code_name: string;
  directory_id: string | null;
  client_id: string | null;
  mode: AssignmentMode;
  created_at: number;
  updated_at: number;
}

/** Columns of an assignment read: `s` is app_assignments, `a` its app. */
export const ASSIGNMENT_COLUMNS = sql`s.seq, s.id, s.app_id, a.code_name, s.directory_id, s.client_id, s.mode, s.created_at, s.updated_at`;

export function toAssignment(row: AssignmentRow): Assignment {
  return {
    seq: row.seq,
    id: row.id,
    appId: row.app_id,
    appCodeName: row.code_name,
    assigneeType: row.directory_id !== null ? 'directory' : 'business',
    assigneeId: (row.directory_id ?? row.client_id)!,
    mode: row.mode,
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

function assigneeColumn(type: AssigneeType): SQL {
  return sql.raw(type === 'directory' ? 'directory_id' : 'client_id');
}

function findAssignment(db: Db, appId: string, assignee: AssigneeRef): Assignment | null {
  const row = db.get<AssignmentRow | undefined>(sql`
    SELECT ${ASSIGNMENT_COLUMNS} FROM app_assignments AS s JOIN apps AS a ON a.id = s.app_id
    WHERE s.app_id = ${appId} AND s.${assigneeColumn(assignee.type)} = ${assignee.id}`);
  return row ? toAssignment(row) : null;
}

function appendEvent(
  tx: Db,
  actor: Principal,
  at: Date,
  assignment: Pick<Assignment, 'id' | 'appId' | 'assigneeType' | 'assigneeId'>,
  type: 'ASSIGNED' | 'MODE_CHANGED' | 'UNASSIGNED',
  fromMode: AssignmentMode | null,
  toMode: AssignmentMode | null,
): void {
  const directoryId = assignment.assigneeType === 'directory' ? assignment.assigneeId : null;
  const clientId = assignment.assigneeType === 'business' ? assignment.assigneeId : null;
  tx.run(sql`
    INSERT INTO app_assignment_events
      (id, assignment_id, app_id, directory_id, client_id, type, from_mode, to_mode, actor_id, actor_kind, actor_name, created_at)
    VALUES (${randomUUID()}, ${assignment.id}, ${assignment.appId}, ${directoryId}, ${clientId}, ${type}, ${fromMode}, ${toMode},
            ${actor.tokenId}, ${actor.kind}, ${actor.name}, ${at.getTime()})`);
}

export interface AssignAppInput {
  actor: Principal | null;
  appCodeName: string;
  assignee: AssigneeRef;
  mode: AssignmentMode;
  /** BUILT_IN is accepted only from the deprecated v1 call. */
  allowBuiltIn?: boolean;
  now?: Date;
}

/**
 * Assigns an app to a directory or a business. The same mode again writes
 * nothing (UNCHANGED); another mode updates the one assignment
 * (MODE_CHANGED). Each real change appends one history event in the same
 * transaction.
 */
export function assignApp(db: Db, input: AssignAppInput): { assignment: Assignment; outcome: AssignOutcome } {
  const actor = requireWriter(input.actor);
  if (input.mode === 'BUILT_IN' && !input.allowBuiltIn) {
    throw new BadUserInputError(
      'BUILT_IN is not supported in v3: only the deprecated assignAppV1 (POST /platform/v1/apps/{app_code_name}/assign, built_in "true") creates it',
      { field: 'mode' },
    );
  }
  const now = input.now ?? new Date();
  return db.transaction(
    (tx) => {
      const app = readApp(tx, input.appCodeName);
      const assignee = readAssignee(tx, input.assignee);
      enforce(decideAssignment(actor, { app, assignee, mode: input.mode }));
      const existing = findAssignment(tx, app!.id, input.assignee);
      if (existing?.mode === input.mode) return { assignment: existing, outcome: 'UNCHANGED' as const };
      if (existing) {
        tx.run(sql`UPDATE app_assignments SET mode = ${input.mode}, updated_at = ${now.getTime()} WHERE id = ${existing.id}`);
        appendEvent(tx, actor, now, existing, 'MODE_CHANGED', existing.mode, input.mode);
        return { assignment: { ...existing, mode: input.mode, updatedAt: now }, outcome: 'MODE_CHANGED' as const };
      }
      const id = randomUUID();
      const column = assigneeColumn(input.assignee.type);
      const seq = tx.get<{ seq: number }>(sql`
        INSERT INTO app_assignments (id, app_id, ${column}, mode, created_at, updated_at)
        VALUES (${id}, ${app!.id}, ${input.assignee.id}, ${input.mode}, ${now.getTime()}, ${now.getTime()})
        RETURNING seq`).seq;
      const assignment: Assignment = {
        seq,
        id,
        appId: app!.id,
        appCodeName: app!.codeName,
        assigneeType: input.assignee.type,
        assigneeId: input.assignee.id,
        mode: input.mode,
        createdAt: now,
        updatedAt: now,
      };
      appendEvent(tx, actor, now, assignment, 'ASSIGNED', null, input.mode);
      return { assignment, outcome: 'CREATED' as const };
    },
    { behavior: 'immediate' },
  );
}

type RemovalRow = AssignmentRow & { owner_directory_id: string | null; assignee_directory_id: string | null };

/** The rows decideRemoval needs, and the assignment itself. */
function removalRows(row: RemovalRow): { assignment: Assignment; app: AppRow; assignee: AssigneeRow } {
  const assignment = toAssignment(row);
  return {
    assignment,
    app: { id: row.app_id, codeName: row.code_name, ownerDirectoryId: row.owner_directory_id },
    assignee: { type: assignment.assigneeType, id: assignment.assigneeId, found: true, directoryId: row.assignee_directory_id },
  };
}

/**
 * Removes one assignment; its history stays. The same rules as assigning
 * decide, except the mode (any mode may be removed). A directory token gets
 * the same refusal for an unknown id as for another directory's assignment.
 */
export function unassignApp(db: Db, input: { actor: Principal | null; id: string; now?: Date }): Assignment {
  const actor = requireWriter(input.actor);
  const id = parseId(input.id, 'id');
  const now = input.now ?? new Date();
  return db.transaction(
    (tx) => {
      const row = tx.get<RemovalRow | undefined>(sql`
        SELECT ${ASSIGNMENT_COLUMNS}, a.owner_directory_id, coalesce(s.directory_id, c.directory_id) AS assignee_directory_id
        FROM app_assignments AS s JOIN apps AS a ON a.id = s.app_id LEFT JOIN clients AS c ON c.id = s.client_id
        WHERE s.id = ${id}`);
      const found = row ? removalRows(row) : null;
      enforce(decideRemoval(actor, found));
      // decideRemoval refuses a missing assignment, so `found` is set from here on.
      const { assignment } = found!;
      tx.run(sql`DELETE FROM app_assignments WHERE id = ${id}`);
      appendEvent(tx, actor, now, assignment, 'UNASSIGNED', assignment.mode, null);
      return assignment;
    },
    { behavior: 'immediate' },
  );
}
