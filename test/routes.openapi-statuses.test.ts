/**
 * Every status /v2/openapi.json lists for a route is one the route answers with: each documented
 * (route, status) is driven here, and each answer goes through the conformance check
 * (test/helpers/openapi-conformance.ts). A status the document lists that nothing here can
 * produce fails the last test; a status a route answers with that the document does not list
 * fails the check of that answer. Most answers come through yoga.fetch (rest()); 408 and 503,
 * which only the HTTP server gives (a body that does not arrive, every connection taken), come
 * over real loopback sockets.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer, type HttpLimits } from '../src/http';
import { createLogger } from '../src/observability/logger';
import { maxRouteBodyBytes, ROUTES } from '../src/routes';
import type { RouteRow } from '../src/routes/table';
import { createApp } from '../src/services/apps';
import { createInstallRequest } from '../src/services/install-requests';
import { createWorkspace } from '../src/services/workspaces';
import { createAppgovYoga, type AppgovYoga, onPostgres, onServedDatabase } from './helpers/yoga';
import { issueToken, principalFor, seedDirectories, seedTenant, testDatabase, uuid } from './helpers/db';
import { checkRouteResponse, documentedResponses, seenResponses } from './helpers/openapi-conformance';
import { exchange, openSocket, parseRaw } from './helpers/protocols';
import { rest } from './helpers/rest';

const APP = uuid(1);
const WS = uuid(901);
const UNKNOWN = 'ffffffff-ffff-4fff-8fff-ffffffffffff';

let t: ReturnType<typeof testDatabase>;
let yoga: AppgovYoga;
let admin: string;
let readOnly: string;
let clientId: string;
let ids: ReturnType<typeof seedDirectories>['ids'];
let requester = 0;
/** A new pending install request: each cancel call gets its own. */
const pendingRequest = () =>
  createInstallRequest(t.db, { clientId, workspaceId: WS, appId: APP, requester: `User ${++requester}`, actor: principalFor(t.db) }).id;

/** A call each row answers with success, and how to make it name something that does not exist. */
interface Call {
  path: string;
  body?: Record<string, unknown>;
  /** The same call naming an unknown id (404). */
  missing?: { path?: string; body?: Record<string, unknown> };
}

function callFor(row: RouteRow): Call {
  const key = `${row.method} ${row.path}`;
  const v2 = (path: string) => path.replace('{client_id}', clientId).replace('{app_id}', APP);
  const v2Missing = (path: string) => path.replace('{client_id}', clientId).replace('{app_id}', UNKNOWN);
  switch (key) {
    case 'POST /v2/clients/{client_id}/apps/approval':
    case 'POST /v2/clients/{client_id}/apps/approvals/remove':
      return { path: v2(row.path), body: { app_ids: [APP] }, missing: { path: row.path.replace('{client_id}', UNKNOWN), body: { app_ids: [APP] } } };
    case 'GET /v2/clients/{client_id}/apps':
      return { path: v2(row.path), missing: { path: row.path.replace('{client_id}', UNKNOWN) } };
    case 'GET /v2/clients/{client_id}/apps/{app_id}':
    case 'GET /v2/clients/{client_id}/apps/{app_id}/history':
      return { path: v2(row.path), missing: { path: v2Missing(row.path) } };
    case 'PATCH /v2/clients/{client_id}/apps/{app_id}':
      return { path: v2(row.path), body: { category: 'Chat' }, missing: { path: v2Missing(row.path), body: { category: 'Chat' } } };
    case 'POST /v2/clients/{client_id}/apps/{app_id}/history/notes':
      return { path: v2(row.path), body: { note: 'ok' }, missing: { path: v2Missing(row.path), body: { note: 'ok' } } };
    case 'POST /v3/apps/app_assignments': {
      const body = { assignee_type: 'business', assignee_uid: ids.myBusiness, app_code_name: 'public-app' };
      return { path: row.path, body, missing: { body: { ...body, app_code_name: 'no-such-app' } } };
    }
    case 'GET /v3/apps/app_assignments':
      return { path: `${row.path}?assignee_type=business&assignee_uid=${ids.myBusiness}`, missing: { path: `${row.path}?assignee_type=business&assignee_uid=${UNKNOWN}` } };
    case 'DELETE /v3/apps/app_assignments/{uid}':
      return { path: row.path.replace('{uid}', UNKNOWN), missing: { path: row.path.replace('{uid}', UNKNOWN) } };
    case 'POST /platform/v1/apps/{app_code_name}/assign':
      return { path: row.path.replace('{app_code_name}', 'public-app'), body: { business_uid: ids.directCustomer }, missing: { path: row.path.replace('{app_code_name}', 'no-such-app'), body: { business_uid: ids.directCustomer } } };
  }
  if (row.protocol.name === 'slack') {
    const args: Record<string, string> = row.path.endsWith('requests.cancel')
      ? { request_id: pendingRequest(), team_id: WS }
      : row.path.endsWith('.list')
        ? { enterprise_id: clientId }
        : { app_id: APP, enterprise_id: clientId };
    const query = new URLSearchParams(args).toString();
    return row.method === 'GET' ? { path: `${row.path}?${query}` } : { path: row.path, body: args };
  }
  throw new Error(`no call for ${key}: add one here`);
}

