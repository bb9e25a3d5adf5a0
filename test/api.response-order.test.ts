import { beforeAll, describe, expect, it } from 'vitest';
import { approveApps } from '../src/services/approvals';
import { createAppgovYoga, type AppgovYoga } from './helpers/yoga';
import { issueToken, principalFor, seedTenant, testDatabase } from './helpers/db';
import { gql } from './helpers/graphql';

/**
 * GraphQL spec 7.2.2: a response's keys follow the selection set. Each query here puts a field
 * resolved through a DataLoader (`history`, an event's `app`) before a synchronous sibling, which
 * is where an executor that adds keys in resolution order goes wrong. Comparing the serialised
 * text checks the values and the key order at once (toEqual ignores key order).
 */
let yoga: AppgovYoga;
let token: string;
let clientId: string;
let appIds: string[];

beforeAll(() => {
  const t = testDatabase();
  ({ clientId, appIds } = seedTenant(t.db, { appCount: 3 }));
  approveApps(t.db, { clientId, appIds: [appIds[0]!], actor: principalFor(t.db), maxIds: 1000 });
  token = issueToken(t.db, 'internal').token;
  yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 1000 } });
});

async function responseText(query: string): Promise<string> {
  const response = await gql(yoga, query, { c: clientId }, token);
  expect(response.body.errors).toBeUndefined();
  return JSON.stringify(response.body);
}

describe('response key order', () => {
  it('keeps nodes (with loaded history) before pageInfo and totalCount, as asked', async () => {
    const text = await responseText(`query ($c: ID!) { client(id: $c) { apps(first: 2) {
      nodes { history(first: 1) { nodes { type } } name } pageInfo { hasNextPage } totalCount } } }`);
    expect(text).toBe(
      JSON.stringify({ data: { client: { apps: {
        nodes: [
          { history: { nodes: [{ type: 'APPROVAL_STATUS_CHANGED' }] }, name: 'App 00001' },
          { history: { nodes: [] }, name: 'App 00002' },
        ],
        pageInfo: { hasNextPage: true },
        totalCount: 3,
      } } } }),
    );
  });

  it('keeps pageInfo before nodes when asked in that order, at every level', async () => {
    const text = await responseText(`query ($c: ID!) { client(id: $c) { apps(first: 1) {
      pageInfo { hasNextPage } nodes { name history(first: 1) { pageInfo { hasNextPage } nodes { type } } } } } }`);
    expect(text).toBe(
      JSON.stringify({ data: { client: { apps: {
        pageInfo: { hasNextPage: true },
        nodes: [{ name: 'App 00001', history: { pageInfo: { hasNextPage: false }, nodes: [{ type: 'APPROVAL_STATUS_CHANGED' }] } }],
      } } } }),
    );
  });

  it("keeps an event's loaded app before its own fields in the audit view", async () => {
    const text = await responseText(`query ($c: ID!) { client(id: $c) { history(first: 1) { nodes { app { name } type } } } }`);
    expect(text).toBe(
      JSON.stringify({ data: { client: { history: { nodes: [{ app: { name: 'App 00001' }, type: 'APPROVAL_STATUS_CHANGED' }] } } } }),
    );
  });

  it('follows the selection set in a mutation result too', async () => {
    const response = await gql(
      yoga,
      `mutation ($c: ID!, $ids: [ID!]!) { approveApps(clientId: $c, appIds: $ids) { failed { code id } changed succeeded } }`,
      { c: clientId, ids: [appIds[1], 'ffffffff-ffff-ffff-ffff-ffffffffffff'] },
      token,
    );
    expect(JSON.stringify(response.body)).toBe(
      JSON.stringify({ data: { approveApps: {
        failed: [{ code: 'APP_NOT_FOUND', id: 'ffffffff-ffff-ffff-ffff-ffffffffffff' }],
        changed: [appIds[1]],
        succeeded: [appIds[1]],
      } } }),
    );
  });
});
