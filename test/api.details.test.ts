import { beforeAll, describe, expect, it } from 'vitest';
import { createAppgovYoga, type AppgovYoga } from './helpers/yoga';
import { issueToken, seedTenant, testDatabase } from './helpers/db';
import { errorCodes, gql } from './helpers/graphql';
import { tableCounts } from './helpers/tables';

let t: ReturnType<typeof testDatabase>;
let yoga: AppgovYoga;
let token: string;
let clientId: string;
let appIds: string[];

const BULK = `mutation ($c: ID!, $a: [ID!]!, $reason: String, $dryRun: Boolean) {
  approveApps(clientId: $c, appIds: $a, reason: $reason, dryRun: $dryRun) { succeeded changed failed { id code } } }`;
const REMOVE = `mutation ($c: ID!, $a: [ID!]!, $reason: String, $dryRun: Boolean) {
  removeAppApprovals(clientId: $c, appIds: $a, reason: $reason, dryRun: $dryRun) { succeeded changed failed { id code } } }`;
const UPDATE = `mutation ($c: ID!, $a: ID!, $input: UpdateAppInput!) {
  updateApp(clientId: $c, appId: $a, input: $input) { id isApproved ownerEmail category riskLevel version updatedAt } }`;
const HISTORY = `query ($c: ID!, $a: ID!) { appHistory(clientId: $c, appId: $a) { nodes { __typename type
  ... on ApprovalStatusChangedEvent { isApproved reason }
  ... on AppUpdatedEvent { changes { field from to } reason }
  ... on NoteAddedEvent { note } } } }`;

beforeAll(() => {
  t = testDatabase();
  ({ clientId, appIds } = seedTenant(t.db, { appCount: 4 }));
  token = issueToken(t.db, 'internal', undefined, undefined, 'detail admin').token;
  yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 100 } });
});

describe('bulk calls: reason, dryRun, changed', () => {
  it('a dry run returns exactly what the real call returns, and writes nothing', async () => {
    const ids = [appIds[0], appIds[1], 'ffffffff-ffff-ffff-ffff-ffffffffffff'];
    const before = tableCounts(t.sqlite);
    const dry = await gql(yoga, BULK, { c: clientId, a: ids, dryRun: true }, token);
    expect(tableCounts(t.sqlite)).toEqual(before);
    const real = await gql(yoga, BULK, { c: clientId, a: ids, reason: '  Vendor review passed  ' }, token);
    expect(dry.body).toEqual(real.body);
    expect(real.body.data.approveApps).toEqual({
      succeeded: [appIds[0], appIds[1]],
      changed: [appIds[0], appIds[1]],
      failed: [{ id: 'ffffffff-ffff-ffff-ffff-ffffffffffff', code: 'APP_NOT_FOUND' }],
    });
    expect(tableCounts(t.sqlite).events).toBe(before.events + 2);
  });

  it('changed is empty on a repeat; the reason is on every event the call wrote', async () => {
    const again = await gql(yoga, BULK, { c: clientId, a: [appIds[0], appIds[1]] }, token);
    expect(again.body.data.approveApps.changed).toEqual([]);
    const history = await gql(yoga, HISTORY, { c: clientId, a: appIds[1] }, token);
    expect(history.body.data.appHistory.nodes).toEqual([
      { __typename: 'ApprovalStatusChangedEvent', type: 'APPROVAL_STATUS_CHANGED', isApproved: true, reason: 'Vendor review passed' },
    ]);
  });

  it('a dry run of removeAppApprovals reports the apps it would change', async () => {
    const dry = await gql(yoga, REMOVE, { c: clientId, a: [appIds[0], appIds[2]], dryRun: true }, token);
    expect(dry.body.data.removeAppApprovals).toEqual({ succeeded: [appIds[0], appIds[2]], changed: [appIds[0]], failed: [] });
    const app = await gql(yoga, `query ($c: ID!, $a: ID!) { client(id: $c) { app(id: $a) { isApproved } } }`, { c: clientId, a: appIds[0] }, token);
    expect(app.body.data.client.app.isApproved).toBe(true);
  });

  it('a dry run validates like the real call', async () => {
    for (const [variables, message] of [
      [{ a: [], dryRun: true }, 'appIds must name at least one id'],
      [{ a: [appIds[0]], reason: 'x'.repeat(501), dryRun: true }, 'reason must be at most 500 characters; got 501'],
      [{ a: ['g2b3c4d5-e6f7-8901-bcde-f12345678901'], dryRun: true }, 'not a UUID'],
    ] as const) {
      const res = await gql(yoga, BULK, { c: clientId, ...variables }, token);
      expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.body.errors![0]!.message).toContain(message);
    }
  });
});