/** Sends a call through rest() (which checks the answer against the document). */
function send(row: RouteRow, call: { path: string; body?: Record<string, unknown> }, options: { token?: string | null; y?: AppgovYoga; headers?: Record<string, string>; raw?: string } = {}) {
  const slackForm = row.protocol.name === 'slack' && call.body;
  return rest(options.y ?? yoga, row.method, call.path, {
    token: options.token === undefined ? admin : options.token,
    ...(options.raw !== undefined
      ? { body: options.raw }
      : slackForm
        ? { body: new URLSearchParams(call.body as Record<string, string>).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } }
        : call.body
          ? { body: call.body }
          : {}),
    ...(options.headers ? { headers: { ...(slackForm ? { 'content-type': 'application/x-www-form-urlencoded' } : {}), ...options.headers } } : {}),
  });
}

beforeAll(() => {
  t = testDatabase();
  ({ ids } = seedDirectories(t.db));
  ({ clientId } = seedTenant(t.db));
  createApp(t.db, { id: APP, name: 'Chat', codeName: 'chat', scopes: ['chat:write'] });
  createWorkspace(t.db, { clientId, name: 'Sales', id: WS });
  admin = issueToken(t.db, 'internal', undefined, undefined, 'admin').token;
  readOnly = issueToken(t.db, 'internal', undefined, ['apps:request'], 'requests only').token;
  yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 10 } });
});

const rows = ROUTES.filter((row) => row.protocol.name !== 'slack');

