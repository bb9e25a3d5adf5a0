/**
 * Issue 16: assignments on Postgres as on SQLite over the same rows (copied raw): assignApp and
 * unassignApp give the same answers and the same errors and leave the same rows, call for call; the
 * two listings and readDirectory answer the same for every token and filter, page by page, with a
 * cursor from one store continuing on the other, and never show another tenant's rows. Concurrent
 * writers on several pools keep each (app, assignee)'s history one chain, and history order (`seq`)
 * is commit order: a reader never finds an event older than one it has already seen.
 */
import type { Logger } from 'drizzle-orm/logger';
import { drizzle } from 'drizzle-orm/node-postgres';
import pgDriver from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../src/auth/principal';
import { resolvePrincipal } from '../src/auth/tokens';
import { openDatabase, type OpenedDatabase } from '../src/db/open';
import { openPostgres, type OpenedPostgres, type PgDb } from '../src/db/postgres';
import * as pgSchema from '../src/db/postgres-schema';
import type { AssignmentMode } from '../src/db/schema';
import { createApp } from '../src/services/apps';
import * as liteLists from '../src/services/assignment-lists';
import * as liteAssignments from '../src/services/assignments';
import type { AssignAppInput, AssigneeRef } from '../src/services/assignments';
import { readDirectory as readDirectoryOnSqlite } from '../src/services/directory-reads';
import * as pgAssignments from '../src/store/postgres/assignments';
import { seedDirectories } from './helpers/db';
import { copyRows, freshPostgresDatabase } from './helpers/postgres';

const T0 = 1_800_000_000_000;
const UNKNOWN_DIRECTORY = 'd0000000-0000-4000-8000-000000000099';
const UNKNOWN_BUSINESS = 'b0000000-0000-4000-8000-000000000099';
const UNKNOWN_ID = 'ffffffff-ffff-4fff-8fff-ffffffffffff';

let lite: OpenedDatabase;
let ids: ReturnType<typeof seedDirectories>['ids'];
let as: Record<'internal' | 'directory' | 'theirDirectory' | 'client' | 'directoryReadOnly', Principal>;
/** Every id the seed made: the rest of the ids in an answer are the store's own (random) and get labels. */
const seededIds = new Set<string>();
const opened: OpenedPostgres[] = [];

class Statements implements Logger {
  statements: string[] = [];
  logQuery(query: string): void {
    this.statements.push(query);
  }
}

/** A SQLite database with seed 003's cast (and one more public app), and a Postgres one with the same rows. */
function seedLite(): OpenedDatabase {
  const db = openDatabase(':memory:');
  const seeded = seedDirectories(db.db);
  createApp(db.db, { name: 'Second public app', codeName: 'public-two' });
  ids = seeded.ids;
  as = Object.fromEntries(Object.entries(seeded.tokens).map(([k, token]) => [k, resolvePrincipal(db.db, `Bearer ${token}`)!])) as typeof as;
  for (const table of ['directories', 'clients', 'apps', 'tokens']) {
    for (const row of db.sqlite.prepare(`SELECT id FROM ${table}`).all() as { id: string }[]) seededIds.add(row.id);
  }
  return db;
}

async function pgFrom(source: OpenedDatabase, poolSize = 2): Promise<OpenedPostgres & { url: string }> {
  const url = await freshPostgresDatabase();
  const db = await openPostgres(url, { poolSize });
  opened.push(db);
  for (const table of ['directories', 'clients', 'apps', 'tokens']) await copyRows(source.sqlite, db.pool, table);
  return { ...db, url };
}

afterAll(async () => {
  lite?.close();
  for (const db of opened.splice(0)) await db.close();
});

/** The five calls, on one store. */
interface Api {
  assignApp(input: AssignAppInput): Promise<{ assignment: liteAssignments.Assignment; outcome: liteAssignments.AssignOutcome }>;
  unassignApp(input: liteAssignments.UnassignAppInput): Promise<liteAssignments.Assignment>;
  listAssignments(principal: Principal | null, input: liteLists.ListAssignmentsInput): Promise<unknown>;
  listAssignmentEvents(principal: Principal | null, input: liteLists.ListAssignmentsInput): Promise<unknown>;
  readDirectory(principal: Principal | null, id: string): Promise<unknown>;
}

/** A page with each item's cursor as an own property (withCursor's is a lazy getter, which JSON leaves out). */
const cursors = <T extends { cursor: string }>(page: { items: T[]; hasNextPage: boolean }) => ({ ...page, items: page.items.map((item) => ({ ...item, cursor: item.cursor })) });

const liteApi = (db: OpenedDatabase['db']): Api => ({
  assignApp: async (input) => liteAssignments.assignApp(db, input),
  unassignApp: async (input) => liteAssignments.unassignApp(db, input),
  listAssignments: async (principal, input) => cursors(liteLists.listAssignments(db, principal, input)),
  listAssignmentEvents: async (principal, input) => cursors(liteLists.listAssignmentEvents(db, principal, input)),
  readDirectory: async (principal, id) => readDirectoryOnSqlite(db, principal, id),
});

