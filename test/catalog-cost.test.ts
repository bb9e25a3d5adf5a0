/**
 * Issue 17 item 2: a read's cost does not grow with the catalog. Counts come from counters kept by
 * triggers, filters on the client's own state read its state rows, and a name search, which must
 * read the catalog, is priced at what it reads and refused past the request's budget.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'drizzle-orm/logger';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/open';
import { startScanner, type Writer } from '../src/db/writer';
import { createLogger } from '../src/observability/logger';
import { CatalogScanBudget, scanUnits } from '../src/services/catalog-scan';
import { updateApp } from '../src/services/app-details';
import { createApp, listClientApps, type ClientAppsQuery } from '../src/services/apps';
import { createClient } from '../src/services/clients';
import { createDirectory } from '../src/services/directories';
import { createAppgovYoga } from './helpers/yoga';
import { issueToken, principalFor, uuid } from './helpers/db';
import { gql } from './helpers/graphql';

class Statements implements Logger {
  all: { query: string; params: unknown[] }[] = [];
  logQuery(query: string, params: unknown[]): void {
    this.all.push({ query, params });
  }
}

const MINE = 'd0000000-0000-4000-8000-000000000001';
const OTHER = 'd0000000-0000-4000-8000-000000000002';
const BUSINESS = uuid(900);

function dataset() {
  const log = new Statements();
  const opened = openDatabase(':memory:', { logger: log });
  const { db, sqlite } = opened;
  createDirectory(db, { id: MINE, name: 'Mine' });
  createDirectory(db, { id: OTHER, name: 'Other' });
  createClient(db, { id: BUSINESS, name: 'Business', directoryId: MINE });
  const names = ['Zoom', 'zapier', 'Asana', 'asana Pro', 'Émile', 'Box', 'Calendly', 'Chat', 'chatter', 'Dropbox', 'Figma', 'GitHub', 'Gitlab', 'Jira', 'Slack Bot', 'Trello', 'x_y', '100% Cloud'];
  names.forEach((name, i) => createApp(db, { id: uuid(i + 1), name, ...(i % 5 === 4 ? { ownerDirectoryId: MINE } : {}) }));
  for (let i = 0; i < 6; i++) createApp(db, { id: uuid(100 + i), name: `Asana foreign ${i}`, ownerDirectoryId: OTHER });
  const actor = principalFor(db);
  // Decisions and attributes on some apps (some of them private), through the services.
  const patch = (n: number, p: Record<string, unknown>) => updateApp(db, { clientId: BUSINESS, appId: uuid(n), patch: p, actor });
  patch(1, { isApproved: true, riskLevel: 'HIGH', category: 'Video' });
  patch(3, { isApproved: true, category: 'video' });
  patch(5, { riskLevel: 'HIGH' });
  patch(8, { isApproved: true, riskLevel: 'LOW', category: 'Chat' });
  patch(9, { category: 'Chat' });
  patch(10, { isApproved: true });
  patch(10, { isApproved: false, riskLevel: 'HIGH' });
  return { db, sqlite, log };
}

/** Every page of a listing, then its totalCount. */
async function readAll(db: ReturnType<typeof dataset>['db'], query: Omit<ClientAppsQuery, 'clientId'>) {
  const ids: string[] = [];
  let after: string | null = null;
  let count = -1;
  for (let guard = 0; guard < 50; guard++) {
    const page = await listClientApps(db, { clientId: BUSINESS, first: 4, ...query, ...(after ? { after } : {}) });
    ids.push(...page.items.map((a) => a.id));
    count = await page.totalCount();
    if (!page.hasNextPage) break;
    after = page.items.at(-1)!.cursor;
  }
  return { ids, count };
}

