import { beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/services/apps';
import { createWorkspace } from '../src/services/workspaces';
import { createAppgovYoga, type AppgovYoga } from './helpers/yoga';
import { issueToken, seedTenant, testDatabase, uuid } from './helpers/db';
import { errorCodes, gql } from './helpers/graphql';
import { tableCounts } from './helpers/tables';

const APP = uuid(1);
const WS1 = uuid(901);
const WS2 = uuid(902);

let t: ReturnType<typeof testDatabase>;
let yoga: AppgovYoga;
let admin: string;
let requester: string;
let clientId: string;

beforeEach(() => {
  t = testDatabase();
  ({ clientId } = seedTenant(t.db));
  createApp(t.db, { id: APP, name: 'Chat', scopes: ['chat:write', 'files:read'] });
  createWorkspace(t.db, { clientId, name: 'Sales', id: WS1 });
  createWorkspace(t.db, { clientId, name: 'Eng', id: WS2 });
  admin = issueToken(t.db, 'internal', undefined, undefined, 'admin').token;
  requester = issueToken(t.db, 'client', clientId, ['apps:request'], 'alice').token;
  yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 1000 } });
});

const DECIDE = (name: string) => /* GraphQL */ `
  mutation ($app: AppOrInstallRequest!, $at: ClientOrWorkspace!, $reason: String) {
    ${name}(app: $app, at: $at, reason: $reason) { action changed workspaceId resolvedRequestIds app { id resolution needsReapproval } }
  }`;
const WS_APPS = /* GraphQL */ `
  query ($id: ID!) { workspace(id: $id) { name apps { nodes { resolution source orgResolution workspaceResolution approvedScopes app { id } } } } }`;
const REQUEST = /* GraphQL */ `
  mutation ($ws: ID!, $app: ID!, $scopes: [String!]) {
    requestAppInstall(workspaceId: $ws, appId: $app, scopes: $scopes, message: "for the sales team") { id status scopes requester message }
  }`;

const wsApps = async (id: string) => (await gql(yoga, WS_APPS, { id }, admin)).body.data.workspace.apps.nodes;

describe('approveApp / restrictApp / clearAppResolution', () => {
  it('org restriction voids a workspace approval and refuses new ones with APP_RESTRICTED_ORG_WIDE', async () => {
    const approved = await gql(yoga, DECIDE('approveApp'), { app: { appId: APP }, at: { workspaceId: WS1 } }, admin);
    expect(approved.body.data.approveApp).toEqual({
      action: 'APPROVE',
      changed: true,
      workspaceId: WS1,
      resolvedRequestIds: [],
      app: { id: APP, resolution: 'UNRESOLVED', needsReapproval: false },
    });
    await gql(yoga, DECIDE('restrictApp'), { app: { appId: APP }, at: { clientId }, reason: 'audit' }, admin);
    expect(await wsApps(WS1)).toEqual([
      { resolution: 'RESTRICTED', source: 'ORG', orgResolution: 'RESTRICTED', workspaceResolution: null, approvedScopes: null, app: { id: APP } },
    ]);
    const before = tableCounts(t.sqlite);
    const refused = await gql(yoga, DECIDE('approveApp'), { app: { appId: APP }, at: { workspaceId: WS1 } }, admin);
    expect(errorCodes(refused)).toEqual(['APP_RESTRICTED_ORG_WIDE']);
    expect(tableCounts(t.sqlite)).toEqual(before);
    const history = await gql(
      yoga,
      `query ($c: ID!, $a: ID!) { appHistory(clientId: $c, appId: $a) { nodes { type actor { name } ... on WorkspaceApprovalVoidedEvent { workspaceId reason } ... on WorkspaceResolutionChangedEvent { workspaceId toResolution approvedScopes } } } }`,
      { c: clientId, a: APP },
      admin,
    );
    expect(history.body.data.appHistory.nodes).toEqual([
      { type: 'WORKSPACE_APPROVAL_VOIDED', actor: { name: 'admin' }, workspaceId: WS1, reason: 'audit' },
      { type: 'APPROVAL_STATUS_CHANGED', actor: { name: 'admin' } },
      { type: 'WORKSPACE_RESOLUTION_CHANGED', actor: { name: 'admin' }, workspaceId: WS1, toResolution: 'APPROVED', approvedScopes: ['chat:write', 'files:read'] },
    ]);
  });

  it('workspace restriction under an org approval; org clear keeps it', async () => {
    await gql(yoga, DECIDE('approveApp'), { app: { appId: APP }, at: { clientId } }, admin);
    await gql(yoga, DECIDE('restrictApp'), { app: { appId: APP }, at: { workspaceId: WS1 } }, admin);
    expect((await wsApps(WS1)).map((a: any) => [a.resolution, a.source])).toEqual([['RESTRICTED', 'WORKSPACE']]);
    expect((await wsApps(WS2)).map((a: any) => [a.resolution, a.source, a.approvedScopes])).toEqual([['APPROVED', 'ORG', ['chat:write', 'files:read']]]);
    const cleared = await gql(yoga, DECIDE('clearAppResolution'), { app: { appId: APP }, at: { clientId } }, admin);
    expect(cleared.body.data.clearAppResolution.changed).toBe(true);
    expect((await wsApps(WS1)).map((a: any) => [a.resolution, a.source])).toEqual([['RESTRICTED', 'WORKSPACE']]);
    expect((await wsApps(WS2)).map((a: any) => [a.resolution, a.source])).toEqual([['UNRESOLVED', 'NONE']]);
  });

  it('@oneOf refuses both or neither key before anything runs', async () => {
    const both = await gql(yoga, DECIDE('approveApp'), { app: { appId: APP, requestId: APP }, at: { clientId } }, admin);
    const neither = await gql(yoga, DECIDE('approveApp'), { app: {}, at: { clientId, workspaceId: WS1 } }, admin);
    // `neither` breaks both inputs: one error each.
    expect([errorCodes(both), errorCodes(neither)]).toEqual([['BAD_USER_INPUT'], ['BAD_USER_INPUT', 'BAD_USER_INPUT']]);
    expect(both.body.errors![0]!.message).toContain('Exactly one key must be specified for OneOf type "AppOrInstallRequest"');
  });

  it('NOT_FOUND names the argument; INVALID_SCOPES lists the scopes', async () => {
    const noApp = await gql(yoga, DECIDE('approveApp'), { app: { appId: uuid(77) }, at: { clientId } }, admin);
    const noWs = await gql(yoga, DECIDE('approveApp'), { app: { appId: APP }, at: { workspaceId: uuid(77) } }, admin);
    const noReq = await gql(yoga, DECIDE('approveApp'), { app: { requestId: uuid(77) }, at: { clientId } }, admin);
    expect([noApp, noWs, noReq].map((r) => [r.body.errors![0]!.extensions!.code, r.body.errors![0]!.extensions!.field])).toEqual([
      ['NOT_FOUND', 'appId'],
      ['NOT_FOUND', 'workspaceId'],
      ['NOT_FOUND', 'requestId'],
    ]);
    const bad = await gql(
      yoga,
      `mutation ($c: ID!, $a: ID!) { approveApp(app: { appId: $a }, at: { clientId: $c }, scopes: ["chat:write", "admin"]) { changed } }`,
      { c: clientId, a: APP },
      admin,
    );
    expect(bad.body.errors![0]!.extensions).toEqual({ code: 'INVALID_SCOPES', field: 'scopes', invalidScopes: ['admin'] });
  });
});

