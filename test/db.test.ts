import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { clients } from '../src/db/schema';
import { testDatabase } from './helpers/db';

describe('the statement cache', () => {
  it('compiles each SQL text once', () => {
    const { sqlite } = testDatabase();
    const first = sqlite.prepare('SELECT 1 AS one');
    expect(sqlite.prepare('SELECT 1 AS one')).toBe(first);
    expect(sqlite.prepare('SELECT 2 AS two')).not.toBe(first);
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
