/**
 * Time-limited approvals (issue 20), through the API on both stores: an approval may carry an end;
 * it reads as not approved from that instant (before anything is written down), and the expiry is
 * written exactly once with the lapse time and a system actor. The clock is the test's (vitest's
 * fake Date: the server reads `new Date()`), never a sleep.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../src/services/apps';
import { createClient } from '../src/services/clients';
import { createInstallRequest } from '../src/services/install-requests';
import { createWorkspace } from '../src/services/workspaces';
import { countingLoggerOf, issueToken, principalFor, testDatabase, uuid } from './helpers/db';
import { gql } from './helpers/graphql';
import { rest } from './helpers/rest';
import { tableCounts } from './helpers/tables';
import { createAppgovYoga, expireApprovalsOn, type AppgovYoga } from './helpers/yoga';

const T0 = new Date('2027-03-01T09:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const MIN = 60_000;
const DAY = 86_400_000;

let t: ReturnType<typeof testDatabase>;
let yoga: AppgovYoga;
let token: string;
let clientN = 0;

beforeAll(() => {
  t = testDatabase();
  token = issueToken(t.db, 'internal', undefined, undefined, 'expiry admin').token;
  yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 1000 } });
});
afterEach(() => {
  vi.useRealTimers();
});
afterAll(() => t.sqlite.close());

/** A fresh client with `n` apps of its own (ids unique to it), and the clock set to T0. */
function tenant(n: number) {
  clientN++;
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
  const clientId = createClient(t.db, { id: `e0000000-0000-4000-8000-${String(clientN).padStart(12, '0')}`, name: `Expiry client ${clientN}` }).id;
  const appIds: string[] = [];
  for (let i = 0; i < n; i++) appIds.push(createApp(t.db, { id: uuid(clientN * 10_000 + i), name: `Expiry app ${clientN}-${String(i).padStart(4, '0')}` }).id);
  return { clientId, appIds };
}

const APPROVE = /* GraphQL */ `
  mutation ($clientId: ID, $workspaceId: ID, $appIds: [ID!]!, $expiresAt: DateTime, $expiresIn: String) {
    approveApps(clientId: $clientId, workspaceId: $workspaceId, appIds: $appIds, expiresAt: $expiresAt, expiresIn: $expiresIn) { succeeded changed failed { id code } }
  }`;

const APP = /* GraphQL */ `
  query ($clientId: ID!, $appId: ID!) {
    app(clientId: $clientId, appId: $appId) {
      isApproved resolution approvalExpiresAt
      history(first: 20) {
        nodes {
          type createdAt actor { id kind name }
          ... on ApprovalStatusChangedEvent { fromResolution toResolution expiresAt }
          ... on ApprovalExpiredEvent { expiredIn: workspaceId expiredAt approvedScopes approvedAt approvedById }
          ... on WorkspaceResolutionChangedEvent { workspaceId fromResolution toResolution }
        }
      }
    }
  }`;

async function app(clientId: string, appId: string) {
  const res = await gql(yoga, APP, { clientId, appId }, token);
  expect(res.body.errors).toBeUndefined();
  return res.body.data.app;
}

async function approve(variables: Record<string, unknown>): Promise<any> {
  const res = await gql(yoga, APPROVE, variables, token);
  return res.body;
}

const LIST = /* GraphQL */ `
  query ($id: ID!, $approved: Boolean, $expiringBefore: DateTime) {
    client(id: $id) { apps(first: 100, approved: $approved, expiringBefore: $expiringBefore) { totalCount nodes { id isApproved approvalExpiresAt } } }
  }`;

async function list(clientId: string, filters: { approved?: boolean; expiringBefore?: string }) {
  const res = await gql(yoga, LIST, { id: clientId, ...filters }, token);
  expect(res.body.errors).toBeUndefined();
  return res.body.data.client.apps;
}

