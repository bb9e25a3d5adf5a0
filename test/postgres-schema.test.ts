/**
 * The Postgres store's tables: the same as SQLite's (drift fails here), its migrations applied on a
 * real Postgres server, once, by any number of instances starting together, and the rules the
 * engine itself keeps (append-only history, SQLite's case-insensitive order).
 */
import { getTableConfig as pgTableConfig, PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteTableConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open';
import { openPostgres, type OpenedPostgres } from '../src/db/postgres';
import * as pgSchema from '../src/db/postgres-schema';
import * as sqliteSchema from '../src/db/schema';
import { freshPostgresDatabase } from './helpers/postgres';

/**
 * Tables only the Postgres store has, each with why: state several instances must share, which one
 * SQLite process keeps in memory.
 */
const POSTGRES_ONLY: Record<string, string> = {
  rate_budgets: 'the per-token rate budgets every instance shares',
};

/** Columns SQLite has without naming them (its rowid), which Postgres must name. */
const POSTGRES_ONLY_COLUMNS: Record<string, string> = {
  'client_app_states.row_seq': "SQLite's rowid of the state row: the order of Client.appDecisions",
};

interface TableShape {
  columns: Record<string, { notNull: boolean; primary: boolean }>;
  primaryKey: string[];
  indexes: string[];
  uniques: string[];
  foreignKeys: string[];
}

function sqliteShapes(): Record<string, TableShape> {
  const shapes: Record<string, TableShape> = {};
  for (const table of (Object.values(sqliteSchema) as unknown[]).filter((v): v is SQLiteTable => v instanceof SQLiteTable)) {
    const c = sqliteTableConfig(table);
    shapes[c.name] = {
      columns: Object.fromEntries(c.columns.map((col) => [col.name, { notNull: col.notNull, primary: col.primary }])),
      primaryKey: c.primaryKeys.flatMap((k) => k.columns.map((col) => col.name)),
      indexes: c.indexes.map((i) => i.config.name).sort(),
      uniques: c.columns.filter((col) => col.isUnique).map((col) => col.name).sort(),
      foreignKeys: c.foreignKeys.map((f) => `${f.reference().columns.map((col) => col.name)} -> ${f.reference().foreignTable[Symbol.for('drizzle:Name') as never]}`).sort(),
    };
  }
  return shapes;
}

function postgresShapes(): Record<string, TableShape> {
  const shapes: Record<string, TableShape> = {};
  for (const table of (Object.values(pgSchema) as unknown[]).filter((v): v is PgTable => v instanceof PgTable)) {
    const c = pgTableConfig(table);
    shapes[c.name] = {
      columns: Object.fromEntries(c.columns.map((col) => [col.name, { notNull: col.notNull, primary: col.primary }])),
      primaryKey: c.primaryKeys.flatMap((k) => k.columns.map((col) => col.name)),
      indexes: c.indexes.map((i) => i.config.name!).sort(),
      uniques: c.columns.filter((col) => col.isUnique).map((col) => col.name).sort(),
      foreignKeys: c.foreignKeys.map((f) => `${f.reference().columns.map((col) => col.name)} -> ${f.reference().foreignTable[Symbol.for('drizzle:Name') as never]}`).sort(),
    };
  }
  return shapes;
}

describe('the two schema files', () => {
  it('have the same tables, columns, keys, indexes and foreign keys', () => {
    const sqlite = sqliteShapes();
    expect(Object.keys(sqlite).length).toBeGreaterThan(10);
    const postgres = postgresShapes();
    expect(Object.keys(POSTGRES_ONLY).filter((name) => !(name in postgres) || name in sqlite)).toEqual([]);
    for (const name of Object.keys(POSTGRES_ONLY)) delete postgres[name];
    for (const column of Object.keys(POSTGRES_ONLY_COLUMNS)) {
      const [table, name] = column.split('.') as [string, string];
      expect(postgres[table]!.columns[name], column).toBeDefined();
      expect(sqlite[table]!.columns[name], column).toBeUndefined();
      delete postgres[table]!.columns[name];
    }
    expect(postgres).toEqual(sqlite);
  });
});

describe('on a real Postgres server', () => {
  let url: string;
  let opened: OpenedPostgres[] = [];

  beforeAll(async () => {
    url = await freshPostgresDatabase();
  });
  afterAll(async () => {
    await Promise.all(opened.map((o) => o.close()));
  });

  it('three instances starting at once on an empty database all come up, and the migrations ran once', async () => {
    opened = await Promise.all([openPostgres(url, { poolSize: 2 }), openPostgres(url, { poolSize: 2 }), openPostgres(url, { poolSize: 2 })]);
    const { rows } = await opened[0]!.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
    expect(rows[0]!.n).toBe(11);
    const tables = await opened[1]!.pool.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    expect(tables.rows.map((r) => r.table_name)).toEqual([...Object.keys(sqliteShapes()), ...Object.keys(POSTGRES_ONLY)].sort());
  });

  it('matches the SQLite migrations column for column, as the database reports them', async () => {
    const sqlite = openDatabase(':memory:');
    try {
      const sqliteColumns = (sqlite.sqlite.prepare("SELECT m.name AS t, p.name AS c FROM sqlite_master m, pragma_table_info(m.name) p WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '__drizzle%' ORDER BY 1, 2").all() as { t: string; c: string }[]).map((r) => `${r.t}.${r.c}`);
      const { rows } = await opened[0]!.pool.query<{ t: string; c: string }>(
        "SELECT table_name AS t, column_name AS c FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name::text COLLATE \"C\", column_name::text COLLATE \"C\"",
      );
      expect(rows.map((r) => `${r.t}.${r.c}`).filter((c) => !(c.split('.')[0]! in POSTGRES_ONLY) && !(c in POSTGRES_ONLY_COLUMNS))).toEqual(sqliteColumns);
    } finally {
      sqlite.close();
    }
  });

  it('keeps history append-only: an UPDATE or DELETE of an event is refused by the database', async () => {
    const { pool } = opened[0]!;
    await pool.query("INSERT INTO clients (id, name, created_at) VALUES ('c1', 'Acme', 0)");
    await pool.query("INSERT INTO apps (id, code_name, name, created_at) VALUES ('a1', 'chat', 'Chat', 0)");
    await pool.query(
      "INSERT INTO app_history_events (id, client_id, app_id, type, actor_id, actor_kind, actor_name, data, created_at, client_seq) VALUES ('e1', 'c1', 'a1', 'NOTE_ADDED', 't', 'internal', 'ops', '{}', 1, 1)",
    );
    await expect(pool.query("UPDATE app_history_events SET actor_name = 'x'")).rejects.toThrow('app history is append-only: events are never updated');
    await expect(pool.query('DELETE FROM app_history_events')).rejects.toThrow('app history is append-only: events are never deleted');
    await expect(pool.query('DELETE FROM app_assignment_events')).resolves.toBeDefined();
    const { rows } = await pool.query('SELECT id, created_at, client_seq FROM app_history_events');
    // int8 columns come back as numbers (milliseconds, sequence numbers), not strings.
    expect(rows).toEqual([{ id: 'e1', created_at: 1, client_seq: 1 }]);
  });

  it('orders names case-insensitively exactly as SQLite does, on the index the listings seek', async () => {
    const names = ['beta', 'Alpha', 'alpha2', 'Émile', 'émile', 'Zed', '_under', 'a b', 'ábc', 'ABD'];
    const sqlite = openDatabase(':memory:');
    try {
      const sqliteOrder = (sqlite.sqlite.prepare(`SELECT value FROM json_each(?) ORDER BY lower(value), value`).all(JSON.stringify(names)) as { value: string }[]).map((r) => r.value);
      const { rows } = await opened[0]!.pool.query<{ v: string }>(
        'SELECT v FROM unnest($1::text[]) AS v ORDER BY lower(v COLLATE "C"), v COLLATE "C"',
        [names],
      );
      expect(rows.map((r) => r.v)).toEqual(sqliteOrder);
    } finally {
      sqlite.close();
    }
  });

  it('refuses a database that does not exist with the driver error', async () => {
    const missing = new URL(url);
    missing.pathname = '/appgov_no_such_database';
    await expect(openPostgres(missing.toString(), { poolSize: 1 })).rejects.toThrow('database "appgov_no_such_database" does not exist');
  });
});
