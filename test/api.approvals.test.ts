import { beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/services/apps';
import { createClient } from '../src/services/clients';
import { createAppgovYoga, type AppgovYoga } from './helpers/yoga';
import { issueToken, testDatabase } from './helpers/db';
import { errorCodes, gql } from './helpers/graphql';
import { tableCounts } from './helpers/tables';

// The seeds' own ids: client aa7cf840-…, apps f1a2b3c4-… (valid) and the all-f id that is well-formed but unknown.
const CLIENT = 'aa7cf840-9ca9-46a3-9778-9015d6580d50';
const APP_1 = 'f1a2b3c4-d5e6-7890-abcd-ef1234567890';
const APP_2 = '0b6a3c2e-8f1d-4e5a-9c7b-2d4f6a8b0c1e';
const UNKNOWN = 'ffffffff-ffff-ffff-ffff-ffffffffffff';

const APPROVE = /* GraphQL */ `
  mutation ($clientId: ID!, $appIds: [ID!]!) {
    approveApps(clientId: $clientId, appIds: $appIds) { succeeded failed { id error code } }
  }`;
const REMOVE = /* GraphQL */ `
  mutation ($clientId: ID!, $appIds: [ID!]!) {
    removeAppApprovals(clientId: $clientId, appIds: $appIds) { succeeded failed { id error code } }
  }`;
const APPS = /* GraphQL */ `
  query ($id: ID!) {
    client(id: $id) { apps(first: 100) { nodes { id isApproved approvedAt } } }
  }`;

let t: ReturnType<typeof testDatabase>;
let yoga: AppgovYoga;
let token: string;

beforeAll(() => {
  t = testDatabase();
  createClient(t.db, { id: CLIENT, name: 'Seed client' });
  createApp(t.db, { id: APP_1, name: 'Seed app one' });
  createApp(t.db, { id: APP_2, name: 'Seed app two' });
  token = issueToken(t.db, 'internal', undefined, undefined, 'seed admin').token;
  yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 3 } });
});

async function approvedIds(): Promise<string[]> {
  const res = await gql(yoga, APPS, { id: CLIENT }, token);
  return res.body.data.client.apps.nodes.filter((a: { isApproved: boolean }) => a.isApproved).map((a: { id: string }) => a.id);
}

describe('seed 000 — Approve Apps', () => {
  it('"All succeeded": both apps approved, failed empty', async () => {
    const res = await gql(yoga, APPROVE, { clientId: CLIENT, appIds: [APP_1, APP_2] }, token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { approveApps: { succeeded: [APP_1, APP_2], failed: [] } } });
    expect((await approvedIds()).sort()).toEqual([APP_1, APP_2].sort());
  });

  it('idempotent: approving already-approved apps succeeds again and writes no event', async () => {
    const before = tableCounts(t.sqlite);
    const res = await gql(yoga, APPROVE, { clientId: CLIENT, appIds: [APP_1, APP_2] }, token);
    expect(res.body.data.approveApps).toEqual({ succeeded: [APP_1, APP_2], failed: [] });
    expect(tableCounts(t.sqlite)).toEqual(before);
  });

  it('"Partial success": the unknown id fails with "App not found", the known one succeeds', async () => {
    const res = await gql(yoga, APPROVE, { clientId: CLIENT, appIds: [APP_1, UNKNOWN] }, token);
    expect(res.body).toEqual({
      data: { approveApps: { succeeded: [APP_1], failed: [{ id: UNKNOWN, error: 'App not found', code: 'APP_NOT_FOUND' }] } },
    });
  });
});

describe('seed 001 — Remove App Approvals', () => {
  it('"All succeeded" then idempotent, and history records the change with the actor', async () => {
    const res = await gql(yoga, REMOVE, { clientId: CLIENT, appIds: [APP_1, APP_2] }, token);
    expect(res.body).toEqual({ data: { removeAppApprovals: { succeeded: [APP_1, APP_2], failed: [] } } });
    expect(await approvedIds()).toEqual([]);
    const before = tableCounts(t.sqlite);
    const again = await gql(yoga, REMOVE, { clientId: CLIENT, appIds: [APP_1, APP_2] }, token);
    expect(again.body.data.removeAppApprovals).toEqual({ succeeded: [APP_1, APP_2], failed: [] });
    expect(tableCounts(t.sqlite)).toEqual(before);

    const history = await gql(
      yoga,
      `query ($c: ID!, $a: ID!) { appHistory(clientId: $c, appId: $a) { nodes {
        __typename type appId clientId actor { kind name } ... on ApprovalStatusChangedEvent { wasApproved isApproved } } } }`,
      { c: CLIENT, a: APP_1 },
      token,
    );
    const actor = { kind: 'INTERNAL_TOKEN', name: 'seed admin' };
    const common = { __typename: 'ApprovalStatusChangedEvent', type: 'APPROVAL_STATUS_CHANGED', appId: APP_1, clientId: CLIENT, actor };
    expect(history.body.data.appHistory.nodes).toEqual([
      { ...common, wasApproved: true, isApproved: false },
      { ...common, wasApproved: false, isApproved: true },
    ]);
  });

  it('"Partial success"', async () => {
    const res = await gql(yoga, REMOVE, { clientId: CLIENT, appIds: [APP_1, UNKNOWN] }, token);
    expect(res.body).toEqual({
      data: { removeAppApprovals: { succeeded: [APP_1], failed: [{ id: UNKNOWN, error: 'App not found', code: 'APP_NOT_FOUND' }] } },
    });
  });
});

