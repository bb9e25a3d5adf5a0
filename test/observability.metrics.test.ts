import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/observability/logger';
import { createMetrics, OPERATION_OVERFLOW, type AppgovMetrics } from '../src/observability/metrics';
import { createAppgovYoga, type AppgovYoga, onPostgres } from './helpers/yoga';
import { issueToken, seedTenant, testDatabase, uuid } from './helpers/db';
import { errorCodes, gql } from './helpers/graphql';
import { startServer, stopServer } from './helpers/server';
import { subscribe } from './helpers/sse';

const METRICS_TOKEN = 'metrics-secret-0123456789abcdef';
const SMALL_READ = 'query SmallRead($c: ID!) { client(id: $c) { name apps(first: 2) { nodes { id } } } }';
const APPROVE = 'mutation Approve($c: ID!, $a: [ID!]!, $dry: Boolean) { approveApps(clientId: $c, appIds: $a, dryRun: $dry) { changed } }';

let t: ReturnType<typeof testDatabase>;
let yoga: AppgovYoga;
let metrics: AppgovMetrics;
let tenant: { clientId: string; appIds: string[] };
let other: { clientId: string };
let token: string;
let clientToken: string;

beforeAll(() => {
  t = testDatabase();
  tenant = seedTenant(t.db, { clientNumber: 1, appCount: 3 });
  other = seedTenant(t.db, { clientNumber: 2 });
  token = issueToken(t.db, 'internal').token;
  clientToken = issueToken(t.db, 'client', tenant.clientId).token;
  metrics = createMetrics();
  yoga = createAppgovYoga({
    db: t.db,
    config: { maxBulkIds: 10 },
    logger: createLogger({ level: 'silent' }),
    metrics,
    metricsToken: METRICS_TOKEN,
  });
});

async function scrape(auth = `Bearer ${METRICS_TOKEN}`) {
  return yoga.fetch('http://appgov.test/metrics', { headers: { authorization: auth } });
}

