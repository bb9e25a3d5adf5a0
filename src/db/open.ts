import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { Logger } from 'drizzle-orm/logger';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import * as schema from './schema';

/** The database or a transaction on it: services take either, so they compose inside one transaction. */
export type Db = BaseSQLiteDatabase<'sync', Database.RunResult, typeof schema>;

export interface OpenedDatabase {
  db: Db;
  sqlite: Database.Database;
  close(): void;
}

const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

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
 * Opens (creating if needed) the SQLite database, sets the pragmas every
 * connection needs and applies the committed migrations from `drizzle/`.
 */
export function openDatabase(path: string, options: { logger?: Logger } = {}): OpenedDatabase {
  if (path !== ':memory:' && !path.startsWith('file:')) mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  // A second process (the CLI beside a running server) waits instead of failing with SQLITE_BUSY.
  sqlite.pragma('busy_timeout = 5000');
  cacheStatements(sqlite);
  const db = drizzle(sqlite, { schema, logger: options.logger ?? false });
  migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  return { db, sqlite, close: () => sqlite.close() };
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
