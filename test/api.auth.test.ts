import { beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../src/auth/tokens';
import { createAppgovYoga, type AppgovYoga, onPostgres, onServedDatabase } from './helpers/yoga';
import { issueToken, seedTenant, testDatabase } from './helpers/db';
import { errorCodes, gql } from './helpers/graphql';
import { tableCounts } from './helpers/tables';

const APPROVE = `mutation ($c: ID!, $a: [ID!]!) { approveApps(clientId: $c, appIds: $a) { succeeded failed { id } } }`;
const CLIENT = `query ($c: ID!) { client(id: $c) { id name apps { nodes { id isApproved } } } }`;
const HISTORY = `query ($c: ID!, $a: ID!) { appHistory(clientId: $c, appId: $a) { nodes { id } } }`;

let t: ReturnType<typeof testDatabase>;
let yoga: AppgovYoga;
let mine: { clientId: string; appIds: string[] };
let theirs: { clientId: string; appIds: string[] };
const tokens: Record<string, string> = {};

beforeAll(async () => {
  t = testDatabase();
  mine = seedTenant(t.db, { clientNumber: 1, appCount: 2 });
  theirs = seedTenant(t.db, { clientNumber: 2 });
  tokens.internal = issueToken(t.db, 'internal').token;
  tokens.mine = issueToken(t.db, 'client', mine.clientId).token;
  tokens.readOnly = issueToken(t.db, 'client', mine.clientId, ['apps:read']).token;
  tokens.writeOnly = issueToken(t.db, 'client', mine.clientId, ['apps:write']).token;
  // Their client has a decision that must never show through our tokens.
  yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 10 } });
  const approved = await gql(yoga, APPROVE, { c: theirs.clientId, a: [mine.appIds[0]] }, tokens.internal);
  expect(approved.body.data.approveApps.succeeded).toEqual([mine.appIds[0]]);
});

