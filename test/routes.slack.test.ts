import { beforeEach, describe, expect, it } from 'vitest';
import { revokeToken } from '../src/auth/tokens';
import { createApp } from '../src/services/apps';
import { createInstallRequest } from '../src/services/install-requests';
import { createWorkspace } from '../src/services/workspaces';
import { createAppgovYoga, type AppgovYoga } from './helpers/yoga';
import { issueToken, principalFor, seedTenant, testDatabase, uuid } from './helpers/db';
import { rest } from './helpers/rest';
import { tableCounts } from './helpers/tables';

const APP = uuid(1);
const WS1 = uuid(901);
const WS2 = uuid(902);

let t: ReturnType<typeof testDatabase>;
let yoga: AppgovYoga;
let token: string;
let clientId: string;

beforeEach(() => {
  t = testDatabase();
  ({ clientId } = seedTenant(t.db));
  createApp(t.db, { id: APP, name: 'Chat', codeName: 'chat', scopes: ['chat:write', 'files:read'] });
  createWorkspace(t.db, { clientId, name: 'Sales', id: WS1 });
  createWorkspace(t.db, { clientId, name: 'Eng', id: WS2 });
  token = issueToken(t.db, 'internal', undefined, undefined, 'slack admin').token;
  yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 1000 } });
});

/** One Slack call: form-urlencoded by default, the token as a POST parameter unless `header`. */
async function slack(method: string, args: Record<string, unknown>, options: { json?: boolean; header?: string | null } = {}) {
  const withToken = options.header === undefined ? { token, ...args } : args;
  const headers: Record<string, string> = options.header ? { authorization: options.header } : {};
  const body = options.json
    ? JSON.stringify(withToken)
    : new URLSearchParams(Object.entries(withToken).map(([k, v]) => [k, String(v)])).toString();
  headers['content-type'] = options.json ? 'application/json' : 'application/x-www-form-urlencoded';
  const res = await rest(yoga, 'POST', `/api/admin.apps.${method}`, { body, headers });
  return { status: res.status, body: res.body, headers: res.headers };
}

/** Expects the call to answer `{ok:false, error}` with HTTP 200 and to write nothing. */
async function refused(method: string, args: Record<string, unknown>, error: string, options: Parameters<typeof slack>[2] = {}) {
  const before = tableCounts(t.sqlite);
  const res = await slack(method, args, options);
  expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { ok: false, error } });
  expect(tableCounts(t.sqlite)).toEqual(before);
}

