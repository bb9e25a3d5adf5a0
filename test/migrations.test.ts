import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open';
import { getClientApp } from '../src/services/apps';

const dir = mkdtempSync(join(tmpdir(), 'appgov-migrations-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of drizzle/ whose journal stops after the first `count` migrations. */
function migrationsUpTo(count: number): string {
  const folder = join(dir, `upto-${count}`);
  cpSync('drizzle', folder, { recursive: true });
  const journalPath = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: unknown[] };
  journal.entries = journal.entries.slice(0, count);
  writeFileSync(journalPath, JSON.stringify(journal));
  return folder;
}

describe('migrations', () => {
  it('upgrade a database written by the first release without losing its decisions or history', () => {
    const path = join(dir, 'old.db');
    const old = new Database(path);
    old.pragma('foreign_keys = ON');
    migrate(drizzle(old), { migrationsFolder: migrationsUpTo(2) });
    old.exec(`
      INSERT INTO clients VALUES ('c0000000-0000-4000-8000-000000000001', 'Old client', 1);
      INSERT INTO apps VALUES ('a0000000-0000-4000-8000-000000000001', 'old-app', 'Old app', '[]', 1);
      INSERT INTO client_app_states VALUES ('c0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000001', 'approved', 5, 'tok', 3, 5);
      INSERT INTO app_history_events (id, client_id, app_id, type, actor_id, actor_kind, actor_name, data, created_at)
        VALUES ('e1', 'c0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000001', 'APPROVAL_STATUS_CHANGED', 'tok', 'internal', 'old token', '{"from":"unresolved","to":"approved"}', 5);`);
    old.close();

    const upgraded = openDatabase(path);
    try {
      const app = getClientApp(upgraded.db, 'c0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000001');
      expect(app).toMatchObject({ resolution: 'approved', version: 3, decidedAt: new Date(5), ownerEmail: null, category: null, riskLevel: null });
      expect(upgraded.sqlite.prepare('SELECT count(*) AS n FROM app_history_events').get()).toEqual({ n: 1 });
      // Seed 003's columns arrive with safe defaults: public, listed apps; direct customers.
      expect(upgraded.sqlite.prepare('SELECT owner_directory_id, hidden_from_market FROM apps').all()).toEqual([{ owner_directory_id: null, hidden_from_market: 0 }]);
      expect(upgraded.sqlite.prepare('SELECT directory_id FROM clients').all()).toEqual([{ directory_id: null }]);
      // The append-only triggers survive the upgrade.
      expect(() => upgraded.sqlite.exec('DELETE FROM app_history_events')).toThrow('append-only');
      // The visibility-range counters are filled from the catalog the upgrade found.
      expect(upgraded.sqlite.prepare('SELECT owner_key, n FROM app_range_counts').all()).toEqual([{ owner_key: '', n: 1 }]);
    } finally {
      upgraded.close();
    }
  });
});
