/**
 * createAppgovYoga as the API tests use it: on SQLite as it is; on the Postgres run
 * (APPGOV_TEST_STORE=postgres, vitest.config.ts's `postgres` project) the same server served by the
 * Postgres store, its data carried from and to the test's SQLite fixture (test/helpers/mirror.ts).
 * A Yoga given SQLite's own machinery (a writer thread, a scanner, a store, a file) stays on SQLite:
 * what it tests is that machinery.
 */
import { afterAll } from 'vitest';
import { loadConfig } from '../../src/config';
import { createAppgovYoga as createYoga, type YogaOptions } from '../../src/yoga';
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
