import { sql } from 'drizzle-orm';
import { beforeEach, describe, expect, it } from 'vitest';
import { appVisibleSql, appVisibleToClient } from '../src/auth/app-visibility';
import { SCOPES } from '../src/auth/principal';
import { createToken } from '../src/auth/tokens';
import { createWorkspace } from '../src/services/workspaces';
import { createAppgovYoga, type AppgovYoga } from './helpers/yoga';
import { seedDirectories, testDatabase } from './helpers/db';
import { gql, type GraphQLResponse } from './helpers/graphql';
import { rest } from './helpers/rest';
import { tableCounts } from './helpers/tables';

/**
 * A private app (`my-app`, owned by directory `mine`) is seen and acted on
 * only by the businesses of `mine`. To a direct customer and to another
 * directory's business it is exactly an unknown app: the same response, and
 * nothing written.
 */
const UNKNOWN = 'ffffffff-ffff-4fff-8fff-ffffffffffff';

let t: ReturnType<typeof testDatabase>;
let yoga: AppgovYoga;
let ids: ReturnType<typeof seedDirectories>['ids'];
let tokens: ReturnType<typeof seedDirectories>['tokens'];
let admin: string;
let privateApp: string;
const workspaceOf: Record<string, string> = {};

function appId(codeName: string): string {
  return (t.sqlite.prepare('SELECT id FROM apps WHERE code_name = ?').get(codeName) as { id: string }).id;
}

beforeEach(() => {
  t = testDatabase();
  ({ ids, tokens } = seedDirectories(t.db));
  admin = createToken(t.db, { kind: 'internal', name: 'admin', scopes: [...SCOPES] }).token;
  privateApp = appId('my-app');
  for (const client of [ids.myBusiness, ids.theirBusiness, ids.directCustomer]) {
    workspaceOf[client] = createWorkspace(t.db, { clientId: client, name: 'Main' }).id;
  }
  yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 10 } });
});

type Op = [name: string, query: string, vars: (client: string, app: string) => Record<string, unknown>];

const at = (byWorkspace: boolean) => (client: string) => (byWorkspace ? { workspaceId: workspaceOf[client] } : { clientId: client });

/** Every client-scoped read and write that names one app. */
const SINGLE: Op[] = [
  ['Client.app', 'query ($c: ID!, $a: ID!) { client(id: $c) { app(id: $a) { id codeName } } }', (c, a) => ({ c, a })],
  ['Query.app', 'query ($c: ID!, $a: ID!) { app(clientId: $c, appId: $a) { id codeName } }', (c, a) => ({ c, a })],
  ['appHistory', 'query ($c: ID!, $a: ID!) { appHistory(clientId: $c, appId: $a) { nodes { id } } }', (c, a) => ({ c, a })],
  ['updateApp', 'mutation ($c: ID!, $a: ID!) { updateApp(clientId: $c, appId: $a, input: { ownerEmail: "it@example.com" }) { id version } }', (c, a) => ({ c, a })],
  ['addAppHistoryNote', 'mutation ($c: ID!, $a: ID!) { addAppHistoryNote(clientId: $c, appId: $a, note: "hello") { note } }', (c, a) => ({ c, a })],
  ['requestAppInstall', 'mutation ($w: ID!, $a: ID!) { requestAppInstall(workspaceId: $w, appId: $a) { status } }', (c, a) => ({ w: workspaceOf[c], a })],
  ...(['approveApp', 'restrictApp', 'clearAppResolution'] as const).flatMap((field): Op[] =>
    [false, true].map((byWorkspace): Op => [
      `${field} at ${byWorkspace ? 'workspace' : 'org'} level`,
      `mutation ($a: ID!, $at: ClientOrWorkspace!) { ${field}(app: { appId: $a }, at: $at) { changed app { id } } }`,
      (c, a) => ({ a, at: at(byWorkspace)(c) }),
    ]),
  ),
];

const BULK: Op[] = (['approveApps', 'removeAppApprovals', 'restrictApps'] as const).flatMap((field) =>
  [false, true].flatMap((byWorkspace) =>
    [false, true].map((dryRun): Op => [
      `${field}${byWorkspace ? ' in a workspace' : ''}${dryRun ? ' (dry run)' : ''}`,
      `mutation ($ids: [ID!]!, $c: ID, $w: ID, $dry: Boolean) {
        ${field}(appIds: $ids, clientId: $c, workspaceId: $w, dryRun: $dry) { succeeded changed failed { id code error } } }`,
      (c, a) => ({ ids: [a], ...(byWorkspace ? { w: workspaceOf[c] } : { c }), dry: dryRun }),
    ]),
  ),
);

const OUTSIDERS = [
  ['a direct customer', 'directCustomer'],
  ["another directory's business", 'theirBusiness'],
] as const;

/** Runs the call twice, on the private app and on an unknown id; asserts the same answer and nothing written. */
async function asUnknown(query: string, vars: Record<string, unknown>, unknownVars: Record<string, unknown>, token: string) {
  const before = tableCounts(t.sqlite);
  const hidden = await gql(yoga, query, vars, token);
  const unknown = await gql(yoga, query, unknownVars, token);
  expect(tableCounts(t.sqlite)).toEqual(before);
  return { hidden, unknown };
}

