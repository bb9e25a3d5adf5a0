/**
 * How a request is read and refused (issue 17 items 6, 7, 8, 10, 13; issue 18 items 7, 8): every
 * unreadable request gets a coded error that says what is wrong and how to send it, nothing of
 * the body or of a parser's message is echoed, nothing recursive walks a deeply nested value, a
 * repeated JSON key is refused like a repeated form key, and one request carries one credential.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { revokeToken, UNKNOWN_TOKEN_MESSAGE } from '../src/auth/tokens';
import { formatJsonPath, jsonProblem } from '../src/limits/json';
import { countItems } from '../src/rate-limit';
import { createApp } from '../src/services/apps';
import { createAppgovYoga, type AppgovYoga } from './helpers/yoga';
import { issueToken, seedTenant, testDatabase, uuid } from './helpers/db';
import { rest } from './helpers/rest';
import { tableCounts } from './helpers/tables';

const APP = uuid(1);
const VIEWER = '{ viewer { id } }';

let t: ReturnType<typeof testDatabase>;
let yoga: AppgovYoga;
let token: string;
let tokenId: string;
let clientId: string;

beforeEach(() => {
  t = testDatabase();
  ({ clientId } = seedTenant(t.db));
  createApp(t.db, { id: APP, name: 'Chat', codeName: 'chat', scopes: ['chat:write'] });
  ({ token, id: tokenId } = issueToken(t.db, 'internal'));
  // Rate limits on, as the server runs: the cost counter walks the variables.
  yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 1000, rateLimitPerSecond: 10_000, rateLimitBurst: 100_000 } });
});

/** One raw HTTP call to /graphql; the body as given (a Uint8Array carries no Content-Type of its own). */
async function graphql(init: { method?: string; query?: string; headers?: Record<string, string>; body?: string | Uint8Array }) {
  const response = await yoga.fetch(`http://appgov.test/graphql${init.query ?? ''}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { authorization: `Bearer ${token}`, ...init.headers },
    ...(init.body === undefined ? {} : { body: init.body as BodyInit }),
  });
  const text = await response.text();
  return { status: response.status, text, body: text === '' ? null : JSON.parse(text) };
}

const json = { 'content-type': 'application/json' };
const nestedArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
function nestedObjects(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

describe('17.6: deeply nested variables are refused as 400 BAD_USER_INPUT, without recursion', () => {
  const nesting = (field: string) => ({
    status: 400,
    body: { errors: [{ message: `${field} nests [ and { more than 32 deep; the limit is 32.`, extensions: { code: 'BAD_USER_INPUT', limit: 'nesting', field } }] },
  });

  it('a 50,000-level array and a 15,000-deep input object, in a POST body', async () => {
    const arrays = await graphql({ headers: json, body: `{"query":"query ($v: [ID!]) { viewer { id } }","variables":{"v":${nestedArrays(50_000)}}}` });
    expect({ status: arrays.status, body: arrays.body }).toEqual(nesting('$v'));
    const objects = await graphql({
      headers: json,
      body: `{"query":"mutation ($i: UpdateAppInput!) { updateApp(clientId: \\"${clientId}\\", appId: \\"${APP}\\", input: $i) { id } }","variables":{"i":${nestedObjects(15_000)}}}`,
    });
    expect({ status: objects.status, body: objects.body }).toEqual(nesting('$i'));
  });

  it('in a GET query string and in extensions alike', async () => {
    const get = await graphql({ query: `?query=${encodeURIComponent(VIEWER)}&variables=${encodeURIComponent(`{"v":${nestedArrays(20_000)}}`)}` });
    expect({ status: get.status, body: get.body }).toEqual(nesting('$v'));
    const extensions = await graphql({ headers: json, body: `{"query":"${VIEWER}","extensions":{"x":${nestedArrays(20_000)}}}` });
    expect({ status: extensions.status, body: extensions.body }).toEqual(nesting('extensions'));
  });

  it('32 levels inside a variable are read; 33 are refused', async () => {
    // The operation declares no $v: graphql-js ignores it, once it is read.
    const body = (depth: number) => `{"query":"{ viewer { kind } }","variables":{"v":${nestedArrays(depth)}}}`;
    const fits = await graphql({ headers: json, body: body(32) });
    expect({ status: fits.status, body: fits.body }).toEqual({ status: 200, body: { data: { viewer: { kind: 'INTERNAL_TOKEN' } } } });
    expect(await graphql({ headers: json, body: body(33) })).toMatchObject(nesting('$v'));
  });

  it('the rate limiter counts the items of any depth without recursing', () => {
    let deep: unknown = ['x'];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(countItems({ v: deep })).toBe(100_001);
    expect(countItems({ a: [1, [2, 3]], b: { c: [4] } })).toBe(5);
  });
});

describe('17.7: GET /graphql with malformed variables or extensions is 400 BAD_REQUEST', () => {
  it.each(['variables', 'extensions'])('%s that is not JSON', async (name) => {
    const res = await graphql({ query: `?query=${encodeURIComponent(VIEWER)}&${name}=${encodeURIComponent('{secret')}` });
    expect(res.status).toBe(400);
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors[0].extensions).toEqual({ code: 'BAD_REQUEST', field: name });
    expect(res.body.errors[0].message).toMatch(new RegExp(`^The query parameter "${name}" is not valid JSON\\. Send a URL-encoded JSON object`));
    expect(res.text).not.toContain('secret');
  });

  it('a repeated parameter is refused rather than one of them taken', async () => {
    const res = await graphql({ query: `?query=${encodeURIComponent(VIEWER)}&query=${encodeURIComponent('{ __typename }')}` });
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toEqual({
      message: 'The query parameter "query" is given more than once: give each once.',
      extensions: { code: 'BAD_REQUEST', field: 'query' },
    });
  });

  it('well-formed GET requests still run', async () => {
    const res = await graphql({ query: `?query=${encodeURIComponent('{ viewer { kind } }')}&variables=${encodeURIComponent('{"n":[1]}')}&extensions=%7B%7D` });
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { data: { viewer: { kind: 'INTERNAL_TOKEN' } } } });
  });
});

describe('17.8: invalid JSON on /graphql gets a clean coded message, in every mode', () => {
  const env = process.env.NODE_ENV;
  afterEach(() => {
    process.env.NODE_ENV = env;
  });

  it.each(['production', 'development'])('NODE_ENV=%s: no parser message, no part of the body', async (mode) => {
    process.env.NODE_ENV = mode;
    yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 10 } });
    const res = await graphql({ headers: json, body: '{"query": "{ viewer { id } }", "variables": {"password": hunter2' });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      errors: [
        {
          message: 'The body is not valid JSON. Send the operation as JSON: "Content-Type: application/json" and a body like {"query": "{ viewer { id } }", "variables": {}}.',
          extensions: { code: 'BAD_REQUEST' },
        },
      ],
    });
    expect(res.text).not.toMatch(/hunter2|originalError|SyntaxError|position/);
  });

  it('a JSON body that is not an object says so', async () => {
    const res = await graphql({ headers: json, body: '"{ viewer { id } }"' });
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toEqual({
      message: 'The JSON body must be an object: {"query": "…", "variables": {…}}; got string.',
      extensions: { code: 'BAD_REQUEST' },
    });
  });
});

describe('18.7: a body /graphql cannot read says what is wrong and how to send it', () => {
  const unsupported = (got: string) => ({
    status: 415,
    body: {
      errors: [
        {
          message: `Send the operation as JSON: "Content-Type: application/json" and a body like {"query": "{ viewer { id } }", "variables": {}}; got ${got}.`,
          extensions: { code: 'UNSUPPORTED_MEDIA_TYPE', accepted: ['application/json'] },
        },
      ],
    },
  });
  const operation = JSON.stringify({ query: VIEWER });

  it('no Content-Type at all, and text/plain: 415 UNSUPPORTED_MEDIA_TYPE with a body', async () => {
    const none = await graphql({ body: new TextEncoder().encode(operation) });
    expect({ status: none.status, body: none.body }).toEqual(unsupported('no Content-Type'));
    const plain = await graphql({ headers: { 'content-type': 'text/plain' }, body: operation });
    expect({ status: plain.status, body: plain.body }).toEqual(unsupported('text/plain'));
  });

  it('JSON sent as a form (what plain curl -d does): 400 BAD_REQUEST naming the header to add', async () => {
    const res = await graphql({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: operation });
    expect({ status: res.status, body: res.body }).toEqual({
      status: 400,
      body: {
        errors: [
          {
            message:
              'The form body has no "query" field (plain "curl -d" sends a form). Send the operation as JSON: add -H "Content-Type: application/json" and a body like {"query": "{ viewer { id } }", "variables": {}}.',
            extensions: { code: 'BAD_REQUEST' },
          },
        ],
      },
    });
  });

  it('a form with a query field still runs, and the JSON content types do', async () => {
    const form = await graphql({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `query=${encodeURIComponent('{ viewer { kind } }')}` });
    expect(form.body).toEqual({ data: { viewer: { kind: 'INTERNAL_TOKEN' } } });
    for (const type of ['application/json; charset=utf-8', 'Application/JSON', 'application/graphql+json']) {
      const res = await graphql({ headers: { 'content-type': type }, body: JSON.stringify({ query: '{ viewer { kind } }' }) });
      expect([type, res.status, res.body]).toEqual([type, 200, { data: { viewer: { kind: 'INTERNAL_TOKEN' } } }]);
    }
  });
});

describe('18.8: a well-formed header with a token that is not ours is an unknown token, not a malformed header', () => {
  const unauthenticated = async (authorization: string) => {
    const res = await graphql({ headers: { ...json, authorization }, body: JSON.stringify({ query: VIEWER }) });
    expect(res.status).toBe(401);
    expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
    return res.body.errors[0].message as string;
  };

  it('Bearer hello, and an agv_ token never issued: Unknown token', async () => {
    expect(await unauthenticated('Bearer hello')).toBe(UNKNOWN_TOKEN_MESSAGE);
    expect(await unauthenticated(`Bearer agv_${'A'.repeat(43)}`)).toBe(UNKNOWN_TOKEN_MESSAGE);
    expect(UNKNOWN_TOKEN_MESSAGE).toMatch(/^Unknown token: this server never issued it/);
  });

  it('headers that really are malformed stay malformed', async () => {
    for (const header of ['Basic abc', 'Bearer', 'Bearer two words', `Token ${token}`]) {
      expect([header, await unauthenticated(header)]).toEqual([header, 'Malformed Authorization header: expected "Bearer <token>"']);
    }
  });

  it('a revoked token still says revoked', async () => {
    revokeToken(t.db, tokenId);
    expect(await unauthenticated(`Bearer ${token}`)).toBe('This token was revoked');
  });
});

describe('17.10: a key repeated in a JSON body is refused like a repeated form key', () => {
  const APPROVE = () => `/v2/clients/${clientId}/apps/approval`;

  it('REST: 400 BAD_USER_INPUT naming the key, nothing written (escaped spellings of a key are the same key)', async () => {
    for (const [body, field] of [
      [`{"app_ids":["${uuid(99)}"],"app_ids":["${APP}"]}`, 'app_ids'],
      [`{"app_ids":["${APP}"],"app\\u005fids":["${uuid(99)}"]}`, 'app_ids'],
      [`{"app_ids":["${APP}"],"reason":"a","dry_run":false,"reason":"b"}`, 'reason'],
    ] as const) {
      const before = tableCounts(t.sqlite);
      const res = await rest(yoga, 'POST', APPROVE(), { token, body });
      expect(res).toMatchObject({ status: 400, body: { error: { code: 'BAD_USER_INPUT', message: `body key ${field} is given more than once`, field } } });
      expect(tableCounts(t.sqlite)).toEqual(before);
    }
    // The same key in two different objects is no repetition.
    const fine = await rest(yoga, 'POST', APPROVE(), { token, body: `{"app_ids":["${APP}"],"reason":"r"}` });
    expect(fine.status).toBe(200);
  });

  it('REST: inside a nested object too (the assignment API), named by its path', async () => {
    const body = '{"assignee_type":"directory","assignee_uid":"x","app_code_name":"chat","settings":{"assignment_mode":"standard","assignment_mode":"internal"}}';
    const res = await rest(yoga, 'POST', '/v3/apps/app_assignments', { token, body });
    expect(res).toMatchObject({
      status: 400,
      body: { error: { code: 'BAD_USER_INPUT', message: 'body key settings.assignment_mode is given more than once', field: 'settings.assignment_mode' } },
    });
  });

  it('Slack: invalid_form_data, as for a repeated form key; nothing written', async () => {
    const call = (body: string, type: string) =>
      rest(yoga, 'POST', '/api/admin.apps.approve', { body, headers: { 'content-type': type, authorization: `Bearer ${token}` } });
    const before = tableCounts(t.sqlite);
    const jsonDup = await call(`{"app_id":"${uuid(99)}","enterprise_id":"${clientId}","app_id":"${APP}"}`, 'application/json');
    expect({ status: jsonDup.status, body: jsonDup.body }).toEqual({ status: 200, body: { ok: false, error: 'invalid_form_data' } });
    const formDup = await call(`app_id=${uuid(99)}&enterprise_id=${clientId}&app_id=${APP}`, 'application/x-www-form-urlencoded');
    expect(formDup.body).toEqual({ ok: false, error: 'invalid_form_data' });
    expect(tableCounts(t.sqlite)).toEqual(before);
  });

  it('GraphQL: 400 BAD_REQUEST naming the key', async () => {
    const res = await graphql({ headers: json, body: `{"query":"query ($a: Int) { viewer { id } }","variables":{"a":1,"\\u0061":2}}` });
    expect({ status: res.status, body: res.body }).toEqual({
      status: 400,
      body: { errors: [{ message: 'The body gives the key variables.a more than once: each key may appear once.', extensions: { code: 'BAD_REQUEST', field: 'variables.a' } }] },
    });
  });

  it('the scan is one linear pass with an explicit stack', () => {
    expect(jsonProblem(nestedArrays(200_000), Infinity)).toBeNull();
    expect(jsonProblem(nestedObjects(100_000), Infinity)).toBeNull();
    // Strings with escaped quotes and backslashes, and look-alike keys inside strings, are not keys.
    expect(jsonProblem('{"a":"\\"a\\":1,","b\\\\":"\\\\","c":["a","a"],"d":{"a":1},"e":{"a":2}}', Infinity)).toBeNull();
    const dup = jsonProblem('{"x":[{"k":1},{"k":1,"k":2}]}', Infinity);
    expect(dup).toEqual({ kind: 'duplicate-key', path: ['x', 1, 'k'] });
    expect(formatJsonPath(dup!.path)).toBe('x[1].k');
    expect(jsonProblem('{"a":[[1]]}', 3)).toBeNull();
    expect(jsonProblem('{"a":[[[1]]]}', 3)).toEqual({ kind: 'nesting', path: ['a', 0, 0] });
    // Text that is not JSON (it is scanned before JSON.parse refuses it): it ends, and never throws.
    for (const broken of ['{"a', '"\\', ',,]]}}', '{"\\x":1,"\\x":2', '{"a":1,"a"', '[[[[', '']) {
      expect(() => jsonProblem(broken, 3)).not.toThrow();
    }
    expect(jsonProblem('{"a":1,"a"', Infinity)).toEqual({ kind: 'duplicate-key', path: ['a'] });
    // 100,000 keys in one object: linear, well under a second on a loaded machine.
    const wide = `{${Array.from({ length: 100_000 }, (_, i) => `"k${i}":${i}`).join(',')}}`;
    const started = performance.now();
    expect(jsonProblem(wide, Infinity)).toBeNull();
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('17.13: a Slack call carrying two different credentials is refused', () => {
  const list = (body: string, authorization?: string) =>
    rest(yoga, 'POST', '/api/admin.apps.approved.list', {
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) },
    });

  it('a revoked header beside a valid token parameter: invalid_auth, not the parameter winning', async () => {
    const revoked = issueToken(t.db, 'internal');
    revokeToken(t.db, revoked.id);
    const res = await list(`token=${token}&enterprise_id=${clientId}`, `Bearer ${revoked.token}`);
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { ok: false, error: 'invalid_auth' } });
  });

  it('a valid header beside another token parameter, in a JSON body too: invalid_auth', async () => {
    const other = issueToken(t.db, 'internal').token;
    expect((await list(`token=${other}&enterprise_id=${clientId}`, `Bearer ${token}`)).body).toEqual({ ok: false, error: 'invalid_auth' });
    const res = await rest(yoga, 'POST', '/api/admin.apps.approve', {
      body: JSON.stringify({ token: other, app_id: APP, enterprise_id: clientId }),
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    });
    expect(res.body).toEqual({ ok: false, error: 'invalid_auth' });
    expect(t.sqlite.prepare('SELECT count(*) AS n FROM app_history_events').get()).toEqual({ n: 0 });
  });

  it('the same token in both places is one credential; either alone works', async () => {
    const ok = { ok: true, approved_apps: [], response_metadata: { next_cursor: '' } };
    expect((await list(`token=${token}&enterprise_id=${clientId}`, `Bearer ${token}`)).body).toEqual(ok);
    expect((await list(`token=${token}&enterprise_id=${clientId}`)).body).toEqual(ok);
    expect((await list(`enterprise_id=${clientId}`, `Bearer ${token}`)).body).toEqual(ok);
  });

  it('Slack still maps no token to not_authed and a token that is not ours to invalid_auth', async () => {
    expect((await list(`enterprise_id=${clientId}`)).body).toEqual({ ok: false, error: 'not_authed' });
    expect((await list(`token=hello&enterprise_id=${clientId}`)).body).toEqual({ ok: false, error: 'invalid_auth' });
    expect((await list(`enterprise_id=${clientId}`, 'Bearer hello')).body).toEqual({ ok: false, error: 'invalid_auth' });
  });
});
