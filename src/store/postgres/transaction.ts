/**
 * The one way the Postgres store runs a write: one transaction, bounded in time, retried when
 * Postgres says the conflict was its own. The callback may run more than once (a retry repeats
 * it from the start on a fresh transaction), so it has no effect outside the database.
 *
 * - Serialization failures (40001) and deadlocks (40P01) roll back and run again, after a short
 *   jittered backoff, until the deadline: they are conflicts with another writer, and the next
 *   attempt sees its commit. CockroachDB and YugabyteDB answer 40001 for every conflict.
 * - Every statement waits at most `lockTimeoutMs` for a row lock (55P03) and runs at most
 *   `statementTimeoutMs` (57014); the connection pool waits at most `connectTimeoutMs` for a
 *   connection. Each is "busy, try later": UNAVAILABLE (503, Retry-After), as a busy SQLite
 *   answers, with nothing written.
 * - A database that does not answer (refused, reset, shut down, in recovery) is UNAVAILABLE too,
 *   never a 500 and never a hang; the pool reconnects by itself once it is back.
 *
 * `SET LOCAL` keeps the bounds to this transaction: nothing of it outlives it on the pooled
 * connection (no session state, so a transaction-mode pooler in front works).
 */
import { sql } from 'drizzle-orm';
import type { Logger } from 'drizzle-orm/logger';
import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import { UnavailableError } from '../../errors';
import type { PgDb } from '../../db/postgres';
import * as schema from '../../db/postgres-schema';

export type PgTx = Parameters<Parameters<PgDb['transaction']>[0]>[0];

export interface TransactionBounds {
  /** Longest wait for one row lock. */
  lockTimeoutMs: number;
  /** Longest run of one statement. */
  statementTimeoutMs: number;
  /** After this long since the first attempt, a conflict is not retried again: UNAVAILABLE. */
  deadlineMs: number;
}

export const DEFAULT_BOUNDS: TransactionBounds = { lockTimeoutMs: 2000, statementTimeoutMs: 5000, deadlineMs: 5000 };

/** The SQLSTATE of a failure, through Drizzle's wrapping (DrizzleQueryError keeps the driver's error as `cause`). */
export function pgCode(error: unknown): string | null {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return null;
}

function messages(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    parts.push(String((e as { message?: unknown }).message ?? ''));
  }
  return parts.join(' | ');
}

const CONFLICT = new Set(['40001', '40P01']);
/** Lock wait, statement time, a cancelled or shut-down server, one that cannot take connections, or a read-only one. */
const BUSY = new Set(['55P03', '57014', '57P01', '57P02', '57P03', '53300', '25006', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);

/** A conflict another attempt resolves. */
export function isConflict(error: unknown): boolean {
  const code = pgCode(error);
  return code !== null && CONFLICT.has(code);
}

/** The database is busy or away for now: worth a retry later, never an unexpected error. */
export function isUnavailable(error: unknown): boolean {
  const code = pgCode(error);
  if (code !== null && (BUSY.has(code) || code.startsWith('08'))) return true;
  // node-postgres's own words when the server went away or the pool could not connect in time (no code).
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED/.test(messages(error));
}

function unavailable(reason: string, retryAfterSeconds = 1): UnavailableError {
  return new UnavailableError(`${reason}; nothing was written. Retry after ${retryAfterSeconds} s.`, retryAfterSeconds);
}

/**
 * Any store call's failure as the caller sees it: a database that is busy or away is UNAVAILABLE
 * (retryable, 503 with Retry-After) for reads as for writes, never an unexpected error; anything
 * else is the call's own.
 */
export function asStoreError(error: unknown): unknown {
  if (error instanceof UnavailableError || !isUnavailable(error)) return error;
  return unavailable('The database is busy or not answering');
}

/**
 * One attempt on a connection of its own. Not `db.transaction()` on the pool: Drizzle takes the
 * connection, and when BEGIN itself fails (the server just went away) it never gives it back, so a
 * few outages drain the pool for good (found by test/postgres-faults.test.ts). Here the connection
 * always goes back, and one that failed for want of the server is destroyed, not reused.
 */
async function once<T>(db: PgDb, work: (tx: PgTx) => Promise<T>, bounds: TransactionBounds): Promise<T> {
  const internals = db as unknown as { $client: pg.Pool; _: { session: { options?: { logger?: Logger } } } };
  const client = await internals.$client.connect();
  let broken: Error | undefined;
  try {
    const logger = internals._.session.options?.logger;
    return await drizzle(client, { schema, ...(logger ? { logger } : {}) }).transaction(async (tx) => {
      await tx.execute(sql.raw(`SET LOCAL lock_timeout = ${Math.trunc(bounds.lockTimeoutMs)}; SET LOCAL statement_timeout = ${Math.trunc(bounds.statementTimeoutMs)}`));
      return work(tx);
    });
  } catch (error) {
    if (isUnavailable(error)) broken = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.release(broken);
  }
}

/** Runs `work` in one transaction (READ COMMITTED: callers lock the tenant's row first), retried on conflicts, bounded. */
export async function inTransaction<T>(db: PgDb, work: (tx: PgTx) => Promise<T>, bounds: TransactionBounds = DEFAULT_BOUNDS): Promise<T> {
  const giveUpAt = Date.now() + bounds.deadlineMs;
  for (let attempt = 1, backoff = 2; ; attempt++, backoff = Math.min(backoff * 2, 100)) {
    try {
      return await once(db, work, bounds);
    } catch (error) {
      if (isConflict(error)) {
        const left = giveUpAt - Date.now();
        if (left <= 0) throw unavailable(`The write kept conflicting with other writers (${attempt} attempts)`, Math.max(1, Math.ceil(bounds.deadlineMs / 1000)));
        await new Promise((resolve) => setTimeout(resolve, Math.min(left, backoff * (0.5 + Math.random()))));
        continue;
      }
      if (isUnavailable(error)) throw unavailable('The database is busy or not answering');
      throw error;
    }
  }
}