describe('Client.apps answers exactly as the plain catalog walk does', () => {
  const { db, sqlite } = dataset();
  /** The reference: the same rule written as one plain SQL over every visible app, no index tricks. */
  function reference(query: { approved?: boolean; search?: string; riskLevel?: string; category?: string; desc?: boolean; byUpdated?: boolean }) {
    const rows = sqlite
      .prepare(
        `SELECT a.id, lower(a.name) AS k, coalesce(s.updated_at, 0) AS u, s.resolution, s.risk_level, s.category, a.name, a.code_name
         FROM apps a LEFT JOIN client_app_states s ON s.client_id = ? AND s.app_id = a.id
         WHERE a.owner_directory_id IS NULL OR a.owner_directory_id = ?`,
      )
      .all(BUSINESS, MINE) as { id: string; k: string; u: number; resolution: string | null; risk_level: string | null; category: string | null; name: string; code_name: string }[];
    const term = query.search?.toLowerCase();
    const asciiLower = (s: string) => s.replace(/[A-Z]/g, (c) => c.toLowerCase());
    const matched = rows.filter(
      (r) =>
        (query.approved === undefined || (r.resolution === 'approved') === query.approved) &&
        (!query.riskLevel || r.risk_level === query.riskLevel) &&
        (!query.category || (r.category !== null && asciiLower(r.category) === asciiLower(query.category))) &&
        (!term || asciiLower(r.name).includes(asciiLower(term)) || asciiLower(r.code_name).includes(asciiLower(term))),
    );
    const key = (r: (typeof rows)[number]) => (query.byUpdated ? r.u : r.k);
    matched.sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
    if (query.desc) matched.reverse();
    return { ids: matched.map((r) => r.id), count: matched.length };
  }

  const cases: Record<string, { approved?: boolean; search?: string; riskLevel?: 'HIGH' | 'LOW'; category?: string }> = {
    none: {},
    approved: { approved: true },
    notApproved: { approved: false },
    risk: { riskLevel: 'HIGH' },
    category: { category: 'VIDEO' },
    search: { search: 'asana' },
    shortSearch: { search: 'x' },
    searchWithState: { search: 'a', approved: true },
    notApprovedHigh: { approved: false, riskLevel: 'HIGH' },
    nothing: { search: 'zzzq' },
  };
  for (const [name, filter] of Object.entries(cases)) {
    for (const [order, desc, byUpdated] of [
      ['NAME ASC', false, false],
      ['NAME DESC', true, false],
      ['UPDATED_AT ASC', false, true],
      ['UPDATED_AT DESC', true, true],
    ] as const) {
      it(`${name}, ${order}`, async () => {
        const got = await readAll(db, { ...filter, orderBy: { field: byUpdated ? 'UPDATED_AT' : 'NAME', direction: desc ? 'DESC' : 'ASC' } });
        expect(got).toEqual(reference({ ...filter, desc, byUpdated }));
      });
    }
  }
});

