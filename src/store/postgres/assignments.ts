/**
 * Assignments on Postgres, as services/assignments.ts, assignment-lists.ts and directory-reads.ts
 * on SQLite: assignApp, unassignApp, listAssignments, listAssignmentEvents and readDirectory with
 * the same validation (before the transaction), rules, statements, rows, events, errors, order and
 * cursors: the shared pure pieces of those modules, run here in the same order.
 *
 * Concurrency, by construction (SQLite's BEGIN IMMEDIATE serialises every writer; Postgres under
 * READ COMMITTED does not):
 * - The assignee is the tenant: its row is locked first (a business through lockClient, a directory
 *   its own row, both FOR NO KEY UPDATE), and the assignment of (app, assignee) is read under that
 *   lock. Two writers of one assignee run one after the other, so the second sees the first's commit:
 *   the same assign twice is CREATED then UNCHANGED (not a unique violation), and each event starts
 *   from the mode the previous one ended with.
 * - Assignment history (and the assignment list) is ordered by `seq`, an identity column: a sequence,
 *   which is not commit order (a transaction that took seq 7 may commit after one that took seq 8,
 *   and a reader in between never sees 7 again). So before its first write a call locks
 *   app_assignment_events (SHARE ROW EXCLUSIVE: every writer waits for the one before it to commit,
 *   readers never wait) and reads its clock only then: `seq` and `created_at` are then commit order
 *   across every assignee, as on SQLite. Calls that write nothing (UNCHANGED, refusals) do not take it.
 */
import { sql } from 'drizzle-orm';
import type { AssigneeRow } from '../../auth/assignment-rules';
import type { Principal } from '../../auth/principal';
import type { PgDb } from '../../db/postgres';
import {
  appByCodeNameSql,
  assignOutcome,
  assigneeSql,
  assignResult,
  authorizeAssign,
  authorizeRemoval,
  enforce,
  findAssignmentSql,
  insertAssignmentEventSql,
  parseAssign,
  parseUnassign,
  planAssign,
  planRemoval,
  removalSql,
  toAppRow,
  toAssigneeRow,
  toAssignment,
  type AppRowRead,
  type AssignAppInput,
  type AssigneeRef,
  type Assignment,
  type AssignmentRow,
  type AssignOutcome,
  type RemovalRow,
  type UnassignAppInput,
} from '../../services/assignments';
import {
  assignmentEventsPageQuery,
  assignmentsPageQuery,
  enforceRead,
  requireReader,
  toAssignmentEventsPage,
  toAssignmentsPage,
  type AssignmentEvent,
  type EventRow,
  type ListAssignmentsInput,
} from '../../services/assignment-lists';
import type { Directory } from '../../services/directories';
import { decideAssigneeRead } from '../../auth/assignment-rules';
import { parseDirectoryRead } from '../../services/directory-reads';
import type { Page } from '../../services/pagination';
import { lockTenant } from './install-requests';
import { findDirectory } from './tenancy';
import { DEFAULT_BOUNDS, inTransaction, type PgTx, type TransactionBounds } from './transaction';

type Runner = PgDb | PgTx;

async function rows<T>(db: Runner, query: ReturnType<typeof sql>): Promise<T[]> {
  return (await db.execute(query)).rows as T[];
}

/** The assignee as the rules need it (one statement, as readAssignee on SQLite). */
async function readAssignee(db: Runner, ref: AssigneeRef): Promise<AssigneeRow> {
  const [row] = await rows<{ directory_id: string | null }>(db, assigneeSql(ref));
  return toAssigneeRow(ref, row);
}

/**
 * The first statement of an assignment write: the assignee's row locked for this transaction (a
 * business is a client: lockClient), and what the rules need of it. An unknown assignee locks nothing
 * and is refused by the rules, as on SQLite.
 */
async function lockAssignee(tx: PgTx, ref: AssigneeRef): Promise<AssigneeRow> {
  if (ref.type === 'business') {
    const client = await lockTenant(tx, ref.id);
    return toAssigneeRow(ref, client ? { directory_id: client.directoryId } : undefined);
  }
  const [row] = await rows<{ directory_id: string }>(tx, sql`SELECT id AS directory_id FROM directories WHERE id = ${ref.id} FOR NO KEY UPDATE`);
  return toAssigneeRow(ref, row);
}

/**
 * Taken before a call's first write, held to its commit: one assignment writer at a time from here
 * on, so the identity `seq` its inserts draw, and the clock read after it, follow commit order.
 * SHARE ROW EXCLUSIVE conflicts with itself and with plain inserts, not with reads.
 */
