import { GraphQLError } from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
import { beforeAll, describe, expect, it } from 'vitest';
import { UNKNOWN_TOKEN_MESSAGE } from '../src/auth/tokens';
import { sqliteBackend } from '../src/backend';
import { createContext } from '../src/context';
import { HISTORY_EVENT_TYPES } from '../src/db/schema';
import { maxRouteBodyBytes, routeTable } from '../src/routes';
import { useRouteTable } from '../src/routes/plugin';
import { schema } from '../src/schema';
import { createClient } from '../src/services/clients';
import { seedDemoIfEmpty } from '../src/services/demo';
import { createAppgovYoga, type AppgovYoga, onPostgres, onServedDatabase } from './helpers/yoga';
import { issueToken, testDatabase } from './helpers/db';
import { rest, type RestResponse } from './helpers/rest';
import { tableCounts } from './helpers/tables';

const CLIENT = 'aa7cf840-9ca9-46a3-9778-9015d6580d50';
const OTHER_CLIENT = 'bb7cf840-9ca9-46a3-9778-9015d6580d50';
const APP = 'f1a2b3c4-d5e6-7890-abcd-ef1234567890';
const UNKNOWN = 'ffffffff-ffff-ffff-ffff-ffffffffffff';
const APPROVE = `/v2/clients/${CLIENT}/apps/approval`;
const APP_PATH = `/v2/clients/${CLIENT}/apps/${APP}`;

let t: ReturnType<typeof testDatabase>;
let yoga: AppgovYoga;
let token: string;

beforeAll(() => {
  t = testDatabase();
  token = seedDemoIfEmpty(t.db)!.token;
  createClient(t.db, { id: OTHER_CLIENT, name: 'Other' });
  yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 3 } });
});

/** Calls, expects the exact status and error body, and that no table changed. */
async function expectError(call: () => Promise<RestResponse>, status: number, error: Record<string, unknown>): Promise<RestResponse> {
  const before = tableCounts(t.sqlite);
  const states = t.sqlite.prepare('SELECT * FROM client_app_states').all();
  const res = await call();
  expect({ status: res.status, body: res.body }).toEqual({ status, body: { error } });
  expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(tableCounts(t.sqlite)).toEqual(before);
  expect(t.sqlite.prepare('SELECT * FROM client_app_states').all()).toEqual(states);
  return res;
}

const post = (path: string, body: unknown, options: { token?: string | null; headers?: Record<string, string> } = {}) =>
  rest(yoga, 'POST', path, { token: options.token === undefined ? token : options.token, body, headers: options.headers });

