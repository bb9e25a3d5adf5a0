/**
 * Issue 16: Client.apps by name on Postgres is an index seek, as on SQLite. Over a catalog of 6,000 apps
 * (a third public, a third the client's directory's, a third another directory's), the exact statement the
 * store runs (caught by a drizzle logger) for the first page and for a page after a deep cursor, both
 * directions, with and without the filters that read the catalog (approved: false, a search), is planned
 * and run (EXPLAIN ANALYZE) as:
 *  - every read of apps an Index Scan of apps_owner_name_idx (never a Seq Scan or a bitmap scan), reading
 *    about a page of rows, not the catalog;
 *  - a Limit between every read of apps and any Sort above it, and every Sort sorting at most
 *    (visible ranges) × (first + 1) rows: the merge of the ranges' cut pages, never the catalog.
 * The same pages as SQLite's over the same rows.
 */
import type { Logger } from 'drizzle-orm/logger';
import { drizzle } from 'drizzle-orm/node-postgres';
import pgDriver from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenedDatabase } from '../src/db/open';
import { openPostgres, type OpenedPostgres, type PgDb } from '../src/db/postgres';
import * as pgSchema from '../src/db/postgres-schema';
import { listClientApps as listOnSqlite, type ClientAppsQuery } from '../src/services/apps';
import * as pgApps from '../src/store/postgres/client-apps';
import { freshPostgresDatabase } from './helpers/postgres';

const MINE = 'd0000000-0000-4000-8000-000000000001';
const OTHER = 'd0000000-0000-4000-8000-000000000002';
const BUSINESS = 'c0000000-0000-4000-8000-000000000001';
const DIRECT = 'c0000000-0000-4000-8000-000000000002';
const APPS = 6000;

// The same rows on both stores, each written set-based in its own dialect: ids in order of i; names that start
// with an upper- or lower-case letter or an accented one (SQLite's lower() folds ASCII only); a third of the
// apps public, a third MINE's, a third OTHER's; BUSINESS approved every 7th app and restricted others.
const name = (chr: string) => `${chr}(CASE WHEN i % 97 = 0 THEN 201 WHEN i % 2 = 0 THEN 65 + i % 26 ELSE 97 + i % 26 END) || ' app ' || i`;
const owner = `CASE i % 3 WHEN 0 THEN NULL WHEN 1 THEN '${MINE}' ELSE '${OTHER}' END`;
const resolution = `CASE WHEN i % 7 = 0 THEN 'approved' ELSE 'restricted' END`;

let lite: OpenedDatabase;
let pg: OpenedPostgres;
let url: string;
const pools: pgDriver.Pool[] = [];

beforeAll(async () => {
  lite = openDatabase(':memory:');
  lite.sqlite.exec(`
    INSERT INTO directories (id, name, created_at) VALUES ('${MINE}', 'Mine', 0), ('${OTHER}', 'Other', 0);
    INSERT INTO clients (id, name, directory_id, created_at) VALUES ('${BUSINESS}', 'Business', '${MINE}', 0), ('${DIRECT}', 'Direct', NULL, 0);
    WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < ${APPS})
    INSERT INTO apps (id, code_name, name, scopes, owner_directory_id, hidden_from_market, created_at)
    SELECT 'a1000000-0000-4000-8000-' || substr('000000000000' || i, -12), 'app-' || i, ${name('char')}, '["chat:write"]', ${owner}, 0, 0 FROM g;
    WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < ${APPS})
    INSERT INTO client_app_states (client_id, app_id, resolution, decided_at, decided_by, version, updated_at)
    SELECT '${BUSINESS}', 'a1000000-0000-4000-8000-' || substr('000000000000' || i, -12), ${resolution}, 1, 't', 1, 1000 + i FROM g WHERE i % 7 IN (0, 3) AND i % 3 <> 2;`);
  url = await freshPostgresDatabase();
  pg = await openPostgres(url, { poolSize: 1 });
  await pg.pool.query(`
    INSERT INTO directories (id, name, created_at) VALUES ('${MINE}', 'Mine', 0), ('${OTHER}', 'Other', 0);
    INSERT INTO clients (id, name, directory_id, created_at) VALUES ('${BUSINESS}', 'Business', '${MINE}', 0), ('${DIRECT}', 'Direct', NULL, 0);
    INSERT INTO apps (id, code_name, name, scopes, owner_directory_id, hidden_from_market, created_at)
    SELECT 'a1000000-0000-4000-8000-' || lpad(i::text, 12, '0'), 'app-' || i, ${name('chr')}, '["chat:write"]'::jsonb, ${owner}, false, 0
    FROM generate_series(1, ${APPS}) AS i;
    INSERT INTO client_app_states (client_id, app_id, resolution, decided_at, decided_by, version, updated_at)
    SELECT '${BUSINESS}', 'a1000000-0000-4000-8000-' || lpad(i::text, 12, '0'), ${resolution}, 1, 't', 1, 1000 + i
    FROM generate_series(1, ${APPS}) AS i WHERE i % 7 IN (0, 3) AND i % 3 <> 2;
    ANALYZE;`);
});

