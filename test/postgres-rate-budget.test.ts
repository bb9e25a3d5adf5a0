/**
 * Issue 16: a token's rate budget holds across instances. The shared bucket on Postgres admits what
 * one budget allows however many pools (instances) take from it at once.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgres, type OpenedPostgres } from '../src/db/postgres';
import { SharedRateBudget } from '../src/store/postgres/rate-budget';
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
});