describe('400: the shape of the body (checked by the route) and its values (by the services)', () => {
  const cases: [string, unknown, Record<string, unknown>][] = [
    ['missing app_ids', {}, { code: 'BAD_USER_INPUT', message: 'body key app_ids is required', field: 'app_ids' }],
    ['an empty array', { app_ids: [] }, { code: 'BAD_USER_INPUT', message: 'appIds must name at least one id', field: 'appIds' }],
    [
      'an id that is not a UUID',
      { app_ids: ['f1a2b3c4'] },
      { code: 'BAD_USER_INPUT', message: 'appIds has an id that is not a UUID (8-4-4-4-12 hexadecimal): "f1a2b3c4"', field: 'appIds', invalidCount: 1 },
    ],
    [
      'too many ids',
      { app_ids: [APP, UNKNOWN, '11111111-1111-1111-1111-111111111111', '22222222-2222-2222-2222-222222222222'] },
      { code: 'BAD_USER_INPUT', message: 'appIds names 4 distinct ids; at most 3 are allowed in one call', field: 'appIds', limit: 3, count: 4 },
    ],
    [
      'an unknown key',
      { appIds: [APP] },
      { code: 'BAD_USER_INPUT', message: 'Unknown body key "appIds"; accepted: app_ids, reason, dry_run, expires_at, expires_in', field: 'appIds' },
    ],
    ['app_ids not an array', { app_ids: APP }, { code: 'BAD_USER_INPUT', message: 'body key app_ids must be an array of strings', field: 'app_ids' }],
    ['an id that is a number', { app_ids: [1] }, { code: 'BAD_USER_INPUT', message: 'body key app_ids must be an array of strings', field: 'app_ids' }],
    ['dry_run not a boolean', { app_ids: [APP], dry_run: 'yes' }, { code: 'BAD_USER_INPUT', message: 'body key dry_run must be true or false', field: 'dry_run' }],
    ['a body that is an array', [APP], { code: 'BAD_USER_INPUT', message: 'The body must be a JSON object', field: 'body' }],
    ['a body that is not JSON', '{"app_ids": [', { code: 'BAD_USER_INPUT', message: 'The body is not valid JSON', field: 'body' }],
    [
      'an over-long reason',
      { app_ids: [APP], reason: 'x'.repeat(501) },
      { code: 'BAD_USER_INPUT', message: 'reason must be at most 500 characters; got 501', field: 'reason' },
    ],
  ];
  it.each(cases)('%s', async (_name, body, error) => {
    await expectError(() => post(APPROVE, body), 400, error);
  });

  it('query parameters: ill-typed, out of range, unknown, repeated', async () => {
    const list = `/v2/clients/${CLIENT}/apps`;
    await expectError(() => rest(yoga, 'GET', `${list}?limit=ten`, { token }), 400, {
      code: 'BAD_USER_INPUT',
      message: 'query parameter limit must be an integer; got "ten"',
      field: 'limit',
    });
    await expectError(() => rest(yoga, 'GET', `${list}?limit=500`, { token }), 400, {
      code: 'BAD_USER_INPUT',
      message: 'first must be from 1 to 100; got 500',
      field: 'first',
    });
    await expectError(() => rest(yoga, 'GET', `${list}?approved=maybe`, { token }), 400, {
      code: 'BAD_USER_INPUT',
      message: 'query parameter approved must be true or false; got "maybe"',
      field: 'approved',
    });
    await expectError(() => rest(yoga, 'GET', `${list}?page=2`, { token }), 400, {
      code: 'BAD_USER_INPUT',
      message: 'Unknown query parameter "page"; accepted: approved, search, limit, cursor',
      field: 'page',
    });
    await expectError(() => rest(yoga, 'GET', `${list}?limit=1&limit=2`, { token }), 400, {
      code: 'BAD_USER_INPUT',
      message: 'query parameter limit is given more than once',
      field: 'limit',
    });
    await expectError(() => rest(yoga, 'GET', `${APP_PATH}/history?types=approved`, { token }), 400, {
      code: 'BAD_USER_INPUT',
      message: `query parameter types must be an array of strings (one of ${HISTORY_EVENT_TYPES.map((type) => type.toLowerCase()).join(', ')}); got "approved"`,
      field: 'types',
    });
  });

  it('a client id that is not a UUID: the GraphQL message', async () => {
    await expectError(() => post('/v2/clients/acme/apps/approval', { app_ids: [APP] }), 400, {
      code: 'BAD_USER_INPUT',
      message: 'clientId must be a UUID (8-4-4-4-12 hexadecimal); got "acme"',
      field: 'clientId',
    });
  });
});

