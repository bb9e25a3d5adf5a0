import { randomUUID } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { decideAssignment, decideRemoval, type AppRow, type AssigneeRow, type AssigneeType, type Decision } from '../auth/assignment-rules';
import { requireScope } from '../auth/access';
import type { Principal } from '../auth/principal';
import type { Db } from '../db/open';
import type { AssignmentEventType, AssignmentMode, TokenKind } from '../db/schema';
import { AppgovError, BadUserInputError, UnauthenticatedError } from '../errors';
import { parseId } from './ids';

/*
 * The rules, the statements and the mappers of an assignment write are plain functions shared by
 * both stores (this SQLite service and store/postgres/assignments.ts): each store only runs them,
 * in its own transaction, in the same order.
 */

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

/** The assignee's row: for a directory itself, for a business its client row (with its directory). */
export function assigneeSql(ref: AssigneeRef): SQL {
  return ref.type === 'directory'
    ? sql`SELECT id AS directory_id FROM directories WHERE id = ${ref.id}`
    : sql`SELECT directory_id FROM clients WHERE id = ${ref.id}`;
}

/** The assignee as the rules need it, from what assigneeSql found (undefined: nothing). */
export function toAssigneeRow(ref: AssigneeRef, row: { directory_id: string | null } | undefined): AssigneeRow {
  return { ...ref, found: row !== undefined, directoryId: row?.directory_id ?? null };
}

/** The assignee as the rules need it, in one statement. */
export function readAssignee(db: Db, ref: AssigneeRef): AssigneeRow {
  return toAssigneeRow(ref, db.get<{ directory_id: string | null } | undefined>(assigneeSql(ref)));
}

export type AppRowRead = { id: string; code_name: string; owner_directory_id: string | null };

export function appByCodeNameSql(codeName: string): SQL {
  return sql`SELECT id, code_name, owner_directory_id FROM apps WHERE code_name = ${codeName}`;
}

export function toAppRow(row: AppRowRead | undefined): AppRow | null {
  return row ? { id: row.id, codeName: row.code_name, ownerDirectoryId: row.owner_directory_id } : null;
}

/** An assignment as read by ASSIGNMENT_COLUMNS. int8 columns arrive as text from Postgres: the mapper reads both. */
export interface AssignmentRow {
  seq: number | string;
  id: string;
  app_id: string;
  code_name: string;
  directory_id: string | null;
  client_id: string | null;
  mode: AssignmentMode;
  created_at: number | string;
  updated_at: number | string;
}

/** Columns of an assignment read: `s` is app_assignments, `a` its app. */
export const ASSIGNMENT_COLUMNS = sql`s.seq, s.id, s.app_id, a.code_name, s.directory_id, s.client_id, s.mode, s.created_at, s.updated_at`;

export function toAssignment(row: AssignmentRow): Assignment {
  return {
    seq: Number(row.seq),
    id: row.id,
    appId: row.app_id,
    appCodeName: row.code_name,
    assigneeType: row.directory_id !== null ? 'directory' : 'business',
    assigneeId: (row.directory_id ?? row.client_id)!,
    mode: row.mode,
    createdAt: new Date(Number(row.created_at)),
    updatedAt: new Date(Number(row.updated_at)),
  };
}

function assigneeColumn(type: AssigneeType): SQL {
  return sql.raw(type === 'directory' ? 'directory_id' : 'client_id');
}

/** The one assignment of (app, assignee), if any. */
export function findAssignmentSql(appId: string, assignee: AssigneeRef): SQL {
  return sql`
    SELECT ${ASSIGNMENT_COLUMNS} FROM app_assignments AS s JOIN apps AS a ON a.id = s.app_id
    WHERE s.app_id = ${appId} AND s.${assigneeColumn(assignee.type)} = ${assignee.id}`;
}

/** One row of app_assignment_events, as both stores write it. */
export interface NewAssignmentEvent {
  id: string;
  assignmentId: string;
  appId: string;
  directoryId: string | null;
  clientId: string | null;
  type: AssignmentEventType;
  fromMode: AssignmentMode | null;
  toMode: AssignmentMode | null;
  actorId: string;
  actorKind: TokenKind;
  actorName: string;
  createdAt: number;
}

