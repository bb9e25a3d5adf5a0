/**
 * Issue 16: the CLI's writes of who may ask and of what there is, on Postgres: tokens (issue,
 * revoke, list), clients, directories, workspaces and catalog apps answer, refuse and store
 * exactly as on SQLite, call for call; duplicates raced past the check still answer CONFLICT;
 * many instances starting at once agree on one cursor secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as liteTokens from '../src/auth/tokens';
import { openDatabase, type OpenedDatabase } from '../src/db/open';
import { openPostgres, type OpenedPostgres } from '../src/db/postgres';
import * as liteApps from '../src/services/apps';
import * as liteClients from '../src/services/clients';
import * as liteDirectories from '../src/services/directories';
import * as liteWorkspaces from '../src/services/workspaces';
import * as pgCatalog from '../src/store/postgres/catalog';
import { readCursorSecret } from '../src/store/postgres/keys';
import * as pgTenants from '../src/store/postgres/tenants';
import * as pgTokens from '../src/store/postgres/tokens';
import { resolvePrincipal } from '../src/store/postgres/tenancy';
import { freshPostgresDatabase } from './helpers/postgres';

const DIR = 'd0000000-0000-4000-8000-000000000001';
const CLIENT = 'c0000000-0000-4000-8000-000000000001';
const BIZ = 'c0000000-0000-4000-8000-000000000002';
const WS = 'e0000000-0000-4000-8000-000000000001';
const APP = 'a0000000-0000-4000-8000-000000000001';
const PRIVATE_APP = 'a0000000-0000-4000-8000-000000000009';
const MISSING = 'ffffffff-ffff-4fff-8fff-ffffffffffff';

let lite: OpenedDatabase;
let pg: OpenedPostgres;

beforeAll(async () => {
  lite = openDatabase(':memory:');
  pg = await openPostgres(await freshPostgresDatabase(), { poolSize: 4 });
});
afterAll(async () => {
  lite?.close();
  await pg?.close();
});

/** An answer with the random parts (token ids and secrets, times) replaced by their shape, or the error thrown. */
async function outcome(run: () => unknown): Promise<unknown> {
  try {
    const answer = (await run()) as Record<string, unknown>;
    if (answer && typeof answer === 'object' && typeof answer.token === 'string') {
      return { ok: { ...answer, id: typeof answer.id, token: /^agv_[A-Za-z0-9_-]{43}$/.test(answer.token) } };
    }
    // Times differ by the milliseconds between the two calls: their type is compared.
    return { ok: answer && typeof answer === 'object' ? Object.fromEntries(Object.entries(answer).map(([k, v]) => [k, v instanceof Date ? 'a Date' : v])) : answer };
  } catch (error) {
    const e = error as { constructor: { name: string }; code?: string; message: string; details?: unknown };
    return { error: [e.constructor.name, e.code, e.message, e.details] };
  }
}

type Step = [string, () => unknown, () => Promise<unknown>];