const pgApi = (db: PgDb): Api => ({
  assignApp: (input) => pgAssignments.assignApp(db, input),
  unassignApp: (input) => pgAssignments.unassignApp(db, input),
  listAssignments: async (principal, input) => cursors(await pgAssignments.listAssignments(db, principal, input)),
  listAssignmentEvents: async (principal, input) => cursors(await pgAssignments.listAssignmentEvents(db, principal, input)),
  readDirectory: (principal, id) => pgAssignments.readDirectory(db, principal, id),
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Assignment and event ids are random on each store: each one not seeded is replaced by its label,
 * `new#n` in the order it first shows up, the same order on both stores when they agree.
 */
class Labels {
  private readonly labels = new Map<string, string>();
  /** The store's id of the n-th new id it showed (1-based). */
  id(n: number): string {
    for (const [id, label] of this.labels) if (label === `new#${n}`) return id;
    throw new Error(`no new id #${n} yet`);
  }
  apply(value: unknown): unknown {
    if (typeof value === 'string' && UUID.test(value) && !seededIds.has(value)) {
      if (!this.labels.has(value)) this.labels.set(value, `new#${this.labels.size + 1}`);
      return this.labels.get(value);
    }
    if (Array.isArray(value)) return value.map((v) => this.apply(v));
    if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.apply(v)]));
    return value;
  }
}

/** An answer or a refusal, in one comparable shape. */
async function outcome(call: () => Promise<unknown>, labels: Labels): Promise<unknown> {
  try {
    return { ok: labels.apply(JSON.parse(JSON.stringify((await call()) ?? null))) };
  } catch (error) {
    const e = error as { constructor: { name: string }; code?: string; message: string; details?: unknown };
    return { error: { class: e.constructor.name, code: e.code, message: e.message, details: e.details } };
  }
}

const num = (v: unknown) => (v === null ? null : Number(v));

/** Every row the writes touch, read raw (not through the stores), in one shape, ids labelled in `seq` order. */
async function dumpRows(read: (text: string) => Promise<Record<string, unknown>[]>, labels: Labels) {
  const assignments = (await read('SELECT * FROM app_assignments ORDER BY seq')).map((r) => ({ ...r, seq: num(r.seq), created_at: num(r.created_at), updated_at: num(r.updated_at) }));
  const events = (await read('SELECT * FROM app_assignment_events ORDER BY seq')).map((r) => ({ ...r, seq: num(r.seq), created_at: num(r.created_at) }));
  return labels.apply({ assignments, events }) as { assignments: Record<string, unknown>[]; events: Record<string, unknown>[] };
}

type Step = [name: string, call: (api: Api, labels: Labels) => Promise<unknown>];

const at = (s: number) => new Date(T0 + s * 1000);
const dir = (id: string): AssigneeRef => ({ type: 'directory', id });
const biz = (id: string): AssigneeRef => ({ type: 'business', id });
function assign(name: string, actor: () => Principal | null, appCodeName: string, assignee: () => AssigneeRef, mode: AssignmentMode, extra: Partial<AssignAppInput> = {}): Step {
  return [name, (api) => api.assignApp({ actor: actor(), appCodeName, assignee: assignee(), mode, ...extra })];
}
/** Removes the store's n-th new id (or a literal id). */
function unassign(name: string, actor: () => Principal | null, id: number | string, now?: Date): Step {
  return [name, (api, labels) => api.unassignApp({ actor: actor(), id: typeof id === 'number' ? labels.id(id) : id, ...(now ? { now } : {}) })];
}