describe('authentication: HTTP 401, WWW-Authenticate: Bearer, UNAUTHENTICATED', () => {
  const headerCases: [string, Record<string, string>][] = [
    ['no Authorization header', {}],
    ['a scheme other than Bearer', { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` }],
    ['Bearer with nothing after it', { authorization: 'Bearer ' }],
    ['a token of the wrong shape', { authorization: 'Bearer not-a-real-token' }],
    ['a well-formed token that was never issued', { authorization: `Bearer agv_${'A'.repeat(43)}` }],
  ];
  it.each(headerCases)('%s', async (_name, headers) => {
    for (const [query, variables] of [
      [CLIENT, { c: mine.clientId }],
      [APPROVE, { c: mine.clientId, a: [mine.appIds[0]] }],
    ] as const) {
      const before = tableCounts(t.sqlite);
      const res = await gql(yoga, query, variables, null, headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(errorCodes(res)).toEqual(['UNAUTHENTICATED']);
      expect(Object.values(res.body.data ?? {}).every((value) => value === null)).toBe(true);
      expect(tableCounts(t.sqlite)).toEqual(before);
    }
  });

  it('introspection needs no token (the schema is public)', async () => {
    const res = await gql(yoga, '{ __schema { queryType { name } } }');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
  });

  it('tokens are stored only as SHA-256 hashes', () => {
    const stored = t.sqlite.prepare('SELECT token_hash FROM tokens').all() as { token_hash: string }[];
    const all = JSON.stringify(t.sqlite.prepare('SELECT * FROM tokens').all());
    for (const secret of Object.values(tokens)) {
      expect(all).not.toContain(secret);
      expect(stored.map((r) => r.token_hash)).toContain(hashToken(secret));
    }
  });
});

describe('scopes and tenancy: FORBIDDEN, NOT_FOUND, nothing written, nothing leaked', () => {
  it('a client token reads its own client', async () => {
    const res = await gql(yoga, CLIENT, { c: mine.clientId }, tokens.mine);
    expect(res.body.data.client.id).toBe(mine.clientId);
    // The other client's approval of the same app does not show here.
    expect(res.body.data.client.apps.nodes.map((a: { isApproved: boolean }) => a.isApproved)).toEqual([false, false]);
  });

  it("a client token on another client is FORBIDDEN for reads, history and writes, and sees none of its data", async () => {
    const before = tableCounts(t.sqlite);
    for (const [query, variables] of [
      [CLIENT, { c: theirs.clientId }],
      [HISTORY, { c: theirs.clientId, a: mine.appIds[0] }],
      [APPROVE, { c: theirs.clientId, a: [mine.appIds[1]] }],
    ] as const) {
      const res = await gql(yoga, query, variables, tokens.mine);
      expect(errorCodes(res)).toEqual(['FORBIDDEN']);
      expect(res.body.errors![0]!.message).toBe('This token may not act on that client');
      expect(JSON.stringify(res.body.data)).not.toContain(theirs.clientId);
    }
    expect(tableCounts(t.sqlite)).toEqual(before);
  });

  it('a client token cannot tell an unknown client from a forbidden one', async () => {
    const res = await gql(yoga, CLIENT, { c: 'ffffffff-ffff-ffff-ffff-ffffffffffff' }, tokens.mine);
    expect(errorCodes(res)).toEqual(['FORBIDDEN']);
  });

  it('an internal token gets NOT_FOUND for an unknown client, with client: null', async () => {
    const res = await gql(yoga, CLIENT, { c: 'ffffffff-ffff-ffff-ffff-ffffffffffff' }, tokens.internal);
    expect(errorCodes(res)).toEqual(['NOT_FOUND']);
    expect(res.body.data).toEqual({ client: null });
  });

  it('NOT_FOUND for the history of an app the catalog does not have', async () => {
    const res = await gql(yoga, HISTORY, { c: mine.clientId, a: 'ffffffff-ffff-ffff-ffff-ffffffffffff' }, tokens.internal);
    expect(errorCodes(res)).toEqual(['NOT_FOUND']);
    expect(res.body.errors![0]!.message).toBe('App not found');
  });

  it('a token without apps:write cannot write, and writes nothing', async () => {
    const before = tableCounts(t.sqlite);
    const res = await gql(yoga, APPROVE, { c: mine.clientId, a: [mine.appIds[0]] }, tokens.readOnly);
    expect(errorCodes(res)).toEqual(['FORBIDDEN']);
    expect(res.body.errors![0]!.message).toBe('This token lacks the apps:write scope');
    expect(tableCounts(t.sqlite)).toEqual(before);
  });

  it('a token without apps:read cannot read, not even nested history under a write result', async () => {
    const res = await gql(yoga, CLIENT, { c: mine.clientId }, tokens.writeOnly);
    expect(errorCodes(res)).toEqual(['FORBIDDEN']);
    expect(res.body.errors![0]!.message).toBe('This token lacks the apps:read scope');
    const ok = await gql(yoga, APPROVE, { c: mine.clientId, a: [mine.appIds[1]] }, tokens.writeOnly);
    expect(ok.body.data.approveApps.succeeded).toEqual([mine.appIds[1]]);
  });
});

describe('unexpected errors are masked', () => {
  it('a database failure reaches the client as INTERNAL_SERVER_ERROR with no SQL or stack', async () => {
    const broken = testDatabase();
    const { clientId, appIds } = seedTenant(broken.db, { appCount: 1 });
    const token = issueToken(broken.db, 'internal').token;
    const brokenYoga = createAppgovYoga({ db: broken.db, config: { maxBulkIds: 10 } });
    await onServedDatabase(broken.db, { sqlite: 'DROP INDEX app_history_events_app_type_idx; ALTER TABLE app_history_events RENAME TO gone', postgres: 'ALTER TABLE app_history_events RENAME TO gone' });
    const res = await gql(brokenYoga, APPROVE, { c: clientId, a: appIds }, token);
    expect(res.body.errors).toEqual([
      expect.objectContaining({ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }),
    ]);
    const text = JSON.stringify(res.body);
    expect(text).not.toMatch(/INSERT|app_history_events|no such table|at \w+ \(/);
    // All or nothing: the state upsert ran before the failing insert and was rolled back.
    expect(broken.sqlite.prepare('SELECT count(*) AS n FROM client_app_states').get()).toEqual({ n: 0 });
  });
});
