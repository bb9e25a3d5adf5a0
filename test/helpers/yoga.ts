/**
 * createAppgovYoga as the API tests use it: on SQLite as it is; on the Postgres run
 * (APPGOV_TEST_STORE=postgres, vitest.config.ts's `postgres` project) the same server served by the
 * Postgres store, its data carried from and to the test's SQLite fixture (test/helpers/mirror.ts).
 * A Yoga given SQLite's own machinery (a writer thread, a scanner, a store, a file) stays on SQLite:
 * what it tests is that machinery.
 */
import pg from 'pg';
import { afterAll } from 'vitest';
import { loadConfig } from '../../src/config';
import { createAppgovYoga as createYoga, type YogaOptions } from '../../src/yoga';
import { expireApprovals } from '../../src/services/expiry';
import { sqliteBackend, type Backend } from '../../src/backend';
import { countingLoggerOf } from './db';
import { postgresMirror, type Mirror } from './mirror';

export * from '../../src/yoga';

/** The store this run's API tests are served by. */
export const TEST_STORE: 'sqlite' | 'postgres' = process.env.APPGOV_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';
export const onPostgres = TEST_STORE === 'postgres';

const mirrors = new Map<object, Mirror>();
afterAll(async () => {
  await Promise.all([...mirrors.values()].map((m) => m.close()));
  mirrors.clear();
});

export function createAppgovYoga(options: YogaOptions): ReturnType<typeof createYoga> {
  const sqliteOnly = options.backend || options.writer || options.scanner || options.store || options.file;
  if (!onPostgres || sqliteOnly || !options.db) return createYoga(options);
  let mirror = mirrors.get(options.db);
  if (!mirror) {
    const logger = countingLoggerOf(options.db);
    mirror = postgresMirror(options.db, logger ? { logger } : {});
    mirrors.set(options.db, mirror);
  }
  const config = { ...loadConfig({}), ...options.config };
  const { db: _db, ...rest } = options;
  return createYoga({ ...rest, backend: mirror.backendFor({ rateLimitPerSecond: config.rateLimitPerSecond, rateLimitBurst: config.rateLimitBurst }) });
}

/**
 * The backend the tests' server is served by for `db`: its SQLite backend, or on the Postgres run
 * the mirror's Postgres backend (the same one createAppgovYoga({ db }) serves from). For the tests
 * that run the machinery behind a server too (the webhook runner).
 */
export function servedBackend(db: YogaOptions['db'] & object, options: { rateLimitPerSecond?: number; rateLimitBurst?: number } = {}): Backend {
  if (!onPostgres) return sqliteBackend(db);
  let mirror = mirrors.get(db);
  if (!mirror) {
    const logger = countingLoggerOf(db);
    mirror = postgresMirror(db, logger ? { logger } : {});
    mirrors.set(db, mirror);
  }
  const config = { ...loadConfig({}), ...options };
  return mirror.backendFor({ rateLimitPerSecond: config.rateLimitPerSecond, rateLimitBurst: config.rateLimitBurst });
}

/**
 * Runs `statement` on the database the test's server is served from: SQLite's own, or on the
 * Postgres run the Postgres database of the mirror (the fault tests break a table under the server).
 */
export async function onServedDatabase(db: YogaOptions['db'] & object, statement: { sqlite: string; postgres: string }): Promise<void> {
  const mirror = onPostgres ? mirrors.get(db) : undefined;
  if (!mirror) {
    (db as unknown as { $client: { exec(sql: string): void } }).$client.exec(statement.sqlite);
    return;
  }
  const client = new pg.Client({ connectionString: await mirror.url() });
  await client.connect();
  try {
    await client.query(statement.postgres);
  } finally {
    await client.end();
  }
}

/**
 * One expiry sweep at `now` (services/expiry.ts) on the database the test's server is served from:
 * SQLite's own, or on the Postgres run the mirror's Postgres database (its changes carried back).
 */
export async function expireApprovalsOn(db: YogaOptions['db'] & object, now: Date): Promise<{ clients: number; expired: number }> {
  const mirror = onPostgres ? mirrors.get(db) : undefined;
  if (!mirror) return expireApprovals(db, now);
  return mirror.backendFor().expireApprovals(now);
}