describe('updateApp and addAppHistoryNote through the API', () => {
  it('patches, versions, and refuses a stale version with CONFLICT', async () => {
    const first = await gql(yoga, UPDATE, { c: clientId, a: appIds[3], input: { ownerEmail: 'ops@acme.test', riskLevel: 'CRITICAL', reason: 'SOC2 gap' } }, token);
    expect(first.body.data.updateApp).toEqual({
      id: appIds[3], isApproved: false, ownerEmail: 'ops@acme.test', category: null, riskLevel: 'CRITICAL', version: 1, updatedAt: expect.any(String),
    });
    const stale = await gql(yoga, UPDATE, { c: clientId, a: appIds[3], input: { category: 'Ops', expectedVersion: 0 } }, token);
    expect(errorCodes(stale)).toEqual(['CONFLICT']);
    expect(stale.body.errors![0]!.extensions).toMatchObject({ expectedVersion: 0, actualVersion: 1 });
    const ok = await gql(yoga, UPDATE, { c: clientId, a: appIds[3], input: { category: 'Ops', riskLevel: null, expectedVersion: 1 } }, token);
    expect(ok.body.data.updateApp).toMatchObject({ category: 'Ops', riskLevel: null, version: 2 });
    const note = await gql(yoga, `mutation ($c: ID!, $a: ID!, $n: String!) { addAppHistoryNote(clientId: $c, appId: $a, note: $n) {
      __typename type note appId actor { name } app { version } } }`, { c: clientId, a: appIds[3], n: ' Waiting on vendor. ' }, token);
    expect(note.body.data.addAppHistoryNote).toEqual({
      __typename: 'NoteAddedEvent', type: 'NOTE_ADDED', note: 'Waiting on vendor.', appId: appIds[3], actor: { name: 'detail admin' }, app: { version: 2 },
    });
    const history = await gql(yoga, HISTORY, { c: clientId, a: appIds[3] }, token);
    expect(history.body.data.appHistory.nodes).toEqual([
      { __typename: 'NoteAddedEvent', type: 'NOTE_ADDED', note: 'Waiting on vendor.' },
      { __typename: 'AppUpdatedEvent', type: 'APP_UPDATED', reason: null,
        changes: [{ field: 'category', from: null, to: 'Ops' }, { field: 'riskLevel', from: 'CRITICAL', to: null }] },
      { __typename: 'AppUpdatedEvent', type: 'APP_UPDATED', reason: 'SOC2 gap',
        changes: [{ field: 'ownerEmail', from: null, to: 'ops@acme.test' }, { field: 'riskLevel', from: null, to: 'CRITICAL' }] },
    ]);
  });

  it.each([
    [{}, 'input', 'empty patch'],
    [{ ownerEmail: 'nobody' }, 'input.ownerEmail', 'must be an email address'],
  ])('refuses input %j with BAD_USER_INPUT naming the field, writing nothing', async (input, field, message) => {
    const before = tableCounts(t.sqlite);
    const res = await gql(yoga, UPDATE, { c: clientId, a: appIds[3], input }, token);
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.body.errors![0]!.extensions!.field).toBe(field);
    expect(res.body.errors![0]!.message).toContain(message);
    expect(tableCounts(t.sqlite)).toEqual(before);
  });

  it('refuses an empty note', async () => {
    const res = await gql(yoga, `mutation ($c: ID!, $a: ID!) { addAppHistoryNote(clientId: $c, appId: $a, note: "  ") { id } }`, { c: clientId, a: appIds[3] }, token);
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.body.errors![0]!.extensions!.field).toBe('note');
  });

  it('a read-only token cannot update or add notes', async () => {
    const readOnly = issueToken(t.db, 'client', clientId, ['apps:read']).token;
    const res = await gql(yoga, UPDATE, { c: clientId, a: appIds[3], input: { category: 'X' } }, readOnly);
    expect(errorCodes(res)).toEqual(['FORBIDDEN']);
  });
});

describe('viewer', () => {
  it('describes the calling token, and its client for a client token', async () => {
    const clientToken = issueToken(t.db, 'client', clientId, ['apps:read'], 'dashboard').token;
    const query = '{ viewer { id kind name scopes client { id name } } }';
    const internal = await gql(yoga, query, {}, token);
    expect(internal.body.data.viewer).toEqual({ id: expect.any(String), kind: 'INTERNAL_TOKEN', name: 'detail admin', scopes: ['APPS_READ', 'APPS_WRITE'], client: null });
    const bound = await gql(yoga, query, {}, clientToken);
    expect(bound.body.data.viewer).toEqual({ id: expect.any(String), kind: 'CLIENT_TOKEN', name: 'dashboard', scopes: ['APPS_READ'], client: { id: clientId, name: 'Client 1' } });
    const anonymous = await gql(yoga, query);
    expect(anonymous.status).toBe(401);
    expect(errorCodes(anonymous)).toEqual(['UNAUTHENTICATED']);
  });
});
