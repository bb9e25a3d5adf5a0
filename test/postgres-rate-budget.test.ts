/**
 * Issue 16: a token's rate budget holds across instances. The shared bucket on Postgres admits what
 * one budget allows however many pools (instances) take from it at once.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgres, type OpenedPostgres } from '../src/db/postgres';
import { postgresBackend } from '../src/store/postgres/backend';
import { createApp } from '../src/store/postgres/catalog';
import { SharedRateBudget } from '../src/store/postgres/rate-budget';
import { createClient } from '../src/store/postgres/tenants';
import { createToken } from '../src/store/postgres/tokens';
import { createAppgovYoga } from '../src/yoga';
import { gql } from './helpers/graphql';
import { freshPostgresDatabase } from './helpers/postgres';

const opened: OpenedPostgres[] = [];
const pools: pg.Pool[] = [];
afterAll(async () => {
  for (const pool of pools.splice(0)) await pool.end();
  for (const db of opened.splice(0)) await db.close();
});

async function database(): Promise<string> {
  const url = await freshPostgresDatabase();
  opened.push(await openPostgres(url, { poolSize: 1 }));
  return url;
}

describe('the shared rate budget', () => {
  it('four pools taking 400 units of one key at once admit the burst and what refilled, not four budgets', async () => {
    const url = await database();
    const config = { rateLimitPerSecond: 10, rateLimitBurst: 100 };
    const budgets = [0, 1, 2, 3].map(() => {
      const pool = new pg.Pool({ connectionString: url, max: 4 });
      pools.push(pool);
      return new SharedRateBudget(pool, config);
    });
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: 400 }, (_, i) => budgets[i % 4]!.take('token:t1', 1)));
    const seconds = (performance.now() - started) / 1000;
    const admitted = answers.filter((a) => a.ok).length;
    expect(admitted).toBeGreaterThanOrEqual(100);
    expect(admitted).toBeLessThanOrEqual(100 + Math.ceil(seconds * 10) + 1);
    // Another key has a budget of its own.
    expect(await budgets[0]!.take('token:t2', 1)).toEqual({ ok: true });
    const refused = answers.find((a) => !a.ok);
    expect(refused).toEqual({ ok: false, retryAfter: 1 });
  });

  it('refills by the database clock, says how long to wait, and a debt taken on one instance is seen by another', async () => {
    const url = await database();
    const a = new pg.Pool({ connectionString: url, max: 1 });
    const b = new pg.Pool({ connectionString: url, max: 1 });
    pools.push(a, b);
    const config = { rateLimitPerSecond: 100, rateLimitBurst: 50 };
    const first = new SharedRateBudget(a, config);
    const second = new SharedRateBudget(b, config);
    expect(await first.take('token:t', 50)).toEqual({ ok: true });
    expect(await second.take('token:t', 40)).toMatchObject({ ok: false });
    await new Promise((resolve) => setTimeout(resolve, 450));
    expect(await second.take('token:t', 40)).toEqual({ ok: true });
    // A debt of 500 units (e.g. a search's rows) on about 5 left: about 4.96 s at 100 units a second before a unit is there again.
    await first.charge('token:t', 500);
    const indebted = await second.take('token:t', 1);
    expect(indebted.ok).toBe(false);
    expect(indebted.ok ? 0 : indebted.retryAfter).toBeGreaterThanOrEqual(4);
    expect(indebted.ok ? 0 : indebted.retryAfter).toBeLessThanOrEqual(5);
    // Larger than the burst: it may start only on a full bucket.
    expect(await first.take('token:big', 80)).toEqual({ ok: true });
    expect(await first.take('token:big', 80)).toMatchObject({ ok: false });
  });

  it('a budget the database cannot answer in time refuses the call UNAVAILABLE with Retry-After, and it writes nothing', async () => {
    const url = await freshPostgresDatabase();
    // Statements bounded at 300 ms (the server's 5 s), so the blocked budget gives up quickly.
    const served = await openPostgres(url, { poolSize: 4, statementTimeoutMs: 300 });
    opened.push(served);
    const client = await createClient(served.db, { name: 'Budget' });
    const app = await createApp(served.db, { name: 'Budget app' });
    const { token } = await createToken(served.db, { kind: 'internal', name: 'budget' });
    const rateLimits = { rateLimitPerSecond: 100, rateLimitBurst: 100 };
    const yoga = createAppgovYoga({ backend: postgresBackend(served, { rateLimits }), config: { maxBulkIds: 10, ...rateLimits } });
    // The budget's table is held by another session: only the budget's statement waits; the rest of the database answers.
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('LOCK TABLE rate_budgets IN ACCESS EXCLUSIVE MODE');
    try {
      const res = await gql(yoga, 'mutation ($c: ID!, $a: [ID!]!) { approveApps(clientId: $c, appIds: $a) { changed } }', { c: client.id, a: [app.id] }, token);
      expect(res.body.errors?.map((e) => e.extensions?.code)).toEqual(['UNAVAILABLE']);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    } finally {
      await holder.query('ROLLBACK');
      await holder.end();
    }
    expect((await served.pool.query('SELECT count(*)::int AS n FROM app_history_events')).rows).toEqual([{ n: 0 }]);
  });
});
