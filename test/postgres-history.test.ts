/**
 * Issue 16: history reads on Postgres answer as on SQLite over the same rows. The rows are written by
 * the real SQLite services (decisions, workspace decisions, requests, edits, notes, a catalog change)
 * and copied raw; then historyPages (the loader's batch of app pages) and clientHistoryPage (the
 * client-wide audit view) are compared page for page: every filter and page size, the same events,
 * order, page ends and cursors (a cursor taken on one store continues on the other), the same
 * refusals; a batch of many keys is one statement in key order; each seek is an index scan that
 * reads its page and no more. Postgres also holds thousands of other tenants' events that SQLite
 * does not: none of them may ever appear.
 */
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../src/auth/principal';
import { openDatabase, type OpenedDatabase } from '../src/db/open';
import { openPostgres, type OpenedPostgres, type PgDb } from '../src/db/postgres';
import * as pgSchema from '../src/db/postgres-schema';
import { HISTORY_EVENT_TYPES, type HistoryEventType } from '../src/db/schema';
import { decideApp, updateAppCatalog } from '../src/services/app-decisions';
import { expireApprovals } from '../src/services/expiry';
import { addAppHistoryNote, updateApp } from '../src/services/app-details';
import { approveApps, removeAppApprovals, restrictApps } from '../src/services/approvals';
import * as onSqlite from '../src/services/history';
import { decodeHistoryCursor, historyListOf, parseHistoryFilter, type HistoryEvent, type HistoryFilter, type HistoryPageKey } from '../src/services/history';
import { cancelInstallRequest, createInstallRequest } from '../src/services/install-requests';
import { encodeCursor, type Page } from '../src/services/pagination';
import { createWorkspace } from '../src/services/workspaces';
import * as onPostgres from '../src/store/postgres/history';
import { principalFor, seedTenant } from './helpers/db';
import { copyRows, freshPostgresDatabase } from './helpers/postgres';
import { planNodes, statementOf as statementOfAt, Statements, type Statement } from './helpers/postgres-plans';

const T0 = Date.UTC(2026, 5, 1, 12);
const at = (s: number) => new Date(T0 + s * 1000);

let lite: OpenedDatabase;
let pgdb: OpenedPostgres;
let url: string;
let A: string;
let B: string;
/** A client with no history at all. */
let C: string;
let apps: string[];
const pools: pg.Pool[] = [];

/** Every kind of history, written by the services themselves, for A and (interleaved, same apps and times) for B. */
function writeHistory(): void {
  const db = lite.db;
  ({ clientId: A, appIds: apps } = seedTenant(db, { clientNumber: 1, appCount: 24 }));
  ({ clientId: B } = seedTenant(db, { clientNumber: 2 }));
  ({ clientId: C } = seedTenant(db, { clientNumber: 3 }));
  const actor: Principal = principalFor(db);
  const app = (i: number) => apps[i]!;
  const bulk = { actor, maxIds: 100 };
  const [w1, w2] = ['One', 'Two'].map((name) => createWorkspace(db, { clientId: A, name }).id) as [string, string];
  const v1 = createWorkspace(db, { clientId: B, name: 'Theirs' }).id;
  // One call, one millisecond: a tie of 20 events.
  approveApps(db, { clientId: A, appIds: apps.slice(0, 20), ...bulk, now: at(1) });
  approveApps(db, { clientId: B, appIds: apps.slice(0, 3), ...bulk, now: at(1) });
  createInstallRequest(db, { clientId: A, workspaceId: w1, appId: app(20), actor, now: at(2) });
  const r2 = createInstallRequest(db, { clientId: A, workspaceId: w2, appId: app(21), actor, now: at(2) });
  createInstallRequest(db, { clientId: A, workspaceId: w1, appId: app(21), actor, now: at(3) });
  createInstallRequest(db, { clientId: B, workspaceId: v1, appId: app(20), actor, now: at(3) });
  updateApp(db, { clientId: A, appId: app(0), patch: { category: 'Design', riskLevel: 'HIGH' }, actor, now: at(4) });
  addAppHistoryNote(db, { clientId: A, appId: app(1), note: 'checked', actor, now: at(4) });
  // Workspace approvals that resolve w1's two pending requests.
  approveApps(db, { clientId: A, workspaceId: w1, appIds: [app(20), app(21)], ...bulk, now: at(5) });
  decideApp(db, { clientId: A, workspaceId: w2, subject: { requestId: r2.id }, action: 'restrict', actor, now: at(6) });
  // The org restriction voids w1's approval of app 20.
  restrictApps(db, { clientId: A, appIds: [app(20)], ...bulk, now: at(7) });
  const r4 = createInstallRequest(db, { clientId: A, workspaceId: w2, appId: app(22), actor, now: at(8) });
  cancelInstallRequest(db, { clientId: A, workspaceId: w2, requestId: r4.id, actor, now: at(9) });
  // App 0's scopes outgrow A's and B's org approvals of it.
  updateAppCatalog(db, { appId: app(0), scopes: ['files:read'], actor, now: at(10) });
  // Two approvals with an end, written down as they lapse (APPROVAL_EXPIRED, a system actor, the end's time).
  approveApps(db, { clientId: A, appIds: [app(5), app(6)], ...bulk, expiresAt: at(12), now: at(11) });
  expireApprovals(db, at(13));
  // A clock gone back: listed after, at the head's time (a tie across two calls).
  removeAppApprovals(db, { clientId: A, appIds: [app(1), app(2)], ...bulk, now: at(5) });
  // A long run on a few apps, A's and B's at the same times.
  for (let i = 0; i < 40; i++) {
    addAppHistoryNote(db, { clientId: A, appId: app(i % 3), note: `note ${i}`, actor, now: at(20 + i) });
    addAppHistoryNote(db, { clientId: B, appId: app(i % 3), note: `theirs ${i}`, actor, now: at(20 + i) });
    if (i % 4 === 0) updateApp(db, { clientId: A, appId: app(3 + ((i / 4) % 2)), patch: { ownerEmail: `o${i}@example.com` }, actor, now: at(20 + i) });
  }
}

