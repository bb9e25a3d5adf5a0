/**
 * The answers of the HTTP routes are what /v2/openapi.json says: rest() checks each one against
 * the document (test/helpers/openapi-conformance.ts); this file drives the answers the other
 * route tests do not meet: every history event type, Slack refusals at HTTP 200, real 429s.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { HISTORY_EVENT_TYPES } from '../src/db/schema';
import { createApp } from '../src/services/apps';
import { cancelInstallRequest, createInstallRequest } from '../src/services/install-requests';
import { createWorkspace } from '../src/services/workspaces';
import { createAppgovYoga, type AppgovYoga } from './helpers/yoga';
import { issueToken, principalFor, seedTenant, testDatabase, uuid } from './helpers/db';
import { checkRouteResponse, servedDocument } from './helpers/openapi-conformance';
import { rest } from './helpers/rest';

const APP = uuid(1);
const WS1 = uuid(901);

let t: ReturnType<typeof testDatabase>;
let yoga: AppgovYoga;
let token: string;
let clientId: string;

beforeEach(() => {
  t = testDatabase();
  ({ clientId } = seedTenant(t.db));
  createApp(t.db, { id: APP, name: 'Chat', codeName: 'chat', scopes: ['chat:write', 'files:read'] });
  createWorkspace(t.db, { clientId, name: 'Sales', id: WS1 });
  token = issueToken(t.db, 'internal', undefined, undefined, 'admin').token;
  yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 100 } });
});

const slack = (method: string, args: Record<string, string>, y = yoga) =>
  rest(y, 'POST', `/api/admin.apps.${method}`, {
    body: new URLSearchParams({ token, ...args }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });

describe('the document describes what the routes answer', () => {
  it('is the document GET /v2/openapi.json serves', async () => {
    expect((await rest(yoga, 'GET', '/v2/openapi.json')).body).toEqual(servedDocument());
  });

  it('REST history: every event type the code writes, with its metadata, validates', async () => {
    const actor = principalFor(t.db);
    const created = createInstallRequest(t.db, { clientId, workspaceId: WS1, appId: APP, scopes: ['chat:write'], message: 'pls', requester: 'Ann', actor });
    const other = createInstallRequest(t.db, { clientId, workspaceId: WS1, appId: APP, requester: 'Bob', actor });
    cancelInstallRequest(t.db, { requestId: other.id, clientId, workspaceId: WS1, actor } as never);
    expect((await slack('approve', { request_id: created.id, team_id: WS1 })).body).toEqual({ ok: true });
    expect((await slack('restrict', { app_id: APP, enterprise_id: clientId })).body).toEqual({ ok: true });
    expect((await slack('clearResolution', { app_id: APP, enterprise_id: clientId })).body).toEqual({ ok: true });
    await rest(yoga, 'POST', `/v2/clients/${clientId}/apps/approval`, { token, body: { app_ids: [APP] } });
    await rest(yoga, 'PATCH', `/v2/clients/${clientId}/apps/${APP}`, { token, body: { category: 'Chat' } });
    await rest(yoga, 'POST', `/v2/clients/${clientId}/apps/${APP}/history/notes`, { token, body: { note: 'ok' } });
    const history = await rest(yoga, 'GET', `/v2/clients/${clientId}/apps/${APP}/history?limit=100`, { token });
    expect(history.status).toBe(200);
    const types = new Set(history.body.data.map((e: { type: string }) => e.type));
    for (const type of ['install_request_created', 'install_request_resolved', 'install_request_cancelled', 'workspace_resolution_changed', 'workspace_approval_voided']) {
      expect(types).toContain(type);
    }
    const resolved = history.body.data.find((e: { type: string }) => e.type === 'install_request_resolved');
    expect(resolved.metadata).toMatchObject({ install_request_id: created.id, workspace_id: WS1, outcome: 'approved' });
    // Every type the code has is a type the filter accepts.
    const filtered = await rest(yoga, 'GET', `/v2/clients/${clientId}/apps/${APP}/history?types=${HISTORY_EVENT_TYPES.join(',').toLowerCase()}`, { token });
    expect(filtered.status).toBe(200);
  });

  it('a document without the newer event types would refuse these answers (the check is not vacuous)', async () => {
    const event = { id: uuid(5), type: 'install_request_created', created_at: new Date().toISOString(), actor: { id: 'x', kind: 'directory_token', name: 'd' }, metadata: {} };
    expect(() =>
      checkRouteResponse({
        method: 'GET',
        url: `/v2/clients/${clientId}/apps/${APP}/history`,
        status: 200,
        headers: new Headers({ 'content-type': 'application/json' }),
        body: { data: [event], next_cursor: null },
      }),
    ).toThrow(/does not describe/);
    expect(() =>
      checkRouteResponse({ method: 'GET', url: `/v2/clients/${clientId}/apps/${APP}`, status: 418, headers: new Headers(), body: null }),
    ).toThrow(/status 418 is not documented/);
  });

  it('Slack refusals at HTTP 200 and a real rate-limit 429 on every protocol validate', async () => {
    expect((await slack('approve', { app_id: 'nope', enterprise_id: clientId })).body).toMatchObject({ ok: false });
    const limited = createAppgovYoga({ db: t.db, config: { maxBulkIds: 100, rateLimitPerSecond: 1, rateLimitBurst: 1 } });
    await slack('approved.list', { enterprise_id: clientId }, limited);
    const slack429 = await slack('approved.list', { enterprise_id: clientId }, limited);
    expect(slack429.status).toBe(429);
    for (const [method, path] of [
      ['GET', `/v2/clients/${clientId}/apps`],
      ['GET', '/v3/apps/app_assignments'],
      ['POST', '/platform/v1/apps/chat/assign'],
    ] as const) {
      const res = await rest(limited, method, path, { token, ...(method === 'POST' ? { body: { directory_uid: uuid(7) } } : {}) });
      expect(res.status).toBe(429);
    }
  });
});
