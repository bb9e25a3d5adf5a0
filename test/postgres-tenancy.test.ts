/**
 * Issue 16: who is asking, and on whose behalf, on Postgres: the principal of an Authorization
 * header (unknown, malformed, revoked, expired, each kind of token), clients, directories and
 * workspaces answer exactly as on SQLite over the same rows (copied raw from SQLite).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken, resolvePrincipal as resolveOnSqlite, revokeToken } from '../src/auth/tokens';
import { openDatabase, type OpenedDatabase } from '../src/db/open';
import { openPostgres, type OpenedPostgres } from '../src/db/postgres';
import { createClient, findClient as findClientOnSqlite } from '../src/services/clients';
import { createDirectory, findDirectory as findDirectoryOnSqlite } from '../src/services/directories';
import { createWorkspace, findWorkspace as findWorkspaceOnSqlite, getWorkspaces as getWorkspacesOnSqlite, listWorkspaces as listWorkspacesOnSqlite } from '../src/services/workspaces';
import * as pgTenancy from '../src/store/postgres/tenancy';
import { copyRows, freshPostgresDatabase } from './helpers/postgres';
import { uuid } from './helpers/db';

const DIRECTORY = 'd0000000-0000-4000-8000-000000000001';
const CLIENT = 'c0000000-0000-4000-8000-000000000001';
const BUSINESS = 'c0000000-0000-4000-8000-000000000002';
// 'Éz' before 'éa' as SQLite's lower() (ASCII only) orders them; a Unicode lower() would swap them.
const NAMES = ['Sales', 'sales ops', 'Émile', 'Éz', 'éa', 'engineering', 'Zeta', 'alpha', 'Beta', 'beta', '_under', '%pct'];

let lite: OpenedDatabase;
let pg: OpenedPostgres;
const secrets: Record<string, string> = {};

const copy = (table: string) => copyRows(lite.sqlite, pg.pool, table);

beforeAll(async () => {
  lite = openDatabase(':memory:');
  const db = lite.db;
  createDirectory(db, { id: DIRECTORY, name: 'Partner' });
  createClient(db, { id: CLIENT, name: 'Acme' });
  createClient(db, { id: BUSINESS, name: 'Shop', directoryId: DIRECTORY });
  NAMES.forEach((name, i) => createWorkspace(db, { id: uuid(100 + i), clientId: CLIENT, name }));
  secrets.internal = createToken(db, { kind: 'internal', name: 'ops' }).token;
  secrets.client = createToken(db, { kind: 'client', clientId: CLIENT, name: 'acme', scopes: ['apps:read'] }).token;
  secrets.directory = createToken(db, { kind: 'directory', directoryId: DIRECTORY, name: 'partner' }).token;
  const revoked = createToken(db, { kind: 'internal', name: 'old' });
  revokeToken(db, revoked.id);
  secrets.revoked = revoked.token;
  secrets.expiring = createToken(db, { kind: 'internal', name: 'soon', expiresAt: new Date(Date.now() + 60_000) }).token;
  pg = await openPostgres(await freshPostgresDatabase(), { poolSize: 2 });
  for (const table of ['directories', 'clients', 'workspaces', 'tokens']) await copy(table);
});

afterAll(async () => {
  lite?.close();
  await pg?.close();
});

/** What a call answers, or the error it throws (class name, code, message, details). */
async function outcome(run: () => unknown): Promise<unknown> {
  try {
    return { ok: await run() };
  } catch (error) {
    const e = error as { constructor: { name: string }; code?: string; message: string; details?: unknown };
    return { error: [e.constructor.name, e.code, e.message, e.details] };
  }
}

