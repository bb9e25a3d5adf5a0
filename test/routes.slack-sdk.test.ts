/**
 * The Slack-compatible API driven by Slack's own Node client, `@slack/web-api` (7.x), against a
 * real port, and by plain fetch calls shaped the way Python's slack_sdk AsyncWebClient sends
 * them (every argument in the query string, GET for the lists, an empty form body on POST).
 */
import type { AddressInfo } from 'node:net';
import { ErrorCode, LogLevel, WebClient, type WebAPICallResult } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../src/http';
import { createApp } from '../src/services/apps';
import { createInstallRequest } from '../src/services/install-requests';
import { createWorkspace } from '../src/services/workspaces';
import { createAppgovYoga } from './helpers/yoga';
import { issueToken, principalFor, seedTenant, testDatabase, uuid } from './helpers/db';
import { tableCounts } from './helpers/tables';

const WS1 = uuid(901);
const WS2 = uuid(902);
const APPS = [uuid(1), uuid(2), uuid(3), uuid(4), uuid(5)];

const t = testDatabase();
const { clientId } = seedTenant(t.db);
for (const [i, id] of APPS.entries()) createApp(t.db, { id, name: `App ${i + 1}`, codeName: `app-${i + 1}`, scopes: ['chat:write', 'files:read'] });
createWorkspace(t.db, { clientId, name: 'Sales', id: WS1 });
createWorkspace(t.db, { clientId, name: 'Eng', id: WS2 });
const token = issueToken(t.db, 'internal', undefined, undefined, 'slack sdk').token;
const server = createHttpServer(createAppgovYoga({ db: t.db, config: { maxBulkIds: 1000 } }), {
  requestTimeoutMs: 10_000,
  headersTimeoutMs: 5_000,
  maxConnections: 50,
});
let base: string;
let client: WebClient;

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  client = new WebClient(token, { slackApiUrl: `${base}/api/`, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR });
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  t.sqlite.close();
});

/** Every page of a cursor-paginated method, through the SDK's own paging helper. */
async function allPages(method: string, options: Record<string, unknown>): Promise<WebAPICallResult[]> {
  const pages: WebAPICallResult[] = [];
  for await (const page of client.paginate(method, options)) pages.push(page);
  return pages;
}

describe('@slack/web-api WebClient against appgov', () => {
  it('calls all seven admin.apps methods, pages the lists with client.paginate, and reads the scope headers', async () => {
    for (const app_id of APPS.slice(0, 3)) expect((await client.admin.apps.approve({ app_id, enterprise_id: clientId })).ok).toBe(true);
    const approve = await client.admin.apps.approve({ app_id: APPS[3]!, team_id: WS1 });
    expect([approve.ok, approve.response_metadata?.scopes, approve.response_metadata?.acceptedScopes]).toEqual([true, ['apps:read', 'apps:write'], ['apps:write']]);

    const approvedPages = await allPages('admin.apps.approved.list', { enterprise_id: clientId, limit: 2 });
    expect(approvedPages.map((page) => ((page as Record<string, any>).approved_apps as any[]).map((a) => a.app.id))).toEqual([[APPS[0], APPS[1]], [APPS[2]]]);
    const listed = await client.admin.apps.approved.list({ team_id: WS1 });
    expect([listed.approved_apps?.map((a) => a.app?.id), listed.response_metadata?.next_cursor, listed.response_metadata?.acceptedScopes]).toEqual([[APPS[3]], '', ['apps:read']]);
    expect((await client.admin.apps.approved.list({ enterprise_id: clientId, certified: true })).approved_apps).toEqual([]);

    for (const app_id of APPS.slice(0, 2)) expect((await client.admin.apps.restrict({ app_id, team_id: WS2 })).ok).toBe(true);
    const restrictedPages = await allPages('admin.apps.restricted.list', { team_id: WS2, limit: 1 });
    expect(restrictedPages.map((page) => ((page as Record<string, any>).restricted_apps as any[]).map((a) => a.app.id))).toEqual([[APPS[0]], [APPS[1]]]);
    expect((await client.admin.apps.restricted.list({ team_id: WS2, certified: false })).restricted_apps?.length).toBe(2);

    expect((await client.admin.apps.clearResolution({ app_id: APPS[0]!, enterprise_id: clientId })).ok).toBe(true);
    expect((await client.admin.apps.approved.list({ enterprise_id: clientId })).approved_apps?.map((a) => a.app?.id)).toEqual([APPS[1], APPS[2]]);

    const actor = principalFor(t.db);
    const now = Date.now();
    const requests = [0, 1, 2].map((i) =>
      createInstallRequest(t.db, { clientId, workspaceId: WS1, appId: APPS[4]!, message: `please ${i}`, requester: 'Ann', actor, now: new Date(now + i * 1000) }),
    );
    const requestPages = await allPages('admin.apps.requests.list', { team_id: WS1, limit: 2 });
    expect(requestPages.map((page) => ((page as Record<string, any>).app_requests as any[]).map((r) => [r.id, r.user.name, r.team.name, r.message]))).toEqual([
      [
        [requests[2]!.id, 'Ann', 'Sales', 'please 2'],
        [requests[1]!.id, 'Ann', 'Sales', 'please 1'],
      ],
      [[requests[0]!.id, 'Ann', 'Sales', 'please 0']],
    ]);
    expect((await client.admin.apps.requests.cancel({ request_id: requests[2]!.id, team_id: WS1 })).ok).toBe(true);
    expect((await client.admin.apps.requests.list({ team_id: WS1 })).app_requests?.map((r) => r.id)).toEqual([requests[1]!.id, requests[0]!.id]);
  });

  it('a refusal is the SDK\'s platform error with Slack\'s code, and writes nothing', async () => {
    const reader = new WebClient(issueToken(t.db, 'internal', undefined, ['apps:read']).token, { slackApiUrl: `${base}/api/`, retryConfig: { retries: 0 }, logLevel: LogLevel.ERROR });
    const before = tableCounts(t.sqlite);
    const error = await client.admin.apps.approve({ app_id: uuid(777), enterprise_id: clientId }).catch((e) => e);
    expect([error.code, error.data?.ok, error.data?.error]).toEqual([ErrorCode.PlatformError, false, 'invalid_app_id']);
    const scope = await reader.admin.apps.restrict({ app_id: APPS[0]!, team_id: WS1 }).catch((e) => e);
    expect([scope.data?.error, scope.data?.needed, scope.data?.provided]).toEqual(['missing_scope', 'apps:write', 'apps:read']);
    expect(tableCounts(t.sqlite)).toEqual(before);
  });
});