describe('every documented route × status is one the route answers with', () => {
  it('success: each route answers its documented success statuses', async () => {
    for (const row of ROUTES.filter((r) => r.method !== 'DELETE')) {
      const res = await send(row, callFor(row));
      expect(res.status, `${row.method} ${row.path}: ${JSON.stringify(res.body)}`).toBe(row.response.status);
      if (row.protocol.name === 'slack') expect(res.body, `${row.method} ${row.path} ${JSON.stringify(res.body)}`).toMatchObject({ ok: true });
    }
    // The assignment POSTs' 200 "nothing changed", and a real 204 (a DELETE of an assignment that exists).
    for (const row of rows.filter((r) => r.response.otherStatuses)) expect((await send(row, callFor(row))).status).toBe(200);
    const made = await rest(yoga, 'POST', '/v3/apps/app_assignments', { token: admin, body: { assignee_type: 'business', assignee_uid: ids.myBusiness, app_code_name: 'my-app' } });
    expect((await rest(yoga, 'DELETE', `/v3/apps/app_assignments/${made.body.uid}`, { token: admin })).status).toBe(204);
  });

  it('400, 401, 403, 404, 405 on every route that is not Slack (Slack answers those at 200)', async () => {
    for (const row of rows) {
      const call = callFor(row);
      const label = `${row.method} ${row.path}`;
      const withQuery = `${call.path}${call.path.includes('?') ? '&' : '?'}bogus=1`;
      expect((await send(row, { ...call, path: withQuery })).status, label).toBe(400);
      expect((await send(row, call, { token: null })).status, label).toBe(401);
      expect((await send(row, call, { token: readOnly })).status, label).toBe(403);
      expect((await send(row, { ...call, ...call.missing })).status, label).toBe(404);
      expect((await rest(yoga, 'PUT', call.path.split('?')[0]!, { token: admin })).status, label).toBe(405);
    }
  });

  it('413 and 415 on every route with a body; 409 on a stale expected_version', async () => {
    for (const row of rows.filter((r) => r.body)) {
      const call = callFor(row);
      const label = `${row.method} ${row.path}`;
      const huge = JSON.stringify({ ...call.body, padding: 'x'.repeat(maxRouteBodyBytes(10) + 1) });
      expect((await send(row, call, { raw: huge })).status, label).toBe(413);
      expect((await send(row, call, { raw: JSON.stringify(call.body), headers: { 'content-type': 'text/plain' } })).status, label).toBe(415);
    }
    const patch = `/v2/clients/${clientId}/apps/${APP}`;
    expect((await rest(yoga, 'PATCH', patch, { token: admin, body: { category: 'Stale', expected_version: 999 } })).status).toBe(409);
  });

  it('429 on every route, Slack included', async () => {
    const limited = createAppgovYoga({ db: t.db, config: { maxBulkIds: 10, rateLimitPerSecond: 1, rateLimitBurst: 1 } });
    const spent = issueToken(t.db, 'internal', undefined, undefined, 'spent').token;
    await rest(limited, 'GET', `/v2/clients/${clientId}/apps`, { token: spent });
    for (const row of ROUTES) expect((await send(row, callFor(row), { token: spent, y: limited })).status, `${row.method} ${row.path}`).toBe(429);
  });

  it('500 on every route: a database that fails under the server is a masked error', async () => {
    const broken = testDatabase();
    const token = issueToken(broken.db, 'internal', undefined, undefined, 'admin').token;
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => void lines.push(line) } });
    const y = createAppgovYoga({ db: broken.db, config: { maxBulkIds: 10 }, logger });
    // Every route authenticates first: a tokens table that is gone fails every call, unexpectedly.
    await onServedDatabase(broken.db, { sqlite: 'ALTER TABLE tokens RENAME TO tokens_gone', postgres: 'ALTER TABLE tokens RENAME TO tokens_gone' });
    try {
      for (const row of rows) {
        const res = await send(row, callFor(row), { token, y });
        expect([res.status, res.body], `${row.method} ${row.path}`).toEqual([500, { error: { code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error.' } }]);
      }
      // The cause is in the server's log, not in the answer.
      const cause = onPostgres ? 'relation \\"tokens\\" does not exist' : 'no such table: tokens';
      expect(lines.filter((line) => line.includes(cause)).length).toBe(rows.length);
    } finally {
      broken.close();
    }
  });
});

describe('over real sockets', () => {
  const servers: Server[] = [];
  const sockets: Socket[] = [];
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  async function serve(limits: Partial<HttpLimits>): Promise<number> {
    const server = createHttpServer(yoga, { requestTimeoutMs: 30_000, headersTimeoutMs: 10_000, maxConnections: 1000, ...limits });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
    return (server.address() as { port: number }).port;
  }

  const rawCall = (row: RouteRow) => {
    const call = callFor(row);
    const body = call.body ? JSON.stringify(call.body) : '';
    return { protocol: 'rest' as const, method: row.method, path: call.path, contentType: 'application/json', body };
  };

  function check(row: RouteRow, text: string) {
    const answer = parseRaw(text);
    expect(answer, `${row.method} ${row.path}`).not.toBeNull();
    checkRouteResponse({ method: row.method, url: rawCall(row).path, status: answer!.status, headers: new Headers(answer!.headers), body: answer!.body });
    return answer!.status;
  }

  it('408 on every route with a body (its body does not arrive in time)', async () => {
    const port = await serve({ requestTimeoutMs: 1000, headersTimeoutMs: 1000 });
    const withBody = rows.filter((row) => row.body);
    const answers = await Promise.all(withBody.map((row) => exchange(port, rawCall(row), { partial: 1 })));
    withBody.forEach((row, i) => expect(check(row, answers[i]!), `${row.method} ${row.path}`).toBe(408));
  }, 20_000);

  it('503 on every route when every connection is taken', async () => {
    const port = await serve({ maxConnections: 1 });
    sockets.push(await openSocket(port));
    await new Promise((resolve) => setTimeout(resolve, 100));
    for (const row of rows) expect(check(row, await exchange(port, rawCall(row))), `${row.method} ${row.path}`).toBe(503);
  });

  it('left nothing out: every (route, status) the document lists was answered above', () => {
    expect(documentedResponses().filter((pair) => !seenResponses.has(pair))).toEqual([]);
  });
});