/** Other tenants' history on Postgres only, on the same apps, types and times as A's: `clients` × `each` events. */
async function otherTenants(pool: pg.Pool, clients: number, each: number): Promise<void> {
  await pool.query(`INSERT INTO clients (id, name, created_at) SELECT 'other-' || c, 'Other ' || c, $1 FROM generate_series(1, $2::int) AS c`, [T0, clients]);
  await pool.query(
    `INSERT INTO app_history_events (id, client_id, app_id, type, actor_id, actor_kind, actor_name, data, created_at, client_seq)
     SELECT 'other-' || c || '-' || i, 'other-' || c, $1::jsonb ->> (i % 24), $2::jsonb ->> (i % 9), 't', 'internal', 'other', '{"note": "not yours"}',
            $3::bigint + (i % 70) * 1000, i
     FROM generate_series(1, $4::int) AS c, generate_series(1, $5::int) AS i`,
    [JSON.stringify(apps), JSON.stringify(HISTORY_EVENT_TYPES), T0, clients, each],
  );
  await pool.query('ANALYZE app_history_events');
}

beforeAll(async () => {
  lite = openDatabase(':memory:');
  writeHistory();
  url = await freshPostgresDatabase();
  pgdb = await openPostgres(url, { poolSize: 2 });
  for (const table of ['clients', 'apps', 'app_history_events']) await copyRows(lite.sqlite, pgdb.pool, table);
  await otherTenants(pgdb.pool, 40, 150);
}, 60_000);

afterAll(async () => {
  for (const pool of pools.splice(0)) await pool.end();
  lite?.close();
  await pgdb?.close();
});

type Store = 'sqlite' | 'postgres';
const STORES: Store[] = ['sqlite', 'postgres'];

/** A page with its items' cursors read (they are sealed lazily, on a getter the spread does not copy). */
function shaped(page: Page<HistoryEvent>) {
  return { hasNextPage: page.hasNextPage, items: page.items.map((e) => ({ ...e, cursor: e.cursor })) };
}

function clientPage(store: Store, clientId: string, first: number | undefined, after: string | null, filter: HistoryFilter) {
  const input = { clientId, first, after, filter };
  return store === 'sqlite' ? Promise.resolve().then(() => onSqlite.clientHistoryPage(lite.db, input)) : onPostgres.clientHistoryPage(pgdb.db, input);
}

function pages(store: Store, keys: HistoryPageKey[]) {
  return store === 'sqlite' ? Promise.resolve().then(() => onSqlite.historyPages(lite.db, keys)) : onPostgres.historyPages(pgdb.db, keys);
}