const withoutId = (res: GraphQLResponse) => JSON.parse(JSON.stringify(res.body).replaceAll(privateApp, UNKNOWN));

describe('a private app, to a client outside its directory, is an unknown app', () => {
  describe.each(OUTSIDERS)('%s', (_who, key) => {
    it.each(SINGLE)('%s answers exactly as for an unknown id, writing nothing', async (name, query, vars) => {
      const client = ids[key];
      const { hidden, unknown } = await asUnknown(query, vars(client, privateApp), vars(client, UNKNOWN), admin);
      expect(hidden.body).toEqual(unknown.body);
      if (name === 'Client.app') expect(hidden.body).toEqual({ data: { client: { app: null } } });
      else expect(hidden.body.errors!.map((e) => [e.message, e.extensions!.code])).toEqual([['App not found', 'NOT_FOUND']]);
    });

    it.each(BULK)('%s puts it in failed with APP_NOT_FOUND, as an unknown id', async (_name, query, vars) => {
      const client = ids[key];
      const { hidden, unknown } = await asUnknown(query, vars(client, privateApp), vars(client, UNKNOWN), admin);
      expect(withoutId(hidden)).toEqual(unknown.body);
      const field = Object.keys(hidden.body.data)[0]!;
      expect(hidden.body.data[field]).toEqual({ succeeded: [], changed: [], failed: [{ id: privateApp, code: 'APP_NOT_FOUND', error: 'App not found' }] });
    });

    it('approveApp with scopes answers NOT_FOUND, not INVALID_SCOPES (which would reveal the app)', async () => {
      const query = 'mutation ($a: ID!, $c: ID!) { approveApp(app: { appId: $a }, at: { clientId: $c }, scopes: ["nope"]) { changed } }';
      const { hidden, unknown } = await asUnknown(query, { a: privateApp, c: ids[key] }, { a: UNKNOWN, c: ids[key] }, admin);
      expect(hidden.body).toEqual(unknown.body);
      expect(hidden.body.errors![0]!.extensions).toEqual({ code: 'NOT_FOUND', field: 'appId' });
    });
  });

  it('a client token of a direct customer gets the same answers as an internal token acting on it', async () => {
    const own = createToken(t.db, { kind: 'client', clientId: ids.directCustomer, scopes: [...SCOPES] }).token;
    for (const [, query, vars] of [...SINGLE, ...BULK]) {
      const byClient = await gql(yoga, query, vars(ids.directCustomer, privateApp), own);
      const byAdmin = await gql(yoga, query, vars(ids.directCustomer, privateApp), admin);
      expect(byClient.body).toEqual(byAdmin.body);
    }
    expect(tableCounts(t.sqlite)).toMatchObject({ states: 0, events: 0, installRequests: 0, workspaceDecisions: 0 });
  });

  it("another directory's token on its own business does not see the private app either", async () => {
    const res = await gql(yoga, 'query ($c: ID!, $a: ID!) { app(clientId: $c, appId: $a) { id } }', { c: ids.theirBusiness, a: privateApp }, tokens.theirDirectory);
    expect(res.body.errors!.map((e) => e.extensions!.code)).toEqual(['NOT_FOUND']);
  });
});

describe("the owner directory's business sees and acts on its private app", () => {
  it.each([...SINGLE, ...BULK])('%s succeeds', async (name, query, vars) => {
    const res = await gql(yoga, query, vars(ids.myBusiness, privateApp), admin);
    expect(res.body.errors).toBeUndefined();
    if (name === 'Client.app' || name === 'Query.app') {
      expect(Object.values(res.body.data)[0]).toEqual(name === 'Client.app' ? { app: { id: privateApp, codeName: 'my-app' } } : { id: privateApp, codeName: 'my-app' });
    }
    if (BULK.some(([n]) => n === name)) expect(Object.values(res.body.data)[0]).toMatchObject({ succeeded: [privateApp], failed: [] });
  });

  it('writes for the owner: updateApp bumps the version and records one event', async () => {
    const [, query, vars] = SINGLE.find(([n]) => n === 'updateApp')!;
    const res = await gql(yoga, query, vars(ids.myBusiness, privateApp), tokens.directory);
    expect(res.body).toEqual({ data: { updateApp: { id: privateApp, version: 1 } } });
    expect(tableCounts(t.sqlite)).toMatchObject({ states: 1, events: 1 });
  });
});

const LIST = `query ($c: ID!, $first: Int, $after: String, $order: AppOrder, $search: String) {
  client(id: $c) { apps(first: $first, after: $after, orderBy: $order, search: $search) {
    totalCount nodes { codeName } pageInfo { hasNextPage endCursor } } } }`;

