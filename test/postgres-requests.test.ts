/**
 * Issue 16: install requests on Postgres as on SQLite over the same rows (copied raw). The reads: one
 * by id, a client's and a workspace's by status, newest first, page by page, with cursors across the
 * stores. The writes (create, cancel): the same calls on both stores give the same answers and the
 * same errors and leave the same rows (read raw, not through the stores); concurrent writers on two
 * pools keep the history chain and every request's life consistent.
 */
import { drizzle } from 'drizzle-orm/node-postgres';
import pgDriver from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../src/auth/principal';
import * as pgSchema from '../src/db/postgres-schema';
import { openDatabase, type OpenedDatabase } from '../src/db/open';
import { openPostgres, type OpenedPostgres } from '../src/db/postgres';
import { INSTALL_REQUEST_STATUSES } from '../src/db/schema';
import { createApp } from '../src/services/apps';
import { createClient } from '../src/services/clients';
import { createDirectory } from '../src/services/directories';
import * as liteRequests from '../src/services/install-requests';
import { cancelInstallRequest, createInstallRequest, findInstallRequest as findOnSqlite, listInstallRequests as listOnSqlite } from '../src/services/install-requests';
import { createWorkspace } from '../src/services/workspaces';
import * as liteDecisions from '../src/services/app-decisions';
import * as pgDecisions from '../src/store/postgres/app-decisions';
import * as pgRequests from '../src/store/postgres/install-requests';
import { principalFor, uuid } from './helpers/db';
import { copyRows, freshPostgresDatabase } from './helpers/postgres';

const CLIENT = 'c0000000-0000-4000-8000-000000000001';
const W = ['e0000000-0000-4000-8000-000000000001', 'e0000000-0000-4000-8000-000000000002'];
let lite: OpenedDatabase;
let pg: OpenedPostgres;
const ids: string[] = [];

const copy = (table: string) => copyRows(lite.sqlite, pg.pool, table);

beforeAll(async () => {
  lite = openDatabase(':memory:');
  const db = lite.db;
  createClient(db, { id: CLIENT, name: 'Acme' });
  W.forEach((id, i) => createWorkspace(db, { id, clientId: CLIENT, name: `W${i}` }));
  for (let i = 1; i <= 6; i++) createApp(db, { id: uuid(i), name: `App ${i}`, scopes: ['chat:write'] });
  const actor = principalFor(db);
  // Eleven requests; two share a creation time (ties by id); two cancelled.
  for (let i = 0; i < 11; i++) {
    const request = createInstallRequest(db, { clientId: CLIENT, workspaceId: W[i % 2]!, appId: uuid((i % 6) + 1), requester: `person ${i}`, message: i % 3 ? null : 'please', actor, now: new Date(1_800_000_000_000 + Math.min(i, 9) * 1000) });
    ids.push(request.id);
  }
  cancelInstallRequest(db, { clientId: CLIENT, workspaceId: null, requestId: ids[2]!, reason: 'no', actor });
  cancelInstallRequest(db, { clientId: CLIENT, workspaceId: W[1]!, requestId: ids[5]!, actor });
  pg = await openPostgres(await freshPostgresDatabase(), { poolSize: 2 });
  for (const table of ['clients', 'workspaces', 'apps', 'tokens', 'install_requests']) await copy(table);
});

afterAll(async () => {
  lite?.close();
  await pg?.close();
});

describe('install requests on Postgres', () => {
  it('one by id, as on SQLite', async () => {
    for (const id of [...ids, uuid(999)]) expect(await pgRequests.findInstallRequest(pg.db, id)).toEqual(findOnSqlite(lite.db, id));
    expect(findOnSqlite(lite.db, ids[2]!)?.status).toBe('cancelled');
  });

  it("a client's and a workspace's, by status, page by page, as on SQLite; a cursor continues on the other store", async () => {
    let seen = 0;
    for (const workspaceId of [null, ...W]) {
      for (const status of INSTALL_REQUEST_STATUSES) {
        let after: string | null = null;
        for (let guard = 0; guard < 20; guard++) {
          const input = { clientId: CLIENT, workspaceId, status, first: 2, after };
          const a = listOnSqlite(lite.db, input);
          const b = await pgRequests.listInstallRequests(pg.db, input);
          expect(b.items.map(({ cursor: _, ...r }) => r)).toEqual(a.items.map(({ cursor: _, ...r }) => r));
          expect(b.hasNextPage).toBe(a.hasNextPage);
          if (workspaceId === null) seen += a.items.length;
          if (!a.hasNextPage) break;
          // The SQLite cursor continues the Postgres listing next round.
          after = a.items.at(-1)!.cursor;
        }
      }
    }
    expect(seen).toBe(11);
  });
});

