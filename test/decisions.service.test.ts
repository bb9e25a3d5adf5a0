import { beforeEach, describe, expect, it } from 'vitest';
import { decideApp, listAppDecisions, updateAppCatalog } from '../src/services/app-decisions';
import { approveApps, removeAppApprovals, restrictApps } from '../src/services/approvals';
import { getClientApp, createApp } from '../src/services/apps';
import { cancelInstallRequest, createInstallRequest, listInstallRequests } from '../src/services/install-requests';
import { createWorkspace, listWorkspaceApps } from '../src/services/workspaces';
import { principalFor, seedTenant, testDatabase, uuid } from './helpers/db';
import { expectRefusal } from './helpers/tables';

let t: ReturnType<typeof testDatabase>;
let clientId: string;
let actor: ReturnType<typeof principalFor>;
let ws1: ReturnType<typeof createWorkspace>;
let ws2: ReturnType<typeof createWorkspace>;
const APP = uuid(1);

beforeEach(() => {
  t = testDatabase();
  ({ clientId } = seedTenant(t.db));
  createApp(t.db, { id: APP, name: 'Chat', scopes: ['chat:write', 'files:read'] });
  actor = principalFor(t.db);
  ws1 = createWorkspace(t.db, { clientId, name: 'Sales', id: uuid(901) });
  ws2 = createWorkspace(t.db, { clientId, name: 'Eng', id: uuid(902) });
});

const effective = (ws: typeof ws1) =>
  listWorkspaceApps(t.db, { workspace: ws }).items.map((a) => [a.resolution, a.source, a.workspaceResolution]);
const eventTypes = () =>
  (t.sqlite.prepare('SELECT type, data FROM app_history_events ORDER BY seq').all() as { type: string; data: string }[]).map((e) => [
    e.type,
    JSON.parse(e.data),
  ]);
const decide = (action: 'approve' | 'restrict' | 'clear', at: { workspaceId: string | null }, extra: Record<string, unknown> = {}) =>
  decideApp(t.db, { clientId, workspaceId: at.workspaceId, subject: { appId: APP }, action, actor, ...extra });

describe('precedence through the store', () => {
  it('org restriction voids workspace approvals and blocks new ones, writing nothing for the refusal', () => {
    decide('approve', { workspaceId: ws1.id });
    expect(effective(ws1)).toEqual([['approved', 'workspace', 'approved']]);
    decide('restrict', { workspaceId: null }, { reason: 'security review' });
    expect(effective(ws1)).toEqual([['restricted', 'org', null]]);
    expect(eventTypes().slice(1)).toEqual([
      ['APPROVAL_STATUS_CHANGED', { from: 'unresolved', to: 'restricted', reason: 'security review' }],
      ['WORKSPACE_APPROVAL_VOIDED', { workspaceId: ws1.id, reason: 'security review' }],
    ]);
    const error = expectRefusal(t.sqlite, () => decide('approve', { workspaceId: ws1.id }));
    expect([error.code, error.message]).toEqual(['APP_RESTRICTED_ORG_WIDE', 'The app is restricted org-wide']);
  });

  it('a workspace restriction applies under an org approval; org clear keeps workspace decisions', () => {
    decide('approve', { workspaceId: null });
    decide('restrict', { workspaceId: ws1.id });
    expect([effective(ws1), effective(ws2)]).toEqual([[['restricted', 'workspace', 'restricted']], [['approved', 'org', null]]]);
    const cleared = decide('clear', { workspaceId: null });
    expect(cleared.changed).toBe(true);
    expect([effective(ws1), effective(ws2)]).toEqual([[['restricted', 'workspace', 'restricted']], [['unresolved', 'none', null]]]);
    expect(decide('clear', { workspaceId: null }).changed).toBe(false);
  });

  it('approved and restricted listings per level', () => {
    decide('approve', { workspaceId: null }, { scopes: ['chat:write'] });
    decide('restrict', { workspaceId: ws2.id });
    expect(listAppDecisions(t.db, { clientId, workspaceId: null, resolution: 'approved' }).items.map((d) => [d.appId, d.approvedScopes])).toEqual([[APP, ['chat:write']]]);
    expect(listAppDecisions(t.db, { clientId, workspaceId: ws2.id, resolution: 'restricted' }).items.map((d) => d.appId)).toEqual([APP]);
    expect(listAppDecisions(t.db, { clientId, workspaceId: ws1.id, resolution: 'restricted' }).items).toEqual([]);
  });

  it('INVALID_SCOPES names the scopes and writes nothing', () => {
    const error = expectRefusal(t.sqlite, () => decide('approve', { workspaceId: null }, { scopes: ['chat:write', 'admin'] }));
    expect([error.code, error.details]).toEqual(['INVALID_SCOPES', { field: 'scopes', invalidScopes: ['admin'] }]);
  });
});

