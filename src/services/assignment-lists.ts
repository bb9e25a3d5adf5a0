import { sql, type SQL } from 'drizzle-orm';
import { decideAssigneeRead, decideUnscopedRead, type AssigneeRow, type AssigneeType } from '../auth/assignment-rules';
import { requireScope } from '../auth/access';
import type { Principal } from '../auth/principal';
import type { Db } from '../db/open';
import type { AssignmentEventType, AssignmentMode, TokenKind } from '../db/schema';
import { UnauthenticatedError } from '../errors';
import { ASSIGNMENT_COLUMNS, enforce, readAssignee, toAssignment, type AssigneeRef, type Assignment, type AssignmentRow } from './assignments';
import { decodeCursor, pageSize, toPage, withCursor, type Page } from './pagination';

/** Which assignments (or assignment events) a listing returns; every part optional, combined with AND. */
export interface AssignmentFilter {
  assignee?: AssigneeRef | null;
  appCodeName?: string | null;
  /** Assignments only: history keeps every mode. */
  mode?: AssignmentMode | null;
}

export interface AssignmentEvent {
  seq: number;
  id: string;
  assignmentId: string;
  appId: string;
  appCodeName: string;
  assigneeType: AssigneeType;
  assigneeId: string;
  type: AssignmentEventType;
  fromMode: AssignmentMode | null;
  toMode: AssignmentMode | null;
  actor: { id: string; kind: TokenKind; name: string };
  createdAt: Date;
  cursor: string;
}

/** Authentication and apps:read, checked before any read (both stores). */
export function requireReader(principal: Principal | null): Principal {
  if (!principal) throw new UnauthenticatedError();
  return requireScope(principal, 'apps:read');
}

/** Who may read what (assignment-rules): an assignee the token reaches (its row read), or (internal tokens only) no assignee. */
export function enforceRead(principal: Principal, assignee: AssigneeRow | null): void {
  enforce(assignee ? decideAssigneeRead(principal, assignee) : decideUnscopedRead(principal));
}

/**
 * Authentication, apps:read, then who may read what (assignment-rules):
 * an assignee the token reaches, or (internal tokens only) no assignee.
 */
function authorizeRead(db: Db, principal: Principal | null, filter: AssignmentFilter): void {
  const reader = requireReader(principal);
  enforceRead(reader, filter.assignee ? readAssignee(db, filter.assignee) : null);
}

/**
 * Equality filters only, each column of one index whose rowid tail is `seq`:
 * (assignee[, mode]), (app[, mode]), (mode), or the unique (app, assignee)
 * key, so a page is one index seek whatever comes before it.
 */
function whereOf(table: 's' | 'e', filter: AssignmentFilter, seqBound: SQL): SQL {
  const t = sql.raw(table);
  const parts: SQL[] = [seqBound];
  if (filter.assignee) {
    parts.push(sql`${t}.${sql.raw(filter.assignee.type === 'directory' ? 'directory_id' : 'client_id')} = ${filter.assignee.id}`);
  }
  if (filter.appCodeName) parts.push(sql`${t}.app_id = (SELECT id FROM apps WHERE code_name = ${filter.appCodeName})`);
  if (filter.mode) parts.push(sql`${t}.mode = ${filter.mode}`);
  return sql.join(parts, sql` AND `);
}

/**
 * How a listing's statement names its table and joins the apps: SQLite pins the index the filter's columns lead
 * (INDEXED BY, then CROSS JOIN for the join order), so ANALYZE's statistics cannot trade the seek for a walk of
 * the rowid range (test/query-plans-statistics.test.ts); Postgres plans by its own statistics.
 */
export type ListingDialect = 'sqlite' | 'postgres';

/** The index `whereOf(table, filter)` seeks (SQLite's names); null: no filter, the rowid (`seq`) range itself. */
function indexOf(table: 's' | 'e', filter: AssignmentFilter): string | null {
  const assignee = filter.assignee ? (filter.assignee.type === 'directory' ? 'directory' : 'client') : null;
  const app = Boolean(filter.appCodeName);
  if (table === 'e') {
    if (assignee) return `app_assignment_events_${assignee}${app ? '_app' : ''}_idx`;
    return app ? 'app_assignment_events_app_idx' : null;
  }
  // The unique (app, assignee) key: at most one row, whatever the mode.
  if (assignee && app) return `app_assignments_app_${assignee}_key`;
  const mode = filter.mode ? '_mode' : '';
  if (assignee) return `app_assignments_${assignee}${mode}_idx`;
  if (app) return `app_assignments_app${mode}_idx`;
  return filter.mode ? 'app_assignments_mode_idx' : null;
}

/** `<table> AS <alias>` joined to its apps `a`, pinned on SQLite. */
function fromOf(table: 'app_assignments' | 'app_assignment_events', alias: 's' | 'e', filter: AssignmentFilter, dialect: ListingDialect): SQL {
  const index = dialect === 'sqlite' ? indexOf(alias, filter) : null;
  const join = dialect === 'sqlite' ? sql`CROSS JOIN` : sql`JOIN`;
  return sql`${sql.raw(table)} AS ${sql.raw(alias)}${index ? sql` INDEXED BY ${sql.raw(index)}` : sql``} ${join} apps AS a ON a.id = ${sql.raw(alias)}.app_id`;
}

