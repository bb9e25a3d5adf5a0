import type { Logger } from 'drizzle-orm/logger';
import { fastestOfAsync } from './helpers/timing';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open';
import { createApp, listClientApps, type AppOrderField, type OrderDirection } from '../src/services/apps';
import { createClient } from '../src/services/clients';
import { createDirectory } from '../src/services/directories';
import { createWorkspace, listWorkspaceApps } from '../src/services/workspaces';
import { uuid } from './helpers/db';

/** Keeps the statements with their parameters, so the test can ask SQLite for their plans. */
class Statements implements Logger {
  all: { query: string; params: unknown[] }[] = [];
  logQuery(query: string, params: unknown[]): void {
    this.all.push({ query, params });
  }
}

const log = new Statements();
const { db, sqlite } = openDatabase(':memory:', { logger: log });
const MINE = 'd0000000-0000-4000-8000-000000000001';
const BUSINESS = uuid(900);
const DIRECT = uuid(901);
createDirectory(db, { id: MINE, name: 'Mine' });
createClient(db, { id: BUSINESS, name: 'Business', directoryId: MINE });
createClient(db, { id: DIRECT, name: 'Direct' });
const ws = createWorkspace(db, { clientId: BUSINESS, name: 'Main' });
for (let i = 1; i <= 3; i++) createApp(db, { id: uuid(i), name: `Public ${i}` });
for (let i = 4; i <= 5; i++) createApp(db, { id: uuid(i), name: `Own ${i}`, ownerDirectoryId: MINE });

/** `count` private apps of 20 other directories, named to sort before every visible app. */
function addForeignPrivateApps(count: number, first: number): void {
  sqlite.exec(`WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 19)
    INSERT OR IGNORE INTO directories (id, name, created_at) SELECT printf('f0000000-0000-4000-8000-%012d', i), 'Other', 0 FROM n`);
  sqlite
    .prepare(`WITH RECURSIVE n(i) AS (SELECT @first UNION ALL SELECT i + 1 FROM n WHERE i < @first + @count - 1)
      INSERT INTO apps (id, code_name, name, scopes, created_at, owner_directory_id, hidden_from_market)
      SELECT printf('e0000000-0000-4000-8000-%012d', i), printf('foreign-%d', i), printf('A foreign %06d', i), '[]', 0,
             printf('f0000000-0000-4000-8000-%012d', i % 20), 1
      FROM n`)
    .run({ first, count });
}

function plan(statement: { query: string; params: unknown[] }): string[] {
  return (sqlite.prepare(`EXPLAIN QUERY PLAN ${statement.query}`).all(...(statement.params as never[])) as { detail: string }[]).map((r) => r.detail);
}

const ORDERS: [AppOrderField, OrderDirection][] = [
  ['NAME', 'ASC'],
  ['NAME', 'DESC'],
];

