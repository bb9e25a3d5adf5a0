import { beforeAll, describe, expect, it } from 'vitest';
import { approveApps, removeAppApprovals } from '../src/services/approvals';
import { createAppgovYoga, type AppgovYoga } from './helpers/yoga';
import { issueToken, principalFor, seedTenant, testDatabase } from './helpers/db';
import { errorCodes, gql, type GraphQLResponse } from './helpers/graphql';

let t: ReturnType<typeof testDatabase>;
let yoga: AppgovYoga;
let token: string;
let clientId: string;
let appIds: string[];

const APPS_PAGE = `query ($c: ID!, $first: Int, $after: String, $approved: Boolean) {
  client(id: $c) { apps(first: $first, after: $after, approved: $approved) {
    edges { cursor node { id } } nodes { id name isApproved approvedAt }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } } }`;
const HISTORY_PAGE = `query ($c: ID!, $a: ID!, $first: Int, $after: String) {
  appHistory(clientId: $c, appId: $a, first: $first, after: $after) {
    edges { cursor } nodes { id createdAt ... on ApprovalStatusChangedEvent { isApproved } }
    pageInfo { hasNextPage endCursor } } }`;

beforeAll(() => {
  t = testDatabase();
  // 130 apps; approve every third one. App 1 flips 5 times, for history paging.
  ({ clientId, appIds } = seedTenant(t.db, { appCount: 130 }));
  const actor = principalFor(t.db);
  approveApps(t.db, { clientId, appIds: appIds.filter((_, i) => i % 3 === 0), actor, maxIds: 1000 });
  for (let i = 0; i < 2; i++) {
    removeAppApprovals(t.db, { clientId, appIds: [appIds[0]!], actor, maxIds: 1000 });
    approveApps(t.db, { clientId, appIds: [appIds[0]!], actor, maxIds: 1000 });
  }
  token = issueToken(t.db, 'internal').token;
  yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 1000 } });
});

async function allPages(variables: Record<string, unknown>): Promise<string[]> {
  const seen: string[] = [];
  let after: string | null = null;
  for (let page = 0; page < 50; page++) {
    const res: GraphQLResponse = await gql(yoga, APPS_PAGE, { c: clientId, ...variables, after }, token);
    const apps: { nodes: { id: string }[]; edges: { node: { id: string } }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } =
      res.body.data.client.apps;
    seen.push(...apps.nodes.map((n: { id: string }) => n.id));
    expect(apps.edges.map((e: { node: { id: string } }) => e.node.id)).toEqual(apps.nodes.map((n: { id: string }) => n.id));
    if (!apps.pageInfo.hasNextPage) return seen;
    after = apps.pageInfo.endCursor;
  }
  throw new Error('pagination did not end');
}

describe('Client.apps', () => {
  it('lists every catalog app, 20 by default, ordered by name, with the client state', async () => {
    const res = await gql(yoga, APPS_PAGE, { c: clientId }, token);
    const apps = res.body.data.client.apps;
    expect(apps.nodes).toHaveLength(20);
    expect(apps.nodes[0]).toEqual({ id: appIds[0], name: 'App 00001', isApproved: true, approvedAt: expect.any(String) });
    expect(apps.nodes[1]).toEqual({ id: appIds[1], name: 'App 00002', isApproved: false, approvedAt: null });
    expect(apps.pageInfo).toEqual({
      hasNextPage: true,
      hasPreviousPage: false,
      startCursor: apps.edges[0].cursor,
      endCursor: apps.edges[19].cursor,
    });
  });

  it('pages through every app exactly once, with and without the approved filter', async () => {
    expect(await allPages({ first: 7 })).toEqual(appIds);
    expect(await allPages({ first: 7, approved: true })).toEqual(appIds.filter((_, i) => i % 3 === 0));
    expect(await allPages({ first: 100, approved: false })).toEqual(appIds.filter((_, i) => i % 3 !== 0));
  });

  it.each([
    [{ first: 0 }, 'first must be from 1 to 100; got 0'],
    [{ first: 101 }, 'first must be from 1 to 100; got 101'],
    [{ after: 'not a cursor' }, 'after is not a valid cursor for this list'],
    [{ after: Buffer.from('["hist",5]').toString('base64url') }, 'after is not a valid cursor for this list'],
  ])('refuses %j with BAD_USER_INPUT', async (variables, message) => {
    const res = await gql(yoga, APPS_PAGE, { c: clientId, ...variables }, token);
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    expect(res.body.errors![0]!.message).toBe(message);
  });

  it('Client.app returns one app, or null when the catalog has none', async () => {
    const res = await gql(yoga, `query ($c: ID!, $a: ID!, $x: ID!) { client(id: $c) { a: app(id: $a) { id isApproved } x: app(id: $x) { id } } }`,
      { c: clientId, a: appIds[3], x: 'ffffffff-ffff-ffff-ffff-ffffffffffff' }, token);
    expect(res.body).toEqual({ data: { client: { a: { id: appIds[3], isApproved: true }, x: null } } });
  });
});

