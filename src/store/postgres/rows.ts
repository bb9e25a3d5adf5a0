/**
 * Rows read on Postgres, handed to the code shared with the SQLite store in SQLite's shape: int8
 * columns (times in ms, versions, counts) as numbers (Drizzle hands them over as text), booleans as
 * 0/1, jsonb as its JSON text. The shared mappers (toClientApp, toRequest, …) then read both alike.
 */
import type { SQL } from 'drizzle-orm';
import type { PgDb } from '../../db/postgres';
import type { ReadRows } from '../../services/client-app-pages';
import type { PgTx } from './transaction';

/** What runs a statement: the pool, or a transaction (a read under the tenant's lock). */
export type PgRunner = Pick<PgDb, 'execute'> | Pick<PgTx, 'execute'>;

const INT8 = new Set(['decided_at', 'updated_at', 'created_at', 'resolved_at', 'approval_expires_at', 'version', 'n', 'k']);

export function sqliteShaped(row: Record<string, unknown>): Record<string, unknown> {
  const shaped: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) {
    if (typeof value === 'boolean') shaped[key] = value ? 1 : 0;
    else if (value !== null && typeof value === 'object') shaped[key] = JSON.stringify(value);
    else if (typeof value === 'string' && INT8.has(key)) shaped[key] = Number(value);
    else shaped[key] = value;
  }
  return shaped;
}

/** A statement's rows on `db` (the pool or a transaction), SQLite-shaped. */
export function pgRows(db: PgRunner): ReadRows {
  return async <T>(query: SQL) => (await db.execute(query)).rows.map((row) => sqliteShaped(row as Record<string, unknown>)) as T[];
}