describe('401, 403, 404', () => {
  it('401 for a missing, malformed or unknown token, with WWW-Authenticate: Bearer', async () => {
    const cases: [string | null, Record<string, string>, string][] = [
      [null, {}, 'Authentication required: send "Authorization: Bearer <token>"'],
      [null, { authorization: 'Basic abc' }, 'Malformed Authorization header: expected "Bearer <token>"'],
      [`agv_${'A'.repeat(43)}`, {}, UNKNOWN_TOKEN_MESSAGE],
      ['hello', {}, UNKNOWN_TOKEN_MESSAGE],
    ];
    for (const [bearer, headers, message] of cases) {
      const res = await expectError(() => post(APPROVE, { app_ids: [APP] }, { token: bearer, headers }), 401, { code: 'UNAUTHENTICATED', message });
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
  });

  it("403 for a token without the scope, and for another client's token", async () => {
    const reader = issueToken(t.db, 'internal', undefined, ['apps:read']).token;
    await expectError(() => post(APPROVE, { app_ids: [APP] }, { token: reader }), 403, {
      code: 'FORBIDDEN',
      message: 'This token lacks the apps:write scope',
      reason: 'MISSING_SCOPE',
      needed: 'apps:write',
      provided: ['apps:read'],
    });
    const other = issueToken(t.db, 'client', OTHER_CLIENT).token;
    await expectError(() => post(APPROVE, { app_ids: [APP] }, { token: other }), 403, {
      code: 'FORBIDDEN',
      message: 'This token may not act on that client',
      reason: 'OTHER_CLIENT',
    });
    await expectError(() => rest(yoga, 'GET', APP_PATH, { token: other }), 403, {
      code: 'FORBIDDEN',
      message: 'This token may not act on that client',
      reason: 'OTHER_CLIENT',
    });
  });

  it('404 for an unknown client on every route, and an unknown app on the single-app routes', async () => {
    const clientGone = { code: 'NOT_FOUND', message: 'Client not found' };
    const appGone = { code: 'NOT_FOUND', message: 'App not found' };
    const base = `/v2/clients/${UNKNOWN}/apps`;
    await expectError(() => post(`${base}/approval`, { app_ids: [APP] }), 404, clientGone);
    await expectError(() => post(`${base}/approvals/remove`, { app_ids: [APP] }), 404, clientGone);
    await expectError(() => rest(yoga, 'GET', base, { token }), 404, clientGone);
    await expectError(() => rest(yoga, 'GET', `${base}/${APP}`, { token }), 404, clientGone);
    const unknownApp = `/v2/clients/${CLIENT}/apps/${UNKNOWN}`;
    await expectError(() => rest(yoga, 'GET', unknownApp, { token }), 404, appGone);
    await expectError(() => rest(yoga, 'PATCH', unknownApp, { token, body: { category: 'x' } }), 404, appGone);
    await expectError(() => rest(yoga, 'GET', `${unknownApp}/history`, { token }), 404, appGone);
    await expectError(() => post(`${unknownApp}/history/notes`, { note: 'hi' }), 404, appGone);
  });

  it('404 for an unknown path under /v2 says so and points to /graphql and the docs', async () => {
    await expectError(() => rest(yoga, 'GET', '/v2/clients', { token }), 404, {
      code: 'ROUTE_NOT_FOUND',
      message: 'No route GET /v2/clients. The routes are listed at /v2/openapi.json; everything is also available through GraphQL at /graphql.',
      docs: '/v2/openapi.json',
      graphql: '/graphql',
    });
  });
});

describe('405, 409, 413, 415, 500', () => {
  it('405 for a wrong method on a known path, with Allow', async () => {
    const res = await expectError(() => rest(yoga, 'DELETE', APP_PATH, { token }), 405, {
      code: 'METHOD_NOT_ALLOWED',
      message: `DELETE is not allowed on ${APP_PATH}; use GET or PATCH`,
      allow: ['GET', 'PATCH'],
    });
    expect(res.headers.get('allow')).toBe('GET, PATCH');
    const get = await expectError(() => rest(yoga, 'GET', APPROVE, { token }), 405, {
      code: 'METHOD_NOT_ALLOWED',
      message: `GET is not allowed on ${APPROVE}; use POST`,
      allow: ['POST'],
    });
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('409 for a stale expected_version, with the versions', async () => {
    await expectError(() => rest(yoga, 'PATCH', APP_PATH, { token, body: { category: 'Design', expected_version: 7 } }), 409, {
      code: 'CONFLICT',
      message: 'The app changed since you read it: version is 0, not 7. Reload and retry.',
      expectedVersion: 7,
      actualVersion: 0,
    });
  });

  it('413 for a body over the limit, counted while reading (no Content-Length needed)', async () => {
    const limit = maxRouteBodyBytes(3);
    const body = JSON.stringify({ app_ids: [APP], reason: 'x'.repeat(limit) });
    const error = { code: 'PAYLOAD_TOO_LARGE', message: `The body is larger than ${limit} bytes`, limit };
    await expectError(() => post(APPROVE, body), 413, error);
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode(body));
        controller.close();
      },
    });
    await expectError(
      // Through rest(), so the 413 is checked against the document like every other answer.
      () => rest(yoga, 'POST', APPROVE, { token, body: stream }),
      413,
      error,
    );
  });

  it('415 for a body that is not JSON', async () => {
    await expectError(() => post(APPROVE, `app_ids=${APP}`, { headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, {
      code: 'UNSUPPORTED_MEDIA_TYPE',
      message: 'Send the body as JSON with "Content-Type: application/json"; got application/x-www-form-urlencoded',
      accepted: ['application/json'],
    });
  });

  it('500 masked for an unexpected failure: no SQL, no stack, nothing written', async () => {
    const broken = testDatabase();
    const brokenToken = seedDemoIfEmpty(broken.db)!.token;
    const brokenYoga = createAppgovYoga({ db: broken.db, config: { maxBulkIds: 3 } });
    await onServedDatabase(broken.db, { sqlite: 'DROP INDEX app_history_events_app_type_idx; ALTER TABLE app_history_events RENAME TO gone', postgres: 'ALTER TABLE app_history_events RENAME TO gone' });
    const res = await rest(brokenYoga, 'POST', APPROVE, { token: brokenToken, body: { app_ids: [APP] } });
    expect({ status: res.status, body: res.body }).toEqual({ status: 500, body: { error: { code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error.' } } });
    expect(broken.sqlite.prepare('SELECT count(*) AS n FROM client_app_states').get()).toEqual({ n: 0 });
  });
});

describe('429 and 503 from any plugin of the GraphQL pipeline reach REST with Retry-After', () => {
  /** A stand-in for a rate limiter or a busy database: refuses in onParams, as /graphql would. */
  const refuseWith = (code: string, extensions: Record<string, unknown>): Plugin => ({
    onParams({ setResult }) {
      setResult({ errors: [new GraphQLError(`refused: ${code}`, { extensions: { code, ...extensions } })] });
    },
  });
  const yogaWith = (plugin: Plugin) =>
    createYoga({
      schema,
      context: ({ request }) => createContext(sqliteBackend(t.db), { maxBulkIds: 3 }, request),
      plugins: [plugin, useRouteTable(routeTable, { maxBodyBytes: 1000 })],
    }) as unknown as AppgovYoga;

  it('429 RATE_LIMITED with retryAfter', async () => {
    const limited = yogaWith(refuseWith('RATE_LIMITED', { retryAfter: 7 }));
    const res = await expectError(() => rest(limited, 'POST', APPROVE, { token, body: { app_ids: [APP] } }), 429, {
      code: 'RATE_LIMITED',
      message: 'refused: RATE_LIMITED',
      retryAfter: 7,
    });
    expect(res.headers.get('retry-after')).toBe('7');
  });

  it('503 UNAVAILABLE with an HTTP Retry-After header in its extensions (not shown in the body)', async () => {
    const busy = yogaWith(refuseWith('UNAVAILABLE', { http: { status: 503, headers: { 'Retry-After': '2' } } }));
    const res = await expectError(() => rest(busy, 'GET', APP_PATH, { token }), 503, { code: 'UNAVAILABLE', message: 'refused: UNAVAILABLE' });
    expect(res.headers.get('retry-after')).toBe('2');
  });

  it('an error code REST does not know is a masked 500', async () => {
    const odd = yogaWith(refuseWith('SOMETHING_NEW', {}));
    await expectError(() => rest(odd, 'GET', APP_PATH, { token }), 500, { code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error.' });
  });
});