/** One app page as the schema asks for it: the cursor decoded for its list, then the loader's batch of one. */
async function appPage(store: Store, clientId: string, appId: string, first: number, after: string | null, filter: HistoryFilter) {
  const [page] = await pages(store, [{ clientId, appId, first, after: decodeHistoryCursor(after, { clientId, appId, filter }), filter }]);
  return page!;
}

/** Every page of a listing, each continued from the last item's cursor; `on(n)` picks the store of page n. */
async function walk(list: (store: Store, after: string | null) => Promise<Page<HistoryEvent>>, on: (n: number) => Store) {
  const walked: ReturnType<typeof shaped>[] = [];
  let after: string | null = null;
  for (let n = 0; n < 200; n++) {
    const page = shaped(await list(on(n), after));
    walked.push(page);
    if (!page.hasNextPage) return walked;
    after = page.items.at(-1)!.cursor;
  }
  throw new Error('the listing did not end');
}

/** What a listing must hold, from the raw rows (not through either store): filtered, newest first by (created_at, client_seq). */
function expectedIds(clientId: string, appId: string | null, filter: HistoryFilter): string[] {
  const rows = lite.sqlite
    .prepare('SELECT id, app_id, type, created_at, client_seq FROM app_history_events WHERE client_id = ? ORDER BY created_at DESC, client_seq DESC')
    .all(clientId) as { id: string; app_id: string; type: HistoryEventType; created_at: number }[];
  return rows
    .filter(
      (r) =>
        (appId === null || r.app_id === appId) &&
        (!filter.types || filter.types.includes(r.type)) &&
        (!filter.since || r.created_at >= filter.since.getTime()) &&
        (!filter.until || r.created_at < filter.until.getTime()),
    )
    .map((r) => r.id);
}

async function outcome<T>(call: () => Promise<T>): Promise<{ ok: T } | { error: { name: string; code?: unknown; message: string; details?: unknown } }> {
  try {
    return { ok: await call() };
  } catch (error) {
    const e = error as Error & { code?: unknown; details?: unknown };
    return { error: { name: e.constructor.name, code: e.code, message: e.message, details: e.details } };
  }
}

const FILTERS: Record<string, Parameters<typeof parseHistoryFilter>[0]> = {
  all: {},
  ...Object.fromEntries(HISTORY_EVENT_TYPES.map((type) => [type, { types: [type] }])),
  'notes and edits': { types: ['NOTE_ADDED', 'APP_UPDATED'] },
  'a type named twice': { types: ['NOTE_ADDED', 'APPROVAL_STATUS_CHANGED', 'NOTE_ADDED'] },
  'since a tie (inclusive)': { since: at(10) },
  'until a tie (exclusive)': { until: at(10) },
  'a window': { since: at(1), until: at(25) },
  'a window of one type': { since: at(4), until: at(30), types: ['NOTE_ADDED'] },
  'since = until': { since: at(5), until: at(5) },
  'before everything': { until: at(1) },
  'after everything': { since: at(1000) },
};
const SIZES = [1, 7, undefined, 100];
/** The apps whose histories are compared: the long runs, the tie, workspace decisions and voids, a request, none at all. */
const APP_INDEXES = [0, 1, 3, 20, 21, 22, 23];