/** Every outcome and every refusal of the two writes; the new ids are labelled new#1, new#2, … as they appear. */
const WRITES: Step[] = [
  assign('a public app to a directory', () => as.internal, 'public-app', () => dir(ids.mine), 'STANDARD', { now: at(1) }), // new#1
  assign('the same again: nothing changes', () => as.internal, 'public-app', () => dir(ids.mine), 'STANDARD', { now: at(2) }),
  assign("a directory token, its own app to its business, hidden", () => as.directory, 'my-app', () => biz(ids.myBusiness), 'INTERNAL', { now: at(3) }), // new#2
  assign('another mode: the one assignment changes', () => as.internal, 'my-app', () => biz(ids.myBusiness), 'PRE_INSTALLED', { now: at(4) }),
  assign('a public app to a direct customer', () => as.internal, 'public-app', () => biz(ids.directCustomer), 'STANDARD', { now: at(5) }), // new#3
  assign("the other directory's token, its own app", () => as.theirDirectory, 'their-app', () => dir(ids.theirs), 'INTERNAL', { now: at(6) }), // new#4
  assign('BUILT_IN through the v1 mapping', () => as.internal, 'public-app', () => biz(ids.theirBusiness), 'BUILT_IN', { allowBuiltIn: true, now: at(7) }), // new#5
  assign('BUILT_IN in v3', () => as.internal, 'public-two', () => dir(ids.mine), 'BUILT_IN'),
  assign('no token', () => null, 'public-app', () => dir(ids.mine), 'INTERNAL'),
  assign('a read-only token', () => as.directoryReadOnly, 'my-app', () => dir(ids.mine), 'INTERNAL'),
  assign('a client token', () => as.client, 'my-app', () => biz(ids.myBusiness), 'INTERNAL'),
  assign("a foreign directory's business", () => as.directory, 'my-app', () => biz(ids.theirBusiness), 'INTERNAL'),
  assign('another directory', () => as.directory, 'my-app', () => dir(ids.theirs), 'INTERNAL'),
  assign('an unknown directory, by a directory token', () => as.directory, 'my-app', () => dir(UNKNOWN_DIRECTORY), 'INTERNAL'),
  assign('a public app, by a directory token', () => as.directory, 'public-app', () => dir(ids.mine), 'INTERNAL'),
  assign("another directory's app", () => as.directory, 'their-app', () => biz(ids.myBusiness), 'INTERNAL'),
  assign('a mode that is not hidden', () => as.directory, 'my-app', () => dir(ids.mine), 'STANDARD'),
  assign('a private app to another directory', () => as.internal, 'my-app', () => dir(ids.theirs), 'STANDARD'),
  assign('a private app to a direct customer', () => as.internal, 'my-app', () => biz(ids.directCustomer), 'INTERNAL'),
  assign('an unknown app', () => as.internal, 'no-such-app', () => dir(ids.mine), 'STANDARD'),
  assign('an unknown directory', () => as.internal, 'public-app', () => dir(UNKNOWN_DIRECTORY), 'STANDARD'),
  assign('an unknown business', () => as.internal, 'public-app', () => biz(UNKNOWN_BUSINESS), 'STANDARD'),
  assign('a directory token, its own app to itself', () => as.directory, 'my-app', () => dir(ids.mine), 'INTERNAL', { now: at(8) }), // new#6
  unassign('an internal token removes one', () => as.internal, 1, at(9)),
  unassign('the same again', () => as.internal, 1),
  unassign("another directory's, by a directory token", () => as.directory, 4),
  unassign('an unknown id, by a directory token', () => as.directory, UNKNOWN_ID),
  unassign('by a client token', () => as.client, 2),
  unassign('a malformed id', () => as.internal, 'nope'),
  unassign('no token', () => null, 2),
  unassign('a read-only token', () => as.directoryReadOnly, 2),
  unassign('a directory token removes any mode of its own', () => as.directory, 2, at(10)),
  assign('after the removals', () => as.internal, 'public-two', () => biz(ids.myBusiness), 'STANDARD', { now: at(11) }), // new#7
  assign('to the directory again: a new assignment', () => as.internal, 'public-app', () => dir(ids.mine), 'INTERNAL', { now: at(12) }), // new#8
];

const WRITE_CODES = [
  'CREATED', 'UNCHANGED', 'CREATED', 'MODE_CHANGED', 'CREATED', 'CREATED', 'CREATED', 'BAD_USER_INPUT', 'UNAUTHENTICATED', 'FORBIDDEN', 'FORBIDDEN:TOKEN_KIND',
  'FORBIDDEN:OWN_ASSIGNEE', 'FORBIDDEN:OWN_ASSIGNEE', 'FORBIDDEN:OWN_ASSIGNEE', 'FORBIDDEN:OWN_APP', 'FORBIDDEN:OWN_APP', 'FORBIDDEN:INTERNAL_MODE',
  'FORBIDDEN:PRIVATE_APP_DIRECTORY', 'FORBIDDEN:PRIVATE_APP_DIRECTORY', 'NOT_FOUND:APP_EXISTS', 'NOT_FOUND:ASSIGNEE_EXISTS', 'NOT_FOUND:ASSIGNEE_EXISTS', 'CREATED',
  'ok', 'NOT_FOUND:ASSIGNMENT_EXISTS', 'FORBIDDEN:OWN_ASSIGNEE', 'FORBIDDEN:OWN_ASSIGNEE', 'FORBIDDEN:TOKEN_KIND', 'BAD_USER_INPUT', 'UNAUTHENTICATED', 'FORBIDDEN', 'ok',
  'CREATED', 'CREATED',
];

function codeOf(answer: unknown): string {
  const a = answer as { ok?: { outcome?: string }; error?: { code: string; details?: { rule?: string } } };
  if (a.error) return a.error.details?.rule ? `${a.error.code}:${a.error.details.rule}` : a.error.code;
  return a.ok?.outcome ?? 'ok';
}

