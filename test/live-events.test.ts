/**
 * Live events (GraphQL subscriptions over Server-Sent Events), through the API on both stores:
 * a stream hands over every new history event of its client once, in commit order; `after`
 * replays exactly what was missed; filters, tenancy, limits and a revoked token.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { revokeToken } from '../src/auth/tokens';
import { createInstallRequest } from '../src/services/install-requests';
import { createWorkspace } from '../src/services/workspaces';
import { countingLoggerOf, issueToken, principalFor, seedTenant, testDatabase } from './helpers/db';
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
  // A short poll: the streams of this process are nudged by its mutations anyway.
  yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 1000, livePollMs: 100 } });
});
// A token per test: the streams one token holds open are bounded.
beforeEach(() => {
  token = issueToken(t.db, 'internal', undefined, ['apps:read', 'apps:write', 'apps:request'], 'live admin').token;
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});
afterAll(() => {
  t.sqlite.close();
});

function tenant(apps = 3) {
  clientN++;
  return seedTenant(t.db, { clientNumber: clientN, appCount: apps, firstApp: clientN * 1000 });
}

const EVENTS = /* GraphQL */ `
  subscription ($clientId: ID!, $appId: ID, $workspaceId: ID, $types: [AppHistoryEventType!], $after: String) {
    historyEvents(clientId: $clientId, appId: $appId, workspaceId: $workspaceId, types: $types, after: $after) {
      id type appId clientId createdAt actor { kind name }
      ... on ApprovalStatusChangedEvent { toResolution }
      ... on NoteAddedEvent { note }
      ... on WorkspaceResolutionChangedEvent { workspaceResolution: toResolution workspaceId }
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
  expect(res.body.errors, JSON.stringify(res.body.errors)).toBeUndefined();
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

describe('resuming with after', () => {
  it('replays exactly what was missed after an event id, then goes live, with no gap and no duplicate', async () => {
    const { clientId, appIds } = tenant(4);
    await mutate(APPROVE, { clientId, appIds: [appIds[0], appIds[1]] });
    const history = await gql(yoga, `query ($c: ID!) { client(id: $c) { history(first: 10) { nodes { id } } } }`, { c: clientId }, token);
    const seen = history.body.data.client.history.nodes.at(-1).id; // the oldest: appIds[0]'s approval
    await mutate(APPROVE, { clientId, appIds: [appIds[2]] });
    const s = await events({ clientId, after: seen });
    const replayed = await take(s, 2);
    expect(replayed.map((e) => e.appId)).toEqual([appIds[1], appIds[2]]);
    await mutate(APPROVE, { clientId, appIds: [appIds[3]] });
    const live = await take(s, 1);
    expect(live.map((e) => e.appId)).toEqual([appIds[3]]);
    await expect(s.next(300)).rejects.toThrow(/no payload/);
  });

  it('resumes from a Client.history cursor too, and a replay longer than one read comes whole and in order', async () => {
    const { clientId, appIds } = tenant(250);
    await mutate(APPROVE, { clientId, appIds: appIds.slice(0, 1) });
    const page = await gql(yoga, `query ($c: ID!) { client(id: $c) { history(first: 1) { pageInfo { endCursor } } } }`, { c: clientId }, token);
    const cursor = page.body.data.client.history.pageInfo.endCursor;
    await mutate(APPROVE, { clientId, appIds: appIds.slice(1) }); // 249 events, three reads of at most 100
    const sql = countingLoggerOf(t.db)!;
    sql.reset();
    const s = await events({ clientId, after: cursor });
    const replayed = await take(s, 249);
    // The reads of the events (on either store the only statements that read history here): 100, 100, 49.
    expect(sql.statements.filter((q) => /FROM app_history_events AS h/.test(q)).length).toBe(3);
    expect(replayed.map((e) => e.appId)).toEqual(appIds.slice(1));
    expect(new Set(replayed.map((e) => e.id)).size).toBe(249);
    await expect(s.next(300)).rejects.toThrow(/no payload/);
  });
});

describe('filters', () => {
  it('appId, types and workspaceId hand over only their events, and a stream filtered away from a busy app still gets its own', async () => {
    const { clientId, appIds } = tenant(3);
    const ws = createWorkspace(t.db, { clientId, name: 'Design' });
    const byApp = await events({ clientId, appId: appIds[0] });
    const notes = await events({ clientId, types: ['NOTE_ADDED'] });
    const inWorkspace = await events({ clientId, workspaceId: ws.id });
    await mutate(APPROVE, { clientId, appIds: [appIds[1], appIds[2]] });
    await mutate(APPROVE, { workspaceId: ws.id, appIds: [appIds[1]] });
    await mutate(NOTE, { clientId, appId: appIds[1], note: 'busy app' });
    await mutate(NOTE, { clientId, appId: appIds[0], note: 'mine' });
    expect((await take(byApp, 1)).map((e) => [e.type, e.note])).toEqual([['NOTE_ADDED', 'mine']]);
    expect((await take(notes, 2)).map((e) => e.note)).toEqual(['busy app', 'mine']);
    expect((await take(inWorkspace, 1)).map((e) => [e.type, e.appId, e.workspaceResolution, e.workspaceId])).toEqual([
      ['WORKSPACE_RESOLUTION_CHANGED', appIds[1], 'APPROVED', ws.id],
    ]);
    for (const s of [byApp, notes, inWorkspace]) await expect(s.next(300)).rejects.toThrow(/no payload/);
  });
});

const REQUESTS = /* GraphQL */ `
  subscription ($clientId: ID!, $workspaceId: ID, $after: String) {
    installRequests(clientId: $clientId, workspaceId: $workspaceId, after: $after) { id app { id } status resolvedBy resolvedAt workspace { id } }
  }`;

describe('Subscription.installRequests', () => {
  it('hands over each request as it stood after each change: created, then resolved by an approval', async () => {
    const { clientId, appIds } = tenant(2);
    const ws = createWorkspace(t.db, { clientId, name: 'Sales' });
    const s = await subscribe(yoga, REQUESTS, { clientId, workspaceId: ws.id }, token);
    open.push(s);
    const asked = await gql(
      yoga,
      `mutation ($w: ID!, $a: ID!) { requestAppInstall(workspaceId: $w, appId: $a, requester: "ana") { id } }`,
      { w: ws.id, a: appIds[0] },
      token,
    );
    expect(asked.body.errors).toBeUndefined();
    await mutate(APPROVE, { workspaceId: ws.id, appIds: [appIds[0]] });
    const created = await s.next();
    const resolved = await s.next();
    expect(created.errors).toBeUndefined();
    expect(created.data.installRequests).toMatchObject({ id: asked.body.data.requestAppInstall.id, status: 'PENDING', resolvedBy: null, resolvedAt: null, workspace: { id: ws.id } });
    expect(resolved.data.installRequests).toMatchObject({ id: asked.body.data.requestAppInstall.id, status: 'APPROVED', resolvedBy: 'live admin' });
    expect(resolved.data.installRequests.resolvedAt).toEqual(expect.any(String));
    // Approvals without a request are not install-request changes.
    await expect(s.next(300)).rejects.toThrow(/no payload/);
  });
});

describe('what a stream may follow', () => {
  async function refusal(query: string, variables: Record<string, unknown>, as: string | null) {
    const s = await subscribe(yoga, query, variables, as);
    open.push(s);
    const payload = await s.next();
    await s.ended;
    expect(payload.data?.historyEvents ?? payload.data?.installRequests ?? null).toBeNull();
    return payload.errors?.[0]?.extensions?.code;
  }

  it('refuses, with a code, what its token may not read and input it cannot use', async () => {
    const mine = tenant(1);
    const theirs = tenant(1);
    const clientToken = issueToken(t.db, 'client', mine.clientId).token;
    const theirWorkspace = createWorkspace(t.db, { clientId: theirs.clientId, name: 'Theirs' });
    await mutate(APPROVE, { clientId: theirs.clientId, appIds: theirs.appIds });
    const theirEvent = (await gql(yoga, `query ($c: ID!) { client(id: $c) { history(first: 1) { nodes { id } } } }`, { c: theirs.clientId }, token)).body.data.client.history.nodes[0].id;
    expect(await refusal(EVENTS, { clientId: mine.clientId }, null)).toBe('UNAUTHENTICATED');
    expect(await refusal(EVENTS, { clientId: theirs.clientId }, clientToken)).toBe('FORBIDDEN');
    expect(await refusal(EVENTS, { clientId: mine.clientId, workspaceId: theirWorkspace.id }, token)).toBe('NOT_FOUND');
    expect(await refusal(REQUESTS, { clientId: mine.clientId, workspaceId: theirWorkspace.id }, token)).toBe('NOT_FOUND');
    expect(await refusal(EVENTS, { clientId: mine.clientId, after: theirEvent }, token)).toBe('BAD_USER_INPUT');
    expect(await refusal(EVENTS, { clientId: mine.clientId, after: 'not-a-cursor' }, token)).toBe('BAD_USER_INPUT');
    expect(await refusal(EVENTS, { clientId: mine.clientId, types: [] }, token)).toBe('BAD_USER_INPUT');
    expect(await refusal(EVENTS, { clientId: 'nope' }, token)).toBe('BAD_USER_INPUT');
    // The client's own token follows its own client.
    const own = await events({ clientId: mine.clientId }, clientToken);
    await mutate(APPROVE, { clientId: mine.clientId, appIds: mine.appIds });
    expect((await take(own, 1)).map((e) => e.appId)).toEqual(mine.appIds);
  });

  it('bounds the streams one token holds open, and frees a place when one closes', async () => {
    const { clientId } = tenant(0);
    const limited = issueToken(t.db, 'internal', undefined, undefined, 'many streams').token;
    const streams = [];
    for (let i = 0; i < 5; i++) streams.push(await events({ clientId }, limited));
    const sixth = await subscribe(yoga, EVENTS, { clientId }, limited);
    const refused = await sixth.next();
    expect(refused.errors[0].extensions.code).toBe('RATE_LIMITED');
    await streams[0]!.close();
    // The hub hears the close when the server sees the request end.
    await expect.poll(async () => {
      const again = await subscribe(yoga, EVENTS, { clientId }, limited);
      open.push(again);
      const first = await again.next(200).catch(() => null);
      return first?.errors?.[0]?.extensions?.code ?? 'open';
    }, { timeout: 3000 }).toBe('open');
  });

  it('ends with UNAUTHENTICATED at the next event once its token is revoked', async () => {
    const { clientId, appIds } = tenant(2);
    const issued = issueToken(t.db, 'internal', undefined, undefined, 'to revoke');
    const s = await events({ clientId }, issued.token);
    await mutate(APPROVE, { clientId, appIds: [appIds[0]] });
    expect((await take(s, 1)).map((e) => e.appId)).toEqual([appIds[0]]);
    revokeToken(t.db, issued.id);
    await mutate(APPROVE, { clientId, appIds: [appIds[1]] });
    const last = await s.next();
    expect(last.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    await s.ended;
  });
});

describe('many streams of one client', () => {
  it('woken by one write, read its history once and check each token once, not once per stream', async () => {
    const { clientId, appIds } = tenant(1);
    const sql = countingLoggerOf(t.db)!;
    async function statementsFor(streams: Subscriber[], note: string) {
      sql.reset();
      await mutate(NOTE, { clientId, appId: appIds[0], note });
      for (const s of streams) expect((await take(s, 1)).map((e) => e.note)).toEqual([note]);
      return sql.statements.length;
    }
    const one = await statementsFor([await events({ clientId })], 'one stream');
    await Promise.all(open.splice(0).map((s) => s.close()));
    const other = issueToken(t.db, 'internal', undefined, undefined, 'second reader').token;
    const ten = [];
    for (let i = 0; i < 5; i++) ten.push(await events({ clientId }), await events({ clientId }, other));
    const many = await statementsFor(ten, 'ten streams');
    // The write is the same; the streams add one read and one check per token (a second token here).
    expect(many).toBeLessThan(one * 2);
  });
});

describe('where events come from', () => {
  it('a write of another process (not this server) arrives by the poll, and a REST route write at once', async () => {
    const { clientId, appIds } = tenant(2);
    const ws = createWorkspace(t.db, { clientId, name: 'Ops' });
    const s = await events({ clientId });
    // Straight into the database, as the CLI or another instance would: this server is not told.
    createInstallRequest(t.db, { clientId, workspaceId: ws.id, appId: appIds[0]!, actor: principalFor(t.db) });
    expect((await take(s, 1)).map((e) => e.type)).toEqual(['INSTALL_REQUEST_CREATED']);
    const approved = await rest(yoga, 'POST', `/v2/clients/${clientId}/apps/approval`, { token, body: { app_ids: [appIds[1]] } });
    expect(approved.status).toBe(200);
    expect((await take(s, 1)).map((e) => [e.type, e.appId])).toEqual([['APPROVAL_STATUS_CHANGED', appIds[1]]]);
  });

  it('keeps an idle stream open with comment lines', async () => {
    const { clientId } = tenant(0);
    const s = await events({ clientId });
    // Yoga's SSE heartbeat: every 12 s in production, every 300 ms under NODE_ENV=test.
    await expect.poll(() => s.comments(), { timeout: 3000 }).toBeGreaterThan(0);
  });
});
