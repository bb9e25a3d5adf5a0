import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger, SqlLogger } from '../src/observability/logger';
import { createAppgovYoga, type AppgovYoga, onPostgres } from './helpers/yoga';
import { issueToken, seedTenant, testDatabase } from './helpers/db';
import { errorCodes, gql } from './helpers/graphql';

const SMALL_READ = 'query SmallRead($c: ID!) { client(id: $c) { name apps(first: 2) { nodes { id isApproved } } } }';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A log destination that keeps every line, parsed. */
function captureLog() {
  const raw: string[] = [];
  return {
    destination: { write: (line: string) => void raw.push(line) },
    text: () => raw.join(''),
    lines: () => raw.map((line) => JSON.parse(line) as Record<string, any>),
    take() {
      const lines = this.lines();
      raw.length = 0;
      return lines;
    },
  };
}

let t: ReturnType<typeof testDatabase>;
let yoga: AppgovYoga;
let tenant: { clientId: string; appIds: string[] };
let other: { clientId: string };
let internal: { id: string; token: string };
let clientToken: { id: string; token: string };
const log = captureLog();

beforeAll(() => {
  t = testDatabase();
  tenant = seedTenant(t.db, { clientNumber: 1, appCount: 2 });
  other = seedTenant(t.db, { clientNumber: 2 });
  internal = issueToken(t.db, 'internal');
  clientToken = issueToken(t.db, 'client', tenant.clientId);
  yoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 10 }, logger: createLogger({ level: 'info', destination: log.destination }) });
});