async function lockAssignmentHistory(tx: PgTx): Promise<void> {
  await tx.execute(sql`LOCK TABLE app_assignment_events IN SHARE ROW EXCLUSIVE MODE`);
}

/** assignApp on Postgres: one transaction, the assignee locked first; the same answers, refusals, rows and event. */
export async function assignApp(db: PgDb, input: AssignAppInput, bounds: TransactionBounds = DEFAULT_BOUNDS): Promise<{ assignment: Assignment; outcome: AssignOutcome }> {
  const actor = parseAssign(input);
  return inTransaction(
    db,
    async (tx) => {
      const assignee = await lockAssignee(tx, input.assignee);
      const [appRow] = await rows<AppRowRead>(tx, appByCodeNameSql(input.appCodeName));
      const app = authorizeAssign(actor, input, toAppRow(appRow), assignee);
      const [existingRow] = await rows<AssignmentRow>(tx, findAssignmentSql(app.id, input.assignee));
      const existing = existingRow ? toAssignment(existingRow) : null;
      if (assignOutcome(input, existing) !== 'UNCHANGED') await lockAssignmentHistory(tx);
      // The clock is read under the locks (UNCHANGED does not use it).
      const plan = planAssign(actor, input, app, existing, input.now ?? new Date());
      if (plan.outcome === 'UNCHANGED') return assignResult(plan);
      const [written] = await rows<{ seq: string | number }>(tx, plan.write);
      await tx.execute(insertAssignmentEventSql(plan.event));
      return assignResult(plan, written?.seq);
    },
    bounds,
  );
}

/**
 * unassignApp on Postgres: one transaction. The assignment names its tenant, so its assignee is read
 * first (a plain read: an assignment never changes assignee), then locked, then the assignment read
 * again under that lock: a removal that raced it away answers as on SQLite after the other commit.
 */
export async function unassignApp(db: PgDb, input: UnassignAppInput, bounds: TransactionBounds = DEFAULT_BOUNDS): Promise<Assignment> {
  const { actor, id } = parseUnassign(input);
  return inTransaction(
    db,
    async (tx) => {
      const [owner] = await rows<{ directory_id: string | null; client_id: string | null }>(tx, sql`SELECT directory_id, client_id FROM app_assignments WHERE id = ${id}`);
      let row: RemovalRow | undefined;
      if (owner) {
        await lockAssignee(tx, owner.directory_id !== null ? { type: 'directory', id: owner.directory_id } : { type: 'business', id: owner.client_id! });
        [row] = await rows<RemovalRow>(tx, removalSql(id));
      }
      const assignment = authorizeRemoval(actor, row);
      await lockAssignmentHistory(tx);
      const removal = planRemoval(actor, assignment, input.now ?? new Date());
      await tx.execute(removal.write);
      await tx.execute(insertAssignmentEventSql(removal.event));
      return assignment;
    },
    bounds,
  );
}

/** The read rule of a listing: authentication, apps:read, then the assignee's row (if named) and the rule. */
async function authorizeRead(db: PgDb, principal: Principal | null, input: ListAssignmentsInput): Promise<void> {
  const reader = requireReader(principal);
  enforceRead(reader, input.filter.assignee ? await readAssignee(db, input.filter.assignee) : null);
}

/** Assignments, oldest first, one keyset seek on `seq` (the cursor is SQLite's). */
export async function listAssignments(db: PgDb, principal: Principal | null, input: ListAssignmentsInput): Promise<Page<Assignment & { cursor: string }>> {
  await authorizeRead(db, principal, input);
  const page = assignmentsPageQuery(input, 'postgres');
  return toAssignmentsPage(await rows<AssignmentRow>(db, page.query), page);
}

/** Assignment history, newest first, one keyset seek on `seq` (the cursor is SQLite's). */
export async function listAssignmentEvents(db: PgDb, principal: Principal | null, input: ListAssignmentsInput): Promise<Page<AssignmentEvent>> {
  await authorizeRead(db, principal, input);
  const page = assignmentEventsPageQuery(input, 'postgres');
  return toAssignmentEventsPage(await rows<EventRow>(db, page.query), page);
}

/** readDirectory on Postgres: the same checks in the same order, then the directory. */
export async function readDirectory(db: PgDb, principal: Principal | null, rawId: string): Promise<Directory> {
  const { reader, id } = parseDirectoryRead(principal, rawId);
  enforce(decideAssigneeRead(reader, await readAssignee(db, { type: 'directory', id })));
  return (await findDirectory(db, id))!;
}