describe('Slack admin.apps.* rules', () => {
  it('approve at enterprise, restrict a team, clear at enterprise keeps the team; approved/restricted lists per level', async () => {
    expect((await slack('approve', { app_id: APP, enterprise_id: clientId })).body).toEqual({ ok: true });
    expect((await slack('restrict', { app_id: APP, team_id: WS1 }, { json: true })).body).toEqual({ ok: true });
    const approved = (await slack('approved.list', { enterprise_id: clientId })).body;
    expect(approved).toEqual({
      ok: true,
      approved_apps: [
        {
          app: { id: APP, name: 'Chat', code_name: 'chat' },
          scopes: [
            { name: 'chat:write', is_sensitive: false, token_type: 'bot' },
            { name: 'files:read', is_sensitive: false, token_type: 'bot' },
          ],
          date_updated: expect.any(Number),
          last_resolved_by: { actor_id: expect.any(String), actor_type: 'token' },
        },
      ],
      response_metadata: { next_cursor: '' },
    });
    expect((await slack('clearResolution', { app_id: APP, enterprise_id: clientId })).body).toEqual({ ok: true });
    expect((await slack('approved.list', { enterprise_id: clientId })).body.approved_apps).toEqual([]);
    expect((await slack('restricted.list', { team_id: WS1 })).body.restricted_apps.map((a: any) => a.app.id)).toEqual([APP]);
  });

  it('an enterprise restriction voids team approvals and refuses new ones: app_restricted_org_wide', async () => {
    await slack('approve', { app_id: APP, team_id: WS2 });
    await slack('restrict', { app_id: APP, enterprise_id: clientId });
    expect((await slack('approved.list', { team_id: WS2 })).body.approved_apps).toEqual([]);
    await refused('approve', { app_id: APP, team_id: WS2 }, 'app_restricted_org_wide');
  });

  it('requests.list, approve by request_id, then request_already_resolved; cancel', async () => {
    const actor = principalFor(t.db);
    const now = Date.now();
    const a = createInstallRequest(t.db, { clientId, workspaceId: WS1, appId: APP, scopes: ['chat:write'], message: 'pls', requester: 'Ann', actor, now: new Date(now - 1000) });
    const b = createInstallRequest(t.db, { clientId, workspaceId: WS2, appId: APP, actor, now: new Date(now) });
    const list = (await slack('requests.list', { enterprise_id: clientId, limit: 1 })).body;
    expect(list).toEqual({
      ok: true,
      app_requests: [
        {
          id: b.id,
          app: { id: APP, name: 'Chat', code_name: 'chat' },
          previous_resolution: null,
          user: { name: 'internal test token' },
          team: { id: WS2, name: 'Eng' },
          scopes: [
            { name: 'chat:write', is_sensitive: false, token_type: 'bot' },
            { name: 'files:read', is_sensitive: false, token_type: 'bot' },
          ],
          message: '',
          date_created: expect.any(Number),
        },
      ],
      response_metadata: { next_cursor: expect.stringMatching(/.+/) },
    });
    const next = (await slack('requests.list', { enterprise_id: clientId, cursor: list.response_metadata.next_cursor })).body;
    expect([next.app_requests.map((r: any) => [r.id, r.user.name, r.message]), next.response_metadata]).toEqual([[[a.id, 'Ann', 'pls']], { next_cursor: '' }]);
    expect((await slack('approve', { request_id: a.id, team_id: WS1 })).body).toEqual({ ok: true });
    await refused('approve', { request_id: a.id, team_id: WS1 }, 'request_already_resolved');
    await refused('requests.cancel', { request_id: a.id, enterprise_id: clientId }, 'request_already_resolved');
    expect((await slack('requests.cancel', { request_id: b.id, team_id: WS2 })).body).toEqual({ ok: true });
    expect((await slack('requests.list', { team_id: WS2 })).body.app_requests).toEqual([]);
  });

  it('a limit above 100 is served 100 at a time with a next_cursor', async () => {
    const actor = principalFor(t.db);
    for (let i = 0; i < 101; i++) createInstallRequest(t.db, { clientId, workspaceId: WS1, appId: APP, actor });
    const page = (await slack('requests.list', { team_id: WS1, limit: 1000 })).body;
    expect([page.app_requests.length, page.response_metadata.next_cursor !== '']).toEqual([100, true]);
  });
});

