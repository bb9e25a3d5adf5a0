import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterAll, describe, expect, it } from 'vitest';
import { resolvePrincipal } from '../src/auth/tokens';
import { loadCursorSecret } from '../src/db/keys';
import { openDatabase, type Db } from '../src/db/open';
import * as schema from '../src/db/schema';
import { getClientApp } from '../src/services/apps';
import { listAssignments } from '../src/services/assignment-lists';
import { assignApp, unassignApp } from '../src/services/assignments';
import { seedDirectories } from './helpers/db';

const dir = mkdtempSync(join(tmpdir(), 'appgov-migrations-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** How many migrations come before the one tagged `tag` (the journal of the release before it). */
function migrationsBefore(tag: string): number {
  const journal = JSON.parse(readFileSync(join('drizzle', 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string }[] };
  const index = journal.entries.findIndex((e) => e.tag.endsWith(tag));
  expect(index).toBeGreaterThan(0);
  return index;
}

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

  it('upgrade a database with assignments to AUTOINCREMENT seqs: rows, seqs and cursors kept, no seq of the past given again', () => {
    const path = join(dir, 'assignments.db');
    const old = new Database(path);
    old.pragma('foreign_keys = ON');
    migrate(drizzle(old), { migrationsFolder: migrationsUpTo(migrationsBefore('_assignment_seq_autoincrement')) });
    loadCursorSecret(old);
    // The last release's writes (the services have not changed): four assignments, then the newest removed,
    // which on that schema left its seq to the next insert.
    const oldDb = drizzle(old, { schema }) as unknown as Db;
    const { ids, tokens } = seedDirectories(oldDb);
    const internal = resolvePrincipal(oldDb, `Bearer ${tokens.internal}`)!;
    const assign = (db: Db, appCodeName: string, assignee: { type: 'directory' | 'business'; id: string }) =>
      assignApp(db, { actor: internal, appCodeName, assignee, mode: 'STANDARD' }).assignment;
    const page = (db: Db, after?: string) => listAssignments(db, internal, { filter: {}, after }).items.map((s) => s.id);
    assign(oldDb, 'public-app', { type: 'directory', id: ids.mine });
    assign(oldDb, 'my-app', { type: 'directory', id: ids.mine });
    assign(oldDb, 'public-app', { type: 'business', id: ids.myBusiness });
    const newest = assign(oldDb, 'their-app', { type: 'directory', id: ids.theirs });
    const before = listAssignments(oldDb, internal, { filter: {} }).items;
    expect(before.map((s) => s.seq)).toEqual([1, 2, 3, 4]);
    const cursorAt = before.map((s) => s.cursor);
    unassignApp(oldDb, { actor: internal, id: newest.id });
    const rowsBefore = old.prepare('SELECT * FROM app_assignments ORDER BY seq').all();
    old.close();

    const upgraded = openDatabase(path);
    try {
      const rows = () => upgraded.sqlite.prepare('SELECT * FROM app_assignments ORDER BY seq').all() as { seq: number }[];
      expect(rows()).toEqual(rowsBefore);
      expect(rows().map((r) => r.seq)).toEqual([1, 2, 3]);
      expect(upgraded.sqlite.prepare("SELECT sql FROM sqlite_master WHERE name = 'app_assignments'").get()).toEqual({ sql: expect.stringContaining('AUTOINCREMENT') });
      expect(upgraded.sqlite.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'index' AND tbl_name = 'app_assignments'").get()).toEqual({ n: 10 });
      expect(upgraded.sqlite.pragma('foreign_key_check')).toEqual([]);
      // A cursor of the last release pages on after the upgrade.
      expect(page(upgraded.db, cursorAt[0])).toEqual([before[1]!.id, before[2]!.id]);
      // The removed newest's seq is not given again: a cursor taken at it continues to the next assignment.
      const next = assign(upgraded.db, 'their-app', { type: 'directory', id: ids.theirs });
      expect(next.seq).toBe(newest.seq + 1);
      expect(page(upgraded.db, cursorAt[3])).toEqual([next.id]);
      // And from here on removing the newest never frees its seq.
      unassignApp(upgraded.db, { actor: internal, id: next.id });
      const again = assign(upgraded.db, 'my-app', { type: 'business', id: ids.myBusiness });
      expect(again.seq).toBe(next.seq + 1);
      expect(page(upgraded.db, cursorAt[2])).toEqual([again.id]);
      expect(rows().map((r) => r.seq)).toEqual([1, 2, 3, again.seq]);
    } finally {
      upgraded.close();
    }
  });
});