describe('app history', () => {
  it('is newest first and pages with opaque cursors', async () => {
    const first = await gql(yoga, HISTORY_PAGE, { c: clientId, a: appIds[0], first: 2 }, token);
    const page1 = first.body.data.appHistory;
    expect(page1.nodes.map((n: { isApproved: boolean }) => n.isApproved)).toEqual([true, false]);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const rest = await gql(yoga, HISTORY_PAGE, { c: clientId, a: appIds[0], first: 10, after: page1.pageInfo.endCursor }, token);
    const page2 = rest.body.data.appHistory;
    expect(page2.nodes.map((n: { isApproved: boolean }) => n.isApproved)).toEqual([true, false, true]);
    expect(page2.pageInfo).toEqual({ hasNextPage: false, endCursor: page2.edges[2].cursor });
    const ids = [...page1.nodes, ...page2.nodes].map((n: { id: string }) => n.id);
    expect(new Set(ids).size).toBe(5);
  });

  it('refuses a cursor from another list, and first outside 1..100', async () => {
    const apps = await gql(yoga, APPS_PAGE, { c: clientId, first: 1 }, token);
    const appCursor = apps.body.data.client.apps.pageInfo.endCursor;
    const res = await gql(yoga, HISTORY_PAGE, { c: clientId, a: appIds[0], after: appCursor }, token);
    expect(errorCodes(res)).toEqual(['BAD_USER_INPUT']);
    const tooMany = await gql(yoga, HISTORY_PAGE, { c: clientId, a: appIds[0], first: 500 }, token);
    expect(errorCodes(tooMany)).toEqual(['BAD_USER_INPUT']);
  });

  it('a new request sees new history: loaders are never shared between requests', async () => {
    const [app] = appIds.slice(1, 2);
    const before = await gql(yoga, HISTORY_PAGE, { c: clientId, a: app }, token);
    expect(before.body.data.appHistory.nodes).toEqual([]);
    await gql(yoga, `mutation ($c: ID!, $a: [ID!]!) { approveApps(clientId: $c, appIds: $a) { succeeded } }`, { c: clientId, a: [app] }, token);
    const after = await gql(yoga, HISTORY_PAGE, { c: clientId, a: app }, token);
    expect(after.body.data.appHistory.nodes).toHaveLength(1);
    await gql(yoga, `mutation ($c: ID!, $a: [ID!]!) { removeAppApprovals(clientId: $c, appIds: $a) { succeeded } }`, { c: clientId, a: [app] }, token);
  });

  it('is append-only in the database itself', () => {
    expect(() => t.sqlite.exec("UPDATE app_history_events SET type = 'X'")).toThrow('app history is append-only');
    expect(() => t.sqlite.exec('DELETE FROM app_history_events')).toThrow('app history is append-only');
  });
});

describe('nested history goes through a per-request DataLoader', () => {
  const NESTED = (n: number) => `query ($c: ID!) { client(id: $c) { apps(first: ${n}) { nodes { id
    history(first: 5) { nodes { id ... on ApprovalStatusChangedEvent { isApproved } } pageInfo { hasNextPage } } } } } }`;

  it('100 apps × history(first: 5) is one history query, and the total does not grow with the page', async () => {
    const counts: Record<number, { total: number; history: number }> = {};
    for (const n of [1, 10, 100]) {
      t.sql.reset();
      const res = await gql(yoga, NESTED(n), { c: clientId }, token);
      const nodes = res.body.data.client.apps.nodes;
      expect(nodes).toHaveLength(n);
      counts[n] = {
        total: t.sql.statements.length,
        history: t.sql.statements.filter((s) => s.includes('app_history_events')).length,
      };
      if (n === 100) {
        // The batched answers match each app's own history.
        expect(nodes[0].history.nodes.map((e: { isApproved: boolean }) => e.isApproved)).toEqual([true, false, true, false, true]);
        expect(nodes[0].history.pageInfo.hasNextPage).toBe(false);
        expect(nodes[3].history.nodes).toHaveLength(1);
        expect(nodes[2].history.nodes).toEqual([]); // never decided
      }
    }
    // token lookup + client lookup + apps page + one history batch
    expect(counts).toEqual({ 1: { total: 4, history: 1 }, 10: { total: 4, history: 1 }, 100: { total: 4, history: 1 } });
  });
});