describe('what each read costs', () => {
  const { db, sqlite, log } = dataset();
  const plan = (s: { query: string; params: unknown[] }) =>
    (sqlite.prepare(`EXPLAIN QUERY PLAN ${s.query}`).all(...(s.params as never[])) as { detail: string }[]).map((r) => r.detail);

  it.each([
    ['approved: true', { approved: true }],
    ['riskLevel', { riskLevel: 'HIGH' as const }],
    ['category', { category: 'chat' }],
  ])('%s by name: the page and its count read this client\'s state rows, never the catalog', async (_name, filter) => {
    log.all = [];
    await (await listClientApps(db, { clientId: BUSINESS, directoryId: MINE, first: 2, ...filter })).totalCount();
    expect(log.all).toHaveLength(2);
    for (const statement of log.all) {
      const steps = plan(statement);
      expect(steps.some((d) => /^SEARCH s USING (COVERING )?INDEX (sqlite_autoindex_client_app_states_1|client_app_states_\w+_idx) \(client_id=\?/.test(d))).toBe(true);
      expect(steps.filter((d) => /SCAN a\b|SEARCH a USING (COVERING )?INDEX apps_owner/.test(d))).toEqual([]);
    }
  });

  it('an unfiltered or approved: false count reads the range counters and the client\'s approved rows, not the catalog', async () => {
    for (const approved of [undefined, false]) {
      log.all = [];
      await (await listClientApps(db, { clientId: BUSINESS, directoryId: MINE, first: 1, ...(approved === false ? { approved } : {}) })).totalCount();
      const counts = log.all.slice(1);
      expect(counts.length).toBeGreaterThan(0);
      for (const statement of counts) expect(plan(statement).filter((d) => /SCAN a\b|apps_owner/.test(d))).toEqual([]);
    }
  });

  it('the range counters follow every insert, owner change and delete of an app', async () => {
    const counted = () => sqlite.prepare('SELECT owner_key, n FROM app_range_counts WHERE n > 0 ORDER BY owner_key').all();
    const truth = () => sqlite.prepare("SELECT coalesce(owner_directory_id, '') AS owner_key, count(*) AS n FROM apps GROUP BY 1 ORDER BY 1").all();
    expect(counted()).toEqual(truth());
    createApp(db, { name: 'New public' });
    createApp(db, { name: 'New private', ownerDirectoryId: OTHER });
    sqlite.prepare('UPDATE apps SET owner_directory_id = ? WHERE id = ?').run(MINE, uuid(2));
    sqlite.prepare('UPDATE apps SET owner_directory_id = NULL WHERE id = ?').run(uuid(100));
    sqlite.prepare("UPDATE apps SET name = 'Renamed' WHERE id = ?").run(uuid(3));
    sqlite.prepare('DELETE FROM apps WHERE id = ?').run(uuid(101));
    expect(counted()).toEqual(truth());
    expect(await (await listClientApps(db, { clientId: BUSINESS, first: 1 })).totalCount()).toBe(
      (sqlite.prepare('SELECT count(*) AS n FROM apps WHERE owner_directory_id IS NULL OR owner_directory_id = ?').get(MINE) as { n: number }).n,
    );
  });

  it('a search is priced at every app the client may see, for its page and again for its count, and refused past the budget before it runs', async () => {
    const visible = await (await listClientApps(db, { clientId: BUSINESS, first: 1 })).totalCount();
    const budget = new CatalogScanBudget(visible * 3);
    const page = await listClientApps(db, { clientId: BUSINESS, first: 1, search: 'zzzq' }, budget);
    await page.totalCount();
    await listClientApps(db, { clientId: BUSINESS, first: 1, search: 'asana' }, budget);
    log.all = [];
    await expect(listClientApps(db, { clientId: BUSINESS, first: 1, search: 'chat' }, budget)).rejects.toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT', details: { field: 'search', limit: 'scan', rows: visible, maxRows: visible * 3 } }),
    );
    // Refused before anything read the catalog: only the counters were read.
    expect(log.all.every((s) => !/FROM apps AS a/.test(s.query))).toBe(true);
    // A state filter narrows a search to the client's own rows: not priced.
    const free = new CatalogScanBudget(1000);
    await (await listClientApps(db, { clientId: BUSINESS, first: 1, search: 'a', approved: true }, free)).totalCount();
    expect(() => free.charge(1000, 'x')).not.toThrow();
  });
});

describe('the attack of issue 17 item 2, through GraphQL', () => {
  it('100 aliases of apps(search: "zzzq") { totalCount } are refused with limit scan; a few searches in one request pass', async () => {
    const { db } = dataset();
    for (let i = 0; i < 300; i++) createApp(db, { name: `Bulk app ${i}` });
    const token = issueToken(db, 'internal').token;
    const yoga = createAppgovYoga({ db, config: { maxBulkIds: 10, maxScanRows: 10_000 } });
    const aliases = (n: number) => `{ client(id: "${BUSINESS}") { ${Array.from({ length: n }, (_, i) => `a${i}: apps(search: "zzzq", first: 1) { totalCount }`).join(' ')} } }`;
    const attack = await gql(yoga, aliases(100), {}, token);
    expect(attack.body.data).toEqual({ client: null });
    expect(attack.body.errors!.map((e) => e.extensions!.limit)).toContain('scan');
    expect(attack.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'search', limit: 'scan', maxRows: 10_000 });
    const fine = await gql(yoga, aliases(3), {}, token);
    expect(fine.body.errors).toBeUndefined();
    expect(Object.values(fine.body.data.client)).toEqual([{ totalCount: 0 }, { totalCount: 0 }, { totalCount: 0 }]);
  });
});