const soon = new Date(Date.now() + 3_600_000);
const past = new Date(Date.now() - 1000);
const steps = (): Step[] => [
  ['directory', () => liteDirectories.createDirectory(lite.db, { id: DIR, name: 'Partner' }), () => pgTenants.createDirectory(pg.db, { id: DIR, name: 'Partner' })],
  ['directory again', () => liteDirectories.createDirectory(lite.db, { id: DIR, name: 'Other' }), () => pgTenants.createDirectory(pg.db, { id: DIR, name: 'Other' })],
  ['directory, empty name', () => liteDirectories.createDirectory(lite.db, { name: '  ' }), () => pgTenants.createDirectory(pg.db, { name: '  ' })],
  ['client', () => liteClients.createClient(lite.db, { id: CLIENT, name: ' Acme ' }), () => pgTenants.createClient(pg.db, { id: CLIENT, name: ' Acme ' })],
  ['client again', () => liteClients.createClient(lite.db, { id: CLIENT, name: 'Acme' }), () => pgTenants.createClient(pg.db, { id: CLIENT, name: 'Acme' })],
  ['client, upper-case id', () => liteClients.createClient(lite.db, { id: CLIENT.toUpperCase(), name: 'Acme' }), () => pgTenants.createClient(pg.db, { id: CLIENT.toUpperCase(), name: 'Acme' })],
  ['client, bad id', () => liteClients.createClient(lite.db, { id: 'nope', name: 'Acme' }), () => pgTenants.createClient(pg.db, { id: 'nope', name: 'Acme' })],
  ['business', () => liteClients.createClient(lite.db, { id: BIZ, name: 'Shop', directoryId: DIR }), () => pgTenants.createClient(pg.db, { id: BIZ, name: 'Shop', directoryId: DIR })],
  ['business of no directory', () => liteClients.createClient(lite.db, { name: 'Shop', directoryId: MISSING }), () => pgTenants.createClient(pg.db, { name: 'Shop', directoryId: MISSING })],
  ['workspace', () => liteWorkspaces.createWorkspace(lite.db, { id: WS, clientId: CLIENT, name: 'Sales' }), () => pgTenants.createWorkspace(pg.db, { id: WS, clientId: CLIENT, name: 'Sales' })],
  ['workspace again', () => liteWorkspaces.createWorkspace(lite.db, { id: WS, clientId: CLIENT, name: 'Sales' }), () => pgTenants.createWorkspace(pg.db, { id: WS, clientId: CLIENT, name: 'Sales' })],
  ['workspace of no client', () => liteWorkspaces.createWorkspace(lite.db, { clientId: MISSING, name: 'Sales' }), () => pgTenants.createWorkspace(pg.db, { clientId: MISSING, name: 'Sales' })],
  ['app', () => liteApps.createApp(lite.db, { id: APP, name: 'Zoom Café', scopes: ['chat:write'] }), () => pgCatalog.createApp(pg.db, { id: APP, name: 'Zoom Café', scopes: ['chat:write'] })],
  ['app, same id', () => liteApps.createApp(lite.db, { id: APP, name: 'Other' }), () => pgCatalog.createApp(pg.db, { id: APP, name: 'Other' })],
  ['app, same code name', () => liteApps.createApp(lite.db, { name: 'Zoom Cafe' }), () => pgCatalog.createApp(pg.db, { name: 'Zoom Cafe' })],
  ['app, id and code name both taken', () => liteApps.createApp(lite.db, { id: APP, name: 'Zoom Cafe' }), () => pgCatalog.createApp(pg.db, { id: APP, name: 'Zoom Cafe' })],
  ['app, bad code name', () => liteApps.createApp(lite.db, { name: 'X', codeName: '-x' }), () => pgCatalog.createApp(pg.db, { name: 'X', codeName: '-x' })],
  ['private app', () => liteApps.createApp(lite.db, { id: PRIVATE_APP, name: 'Inhouse', ownerDirectoryId: DIR, hiddenFromMarket: true }), () => pgCatalog.createApp(pg.db, { id: PRIVATE_APP, name: 'Inhouse', ownerDirectoryId: DIR, hiddenFromMarket: true })],
  ['private app of no directory', () => liteApps.createApp(lite.db, { name: 'Ghost', ownerDirectoryId: MISSING }), () => pgCatalog.createApp(pg.db, { name: 'Ghost', ownerDirectoryId: MISSING })],
  ...(
    [
      ['internal token', { kind: 'internal', name: 'ops' }],
      ['client token', { kind: 'client', clientId: CLIENT, scopes: ['apps:read', 'apps:read'] }],
      ['client token, expiring', { kind: 'client', clientId: CLIENT, expiresAt: soon }],
      ['directory token', { kind: 'directory', directoryId: DIR, name: 'partner' }],
      ['client token of no client', { kind: 'client', clientId: MISSING }],
      ['client token without client', { kind: 'client' }],
      ['internal token with a client', { kind: 'internal', clientId: CLIENT }],
      ['directory token with a client', { kind: 'directory', directoryId: DIR, clientId: CLIENT }],
      ['directory token of no directory', { kind: 'directory', directoryId: MISSING }],
      ['directory token without directory', { kind: 'directory' }],
      ['client token with a directory', { kind: 'client', clientId: CLIENT, directoryId: DIR }],
      ['unknown scope', { kind: 'internal', scopes: ['apps:read', 'root'] }],
      ['no scope', { kind: 'internal', scopes: [] }],
      ['long name', { kind: 'internal', name: 'x'.repeat(101) }],
      ['expired already', { kind: 'internal', expiresAt: past }],
    ] as [string, liteTokens.CreateTokenInput][]
  ).map(([name, input]): Step => [name, () => liteTokens.createToken(lite.db, input), () => pgTokens.createToken(pg.db, input)]),
  ['revoke no token', () => liteTokens.revokeToken(lite.db, MISSING), () => pgTokens.revokeToken(pg.db, MISSING)],
  ['revoke, bad id', () => liteTokens.revokeToken(lite.db, 'x'), () => pgTokens.revokeToken(pg.db, 'x')],
];

/** The rows both stores hold, in one shape: times and random ids left out, booleans and JSON as values. */
function rowsOf(all: (table: string) => Record<string, unknown>[] | Promise<Record<string, unknown>[]>) {
  const shape = async (table: string, drop: string[], order: string) =>
    (await all(table))
      .map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => !drop.includes(k)).map(([k, v]) => [k, typeof v === 'string' && /^[[{]/.test(v) ? JSON.parse(v) : k === 'hidden_from_market' ? Boolean(v) : v])))
      .sort((a, b) => String(a[order]).localeCompare(String(b[order])));
  return Promise.all([
    shape('directories', ['created_at'], 'id'),
    shape('clients', ['created_at', 'history_seq', 'history_at'], 'id'),
    shape('workspaces', ['created_at'], 'id'),
    shape('apps', ['created_at', 'id'], 'code_name'),
    shape('tokens', ['created_at', 'expires_at', 'revoked_at', 'id', 'token_hash'], 'name'),
  ]);
}