describe('the client-wide history on Postgres', () => {
  for (const [name, input] of Object.entries(FILTERS)) {
    it(`${name}: page for page, for every page size, as on SQLite`, async () => {
      const filter = parseHistoryFilter(input);
      for (const clientId of [A, B, C]) {
        const expected = expectedIds(clientId, null, filter);
        for (const first of SIZES) {
          const list = (store: Store, after: string | null) => clientPage(store, clientId, first, after, filter);
          const sqlite = await walk(list, () => 'sqlite');
          const postgres = await walk(list, () => 'postgres');
          expect(postgres, `${clientId} first ${first}`).toEqual(sqlite);
          expect(postgres.flatMap((p) => p.items.map((e) => e.id))).toEqual(expected);
        }
      }
    });
  }

  it('the data has what each case looks for: every type, ties, other tenants at the same times, an empty client', () => {
    const types = (clientId: string) => new Set(expectedIds(clientId, null, onSqlite.NO_FILTER).map((id) => lite.sqlite.prepare('SELECT type FROM app_history_events WHERE id = ?').pluck().get(id)));
    expect(types(A)).toEqual(new Set(HISTORY_EVENT_TYPES));
    expect(expectedIds(A, null, onSqlite.NO_FILTER).length).toBeGreaterThan(80);
    expect(expectedIds(B, null, onSqlite.NO_FILTER).length).toBeGreaterThan(40);
    expect(expectedIds(C, null, onSqlite.NO_FILTER)).toEqual([]);
    const ties = lite.sqlite.prepare('SELECT created_at, count(*) AS n FROM app_history_events WHERE client_id = ? GROUP BY created_at HAVING n > 1 ORDER BY n DESC').all(A) as { n: number }[];
    expect(ties[0]!.n).toBeGreaterThanOrEqual(20);
    expect(ties.length).toBeGreaterThan(3);
    for (const input of Object.values(FILTERS).slice(1, 1 + HISTORY_EVENT_TYPES.length)) expect(expectedIds(A, null, parseHistoryFilter(input)).length).toBeGreaterThan(0);
  });
});

describe('app histories on Postgres (the loader batch)', () => {
  for (const [name, input] of Object.entries(FILTERS)) {
    it(`${name}: each app page for page, as on SQLite`, async () => {
      const filter = parseHistoryFilter(input);
      for (const clientId of [A, B, C]) {
        for (const i of APP_INDEXES) {
          for (const first of [2, 5, 100]) {
            const list = (store: Store, after: string | null) => appPage(store, clientId, apps[i]!, first, after, filter);
            const sqlite = await walk(list, () => 'sqlite');
            const postgres = await walk(list, () => 'postgres');
            expect(postgres, `${clientId} app ${i} first ${first}`).toEqual(sqlite);
            expect(postgres.flatMap((p) => p.items.map((e) => e.id))).toEqual(expectedIds(clientId, apps[i]!, filter));
          }
        }
      }
    });
  }

  it('a batch of many keys (clients, apps, filters, cursors, sizes, repeats) answers each key as on SQLite, in key order', async () => {
    const keys = manyKeys();
    expect(keys.length).toBeGreaterThan(200);
    const postgres = (await pages('postgres', keys)).map(shaped);
    expect(postgres).toEqual((await pages('sqlite', keys)).map(shaped));
    // Each key's page is the page that key gets alone.
    const alone: ReturnType<typeof shaped>[] = [];
    for (const key of keys) alone.push(shaped((await pages('sqlite', [key]))[0]!));
    expect(postgres).toEqual(alone);
    expect(postgres.filter((p) => p.items.length > 0).length).toBeGreaterThan(keys.length / 3);
    expect(await pages('postgres', [])).toEqual([]);
  });

  it('runs one statement for 1, 10 or all keys (two with a legacy cursor among them)', async () => {
    const log = new Statements();
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    pools.push(pool);
    const counted = drizzle(pool, { schema: pgSchema, logger: log });
    const keys = manyKeys().filter((k) => !(k.after && 'legacySeq' in k.after));
    const legacy = manyKeys().find((k) => k.after && 'legacySeq' in k.after)!;
    const counts: number[][] = [];
    for (const n of [1, 10, keys.length]) {
      const some = keys.slice(0, n);
      log.statements = [];
      await onPostgres.historyPages(counted, some);
      const plain = log.statements.length;
      log.statements = [];
      await onPostgres.historyPages(counted, [...some, legacy]);
      counts.push([plain, log.statements.length]);
    }
    expect(counts).toEqual([[1, 2], [1, 2], [1, 2]]);
  });
});

/**
 * Keys as the loader batches them: clients A, B, C; apps with and without history; several filters;
 * from the top, from a cursor taken on SQLite's first page, from a legacy cursor; sizes 1 and 5; a
 * few keys repeated; in an order that is not sorted by anything.
 */