describe('bad input: BAD_USER_INPUT naming the offending ids, nothing written', () => {
  const cases: [string, string[], string][] = [
    ['empty appIds', [], 'appIds must name at least one id'],
    [
      "the seeds' example request body",
      [APP_1, 'g2b3c4d5-e6f7-8901-bcde-f12345678901', 'h3c4d5e6-f7a8-9012-cdef-234567890123'],
      'appIds has ids that are not a UUID (8-4-4-4-12 hexadecimal): "g2b3c4d5-e6f7-8901-bcde-f12345678901", "h3c4d5e6-f7a8-9012-cdef-234567890123"',
    ],
    ['a truncated id', ['f1a2b3c4-d5e6-7890-abcd-ef123456789'], 'not a UUID (8-4-4-4-12 hexadecimal): "f1a2b3c4-d5e6-7890-abcd-ef123456789"'],
    [
      'more distinct ids than APPGOV_MAX_BULK_IDS (3 here)',
      [APP_1, APP_2, UNKNOWN, '11111111-1111-1111-1111-111111111111'],
      'appIds names 4 distinct ids; at most 3 are allowed in one call',
    ],
  ];
  for (const mutation of [APPROVE, REMOVE]) {
    it.each(cases)(`${mutation.includes('approveApps') ? 'approveApps' : 'removeAppApprovals'}: %s`, async (_n, appIds, message) => {
      const before = tableCounts(t.sqlite);
      const res = await gql(yoga, mutation, { clientId: CLIENT, appIds }, token);
      expect(res.body.data).toBeNull();
      expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
      expect(res.body.errors![0]!.message).toContain(message);
      expect(res.body.errors![0]!.extensions!.field).toBe('appIds');
      expect(tableCounts(t.sqlite)).toEqual(before);
    });
  }

  it('the limit counts distinct ids: four entries naming three ids pass', async () => {
    const res = await gql(yoga, APPROVE, { clientId: CLIENT, appIds: [APP_1, APP_2, APP_1.toUpperCase(), UNKNOWN] }, token);
    expect(res.body.data.approveApps.succeeded).toEqual([APP_1, APP_2]);
    expect(res.body.data.approveApps.failed.map((f: { id: string }) => f.id)).toEqual([UNKNOWN]);
  });

  it('a clientId that is not a UUID', async () => {
    const res = await gql(yoga, APPROVE, { clientId: 'acme', appIds: [APP_1] }, token);
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.body.errors![0]!.message).toBe('clientId must be a UUID (8-4-4-4-12 hexadecimal); got "acme"');
  });

  it('an unknown client is NOT_FOUND and nothing is written', async () => {
    const before = tableCounts(t.sqlite);
    const res = await gql(yoga, APPROVE, { clientId: UNKNOWN, appIds: [APP_1] }, token);
    expect(errorCodes(res)).toEqual(['NOT_FOUND']);
    expect(res.body.errors![0]!.message).toBe('Client not found');
    expect(tableCounts(t.sqlite)).toEqual(before);
  });

  it('a missing or mistyped argument is refused by GraphQL validation with a code', async () => {
    const missing = await gql(yoga, `mutation { approveApps(clientId: "${CLIENT}") { succeeded } }`, {}, token);
    expect(missing.body.errors![0]!.message).toContain('argument "appIds" of type "[ID!]!" is required');
    expect(errorCodes(missing)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const nullItem = await gql(yoga, APPROVE, { clientId: CLIENT, appIds: [APP_1, null] }, token);
    expect(nullItem.body.errors![0]!.message).toContain('Variable "$appIds"');
    expect(errorCodes(nullItem)).toEqual(['BAD_USER_INPUT']);
  });
});
