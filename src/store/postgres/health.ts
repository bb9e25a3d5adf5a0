/**
 * /health on the Postgres store: does the database answer, accept a write, and is it the primary
 * (not a read-only replica or a database set read-only)? Each check is bounded (the pool's connect
 * timeout, a statement timeout inside the check's own transaction), so a server that is gone makes
 * /health answer "unavailable" at once rather than hang. As on SQLite, a write that succeeded is
 * redone at most once a second (HEALTH_WRITE_EVERY_MS), so a flood of probes is not a flood of writes.
 */
import type pg from 'pg';
import { HEALTH_WRITE_EVERY_MS } from '../../db/health';
import { pgCode } from './transaction';

export type ServerCheck = 'ok' | 'unreachable';
export type RoleCheck = 'primary' | 'replica' | 'unknown';
export type PgWriteCheck = 'ok' | 'busy' | 'readonly' | 'failed' | 'skipped';

export interface PostgresHealth {
  status: 'ok' | 'unavailable';
  checks: { server: ServerCheck; role: RoleCheck; write: PgWriteCheck };
  problems: string[];
}

const PROBLEMS: Record<string, string> = {
  'server:unreachable': 'the Postgres server does not answer (details in the log)',
  'role:replica': 'the database is a read-only replica (in recovery): point APPGOV_DATABASE_URL at the primary',
  'write:readonly': 'the database refuses writes (read-only)',
  'write:busy': 'the database is busy: the health write timed out on a lock or a statement bound',
  'write:failed': 'writing to the database failed (details in the log)',
};

export function postgresHealthCheck(pool: pg.Pool, options: { statementTimeoutMs?: number; now?: () => number; log?: (error: unknown) => void } = {}) {
  const timeout = Math.trunc(options.statementTimeoutMs ?? 2000);
  const now = options.now ?? (() => performance.now());
  const log = options.log ?? ((error: unknown) => console.error('health:', error));
  let lastWrite = -Infinity;
  return async (): Promise<PostgresHealth> => {
    let server: ServerCheck = 'ok';
    let role: RoleCheck = 'unknown';
    let write: PgWriteCheck = 'skipped';
    let client: pg.PoolClient | undefined;
    try {
      client = await pool.connect();
      await client.query('BEGIN');
      await client.query(`SET LOCAL statement_timeout = ${timeout}; SET LOCAL lock_timeout = ${timeout}`);
      const found = await client.query<{ recovering: boolean }>('SELECT pg_is_in_recovery() AS recovering');
      role = found.rows[0]!.recovering ? 'replica' : 'primary';
      if (role === 'primary') {
        if (now() - lastWrite < HEALTH_WRITE_EVERY_MS) write = 'ok';
        else {
          try {
            await client.query(`INSERT INTO health_checks (id, checked_at) VALUES (1, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)
              ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`);
            write = 'ok';
            lastWrite = now();
          } catch (error) {
            const code = pgCode(error);
            write = code === '25006' ? 'readonly' : code === '55P03' || code === '57014' ? 'busy' : 'failed';
            if (write === 'failed') log(error);
          }
        }
      }
      await client.query(write === 'ok' ? 'COMMIT' : 'ROLLBACK');
    } catch (error) {
      log(error);
      server = 'unreachable';
      // A connection that failed mid-check is not handed back to the pool.
      client?.release(true);
      client = undefined;
    } finally {
      client?.release();
    }
    const checks = { server, role, write };
    const problems = Object.entries(checks)
      .map(([name, value]) => PROBLEMS[`${name}:${value}`])
      .filter((p): p is string => p !== undefined);
    return { status: problems.length ? 'unavailable' : 'ok', checks, problems };
  };
}