function expiredEvents(clientId: string): { app_id: string; created_at: number; data: string; actor_kind: string; client_seq: number }[] {
  return t.sqlite
    .prepare(`SELECT app_id, created_at, data, actor_kind, client_seq FROM app_history_events WHERE client_id = ? AND type = 'APPROVAL_EXPIRED' ORDER BY client_seq`)
    .all(clientId) as never;
}

describe('an approval with an end', () => {
  it('reads as approved until the end, and as not approved from that very instant, before any expiry is written', async () => {
    const { clientId, appIds } = tenant(2);
    const end = at(30 * MIN).toISOString();
    expect(await approve({ clientId, appIds, expiresAt: end })).toEqual({
      data: { approveApps: { succeeded: appIds, changed: appIds, failed: [] } },
    });
    const before = await app(clientId, appIds[0]!);
    expect(before).toMatchObject({ isApproved: true, resolution: 'APPROVED', approvalExpiresAt: end });
    expect(before.history.nodes[0]).toMatchObject({ type: 'APPROVAL_STATUS_CHANGED', toResolution: 'APPROVED', expiresAt: end });

    vi.setSystemTime(at(30 * MIN - 1));
    expect((await app(clientId, appIds[0]!)).isApproved).toBe(true);
    expect((await list(clientId, { approved: true })).totalCount).toBe(2);

    vi.setSystemTime(at(30 * MIN));
    // Nothing written yet (no sweep ran, no write): the read alone says it lapsed.
    expect(expiredEvents(clientId)).toEqual([]);
    expect(await app(clientId, appIds[0]!)).toMatchObject({ isApproved: false, resolution: 'UNRESOLVED', approvalExpiresAt: null });
    expect(await list(clientId, { approved: true })).toEqual({ totalCount: 0, nodes: [] });
    const notApproved = await list(clientId, { approved: false });
    expect(notApproved.totalCount).toBe(2);
    expect(notApproved.nodes.map((n: { id: string }) => n.id)).toEqual(appIds);
  });

  it('is written down exactly once, at the time it lapsed, by a system actor, naming the approval it ended', async () => {
    const { clientId, appIds } = tenant(3);
    const actor = t.sqlite.prepare(`SELECT id FROM tokens WHERE name = 'expiry admin'`).get() as { id: string };
    await approve({ clientId, appIds, expiresIn: '2h' });
    const end = at(2 * 60 * MIN);
    // Noticed late: an hour after the end.
    await expireApprovalsOn(t.db, at(3 * 60 * MIN));
    expect(expiredEvents(clientId)).toHaveLength(3);
    // Another sweep (other tests' clients may be due by then) writes nothing more for this one.
    await expireApprovalsOn(t.db, at(4 * 60 * MIN));
    expect(expiredEvents(clientId)).toHaveLength(3);
    vi.setSystemTime(at(5 * 60 * MIN));
    const read = await app(clientId, appIds[1]!);
    expect(read).toMatchObject({ isApproved: false, resolution: 'UNRESOLVED', approvalExpiresAt: null });
    expect(read.history.nodes.map((e: { type: string }) => e.type)).toEqual(['APPROVAL_EXPIRED', 'APPROVAL_STATUS_CHANGED']);
    expect(read.history.nodes[0]).toEqual({
      type: 'APPROVAL_EXPIRED',
      createdAt: end.toISOString(),
      actor: { id: 'appgov:approval-expiry', kind: 'SYSTEM', name: 'Approval expiry' },
      expiredIn: null,
      expiredAt: end.toISOString(),
      approvedScopes: [],
      approvedAt: T0.toISOString(),
      approvedById: actor.id,
    });
  });

  it('approving again before the end extends it (an event); the old end passes with nothing written', async () => {
    const { clientId, appIds } = tenant(1);
    await approve({ clientId, appIds, expiresIn: '10m' });
    vi.setSystemTime(at(10 * MIN - 1));
    const later = at(70 * MIN).toISOString();
    expect((await approve({ clientId, appIds, expiresAt: later })).data.approveApps.changed).toEqual(appIds);
    // The same end again changes nothing.
    expect((await approve({ clientId, appIds, expiresAt: later })).data.approveApps.changed).toEqual([]);
    vi.setSystemTime(at(10 * MIN + 1));
    await expireApprovalsOn(t.db, at(10 * MIN + 1));
    const read = await app(clientId, appIds[0]!);
    expect(read).toMatchObject({ isApproved: true, approvalExpiresAt: later });
    expect(read.history.nodes.map((e: { type: string; expiresAt?: string }) => [e.type, e.expiresAt])).toEqual([
      ['APPROVAL_STATUS_CHANGED', later],
      ['APPROVAL_STATUS_CHANGED', at(10 * MIN).toISOString()],
    ]);
    expect(expiredEvents(clientId)).toEqual([]);
  });

  it('approving again without an end makes it permanent (an event); a restriction or removal before the end makes it moot', async () => {
    const { clientId, appIds } = tenant(3);
    await approve({ clientId, appIds, expiresIn: '1h' });
    expect((await approve({ clientId, appIds: [appIds[0]] })).data.approveApps.changed).toEqual([appIds[0]]);
    await gql(yoga, `mutation ($c: ID!, $a: [ID!]!) { restrictApps(clientId: $c, appIds: $a) { succeeded } }`, { c: clientId, a: [appIds[1]] }, token);
    await gql(yoga, `mutation ($c: ID!, $a: [ID!]!) { removeAppApprovals(clientId: $c, appIds: $a) { succeeded } }`, { c: clientId, a: [appIds[2]] }, token);
    await expireApprovalsOn(t.db, at(2 * 60 * MIN));
    vi.setSystemTime(at(2 * 60 * MIN));
    expect(await app(clientId, appIds[0]!)).toMatchObject({ isApproved: true, approvalExpiresAt: null });
    expect((await app(clientId, appIds[0]!)).history.nodes[0]).toMatchObject({ type: 'APPROVAL_STATUS_CHANGED', fromResolution: 'APPROVED', expiresAt: null });
    expect(await app(clientId, appIds[1]!)).toMatchObject({ resolution: 'RESTRICTED', approvalExpiresAt: null });
    expect(await app(clientId, appIds[2]!)).toMatchObject({ resolution: 'UNRESOLVED' });
    expect(expiredEvents(clientId)).toEqual([]);
  });

  it('a write after the end writes the expiry first, at the end, then its own event: one chain in commit order', async () => {
    const { clientId, appIds } = tenant(2);
    await approve({ clientId, appIds: [appIds[0]], expiresIn: '5m' });
    vi.setSystemTime(at(20 * MIN));
    // No sweep ran: the next write of this client (another app) writes the lapse down before its own event.
    await approve({ clientId, appIds: [appIds[1]] });
    const events = t.sqlite
      .prepare(`SELECT type, app_id, created_at, client_seq FROM app_history_events WHERE client_id = ? ORDER BY created_at DESC, client_seq DESC`)
      .all(clientId) as { type: string; app_id: string; created_at: number; client_seq: number }[];
    expect(events.map((e) => [e.type, e.app_id, e.created_at])).toEqual([
      ['APPROVAL_STATUS_CHANGED', appIds[1], at(20 * MIN).getTime()],
      ['APPROVAL_EXPIRED', appIds[0], at(5 * MIN).getTime()],
      ['APPROVAL_STATUS_CHANGED', appIds[0], T0.getTime()],
    ]);
    // Newest first by time is newest first by commit: the sequence falls with the time.
    expect(events.map((e) => e.client_seq)).toEqual([3, 2, 1]);
    await expireApprovalsOn(t.db, at(30 * MIN));
  });

  it('re-approving a lapsed app (its expiry not yet written) writes the expiry, then an approval from UNRESOLVED', async () => {
    const { clientId, appIds } = tenant(1);
    await approve({ clientId, appIds, expiresIn: '5m' });
    vi.setSystemTime(at(6 * MIN));
    expect((await approve({ clientId, appIds })).data.approveApps.changed).toEqual(appIds);
    const read = await app(clientId, appIds[0]!);
    expect(read).toMatchObject({ isApproved: true, approvalExpiresAt: null });
    expect(read.history.nodes.map((e: { type: string; fromResolution?: string }) => [e.type, e.fromResolution ?? null])).toEqual([
      ['APPROVAL_STATUS_CHANGED', 'UNRESOLVED'],
      ['APPROVAL_EXPIRED', null],
      ['APPROVAL_STATUS_CHANGED', 'UNRESOLVED'],
    ]);
  });

  it('apps(expiringBefore:) lists the approvals that end before the instant and have not ended', async () => {
    const { clientId, appIds } = tenant(4);
    await approve({ clientId, appIds: [appIds[0]], expiresIn: '1d' });
    await approve({ clientId, appIds: [appIds[1]], expiresIn: '10d' });
    await approve({ clientId, appIds: [appIds[2]] });
    await approve({ clientId, appIds: [appIds[3]], expiresIn: '1h' });
    const soon = await list(clientId, { expiringBefore: at(7 * DAY).toISOString() });
    expect(soon.nodes.map((n: { id: string }) => n.id)).toEqual([appIds[0], appIds[3]]);
    expect(soon.totalCount).toBe(2);
    vi.setSystemTime(at(2 * 60 * MIN));
    const later = await list(clientId, { expiringBefore: at(7 * DAY).toISOString() });
    expect(later.nodes).toEqual([{ id: appIds[0], isApproved: true, approvalExpiresAt: at(DAY).toISOString() }]);
  });
});