describe('assignment writes on Postgres', () => {
  it('assign and unassign answer, refuse and write as on SQLite, call for call', async () => {
    lite = seedLite();
    const pg = await pgFrom(lite);
    const stores = [
      { api: liteApi(lite.db), labels: new Labels() },
      { api: pgApi(pg.db), labels: new Labels() },
    ];
    const answers: unknown[] = [];
    for (const [name, call] of WRITES) {
      const [a, b] = [await outcome(() => call(stores[0]!.api, stores[0]!.labels), stores[0]!.labels), await outcome(() => call(stores[1]!.api, stores[1]!.labels), stores[1]!.labels)];
      expect(b, name).toEqual(a);
      answers.push(a);
    }
    // The scenario exercised what it claims: every outcome, every rule's refusal.
    expect(answers.map(codeOf)).toEqual(WRITE_CODES);
    const liteRows = await dumpRows(async (text) => lite.sqlite.prepare(text).all() as Record<string, unknown>[], stores[0]!.labels);
    const pgRows = await dumpRows(async (text) => (await pg.pool.query(text)).rows, stores[1]!.labels);
    expect(pgRows).toEqual(liteRows);
    expect(liteRows.assignments.map((r) => [r['seq'], r['id'], r['mode'], r['created_at'], r['updated_at']])).toEqual([
      [3, 'new#3', 'STANDARD', T0 + 5000, T0 + 5000],
      [4, 'new#4', 'INTERNAL', T0 + 6000, T0 + 6000],
      [5, 'new#5', 'BUILT_IN', T0 + 7000, T0 + 7000],
      [6, 'new#6', 'INTERNAL', T0 + 8000, T0 + 8000],
      [7, 'new#7', 'STANDARD', T0 + 11_000, T0 + 11_000],
      [8, 'new#8', 'INTERNAL', T0 + 12_000, T0 + 12_000],
    ]);
    expect(liteRows.events.map((e) => [e['seq'], e['assignment_id'], e['type'], e['from_mode'], e['to_mode']])).toEqual([
      [1, 'new#1', 'ASSIGNED', null, 'STANDARD'],
      [2, 'new#2', 'ASSIGNED', null, 'INTERNAL'],
      [3, 'new#2', 'MODE_CHANGED', 'INTERNAL', 'PRE_INSTALLED'],
      [4, 'new#3', 'ASSIGNED', null, 'STANDARD'],
      [5, 'new#4', 'ASSIGNED', null, 'INTERNAL'],
      [6, 'new#5', 'ASSIGNED', null, 'BUILT_IN'],
      [7, 'new#6', 'ASSIGNED', null, 'INTERNAL'],
      [8, 'new#1', 'UNASSIGNED', 'STANDARD', null],
      [9, 'new#2', 'UNASSIGNED', 'PRE_INSTALLED', null],
      [10, 'new#7', 'ASSIGNED', null, 'STANDARD'],
      [11, 'new#8', 'ASSIGNED', null, 'INTERNAL'],
    ]);
  });
});