/** `n` public apps named `App 000001`…, in one statement. */
function addPublicApps(sqlite: ReturnType<typeof openDatabase>['sqlite'], n: number): void {
  sqlite
    .prepare(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
      INSERT INTO apps (id, code_name, name, scopes, created_at, hidden_from_market)
      SELECT printf('a0000000-0000-4000-8000-%012x', i), printf('app-%07d', i), printf('App %07d', i), '[]', i, 0 FROM n`)
    .run(n);
}

describe('a priced search runs on the scanner thread, and its rows are charged to its token', () => {
  const scanners: Writer[] = [];
  const folders: string[] = [];
  afterAll(async () => {
    for (const scanner of scanners.splice(0)) await scanner.close();
    for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
  });

  it('gives the rows the main thread would, and the main thread goes on serving meanwhile', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'appgov-scanner-'));
    folders.push(folder);
    const opened = openDatabase(join(folder, 'appgov.db'));
    createClient(opened.db, { id: BUSINESS, name: 'Business' });
    addPublicApps(opened.sqlite, 150_000);
    const scanner = startScanner(opened, { writeWorker: true, dbBusyTimeoutMs: 10 }, createLogger({ level: 'silent' }));
    scanners.push(scanner);
    expect(scanner.where).toBe('worker');
    // Each shape as the main thread answers it; then through the scanner, timing the gaps of the main thread's loop.
    const shapes: Omit<ClientAppsQuery, 'clientId'>[] = [
      { search: '0149', first: 3 },
      { search: '0149', first: 3, orderBy: { field: 'NAME', direction: 'DESC' } },
      { search: 'app-00001', first: 5, orderBy: { field: 'UPDATED_AT', direction: 'ASC' } },
      { search: 'zzzq', first: 1 },
    ];
    for (const shape of shapes) {
      const here = await listClientApps(opened.db, { clientId: BUSINESS, ...shape });
      await scanner.run('scanRows', { sql: 'SELECT 1', params: [] }); // the thread is up before the timing
      let longestGap = 0;
      let last = performance.now();
      const ticker = setInterval(() => {
        const now = performance.now();
        longestGap = Math.max(longestGap, now - last);
        last = now;
      }, 1);
      const started = performance.now();
      const there = await listClientApps(opened.db, { clientId: BUSINESS, ...shape }, undefined, scanner);
      const took = performance.now() - started;
      // Up to now: a read that held this thread to the end left the timer no chance to fire.
      longestGap = Math.max(longestGap, performance.now() - last);
      clearInterval(ticker);
      const count = await there.totalCount();
      expect(there.items.map((a) => [a.id, a.name])).toEqual(here.items.map((a) => [a.id, a.name]));
      expect(there.hasNextPage).toBe(here.hasNextPage);
      expect(count).toBe(await here.totalCount());
      // 'zzzq' reads all 150,000 apps (tens of ms): the main thread's timer kept firing meanwhile, where
      // the same read on this thread holds it for the whole read.
      if (shape.search === 'zzzq') {
        expect(took).toBeGreaterThan(20);
        expect(longestGap).toBeLessThan(took / 2);
      }
    }
    opened.close();
  }, 60_000);

  it("a search's rows are charged to its token once it ran: the next request waits them out, another token does not", async () => {
    const { db, sqlite } = dataset();
    addPublicApps(sqlite, 60_000);
    const heavy = issueToken(db, 'internal').token;
    const other = issueToken(db, 'internal').token;
    // 1,000 units per second, a burst of 2,000: the search reads ~60,000 rows, 1,200 units, on top of its own 1.
    const yoga = createAppgovYoga({ db, config: { ...loadConfig({ APPGOV_RATE_LIMIT_BURST: '2000', APPGOV_RATE_LIMIT_PER_SECOND: '1000' }), dbPath: ':memory:' } });
    const search = `{ client(id: "${BUSINESS}") { apps(search: "zzzq", first: 1) { totalCount } } }`;
    const first = await gql(yoga, search, {}, heavy);
    expect(first.body.errors).toBeUndefined();
    // 2,000 − 1 − 2 × 1,201 (page and count each priced): in debt, refused at once with the seconds to wait.
    const next = await gql(yoga, '{ __typename }', {}, heavy);
    expect(next.status).toBe(429);
    expect(next.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
    expect((await gql(yoga, '{ __typename }', {}, other)).status).toBe(200);
    // Without a search (the page alone, counters only) nothing is owed.
    const fresh = issueToken(db, 'internal').token;
    for (let i = 0; i < 3; i++) expect((await gql(yoga, `{ client(id: "${BUSINESS}") { apps(first: 1) { totalCount } } }`, {}, fresh)).status).toBe(200);
  });

  it('owes about one unit per 50 rows', () => {
    expect([scanUnits(0), scanUnits(1), scanUnits(50), scanUnits(51), scanUnits(200_000)]).toEqual([0, 1, 1, 2, 4000]);
  });
});