describe('install requests through GraphQL', () => {
  it('a request for an app restricted org-wide is refused with APP_RESTRICTED_ORG_WIDE and writes nothing; a workspace restriction still takes requests', async () => {
    await gql(yoga, DECIDE('restrictApp'), { app: { appId: APP }, at: { clientId } }, admin);
    const before = tableCounts(t.sqlite);
    const refused = await gql(yoga, REQUEST, { ws: WS1, app: APP }, requester);
    expect(refused.body.data).toBeNull();
    expect(refused.body.errors![0]!.extensions).toEqual({ code: 'APP_RESTRICTED_ORG_WIDE', field: 'appId' });
    expect(tableCounts(t.sqlite)).toEqual(before);
    // Cleared at org level, a workspace restriction can still be lifted by a workspace approval: requests are taken.
    await gql(yoga, DECIDE('clearAppResolution'), { app: { appId: APP }, at: { clientId } }, admin);
    await gql(yoga, DECIDE('restrictApp'), { app: { appId: APP }, at: { workspaceId: WS1 } }, admin);
    const taken = await gql(yoga, REQUEST, { ws: WS1, app: APP }, requester);
    expect(taken.body.data.requestAppInstall.status).toBe('PENDING');
  });

  it('requestAppInstall needs apps:request; the request is listed, approved by id, then REQUEST_ALREADY_RESOLVED', async () => {
    const denied = await gql(yoga, REQUEST, { ws: WS1, app: APP }, issueToken(t.db, 'internal', undefined, ['apps:read', 'apps:write']).token);
    expect(denied.body.errors![0]!.extensions).toEqual({ code: 'FORBIDDEN', reason: 'MISSING_SCOPE', needed: 'apps:request', provided: ['apps:read', 'apps:write'] });
    const created = (await gql(yoga, REQUEST, { ws: WS1, app: APP, scopes: ['chat:write'] }, requester)).body.data.requestAppInstall;
    expect(created).toMatchObject({ status: 'PENDING', scopes: ['chat:write'], requester: 'alice', message: 'for the sales team' });
    const list = await gql(
      yoga,
      `query ($c: ID!) { client(id: $c) { installRequests { nodes { id status app { id } } } workspaces { nodes { name installRequests(status: APPROVED) { nodes { id } } } } } }`,
      { c: clientId },
      admin,
    );
    expect(list.body.data.client).toEqual({
      installRequests: { nodes: [{ id: created.id, status: 'PENDING', app: { id: APP } }] },
      workspaces: { nodes: [{ name: 'Eng', installRequests: { nodes: [] } }, { name: 'Sales', installRequests: { nodes: [] } }] },
    });
    const approved = await gql(yoga, DECIDE('approveApp'), { app: { requestId: created.id }, at: { workspaceId: WS1 } }, admin);
    expect(approved.body.data.approveApp).toMatchObject({ changed: true, resolvedRequestIds: [created.id] });
    expect((await wsApps(WS1))[0].approvedScopes).toEqual(['chat:write']);
    const again = await gql(yoga, DECIDE('restrictApp'), { app: { requestId: created.id }, at: { clientId } }, admin);
    expect(again.body.errors![0]!.extensions).toEqual({ code: 'REQUEST_ALREADY_RESOLVED', field: 'requestId', status: 'APPROVED' });
    const cancel = await gql(yoga, `mutation ($r: ID!, $c: ID!) { cancelAppInstallRequest(requestId: $r, clientId: $c) { status } }`, { r: created.id, c: clientId }, admin);
    expect(errorCodes(cancel)).toEqual(['REQUEST_ALREADY_RESOLVED']);
  });

  it('pages pending requests by cursor, newest first', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await gql(yoga, REQUEST, { ws: WS2, app: APP }, requester)).body.data.requestAppInstall.id);
    const page = `query ($w: ID!, $after: String) { workspace(id: $w) { installRequests(first: 2, after: $after) { nodes { id } pageInfo { hasNextPage endCursor } } } }`;
    const first = (await gql(yoga, page, { w: WS2 }, admin)).body.data.workspace.installRequests;
    const second = (await gql(yoga, page, { w: WS2, after: first.pageInfo.endCursor }, admin)).body.data.workspace.installRequests;
    const seen = [...first.nodes, ...second.nodes].map((n: { id: string }) => n.id);
    expect([first.pageInfo.hasNextPage, second.pageInfo.hasNextPage, [...seen].sort()]).toEqual([true, false, [...ids].sort()]);
  });
});