const ASSIGNMENT_CURSOR = 'assignment';

/** What a cursor is bound to: the same filters, or the cursor is refused (BAD_USER_INPUT). */
function listOf(filter: AssignmentFilter): string {
  return JSON.stringify([filter.assignee?.type ?? null, filter.assignee?.id ?? null, filter.appCodeName ?? null, filter.mode ?? null]);
}
const EVENT_CURSOR = 'assignment-event';

export interface ListAssignmentsInput {
  filter: AssignmentFilter;
  first?: number | null;
  after?: string | null;
}

/** A listing's page query (both stores): the page size, the cursor's binding and the statement for size + 1 rows. */
export interface PageQuery {
  size: number;
  list: string;
  query: SQL;
}

/** Assignments, oldest first, keyset-paged on `seq`: the page's statement (bad `first`/`after`: BAD_USER_INPUT). */
export function assignmentsPageQuery(input: ListAssignmentsInput, dialect: ListingDialect = 'sqlite'): PageQuery {
  const size = pageSize(input.first);
  const list = listOf(input.filter);
  const after = (decodeCursor(ASSIGNMENT_CURSOR, input.after, ['number'], 'after', list)?.[0] as number | undefined) ?? 0;
  return {
    size,
    list,
    query: sql`
      SELECT ${ASSIGNMENT_COLUMNS} FROM ${fromOf('app_assignments', 's', input.filter, dialect)}
      WHERE ${whereOf('s', input.filter, sql`s.seq > ${after}`)}
      ORDER BY s.seq LIMIT ${size + 1}`,
  };
}

export function toAssignmentsPage(rows: AssignmentRow[], { size, list }: PageQuery): Page<Assignment & { cursor: string }> {
  const page = toPage(rows, size);
  return {
    items: page.items.map((row) => {
      const assignment = toAssignment(row);
      return withCursor(assignment, ASSIGNMENT_CURSOR, [assignment.seq], list);
    }),
    hasNextPage: page.hasNextPage,
  };
}

/** Assignments, oldest first, keyset-paged on `seq`. */
export function listAssignments(db: Db, principal: Principal | null, input: ListAssignmentsInput): Page<Assignment & { cursor: string }> {
  authorizeRead(db, principal, input.filter);
  const page = assignmentsPageQuery(input);
  return toAssignmentsPage(db.all<AssignmentRow>(page.query), page);
}

/** An event row as read by assignmentEventsPageQuery (int8 columns arrive as text from Postgres). */
export interface EventRow {
  seq: number | string;
  id: string;
  assignment_id: string;
  app_id: string;
  code_name: string;
  directory_id: string | null;
  client_id: string | null;
  type: AssignmentEventType;
  from_mode: AssignmentMode | null;
  to_mode: AssignmentMode | null;
  actor_id: string;
  actor_kind: TokenKind;
  actor_name: string;
  created_at: number | string;
}

/** Assignment history, newest first, keyset-paged on `seq`: the page's statement (bad `first`/`after`: BAD_USER_INPUT). */
export function assignmentEventsPageQuery(input: ListAssignmentsInput, dialect: ListingDialect = 'sqlite'): PageQuery {
  const size = pageSize(input.first);
  const list = listOf(input.filter);
  const before = (decodeCursor(EVENT_CURSOR, input.after, ['number'], 'after', list)?.[0] as number | undefined) ?? Number.MAX_SAFE_INTEGER;
  const filter = { assignee: input.filter.assignee ?? null, appCodeName: input.filter.appCodeName ?? null };
  return {
    size,
    list,
    query: sql`
      SELECT e.*, a.code_name FROM ${fromOf('app_assignment_events', 'e', filter, dialect)}
      WHERE ${whereOf('e', filter, sql`e.seq < ${before}`)}
      ORDER BY e.seq DESC LIMIT ${size + 1}`,
  };
}

export function toAssignmentEventsPage(rows: EventRow[], { size, list }: PageQuery): Page<AssignmentEvent> {
  const page = toPage(rows, size);
  return {
    items: page.items.map((row) => {
      const seq = Number(row.seq);
      return withCursor(
        {
          seq,
          id: row.id,
          assignmentId: row.assignment_id,
          appId: row.app_id,
          appCodeName: row.code_name,
          assigneeType: row.directory_id !== null ? 'directory' : 'business',
          assigneeId: (row.directory_id ?? row.client_id)!,
          type: row.type,
          fromMode: row.from_mode,
          toMode: row.to_mode,
          actor: { id: row.actor_id, kind: row.actor_kind, name: row.actor_name },
          createdAt: new Date(Number(row.created_at)),
        },
        EVENT_CURSOR,
        [seq],
        list,
      );
    }),
    hasNextPage: page.hasNextPage,
  };
}

/** Assignment history, newest first: every assign, mode change and removal, kept after the assignment is gone. */
export function listAssignmentEvents(db: Db, principal: Principal | null, input: ListAssignmentsInput): Page<AssignmentEvent> {
  authorizeRead(db, principal, input.filter);
  const page = assignmentEventsPageQuery(input);
  return toAssignmentEventsPage(db.all<EventRow>(page.query), page);
}