function manyKeys(): HistoryPageKey[] {
  const keys: HistoryPageKey[] = [];
  const filters = ['all', 'NOTE_ADDED', 'notes and edits', 'a window', 'since a tie (inclusive)', 'INSTALL_REQUEST_RESOLVED'].map((name) => parseHistoryFilter(FILTERS[name]!));
  for (const clientId of [A, B, C]) {
    for (const i of APP_INDEXES) {
      const appId = apps[i]!;
      for (const filter of filters) {
        for (const first of [1, 5]) {
          keys.push({ clientId, appId, first, after: null, filter });
          const top = onSqlite.historyPages(lite.db, [{ clientId, appId, first: 3, after: null, filter }])[0]!;
          const second = top.items[1];
          if (second) keys.push({ clientId, appId, first, after: decodeHistoryCursor(second.cursor, { clientId, appId, filter }), filter });
        }
      }
    }
  }
  const [legacy] = legacyCursors(A, apps[0]!, onSqlite.NO_FILTER, 1);
  keys.push({ clientId: A, appId: apps[0]!, first: 5, after: decodeHistoryCursor(legacy!, { clientId: A, appId: apps[0]!, filter: onSqlite.NO_FILTER }), filter: onSqlite.NO_FILTER });
  keys.push(keys[3]!, keys[0]!, keys[17]!);
  // A fixed shuffle: every stride-th key, round and round (a stride prime to the length visits each key once).
  const gcd = (x: number, y: number): number => (y === 0 ? x : gcd(y, x % y));
  let stride = 7;
  while (gcd(stride, keys.length) !== 1) stride++;
  return keys.map((_, i) => keys[(i * stride) % keys.length]!);
}

/** Cursors as issued before events were numbered per client ('hist': created_at, seq) for a list's events from the `from`-th. */
function legacyCursors(clientId: string, appId: string | null, filter: HistoryFilter, from: number): string[] {
  const ids = expectedIds(clientId, appId, filter).slice(from);
  return ids.map((id) => {
    const row = lite.sqlite.prepare('SELECT seq, created_at FROM app_history_events WHERE id = ?').get(id) as { seq: number; created_at: number };
    return encodeCursor('hist', [row.created_at, row.seq], historyListOf({ clientId, appId, filter }));
  });
}