describe('Client.apps and Workspace.apps read two bounded ranges of apps_owner_name_idx', () => {
  addForeignPrivateApps(1000, 1);

  it.each(ORDERS)('Client.apps by %s %s: two seeks merged, no scan of apps', async (field, direction) => {
    for (const withCursor of [false, true]) {
      const first = await listClientApps(db, { clientId: BUSINESS, first: 2, orderBy: { field, direction } });
      log.all = [];
      const page = await listClientApps(db, { clientId: BUSINESS, first: 2, orderBy: { field, direction }, ...(withCursor ? { after: first.items[1]!.cursor } : {}) });
      await page.totalCount();
      const [list, count] = log.all;
      const listPlan = plan(list!);
      expect(listPlan[0]).toBe('MERGE (UNION ALL)');
      const seeks = listPlan.filter((d) => / a USING /.test(d));
      expect(seeks).toHaveLength(2);
      for (const d of seeks) expect(d).toMatch(/^SEARCH a USING (COVERING )?INDEX apps_owner_name_idx \(owner_directory_id=\?/);
      expect(listPlan.filter((d) => /TEMP B-TREE/.test(d))).toEqual([]);
      // After a cursor, each seek starts at the cursor's name: the rows before the page are never read.
      if (withCursor) {
        for (const d of seeks) expect(d).toMatch(/\(owner_directory_id=\? AND <expr>[<>]\?\)$/);
      }
      expect(listPlan.filter((d) => /SCAN a\b/.test(d))).toEqual([]);
      // The unfiltered count reads the two ranges' counters, never the catalog (issue 17 item 2).
      const countPlan = plan(count!);
      expect(countPlan.filter((d) => /\ba\b USING|SCAN a\b|apps\b/.test(d))).toEqual([]);
      expect(countPlan.some((d) => /^SEARCH app_range_counts USING INDEX/.test(d))).toBe(true);
    }
  });

  it.each(ORDERS)('Client.apps by %s %s under Query.client, which has read the client row: one seek for a direct customer, the directory bound for a business', async (field, direction) => {
    for (const withCursor of [false, true]) {
      for (const [clientId, directoryId, ranges] of [[DIRECT, null, 1], [BUSINESS, MINE, 2]] as const) {
        const first = await listClientApps(db, { clientId, directoryId, first: 2, orderBy: { field, direction } });
        log.all = [];
        const page = await listClientApps(db, { clientId, directoryId, first: 2, orderBy: { field, direction }, ...(withCursor ? { after: first.items[1]!.cursor } : {}) });
        // The same apps as when the statement looks the directory up itself.
        const lookedUp = await listClientApps(db, { clientId, first: 2, orderBy: { field, direction }, ...(withCursor ? { after: first.items[1]!.cursor } : {}) });
        expect(page.items.map((app) => app.id)).toEqual(lookedUp.items.map((app) => app.id));
        expect(await page.totalCount()).toBe(await lookedUp.totalCount());
        const listPlan = plan(log.all[0]!);
        const seeks = listPlan.filter((d) => / a USING /.test(d));
        expect(seeks).toHaveLength(ranges);
        for (const d of seeks) expect(d).toMatch(/^SEARCH a USING (COVERING )?INDEX apps_owner_name_idx \(owner_directory_id=\?/);
        expect(listPlan.filter((d) => /TEMP B-TREE|SCALAR SUBQUERY|SCAN a\b/.test(d))).toEqual([]);
      }
    }
  });

  it('Workspace.apps: two seeks merged, no scan of apps, no sort', () => {
    const first = listWorkspaceApps(db, { workspace: ws, first: 2 });
    log.all = [];
    listWorkspaceApps(db, { workspace: ws, first: 2, after: first.items[1]!.cursor });
    const p = plan(log.all[0]!);
    expect(p[0]).toBe('MERGE (UNION ALL)');
    expect(p.filter((d) => / a USING /.test(d)).map((d) => d.replace(/\).*$/, ')'))).toEqual([
      'SEARCH a USING COVERING INDEX apps_owner_name_idx (owner_directory_id=? AND <expr>>?)',
      'SEARCH a USING COVERING INDEX apps_owner_name_idx (owner_directory_id=? AND <expr>>?)',
    ]);
    expect(p.filter((d) => /SCAN a\b|TEMP B-TREE/.test(d))).toEqual([]);
  });

  it('lists exactly the public and own apps, in order, whatever other directories own', async () => {
    const names = async (clientId: string, field: AppOrderField, direction: OrderDirection) =>
      (await listClientApps(db, { clientId, first: 50, orderBy: { field, direction } })).items.map((a) => a.name);
    expect(await names(BUSINESS, 'NAME', 'ASC')).toEqual(['Own 4', 'Own 5', 'Public 1', 'Public 2', 'Public 3']);
    expect(await names(BUSINESS, 'NAME', 'DESC')).toEqual(['Public 3', 'Public 2', 'Public 1', 'Own 5', 'Own 4']);
    expect(await names(DIRECT, 'NAME', 'ASC')).toEqual(['Public 1', 'Public 2', 'Public 3']);
    expect(await (await listClientApps(db, { clientId: BUSINESS })).totalCount()).toBe(5);
    expect(await (await listClientApps(db, { clientId: DIRECT })).totalCount()).toBe(3);
  });

  it("a page costs about the same with 1,000 or 51,000 other directories' private apps", async () => {
    const probes = async () => {
      await listClientApps(db, { clientId: BUSINESS, first: 3 });
      await listClientApps(db, { clientId: DIRECT, first: 3, orderBy: { field: 'NAME', direction: 'DESC' } });
      listWorkspaceApps(db, { workspace: ws, first: 3 });
    };
    const small = await fastestOfAsync(probes);
    addForeignPrivateApps(50_000, 1001);
    const large = await fastestOfAsync(probes);
    // A scan of the catalog would be ~50× slower; the bound leaves room for a loaded machine.
    expect(large / small).toBeLessThan(3);
  });
});