describe('listings show public apps and the client\'s own directory\'s, nothing else', () => {
  it.each([
    ['directCustomer', ['public-app']],
    ['theirBusiness', ['public-app', 'their-app']],
    ['myBusiness', ['my-app', 'public-app']],
  ] as const)('Client.apps of %s', async (key, expected) => {
    const res = await gql(yoga, LIST, { c: ids[key] }, admin);
    expect(res.body.data.client.apps).toMatchObject({ totalCount: expected.length, nodes: expected.map((codeName) => ({ codeName })) });
    const search = await gql(yoga, LIST, { c: ids[key], search: 'private' }, admin);
    expect(search.body.data.client.apps.nodes).toEqual(expected.filter((c) => c !== 'public-app').map((codeName) => ({ codeName })));
  });

  it.each([
    ['NAME', 'ASC', ['my-app', 'public-app']],
    ['NAME', 'DESC', ['public-app', 'my-app']],
    ['UPDATED_AT', 'ASC', ['public-app', 'my-app']],
    ['UPDATED_AT', 'DESC', ['my-app', 'public-app']],
  ] as const)('pages by %s %s across the public and the own range, one app a page', async (field, direction, expected) => {
    await gql(yoga, SINGLE.find(([n]) => n === 'updateApp')![1], { c: ids.myBusiness, a: privateApp }, admin);
    const seen: string[] = [];
    let after: string | null = null;
    for (;;) {
      const res: GraphQLResponse = await gql(yoga, LIST, { c: ids.myBusiness, first: 1, after, order: { field, direction } }, admin);
      const apps: { nodes: { codeName: string }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } = res.body.data.client.apps;
      seen.push(...apps.nodes.map((n: { codeName: string }) => n.codeName));
      if (!apps.pageInfo.hasNextPage) break;
      after = apps.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected);
  });

  it.each([
    ['directCustomer', ['public-app']],
    ['theirBusiness', ['public-app', 'their-app']],
    ['myBusiness', ['my-app', 'public-app']],
  ] as const)('Workspace.apps of %s', async (key, expected) => {
    const res = await gql(yoga, 'query ($w: ID!) { workspace(id: $w) { apps { nodes { app { codeName } } } } }', { w: workspaceOf[ids[key]] }, admin);
    expect(res.body.data.workspace.apps.nodes).toEqual(expected.map((codeName) => ({ app: { codeName } })));
  });
});

describe('the rule, as a function over rows and as SQL', () => {
  it('agree on every owner / client directory combination', () => {
    const cases = [
      [null, null, true],
      [null, ids.mine, true],
      [ids.mine, null, false],
      [ids.mine, ids.mine, true],
      [ids.mine, ids.theirs, false],
    ] as const;
    const clientOf = (directory: string | null) => (directory === null ? ids.directCustomer : directory === ids.mine ? ids.myBusiness : ids.theirBusiness);
    const appOf = (owner: string | null) => appId(owner === null ? 'public-app' : 'my-app');
    for (const [owner, directory, visible] of cases) {
      expect(appVisibleToClient({ ownerDirectoryId: owner }, { directoryId: directory })).toBe(visible);
      const row = t.db.get<{ v: number }>(sql`SELECT ${appVisibleSql(clientOf(directory))} AS v FROM apps AS a WHERE a.id = ${appOf(owner)}`);
      expect(row.v === 1).toBe(visible);
    }
  });
});

describe('the REST and Slack routes answer as for an unknown app too', () => {
  const notFound = { error: { code: 'NOT_FOUND', message: 'App not found' } };
  it.each([
    ['GET /v2 app', (app: string) => rest(yoga, 'GET', `/v2/clients/${ids.directCustomer}/apps/${app}`, { token: admin }), 404, () => notFound],
    ['GET /v2 app history', (app: string) => rest(yoga, 'GET', `/v2/clients/${ids.theirBusiness}/apps/${app}/history`, { token: admin }), 404, () => notFound],
    [
      'POST /v2 approval',
      (app: string) => rest(yoga, 'POST', `/v2/clients/${ids.directCustomer}/apps/approval`, { token: admin, body: { app_ids: [app] } }),
      200,
      () => ({ succeeded: [], failed: [{ id: privateApp, error: 'App not found', code: 'APP_NOT_FOUND' }] }),
    ],
    [
      'Slack admin.apps.approve',
      (app: string) => rest(yoga, 'POST', '/api/admin.apps.approve', { token: admin, body: { enterprise_id: ids.theirBusiness, app_id: app } }),
      200,
      () => ({ ok: false, error: 'invalid_app_id' }),
    ],
  ] as const)('%s', async (_name, call, status, body) => {
    const before = tableCounts(t.sqlite);
    const hidden = await call(privateApp);
    const unknown = await call(UNKNOWN);
    expect(tableCounts(t.sqlite)).toEqual(before);
    expect([hidden.status, hidden.body]).toEqual([status, body()]);
    expect([hidden.status, JSON.parse(JSON.stringify(hidden.body).replaceAll(privateApp, UNKNOWN))]).toEqual([unknown.status, unknown.body]);
  });

  it('the owner business reaches it through /v2', async () => {
    const res = await rest(yoga, 'GET', `/v2/clients/${ids.myBusiness}/apps/${privateApp}`, { token: admin });
    expect([res.status, res.body.code_name]).toEqual([200, 'my-app']);
  });
});
