import { beforeAll, describe, expect, it } from 'vitest';
import { RouteTable } from '../src/routes/compile';
import { checkShape, mediaType, parseFormBody, parseJsonObject, readBodyText } from '../src/routes/shapes';
import { route, RouteError, type Protocol } from '../src/routes/table';
import { schema } from '../src/schema';
import { createAppgovYoga, type AppgovYoga } from './helpers/yoga';
import { issueToken, testDatabase } from './helpers/db';
import { rest } from './helpers/rest';

/** A Slack-like protocol, as another family of routes would write one: form or JSON bodies, a `token` parameter, 200 errors. */
const formProtocol: Protocol = {
  name: 'formtest',
  prefixes: ['/formtest'],
  async readInput(request, _row, maxBodyBytes) {
    const text = await readBodyText(request, maxBodyBytes);
    const isForm = mediaType(request) === 'application/x-www-form-urlencoded';
    const { token, ...body } = isForm ? parseFormBody(text) : parseJsonObject(text);
    return { body, bodyIsText: isForm, ...(typeof token === 'string' ? { authorization: `Bearer ${token}` } : {}) };
  },
  errorReply: (error: RouteError) => ({ status: 200, body: { ok: false, error: error.code.toLowerCase() } }),
  openApi: { errorSchema: { type: 'object' } },
};

const table = new RouteTable(
  [
    route({
      method: 'POST',
      path: '/formtest/viewer.info',
      protocol: formProtocol,
      summary: 'who am I',
      body: { pretty: { type: 'boolean', description: 'ignored' } },
      operation: '{ viewer { name scopes } }',
      variables: () => ({}),
      respond: (data, input) => ({ body: { ok: true, name: data.viewer.name, scopes: data.viewer.scopes, pretty: input.body.pretty ?? null } }),
      headers: { Deprecation: 'true', Link: '</formtest/viewer.info2>; rel="successor-version"' },
      response: { status: 200, description: 'ok' },
    }),
  ],
  schema,
);

let yoga: AppgovYoga;
let token: string;

beforeAll(() => {
  const t = testDatabase();
  token = issueToken(t.db, 'internal', undefined, ['apps:read'], 'form caller').token;
  // maxBulkIds 0 keeps the body limit at 16 KiB.
  yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 0 }, routes: table });
});

describe('another protocol on the same route table', () => {
  it('a token POST parameter in a form body authenticates like the Authorization header; text values are converted', async () => {
    const res = await rest(yoga, 'POST', '/formtest/viewer.info', {
      body: `token=${token}&pretty=true`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.body).toEqual({ ok: true, name: 'form caller', scopes: ['APPS_READ'], pretty: true });
    expect(res.headers.get('deprecation')).toBe('true');
    expect(res.headers.get('link')).toBe('</formtest/viewer.info2>; rel="successor-version"');
  });

  it('errors go through the protocol: an unknown token, a shape error, an unknown method, an oversized body', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const unknown = await rest(yoga, 'POST', '/formtest/viewer.info', { body: `token=agv_${'B'.repeat(43)}`, headers: form });
    expect({ status: unknown.status, body: unknown.body }).toEqual({ status: 200, body: { ok: false, error: 'unauthenticated' } });
    expect(unknown.headers.get('deprecation')).toBe('true');
    const shape = await rest(yoga, 'POST', '/formtest/viewer.info', { body: `token=${token}&pretty=yes`, headers: form });
    expect(shape.body).toEqual({ ok: false, error: 'bad_user_input' });
    const missing = await rest(yoga, 'POST', '/formtest/nope', { body: `token=${token}`, headers: form });
    expect(missing.body).toEqual({ ok: false, error: 'route_not_found' });
    const large = await rest(yoga, 'POST', '/formtest/viewer.info', { body: `token=${token}&pretty=${'1'.repeat(17_000)}`, headers: form });
    expect(large.body).toEqual({ ok: false, error: 'payload_too_large' });
  });

  it('checkShape converts text values and refuses repeated form keys', () => {
    const specs = { n: { type: 'integer', description: 'n' }, tags: { type: 'string[]', description: 't' } } as const;
    expect(checkShape(specs, { n: '42', tags: 'a, b' }, 'body key', true)).toEqual({ n: 42, tags: ['a', 'b'] });
    expect(() => parseFormBody('a=1&a=2')).toThrow('body key a is given more than once');
  });
});
