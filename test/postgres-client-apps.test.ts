/**
 * Issue 16: Client.apps on Postgres answers exactly as on SQLite over the same rows (copied raw): every
 * order and filter, page by page, totalCount, the search price, cursors that continue across the stores,
 * the one-app and many-apps lookups, visibility of private apps.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenedDatabase } from '../src/db/open';
import { openPostgres, type OpenedPostgres } from '../src/db/postgres';
import { updateApp } from '../src/services/app-details';
import { createApp, getClientApp as getOnSqlite, getClientApps as getManyOnSqlite, listClientApps as listOnSqlite, type ClientAppsQuery } from '../src/services/apps';
import { CatalogScanBudget } from '../src/services/catalog-scan';
import { createClient } from '../src/services/clients';
import { createDirectory } from '../src/services/directories';
import * as pgApps from '../src/store/postgres/client-apps';
import { principalFor, uuid } from './helpers/db';
import { copyRows, freshPostgresDatabase } from './helpers/postgres';

const MINE = 'd0000000-0000-4000-8000-000000000001';
const OTHER = 'd0000000-0000-4000-8000-000000000002';
const BUSINESS = 'c0000000-0000-4000-8000-000000000001';
const DIRECT = 'c0000000-0000-4000-8000-000000000002';
// Case, accents (SQLite's lower() folds ASCII only: 'Éz' sorts before 'éa'), LIKE's own characters.
const NAMES = ['Zoom', 'zapier', 'Asana', 'asana Pro', 'Émile', 'Éz', 'éa', 'Box', 'Calendly', 'Chat', 'chatter', 'Dropbox', 'Figma', 'GitHub', 'Gitlab', 'x_y', 'xay', '100% Cloud', '100 Clouds'];

let lite: OpenedDatabase;
let pg: OpenedPostgres;

const copy = (table: string) => copyRows(lite.sqlite, pg.pool, table);

beforeAll(async () => {
  lite = openDatabase(':memory:');
  const db = lite.db;
  createDirectory(db, { id: MINE, name: 'Mine' });
  createDirectory(db, { id: OTHER, name: 'Other' });
  createClient(db, { id: BUSINESS, name: 'Business', directoryId: MINE });
  createClient(db, { id: DIRECT, name: 'Direct' });
  NAMES.forEach((name, i) => createApp(db, { id: uuid(i + 1), name, codeName: `app-${i + 1}`, ...(i % 5 === 4 ? { ownerDirectoryId: MINE } : {}) }));
  for (let i = 0; i < 4; i++) createApp(db, { id: uuid(100 + i), name: `Asana foreign ${i}`, ownerDirectoryId: OTHER });
  const actor = principalFor(db);
  const patch = (n: number, p: Record<string, unknown>, at: number) => updateApp(db, { clientId: BUSINESS, appId: uuid(n), patch: p, actor, now: new Date(1_800_000_000_000 + at) } as never);
  patch(1, { isApproved: true, riskLevel: 'HIGH', category: 'Video' }, 1);
  patch(3, { isApproved: true, category: 'video' }, 2);
  patch(5, { riskLevel: 'HIGH' }, 3);
  patch(10, { isApproved: true, riskLevel: 'LOW', category: 'Chat' }, 4);
  patch(11, { category: 'CHAT' }, 5);
  patch(12, { isApproved: true }, 6);
  patch(12, { isApproved: false, riskLevel: 'HIGH' }, 7);
  pg = await openPostgres(await freshPostgresDatabase(), { poolSize: 2 });
  for (const table of ['directories', 'clients', 'apps', 'tokens', 'client_app_states']) await copy(table);
});

afterAll(async () => {
  lite?.close();
  await pg?.close();
});

type Lister = (query: ClientAppsQuery) => Promise<{ items: { id: string; cursor: string }[]; hasNextPage: boolean; totalCount: () => Promise<number> }>;

async function walk(list: Lister, query: ClientAppsQuery) {
  const pages: string[][] = [];
  let after: string | null = null;
  let count = -1;
  for (let guard = 0; guard < 40; guard++) {
    const page = await list({ ...query, first: 3, after });
    pages.push(page.items.map((a) => a.id));
    count = await page.totalCount();
    if (!page.hasNextPage) break;
    after = page.items.at(-1)!.cursor;
  }
  return { pages, count };
}

const FILTERS: Record<string, Partial<ClientAppsQuery>> = {
  all: {},
  'approved: true': { approved: true },
  'approved: false': { approved: false },
  'search asana': { search: 'asana' },
  'search a': { search: 'A' },
  'search %': { search: '%' },
  'search _': { search: '_' },
  'search É': { search: 'É' },
  'riskLevel HIGH': { riskLevel: 'HIGH' },
  'category chat': { category: 'chat' },
  'category VIDEO + approved': { category: 'VIDEO', approved: true },
  'search + approved: false': { search: 'o', approved: false },
};
const ORDERS = [
  { field: 'NAME', direction: 'ASC' },
  { field: 'NAME', direction: 'DESC' },
  { field: 'UPDATED_AT', direction: 'ASC' },
  { field: 'UPDATED_AT', direction: 'DESC' },
] as const;

describe('Client.apps on Postgres', () => {
  const counts: Record<string, number> = {};
  for (const [name, filter] of Object.entries(FILTERS)) {
    it(`${name}: every order, page by page, and the count, as on SQLite`, async () => {
      for (const clientId of [BUSINESS, DIRECT]) {
        for (const orderBy of ORDERS) {
          const query = { clientId, orderBy, ...filter };
          const a = await walk((q) => listOnSqlite(lite.db, q), query);
          const b = await walk((q) => pgApps.listClientApps(pg.db, q), query);
          expect(b, `${clientId} ${orderBy.field} ${orderBy.direction}`).toEqual(a);
          counts[`${name} ${clientId}`] = a.count;
        }
      }
    });
  }

  it('the cases above are not empty: the data has what each filter looks for', () => {
    expect([
      counts[`all ${BUSINESS}`], counts[`all ${DIRECT}`], counts[`approved: true ${BUSINESS}`], counts[`category chat ${BUSINESS}`],
      counts[`search % ${BUSINESS}`], counts[`search _ ${BUSINESS}`], counts[`search É ${BUSINESS}`], counts[`riskLevel HIGH ${BUSINESS}`],
    ]).toEqual([NAMES.length, NAMES.length - 3, 3, 2, 1, 1, 2, 3]);
  });

  it('a cursor from one store continues on the other; the search is priced the same', async () => {
    const query: ClientAppsQuery = { clientId: BUSINESS, first: 4, orderBy: { field: 'NAME', direction: 'ASC' } };
    const cursor = (await listOnSqlite(lite.db, query)).items[3]!.cursor;
    const next = (await pgApps.listClientApps(pg.db, { ...query, after: cursor })).items.map((a) => a.id);
    expect(next).toEqual((await listOnSqlite(lite.db, { ...query, after: cursor })).items.map((a) => a.id));
    const [x, y] = [new CatalogScanBudget(1000), new CatalogScanBudget(1000)];
    await (await listOnSqlite(lite.db, { clientId: BUSINESS, search: 'z' }, x)).totalCount();
    await (await pgApps.listClientApps(pg.db, { clientId: BUSINESS, search: 'z' }, y)).totalCount();
    expect(y.spent).toBe(x.spent);
    expect(x.spent).toBeGreaterThan(0);
  });

  it('finds one app or many as SQLite does, private ones only for their directory', async () => {
    for (const [clientId, appId] of [[BUSINESS, uuid(5)], [DIRECT, uuid(5)], [BUSINESS, uuid(100)], [DIRECT, uuid(1)], [BUSINESS, uuid(999)]] as const) {
      const a = await Promise.resolve().then(() => getOnSqlite(lite.db, clientId, appId)).catch((e: Error) => e.message);
      const b = await pgApps.getClientApp(pg.db, clientId, appId).catch((e: Error) => e.message);
      expect(b, `${clientId} ${appId}`).toEqual(a);
    }
    const keys = [uuid(5), uuid(100), uuid(1), uuid(999), uuid(12)].flatMap((appId) => [BUSINESS, DIRECT].map((clientId) => ({ clientId, appId })));
    expect(await pgApps.getClientApps(pg.db, keys)).toEqual(getManyOnSqlite(lite.db, keys));
    expect(await pgApps.visibleAppCount(pg.db, BUSINESS)).toBe(NAMES.length);
    expect(await pgApps.visibleAppCount(pg.db, DIRECT)).toBe(NAMES.length - 3);
  });
});