describe('refused, writing nothing', () => {
  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['an end in the past', { expiresAt: at(-1).toISOString() }, 'expiresAt', /must be in the future/],
    ['an end now', { expiresAt: T0.toISOString() }, 'expiresAt', /must be in the future/],
    ['an end more than 366 days ahead', { expiresAt: at(366 * DAY + 1).toISOString() }, 'expiresAt', /at most 366 days ahead/],
    ['a duration more than 366 days ahead', { expiresIn: '367d' }, 'expiresIn', /at most 366 days ahead/],
    ['both an end and a duration', { expiresAt: at(DAY).toISOString(), expiresIn: '1d' }, 'expiresIn', /not both/],
    ['a malformed duration', { expiresIn: '30 days' }, 'expiresIn', /whole number and a unit/],
    ['a zero duration', { expiresIn: '0d' }, 'expiresIn', /whole number and a unit/],
  ];
  it.each(cases)('%s', async (_name, ends, field, message) => {
    const { clientId, appIds } = tenant(1);
    const before = tableCounts(t.sqlite);
    const body = await approve({ clientId, appIds, ...ends });
    expect(body.data).toBeNull();
    expect(body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field });
    expect(body.errors![0]!.message).toMatch(message);
    expect(tableCounts(t.sqlite)).toEqual(before);
  });

  it('exactly 366 days ahead is accepted', async () => {
    const { clientId, appIds } = tenant(1);
    expect((await approve({ clientId, appIds, expiresAt: at(366 * DAY).toISOString() })).data.approveApps.changed).toEqual(appIds);
  });
});