describe('install requests', () => {
  const request = (ws = ws1, scopes?: string[]) =>
    createInstallRequest(t.db, { clientId, workspaceId: ws.id, appId: APP, actor, message: 'please', ...(scopes ? { scopes } : {}) });

  it('approve by request id resolves it for good; acting again is REQUEST_ALREADY_RESOLVED', () => {
    const r = request(ws1, ['chat:write']);
    const outcome = decideApp(t.db, { clientId, workspaceId: ws1.id, subject: { requestId: r.id }, action: 'approve', actor });
    expect(outcome.resolvedRequestIds).toEqual([r.id]);
    expect(listWorkspaceApps(t.db, { workspace: ws1 }).items[0]!.approvedScopes).toEqual(['chat:write']);
    for (const action of ['approve', 'restrict'] as const) {
      const error = expectRefusal(t.sqlite, () => decideApp(t.db, { clientId, workspaceId: null, subject: { requestId: r.id }, action, actor }));
      expect([error.code, error.details]).toEqual(['REQUEST_ALREADY_RESOLVED', { field: 'requestId', status: 'APPROVED' }]);
    }
    const cancel = expectRefusal(t.sqlite, () => cancelInstallRequest(t.db, { clientId, workspaceId: null, requestId: r.id, actor }));
    expect(cancel.code).toBe('REQUEST_ALREADY_RESOLVED');
  });

  it('deciding by app id resolves exactly the pending requests it covers', () => {
    const a = request(ws1);
    const b = request(ws2);
    expect(decide('restrict', { workspaceId: ws1.id }).resolvedRequestIds).toEqual([a.id]);
    expect(listInstallRequests(t.db, { clientId, workspaceId: null, status: 'pending' }).items.map((r) => r.id)).toEqual([b.id]);
    expect(decide('approve', { workspaceId: null }).resolvedRequestIds).toEqual([b.id]);
    expect(listInstallRequests(t.db, { clientId, workspaceId: null, status: 'restricted' }).items.map((r) => r.id)).toEqual([a.id]);
  });

  it('a request in another workspace is NOT_FOUND for a workspace-level decision; cancel works once', () => {
    const r = request(ws2);
    const error = expectRefusal(t.sqlite, () => decideApp(t.db, { clientId, workspaceId: ws1.id, subject: { requestId: r.id }, action: 'approve', actor }));
    expect([error.code, error.details]).toEqual(['NOT_FOUND', { field: 'requestId' }]);
    expect(cancelInstallRequest(t.db, { clientId, workspaceId: ws2.id, requestId: r.id, actor, reason: 'dup' }).status).toBe('cancelled');
    expect(eventTypes().map((e) => e[0])).toEqual(['INSTALL_REQUEST_CREATED', 'INSTALL_REQUEST_CANCELLED']);
  });

  it('refuses request scopes the app does not request', () => {
    const error = expectRefusal(t.sqlite, () => request(ws1, ['admin']));
    expect(error.code).toBe('INVALID_SCOPES');
  });
});

describe('scope change and re-approval', () => {
  it('loses the org approval when scopes outgrow it, keeps workspace approvals, and re-approval restores it', () => {
    decide('approve', { workspaceId: null });
    decide('approve', { workspaceId: ws1.id }, { scopes: ['chat:write'] });
    const updated = updateAppCatalog(t.db, { appId: APP, scopes: ['chat:write', 'files:read', 'users:read'], actor });
    expect(updated.lostApprovals).toEqual([clientId]);
    expect(getClientApp(t.db, clientId, APP)).toMatchObject({ resolution: 'unresolved', needsReapproval: true, approvedScopes: null });
    expect(listAppDecisions(t.db, { clientId, workspaceId: null, resolution: 'approved' }).items).toEqual([]);
    expect([effective(ws1), effective(ws2)]).toEqual([[['approved', 'workspace', 'approved']], [['unresolved', 'none', null]]]);
    expect(eventTypes().at(-1)).toEqual([
      'APPROVAL_LOST_SCOPE_CHANGE',
      { approvedScopes: ['chat:write', 'files:read'], requestedScopes: ['chat:write', 'files:read', 'users:read'], uncoveredScopes: ['users:read'], reason: null },
    ]);
    decide('approve', { workspaceId: null });
    expect(getClientApp(t.db, clientId, APP)).toMatchObject({ resolution: 'approved', needsReapproval: false, approvedScopes: ['chat:write', 'files:read', 'users:read'] });
  });

  it('a narrower scope list keeps the approval', () => {
    decide('approve', { workspaceId: null });
    expect(updateAppCatalog(t.db, { appId: APP, scopes: ['chat:write'], actor }).lostApprovals).toEqual([]);
    expect(getClientApp(t.db, clientId, APP).resolution).toBe('approved');
  });
});