describe('identity and catalog writes on Postgres', () => {
  it('answer, refuse and store as SQLite does, call for call', async () => {
    for (const [name, onLite, onPg] of steps()) {
      expect(await outcome(onPg), name).toEqual(await outcome(onLite));
    }
    const liteRows = await rowsOf((t) => lite.sqlite.prepare(`SELECT * FROM ${t}`).all() as Record<string, unknown>[]);
    const pgRows = await rowsOf(async (t) => (await pg.pool.query(`SELECT * FROM ${t}`)).rows);
    expect(pgRows).toEqual(liteRows);
    expect(pgRows[4]).toHaveLength(4);
  });

  it('revoke and list tokens as SQLite does; a revoked token is refused at once', async () => {
    const issued = await pgTokens.createToken(pg.db, { kind: 'internal', name: 'to revoke' });
    expect(await resolvePrincipal(pg.db, `Bearer ${issued.token}`)).toMatchObject({ tokenId: issued.id, kind: 'internal' });
    const first = await pgTokens.revokeToken(pg.db, issued.id.toUpperCase());
    const again = await pgTokens.revokeToken(pg.db, issued.id, new Date(Date.now() + 60_000));
    expect(again).toEqual(first);
    await expect(resolvePrincipal(pg.db, `Bearer ${issued.token}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED', details: { reason: 'TOKEN_REVOKED' } });
    const liteIssued = liteTokens.createToken(lite.db, { kind: 'internal', name: 'to revoke' });
    liteTokens.revokeToken(lite.db, liteIssued.id);
    const strip = (list: ReturnType<typeof liteTokens.listTokens>) => list.map(({ id, created, expires, revoked, ...rest }) => ({ ...rest, expires: expires !== null, revoked: revoked !== null }));
    expect(strip(await pgTokens.listTokens(pg.db))).toEqual(strip(liteTokens.listTokens(lite.db)));
    expect((await pgTokens.listTokens(pg.db)).find((t) => t.id === issued.id)?.revoked).toBe(first.revokedAt);
  });

  it('list clients and the catalog in the same keyset order', async () => {
    for (const n of [3, 4, 5]) {
      const name = ['beta', 'Alpha', 'éclair'][n - 3]!;
      liteClients.createClient(lite.db, { id: `c0000000-0000-4000-8000-00000000000${n}`, name });
      await pgTenants.createClient(pg.db, { id: `c0000000-0000-4000-8000-00000000000${n}`, name });
      liteApps.createApp(lite.db, { id: `a0000000-0000-4000-8000-00000000000${n}`, name });
      await pgCatalog.createApp(pg.db, { id: `a0000000-0000-4000-8000-00000000000${n}`, name });
    }
    const names = (rows: { name: string; id: string }[]) => rows.map((r) => [r.id, r.name]);
    expect(names(await pgTenants.listClients(pg.db, { limit: 2, after: CLIENT }))).toEqual(names(liteClients.listClients(lite.db, { limit: 2, after: CLIENT })));
    let after: { name: string; id: string } | null = null;
    for (let page = 0; page < 4; page++) {
      const a: { name: string; id: string }[] = liteApps.listCatalogApps(lite.db, { after, limit: 2 });
      const b = await pgCatalog.listCatalogApps(pg.db, { after, limit: 2 });
      expect(names(b), `page ${page}`).toEqual(names(a));
      after = a.at(-1) ?? null;
    }
  });

  it('answer CONFLICT, never a 500, to duplicates raced past the check', async () => {
    const id = 'c0000000-0000-4000-8000-0000000000aa';
    const racers = await Promise.allSettled(Array.from({ length: 4 }, () => pgTenants.createClient(pg.db, { id, name: 'Race' })));
    expect(racers.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of racers.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
      expect(r.reason).toMatchObject({ code: 'CONFLICT', message: `A client with id ${id} already exists` });
    }
    const apps = await Promise.allSettled(Array.from({ length: 4 }, (_, i) => pgCatalog.createApp(pg.db, { name: 'Racer', id: `a0000000-0000-4000-8000-0000000000b${i}` })));
    expect(apps.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of apps.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
      expect(r.reason).toMatchObject({ code: 'CONFLICT', details: { field: 'codeName' } });
    }
  });

  it('keep one cursor secret when many instances start at once', async () => {
    const url = await freshPostgresDatabase();
    const instances = await Promise.all(Array.from({ length: 3 }, () => openPostgres(url, { poolSize: 2 })));
    try {
      const secrets = await Promise.all(instances.map((i) => readCursorSecret(i.db, Buffer.alloc(32, Math.random() * 255))));
      expect(new Set(secrets.map((s) => s.toString('hex'))).size).toBe(1);
      expect(await readCursorSecret(instances[0]!.db, Buffer.alloc(32, 7))).toEqual(secrets[0]);
    } finally {
      await Promise.all(instances.map((i) => i.close()));
    }
  });
});