describe('bulk calls with a workspaceId', () => {
  it('restrictApps and approveApps at a workspace; approval fails per app under an org restriction', async () => {
    const bulk = (name: string, vars: Record<string, unknown>) =>
      gql(yoga, `mutation ($c: ID, $w: ID, $ids: [ID!]!) { ${name}(clientId: $c, workspaceId: $w, appIds: $ids) { succeeded changed failed { id code } } }`, vars, admin);
    await bulk('restrictApps', { c: clientId, ids: [APP] });
    const result = await bulk('approveApps', { w: WS1, ids: [APP, uuid(77)] });
    expect(result.body.data.approveApps).toEqual({
      succeeded: [],
      changed: [],
      failed: [
        { id: APP, code: 'APP_RESTRICTED_ORG_WIDE' },
        { id: uuid(77), code: 'APP_NOT_FOUND' },
      ],
    });
    const both = await bulk('approveApps', { c: clientId, w: WS1, ids: [APP] });
    expect(both.body.errors![0]!.extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'clientId', reason: 'TOO_MANY_TARGETS' });
  });
});

describe('tenancy of workspaces', () => {
  it("another client's token learns nothing: its workspaces are NOT_FOUND, like unknown ones, and nothing is written", async () => {
    const other = seedTenant(t.db, { clientNumber: 2 });
    const foreign = issueToken(t.db, 'client', other.clientId).token;
    const read = await gql(yoga, WS_APPS, { id: WS1 }, foreign);
    const unknown = await gql(yoga, WS_APPS, { id: uuid(77) }, foreign);
    expect([read.body.errors![0]!.extensions, unknown.body.errors![0]!.extensions]).toEqual([
      { code: 'NOT_FOUND', field: 'workspaceId' },
      { code: 'NOT_FOUND', field: 'workspaceId' },
    ]);
    const before = tableCounts(t.sqlite);
    const write = await gql(yoga, DECIDE('restrictApp'), { app: { appId: APP }, at: { workspaceId: WS1 } }, foreign);
    expect(errorCodes(write)).toEqual(['NOT_FOUND']);
    expect(tableCounts(t.sqlite)).toEqual(before);
    const own = issueToken(t.db, 'client', clientId).token;
    expect((await gql(yoga, WS_APPS, { id: WS1 }, own)).body.data.workspace.name).toBe('Sales');
    const request = (await gql(yoga, REQUEST, { ws: WS1, app: APP }, requester)).body.data.requestAppInstall;
    const ONE = `query ($id: ID!) { installRequest(id: $id) { id } }`;
    expect([(await gql(yoga, ONE, { id: request.id }, foreign)).body, (await gql(yoga, ONE, { id: request.id }, own)).body]).toEqual([
      { data: { installRequest: null } },
      { data: { installRequest: { id: request.id } } },
    ]);
  });
});
