import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';
import { RateLimiter, requestCost } from '../src/rate-limit';
import { createAppgovYoga } from './helpers/yoga';
import { testDatabase } from './helpers/db';
import { gql } from './helpers/graphql';

describe('requestCost', () => {
  it('is 1 plus every list item, inline or in variables', () => {
    expect(requestCost(parse('{ __typename }'), {})).toBe(1);
    expect(requestCost(parse('mutation { approveApps(clientId: "c", appIds: ["a", "b", "c"]) { succeeded } }'), {})).toBe(4);
    expect(requestCost(parse('mutation ($ids: [ID!]!) { a: approveApps(clientId: "c", appIds: $ids) { succeeded } }'), { ids: ['x', 'y'] })).toBe(3);
    expect(requestCost(parse('{ x(types: [A, B]) }'), { nested: { list: [[1, 2], [3]] } })).toBe(1 + 2 + 5);
  });

  it('counts each call\'s own variables when one parsed document serves many requests', () => {
    const document = parse('mutation ($ids: [ID!]!) { approveApps(clientId: "c", appIds: $ids, extra: ["z"]) { succeeded } }');
    expect(requestCost(document, { ids: ['x', 'y'] })).toBe(4);
    expect(requestCost(document, { ids: Array.from({ length: 100 }, (_, i) => String(i)) })).toBe(102);
    expect(requestCost(document, {})).toBe(2);
  });
});

describe('RateLimiter', () => {
  const config = { rateLimitPerSecond: 100, rateLimitBurst: 300, maxInFlightPerToken: 2, maxQueuedPerToken: 0, queueWaitMs: 0 };

  it('spends the burst, refuses with the seconds to wait, and refills at the configured rate', () => {
    let now = 0;
    const limiter = new RateLimiter(config, () => now);
    const take = (cost: number) => {
      const taken = limiter.acquire('t', cost);
      if (taken.ok) taken.release();
      return taken.ok ? 'ok' : taken.retryAfter;
    };
    expect([take(200), take(100), take(50)]).toEqual(['ok', 'ok', 1]);
    expect(limiter.precheck('t')).toEqual({ retryAfter: 1, reason: "this token's budget of 100 units per second is spent" });
    now = 600;
    expect([take(50), take(1)]).toEqual(['ok', 'ok']);
    now = 10_000;
    // Larger than the burst: allowed from a full bucket, and the debt (700 units) is waited out.
    expect([take(1000), take(1)]).toEqual(['ok', 8]);
    expect(limiter.acquire('another token', 300).ok).toBe(true);
  });

  it('forgets refilled idle buckets once over 10,000 keys, so one-off keys cannot grow it for ever', () => {
    let now = 0;
    const limiter = new RateLimiter(config, () => now);
    for (let i = 0; i < 10_000; i++) {
      const taken = limiter.acquire(`key ${i}`, 1);
      if (taken.ok) taken.release();
    }
    expect(limiter.acquire('still running', 1).ok).toBe(true);
    expect(limiter.size).toBe(10_001);
    now = 5000;
    limiter.acquire('one more', 1);
    expect(limiter.size).toBe(2);
  });

  it('bounds the requests of one token in flight', () => {
    const limiter = new RateLimiter(config, () => 0);
    const first = limiter.acquire('t', 1);
    const second = limiter.acquire('t', 1);
    expect([first.ok, second.ok]).toEqual([true, true]);
    expect(limiter.acquire('t', 1)).toEqual({ ok: false, retryAfter: 1, reason: 'more than 2 requests of this token at once' });
    expect(limiter.precheck('t')?.reason).toBe('more than 2 requests of this token at once');
    if (first.ok) first.release();
    expect(limiter.acquire('t', 1).ok).toBe(true);
  });
});