describe('bulk calls at workspace level and restrictApps: statements do not grow with N', () => {
  it('runs the same number of statements for 1, 50 and 1000 ids on every new path', () => {
    const big = seedTenant(t.db, { clientNumber: 3, appCount: 1000, firstApp: 100 });
    const ws = createWorkspace(t.db, { clientId: big.clientId, name: 'Big' });
    const other = createWorkspace(t.db, { clientId: big.clientId, name: 'Other' });
    const counts: Record<string, number[]> = { wsApprove: [], wsRemove: [], orgRestrict: [], wsRestrict: [] };
    for (const n of [1, 50, 1000]) {
      const ids = big.appIds.slice(0, n);
      // Pending requests and workspace approvals for the org restriction to resolve and void.
      approveApps(t.db, { clientId: big.clientId, workspaceId: other.id, appIds: ids, actor, maxIds: 1000 });
      for (const id of ids.slice(0, 3)) createInstallRequest(t.db, { clientId: big.clientId, workspaceId: other.id, appId: id, actor });
      const measure = (key: string, work: () => { changed: string[] }) => {
        t.sql.reset();
        expect(work().changed.length).toBe(n);
        counts[key]!.push(t.sql.statements.length);
      };
      measure('wsApprove', () => approveApps(t.db, { clientId: big.clientId, workspaceId: ws.id, appIds: ids, actor, maxIds: 1000 }));
      measure('wsRemove', () => removeAppApprovals(t.db, { clientId: big.clientId, workspaceId: ws.id, appIds: ids, actor, maxIds: 1000 }));
      measure('wsRestrict', () => restrictApps(t.db, { clientId: big.clientId, workspaceId: ws.id, appIds: ids, actor, maxIds: 1000 }));
      measure('orgRestrict', () => restrictApps(t.db, { clientId: big.clientId, appIds: ids, actor, maxIds: 1000 }));
      // Reset for the next size: clear the org level and the workspace restrictions.
      for (const w of [null, ws.id]) {
        for (const id of ids) decideApp(t.db, { clientId: big.clientId, workspaceId: w, subject: { appId: id }, action: 'clear', actor });
      }
    }
    // Approve / restrict: lookup + pending requests + history head + upsert + history; remove: lookup + history head + delete +
    // history (no requests to resolve); org restrict: lookup + pending requests + approvals to void + history head + org upsert +
    // void delete + request update + history.
    expect(counts).toEqual({ wsApprove: [5, 5, 5], wsRemove: [4, 4, 4], wsRestrict: [5, 5, 5], orgRestrict: [8, 8, 8] });
  }, 60_000);
});

describe('bulk calls resolve the pending requests of each app they decide', () => {
  it('an org restriction voids and resolves per app; a workspace approval resolves only that workspace’s requests', () => {
    const [x, y, z] = [uuid(11), uuid(12), uuid(13)];
    for (const id of [x, y, z]) createApp(t.db, { id, name: `App ${id.slice(-2)}`, scopes: ['files:read'] });
    const req = (ws: typeof ws1, appId: string) => createInstallRequest(t.db, { clientId, workspaceId: ws.id, appId, actor }).id;
    const xInWs1 = req(ws1, x);
    const xInWs2 = req(ws2, x);
    const zInWs1 = req(ws1, z);
    approveApps(t.db, { clientId, workspaceId: ws2.id, appIds: [y], actor, maxIds: 10 });
    const before = t.sqlite.prepare('SELECT max(seq) FROM app_history_events').pluck().get() as number;
    const events = () =>
      (t.sqlite.prepare('SELECT app_id, type, data FROM app_history_events WHERE seq > ? ORDER BY seq').all(before) as { app_id: string; type: string; data: string }[]).map(
        (e) => [e.app_id, e.type, JSON.parse(e.data).requestId ?? JSON.parse(e.data).workspaceId ?? null],
      );

    // Workspace level: ws1's requests for x and z, not x's request in ws2; y has no request.
    expect(approveApps(t.db, { clientId, workspaceId: ws1.id, appIds: [x, y, z], actor, maxIds: 10 }).changed).toEqual([x, y, z]);
    expect(events().filter(([, type]) => type === 'INSTALL_REQUEST_RESOLVED')).toEqual([
      [x, 'INSTALL_REQUEST_RESOLVED', xInWs1],
      [z, 'INSTALL_REQUEST_RESOLVED', zInWs1],
    ]);
    expect(listInstallRequests(t.db, { clientId, workspaceId: null, status: 'pending' }).items.map((r) => r.id)).toEqual([xInWs2]);

    // Org restriction: resolves x's remaining request, voids ws1's approvals of x, y, z and ws2's of y.
    const restricted = restrictApps(t.db, { clientId, appIds: [z, y, x], actor, maxIds: 10 });
    expect(restricted.changed).toEqual([z, y, x]);
    const voided = events().filter(([, type]) => type === 'WORKSPACE_APPROVAL_VOIDED');
    expect(voided.map(([app, , ws]) => `${app}@${ws}`).sort()).toEqual([`${x}@${ws1.id}`, `${y}@${ws1.id}`, `${y}@${ws2.id}`, `${z}@${ws1.id}`].sort());
    expect(events().filter(([, type]) => type === 'INSTALL_REQUEST_RESOLVED').slice(2)).toEqual([[x, 'INSTALL_REQUEST_RESOLVED', xInWs2]]);
    expect(listInstallRequests(t.db, { clientId, workspaceId: null, status: 'pending' }).items).toEqual([]);
  });
});
