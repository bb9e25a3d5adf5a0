import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { cacheStatements, openDatabase } from '../src/db/open';
import { clients } from '../src/db/schema';
import { testDatabase } from './helpers/db';

describe('openDatabase', () => {
  it('creates the file and its folder, in WAL mode with foreign keys on', () => {
    const dir = mkdtempSync(join(tmpdir(), 'appgov-db-'));
    try {
      const opened = openDatabase(join(dir, 'nested', 'appgov.db'));
      expect(opened.sqlite.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(opened.sqlite.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(() => opened.sqlite.prepare("INSERT INTO tokens (id, name, kind, client_id, token_hash, scopes, created_at) VALUES ('t', 'n', 'client', 'no-such-client', 'h', '[]', 1)").run()).toThrow(
        'FOREIGN KEY constraint failed',
      );
      opened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('checkpoints the WAL every 10,000 pages, not every 1,000 (a 1,000-id bulk change writes about 1,000)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'appgov-db-'));
    try {
      const opened = openDatabase(join(dir, 'appgov.db'));
      expect(opened.sqlite.pragma('wal_autocheckpoint', { simple: true })).toBe(10_000);
      opened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the statement cache', () => {
  it('compiles each SQL text once', () => {
    const { sqlite } = testDatabase();
    const first = sqlite.prepare('SELECT 1 AS one');
    expect(sqlite.prepare('SELECT 1 AS one')).toBe(first);
    expect(sqlite.prepare('SELECT 2 AS two')).not.toBe(first);
  });

  it('keeps at most its capacity, dropping the least recently used', () => {
    const sqlite = new Database(':memory:');
    cacheStatements(sqlite, 2);
    const one = sqlite.prepare('SELECT 1');
    const two = sqlite.prepare('SELECT 2');
    expect(sqlite.prepare('SELECT 1')).toBe(one); // now SELECT 2 is the least recently used
    sqlite.prepare('SELECT 3');
    expect(sqlite.prepare('SELECT 1')).toBe(one);
    expect(sqlite.prepare('SELECT 2')).not.toBe(two);
  });

  it('serves object rows to sql`` queries after the query builder used the same text in raw mode', () => {
    const { db } = testDatabase();
    db.insert(clients).values({ id: 'c1', name: 'One', createdAt: new Date(5) }).run();
    const builder = db.select({ id: clients.id, name: clients.name }).from(clients);
    const text = builder.toSQL().sql;
    // The builder reads arrays (raw mode) and maps them; the same statement must then give objects to sql``.
    expect(builder.all()).toEqual([{ id: 'c1', name: 'One' }]);
    expect(db.all(sql.raw(text))).toEqual([{ id: 'c1', name: 'One' }]);
    expect(builder.all()).toEqual([{ id: 'c1', name: 'One' }]);
  });
});