afterAll(async () => {
  for (const pool of pools) await pool.end();
  lite?.close();
  await pg?.close();
});

class Statements implements Logger {
  statements: { query: string; params: unknown[] }[] = [];
  logQuery(query: string, params: unknown[]): void {
    this.statements.push({ query, params });
  }
}

/** The page statement the store runs for `query` (a search first reads its price: that statement is not the page's). */
async function pageStatement(query: ClientAppsQuery) {
  const log = new Statements();
  const pool = new pgDriver.Pool({ connectionString: url, max: 1 });
  pools.push(pool);
  await pgApps.listClientApps(drizzle(pool, { schema: pgSchema, logger: log }) as PgDb, query);
  const pages = log.statements.filter((s) => /\bsort_key\b/.test(s.query));
  expect(pages, log.statements.map((s) => s.query).join('\n')).toHaveLength(1);
  return pages[0]!;
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  'Actual Rows': number;
  'Actual Loops': number;
  Plans?: PlanNode[];
}

/** Every node of the plan with the nodes above it (nearest first), as run (EXPLAIN ANALYZE: what it actually read). */
async function plan(statement: { query: string; params: unknown[] }) {
  const { rows } = await pg.pool.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${statement.query}`, statement.params);
  const nodes: { node: PlanNode; above: PlanNode[] }[] = [];
  const visit = (node: PlanNode, above: PlanNode[]) => {
    nodes.push({ node, above });
    for (const child of node.Plans ?? []) visit(child, [node, ...above]);
  };
  visit((rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan, []);
  return nodes;
}

const CASES: [string, Partial<ClientAppsQuery>, ranges: number][] = [
  ['BUSINESS, its directory given', { clientId: BUSINESS, directoryId: MINE }, 2],
  ['BUSINESS, its directory looked up', { clientId: BUSINESS }, 2],
  ['DIRECT', { clientId: DIRECT, directoryId: null }, 1],
  ['BUSINESS, approved: false', { clientId: BUSINESS, directoryId: MINE, approved: false }, 2],
  ['BUSINESS, a search', { clientId: BUSINESS, directoryId: MINE, search: 'APP' }, 2],
  ['BUSINESS, a search and approved: false', { clientId: BUSINESS, directoryId: MINE, search: 'app', approved: false }, 2],
];

describe('Client.apps by name on Postgres, over a catalog of 6,000 apps', () => {
  const first = 10;
  for (const [label, filter, ranges] of CASES) {
    for (const direction of ['ASC', 'DESC'] as const) {
      it(`${label}, ${direction}: each visible range a seek on apps_owner_name_idx cut to the page, the first page and after a deep cursor`, async () => {
        const base: ClientAppsQuery = { ...filter, clientId: filter.clientId!, orderBy: { field: 'NAME', direction } };
        // A cursor 500 apps in, from SQLite: the stores' cursors are the same.
        let deep: string | null = null;
        for (let i = 0; i < 5; i++) deep = (await listOnSqlite(lite.db, { ...base, first: 100, after: deep })).items.at(-1)!.cursor;
        for (const after of [null, deep]) {
          const query = { ...base, first, after };
          const name = `${label} ${direction} after ${after ? 'a deep cursor' : 'nothing'}`;
          const [a, b] = [await listOnSqlite(lite.db, query), await pgApps.listClientApps(pg.db, query)];
          expect(b.items, name).toEqual(a.items);
          expect(b.hasNextPage, name).toBe(a.hasNextPage);
          expect(a.items, name).toHaveLength(first);

          const nodes = await plan(await pageStatement(query));
          const scans = nodes.filter(({ node }) => node['Relation Name'] === 'apps');
          // One read of apps per visible range (OTHER's private apps are never read), each an index seek in the
          // listing's order that reads about a page (a filter rejects some: approved apps, every 7th).
          expect(scans.map(({ node }) => [node['Node Type'], node['Index Name']]), name).toEqual(
            Array(ranges).fill(['Index Scan', 'apps_owner_name_idx']),
          );
          for (const { node, above } of scans) {
            expect(node['Actual Rows'] * node['Actual Loops'], name).toBeLessThanOrEqual(2 * (first + 1));
            // The nearest Limit or Sort above the read is a Limit: no Sort is fed the range's rows uncut.
            expect(above.find((n) => n['Node Type'] === 'Limit' || /Sort$/.test(n['Node Type']))?.['Node Type'], name).toBe('Limit');
          }
          // Nor is the catalog or the client's states walked (the two-row clients table may be read whole for the directory).
          expect(nodes.filter(({ node }) => /Seq Scan|Bitmap/.test(node['Node Type']) && node['Relation Name'] !== 'clients').map(({ node }) => node['Relation Name']), name).toEqual([]);
          // A Sort only merges the ranges' cut pages.
          for (const { node } of nodes.filter(({ node }) => /Sort$/.test(node['Node Type']))) {
            const sorted = (node.Plans ?? []).reduce((n, child) => n + child['Actual Rows'] * child['Actual Loops'], 0);
            expect(sorted, name).toBeLessThanOrEqual(ranges * (first + 1));
          }
        }
      });
    }
  }
});
