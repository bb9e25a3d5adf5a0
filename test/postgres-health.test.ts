/**
 * Issue 16: /health on Postgres says whether the database answers, accepts a write, and is not
 * read-only; bounded when the server is gone; at most one write a second.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openPostgres, type OpenedPostgres } from '../src/db/postgres';
import { postgresHealthCheck } from '../src/store/postgres/health';
import { freshPostgresDatabase } from './helpers/postgres';

const opened: OpenedPostgres[] = [];
const pools: pg.Pool[] = [];
afterAll(async () => {
  for (const pool of pools.splice(0)) await pool.end();
  for (const db of opened.splice(0)) await db.close();
});

describe('the Postgres health check', () => {
  it('ok on a live primary; writes its row at most once a second', async () => {
    const url = await freshPostgresDatabase();
    const db = await openPostgres(url, { poolSize: 2 });
    opened.push(db);
    let clock = 0;
    const check = postgresHealthCheck(db.pool, { now: () => clock });
    expect(await check()).toEqual({ status: 'ok', checks: { server: 'ok', role: 'primary', write: 'ok' }, problems: [] });
    const first = (await db.pool.query('SELECT checked_at FROM health_checks WHERE id = 1')).rows[0].checked_at;
    await new Promise((resolve) => setTimeout(resolve, 20));
    clock = 500;
    expect((await check()).status).toBe('ok');
    expect((await db.pool.query('SELECT checked_at FROM health_checks WHERE id = 1')).rows[0].checked_at).toBe(first);
    clock = 1500;
    await check();
    expect(Number((await db.pool.query('SELECT checked_at FROM health_checks WHERE id = 1')).rows[0].checked_at)).toBeGreaterThan(Number(first));
  });

  it('unavailable, and says so, on a database that refuses writes', async () => {
    const url = await freshPostgresDatabase();
    const db = await openPostgres(url, { poolSize: 1 });
    opened.push(db);
    const name = new URL(url).pathname.slice(1);
    await db.pool.query(`ALTER DATABASE ${name} SET default_transaction_read_only = on`);
    // New connections take the database's setting.
    const fresh = new pg.Pool({ connectionString: url, max: 1 });
    pools.push(fresh);
    const health = await postgresHealthCheck(fresh)();
    expect(health).toEqual({
      status: 'unavailable',
      checks: { server: 'ok', role: 'primary', write: 'readonly' },
      problems: ['the database refuses writes (read-only)'],
    });
  });

  it('unavailable at once (within the connect bound) when the server does not answer', async () => {
    const gone = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none', max: 1, connectionTimeoutMillis: 500 });
    pools.push(gone);
    const logged: unknown[] = [];
    const started = performance.now();
    const health = await postgresHealthCheck(gone, { log: (e) => logged.push(e) })();
    expect(performance.now() - started).toBeLessThan(1500);
    expect(health).toEqual({
      status: 'unavailable',
      checks: { server: 'unreachable', role: 'unknown', write: 'skipped' },
      problems: ['the Postgres server does not answer (details in the log)'],
    });
    expect(logged).toHaveLength(1);
  });
});