describe('assignment reads on Postgres (after the writes above)', () => {
  let pg: OpenedPostgres;
  let api: [Api, Api];
  const labels: [Labels, Labels] = [new Labels(), new Labels()];
  beforeAll(async () => {
    // The rows the writes left on SQLite, copied raw (seq included) to a fresh database.
    const source = lite ?? seedLite();
    pg = await openPostgres(await freshPostgresDatabase(), { poolSize: 2 });
    opened.push(pg);
    for (const table of ['directories', 'clients', 'apps', 'tokens']) await copyRows(source.sqlite, pg.pool, table);
    for (const table of ['app_assignments', 'app_assignment_events']) await copyWithIdentity(source, pg.pool, table);
    api = [liteApi(source.db), pgApi(pg.db)];
  });

  const principals = () =>
    [
      ['internal', as.internal],
      ['my directory', as.directory],
      ['their directory', as.theirDirectory],
      ['a client', as.client],
      ['read-only', as.directoryReadOnly],
      ['no token', null],
    ] as const;
  const filters = (): [string, liteLists.AssignmentFilter][] => [
    ['everything', {}],
    ['my directory', { assignee: dir(ids.mine) }],
    ['my business', { assignee: biz(ids.myBusiness) }],
    ['their business', { assignee: biz(ids.theirBusiness) }],
    ['their directory', { assignee: dir(ids.theirs) }],
    ['a direct customer', { assignee: biz(ids.directCustomer) }],
    ['an unknown directory', { assignee: dir(UNKNOWN_DIRECTORY) }],
    ['an unknown business', { assignee: biz(UNKNOWN_BUSINESS) }],
    ['one app', { appCodeName: 'public-app' }],
    ['one app, one mode', { appCodeName: 'public-app', mode: 'BUILT_IN' }],
    ['one mode', { mode: 'INTERNAL' }],
    ['my directory, one app', { assignee: dir(ids.mine), appCodeName: 'public-app' }],
    ['an unknown app', { appCodeName: 'no-such-app' }],
  ];

  /** Pages through `list` on both stores, two at a time, each next page asked with the other store's cursor. */
  async function pageBoth(list: 'listAssignments' | 'listAssignmentEvents', principal: Principal | null, filter: liteLists.AssignmentFilter, name: string) {
    const items: Record<string, unknown>[] = [];
    let after: string | null = null;
    for (let page = 0; page < 20; page++) {
      const input = { filter, first: 2, after };
      const a = await outcome(() => api[0][list](principal, input), labels[0]);
      const b = await outcome(() => api[1][list](principal, input), labels[1]);
      expect(b, `${name}, page ${page}`).toEqual(a);
      const answer = a as { ok?: { items: Record<string, unknown>[]; hasNextPage: boolean }; error?: unknown };
      if (!answer.ok) return { error: answer.error, items };
      items.push(...answer.ok.items);
      if (!answer.ok.hasNextPage) return { items };
      // Cursors are not labelled: SQLite's and Postgres's were equal above. The next page asks with the other store's.
      after = ((page % 2 === 0 ? b : a) as typeof answer).ok!.items.at(-1)!['cursor'] as string;
    }
    throw new Error('too many pages');
  }

  it('both listings, every token and filter, page by page: the same items, cursors and refusals; a cursor continues on the other store', async () => {
    let listed = 0;
    let refused = 0;
    for (const list of ['listAssignments', 'listAssignmentEvents'] as const) {
      for (const [who, principal] of principals()) {
        for (const [what, filter] of filters()) {
          const { items, error } = await pageBoth(list, principal, filter, `${list}, ${who}, ${what}`);
          if (error) refused++;
          listed += items.length;
          // Another tenant's rows never show: a client token sees its own business only, a directory token its own directory and businesses.
          const reach = principal?.kind === 'client' ? [ids.myBusiness] : principal?.kind === 'directory' ? (principal.directoryId === ids.mine ? [ids.mine, ids.myBusiness] : [ids.theirs, ids.theirBusiness]) : null;
          if (reach) for (const item of items) expect(reach, `${list}, ${who}, ${what}`).toContain(item['assigneeId']);
        }
      }
    }
    expect(listed).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
    // A client token: its own business's one assignment and four events, nothing else.
    expect((await pageBoth('listAssignments', as.client, { assignee: biz(ids.myBusiness) }, 'own')).items.map((i) => [i['appCodeName'], i['mode']])).toEqual([['public-two', 'STANDARD']]);
    expect((await pageBoth('listAssignmentEvents', as.client, { assignee: biz(ids.myBusiness) }, 'own')).items.map((i) => [i['appCodeName'], i['type']])).toEqual([
      ['public-two', 'ASSIGNED'],
      ['my-app', 'UNASSIGNED'],
      ['my-app', 'MODE_CHANGED'],
      ['my-app', 'ASSIGNED'],
    ]);
    // Only an internal token lists across assignees.
    expect((await pageBoth('listAssignments', as.directory, {}, 'unscoped')).error).toMatchObject({ code: 'FORBIDDEN', details: { rule: 'OWN_ASSIGNEE' } });
  });

  it('the listings keep their order: assignments oldest first, history newest first, by seq', async () => {
    const all = (await pgAssignments.listAssignments(pg.db, as.internal, { filter: {}, first: 100 })).items.map((i) => i.seq);
    expect(all).toEqual([...all].sort((x, y) => x - y));
    expect(all.length).toBe(6);
    const history = (await pgAssignments.listAssignmentEvents(pg.db, as.internal, { filter: {}, first: 100 })).items.map((i) => i.seq);
    expect(history).toEqual([11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  });

  it('bad pages and cursors are refused alike: first out of range, a garbled cursor, one of another filter or of the other listing', async () => {
    const assignmentCursor = (await pgAssignments.listAssignments(pg.db, as.internal, { filter: {}, first: 1 })).items[0]!.cursor;
    const eventCursor = liteLists.listAssignmentEvents(lite.db, as.internal, { filter: {}, first: 1 }).items[0]!.cursor;
    const cases: [string, 'listAssignments' | 'listAssignmentEvents', liteLists.ListAssignmentsInput][] = [
      ['first 0', 'listAssignments', { filter: {}, first: 0 }],
      ['first 101', 'listAssignmentEvents', { filter: {}, first: 101 }],
      ['a garbled cursor', 'listAssignments', { filter: {}, after: 'garbled' }],
      ['a cursor of another filter', 'listAssignments', { filter: { mode: 'INTERNAL' }, after: assignmentCursor }],
      ["the assignments' cursor for history", 'listAssignmentEvents', { filter: {}, after: assignmentCursor }],
      ["history's cursor for assignments", 'listAssignments', { filter: {}, after: eventCursor }],
    ];
    for (const [name, list, input] of cases) {
      const a = await outcome(() => api[0][list](as.internal, input), labels[0]);
      const b = await outcome(() => api[1][list](as.internal, input), labels[1]);
      expect(b, name).toEqual(a);
      expect((a as { error?: { code: string } }).error?.code, name).toBe('BAD_USER_INPUT');
    }
    // The cursors themselves continue across stores (the Postgres one on SQLite, and back).
    const onLite = liteLists.listAssignments(lite.db, as.internal, { filter: {}, first: 2, after: assignmentCursor });
    const onPg = await pgAssignments.listAssignments(pg.db, as.internal, { filter: {}, first: 2, after: assignmentCursor });
    expect(cursors(onPg)).toEqual(cursors(onLite));
    expect(onLite.items.length).toBe(2);
  });

  it('readDirectory: every token, own, foreign, unknown and malformed ids, as on SQLite', async () => {
    const answers: string[] = [];
    for (const [who, principal] of principals()) {
      for (const id of [ids.mine, ids.theirs, UNKNOWN_DIRECTORY, 'nope']) {
        const a = await outcome(() => api[0].readDirectory(principal, id), labels[0]);
        const b = await outcome(() => api[1].readDirectory(principal, id), labels[1]);
        expect(b, `${who}, ${id}`).toEqual(a);
        answers.push(codeOf(a));
      }
    }
    expect(answers).toEqual([
      'ok', 'ok', 'NOT_FOUND:ASSIGNEE_EXISTS', 'BAD_USER_INPUT',
      'ok', 'FORBIDDEN:OWN_ASSIGNEE', 'FORBIDDEN:OWN_ASSIGNEE', 'BAD_USER_INPUT',
      'FORBIDDEN:OWN_ASSIGNEE', 'ok', 'FORBIDDEN:OWN_ASSIGNEE', 'BAD_USER_INPUT',
      'FORBIDDEN:OWN_ASSIGNEE', 'FORBIDDEN:OWN_ASSIGNEE', 'FORBIDDEN:OWN_ASSIGNEE', 'BAD_USER_INPUT',
      'ok', 'FORBIDDEN:OWN_ASSIGNEE', 'FORBIDDEN:OWN_ASSIGNEE', 'BAD_USER_INPUT',
      'UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED', 'UNAUTHENTICATED',
    ]);
  });
});

/** copyRows for a table whose `seq` is an identity column on Postgres (GENERATED ALWAYS): the values kept as they are. */
async function copyWithIdentity(source: OpenedDatabase, pool: pgDriver.Pool, table: string): Promise<void> {
  for (const row of source.sqlite.prepare(`SELECT * FROM ${table} ORDER BY seq`).all() as Record<string, unknown>[]) {
    const columns = Object.keys(row);
    await pool.query(`INSERT INTO ${table} (${columns.join(', ')}) OVERRIDING SYSTEM VALUE VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`, columns.map((c) => row[c]));
  }
  await pool.query(`SELECT setval(pg_get_serial_sequence('${table}', 'seq'), (SELECT coalesce(max(seq), 0) + 1 FROM ${table}), false)`);
}

describe('a removed assignment\'s seq on Postgres as on SQLite', () => {
  it('removing the newest and assigning again: the new one gets a later seq on both stores, and old cursors page alike', async () => {
    const source = seedLite();
    const pg = await pgFrom(source, 1);
    const stores = [
      { api: liteApi(source.db), labels: new Labels() },
      { api: pgApi(pg.db), labels: new Labels() },
    ];
    try {
      const cursorsOf = new Map<Api, string[]>();
      const mine = (api: Api, after?: number) => api.listAssignments(as.internal, { filter: { assignee: dir(ids.mine) }, after: after === undefined ? null : cursorsOf.get(api)![after] });
      const steps: Step[] = [
        assign('A', () => as.internal, 'public-app', () => dir(ids.mine), 'STANDARD', { now: at(1) }), // new#1
        assign('B, the newest', () => as.internal, 'my-app', () => dir(ids.mine), 'STANDARD', { now: at(2) }), // new#2
        ['the cursors of A and B', async (api) => {
          const page = (await mine(api)) as { items: { cursor: string }[] };
          cursorsOf.set(api, page.items.map((s) => s.cursor));
          return page;
        }],
        unassign('B goes', () => as.internal, 2, at(3)),
        assign('C', () => as.internal, 'my-app', () => dir(ids.mine), 'INTERNAL', { now: at(4) }), // new#3
        ['after B', (api) => mine(api, 1)],
        ['after A', (api) => mine(api, 0)],
      ];
      const answers: unknown[] = [];
      for (const [name, call] of steps) {
        const a = await outcome(() => call(stores[0]!.api, stores[0]!.labels), stores[0]!.labels);
        const b = await outcome(() => call(stores[1]!.api, stores[1]!.labels), stores[1]!.labels);
        expect(b, name).toEqual(a);
        answers.push(a);
      }
      const seqs = (answer: unknown) => (answer as { ok: { items: { id: string; seq: number }[] } }).ok.items.map((s) => [s.id, s.seq]);
      expect(seqs(answers[2])).toEqual([['new#1', 1], ['new#2', 2]]);
      expect((answers[4] as { ok: { assignment: { seq: number } } }).ok.assignment.seq).toBe(3);
      expect(seqs(answers[5])).toEqual([['new#3', 3]]);
      expect(seqs(answers[6])).toEqual([['new#3', 3]]);
    } finally {
      source.close();
    }
  }, 30_000);
});

describe('many assignment writers on one Postgres database', () => {
  it('two pools assigning and unassigning one app to one directory and one business at once: each history one chain, no store error', async () => {
    const source = seedLite();
    const setup = await pgFrom(source, 1);
    source.close();
    const pools = [0, 1].map(() => new pgDriver.Pool({ connectionString: setup.url, max: 3 }));
    try {
      const dbs = pools.map((pool) => drizzle(pool, { schema: pgSchema }));
      const modes: AssignmentMode[] = ['STANDARD', 'INTERNAL', 'PRE_INSTALLED', 'INTERNAL'];
      const keys = [dir(ids.mine), biz(ids.myBusiness)];
      const calls: Promise<{ ok?: unknown; error?: { code: string; message: string } }>[] = [];
      const quiet = new Labels();
      for (let i = 0; i < 48; i++) {
        const db = dbs[i % 2]!;
        const assignee = keys[Math.floor(i / 2) % 2]!;
        if (i % 3 === 2) {
          // Removes whatever assignment there is now: the other pool may remove it first (NOT_FOUND then).
          calls.push(
            outcome(async () => {
              const [current] = (await pgAssignments.listAssignments(db, as.internal, { filter: { assignee, appCodeName: 'public-app' } })).items;
              return pgAssignments.unassignApp(db, { actor: as.internal, id: current?.id ?? UNKNOWN_ID });
            }, quiet) as Promise<{ ok?: unknown; error?: { code: string; message: string } }>,
          );
        } else {
          calls.push(outcome(() => pgAssignments.assignApp(db, { actor: as.internal, appCodeName: 'public-app', assignee, mode: modes[i % 4]! }), quiet) as Promise<{ ok?: unknown; error?: { code: string; message: string } }>);
        }
      }
      const answers = await Promise.all(calls);
      // A refusal is the rules' own (the assignment was removed by the other pool), never a failure of the store.
      for (const a of answers) if (a.error) expect(a.error.code, a.error.message).toBe('NOT_FOUND');
      const changes = answers.filter((a) => a.ok && (a.ok as { outcome?: string }).outcome !== 'UNCHANGED').length;
      const check = pools[0]!;
      const events = (await check.query('SELECT seq, assignment_id, directory_id, client_id, type, from_mode, to_mode, created_at FROM app_assignment_events ORDER BY seq')).rows;
      // Every change reported wrote one event, and only those.
      expect(events.length).toBe(changes);
      expect(events.length).toBeGreaterThan(10);
      for (const key of keys) {
        const mine = events.filter((e) => (key.type === 'directory' ? e.directory_id : e.client_id) === key.id);
        let mode: string | null = null;
        let assignment: string | null = null;
        let time = 0;
        for (const e of mine) {
          // Each event starts where the previous one ended, on the assignment that is there.
          expect(e.from_mode, `${key.type} at seq ${e.seq}`).toBe(mode);
          if (e.type === 'ASSIGNED') assignment = e.assignment_id;
          else expect(e.assignment_id).toBe(assignment);
          mode = e.to_mode;
          expect(Number(e.created_at)).toBeGreaterThanOrEqual(time);
          time = Number(e.created_at);
        }
        const rows = (await check.query(`SELECT id, mode FROM app_assignments WHERE ${key.type === 'directory' ? 'directory_id' : 'client_id'} = $1`, [key.id])).rows;
        expect(rows).toEqual(mode === null ? [] : [{ id: assignment, mode }]);
      }
    } finally {
      for (const pool of pools) await pool.end();
    }
  }, 30_000);

  it('the same assign on two pools at once: CREATED and UNCHANGED, one assignment and one event (as SQLite one after the other)', async () => {
    const source = seedLite();
    const setup = await pgFrom(source, 1);
    source.close();
    const pools = [0, 1].map(() => new pgDriver.Pool({ connectionString: setup.url, max: 2 }));
    try {
      const dbs = pools.map((pool) => drizzle(pool, { schema: pgSchema }));
      for (const assignee of [dir(ids.mine), biz(ids.myBusiness)]) {
        const answers = await Promise.all(dbs.flatMap((db) => [0, 1].map(() => pgAssignments.assignApp(db, { actor: as.internal, appCodeName: 'public-app', assignee, mode: 'INTERNAL' }))));
        expect(answers.map((a) => a.outcome).sort()).toEqual(['CREATED', 'UNCHANGED', 'UNCHANGED', 'UNCHANGED']);
        expect(new Set(answers.map((a) => a.assignment.id)).size).toBe(1);
      }
      const counts = (await pools[0]!.query('SELECT (SELECT count(*) FROM app_assignments)::int AS a, (SELECT count(*) FROM app_assignment_events)::int AS e')).rows[0];
      expect(counts).toEqual({ a: 2, e: 2 });
    } finally {
      for (const pool of pools) await pool.end();
    }
  }, 30_000);

  it('runs a fixed number of statements per call: each call names one assignment, none takes a list of ids', async () => {
    const source = seedLite();
    const setup = await pgFrom(source, 1);
    source.close();
    const log = new Statements();
    const pool = new pgDriver.Pool({ connectionString: setup.url, max: 1 });
    try {
      const db = drizzle(pool, { schema: pgSchema, logger: log });
      const counted = async (run: () => Promise<unknown>) => {
        log.statements = [];
        await run();
        return log.statements.length;
      };
      const assignee = biz(ids.myBusiness);
      const call = (mode: AssignmentMode) => pgAssignments.assignApp(db, { actor: as.internal, appCodeName: 'public-app', assignee, mode });
      // begin, the bounds (SET LOCAL), the assignee's lock, the app, the assignment, [the history lock, the write, the event], commit.
      expect([await counted(() => call('INTERNAL')), await counted(() => call('INTERNAL')), await counted(() => call('STANDARD'))]).toEqual([9, 6, 9]);
      const { id } = (await pgAssignments.listAssignments(db, as.internal, { filter: { assignee } })).items[0]!;
      // begin, the bounds, the assignee's id, its lock, the assignment, the history lock, the delete, the event, commit.
      expect(await counted(() => pgAssignments.unassignApp(db, { actor: as.internal, id }))).toBe(9);
      // A listing: the assignee's row, the page.
      expect(await counted(() => pgAssignments.listAssignmentEvents(db, as.client, { filter: { assignee } }))).toBe(2);
      expect(log.statements.at(-1)).toContain('ORDER BY e.seq DESC');
    } finally {
      await pool.end();
    }
  }, 30_000);

  it('history order is commit order across assignees: a reader never finds an older event after a newer one', async () => {
    const source = seedLite();
    const setup = await pgFrom(source, 1);
    source.close();
    // A slow commit: the first writer's event is in (its seq drawn) and it waits 400 ms before committing.
    await setup.pool.query(`
      CREATE FUNCTION test_slow_commit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.directory_id = '${ids.mine}' THEN PERFORM pg_sleep(0.4); END IF; RETURN NEW; END $$;
      CREATE TRIGGER test_slow_commit AFTER INSERT ON app_assignment_events FOR EACH ROW EXECUTE FUNCTION test_slow_commit();`);
    const pools = [0, 1].map(() => new pgDriver.Pool({ connectionString: setup.url, max: 1 }));
    try {
      const [slowDb, fastDb] = pools.map((pool) => drizzle(pool, { schema: pgSchema }));
      const seen = async () => {
        const events = await pgAssignments.listAssignmentEvents(setup.db, as.internal, { filter: { appCodeName: 'public-app' } });
        const assignments = await pgAssignments.listAssignments(setup.db, as.internal, { filter: { appCodeName: 'public-app' } });
        return { events: events.items.map((e) => e.seq), assignments: assignments.items.map((a) => a.seq) };
      };
      const slow = pgAssignments.assignApp(slowDb!, { actor: as.internal, appCodeName: 'public-app', assignee: dir(ids.mine), mode: 'STANDARD' });
      await new Promise((resolve) => setTimeout(resolve, 100));
      const fast = await pgAssignments.assignApp(fastDb!, { actor: as.internal, appCodeName: 'public-app', assignee: biz(ids.myBusiness), mode: 'STANDARD' });
      // What a poller sees the moment the second call answered, and after both did.
      const first = await seen();
      const done = await slow;
      const later = await seen();
      // Everything at or below the newest seq a reader saw was there already: nothing appears in its past.
      const newestEvent = Math.max(...first.events);
      expect(later.events.filter((s) => s <= newestEvent)).toEqual(first.events);
      const newestAssignment = Math.max(...first.assignments);
      expect(later.assignments.filter((s) => s <= newestAssignment)).toEqual(first.assignments);
      // The call that committed last holds the later seq.
      expect(fast.assignment.seq).toBeGreaterThan(done.assignment.seq);
    } finally {
      for (const pool of pools) await pool.end();
    }
  }, 30_000);
});
