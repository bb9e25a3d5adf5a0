/**
 * `appgov backup FILE`: an online copy of the SQLite database, safe while a server (or several
 * processes) keep writing to it. SQLite's backup API copies the pages inside one read
 * transaction: in WAL mode writers go on meanwhile, and the copy is the database as of one
 * commit, never half of a transaction. The copy is a complete database file (no -wal beside it
 * to carry along), written into a new file only: an existing file is never overwritten.
 * Postgres has its own tool for this (pg_dump); the command says so instead of copying.
 */
import { closeSync, existsSync, openSync, rmSync, statSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { databaseLabel, databaseName, type Config } from './config';
import { DEFAULT_BUSY_TIMEOUT_MS } from './db/open';

/** A backup the command will not take: a message for the one line on stderr (exit 1). */
export class BackupRefusedError extends Error {
  override name = 'BackupRefusedError';
}

export interface BackupResult {
  /** The database copied: the absolute path of APPGOV_DB. */
  database: string;
  /** The new file: its absolute path. */
  backup: string;
  /** Its size. */
  bytes: number;
}

/** Pages per step: all of them, so the copy is one step inside one read transaction (a stepwise copy restarts at every commit). */
const ALL_PAGES = 0x7fffffff;

export async function backupDatabase(config: Pick<Config, 'dbPath' | 'databaseUrl'>, file: string): Promise<BackupResult> {
  if (config.databaseUrl) {
    throw new BackupRefusedError(
      `backup copies a SQLite file, and this database is Postgres (${databaseLabel(config)}): take a backup with pg_dump -Fc and restore it with pg_restore (see docs/deploy.md)`,
    );
  }
  if (config.dbPath === ':memory:' || config.dbPath.startsWith('file:')) {
    throw new BackupRefusedError(`backup copies a database file; APPGOV_DB is ${config.dbPath}`);
  }
  const source = databaseName(config.dbPath);
  if (!existsSync(source) || !statSync(source).isFile()) {
    throw new BackupRefusedError(`there is no database at ${source} (set APPGOV_DB to the server's database file)`);
  }
  const backup = resolve(file);
  if (backup === source) throw new BackupRefusedError(`${backup} is the database itself: name a new file for the backup`);
  const exists = () => new BackupRefusedError(`${backup} already exists: a backup never overwrites a file; name a new one`);
  if (existsSync(backup)) throw exists();
  mkdirSync(dirname(backup), { recursive: true });
  // Created here, exclusively: a file that appeared since the check above is not overwritten either.
  try {
    closeSync(openSync(backup, 'wx'));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw exists();
    throw error;
  }
  let sqlite: Database.Database | undefined;
  try {
    sqlite = new Database(source, { fileMustExist: true });
    // Another process may hold the write lock at this moment; reading waits for it at most this long.
    sqlite.pragma(`busy_timeout = ${DEFAULT_BUSY_TIMEOUT_MS}`);
    const isAppgov = sqlite.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'`).get();
    if (!isAppgov) throw new BackupRefusedError(`${source} is not an appgov database (it has no migrations table)`);
    await sqlite.backup(backup, { progress: () => ALL_PAGES });
  } catch (error) {
    rmSync(backup, { force: true });
    if (error instanceof BackupRefusedError) throw error;
    const code = (error as { code?: unknown }).code;
    if (code === 'SQLITE_NOTADB') throw new BackupRefusedError(`${source} is not a SQLite database`);
    throw new BackupRefusedError(`cannot back up ${source} to ${backup}: ${(error as Error).message}`);
  } finally {
    sqlite?.close();
  }
  return { database: source, backup, bytes: statSync(backup).size };
}
