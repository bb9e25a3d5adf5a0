/**
 * The demo organisation on Postgres: the very rows SQLite's seedDemoIfEmpty writes (built on an
 * in-memory SQLite database by that one function, so the demo has one definition), copied in ONE
 * transaction. Race-free when several instances start on an empty database at once: the first
 * takes the tables' lock, the others wait, find the data, and load nothing.
 */
import type pg from 'pg';
import { openDatabase } from '../../db/open';
import { seedDemoIfEmpty } from '../../services/demo';

/** In foreign-key order. The catalog's range counts are the Postgres triggers' own; the cursor secret is each database's. */
const DEMO_TABLES = ['directories', 'clients', 'apps', 'workspaces', 'tokens', 'install_requests', 'app_history_events'] as const;

export async function seedDemoIfEmptyPg(pool: pg.Pool): Promise<{ clientId: string; token: string } | null> {
  const demo = openDatabase(':memory:');
  try {
    const seeded = seedDemoIfEmpty(demo.db);
    if (!seeded) return null;
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      // Writers of these tables wait until the demo is in or not (only ever at start, on an empty database).
      await client.query('LOCK TABLE clients, apps, tokens IN SHARE ROW EXCLUSIVE MODE');
      const { rows } = await client.query<{ n: number }>(
        'SELECT (SELECT count(*) FROM clients) + (SELECT count(*) FROM apps) + (SELECT count(*) FROM tokens) AS n',
      );
      if (Number(rows[0]!.n) > 0) {
        await client.query('ROLLBACK');
        return null;
      }
      for (const table of DEMO_TABLES) {
        // SQLite's values as Postgres holds them: ms integers into bigint, 0/1 into boolean, JSON text into jsonb.
        const found = demo.sqlite.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all() as Record<string, unknown>[];
        if (found.length === 0) continue;
        const described = (await client.query<{ column_name: string; data_type: string; is_identity: string }>(
          'SELECT column_name, data_type, is_identity FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1',
          [table],
        )).rows;
        const types = new Map(described.map((c) => [c.column_name, c.data_type]));
        // Identity columns are Postgres's to number (1, 2, … in the order given, as SQLite numbered them): never copied.
        const columns = described.filter((c) => c.is_identity !== 'YES').map((c) => `"${c.column_name}"`).join(', ');
        const value = (column: string, v: unknown) => {
          if (v === null) return null;
          const type = types.get(column);
          if (type === 'jsonb' && typeof v === 'string') return JSON.parse(v) as unknown;
          if (type === 'boolean') return v === 1 || v === true;
          return v;
        };
        // One statement per table: the rows as one JSON parameter.
        await client.query(`INSERT INTO ${table} (${columns}) SELECT ${columns} FROM jsonb_populate_recordset(NULL::${table}, $1::jsonb) WITH ORDINALITY ORDER BY ordinality`, [
          JSON.stringify(found.map((row) => Object.fromEntries(Object.entries(row).map(([c, v]) => [c, value(c, v)])))),
        ]);
      }
      await client.query('COMMIT');
      return seeded;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  } finally {
    demo.close();
  }
}
