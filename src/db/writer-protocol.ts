import * as errors from '../errors';
import { AppgovError, type ErrorCode } from '../errors';
import { sqliteCode } from './sqlite-errors';
import type { DbSync } from './open';
import type { WriteOp } from './write-ops';

/** What the writer thread is started with. */
export interface WriterData {
  path: string;
  busyTimeoutMs: number;
  /** The main connection's `synchronous` setting, so a commit here is as durable as one there. */
  dbSync: DbSync;
  /** Send every statement back to be logged (APPGOV_LOG_SQL). */
  logSql: boolean;
}

export interface WriteCall {
  id: number;
  op: WriteOp;
  input: unknown;
}

/** An error as it crosses the thread boundary: a domain error whole, anything else as name, message, stack and SQLite code. */
export type WireError =
  | { kind: 'appgov'; type: string; code: ErrorCode; message: string; details: Record<string, unknown>; stack?: string }
  | { kind: 'unexpected'; name: string; message: string; stack?: string; code: string | null; cause?: WireError };

export type WriteReply =
  | { id: number; ok: true; value: unknown }
  | { id: number; ok: false; error: WireError }
  | { sql: string; params: unknown[] }
  /** The thread has loaded its code and opened the database. */
  | { ready: true };

export function toWire(error: unknown, depth = 0): WireError {
  if (error instanceof AppgovError) {
    return { kind: 'appgov', type: error.constructor.name, code: error.code, message: error.message, details: error.details, ...(error.stack ? { stack: error.stack } : {}) };
  }
  const e = error instanceof Error ? error : new Error(String(error));
  // Drizzle's "Failed to run the query" says what ran; the SqliteError in its cause says what went wrong: the log needs both.
  const cause = e.cause !== undefined && depth < 4 ? toWire(e.cause, depth + 1) : undefined;
  return { kind: 'unexpected', name: e.name, message: e.message, ...(e.stack ? { stack: e.stack } : {}), code: sqliteCode(error), ...(cause ? { cause } : {}) };
}

/** The error classes by name, so a NotFoundError thrown in the writer is `instanceof NotFoundError` on this side too. */
const CLASSES = new Map<string, { prototype: AppgovError }>(
  Object.values(errors)
    .filter((value): value is typeof AppgovError => typeof value === 'function' && (value === AppgovError || value.prototype instanceof AppgovError))
    .map((cls) => [cls.name, cls]),
);

export function fromWire(wire: WireError): Error {
  if (wire.kind === 'appgov') {
    const error = new AppgovError(wire.code, wire.message, wire.details);
    Object.setPrototypeOf(error, (CLASSES.get(wire.type) ?? AppgovError).prototype);
    if (wire.stack) error.stack = wire.stack;
    return error;
  }
  // An unexpected error stays unexpected (masked, logged); its SQLite code still tells a busy lock (retried) from a bug.
  const error = Object.assign(new Error(wire.message, wire.cause ? { cause: fromWire(wire.cause) } : {}), wire.code ? { code: wire.code } : {});
  error.name = wire.name;
  if (wire.stack) error.stack = wire.stack;
  return error;
}