describe('resilience configuration', () => {
  it('reads every variable', () => {
    expect(
      loadConfig({
        APPGOV_DB_BUSY_TIMEOUT_MS: '0',
        APPGOV_WRITE_WAIT_MS: '500',
        APPGOV_CORS_ORIGINS: 'https://a.example',
        APPGOV_GRAPHIQL: '0',
        APPGOV_RATE_LIMIT_PER_SECOND: '10',
        APPGOV_RATE_LIMIT_BURST: '20',
        APPGOV_MAX_IN_FLIGHT_PER_TOKEN: '1',
        APPGOV_MAX_CONNECTIONS: '5',
        APPGOV_REQUEST_TIMEOUT_MS: '2000',
        APPGOV_HEADERS_TIMEOUT_MS: '1000',
      }),
    ).toMatchObject({
      dbBusyTimeoutMs: 0,
      writeWaitMs: 500,
      corsOrigins: ['https://a.example'],
      graphiql: false,
      rateLimitPerSecond: 10,
      rateLimitBurst: 20,
      maxInFlightPerToken: 1,
      maxConnections: 5,
      requestTimeoutMs: 2000,
      headersTimeoutMs: 1000,
    });
  });

  it.each([
    [{ APPGOV_DB_BUSY_TIMEOUT_MS: '5000' }, 'APPGOV_DB_BUSY_TIMEOUT_MS must be a whole number from 0 to 1000; got "5000"'],
    [{ APPGOV_RATE_LIMIT_PER_SECOND: '0' }, 'APPGOV_RATE_LIMIT_PER_SECOND must be a whole number from 1 to 10000000; got "0"'],
    [{ APPGOV_GRAPHIQL: 'maybe' }, 'APPGOV_GRAPHIQL must be 1, 0, true or false; got "maybe"'],
    [{ APPGOV_HEADERS_TIMEOUT_MS: '60000' }, 'APPGOV_HEADERS_TIMEOUT_MS (60000) must not exceed APPGOV_REQUEST_TIMEOUT_MS (30000)'],
    [{ APPGOV_MAX_CONNECTIONS: '50', APPGOV_MAX_CONNECTIONS_PER_ADDRESS: '51' }, 'APPGOV_MAX_CONNECTIONS_PER_ADDRESS (51) must not exceed APPGOV_MAX_CONNECTIONS (50)'],
    [{ APPGOV_QUEUE_WAIT_MS: '-1' }, 'APPGOV_QUEUE_WAIT_MS must be a whole number from 0 to 60000; got "-1"'],
  ])('refuses %j with a message naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(new ConfigError(message));
  });
});

describe('the server configuration', () => {
  it('rate-limits a Yoga built from loadConfig, as src/server.ts builds it', async () => {
    const t = testDatabase();
    const yoga = createAppgovYoga({ db: t.db, config: { ...loadConfig({ APPGOV_RATE_LIMIT_BURST: '2', APPGOV_RATE_LIMIT_PER_SECOND: '1' }), dbPath: ':memory:' } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await gql(yoga, '{ __typename }')).status);
    expect(statuses).toEqual([200, 200, 429]);
  });
});

describe('a request its token cannot afford', () => {
  it('is refused once parsed, before validation, and spends nothing', async () => {
    const t = testDatabase();
    const yoga = createAppgovYoga({ db: t.db, config: { ...loadConfig({ APPGOV_RATE_LIMIT_BURST: '10', APPGOV_RATE_LIMIT_PER_SECOND: '1' }), dbPath: ':memory:' } });
    expect((await gql(yoga, '{ __typename }')).status).toBe(200);
    // Invalid (no such field) and costing 11 units with 9 left: the budget answers, not validation.
    const refused = await gql(yoga, '{ __typename nope(ids: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]) }');
    expect([refused.status, refused.headers.get('retry-after')]).toEqual([429, '1']);
    expect(refused.body.errors?.map((e) => e.extensions)).toEqual([{ code: 'RATE_LIMITED', retryAfter: 1 }]);
    // Its variables count as well.
    const byVariables = await gql(yoga, 'query ($ids: [Int!]) { __typename }', { ids: Array.from({ length: 10 }, (_, i) => i) });
    expect(byVariables.status).toBe(429);
    // Nothing was spent: a 1-unit read still runs.
    expect((await gql(yoga, '{ __typename }')).status).toBe(200);
  });
});
