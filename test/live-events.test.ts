/**
 * Live events (GraphQL subscriptions over Server-Sent Events), through the API on both stores:
 * a stream hands over every new history event of its client once, in commit order; `after`
 * replays exactly what was missed; filters, tenancy, limits and a revoked token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeToken } from '../src/auth/tokens';
import { createInstallRequest } from '../src/services/install-requests';
import { createWorkspace } from '../src/services/workspaces';
import { issueToken, seedTenant, testDatabase } from './helpers/db';
import { gql } from './helpers/graphql';
import { rest } from './helpers/rest';
import { subscribe, type Subscriber } from './helpers/sse';
import { createAppgovYoga, onPostgres, type AppgovYoga } from './helpers/yoga';

let t: ReturnType<typeof testDatabase>;
let yoga: AppgovYoga;
let token: string;
let clientN = 100;
const open: Subscriber[] = [];

beforeAll(() => {
  t = testDatabase();
  token = issueToken(t.db, 'internal', undefined, undefined, 'live admin').token;
  // A short poll: the streams of this process are nudged by its mutations anyway.
  yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 1000, livePollMs: 100 } });
});
afterAll(async () => {
  await Promise.all(open.map((s) => s.close()));
  t.sqlite.close();
});

function tenant(apps = 3) {
  clientN++;
  return seedTenant(t.db, { clientNumber: clientN, appCount: apps, firstApp: clientN * 100 });
}

const EVENTS = /* GraphQL */ `
  subscription ($clientId: ID!, $appId: ID, $workspaceId: ID, $types: [AppHistoryEventType!], $after: String) {
    historyEvents(clientId: $clientId, appId: $appId, workspaceId: $workspaceId, types: $types, after: $after) {
      id type appId clientId createdAt actor { kind name }
      ... on ApprovalStatusChangedEvent { toResolution }
      ... on NoteAddedEvent { note }
    }
  }`;

async function events(variables: Record<string, unknown>, as: string | null = token): Promise<Subscriber> {
  const s = await subscribe(yoga, EVENTS, variables, as);
  open.push(s);
  return s;
}

const APPROVE = /* GraphQL */ `
  mutation ($clientId: ID, $workspaceId: ID, $appIds: [ID!]!) { approveApps(clientId: $clientId, workspaceId: $workspaceId, appIds: $appIds) { changed } }`;
const REMOVE = /* GraphQL */ `
  mutation ($clientId: ID!, $appIds: [ID!]!) { removeAppApprovals(clientId: $clientId, appIds: $appIds) { changed } }`;
const NOTE = /* GraphQL */ `
  mutation ($clientId: ID!, $appId: ID!, $note: String!) { addAppHistoryNote(clientId: $clientId, appId: $appId, note: $note) { id } }`;

async function mutate(query: string, variables: Record<string, unknown>) {
  const res = await gql(yoga, query, variables, token);
  expect(res.body.errors).toBeUndefined();
  return res.body.data;
}

async function take(s: Subscriber, n: number) {
  const out: any[] = [];
  for (let i = 0; i < n; i++) {
    const payload = await s.next();
    expect(payload.errors).toBeUndefined();
    out.push(payload.data.historyEvents);
  }
  return out;
}

describe('Subscription.historyEvents', () => {
  it('hands over each new event once, in commit order, starting now', async () => {
    const { clientId, appIds } = tenant(3);
    await mutate(APPROVE, { clientId, appIds: [appIds[0]] }); // before the stream: not sent
    const s = await events({ clientId });
    expect(s.status).toBe(200);
    await mutate(APPROVE, { clientId, appIds });
    await mutate(NOTE, { clientId, appId: appIds[2], note: 'checked' });
    await mutate(REMOVE, { clientId, appIds: [appIds[1]] });
    const got = await take(s, 4);
    expect(got.map((e) => [e.type, e.appId, e.toResolution ?? e.note])).toEqual([
      ['APPROVAL_STATUS_CHANGED', appIds[1], 'APPROVED'],
      ['APPROVAL_STATUS_CHANGED', appIds[2], 'APPROVED'],
      ['NOTE_ADDED', appIds[2], 'checked'],
      ['APPROVAL_STATUS_CHANGED', appIds[1], 'UNRESOLVED'],
    ]);
    // The same events, in the same order, as Client.history has them (newest first there).
    const history = await gql(yoga, `query ($c: ID!) { client(id: $c) { history(first: 10) { nodes { id } } } }`, { c: clientId }, token);
    expect(got.map((e) => e.id)).toEqual(history.body.data.client.history.nodes.slice(0, 4).map((e: any) => e.id).reverse());
    // Nothing more arrives.
    await expect(s.next(300)).rejects.toThrow(/no payload/);
  });
});