describe('at workspace level', () => {
  it('a workspace approval with an end lapses to the org level; its expiry names the workspace; requests stay resolved', async () => {
    const { clientId, appIds } = tenant(1);
    const workspace = createWorkspace(t.db, { clientId, name: 'Trial team' });
    const request = createInstallRequest(t.db, { clientId, workspaceId: workspace.id, appId: appIds[0]!, actor: principalFor(t.db) });
    expect((await approve({ workspaceId: workspace.id, appIds, expiresIn: '3d' })).data.approveApps.changed).toEqual(appIds);
    const WS = /* GraphQL */ `query ($id: ID!) { workspace(id: $id) { apps(first: 100) { nodes { app { id } resolution source approvalExpiresAt } } } }`;
    const standing = async () => {
      const nodes: { app: { id: string } }[] = (await gql(yoga, WS, { id: workspace.id }, token)).body.data.workspace.apps.nodes;
      const { app: _app, ...rest } = nodes.find((n) => n.app.id === appIds[0])!;
      return rest;
    };
    expect(await standing()).toEqual({ resolution: 'APPROVED', source: 'WORKSPACE', approvalExpiresAt: at(3 * DAY).toISOString() });
    vi.setSystemTime(at(3 * DAY));
    expect(await standing()).toEqual({ resolution: 'UNRESOLVED', source: 'NONE', approvalExpiresAt: null });
    await expireApprovalsOn(t.db, at(3 * DAY + 1));
    expect(expiredEvents(clientId)).toHaveLength(1);
    const read = await app(clientId, appIds[0]!);
    expect(read.history.nodes[0]).toMatchObject({ type: 'APPROVAL_EXPIRED', expiredIn: workspace.id, expiredAt: at(3 * DAY).toISOString() });
    expect(t.sqlite.prepare(`SELECT count(*) AS n FROM workspace_app_decisions WHERE workspace_id = ?`).get(workspace.id)).toEqual({ n: 0 });
    // The request the approval resolved is not revived.
    expect(t.sqlite.prepare(`SELECT status FROM install_requests WHERE id = ?`).get(request.id)).toEqual({ status: 'approved' });
  });
});