describe('the request log', () => {
  it('writes one JSON line per request: request id, operation, token id, duration, outcome; the id is in X-Request-Id', async () => {
    log.take();
    const res = await gql(yoga, SMALL_READ, { c: tenant.clientId }, internal.token);
    expect(res.body.errors).toBeUndefined();
    const lines = log.take();
    expect(lines).toHaveLength(1);
    const [line] = lines as [Record<string, any>];
    expect(line).toEqual({
      level: 'info',
      time: expect.any(Number),
      pid: process.pid,
      hostname: expect.any(String),
      requestId: expect.stringMatching(UUID),
      operation: 'SmallRead',
      operationType: 'query',
      tokenId: internal.id,
      status: 200,
      durationMs: expect.any(Number),
      outcome: 'ok',
      msg: 'request',
    });
    expect(line.durationMs).toBeGreaterThan(0);
    expect(Math.abs(line.time - Date.now())).toBeLessThan(60_000);
    expect(res.headers.get('x-request-id')).toBe(line.requestId);
  });

  it('keeps a sane X-Request-Id from the caller and replaces anything else', async () => {
    for (const [sent, kept] of [
      ['req-7f3a.b_c:1/2+3=', true],
      ['a'.repeat(128), true],
      ['a'.repeat(129), false],
      ['two words', false],
      ['x"}{"admin":true', false],
      ['', false],
    ] as const) {
      log.take();
      const res = await gql(yoga, SMALL_READ, { c: tenant.clientId }, internal.token, { 'x-request-id': sent });
      const id = res.headers.get('x-request-id');
      expect(log.take().map((l) => l.requestId)).toEqual([id]);
      if (kept) expect(id).toBe(sent);
      else expect(id).toMatch(UUID);
    }
  });

  it('names the error codes of a refused request, and has no token id when the token is unknown', async () => {
    log.take();
    const forbidden = await gql(yoga, SMALL_READ, { c: other.clientId }, clientToken.token);
    expect(errorCodes(forbidden)).toEqual(['FORBIDDEN']);
    const unknown = await gql(yoga, SMALL_READ, { c: tenant.clientId }, `agv_${'A'.repeat(43)}`);
    expect(unknown.status).toBe(401);
    const anonymous = await gql(yoga, '{ viewer { id } }', {}, internal.token, {});
    const invalid = await gql(yoga, 'query Broken { nope }', {}, internal.token);
    expect(errorCodes(invalid)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    const pick = ({ operation, operationType, tokenId, status, outcome, errorCodes: codes }: Record<string, any>) => ({
      operation, operationType, tokenId, status, outcome, errorCodes: codes,
    });
    expect(log.take().map(pick)).toEqual([
      { operation: 'SmallRead', operationType: 'query', tokenId: clientToken.id, status: 200, outcome: 'error', errorCodes: ['FORBIDDEN'] },
      { operation: 'SmallRead', operationType: 'query', tokenId: null, status: 401, outcome: 'error', errorCodes: ['UNAUTHENTICATED'] },
      { operation: null, operationType: 'query', tokenId: internal.id, status: 200, outcome: 'ok', errorCodes: undefined },
      // Refused before it runs: named as parsed; the token is not even looked at by then.
      { operation: 'Broken', operationType: 'query', tokenId: null, status: 200, outcome: 'error', errorCodes: ['GRAPHQL_VALIDATION_FAILED'] },
    ]);
    expect(anonymous.body.data.viewer.id).toBe(internal.id);
  });

  // SQLite only: it breaks SQLite's tables and closes its connection under the server.
  it.skipIf(onPostgres)('logs a masked unexpected error with its request id; the client sees only "Unexpected error."', async () => {
    const broken = testDatabase();
    const { clientId } = seedTenant(broken.db, { clientNumber: 1, appCount: 1 });
    const { token } = issueToken(broken.db, 'internal');
    const brokenLog = captureLog();
    const brokenYoga = createAppgovYoga({
      db: broken.db,
      config: { maxBulkIds: 10 },
      logger: createLogger({ level: 'info', destination: brokenLog.destination }),
    });
    // The client lookup still works; listing its apps then fails inside a resolver.
    broken.sqlite.exec('ALTER TABLE apps RENAME TO apps_gone');
    const res = await gql(brokenYoga, SMALL_READ, { c: clientId }, token, { 'x-request-id': 'incident-42' });
    expect(res.body.errors).toEqual([
      { message: 'Unexpected error.', locations: [{ line: 1, column: 50 }], path: ['client', 'apps'], extensions: { code: 'INTERNAL_SERVER_ERROR' } },
    ]);
    const lines = brokenLog.lines();
    expect(lines.map((l) => [l.level, l.msg, l.requestId])).toEqual([
      ['error', 'unexpected error', 'incident-42'],
      ['info', 'request', 'incident-42'],
    ]);
    expect(lines[0]!.err).toEqual(expect.objectContaining({ type: 'SqliteError', message: expect.stringContaining('no such table: apps') }));
    expect(lines[1]).toEqual(expect.objectContaining({ outcome: 'error', errorCodes: ['INTERNAL_SERVER_ERROR'] }));

    // An unexpected failure while building the context (here: the database is closed) is tied to its request too.
    broken.close();
    brokenLog.take();
    const closed = await gql(brokenYoga, SMALL_READ, { c: clientId }, token, { 'x-request-id': 'incident-43' });
    expect(errorCodes(closed)).toEqual(['INTERNAL_SERVER_ERROR']);
    expect(closed.body.errors?.[0]?.message).toBe('Unexpected error.');
    expect(brokenLog.lines().map((l) => [l.level, l.msg, l.requestId, l.err?.message])).toEqual([
      ['error', 'unexpected error', 'incident-43', 'The database connection is not open'],
      ['info', 'request', 'incident-43', undefined],
    ]);
  });

  it('writes one line for a call of the REST, Slack or assignment routes: the operation its route ran, the token, the status', async () => {
    const request = async (path: string, init: RequestInit = {}): Promise<Response> => yoga.fetch(`http://appgov.test${path}`, init);
    const calls: [string, () => Promise<Response>, Record<string, unknown>][] = [
      ['REST list', () => request(`/v2/clients/${tenant.clientId}/apps?limit=1`, { headers: { authorization: `Bearer ${internal.token}` } }), { operation: 'Rest_listApps', operationType: 'query', path: `/v2/clients/${tenant.clientId}/apps`, tokenId: internal.id, status: 200, outcome: 'ok' }],
      [
        'REST refused by the operation',
        () => request(`/v2/clients/${other.clientId}/apps`, { headers: { authorization: `Bearer ${clientToken.token}` } }),
        { operation: 'Rest_listApps', tokenId: clientToken.id, status: 403, outcome: 'error', errorCodes: ['FORBIDDEN'] },
      ],
      // The token as Slack's `token` argument: the operation runs on a request of its own, logged as this one.
      [
        'Slack, token argument',
        () => request('/api/admin.apps.approved.list', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${internal.token}&enterprise_id=${tenant.clientId}` }),
        { operationType: 'query', path: '/api/admin.apps.approved.list', tokenId: internal.id, status: 200, outcome: 'ok' },
      ],
    ];
    for (const [label, call, expected] of calls) {
      log.take();
      const res = await call();
      await res.text();
      const lines = log.take().filter((line) => line.msg === 'request');
      expect(lines, label).toHaveLength(1);
      expect(lines[0], label).toMatchObject({ level: 'info', requestId: res.headers.get('x-request-id'), ...expected });
      expect(typeof lines[0]!.operation, label).toBe('string');
    }
  });

  it('writes one line when a subscription stream opens, naming its operation and token', async () => {
    log.take();
    const abort = new AbortController();
    const res = await yoga.fetch('http://appgov.test/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${internal.token}` },
      body: JSON.stringify({ query: 'subscription Live($c: ID!) { historyEvents(clientId: $c) { id } }', variables: { c: tenant.clientId } }),
      signal: abort.signal,
    });
    expect(res.status).toBe(200);
    const lines = log.take().filter((line) => line.msg === 'request');
    abort.abort();
    await res.body?.cancel().catch(() => undefined);
    expect(lines).toEqual([expect.objectContaining({ level: 'info', operation: 'Live', operationType: 'subscription', tokenId: internal.id, status: 200, outcome: 'ok' })]);
  });

  it('never writes a token secret', async () => {
    const secrets = [internal.token, clientToken.token];
    for (const secret of secrets) {
      await gql(yoga, SMALL_READ, { c: tenant.clientId }, secret);
      await gql(yoga, 'mutation { approveApps(clientId: "nope", appIds: []) { succeeded } }', {}, secret);
    }
    expect(log.text()).not.toBe('');
    for (const secret of secrets) expect(log.text()).not.toContain(secret.slice(4));

    // Even an unexpected error or SQL parameter carrying one is redacted on its way out.
    const net = captureLog();
    const logger = createLogger({ level: 'info', destination: net.destination });
    logger.error({ err: new Error(`failed for ${internal.token}`) }, 'unexpected error');
    new SqlLogger(logger).logQuery('SELECT * FROM tokens WHERE token_hash = ?', [clientToken.token]);
    expect(net.text()).not.toContain(internal.token.slice(4));
    expect(net.text()).not.toContain(clientToken.token.slice(4));
    expect(net.lines().map((l) => l.err?.message ?? l.params)).toEqual(['failed for agv_[redacted]', '["agv_[redacted]"]']);
  });

  it('logs SQL statements as JSON lines when asked (APPGOV_LOG_SQL)', () => {
    const sqlLog = captureLog();
    new SqlLogger(createLogger({ level: 'info', destination: sqlLog.destination })).logQuery(
      'select "id"\n   from "apps" where "id" = ?',
      ['f1a2b3c4-d5e6-7890-abcd-ef1234567890'],
    );
    expect(sqlLog.lines()).toEqual([
      expect.objectContaining({ level: 'info', msg: 'sql', sql: 'select "id" from "apps" where "id" = ?', params: '["f1a2b3c4-d5e6-7890-abcd-ef1234567890"]' }),
    ]);
  });

  it('logs health checks and other non-GraphQL paths at debug only', async () => {
    const debugLog = captureLog();
    const debugYoga = createAppgovYoga({ db: t.db, config: { maxBulkIds: 10 }, logger: createLogger({ level: 'debug', destination: debugLog.destination }) });
    const health = await debugYoga.fetch('http://appgov.test/health', { headers: { 'x-request-id': 'probe-1' } });
    expect(health.headers.get('x-request-id')).toBe('probe-1');
    expect(debugLog.lines()).toEqual([
      expect.objectContaining({ level: 'debug', msg: 'request', requestId: 'probe-1', method: 'GET', path: '/health', status: 200 }),
    ]);
    log.take();
    await yoga.fetch('http://appgov.test/health');
    expect(log.take()).toEqual([]);
  });
});