/**
 * One call as slack_sdk's AsyncWebClient (3.x, aiohttp) sends it: `api_call(method, params=kwargs)`
 * puts every argument in the query string (booleans as 1/0), the token in Authorization, a form
 * Content-Type and no body; the list methods use `http_verb="GET"`.
 */
async function asyncWebClient(httpMethod: 'GET' | 'POST', method: string, params: Record<string, string>, headers: Record<string, string> = { authorization: `Bearer ${token}` }) {
  const res = await fetch(`${base}/api/${method}?${new URLSearchParams(params)}`, {
    method: httpMethod,
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Python/3.12.0 slackclient/3.43.0 Linux/6.1', ...headers },
  });
  return { status: res.status, body: await res.json(), scopes: res.headers.get('x-oauth-scopes') };
}

describe("slack_sdk AsyncWebClient's requests: query-string arguments, GET for the lists", () => {
  it('every method works with its arguments in the query string', async () => {
    const app_id = APPS[4]!;
    expect(await asyncWebClient('POST', 'admin.apps.approve', { app_id, team_id: WS2, bot_scopes: 'chat:write' })).toEqual({ status: 200, body: { ok: true }, scopes: 'apps:read,apps:write' });
    const approved = await asyncWebClient('GET', 'admin.apps.approved.list', { team_id: WS2, limit: '10', certified: '0' });
    expect(approved.body.approved_apps.map((a: any) => [a.app.id, a.scopes.map((s: any) => s.name)])).toEqual([[app_id, ['chat:write']]]);
    expect((await asyncWebClient('GET', 'admin.apps.approved.list', { team_id: WS2, certified: '1' })).body.approved_apps).toEqual([]);
    expect((await asyncWebClient('POST', 'admin.apps.restrict', { app_id, enterprise_id: clientId })).body).toEqual({ ok: true });
    const restricted = await asyncWebClient('GET', 'admin.apps.restricted.list', { enterprise_id: clientId });
    expect(restricted.body.restricted_apps.map((a: any) => a.app.id)).toEqual([app_id]);
    expect((await asyncWebClient('POST', 'admin.apps.clearResolution', { app_id, enterprise_id: clientId })).body).toEqual({ ok: true });
    const request = createInstallRequest(t.db, { clientId, workspaceId: WS2, appId: APPS[3]!, actor: principalFor(t.db) });
    const pending = await asyncWebClient('GET', 'admin.apps.requests.list', { team_id: WS2, limit: '1' });
    expect([pending.body.app_requests.map((r: any) => r.id), pending.body.response_metadata]).toEqual([[request.id], { next_cursor: '' }]);
    expect((await asyncWebClient('POST', 'admin.apps.requests.cancel', { request_id: request.id, team_id: WS2 })).body).toEqual({ ok: true });
  });

  it('token in the query string works; a refusal is Slack\'s code with HTTP 200', async () => {
    const byQuery = await asyncWebClient('GET', 'admin.apps.requests.list', { token, enterprise_id: clientId }, {});
    expect([byQuery.status, byQuery.body.ok, byQuery.scopes]).toEqual([200, true, 'apps:read,apps:write']);
    expect(await asyncWebClient('GET', 'admin.apps.approved.list', { enterprise_id: clientId, cursor: 'nope' })).toEqual({
      status: 200,
      body: { ok: false, error: 'invalid_cursor' },
      scopes: 'apps:read,apps:write',
    });
    expect(await asyncWebClient('GET', 'admin.apps.approved.list', { enterprise_id: clientId }, {})).toEqual({ status: 200, body: { ok: false, error: 'not_authed' }, scopes: null });
  });
});