describe('the principal of an Authorization header', () => {
  const headers = () => ({
    none: null,
    empty: '  ',
    malformed: 'Basic abc',
    'not ours': 'Bearer hello',
    'our format, unknown': `Bearer agv_${'x'.repeat(43)}`,
    internal: `Bearer ${secrets.internal}`,
    'client, lower-case scheme': `bearer   ${secrets.client}`,
    directory: `Bearer ${secrets.directory}`,
    revoked: `Bearer ${secrets.revoked}`,
  });
  it('is the same on both stores, error for error', async () => {
    for (const [name, header] of Object.entries(headers())) {
      const [a, b] = [await outcome(() => resolveOnSqlite(lite.db, header)), await outcome(() => pgTenancy.resolvePrincipal(pg.db, header))];
      expect(b, name).toEqual(a);
    }
    // The cases are what they say.
    expect(await outcome(() => pgTenancy.resolvePrincipal(pg.db, `Bearer ${secrets.revoked}`))).toEqual({ error: ['UnauthenticatedError', 'UNAUTHENTICATED', 'This token was revoked', { reason: 'TOKEN_REVOKED' }] });
    expect(await outcome(() => pgTenancy.resolvePrincipal(pg.db, `Bearer ${secrets.directory}`))).toMatchObject({ ok: { kind: 'directory', directoryId: DIRECTORY } });
  });

  it('expires on both stores at the same instant', async () => {
    const later = new Date(Date.now() + 120_000);
    const header = `Bearer ${secrets.expiring}`;
    expect(await outcome(() => pgTenancy.resolvePrincipal(pg.db, header, later))).toEqual(await outcome(() => resolveOnSqlite(lite.db, header, later)));
    expect(await outcome(() => pgTenancy.resolvePrincipal(pg.db, header, later))).toEqual({ error: ['UnauthenticatedError', 'UNAUTHENTICATED', 'This token has expired', { reason: 'TOKEN_EXPIRED' }] });
    expect(await outcome(() => pgTenancy.resolvePrincipal(pg.db, header))).toMatchObject({ ok: { name: 'soon' } });
  });
});

describe('clients, directories and workspaces', () => {
  it('are found, or not, as on SQLite', async () => {
    for (const id of [CLIENT, BUSINESS, uuid(999)]) expect(await pgTenancy.findClient(pg.db, id)).toEqual(findClientOnSqlite(lite.db, id));
    for (const id of [DIRECTORY, uuid(999)]) expect(await pgTenancy.findDirectory(pg.db, id)).toEqual(findDirectoryOnSqlite(lite.db, id));
    for (const id of [uuid(100), uuid(999)]) expect(await pgTenancy.findWorkspace(pg.db, id)).toEqual(findWorkspaceOnSqlite(lite.db, id));
    const ids = [uuid(105), uuid(999), uuid(100), uuid(105)];
    expect(await pgTenancy.getWorkspaces(pg.db, ids)).toEqual(getWorkspacesOnSqlite(lite.db, ids));
  });

  it("list a client's workspaces in SQLite's order, page by page, and a cursor of one store continues on the other", async () => {
    const walk = async (list: (after: string | null) => Promise<{ items: { id: string; cursor: string }[]; hasNextPage: boolean }>) => {
      const pages: string[][] = [];
      let after: string | null = null;
      for (let guard = 0; guard < 20; guard++) {
        const page = await list(after);
        pages.push(page.items.map((w) => w.id));
        if (!page.hasNextPage) break;
        after = page.items.at(-1)!.cursor;
      }
      return pages;
    };
    const onSqlite = await walk(async (after) => listWorkspacesOnSqlite(lite.db, { clientId: CLIENT, first: 3, after }));
    const onPostgres = await walk((after) => pgTenancy.listWorkspaces(pg.db, { clientId: CLIENT, first: 3, after }));
    expect(onPostgres).toEqual(onSqlite);
    expect(onSqlite.flat()).toHaveLength(NAMES.length);
    const cursor = listWorkspacesOnSqlite(lite.db, { clientId: CLIENT, first: 4 }).items[3]!.cursor;
    const next = await pgTenancy.listWorkspaces(pg.db, { clientId: CLIENT, first: 4, after: cursor });
    expect(next.items.map((w) => w.id)).toEqual(listWorkspacesOnSqlite(lite.db, { clientId: CLIENT, first: 4, after: cursor }).items.map((w) => w.id));
    expect(await outcome(() => pgTenancy.listWorkspaces(pg.db, { clientId: BUSINESS, after: cursor }))).toEqual(await outcome(() => listWorkspacesOnSqlite(lite.db, { clientId: BUSINESS, after: cursor })));
  });
});
