/**
 * Who may assign which app to whom (the app-assignment API), decided in ONE place over
 * rows the service has read: GraphQL's assignApp, the deprecated v1 mutation
 * and both REST protocols all reach these functions. Pure: no database.
 */
import type { AssignmentMode } from '../db/schema';
import type { Principal } from './principal';

/** The rule a refusal broke; carried as `extensions.rule` so callers can tell them apart. */
export type AssignmentRule =
  | 'TOKEN_KIND'
  | 'OWN_ASSIGNEE'
  | 'OWN_APP'
  | 'INTERNAL_MODE'
  | 'PRIVATE_APP_DIRECTORY'
  | 'APP_EXISTS'
  | 'ASSIGNEE_EXISTS'
  | 'ASSIGNMENT_EXISTS';

export type AssigneeType = 'directory' | 'business';

/** The assignee named by a call, and what the database knows of it. */
export interface AssigneeRow {
  type: AssigneeType;
  id: string;
  found: boolean;
  /** The directory it belongs to: itself for a directory, its directory for a business (null for a direct customer). */
  directoryId: string | null;
}

export interface AppRow {
  id: string;
  codeName: string;
  /** Null for a public app. */
  ownerDirectoryId: string | null;
}

export type Decision =
  | { allowed: true }
  | { allowed: false; code: 'FORBIDDEN' | 'NOT_FOUND'; rule: AssignmentRule; message: string };

export const RULE_MESSAGES: Record<AssignmentRule, string> = {
  TOKEN_KIND: 'Assigning apps needs an internal or a directory token; a client token may not assign',
  OWN_ASSIGNEE: 'A directory token may only assign to its own directory or to a business of its directory',
  OWN_APP: 'A directory token may only assign apps its directory owns',
  INTERNAL_MODE:
    'A directory token may only assign an app hidden from the market: mode INTERNAL (is_internal "true" for a directory, hide_from_market "true" for a business in v1)',
  PRIVATE_APP_DIRECTORY:
    "A private app may only be assigned inside its own directory: to that directory or to one of its businesses, not to another directory's or to a direct customer",
  APP_EXISTS: 'App not found',
  ASSIGNEE_EXISTS: 'Assignee not found',
  ASSIGNMENT_EXISTS: 'Assignment not found',
};

const ALLOWED: Decision = { allowed: true };

function refuse(rule: AssignmentRule, code: 'FORBIDDEN' | 'NOT_FOUND' = 'FORBIDDEN', message = RULE_MESSAGES[rule]): Decision {
  return { allowed: false, code, rule, message };
}

/** A directory token reaches its own directory and its businesses; anything else, existing or not, looks the same. */
function reachesAssignee(principal: Principal, assignee: AssigneeRow): boolean {
  return assignee.found && assignee.directoryId !== null && assignee.directoryId === principal.directoryId;
}

function notFound(assignee: AssigneeRow): Decision {
  return refuse('ASSIGNEE_EXISTS', 'NOT_FOUND', assignee.type === 'directory' ? 'Directory not found' : 'Business not found');
}

/**
 * A private app stays inside its directory: another directory's business
 * would see its id and code name through assignments while every other call
 * says it does not exist. Public apps go anywhere.
 */
function assignableTo(app: AppRow, assignee: AssigneeRow): boolean {
  return app.ownerDirectoryId === null || app.ownerDirectoryId === assignee.directoryId;
}

/**
 * May `principal` assign `app` to `assignee` with `mode`, or remove such an
 * assignment (`mode` null: removal is not limited by mode)? Client tokens
 * never may. Internal tokens may do anything that exists, except assign a
 * private app outside its own directory (PRIVATE_APP_DIRECTORY, for every
 * token; an assignment made before the rule can still be removed). A
 * directory token: its own directory or business first (so another
 * directory's directory or businesses get the same answer whether or not they
 * exist), then an app its directory owns (an unknown app answers the same),
 * then mode INTERNAL.
 */
export function decideAssignment(
  principal: Principal,
  rows: { app: AppRow | null; assignee: AssigneeRow; mode: AssignmentMode | null },
): Decision {
  const { app, assignee, mode } = rows;
  if (principal.kind === 'client') return refuse('TOKEN_KIND');
  if (principal.kind === 'internal') {
    if (!app) return refuse('APP_EXISTS', 'NOT_FOUND');
    if (!assignee.found) return notFound(assignee);
    return mode !== null && !assignableTo(app, assignee) ? refuse('PRIVATE_APP_DIRECTORY') : ALLOWED;
  }
  if (!reachesAssignee(principal, assignee)) return refuse('OWN_ASSIGNEE');
  if (!app || app.ownerDirectoryId !== principal.directoryId) return refuse('OWN_APP');
  if (mode !== null && mode !== 'INTERNAL') return refuse('INTERNAL_MODE');
  // Its own app and its own assignee are in one directory; kept so the rule holds whatever the checks above become.
  if (mode !== null && !assignableTo(app, assignee)) return refuse('PRIVATE_APP_DIRECTORY');
  return ALLOWED;
}

/**
 * May `principal` remove an assignment (`found` null: no such id)? As for
 * assigning, without the mode rule. Only an internal token learns that an id
 * does not exist; a directory token gets the refusal it would get for
 * another directory's assignment.
 */
export function decideRemoval(principal: Principal, found: { app: AppRow; assignee: AssigneeRow } | null): Decision {
  if (found) return decideAssignment(principal, { ...found, mode: null });
  if (principal.kind === 'internal') return refuse('ASSIGNMENT_EXISTS', 'NOT_FOUND');
  return refuse(principal.kind === 'client' ? 'TOKEN_KIND' : 'OWN_ASSIGNEE');
}

/**
 * May `principal` read the assignments (and their history) of `assignee`?
 * Internal: any that exists. Directory token: its own directory and
 * businesses. Client token: its own client, as a business.
 */
export function decideAssigneeRead(principal: Principal, assignee: AssigneeRow): Decision {
  if (principal.kind === 'internal') return assignee.found ? ALLOWED : notFound(assignee);
  if (principal.kind === 'directory') {
    return reachesAssignee(principal, assignee)
      ? ALLOWED
      : refuse('OWN_ASSIGNEE', 'FORBIDDEN', 'A directory token may only read its own directory and the businesses of its directory');
  }
  return assignee.type === 'business' && assignee.id === principal.clientId
    ? ALLOWED
    : refuse('OWN_ASSIGNEE', 'FORBIDDEN', 'This token may not act on that client');
}

/** Listing assignments across every assignee is for internal tokens only. */
export function decideUnscopedRead(principal: Principal): Decision {
  return principal.kind === 'internal'
    ? ALLOWED
    : refuse('OWN_ASSIGNEE', 'FORBIDDEN', 'Only an internal token may list assignments without naming its assignee');
}

/** A directory token on a client (business): only one of its own, and unknown clients look the same as foreign ones. */
export function directoryReachesClient(principal: Principal, client: { directoryId: string | null } | null): boolean {
  return client !== null && client.directoryId !== null && client.directoryId === principal.directoryId;
}
