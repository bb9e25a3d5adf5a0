import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { afterAll, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open';
import { getClientApp } from '../src/services/apps';

const dir = mkdtempSync(join(tmpdir(), 'appgov-migrations-scopes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('an approval made before scopes were recorded covers the scopes the app asked for at upgrade', () => {
  const folder = join(dir, 'before-seed-002');
  cpSync('drizzle', folder, { recursive: true });
  const journalPath = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
  journal.entries = journal.entries.slice(0, journal.entries.findIndex((e) => e.tag.endsWith('_workspaces_requests')));
  writeFileSync(journalPath, JSON.stringify(journal));
  const path = join(dir, 'old.db');
  const old = new Database(path);
  migrate(drizzle(old), { migrationsFolder: folder });
  old.exec(`
    INSERT INTO clients (id, name, created_at) VALUES ('c0000000-0000-4000-8000-000000000001', 'Old client', 1);
    INSERT INTO apps (id, code_name, name, scopes, created_at) VALUES ('a0000000-0000-4000-8000-000000000001', 'old-app', 'Old app', '["chat:write"]', 1);
    INSERT INTO client_app_states (client_id, app_id, resolution, decided_at, decided_by, version, updated_at)
      VALUES ('c0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000001', 'approved', 5, 'tok', 3, 5);`);
  old.close();
  const upgraded = openDatabase(path);
  try {
    expect(getClientApp(upgraded.db, 'c0000000-0000-4000-8000-000000000001', 'a0000000-0000-4000-8000-000000000001')).toMatchObject({
      resolution: 'approved',
      approvedScopes: ['chat:write'],
      needsReapproval: false,
    });
  } finally {
    upgraded.close();
  }
});