function assignmentEvent(
  actor: Principal,
  at: Date,
  assignment: Pick<Assignment, 'id' | 'appId' | 'assigneeType' | 'assigneeId'>,
  type: AssignmentEventType,
  fromMode: AssignmentMode | null,
  toMode: AssignmentMode | null,
): NewAssignmentEvent {
  return {
    id: randomUUID(),
    assignmentId: assignment.id,
    appId: assignment.appId,
    directoryId: assignment.assigneeType === 'directory' ? assignment.assigneeId : null,
    clientId: assignment.assigneeType === 'business' ? assignment.assigneeId : null,
    type,
    fromMode,
    toMode,
    actorId: actor.tokenId,
    actorKind: actor.kind,
    actorName: actor.name,
    createdAt: at.getTime(),
  };
}

export function insertAssignmentEventSql(e: NewAssignmentEvent): SQL {
  return sql`
    INSERT INTO app_assignment_events
      (id, assignment_id, app_id, directory_id, client_id, type, from_mode, to_mode, actor_id, actor_kind, actor_name, created_at)
    VALUES (${e.id}, ${e.assignmentId}, ${e.appId}, ${e.directoryId}, ${e.clientId}, ${e.type}, ${e.fromMode}, ${e.toMode},
            ${e.actorId}, ${e.actorKind}, ${e.actorName}, ${e.createdAt})`;
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

/** What is checked before any read: a writer, and a mode v3 accepts. The writer. */
export function parseAssign(input: AssignAppInput): Principal {
  const actor = requireWriter(input.actor);
  if (input.mode === 'BUILT_IN' && !input.allowBuiltIn) {
    throw new BadUserInputError(
      'BUILT_IN is not supported in v3: only the deprecated assignAppV1 (POST /platform/v1/apps/{app_code_name}/assign, built_in "true") creates it',
      { field: 'mode' },
    );
  }
  return actor;
}

/** The rules over the rows read: the app (known from here on), or the refusal. */
export function authorizeAssign(actor: Principal, input: AssignAppInput, app: AppRow | null, assignee: AssigneeRow): AppRow {
  enforce(decideAssignment(actor, { app, assignee, mode: input.mode }));
  return app!;
}

/** What an allowed assign does, given the assignment of (app, assignee) if any: nothing for the same mode, else an update or a new one. */
export function assignOutcome(input: Pick<AssignAppInput, 'mode'>, existing: Assignment | null): AssignOutcome {
  if (!existing) return 'CREATED';
  return existing.mode === input.mode ? 'UNCHANGED' : 'MODE_CHANGED';
}

/**
 * The rows and the event of an allowed assign (assignOutcome decides which), the change at `now`.
 * A created assignment's `seq` is the store's to give: its insert returns it.
 */
export type AssignPlan =
  | { outcome: 'UNCHANGED'; assignment: Assignment }
  | { outcome: 'MODE_CHANGED'; assignment: Assignment; event: NewAssignmentEvent; write: SQL }
  | { outcome: 'CREATED'; assignment: Omit<Assignment, 'seq'>; event: NewAssignmentEvent; write: SQL };

export function planAssign(actor: Principal, input: AssignAppInput, app: AppRow, existing: Assignment | null, now: Date): AssignPlan {
  const outcome = assignOutcome(input, existing);
  if (outcome === 'UNCHANGED') return { outcome, assignment: existing! };
  if (outcome === 'MODE_CHANGED') {
    return {
      outcome,
      assignment: { ...existing!, mode: input.mode, updatedAt: now },
      event: assignmentEvent(actor, now, existing!, 'MODE_CHANGED', existing!.mode, input.mode),
      write: sql`UPDATE app_assignments SET mode = ${input.mode}, updated_at = ${now.getTime()} WHERE id = ${existing!.id}`,
    };
  }
  const assignment: Omit<Assignment, 'seq'> = {
    id: randomUUID(),
    appId: app.id,
    appCodeName: app.codeName,
    assigneeType: input.assignee.type,
    assigneeId: input.assignee.id,
    mode: input.mode,
    createdAt: now,
    updatedAt: now,
  };
  return {
    outcome,
    assignment,
    event: assignmentEvent(actor, now, assignment, 'ASSIGNED', null, input.mode),
    write: sql`
      INSERT INTO app_assignments (id, app_id, ${assigneeColumn(input.assignee.type)}, mode, created_at, updated_at)
      VALUES (${assignment.id}, ${app.id}, ${input.assignee.id}, ${input.mode}, ${now.getTime()}, ${now.getTime()})
      RETURNING seq`,
  };
}

/** The answer of a plan once written (`seq`: what a CREATED plan's insert returned). */
export function assignResult(plan: AssignPlan, seq?: number | string): { assignment: Assignment; outcome: AssignOutcome } {
  if (plan.outcome === 'CREATED') return { assignment: { seq: Number(seq), ...plan.assignment }, outcome: plan.outcome };
  return { assignment: plan.assignment, outcome: plan.outcome };
}

/**
 * Assigns an app to a directory or a business. The same mode again writes
 * nothing (UNCHANGED); another mode updates the one assignment
 * (MODE_CHANGED). Each real change appends one history event in the same
 * transaction.
 */
export function assignApp(db: Db, input: AssignAppInput): { assignment: Assignment; outcome: AssignOutcome } {
  const actor = parseAssign(input);
  const now = input.now ?? new Date();
  return db.transaction(
    (tx) => {
      const app = authorizeAssign(actor, input, toAppRow(tx.get<AppRowRead | undefined>(appByCodeNameSql(input.appCodeName))), readAssignee(tx, input.assignee));
      const existing = tx.get<AssignmentRow | undefined>(findAssignmentSql(app.id, input.assignee));
      const plan = planAssign(actor, input, app, existing ? toAssignment(existing) : null, now);
      if (plan.outcome === 'UNCHANGED') return assignResult(plan);
      let seq: number | undefined;
      if (plan.outcome === 'CREATED') seq = tx.get<{ seq: number }>(plan.write).seq;
      else tx.run(plan.write);
      tx.run(insertAssignmentEventSql(plan.event));
      return assignResult(plan, seq);
    },
    { behavior: 'immediate' },
  );
}

export type RemovalRow = AssignmentRow & { owner_directory_id: string | null; assignee_directory_id: string | null };

/** The assignment of `id` with what decideRemoval needs: its app's owner and its assignee's directory. */
export function removalSql(id: string): SQL {
  return sql`
    SELECT ${ASSIGNMENT_COLUMNS}, a.owner_directory_id, coalesce(s.directory_id, c.directory_id) AS assignee_directory_id
    FROM app_assignments AS s JOIN apps AS a ON a.id = s.app_id LEFT JOIN clients AS c ON c.id = s.client_id
    WHERE s.id = ${id}`;
}

/** The rows decideRemoval needs, and the assignment itself. */
function removalRows(row: RemovalRow): { assignment: Assignment; app: AppRow; assignee: AssigneeRow } {
  const assignment = toAssignment(row);
  return {
    assignment,
    app: { id: row.app_id, codeName: row.code_name, ownerDirectoryId: row.owner_directory_id },
    assignee: { type: assignment.assigneeType, id: assignment.assigneeId, found: true, directoryId: row.assignee_directory_id },
  };
}

export interface UnassignAppInput {
  actor: Principal | null;
  id: string;
  now?: Date;
}

/** What is checked before any read: a writer, and a UUID. */
export function parseUnassign(input: UnassignAppInput): { actor: Principal; id: string } {
  const actor = requireWriter(input.actor);
  return { actor, id: parseId(input.id, 'id') };
}

/** The rules over the row read (undefined: no such id): the assignment to remove, or the refusal. */
export function authorizeRemoval(actor: Principal, row: RemovalRow | undefined): Assignment {
  const found = row ? removalRows(row) : null;
  enforce(decideRemoval(actor, found));
  // decideRemoval refuses a missing assignment, so `found` is set from here on.
  return found!.assignment;
}

/** The removal of an allowed assignment: the delete and its UNASSIGNED event at `now`. */
export function planRemoval(actor: Principal, assignment: Assignment, now: Date): { write: SQL; event: NewAssignmentEvent } {
  return {
    write: sql`DELETE FROM app_assignments WHERE id = ${assignment.id}`,
    event: assignmentEvent(actor, now, assignment, 'UNASSIGNED', assignment.mode, null),
  };
}

/**
 * Removes one assignment; its history stays. The same rules as assigning
 * decide, except the mode (any mode may be removed). A directory token gets
 * the same refusal for an unknown id as for another directory's assignment.
 */
export function unassignApp(db: Db, input: UnassignAppInput): Assignment {
  const { actor, id } = parseUnassign(input);
  const now = input.now ?? new Date();
  return db.transaction(
    (tx) => {
      const assignment = authorizeRemoval(actor, tx.get<RemovalRow | undefined>(removalSql(id)));
      const removal = planRemoval(actor, assignment, now);
      tx.run(removal.write);
      tx.run(insertAssignmentEventSql(removal.event));
      return assignment;
    },
    { behavior: 'immediate' },
  );
}