describe('cursors on Postgres', () => {
  it('a cursor taken on one store continues on the other, for the client view and app lists, every filter', async () => {
    for (const [name, input] of Object.entries(FILTERS)) {
      const filter = parseHistoryFilter(input);
      const client = (store: Store, after: string | null) => clientPage(store, A, 3, after, filter);
      const app = (store: Store, after: string | null) => appPage(store, A, apps[0]!, 2, after, filter);
      for (const list of [client, app]) {
        const sqlite = await walk(list, () => 'sqlite');
        expect(await walk(list, (n) => (n % 2 === 0 ? 'sqlite' : 'postgres')), name).toEqual(sqlite);
        expect(await walk(list, (n) => (n % 2 === 0 ? 'postgres' : 'sqlite')), name).toEqual(sqlite);
      }
    }
  });

  it('legacy cursors continue on both stores from the same event, and are refused alike when their event is not on the list', async () => {
    const whole = expectedIds(A, null, onSqlite.NO_FILTER);
    // Some inside the 20-event tie, one at the top, one at the very end.
    for (const [k, legacy] of legacyCursors(A, null, onSqlite.NO_FILTER, 0).entries()) {
      if (k % 9 !== 0 && k !== whole.length - 1) continue;
      const onBoth = await Promise.all(STORES.map(async (store) => shaped(await clientPage(store, A, 10, legacy, onSqlite.NO_FILTER))));
      expect(onBoth[1]).toEqual(onBoth[0]);
      expect(onBoth[1]!.items.map((e) => e.id)).toEqual(whole.slice(k + 1, k + 11));
    }
    const binding = historyListOf({ clientId: A, appId: null, filter: onSqlite.NO_FILTER });
    const theirs = lite.sqlite.prepare('SELECT seq, created_at FROM app_history_events WHERE client_id = ? LIMIT 1').get(B) as { seq: number; created_at: number };
    const mine = lite.sqlite.prepare('SELECT seq, created_at FROM app_history_events WHERE client_id = ? LIMIT 1').get(A) as { seq: number; created_at: number };
    const other = (await pgdb.pool.query(`SELECT seq, created_at FROM app_history_events WHERE client_id = 'other-1' LIMIT 1`)).rows[0] as { seq: number; created_at: number };
    const refused = [
      encodeCursor('hist', [theirs.created_at, theirs.seq], binding),
      encodeCursor('hist', [mine.created_at + 1, mine.seq], binding),
      encodeCursor('hist', [T0, 9_999_999], binding),
      // Another tenant's event on Postgres only: not A's, so refused there too.
      encodeCursor('hist', [other.created_at, other.seq], binding),
    ];
    for (const cursor of refused) {
      const [sqlite, postgres] = await Promise.all(STORES.map((store) => outcome(() => clientPage(store, A, 5, cursor, onSqlite.NO_FILTER))));
      expect(postgres).toEqual(sqlite);
      expect(postgres).toEqual({ error: { name: 'BadUserInputError', code: 'BAD_USER_INPUT', message: 'after is not a valid cursor for this list', details: { field: 'after' } } });
    }
    // The loader's batch: one key's bad legacy position refuses the batch, on both.
    const good = { clientId: A, appId: apps[0]!, first: 2, after: null, filter: onSqlite.NO_FILTER };
    const bad = { ...good, after: { at: theirs.created_at, legacySeq: theirs.seq } };
    const [sqlite, postgres] = await Promise.all(STORES.map((store) => outcome(() => pages(store, [good, bad]))));
    expect(postgres).toEqual(sqlite);
    expect(postgres).toMatchObject({ error: { code: 'BAD_USER_INPUT', details: { field: 'after' } } });
  });

  it('bad cursors and sizes are refused with the same error on both stores', async () => {
    const filter = onSqlite.NO_FILTER;
    const notes = parseHistoryFilter({ types: ['NOTE_ADDED'] });
    const mine = (await clientPage('sqlite', A, 3, null, filter)).items[1]!.cursor;
    const appCursor = (await appPage('sqlite', A, apps[0]!, 3, null, filter)).items[1]!.cursor;
    const cases: [string, string | null, HistoryFilter, number | undefined][] = [
      ['not a cursor', 'nope', filter, 3],
      ['empty', '', filter, 3],
      ['A cursor on B', mine, filter, 3],
      ['unfiltered cursor on a type filter', mine, notes, 3],
      ["an app list's cursor on the client view", appCursor, filter, 3],
      ['first 0', null, filter, 0],
      ['first 101', null, filter, 101],
    ];
    for (const [name, after, f, first] of cases) {
      const clientId = name === 'A cursor on B' ? B : A;
      const [sqlite, postgres] = await Promise.all(STORES.map((store) => outcome(() => clientPage(store, clientId, first, after, f))));
      expect(postgres, name).toEqual(sqlite);
      expect(postgres, name).toMatchObject({ error: { code: 'BAD_USER_INPUT' } });
    }
    // The same cursor, on the list it belongs to, is accepted by both.
    expect(shaped(await clientPage('postgres', A, 3, mine, filter))).toEqual(shaped(await clientPage('sqlite', A, 3, mine, filter)));
  });
});

