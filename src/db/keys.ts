import { randomBytes } from 'node:crypto';
import type Database from 'better-sqlite3';
import { currentCursorSecret, useCursorSecret } from '../services/pagination';

/**
 * Installs the cursor secret kept in `service_keys`, creating it on first
 * open. A database without one adopts the process's current secret, so
 * several in-memory databases in one process (tests) agree.
 */
export function loadCursorSecret(sqlite: Database.Database): void {
  const read = () => sqlite.prepare(`SELECT secret FROM service_keys WHERE name = 'cursor'`).get() as { secret: Buffer } | undefined;
  let row = read();
  if (!row) {
    const secret = currentCursorSecret();
    sqlite
      .prepare(`INSERT OR IGNORE INTO service_keys (name, secret, created_at) VALUES ('cursor', ?, ?)`)
      .run(secret.length === 32 ? secret : randomBytes(32), Date.now());
    row = read();
  }
  useCursorSecret(row!.secret);
}