/** The value of one sample in Prometheus text format; 0 when the series does not exist yet. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = match[2] ? match[2].split(',') : [];
    if (wanted.length === have.length && wanted.every((w) => have.includes(w))) return Number(match[3]);
  }
  return 0;
}

describe('/metrics', () => {
  it('answers only to the metrics bearer secret', async () => {
    for (const auth of ['', 'Bearer wrong', `Bearer ${token}`, METRICS_TOKEN, `Bearer ${METRICS_TOKEN}x`]) {
      const res = await scrape(auth);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(await res.text()).not.toContain('appgov_');
    }
    const ok = await scrape();
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await ok.text()).toContain('# TYPE appgov_graphql_requests_total counter');
  });

  it('is not served at all without a metrics secret', async () => {
    const plain = createAppgovYoga({ db: t.db, config: { maxBulkIds: 10 }, metrics: createMetrics() });
    expect((await plain.fetch('http://appgov.test/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).status).toBe(404);
  });

  it('counts requests and their durations by operation and outcome, and the ids bulk calls processed', async () => {
    const before = await (await scrape()).text();
    const ids = [tenant.appIds[0]!, tenant.appIds[1]!, uuid(999)];
    expect((await gql(yoga, SMALL_READ, { c: tenant.clientId }, token)).body.errors).toBeUndefined();
    expect((await gql(yoga, SMALL_READ, { c: tenant.clientId }, token)).body.errors).toBeUndefined();
    expect(errorCodes(await gql(yoga, SMALL_READ, { c: other.clientId }, clientToken))).toEqual(['FORBIDDEN']);
    expect(errorCodes(await gql(yoga, SMALL_READ, { c: tenant.clientId }))).toEqual(['UNAUTHENTICATED']);
    expect(errorCodes(await gql(yoga, '{ nope }', {}, token))).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect((await gql(yoga, APPROVE, { c: tenant.clientId, a: ids, dry: true }, token)).body.data.approveApps.changed).toHaveLength(2);
    expect((await gql(yoga, APPROVE, { c: tenant.clientId, a: ids }, token)).body.data.approveApps.changed).toHaveLength(2);
    expect((await gql(yoga, APPROVE, { c: tenant.clientId, a: ids }, token)).body.data.approveApps.changed).toEqual([]);
    // A REST route's call counts under the operation its route ran, refused or not.
    expect((await yoga.fetch(`http://appgov.test/v2/clients/${tenant.clientId}/apps`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    expect((await yoga.fetch(`http://appgov.test/v2/clients/${other.clientId}/apps`, { headers: { authorization: `Bearer ${clientToken}` } })).status).toBe(403);
    const after = await (await scrape()).text();

    const moved = (name: string, labels: Record<string, string>) => sample(after, name, labels) - sample(before, name, labels);
    expect(moved('appgov_graphql_requests_total', { operation: 'SmallRead', outcome: 'ok' })).toBe(2);
    expect(moved('appgov_graphql_requests_total', { operation: 'SmallRead', outcome: 'FORBIDDEN' })).toBe(1);
    expect(moved('appgov_graphql_requests_total', { operation: 'SmallRead', outcome: 'UNAUTHENTICATED' })).toBe(1);
    expect(moved('appgov_graphql_requests_total', { operation: '(none)', outcome: 'GRAPHQL_VALIDATION_FAILED' })).toBe(1);
    expect(moved('appgov_graphql_requests_total', { operation: 'Approve', outcome: 'ok' })).toBe(3);
    expect(moved('appgov_graphql_requests_total', { operation: 'Rest_listApps', outcome: 'ok' })).toBe(1);
    expect(moved('appgov_graphql_requests_total', { operation: 'Rest_listApps', outcome: 'FORBIDDEN' })).toBe(1);
    expect(moved('appgov_graphql_request_duration_seconds_count', { operation: 'SmallRead', outcome: 'ok' })).toBe(2);
    expect(moved('appgov_graphql_request_duration_seconds_bucket', { operation: 'SmallRead', outcome: 'ok', le: '+Inf' })).toBe(2);
    expect(moved('appgov_graphql_request_duration_seconds_sum', { operation: 'SmallRead', outcome: 'ok' })).toBeGreaterThan(0);
    // The dry run counts nothing; the real call changed two, its repeat found them unchanged; both failed the unknown id.
    expect(moved('appgov_bulk_ids_total', { mutation: 'approveApps', result: 'changed' })).toBe(2);
    expect(moved('appgov_bulk_ids_total', { mutation: 'approveApps', result: 'unchanged' })).toBe(2);
    expect(moved('appgov_bulk_ids_total', { mutation: 'approveApps', result: 'failed' })).toBe(2);
    // Scrapes are not GraphQL requests.
    expect(sample(after, 'appgov_graphql_requests_total', { operation: '(none)', outcome: 'ok' })).toBe(0);
  });

  it('counts rate-limit refusals and database busy waits through its helpers', async () => {
    const before = await (await scrape()).text();
    metrics.recordRateLimited();
    metrics.recordRateLimited();
    metrics.recordDatabaseBusyWait(0.25);
    metrics.recordDatabaseBusyWait();
    const after = await (await scrape()).text();
    expect(sample(after, 'appgov_rate_limited_total') - sample(before, 'appgov_rate_limited_total')).toBe(2);
    expect(sample(after, 'appgov_database_busy_waits_total') - sample(before, 'appgov_database_busy_waits_total')).toBe(2);
    expect(sample(after, 'appgov_database_busy_wait_seconds_total') - sample(before, 'appgov_database_busy_wait_seconds_total')).toBe(0.25);
  });

  it('gauges the subscription streams open on this instance', async () => {
    expect(sample(await (await scrape()).text(), 'appgov_live_streams')).toBe(0);
    const stream = await subscribe(yoga, 'subscription ($c: ID!) { historyEvents(clientId: $c) { id } }', { c: tenant.clientId }, token);
    try {
      expect(stream.status).toBe(200);
      await expect.poll(async () => sample(await (await scrape()).text(), 'appgov_live_streams')).toBe(1);
    } finally {
      await stream.close();
    }
    await expect.poll(async () => sample(await (await scrape()).text(), 'appgov_live_streams')).toBe(0);
  });

  it('keeps each server on its own registry, and bounds the operation names it labels', async () => {
    const a = createMetrics();
    const b = createMetrics();
    for (let i = 0; i < 105; i++) a.observeRequest(`Op${i}`, 'ok', 0.001);
    const text = await a.registry.metrics();
    expect(sample(text, 'appgov_graphql_requests_total', { operation: 'Op99', outcome: 'ok' })).toBe(1);
    expect(sample(text, 'appgov_graphql_requests_total', { operation: 'Op100', outcome: 'ok' })).toBe(0);
    expect(sample(text, 'appgov_graphql_requests_total', { operation: OPERATION_OVERFLOW, outcome: 'ok' })).toBe(5);
    // A name seen before the bound keeps its own series.
    a.observeRequest('Op3', 'ok', 0.001);
    expect(sample(await a.registry.metrics(), 'appgov_graphql_requests_total', { operation: 'Op3', outcome: 'ok' })).toBe(2);
    expect(sample(await b.registry.metrics(), 'appgov_graphql_requests_total', { operation: 'Op0', outcome: 'ok' })).toBe(0);
  });
});

describe('npm start with APPGOV_METRICS_TOKEN', () => {
  it('serves /metrics to the secret, and logs each request with the id it returns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'appgov-metrics-'));
    const server = await startServer({ APPGOV_DB: join(dir, 'metrics.db'), APPGOV_METRICS_TOKEN: METRICS_TOKEN });
    try {
      const token = /token:\s+(agv_\S+)/.exec(server.stdout())![1]!;
      const res = await fetch(`${server.base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': 'e2e-1' },
        body: JSON.stringify({ query: SMALL_READ, variables: { c: 'aa7cf840-9ca9-46a3-9778-9015d6580d50' } }),
      });
      expect(res.headers.get('x-request-id')).toBe('e2e-1');
      expect((await res.json()).errors).toBeUndefined();
      expect((await fetch(`${server.base}/metrics`)).status).toBe(401);
      const scraped = await fetch(`${server.base}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(sample(await scraped.text(), 'appgov_graphql_requests_total', { operation: 'SmallRead', outcome: 'ok' })).toBe(1);
      expect(server.logLines().filter((l) => l.msg === 'request')).toEqual([
        expect.objectContaining({ level: 'info', requestId: 'e2e-1', operation: 'SmallRead', status: 200, outcome: 'ok' }),
      ]);
      expect(server.stderr()).not.toContain(token);
    } finally {
      expect(await stopServer(server)).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
    expect(server.logLines().map((l) => l.msg)).toEqual(['durability', 'listening', 'request', 'closing']);
  }, 60_000);
});

describe('the counters are fed by the real refusals', () => {
  // SQLite only: it holds SQLite's write lock from a second connection.
  it.skipIf(onPostgres)('a rate-limit refusal and a busy wait each move their counter', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'appgov-metrics-'));
    const { openDatabase } = await import('../src/db/open');
    const Database = (await import('better-sqlite3')).default;
    // The server's short busy timeout, so the mutation retries on a timer instead of sleeping in SQLite.
    const database = openDatabase(join(dir, 'm.db'), { dbBusyTimeoutMs: 10 });
    const holder = new Database(join(dir, 'm.db'));
    try {
      const seeded = seedTenant(database.db, { clientNumber: 7, appCount: 2 });
      const writer = issueToken(database.db, 'internal').token;
      const wired = createMetrics();
      const served = createAppgovYoga({
        db: database.db,
        // A burst of 3 cost units: the second 2-id call is refused.
        config: { maxBulkIds: 10, rateLimitPerSecond: 1, rateLimitBurst: 3, maxInFlightPerToken: 4, writeWaitMs: 150 },
        logger: createLogger({ level: 'silent' }),
        metrics: wired,
        metricsToken: METRICS_TOKEN,
      });
      const text = () => wired.registry.metrics();

      holder.exec('BEGIN IMMEDIATE');
      const busy = await gql(served, APPROVE, { c: seeded.clientId, a: seeded.appIds }, writer);
      holder.exec('ROLLBACK');
      expect(errorCodes(busy)).toEqual(['UNAVAILABLE']);
      expect(sample(await text(), 'appgov_database_busy_waits_total')).toBeGreaterThan(0);
      expect(sample(await text(), 'appgov_database_busy_wait_seconds_total')).toBeGreaterThan(0);

      const limited = await gql(served, APPROVE, { c: seeded.clientId, a: seeded.appIds }, writer);
      expect(limited.status).toBe(429);
      expect(sample(await text(), 'appgov_rate_limited_total')).toBe(1);
    } finally {
      holder.close();
      database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
