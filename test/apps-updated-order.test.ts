import type { Logger } from 'drizzle-orm/logger';
import { fastestOfAsync } from './helpers/timing';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open';
import { createApp, listClientApps, type ClientAppsQuery, type OrderDirection } from '../src/services/apps';
import { createClient } from '../src/services/clients';
import { createDirectory } from '../src/services/directories';
import { uuid } from './helpers/db';

/** Keeps the statements with their parameters, so the test can ask SQLite for their plans. */
class Statements implements Logger {
  all: { query: string; params: unknown[] }[] = [];
  logQuery(query: string, params: unknown[]): void {
    this.all.push({ query, params });
  }
}

const MINE = 'd0000000-0000-4000-8000-000000000001';
const OTHER = 'd0000000-0000-4000-8000-000000000002';
const BUSINESS = uuid(900);
const T0 = Date.UTC(2026, 0, 1);

/** Changed-state rows written directly: a foreign app's row stands for one touched before the app went private. */
function touch(sqlite: ReturnType<typeof openDatabase>['sqlite'], appId: string, updatedAt: number): void {
  sqlite
    .prepare(`INSERT INTO client_app_states (client_id, app_id, resolution, risk_level, version, updated_at) VALUES (?, ?, 'unresolved', 'HIGH', 1, ?)`)
    .run(BUSINESS, appId, updatedAt);
}

describe('Client.apps by UPDATED_AT seeks client_app_states_updated_idx and apps_owner_id_idx', () => {
  const log = new Statements();
  const { db, sqlite } = openDatabase(':memory:', { logger: log });
  createDirectory(db, { id: MINE, name: 'Mine' });
  createDirectory(db, { id: OTHER, name: 'Other' });
  createClient(db, { id: BUSINESS, name: 'Business', directoryId: MINE });
  // 1–6 public, 7–10 this client's directory's, 11–14 another directory's; the odd ones changed, newest last.
  for (let i = 1; i <= 14; i++) {
    createApp(db, { id: uuid(i), name: `App ${i}`, ...(i > 6 ? { ownerDirectoryId: i > 10 ? OTHER : MINE } : {}) });
    if (i % 2 === 1) touch(sqlite, uuid(i), T0 + i * 1000);
  }

  const plan = (s: { query: string; params: unknown[] }) =>
    (sqlite.prepare(`EXPLAIN QUERY PLAN ${s.query}`).all(...(s.params as never[])) as { detail: string }[]).map((r) => r.detail);
  /** The list statements' plans, each cut to its reads of tables and sorts. */
  async function plansOf(query: ClientAppsQuery): Promise<string[][]> {
    log.all = [];
    await listClientApps(db, query);
    return log.all.map((s) => plan(s).filter((d) => /USING|SCAN|TEMP B-TREE|MERGE/.test(d)));
  }
  /** The cursor after page `n` (1-based) of pages of 2. */
  async function cursorAfter(query: ClientAppsQuery, n: number): Promise<string> {
    let after: string | undefined;
    for (let i = 0; i < n; i++) after = (await listClientApps(db, { ...query, first: 2, ...(after ? { after } : {}) })).items[1]!.cursor;
    return after!;
  }

  const CHANGED = (bound: string) => [
    `SEARCH s USING INDEX client_app_states_updated_idx (client_id=?${bound})`,
    'SEARCH a USING INDEX sqlite_autoindex_apps_1 (id=?)',
    'SEARCH vc USING INDEX sqlite_autoindex_clients_1 (id=?)',
  ];
  const UNCHANGED = (bound: string) => [
    'MERGE (UNION ALL)',
    `SEARCH a USING INDEX apps_owner_id_idx (owner_directory_id=?${bound})`,
    'SEARCH s USING INDEX sqlite_autoindex_client_app_states_1 (client_id=? AND app_id=?) LEFT-JOIN',
    `SEARCH a USING INDEX apps_owner_id_idx (owner_directory_id=?${bound})`,
    'SEARCH vc USING INDEX sqlite_autoindex_clients_1 (id=?)',
    'SEARCH s USING INDEX sqlite_autoindex_client_app_states_1 (client_id=? AND app_id=?) LEFT-JOIN',
  ];

  // ASC lists 2, 4, 6, 8, 10 (never changed, key 0, by id) then 1, 3, 5, 7, 9; DESC the reverse.
  // Page 1 of 2 ends at key 0 in ASC and in the changed part in DESC; page 3 the other way round.
  it.each<[OrderDirection, number, string[][]]>([
    ['ASC', 0, [CHANGED(''), UNCHANGED('')]],
    ['ASC', 1, [CHANGED(' AND updated_at>?'), UNCHANGED(' AND id>?')]],
    ['ASC', 3, [CHANGED(' AND updated_at>?')]],
    // The changed part fills the page with keys above 0: the never-changed apps are not read.
    ['DESC', 0, [CHANGED('')]],
    ['DESC', 1, [CHANGED(' AND updated_at<?')]],
    ['DESC', 3, [CHANGED(' AND updated_at<?'), UNCHANGED(' AND id<?')]],
  ])('%s after page %i: each part a seek from the cursor, no sort, no scan', async (direction, pages, expected) => {
    for (const filter of [{}, { search: 'app' }, { approved: false }]) {
      const query: ClientAppsQuery = { clientId: BUSINESS, first: 2, orderBy: { field: 'UPDATED_AT', direction }, ...filter };
      expect(await plansOf({ ...query, after: pages ? await cursorAfter(query, pages) : null })).toEqual(expected);
    }
  });

  it.each<OrderDirection>(['ASC', 'DESC'])('%s: a filter only a changed app can match reads the changed part alone', async (direction) => {
    const query: ClientAppsQuery = { clientId: BUSINESS, first: 2, orderBy: { field: 'UPDATED_AT', direction } };
    for (const filter of [{ riskLevel: 'HIGH' as const }, { approved: true }, { category: 'Design' }]) {
      expect(await plansOf({ ...query, ...filter })).toEqual([CHANGED('')]);
      const after = await cursorAfter({ ...query, riskLevel: 'HIGH' }, 1);
      expect(await plansOf({ ...query, riskLevel: 'HIGH', after })).toEqual([CHANGED(direction === 'ASC' ? ' AND updated_at>?' : ' AND updated_at<?')]);
    }
  });

  it('lists exactly the visible apps, never-changed ones as the oldest, ties by id', async () => {
    const ids = async (direction: OrderDirection) =>
      (await listClientApps(db, { clientId: BUSINESS, first: 100, orderBy: { field: 'UPDATED_AT', direction } })).items.map((a) => a.id);
    const asc = [2, 4, 6, 8, 10, 1, 3, 5, 7, 9].map(uuid);
    expect(await ids('ASC')).toEqual(asc);
    expect(await ids('DESC')).toEqual([...asc].reverse());
  });
});

