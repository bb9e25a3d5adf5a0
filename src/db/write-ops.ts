import type Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { approveApps, removeAppApprovals, restrictApps } from '../services/approvals';
import { expireApprovals as sweep } from '../services/expiry';
import type { Db } from './open';

/**
 * The writes that may run in the writer thread (src/db/writer.ts): each is one
 * synchronous transaction over plain input and output (structured-cloneable),
 * and long enough (a 1,000-id call holds a thread for tens of ms) that running
 * it beside the event loop keeps other requests answered meanwhile.
 * The worker imports this module: it pulls in the services, not the schema.
 */
export const WRITE_OPS = { approveApps, removeAppApprovals, restrictApps, expireApprovals, durability, scanRows } as const;

/** One expiry sweep (services/expiry.ts) at `now` (ms). */
function expireApprovals(db: Db, input: { now: number }): { clients: number; expired: number } {
  return sweep(db, new Date(input.now));
}

/**
 * A compiled read (its SQL text and parameters) and its rows: what the scanner thread runs (a priced catalog
 * search, see services/apps.ts), so a search reading 200,000 rows holds that thread, not the one serving everyone.
 */
function scanRows(db: Db, input: CompiledRead): unknown[] {
  return (db as unknown as { $client: Database.Database }).$client.prepare(input.sql).all(...input.params);
}

export interface CompiledRead {
  sql: string;
  params: unknown[];
}

/** The `synchronous` setting in force on the connection the writes run on (0 OFF, 1 NORMAL, 2 FULL): what /health and the tests check. */
function durability(db: Db, _input: null): { synchronous: number } {
  return db.get<{ synchronous: number }>(sql`PRAGMA synchronous`);
}

export type WriteOp = keyof typeof WRITE_OPS;
export type WriteInput<K extends WriteOp> = Parameters<(typeof WRITE_OPS)[K]>[1];
export type WriteResult<K extends WriteOp> = ReturnType<(typeof WRITE_OPS)[K]>;
