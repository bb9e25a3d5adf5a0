/**
 * Opening the Postgres store's database: a connection pool, Drizzle on node-postgres, and the
 * migrations in drizzle-postgres/ applied once however many instances start at the same time.
 */
import { fileURLToPath } from 'node:url';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import type { Logger } from 'drizzle-orm/logger';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import * as schema from './postgres-schema';
import { loadCursorSecret } from '../store/postgres/keys';

export type PgDb = NodePgDatabase<typeof schema>;

export interface OpenedPostgres {
  db: PgDb;
  pool: pg.Pool;
  close(): Promise<void>;
}

export interface PostgresOptions {
  /** Connections this instance may hold (the server's `max_connections` is shared by every instance). */
  poolSize?: number;
  /** Longest wait for a connection (a new one, or a free one of the pool) before the call answers UNAVAILABLE. */
  connectTimeoutMs?: number;
  /** Longest run of any one statement outside a write transaction (which sets its own bounds): reads too are bounded. */
  statementTimeoutMs?: number;
  /** Statements as Drizzle runs them (APPGOV_LOG_SQL). */
  logger?: Logger;
  /** Where a connection lost while idle or in use is told (it is dropped; the pool connects anew). */
  log?: (error: Error) => void;
  /** Skip the migrations (they are `appgov migrate`'s, or a test applies them). */
  migrate?: boolean;
}

/** Set by scripts/build.mjs in a compiled bundle (the folder relative to the bundle); undeclared under tsx. */
declare const APPGOV_PG_MIGRATIONS_FROM_BUNDLE: string | undefined;
export const MIGRATIONS_FOLDER = fileURLToPath(
  new URL(typeof APPGOV_PG_MIGRATIONS_FROM_BUNDLE === 'string' ? `${APPGOV_PG_MIGRATIONS_FROM_BUNDLE}/` : '../../drizzle-postgres', import.meta.url),
);

/**
 * The advisory lock the migrations run under. Drizzle's migrator takes no lock of its own: three
 * instances migrating one empty database at once failed on duplicate keys (measured). Only at
 * start, never on the request path.
 */
const MIGRATION_LOCK = 7_304_112_026;

/** int8 (bigint) columns hold milliseconds and sequence numbers: numbers, not pg's default strings (this pool only). */
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID && format !== 'binary' ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/**
 * A server that goes away (restart, failover, an idle connection it closed) makes node-postgres emit
 * 'error' on the pool for an idle connection and on the client for one in use; unheard, either
 * error ends the process. Heard here: the query under way fails (and its transaction answers
 * UNAVAILABLE), the broken connection is dropped, and the pool connects anew on the next call.
 */
export function guardPool(pool: pg.Pool, log: (error: Error) => void = () => {}): pg.Pool {
  pool.on('error', log);
  pool.on('connect', (client) => client.on('error', log));
  return pool;
}

export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<OpenedPostgres> {
  const pool = guardPool(
    new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 2000,
      statement_timeout: options.statementTimeoutMs ?? 5000,
      types,
    }),
    options.log,
  );
  try {
    const db = drizzle(pool, { schema, ...(options.logger ? { logger: options.logger } : {}) });
    if (options.migrate !== false) await migrateOnce(pool);
    // As SQLite's open does: cursors are sealed with the database's secret, the same on every instance.
    await loadCursorSecret(db);
    return { db, pool, close: () => pool.end() };
  } catch (error) {
    await pool.end();
    throw error;
  }
}

async function migrateOnce(pool: pg.Pool): Promise<void> {
  // The lock is the session's: the same connection takes it, migrates, and gives it back.
  const lockHolder = await pool.connect();
  try {
    // A migration may rewrite a big table: not bounded by the request path's statement timeout.
    await lockHolder.query('SET statement_timeout = 0');
    await lockHolder.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await migrate(drizzle(lockHolder, { schema }), { migrationsFolder: MIGRATIONS_FOLDER });
    } finally {
      await lockHolder.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    // Its session setting changed: the connection is not handed to a request.
    lockHolder.release(true);
  }
}