// ---------------------------------------------------------------------------------------------
// The writes.

const MINE = 'd0000000-0000-4000-8000-000000000001';
const OTHER = 'd0000000-0000-4000-8000-000000000002';
const BIZ = 'c0000000-0000-4000-8000-000000000002';
const NOBODY = 'c0000000-0000-4000-8000-000000000099';
const T0 = 1_800_000_000_000;
const R = (n: number) => `f0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

/**
 * The seed both stores start from, built with the SQLite services and copied raw: a business of
 * directory MINE with two workspaces; app 1 public with two scopes, 2 private to OTHER, 3 private to
 * MINE, 4 public and restricted org-wide, 5 public with no scopes.
 */
function seedLite(): { lite: OpenedDatabase; actor: Principal } {
  const lite = openDatabase(':memory:');
  const db = lite.db;
  createDirectory(db, { id: MINE, name: 'Mine' });
  createDirectory(db, { id: OTHER, name: 'Other' });
  createClient(db, { id: BIZ, name: 'Business', directoryId: MINE });
  createClient(db, { id: CLIENT, name: 'Acme' });
  W.forEach((id, i) => createWorkspace(db, { id, clientId: BIZ, name: `W${i}` }));
  createApp(db, { id: uuid(1), name: 'One', scopes: ['chat:write', 'files:read'] });
  createApp(db, { id: uuid(2), name: 'Two', scopes: ['chat:write'], ownerDirectoryId: OTHER });
  createApp(db, { id: uuid(3), name: 'Three', scopes: ['chat:write'], ownerDirectoryId: MINE });
  createApp(db, { id: uuid(4), name: 'Four', scopes: ['chat:write'] });
  createApp(db, { id: uuid(5), name: 'Five' });
  lite.sqlite
    .prepare(`INSERT INTO client_app_states (client_id, app_id, resolution, decided_at, version, updated_at) VALUES (?, ?, 'restricted', ?, 1, ?)`)
    .run(BIZ, uuid(4), T0, T0);
  return { lite, actor: principalFor(db) };
}

const SEEDED = ['directories', 'clients', 'workspaces', 'apps', 'tokens', 'client_app_states'];

async function pgFrom(lite: OpenedDatabase, poolSize = 2): Promise<OpenedPostgres & { url: string }> {
  const url = await freshPostgresDatabase();
  const opened = await openPostgres(url, { poolSize });
  for (const table of SEEDED) await copyRows(lite.sqlite, opened.pool, table);
  return { ...opened, url };
}

const parsed = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
const bool = (v: unknown) => (v === null ? null : v === true || v === 1);
const num = (v: unknown) => (v === null ? null : Number(v));

/** Every row the writes touch, read raw and in one shape for both stores (event ids are random: left out). */
type Row = Record<string, unknown>;

async function dumpRows(read: (text: string) => Promise<Record<string, unknown>[]>) {
  return {
    requests: (await read('SELECT * FROM install_requests ORDER BY id')).map((r): Row => ({ ...r, scopes: parsed(r.scopes), created_at: num(r.created_at), resolved_at: num(r.resolved_at) })),
    states: (await read('SELECT * FROM client_app_states ORDER BY client_id, app_id')).map((r): Row => ({
      ...r,
      approved_scopes: parsed(r.approved_scopes),
      needs_reapproval: bool(r.needs_reapproval),
      decided_at: num(r.decided_at),
      updated_at: num(r.updated_at),
    })),
    workspace: (await read('SELECT * FROM workspace_app_decisions ORDER BY workspace_id, app_id')).map((r): Row => ({ ...r, approved_scopes: parsed(r.approved_scopes), decided_at: num(r.decided_at) })),
    events: (await read('SELECT client_id, app_id, type, actor_id, actor_kind, actor_name, data, created_at, client_seq FROM app_history_events ORDER BY client_id, client_seq')).map((r): Row => ({
      ...r,
      data: parsed(r.data),
      created_at: num(r.created_at),
      client_seq: num(r.client_seq),
    })),
    heads: (await read('SELECT id, history_seq, history_at FROM clients ORDER BY id')).map((r): Row => ({ ...r, history_seq: num(r.history_seq), history_at: num(r.history_at) })),
  };
}

/** An answer or a refusal, in one comparable shape (an event's id is random: left out). */
async function outcome(call: () => unknown): Promise<unknown> {
  try {
    const value = await call();
    return { ok: JSON.parse(JSON.stringify(value ?? null)) };
  } catch (error) {
    const e = error as { constructor: { name: string }; code?: string; message: string; details?: unknown };
    return { error: { class: e.constructor.name, code: e.code, message: e.message, details: e.details } };
  }
}

/** One step of a scenario, the same call on each store. */
interface Step {
  name: string;
  lite: (db: OpenedDatabase['db'], actor: Principal) => unknown;
  pg: (db: OpenedPostgres['db'], actor: Principal) => Promise<unknown>;
}

/** A call that reads the same on both stores: `fn(store)(input)` with the input built once. */
function both<I>(name: string, input: (actor: Principal) => I, lite: (db: OpenedDatabase['db'], i: I) => unknown, pg: (db: OpenedPostgres['db'], i: I) => Promise<unknown>): Step {
  return { name, lite: (db, actor) => lite(db, input(actor)), pg: (db, actor) => pg(db, input(actor)) };
}

const create = (name: string, input: (actor: Principal) => liteRequests.CreateInstallRequestInput) =>
  both(name, input, liteRequests.createInstallRequest, pgRequests.createInstallRequest);
const cancel = (name: string, input: (actor: Principal) => Parameters<typeof liteRequests.cancelInstallRequest>[1]) =>
  both(name, input, liteRequests.cancelInstallRequest, pgRequests.cancelInstallRequest);

const REQUEST_STEPS: Step[] = [
  create('default scopes, a message', (actor) => ({ id: R(1), clientId: BIZ, workspaceId: W[0]!, appId: uuid(1), message: '  please  ', actor, now: new Date(T0 + 1000) })),
  create('some scopes, repeated', (actor) => ({ id: R(2), clientId: BIZ, workspaceId: W[1]!, appId: uuid(1), scopes: ['files:read', ' files:read', ''], requester: ' Ann ', actor, now: new Date(T0 + 2000) })),
  create("the client's own private app", (actor) => ({ id: R(3), clientId: BIZ, workspaceId: W[0]!, appId: uuid(3), actor, now: new Date(T0 + 3000) })),
  // The clock went back: the request is stamped with the history head's time, never before the previous event.
  create('a clock that went back', (actor) => ({ id: R(4), clientId: BIZ, workspaceId: W[1]!, appId: uuid(5), actor, now: new Date(T0 + 500) })),
  create("another directory's private app", (actor) => ({ id: R(5), clientId: BIZ, workspaceId: W[0]!, appId: uuid(2), actor })),
  create('an app restricted org-wide', (actor) => ({ id: R(6), clientId: BIZ, workspaceId: W[0]!, appId: uuid(4), actor })),
  create('a scope the app does not request', (actor) => ({ id: R(7), clientId: BIZ, workspaceId: W[0]!, appId: uuid(1), scopes: ['admin', 'chat:write'], actor })),
  create('an unknown app', (actor) => ({ id: R(8), clientId: BIZ, workspaceId: W[0]!, appId: uuid(99), actor })),
  create('a malformed app id', (actor) => ({ id: R(9), clientId: BIZ, workspaceId: W[0]!, appId: 'nope', actor })),
  create('a message too long', (actor) => ({ id: R(10), clientId: BIZ, workspaceId: W[0]!, appId: uuid(1), message: 'x'.repeat(1001), actor })),
  create('an empty requester', (actor) => ({ id: R(11), clientId: BIZ, workspaceId: W[0]!, appId: uuid(1), requester: '  ', actor })),
  cancel('from the wrong workspace', (actor) => ({ clientId: BIZ, workspaceId: W[1]!, requestId: R(1), actor })),
  cancel('of another client', (actor) => ({ clientId: CLIENT, workspaceId: null, requestId: R(1), actor })),
  cancel('of an unknown client', (actor) => ({ clientId: NOBODY, workspaceId: null, requestId: R(1), actor })),
  create('for an unknown client, a public app', (actor) => ({ id: R(13), clientId: NOBODY, workspaceId: W[0]!, appId: uuid(1), actor })),
  create('for an unknown client, a private app', (actor) => ({ id: R(14), clientId: NOBODY, workspaceId: W[0]!, appId: uuid(3), actor })),
  cancel('in its workspace, with a reason', (actor) => ({ clientId: BIZ, workspaceId: W[0]!, requestId: R(1), reason: ' duplicate ', actor, now: new Date(T0 + 5000) })),
  cancel('again', (actor) => ({ clientId: BIZ, workspaceId: W[0]!, requestId: R(1), actor, now: new Date(T0 + 6000) })),
  cancel('at org level, a clock that went back', (actor) => ({ clientId: BIZ, workspaceId: null, requestId: R(2), actor, now: new Date(T0) })),
  cancel('an unknown request', (actor) => ({ clientId: BIZ, workspaceId: null, requestId: R(99), actor })),
  cancel('a malformed request id', (actor) => ({ clientId: BIZ, workspaceId: null, requestId: 'nope', actor })),
  create('after the cancels', (actor) => ({ id: R(12), clientId: BIZ, workspaceId: W[0]!, appId: uuid(1), scopes: ['chat:write'], actor, now: new Date(T0 + 9000) })),
];

const decideOne = (name: string, input: (actor: Principal) => liteDecisions.DecideAppInput) => both(name, input, liteDecisions.decideApp, pgDecisions.decideApp);
const byApp = (n: number) => ({ appId: uuid(n) });
const byRequest = (n: number) => ({ requestId: R(n) });

/** After REQUEST_STEPS: pending are R(3) (W0, app 3), R(4) (W1, app 5) and R(12) (W0, app 1, chat:write). */
const DECISION_STEPS: Step[] = [
  decideOne('a request from another workspace', (actor) => ({ clientId: BIZ, workspaceId: W[1]!, subject: byRequest(12), action: 'approve', actor })),
  decideOne('a cancelled request', (actor) => ({ clientId: BIZ, workspaceId: null, subject: byRequest(1), action: 'approve', actor })),
  decideOne('a request, in its workspace, with its scopes', (actor) => ({ clientId: BIZ, workspaceId: W[0]!, subject: byRequest(12), action: 'approve', reason: ' asked ', actor, now: new Date(T0 + 10_000) })),
  decideOne('scopes the app does not request', (actor) => ({ clientId: BIZ, workspaceId: null, subject: byApp(1), action: 'approve', scopes: ['admin', 'files:read'], actor })),
  decideOne('org level, some scopes', (actor) => ({ clientId: BIZ, workspaceId: null, subject: byApp(1), action: 'approve', scopes: ['files:read', 'files:read'], actor, now: new Date(T0 + 11_000) })),
  decideOne("another directory's private app", (actor) => ({ clientId: BIZ, workspaceId: null, subject: byApp(2), action: 'approve', scopes: ['chat:write'], actor })),
  decideOne('an org restriction resolves the pending request', (actor) => ({ clientId: BIZ, workspaceId: null, subject: byApp(3), action: 'restrict', actor, now: new Date(T0 + 12_000) })),
  decideOne('a workspace approval of an app restricted org-wide', (actor) => ({ clientId: BIZ, workspaceId: W[1]!, subject: byApp(4), action: 'approve', actor })),
  decideOne('clear by a resolved request: the app, not the request', (actor) => ({ clientId: BIZ, workspaceId: null, subject: byRequest(3), action: 'clear', actor, now: new Date(T0 + 13_000) })),
  decideOne('a request, no scopes asked for', (actor) => ({ clientId: BIZ, workspaceId: W[1]!, subject: byRequest(4), action: 'approve', actor, now: new Date(T0 + 1000) })),
  decideOne('the same again: nothing changes', (actor) => ({ clientId: BIZ, workspaceId: W[1]!, subject: byApp(5), action: 'approve', actor })),
  decideOne('restrict by a resolved request', (actor) => ({ clientId: BIZ, workspaceId: W[1]!, subject: byRequest(4), action: 'restrict', actor })),
  decideOne('clear in a workspace', (actor) => ({ clientId: BIZ, workspaceId: W[0]!, subject: byApp(1), action: 'clear', actor, now: new Date(T0 + 14_000) })),
  decideOne('a malformed app id', (actor) => ({ clientId: BIZ, workspaceId: null, subject: { appId: 'nope' }, action: 'restrict', actor })),
  decideOne('a malformed request id', (actor) => ({ clientId: BIZ, workspaceId: null, subject: { requestId: 'nope' }, action: 'restrict', actor })),
  decideOne('a reason too long', (actor) => ({ clientId: BIZ, workspaceId: null, subject: byApp(1), action: 'restrict', reason: 'x'.repeat(5000), actor })),
  decideOne('an unknown client, an app', (actor) => ({ clientId: NOBODY, workspaceId: null, subject: byApp(1), action: 'restrict', actor })),
  decideOne('an unknown client, a request', (actor) => ({ clientId: NOBODY, workspaceId: null, subject: byRequest(12), action: 'restrict', actor })),
  decideOne('an unknown app', (actor) => ({ clientId: BIZ, workspaceId: null, subject: byApp(99), action: 'restrict', actor })),
];

/** Plays `steps` on both stores from the same seed; the answers, then the rows, must be equal. */
async function playBoth(steps: Step[]): Promise<{ answers: unknown[]; rows: Awaited<ReturnType<typeof dumpRows>> }> {
  const { lite: store, actor } = seedLite();
  const postgres = await pgFrom(store);
  try {
    const answers: unknown[] = [];
    for (const step of steps) {
      const a = await outcome(() => step.lite(store.db, actor));
      const b = await outcome(() => step.pg(postgres.db, actor));
      expect(b, step.name).toEqual(a);
      answers.push(a);
    }
    const liteRows = await dumpRows(async (text) => store.sqlite.prepare(text).all() as Record<string, unknown>[]);
    const pgRowsRead = await dumpRows(async (text) => (await postgres.pool.query(text)).rows);
    expect(pgRowsRead).toEqual(liteRows);
    return { answers, rows: liteRows };
  } finally {
    store.close();
    await postgres.close();
  }
}

describe('install request writes on Postgres', () => {
  it('create and cancel answer, refuse and write as on SQLite, call for call', async () => {
    const { answers, rows } = await playBoth(REQUEST_STEPS);
    // The scenario exercised what it claims.
    const codes = answers.map((a) => (a as { error?: { code: string } }).error?.code ?? 'ok');
    expect(codes).toEqual([
      'ok', 'ok', 'ok', 'ok', 'NOT_FOUND', 'APP_RESTRICTED_ORG_WIDE', 'INVALID_SCOPES', 'NOT_FOUND', 'BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT',
      'NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND', 'ok', 'REQUEST_ALREADY_RESOLVED', 'ok', 'NOT_FOUND', 'BAD_USER_INPUT', 'ok',
    ]);
    expect(rows.requests.map((r) => [r['id'], r['status'], r.created_at])).toEqual([
      [R(1), 'cancelled', T0 + 1000],
      [R(2), 'cancelled', T0 + 2000],
      [R(3), 'pending', T0 + 3000],
      [R(4), 'pending', T0 + 3000],
      [R(12), 'pending', T0 + 9000],
    ]);
    expect(rows.events.map((e) => e['type'])).toEqual([
      'INSTALL_REQUEST_CREATED', 'INSTALL_REQUEST_CREATED', 'INSTALL_REQUEST_CREATED', 'INSTALL_REQUEST_CREATED',
      'INSTALL_REQUEST_CANCELLED', 'INSTALL_REQUEST_CANCELLED', 'INSTALL_REQUEST_CREATED',
    ]);
    expect(rows.events.map((e) => e.client_seq)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('single-app decisions answer, refuse and write as on SQLite, call for call', async () => {
    const { answers, rows } = await playBoth([...REQUEST_STEPS, ...DECISION_STEPS]);
    const codes = answers.slice(REQUEST_STEPS.length).map((a) => (a as { error?: { code: string } }).error?.code ?? 'ok');
    expect(codes).toEqual([
      'NOT_FOUND', 'REQUEST_ALREADY_RESOLVED', 'ok', 'INVALID_SCOPES', 'ok', 'NOT_FOUND', 'ok', 'APP_RESTRICTED_ORG_WIDE', 'ok', 'ok', 'ok',
      'REQUEST_ALREADY_RESOLVED', 'ok', 'BAD_USER_INPUT', 'BAD_USER_INPUT', 'BAD_USER_INPUT', 'NOT_FOUND', 'NOT_FOUND', 'NOT_FOUND',
    ]);
    expect(rows.requests.map((r) => [r['id'], r['status']])).toEqual([
      [R(1), 'cancelled'],
      [R(2), 'cancelled'],
      [R(3), 'restricted'],
      [R(4), 'approved'],
      [R(12), 'approved'],
    ]);
    expect(rows.events.map((e) => e['type'])).toContain('INSTALL_REQUEST_RESOLVED');
    expect(rows.workspace.map((d) => [d['workspace_id'], d['app_id'], d['resolution']])).toEqual([[W[1], uuid(5), 'approved']]);
  });

  it('two pools creating and cancelling at once: one history chain, every request created once and cancelled at most once', async () => {
    const { lite: store, actor } = seedLite();
    const setup = await pgFrom(store, 1);
    store.close();
    const url = setup.url;
    const pools = [0, 1].map(() => new pgDriver.Pool({ connectionString: url, max: 3 }));
    try {
      const dbs = pools.map((pool) => drizzle(pool, { schema: pgSchema }));
      const apps = [uuid(1), uuid(3), uuid(5)];
      const ids = Array.from({ length: 24 }, (_, i) => R(100 + i));
      // Each request is created on one pool and cancelled twice at once, on both pools: exactly one cancel wins.
      const answers = await Promise.all(
        ids.map(async (id, i) => {
          await pgRequests.createInstallRequest(dbs[i % 2]!, { id, clientId: BIZ, workspaceId: W[i % 2]!, appId: apps[i % 3]!, actor });
          if (i % 3 === 2) return [];
          return Promise.all(dbs.map((db) => outcome(() => pgRequests.cancelInstallRequest(db, { clientId: BIZ, workspaceId: null, requestId: id, actor }))));
        }),
      );
      const cancels = answers.flat() as { ok?: unknown; error?: { code: string } }[];
      expect(cancels.filter((c) => c.ok).length).toBe(16);
      expect(cancels.filter((c) => c.error).map((c) => c.error!.code)).toEqual(Array(16).fill('REQUEST_ALREADY_RESOLVED'));
      const check = pools[0]!;
      const events = (await check.query(`SELECT type, data ->> 'requestId' AS request, created_at, client_seq FROM app_history_events WHERE client_id = $1 ORDER BY created_at, client_seq`, [BIZ])).rows;
      expect(events.map((e) => Number(e.client_seq))).toEqual(events.map((_, i) => i + 1));
      expect(events.length).toBe(24 + 16);
      // Each request's life in history order: created, then (for two thirds) cancelled once, never before.
      for (const [i, id] of ids.entries()) {
        expect(events.filter((e) => e.request === id).map((e) => e.type), id).toEqual(i % 3 === 2 ? ['INSTALL_REQUEST_CREATED'] : ['INSTALL_REQUEST_CREATED', 'INSTALL_REQUEST_CANCELLED']);
      }
      const requests = (await check.query(`SELECT id, status, created_at, resolved_at FROM install_requests ORDER BY id`)).rows;
      expect(requests.filter((r) => r.status === 'cancelled').length).toBe(16);
      for (const r of requests) if (r.resolved_at !== null) expect(Number(r.resolved_at)).toBeGreaterThanOrEqual(Number(r.created_at));
      const [head] = (await check.query('SELECT history_seq FROM clients WHERE id = $1', [BIZ])).rows;
      expect(Number(head.history_seq)).toBe(events.length);
    } finally {
      for (const pool of pools) await pool.end();
      await setup.close();
    }
  }, 30_000);

  it('two pools deciding one app and its requests at once, while requests are created and cancelled: every chain consistent, each request ends once', async () => {
    const { lite: store, actor } = seedLite();
    const setup = await pgFrom(store, 1);
    store.close();
    const pools = [0, 1].map(() => new pgDriver.Pool({ connectionString: setup.url, max: 3 }));
    try {
      const dbs = pools.map((pool) => drizzle(pool, { schema: pgSchema }));
      const actions = ['approve', 'restrict', 'clear', 'approve'] as const;
      const calls: Promise<unknown>[] = [];
      for (let i = 0; i < 36; i++) {
        const db = dbs[i % 2]!;
        const id = R(200 + i);
        const workspaceId = W[i % 2]!;
        if (i % 3 === 0) {
          // A request for app 1, then, on the other pool, a cancel and a decision by that request race.
          calls.push(
            // Refused while app 1 is restricted org-wide: then there is nothing to race on.
            outcome(() => pgRequests.createInstallRequest(db, { id, clientId: BIZ, workspaceId, appId: uuid(1), actor })).then((created) =>
              (created as { error?: unknown }).error ? [created] : Promise.all([
                outcome(() => pgRequests.cancelInstallRequest(dbs[(i + 1) % 2]!, { clientId: BIZ, workspaceId: null, requestId: id, actor })),
                outcome(() => pgDecisions.decideApp(db, { clientId: BIZ, workspaceId, subject: { requestId: id }, action: 'approve', actor })),
              ]),
            ),
          );
        } else {
          calls.push(outcome(() => pgDecisions.decideApp(db, { clientId: BIZ, workspaceId: i % 5 === 0 ? workspaceId : null, subject: { appId: uuid(1) }, action: actions[i % 4]!, actor })));
        }
      }
      const answers = (await Promise.all(calls)).flat() as { ok?: unknown; error?: { code: string; message: string } }[];
      // Refusals are the rules' own (a request already ended, a workspace approval under an org restriction), never a failure of the store.
      for (const a of answers) if (a.error) expect(['REQUEST_ALREADY_RESOLVED', 'APP_RESTRICTED_ORG_WIDE'], a.error.message).toContain(a.error.code);
      const check = pools[0]!;
      const events = (await check.query(`SELECT type, data, client_seq FROM app_history_events WHERE client_id = $1 ORDER BY created_at, client_seq`, [BIZ])).rows as { type: string; data: { from?: string; to?: string; workspaceId?: string; requestId?: string }; client_seq: string }[];
      expect(events.map((e) => Number(e.client_seq))).toEqual(events.map((_, i) => i + 1));
      const last = new Map<string, string>();
      const ended = new Map<string, number>();
      for (const e of events) {
        if (e.type === 'WORKSPACE_APPROVAL_VOIDED') last.set(`ws:${e.data.workspaceId}`, 'unresolved');
        if (e.type === 'APPROVAL_STATUS_CHANGED' || e.type === 'WORKSPACE_RESOLUTION_CHANGED') {
          const key = e.type === 'APPROVAL_STATUS_CHANGED' ? 'org' : `ws:${e.data.workspaceId}`;
          expect(e.data.from, `${key} at ${e.client_seq}`).toBe(last.get(key) ?? 'unresolved');
          last.set(key, e.data.to!);
        }
        if (e.type === 'INSTALL_REQUEST_CREATED') expect(ended.has(e.data.requestId!)).toBe(false);
        if (e.type === 'INSTALL_REQUEST_CANCELLED' || e.type === 'INSTALL_REQUEST_RESOLVED') ended.set(e.data.requestId!, (ended.get(e.data.requestId!) ?? 0) + 1);
      }
      expect([...ended.values()].every((n) => n === 1)).toBe(true);
      // Every request that is not pending ended exactly once in history, and its row says how.
      const requests = (await check.query(`SELECT id, status FROM install_requests WHERE status <> 'pending'`)).rows as { id: string; status: string }[];
      expect(requests.map((r) => r.id).sort()).toEqual([...ended.keys()].sort());
      expect(requests.length).toBeGreaterThan(0);
      const [head] = (await check.query('SELECT history_seq FROM clients WHERE id = $1', [BIZ])).rows;
      expect(Number(head.history_seq)).toBe(events.length);
    } finally {
      for (const pool of pools) await pool.end();
      await setup.close();
    }
  }, 30_000);
});