describe('approveApp and updateApp', () => {
  it('approveApp takes expiresIn; updateApp takes expiresAt with isApproved: true, and refuses it without', async () => {
    const { clientId, appIds } = tenant(2);
    const one = await gql(
      yoga,
      `mutation ($c: ID!, $a: ID!) { approveApp(app: { appId: $a }, at: { clientId: $c }, expiresIn: "12h") { changed } }`,
      { c: clientId, a: appIds[0] },
      token,
    );
    expect(one.body).toEqual({ data: { approveApp: { changed: true } } });
    expect((await app(clientId, appIds[0]!)).approvalExpiresAt).toBe(at(12 * 60 * MIN).toISOString());

    const UPDATE = `mutation ($c: ID!, $a: ID!, $input: UpdateAppInput!) { updateApp(clientId: $c, appId: $a, input: $input) { isApproved approvalExpiresAt version } }`;
    const end = at(2 * DAY).toISOString();
    const updated = await gql(yoga, UPDATE, { c: clientId, a: appIds[1], input: { isApproved: true, expiresAt: end } }, token);
    expect(updated.body.data.updateApp).toEqual({ isApproved: true, approvalExpiresAt: end, version: 1 });
    const before = tableCounts(t.sqlite);
    const refused = await gql(yoga, UPDATE, { c: clientId, a: appIds[1], input: { category: 'Trial', expiresIn: '1d' } }, token);
    expect(refused.body.errors![0]!.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.expiresIn' });
    expect(tableCounts(t.sqlite)).toEqual(before);
    vi.setSystemTime(at(2 * DAY));
    await expireApprovalsOn(t.db, at(2 * DAY));
    expect(expiredEvents(clientId)).toHaveLength(2);
    expect((await app(clientId, appIds[1]!)).history.nodes[0]).toMatchObject({ type: 'APPROVAL_EXPIRED', expiredAt: end });
  });
});

describe('cost', () => {
  it('a bulk approve with an end, and the expiry, run the same number of statements for 10 and 990 ids', async () => {
    const { clientId, appIds } = tenant(1000);
    // Every other test's approvals that end by then are written down first: the sweeps below see only this client.
    await expireApprovalsOn(t.db, at(1000 * MIN));
    const counter = countingLoggerOf(t.db)!;
    const approves: number[] = [];
    for (const [ids, ends] of [
      [appIds.slice(0, 10), '10m'],
      [appIds.slice(10), '1000m'],
    ] as const) {
      counter.reset();
      const body = await approve({ clientId, appIds: ids, expiresIn: ends });
      expect(body.data.approveApps.changed).toHaveLength(ids.length);
      approves.push(counter.statements.length);
    }
    expect(approves[0]).toBeGreaterThan(0);
    expect(approves[1]).toBe(approves[0]);
    const expiries: number[] = [];
    for (const [end, n] of [
      [10 * MIN, 10],
      [1000 * MIN, 990],
    ] as const) {
      counter.reset();
      expect(await expireApprovalsOn(t.db, at(end))).toEqual({ clients: 1, expired: n });
      expiries.push(counter.statements.length);
    }
    expect(expiries[0]).toBeGreaterThan(0);
    expect(expiries[1]).toBe(expiries[0]);
  });
});

describe('the REST and Slack-compatible routes', () => {
  it('REST approveApps takes expires_at; the app and its history carry it; Slack approved.list carries date_expires', async () => {
    const { clientId, appIds } = tenant(2);
    const end = at(14 * DAY).toISOString();
    const approved = await rest(yoga, 'POST', `/v2/clients/${clientId}/apps/approval`, { token, body: { app_ids: [appIds[0]], expires_at: end } });
    expect(approved).toMatchObject({ status: 200, body: { succeeded: [appIds[0]], failed: [] } });
    await rest(yoga, 'POST', `/v2/clients/${clientId}/apps/approval`, { token, body: { app_ids: [appIds[1]] } });
    const one = await rest(yoga, 'GET', `/v2/clients/${clientId}/apps/${appIds[0]}`, { token });
    expect(one.body).toMatchObject({ is_approved: true, approval_expires_at: end });
    // Only an approval with an end has the key.
    expect(Object.keys((await rest(yoga, 'GET', `/v2/clients/${clientId}/apps/${appIds[1]}`, { token })).body)).not.toContain('approval_expires_at');
    const events = await rest(yoga, 'GET', `/v2/clients/${clientId}/apps/${appIds[0]}/history`, { token });
    expect(events.body.data[0].metadata).toMatchObject({ to_resolution: 'approved', expires_at: end });

    const refused = await rest(yoga, 'POST', `/v2/clients/${clientId}/apps/approval`, { token, body: { app_ids: [appIds[1]], expires_in: '2y' } });
    expect(refused).toMatchObject({ status: 400, body: { error: { code: 'BAD_USER_INPUT', field: 'expiresIn' } } });

    const slack = await rest(yoga, 'POST', '/api/admin.apps.approved.list', { token, body: { enterprise_id: clientId } });
    const items = (slack.body.approved_apps as { app: { id: string }; date_expires?: number }[]).map((a) => [a.app.id, a.date_expires]);
    expect(items).toEqual([
      [appIds[0], Math.floor(at(14 * DAY).getTime() / 1000)],
      [appIds[1], undefined],
    ]);

    vi.setSystemTime(at(14 * DAY));
    await expireApprovalsOn(t.db, at(14 * DAY));
    const after = await rest(yoga, 'GET', `/v2/clients/${clientId}/apps/${appIds[0]}/history`, { token });
    expect(after.body.data[0]).toMatchObject({
      type: 'approval_expired',
      created_at: end,
      actor: { kind: 'system', id: 'appgov:approval-expiry' },
      metadata: { workspace_id: null, expired_at: end, approved_scopes: [] },
    });
    const listed = await rest(yoga, 'POST', '/api/admin.apps.approved.list', { token, body: { enterprise_id: clientId } });
    expect((listed.body.approved_apps as { app: { id: string } }[]).map((a) => a.app.id)).toEqual([appIds[1]]);
  });
});
