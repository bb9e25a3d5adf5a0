import { mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { Logger } from 'drizzle-orm/logger';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import type { DbSync } from '../config';
import { loadCursorSecret } from './keys';
import * as schema from './schema';

export type { DbSync };

/** The database or a transaction on it: services take either, so they compose inside one transaction. */
export type Db = BaseSQLiteDatabase<'sync', Database.RunResult, typeof schema>;

export interface OpenedDatabase {
  db: Db;
  sqlite: Database.Database;
  /** The file as opened (absolute path, device, inode); null for an in-memory database. /health compares it. */
  file: DatabaseFile | null;
  close(): void;
}

export interface DatabaseFile {
  path: string;
  dev: number;
  ino: number;
}

export interface OpenOptions {
  logger?: Logger;
  /**
   * How long one statement may wait for another process's write lock, sleeping
   * the calling thread. The CLI waits (5 s); the server keeps this short and
   * retries asynchronously (src/db/busy.ts), so its event loop never sleeps.
   */
  dbBusyTimeoutMs?: number;
  /** `synchronous` of this connection: FULL (the default) or NORMAL (APPGOV_DB_SYNC=normal); see connectionPragmas. */
  dbSync?: DbSync;
}

/** The database path cannot be used: a folder, a missing permission, a read-only file system. */
export class DatabaseFileError extends Error {
  override name = 'DatabaseFileError';
}

/** Errors that mean "this path is not a usable database file", as opposed to a bug. */
const PATH_ERRORS = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOENT', 'ENOTDIR', 'EISDIR', 'EEXIST', 'ENOSPC', 'ENAMETOOLONG']);

function pathProblem(path: string, error: unknown): DatabaseFileError | null {
  const code = (error as { code?: unknown })?.code;
  if (typeof code !== 'string') return null;
  if (PATH_ERRORS.has(code) || /^SQLITE_(CANTOPEN|READONLY|NOTADB|IOERR|PERM|FULL)/.test(code)) {
    return new DatabaseFileError(`cannot open or write the database file ${path}: ${(error as Error).message}`);
  }
  return null;
}

/** Set by scripts/build.mjs in a compiled bundle (the folder relative to the bundle); undeclared under tsx. */
declare const APPGOV_MIGRATIONS_FROM_BUNDLE: string | undefined;
export const MIGRATIONS_FOLDER = fileURLToPath(
  new URL(typeof APPGOV_MIGRATIONS_FROM_BUNDLE === 'string' ? `${APPGOV_MIGRATIONS_FROM_BUNDLE}/` : '../../drizzle', import.meta.url),
);

/** How long a connection waits for another's write lock (SQLite's busy_timeout) while opening and migrating, and by default after: the CLI's and a backup's wait. */
export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/** Distinct SQL texts kept compiled. The service issues a few dozen; the bound is for safety. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * Drizzle asks better-sqlite3 to prepare (compile) a statement for every
 * query it runs; compiling costs as much as running a small query. This
 * keeps compiled statements by SQL text (least recently used out first).
 * Drizzle switches a statement to raw (array) rows for its query builder
 * and expects object rows for `sql` queries, so a reused reader is reset.
 */
export function cacheStatements(sqlite: Database.Database, capacity = STATEMENT_CACHE_SIZE): void {
  const compile = sqlite.prepare.bind(sqlite);
  const cache = new Map<string, Database.Statement>();
  sqlite.prepare = ((source: string) => {
    let statement = cache.get(source);
    if (statement) {
      cache.delete(source);
      if (statement.reader) statement.raw(false);
    } else {
      statement = compile(source);
      if (cache.size >= capacity) cache.delete(cache.keys().next().value!);
    }
    cache.set(source, statement);
    return statement;
  }) as typeof sqlite.prepare;
}

/**
 * The pragmas of every connection: the server's, the writer thread's, the
 * CLI's (and the bench's floors, so the comparison stays like for like).
 *
 * synchronous: FULL (the default) syncs the WAL to disk at every commit, so
 * an acknowledged write survives an OS crash or a power cut; one fsync per
 * transaction, so a 1,000-id bulk call pays it once. NORMAL syncs only at
 * checkpoints: a commit is still atomic and survives the process being
 * killed, but the last commits before a power cut may be lost.
 *
 * wal_autocheckpoint: SQLite's default (1,000 pages) made nearly every bulk
 * call pay a checkpoint (copying its pages into the database file, two
 * fsyncs), because a 1,000-id change writes about that many pages to the
 * WAL. At 10,000 pages (a WAL of up to about 40 MB) a checkpoint comes every
 * ten or so such calls and copies each page once however often it changed
 * since the last one.
 */
export function connectionPragmas(sync: DbSync = 'full'): readonly string[] {
  return ['journal_mode = WAL', `synchronous = ${sync === 'normal' ? 'NORMAL' : 'FULL'}`, 'foreign_keys = ON', 'wal_autocheckpoint = 10000'];
}

/**
 * Opens (creating if needed) the SQLite database, sets the pragmas every
 * connection needs and applies the committed migrations from `drizzle/`.
 */
export function openDatabase(path: string, options: OpenOptions = {}): OpenedDatabase {
  const onDisk = path !== ':memory:' && !path.startsWith('file:');
  let sqlite: Database.Database | undefined;
  try {
    if (onDisk && statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
      throw new DatabaseFileError(`${path} is a folder, not a database file`);
    }
    if (onDisk) mkdirSync(dirname(path), { recursive: true });
    sqlite = new Database(path);
    for (const pragma of connectionPragmas(options.dbSync)) sqlite.pragma(pragma);
    // Opening and migrating may wait for another process; serving uses the caller's (short) timeout.
    sqlite.pragma(`busy_timeout = ${DEFAULT_BUSY_TIMEOUT_MS}`);
    cacheStatements(sqlite);
    const db = drizzle(sqlite, { schema, logger: options.logger ?? false });
    migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
    loadCursorSecret(sqlite);
    sqlite.pragma(`busy_timeout = ${Math.trunc(options.dbBusyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS)}`);
    const stat = onDisk ? statSync(path) : null;
    const file = stat ? { path: resolve(path), dev: stat.dev, ino: stat.ino } : null;
    const opened = sqlite;
    return { db, sqlite: opened, file, close: () => opened.close() };
  } catch (error) {
    sqlite?.close();
    throw pathProblem(path, error) ?? error;
  }
}

/**
 * For the queries every request runs: build (and compile) a Drizzle prepared
 * query once per database instead of on every call.
 */
export function preparedPerDatabase<T>(build: (db: Db) => T): (db: Db) => T {
  const prepared = new WeakMap<Db, T>();
  return (db) => {
    let query = prepared.get(db);
    if (query === undefined) {
      query = build(db);
      prepared.set(db, query);
    }
    return query;
  };
}