describe('history reads on Postgres are index seeks', () => {
  /** The plan nodes of a statement run with its own parameters (EXPLAIN ANALYZE: what it actually read). */
  const plan = (statement: Statement, on: pg.Pool | pg.PoolClient = pgdb.pool, analyze = true) => planNodes(on, statement, analyze);
  const statementOf = (read: (db: PgDb) => Promise<unknown>) => statementOfAt(url, pools, read);

  it('every filter shape, both scopes and a batch: backward index scans of the index of the scope, bounded by the keyset, stopped by a limit', async () => {
    expect(Number((await pgdb.pool.query('SELECT count(*) AS n FROM app_history_events')).rows[0].n)).toBeGreaterThan(6000);
    // A cursor deep in the 20-event tie (the oldest events): a row-value seek reads its page, not the tie before it.
    const whole = (await clientPage('sqlite', A, 100, null, onSqlite.NO_FILTER)).items;
    expect(whole.length).toBe(expectedIds(A, null, onSqlite.NO_FILTER).length);
    const inTie = whole.at(-15)!.cursor;
    const inApp = (await appPage('sqlite', A, apps[0]!, 100, null, onSqlite.NO_FILTER)).items[4]!.cursor;
    const shapes: [string, HistoryFilter, boolean][] = [
      ['all', onSqlite.NO_FILTER, false],
      ['one type', parseHistoryFilter({ types: ['NOTE_ADDED'] }), false],
      ['a window', parseHistoryFilter({ since: at(3), until: at(8) }), false],
      ['two types before a time', parseHistoryFilter({ types: ['APP_UPDATED', 'NOTE_ADDED'], until: at(30) }), false],
      ['after a cursor', onSqlite.NO_FILTER, true],
    ];
    const first = 3;
    for (const [name, filter, continued] of shapes) {
      for (const appId of [null, apps[0]!]) {
        const statement = await statementOf((db) =>
          appId === null
            ? onPostgres.clientHistoryPage(db, { clientId: A, first, after: continued ? inTie : null, filter })
            : onPostgres.historyPages(db, [{ clientId: A, appId, first, after: continued ? decodeHistoryCursor(inApp, { clientId: A, appId, filter }) : null, filter }]),
        );
        const index = appId === null ? 'app_history_events_client_type_idx' : 'app_history_events_app_type_idx';
        expectSeeks(await plan(statement), index, `${name} ${appId ?? 'client'}`);
      }
    }
    // The loader's batch of many keys: one seek per key and type, each on the app index.
    const keys = manyKeys().filter((k) => !(k.after && 'legacySeq' in k.after));
    const batch = await statementOf((db) => onPostgres.historyPages(db, keys));
    const nodes = await plan(batch);
    expectSeeks(nodes, 'app_history_events_app_type_idx', `a batch of ${keys.length} keys`);
  });

  it('the same statement without the indexes plans a Seq Scan: the check above can tell', async () => {
    const statement = await statementOf((db) => onPostgres.clientHistoryPage(db, { clientId: A, first: 3, filter: onSqlite.NO_FILTER }));
    const client = await pgdb.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('DROP INDEX app_history_events_client_type_idx, app_history_events_app_type_idx');
      const nodes = await plan(statement, client, false);
      expect(nodes.filter((n) => n['Relation Name'] === 'app_history_events').map((n) => n['Node Type'])).toContain('Seq Scan');
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});

/**
 * Every scan of history is an index scan on `index`, walked backward (the index gives the order: no
 * Sort), with every condition in the index condition: the tenant, app and type as equalities, then
 * the time window's start and the (created_at, client_seq) row value as the keyset bound the scan
 * starts from, so it reads the page's rows and stops (LIMIT), with no row read and thrown away.
 */
function expectSeeks(nodes: Record<string, unknown>[], index: string, name: string): void {
  const scans = nodes.filter((n) => n['Relation Name'] === 'app_history_events');
  expect(scans.length, name).toBeGreaterThan(0);
  for (const scan of scans) {
    const text = `${name}: ${JSON.stringify(scan)}`;
    expect(scan['Node Type'], text).toBe('Index Scan');
    expect(scan['Index Name'], text).toBe(index);
    expect(scan['Scan Direction'], text).toBe('Backward');
    expect(scan['Index Cond'], text).toMatch(/^\(\(client_id = .*type = .*created_at >= .*ROW\(created_at, client_seq\) < ROW\(/);
    if (index === 'app_history_events_app_type_idx') expect(scan['Index Cond'], text).toMatch(/app_id = /);
    expect(scan.Filter, text).toBeUndefined();
  }
  expect(nodes.filter((n) => n['Node Type'] === 'Sort' || n['Node Type'] === 'Seq Scan'), name).toEqual([]);
  // Each seek stops after its page and one more: a Limit over every history scan.
  const limits = nodes.filter((n) => n['Node Type'] === 'Limit' && ((n.Plans as Record<string, unknown>[]) ?? []).some((c) => c['Relation Name'] === 'app_history_events'));
  expect(limits.length, name).toBe(scans.length);
}

describe('history reads when Postgres does not answer', () => {
  it('are UNAVAILABLE (503, Retry-After), never another error', async () => {
    const nowhere = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none', max: 1, connectionTimeoutMillis: 500 });
    pools.push(nowhere);
    const db = drizzle(nowhere, { schema: pgSchema });
    for (const call of [
      () => onPostgres.historyPages(db, [{ clientId: A, appId: apps[0]!, first: 1, after: null, filter: onSqlite.NO_FILTER }]),
      () => onPostgres.clientHistoryPage(db, { clientId: A, filter: onSqlite.NO_FILTER }),
    ]) {
      expect(await call().catch((e: unknown) => e)).toMatchObject({ code: 'UNAVAILABLE', details: { http: { status: 503, headers: { 'Retry-After': '1' } } } });
    }
  });
});