/** A call the way slack_sdk's AsyncWebClient sends it: every argument in the query string, the body empty. */
async function inQuery(httpMethod: 'GET' | 'POST', method: string, args: Record<string, string>, headers: Record<string, string> = { authorization: `Bearer ${token}` }) {
  const query = new URLSearchParams(args).toString();
  return rest(yoga, httpMethod, `/api/admin.apps.${method}?${query}`, { headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
}

describe('GET and query-string arguments, as Slack takes them', () => {
  it('every method answers GET with its arguments in the query string; the lists give what POST gives', async () => {
    expect((await inQuery('GET', 'approve', { app_id: APP, team_id: WS1 })).body).toEqual({ ok: true });
    const viaGet = await inQuery('GET', 'approved.list', { team_id: WS1, limit: '10' });
    expect(viaGet.body.approved_apps.map((a: any) => a.app.id)).toEqual([APP]);
    expect(viaGet.body).toEqual((await slack('approved.list', { team_id: WS1, limit: 10 })).body);
    expect((await inQuery('GET', 'restrict', { app_id: APP, enterprise_id: clientId })).body).toEqual({ ok: true });
    expect((await inQuery('GET', 'restricted.list', { enterprise_id: clientId })).body.restricted_apps.map((a: any) => a.app.id)).toEqual([APP]);
    expect((await inQuery('GET', 'clearResolution', { app_id: APP, enterprise_id: clientId })).body).toEqual({ ok: true });
    const request = createInstallRequest(t.db, { clientId, workspaceId: WS2, appId: APP, actor: principalFor(t.db) });
    expect((await inQuery('GET', 'requests.list', { team_id: WS2 })).body.app_requests.map((r: any) => r.id)).toEqual([request.id]);
    expect((await inQuery('GET', 'requests.cancel', { request_id: request.id, team_id: WS2 })).body).toEqual({ ok: true });
    expect((await inQuery('GET', 'requests.list', { team_id: WS2 })).body.app_requests).toEqual([]);
  });

  it('POST takes query-string arguments, alone or beside body arguments, and token in the query string', async () => {
    expect((await inQuery('POST', 'approve', { app_id: APP, team_id: WS1 })).body).toEqual({ ok: true });
    const split = await rest(yoga, 'POST', `/api/admin.apps.restrict?app_id=${APP}`, {
      body: `team_id=${WS2}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${token}` },
    });
    expect(split.body).toEqual({ ok: true });
    const json = await rest(yoga, 'POST', `/api/admin.apps.restricted.list?team_id=${WS2}`, { body: { limit: 5 }, token });
    expect(json.body.restricted_apps.map((a: any) => a.app.id)).toEqual([APP]);
    const tokenInQuery = await inQuery('GET', 'approved.list', { token, team_id: WS1 }, {});
    expect(tokenInQuery.body.approved_apps.map((a: any) => a.app.id)).toEqual([APP]);
    const unknown = await inQuery('GET', 'approved.list', { token: 'agv_not_ours', team_id: WS1 }, {});
    expect(unknown.body).toEqual({ ok: false, error: 'invalid_auth' });
  });

  it('the request log records the path of a call with arguments in the query string, never the query string (token included)', async () => {
    const { createLogger } = await import('../src/observability/logger');
    const lines: string[] = [];
    const logged = createAppgovYoga({ db: t.db, config: { maxBulkIds: 1000 }, logger: createLogger({ level: 'debug', destination: { write: (line: string) => void lines.push(line) } }) });
    const res = await rest(logged, 'GET', `/api/admin.apps.approved.list?token=${token}&team_id=${WS1}`);
    expect(res.body).toEqual({ ok: true, approved_apps: [], response_metadata: { next_cursor: '' } });
    const text = lines.join('');
    expect([text.includes('"path":"/api/admin.apps.approved.list"'), text.includes(WS1), text.includes('token='), text.includes(token.slice(4))]).toEqual([true, false, false, false]);
  });

  it('an argument is given once: in both query string and body is invalid_arguments, repeated in the query string invalid_form_data; unknown ones invalid_arg_name', async () => {
    const before = tableCounts(t.sqlite);
    const both = await rest(yoga, 'POST', `/api/admin.apps.approve?team_id=${WS1}`, {
      body: `app_id=${APP}&team_id=${WS2}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${token}` },
    });
    expect(both.body).toEqual({ ok: false, error: 'invalid_arguments' });
    const sameValue = await rest(yoga, 'POST', `/api/admin.apps.approve?app_id=${APP}`, { body: { app_id: APP, team_id: WS1 }, token });
    expect(sameValue.body).toEqual({ ok: false, error: 'invalid_arguments' });
    const tokenTwice = await rest(yoga, 'POST', `/api/admin.apps.approve?token=${token}`, {
      body: `token=${token}&app_id=${APP}&team_id=${WS1}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(tokenTwice.body).toEqual({ ok: false, error: 'invalid_arguments' });
    const repeated = await rest(yoga, 'GET', `/api/admin.apps.approve?app_id=${APP}&team_id=${WS1}&team_id=${WS1}`, { token });
    expect(repeated.body).toEqual({ ok: false, error: 'invalid_form_data' });
    expect((await inQuery('GET', 'approve', { app_id: APP, team_id: WS1, colour: 'red' })).body).toEqual({ ok: false, error: 'invalid_arg_name' });
    expect((await inQuery('POST', 'requests.list', { team_id: WS1, limit: 'many' })).body).toEqual({ ok: false, error: 'invalid_arguments' });
    expect(tableCounts(t.sqlite)).toEqual(before);
  });
});

describe("Slack's own arguments: certified on the lists, bot_scopes and user_scopes on approve", () => {
  it('certified=false (the default) lists every app; certified=true only certified apps, and appgov certifies none', async () => {
    await slack('approve', { app_id: APP, team_id: WS1 });
    await slack('restrict', { app_id: APP, team_id: WS2 });
    createInstallRequest(t.db, { clientId, workspaceId: WS1, appId: APP, actor: principalFor(t.db) });
    const ids = async (method: string, key: string, args: Record<string, unknown>) => {
      const res = await slack(method, args);
      return [res.body[key]?.map((item: any) => item.app.id), res.body.response_metadata];
    };
    const all = [[APP], { next_cursor: '' }];
    const none = [[], { next_cursor: '' }];
    expect(await ids('approved.list', 'approved_apps', { team_id: WS1, certified: false })).toEqual(all);
    expect(await ids('approved.list', 'approved_apps', { team_id: WS1, certified: true })).toEqual(none);
    expect(await ids('restricted.list', 'restricted_apps', { team_id: WS2, certified: 0 })).toEqual(all);
    expect(await ids('restricted.list', 'restricted_apps', { team_id: WS2, certified: 1 })).toEqual(none);
    expect(await ids('requests.list', 'app_requests', { team_id: WS1, certified: 'false' })).toEqual(all);
    expect(await ids('requests.list', 'app_requests', { team_id: WS1, certified: 'true' })).toEqual(none);
    expect((await slack('approved.list', { team_id: WS1, certified: true }, { json: true })).body.approved_apps).toEqual([]);
    await refused('approved.list', { team_id: WS1, certified: 'maybe' }, 'invalid_arguments');
    await refused('approve', { app_id: APP, team_id: WS1, certified: true }, 'invalid_arg_name');
  });

  it('bot_scopes and user_scopes are approved together with scopes; one the app does not request is invalid_scopes', async () => {
    const approvedScopes = async (team_id: string) =>
      (await slack('approved.list', { team_id })).body.approved_apps.map((a: any) => a.scopes.map((s: any) => s.name));
    expect((await slack('approve', { app_id: APP, team_id: WS1, bot_scopes: 'chat:write' })).body).toEqual({ ok: true });
    expect(await approvedScopes(WS1)).toEqual([['chat:write']]);
    expect((await slack('approve', { app_id: APP, team_id: WS2, user_scopes: 'files:read', bot_scopes: 'chat:write' }, { json: true })).body).toEqual({ ok: true });
    expect(await approvedScopes(WS2)).toEqual([['chat:write', 'files:read']]);
    await refused('approve', { app_id: APP, enterprise_id: clientId, user_scopes: 'admin' }, 'invalid_scopes');
    await refused('restrict', { app_id: APP, enterprise_id: clientId, bot_scopes: 'chat:write' }, 'invalid_arg_name');
  });
});

describe("Slack's scope headers", () => {
  it('X-OAuth-Scopes names the token\'s scopes and X-Accepted-OAuth-Scopes the method\'s, on answers and on refusals', async () => {
    const headersOf = (res: { headers: Headers }) => [res.headers.get('x-oauth-scopes'), res.headers.get('x-accepted-oauth-scopes')];
    expect(headersOf(await slack('approved.list', { enterprise_id: clientId }))).toEqual(['apps:read,apps:write', 'apps:read']);
    expect(headersOf(await slack('approve', { app_id: APP, team_id: WS1 }))).toEqual(['apps:read,apps:write', 'apps:write']);
    const reader = issueToken(t.db, 'internal', undefined, ['apps:read']).token;
    const refusal = await slack('requests.cancel', { token: reader, request_id: uuid(5), team_id: WS1 }, { header: null });
    expect([refusal.body.error, ...headersOf(refusal)]).toEqual(['missing_scope', 'apps:read', 'apps:write']);
    const unknown = await slack('approve', { token: 'agv_not_ours', app_id: APP, team_id: WS1 }, { header: null });
    expect([unknown.body.error, ...headersOf(unknown)]).toEqual(['invalid_auth', null, 'apps:write']);
    const pair = await slack('approve', { app_id: APP, request_id: uuid(5), team_id: WS1 });
    expect([pair.body.error, ...headersOf(pair)]).toEqual(['too_many_ids_provided', 'apps:read,apps:write', 'apps:write']);
    // The arguments' names and types are checked before the token is read.
    const shape = await slack('approved.list', { team_id: WS1, limit: 'many' });
    expect([shape.body.error, ...headersOf(shape)]).toEqual(['invalid_arguments', null, 'apps:read']);
  });
});

describe('every Slack error code, with a request that produces it (nothing written)', () => {
  it('authentication: not_authed, invalid_auth, token_expired, token_revoked', async () => {
    await refused('approve', { app_id: APP, enterprise_id: clientId }, 'not_authed', { header: null });
    await refused('approve', { token: 'xoxb-not-ours', app_id: APP, enterprise_id: clientId }, 'invalid_auth', { header: null });
    const expiring = issueToken(t.db, 'internal');
    t.sqlite.prepare('UPDATE tokens SET expires_at = 1 WHERE id = ?').run(expiring.id);
    await refused('approve', { app_id: APP, enterprise_id: clientId }, 'token_expired', { header: `Bearer ${expiring.token}` });
    const revoked = issueToken(t.db, 'internal');
    revokeToken(t.db, revoked.id);
    await refused('approve', { token: revoked.token, app_id: APP, enterprise_id: clientId }, 'token_revoked', { header: null });
  });

  it('missing_scope carries needed and provided; access_denied for another client', async () => {
    const reader = issueToken(t.db, 'internal', undefined, ['apps:read']).token;
    const res = await slack('approve', { token: reader, app_id: APP, enterprise_id: clientId }, { header: null });
    expect(res.body).toEqual({ ok: false, error: 'missing_scope', needed: 'apps:write', provided: 'apps:read' });
    const other = seedTenant(t.db, { clientNumber: 2 });
    const foreign = issueToken(t.db, 'client', other.clientId).token;
    await refused('approve', { token: foreign, app_id: APP, enterprise_id: clientId }, 'access_denied', { header: null });
  });

  it('argument pairs: request_id_or_app_id_is_required, too_many_ids_provided, too_many_teams_provided', async () => {
    await refused('approve', { enterprise_id: clientId }, 'request_id_or_app_id_is_required');
    await refused('restrict', { app_id: APP, request_id: uuid(5), enterprise_id: clientId }, 'too_many_ids_provided');
    await refused('approve', { app_id: APP, enterprise_id: clientId, team_id: WS1 }, 'too_many_teams_provided');
    await refused('requests.cancel', { request_id: uuid(5), enterprise_id: clientId, team_id: WS1 }, 'too_many_teams_provided');
    await refused('requests.list', {}, 'no_team_or_enterprise_provided');
  });

  it('ids: invalid_app_id, invalid_request_id, team_not_found (unknown or malformed)', async () => {
    await refused('approve', { app_id: uuid(77), enterprise_id: clientId }, 'invalid_app_id');
    await refused('approve', { app_id: 'A0123456', enterprise_id: clientId }, 'invalid_app_id');
    await refused('approve', { request_id: uuid(77), enterprise_id: clientId }, 'invalid_request_id');
    await refused('requests.cancel', { enterprise_id: clientId }, 'invalid_request_id');
    await refused('approve', { app_id: APP, team_id: uuid(77) }, 'team_not_found');
    await refused('approve', { app_id: APP, team_id: 'T0123' }, 'team_not_found');
  });

  it('invalid_scopes for an approval naming a scope the app does not request', async () => {
    await refused('approve', { app_id: APP, enterprise_id: clientId, scopes: 'chat:write,admin' }, 'invalid_scopes');
  });

  it('body shape: invalid_arg_name, invalid_array_arg, invalid_arguments, invalid_form_data, invalid_post_type', async () => {
    await refused('approve', { app_id: APP, enterprise_id: clientId, colour: 'red' }, 'invalid_arg_name');
    await refused('approve', { app_id: [APP], enterprise_id: clientId }, 'invalid_array_arg', { json: true });
    await refused('requests.list', { enterprise_id: clientId, limit: 'many' }, 'invalid_arguments');
    await refused('requests.list', { enterprise_id: clientId, limit: 0 }, 'invalid_arguments');
    const broken = await rest(yoga, 'POST', '/api/admin.apps.approve', { body: '{"app_id":', headers: { authorization: `Bearer ${token}` } });
    expect(broken.body).toEqual({ ok: false, error: 'invalid_form_data' });
    const xml = await rest(yoga, 'POST', '/api/admin.apps.approve', { body: '<x/>', headers: { authorization: `Bearer ${token}`, 'content-type': 'text/xml' } });
    expect(xml.body).toEqual({ ok: false, error: 'invalid_post_type' });
  });

  it('invalid_cursor, unknown_method, access_denied for an unknown enterprise, invalid_post_type for PUT, invalid_form_data for a repeated key', async () => {
    await refused('requests.list', { enterprise_id: clientId, cursor: 'not-a-cursor' }, 'invalid_cursor');
    await refused('apps.teleport', { app_id: APP }, 'unknown_method');
    await refused('approve', { app_id: APP, enterprise_id: uuid(404) }, 'access_denied');
    await refused('approve', { app_id: APP, enterprise_id: 'E0123' }, 'invalid_arguments');
    const put = await rest(yoga, 'PUT', '/api/admin.apps.approve', { token });
    expect(put.body).toEqual({ ok: false, error: 'invalid_post_type' });
    const repeated = await rest(yoga, 'POST', '/api/admin.apps.approve', {
      body: `token=${token}&app_id=${APP}&app_id=${APP}&enterprise_id=${clientId}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(repeated.body).toEqual({ ok: false, error: 'invalid_form_data' });
  });

  it('internal_error: an unexpected failure is masked', async () => {
    t.sqlite.exec(`CREATE TRIGGER boom BEFORE INSERT ON workspace_app_decisions BEGIN SELECT RAISE(ABORT, 'disk on fire'); END`);
    const before = tableCounts(t.sqlite);
    const res = await slack('approve', { app_id: APP, team_id: WS1 });
    expect(res.body).toEqual({ ok: false, error: 'internal_error' });
    expect(JSON.stringify(res.body)).not.toContain('fire');
    expect(tableCounts(t.sqlite)).toEqual(before);
  });
});

describe('codes from conditions other branches raise (mapped by their GraphQL code and reason)', () => {
  it('RATE_LIMITED is ratelimited with HTTP 429 and Retry-After; UNAVAILABLE is service_unavailable; TOKEN_KIND is not_allowed_token_type', async () => {
    const { slackProtocol } = await import('../src/routes/slack-protocol');
    const { RouteError } = await import('../src/routes/table');
    expect(slackProtocol.errorReply(new RouteError('RATE_LIMITED', 'slow down', { retryAfter: 12 }))).toEqual({
      status: 429,
      headers: { 'Retry-After': '12' },
      body: { ok: false, error: 'ratelimited' },
    });
    expect(slackProtocol.errorReply(new RouteError('UNAVAILABLE', 'busy'))).toEqual({ status: 200, body: { ok: false, error: 'service_unavailable' } });
    expect(slackProtocol.errorReply(new RouteError('FORBIDDEN', 'no', { reason: 'TOKEN_KIND' }))).toEqual({
      status: 200,
      body: { ok: false, error: 'not_allowed_token_type' },
    });
  });
});

describe('ratelimited through the real rate limiter', () => {
  it('a token over its budget gets HTTP 429, Retry-After and {"ok":false,"error":"ratelimited"}, and nothing is written', async () => {
    const limited = createAppgovYoga({ db: t.db, config: { maxBulkIds: 1000, rateLimitPerSecond: 1, rateLimitBurst: 1 } });
    const call = () =>
      rest(limited, 'POST', '/api/admin.apps.approve', {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `token=${token}&app_id=${APP}&team_id=${WS1}`,
      });
    expect((await call()).body).toEqual({ ok: true });
    const before = tableCounts(t.sqlite);
    const refused = await call();
    expect([refused.status, refused.body, Number(refused.headers.get('retry-after')) >= 1]).toEqual([429, { ok: false, error: 'ratelimited' }, true]);
    expect(tableCounts(t.sqlite)).toEqual(before);
  });
});

describe('service_unavailable through a real busy database', () => {
  it('a write lock held by another process past APPGOV_WRITE_WAIT_MS is {"ok":false,"error":"service_unavailable"}, nothing written', async () => {
    const { fileTenants } = await import('./helpers/resilience');
    const Database = (await import('better-sqlite3')).default;
    const s = fileTenants({ writeWaitMs: 100 });
    const holder = new Database(s.path);
    try {
      holder.exec('BEGIN IMMEDIATE');
      const before = tableCounts(s.database.sqlite);
      const res = await rest(s.yoga, 'POST', '/api/admin.apps.approve', {
        token: s.hammer,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: `app_id=${s.a.appIds[0]}&enterprise_id=${s.a.clientId}`,
      });
      expect([res.status, res.body]).toEqual([200, { ok: false, error: 'service_unavailable' }]);
      expect(tableCounts(s.database.sqlite)).toEqual(before);
    } finally {
      holder.close();
      s.database.close();
      s.remove();
    }
  });
});
