import { accessSync, constants, statSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { sql } from 'drizzle-orm';
import { isBusyError, sqliteCode } from './busy';
import type { DatabaseFile, Db } from './open';

export type FileCheck = 'ok' | 'memory' | 'missing' | 'replaced' | 'readonly';
export type ReadCheck = 'ok' | 'failed';
export type WriteCheck = 'ok' | 'busy' | 'readonly' | 'full' | 'failed';

export interface Health {
  status: 'ok' | 'unavailable';
  checks: { file: FileCheck; read: ReadCheck; write: WriteCheck };
  /** One sentence per failed check, for the operator. */
  problems: string[];
}

/** Below this much free space on the database's file system, writes are about to fail. */
const MIN_FREE_BYTES = 1024 * 1024;

/** The file as opened still sits at its path, with the same identity, and may be written. */
function checkFile(file: DatabaseFile | null | undefined): FileCheck {
  if (!file) return 'memory';
  const now = statSync(file.path, { throwIfNoEntry: false });
  if (!now) return 'missing';
  if (now.dev !== file.dev || now.ino !== file.ino) return 'replaced';
  // Mode bits as well as access(): root may write anything, but a 0444 file is read-only on purpose.
  if ((now.mode & 0o222) === 0) return 'readonly';
  try {
    accessSync(file.path, constants.W_OK);
  } catch {
    return 'readonly';
  }
  return 'ok';
}

function checkRead(db: Db): ReadCheck {
  try {
    db.get(sql`SELECT (SELECT count(*) FROM health_checks) + (SELECT count(*) FROM service_keys) AS n`);
    return 'ok';
  } catch (error) {
    console.error('health: read failed:', error);
    return 'failed';
  }
}

/**
 * A one-row write: the write path (lock, WAL, disk) works. Never waits for a busy lock beyond
 * the busy timeout. With `recentlyOk` (a write succeeded under a second ago) only the free space
 * is checked again: the row is not written.
 */
function checkWrite(db: Db, file: DatabaseFile | null | undefined, recentlyOk: boolean): WriteCheck {
  if (file) {
    const fs = statfsSync(dirname(file.path));
    if (fs.bavail * fs.bsize < MIN_FREE_BYTES) return 'full';
  }
  if (recentlyOk) return 'ok';
  try {
    db.run(sql`INSERT INTO health_checks (id, checked_at) VALUES (1, ${Date.now()})
      ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at`);
    return 'ok';
  } catch (error) {
    if (isBusyError(error)) return 'busy';
    const code = sqliteCode(error) ?? '';
    if (code.startsWith('SQLITE_READONLY')) return 'readonly';
    if (code === 'SQLITE_FULL') return 'full';
    console.error('health: write failed:', error);
    return 'failed';
  }
}

const PROBLEMS: Record<string, string> = {
  'file:missing': 'the database file was deleted after start: writes go to a file that no restart will find',
  'file:replaced': 'the database file was replaced after start: this process still writes to the old one',
  'file:readonly': 'the database file is read-only',
  'read:failed': 'reading the database failed (details in the log)',
  'write:readonly': 'the database refuses writes (read-only)',
  'write:full': 'the disk holding the database is full',
  'write:failed': 'writing to the database failed (details in the log)',
};

/** A write check that succeeded is redone at most this often: /health writes at most one row a second. */
export const HEALTH_WRITE_EVERY_MS = 1000;

export type HealthCheck = () => Health;

/**
 * GET /health: reads and writes the real database and checks that the file
 * it opened is still the one at its path. A write lock held by another
 * process ("busy") is not a failure: reads go on and writes retry. The file,
 * the free space and a read are checked on every call; the row is written
 * only when the last successful write is a second old or more (a failed,
 * busy or absent one is tried again at once), so a flood of calls cannot
 * turn into a flood of writes.
 */
export function healthCheck(db: Db, file: DatabaseFile | null | undefined, now: () => number = () => performance.now()): HealthCheck {
  let lastWrite = -Infinity;
  return () => {
    const read = checkRead(db);
    const recentlyOk = read === 'ok' && now() - lastWrite < HEALTH_WRITE_EVERY_MS;
    const write = checkWrite(db, file, recentlyOk);
    if (write === 'ok' && !recentlyOk) lastWrite = now();
    const checks = { file: checkFile(file), read, write };
    const problems = Object.entries(checks)
      .map(([name, value]) => PROBLEMS[`${name}:${value}`])
      .filter((p): p is string => p !== undefined);
    return { status: problems.length ? 'unavailable' : 'ok', checks, problems };
  };
}