describe('Client.apps by UPDATED_AT: a late page costs about what the first does, on 1,000 or 20,000 apps', () => {
  const { db, sqlite } = openDatabase(':memory:');
  createDirectory(db, { id: MINE, name: 'Mine' });
  createClient(db, { id: BUSINESS, name: 'Business', directoryId: MINE });
  /** Public apps `from`..`to`; every other one changed, at shuffled times. */
  function addApps(from: number, to: number): void {
    sqlite
      .prepare(`WITH RECURSIVE n(i) AS (SELECT @from UNION ALL SELECT i + 1 FROM n WHERE i < @to)
        INSERT INTO apps (id, code_name, name, scopes, created_at, hidden_from_market)
        SELECT printf('e0000000-0000-4000-8000-%012d', (i * 7919) % 100000), printf('app-%d', i), printf('App %06d', i), '[]', 0, 0 FROM n`)
      .run({ from, to });
    sqlite
      .prepare(`INSERT INTO client_app_states (client_id, app_id, resolution, version, updated_at)
        SELECT @client, id, 'unresolved', 1, @t0 + ((rowid * 7919) % 100000) * 1000 FROM apps WHERE rowid BETWEEN @from AND @to AND rowid % 2 = 0`)
      .run({ client: BUSINESS, t0: T0, from, to });
  }
  /** The first page and one near the end, in both directions (the late one inside each part in turn). */
  async function probes(): Promise<() => Promise<void>> {
    const pages: ClientAppsQuery[] = [];
    for (const direction of ['ASC', 'DESC'] as const) {
      const query: ClientAppsQuery = { clientId: BUSINESS, first: 20, orderBy: { field: 'UPDATED_AT', direction } };
      let after: string | null = null;
      const cursors: string[] = [];
      for (;;) {
        const page = await listClientApps(db, { ...query, first: 100, after });
        if (!page.hasNextPage) break;
        after = page.items.at(-1)!.cursor;
        cursors.push(after);
      }
      pages.push(query, { ...query, after: cursors.at(-2)! });
    }
    return async () => {
      for (const page of pages) await listClientApps(db, page);
    };
  }

  it('grows by less than 3× for 20× the apps', async () => {
    addApps(1, 1000);
    const small = await fastestOfAsync(await probes());
    addApps(1001, 20_000);
    const large = await fastestOfAsync(await probes());
    // A sort of the catalog would be ~20× slower; the bound leaves room for a loaded machine.
    expect(large / small).toBeLessThan(3);
  }, 60_000);
});
