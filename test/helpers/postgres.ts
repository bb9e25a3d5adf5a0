import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/** A new, empty database on this run's Postgres server (one per test file); its URL. */
export async function freshPostgresDatabase(): Promise<string> {
  const admin = new URL(inject('postgresUrl'));
  const name = `appgov_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  admin.pathname = `/${name}`;
  return admin.toString();
}

/**
 * Copies every row of `table` from a SQLite database into a Postgres one, values as they are (JSON
 * text goes into jsonb, 0/1 into boolean as Postgres reads them): the contract tests' "same rows on
 * both stores". Row keys too: an identity column (app_history_events.seq) takes SQLite's value
 * (OVERRIDING SYSTEM VALUE), so the rows are the same rows, legacy cursors' keys included; the
 * identity then continues after the copied keys, so rows written next do not collide with them.
 */
export async function copyRows(sqlite: { prepare(sql: string): { all(): unknown[] } }, pool: pg.Pool, table: string): Promise<void> {
  for (const row of sqlite.prepare(`SELECT * FROM ${table}`).all() as Record<string, unknown>[]) {
    const columns = Object.keys(row);
    await pool.query(`INSERT INTO ${table} (${columns.join(', ')}) OVERRIDING SYSTEM VALUE VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`, columns.map((c) => row[c]));
  }
  const identities = await pool.query<{ column_name: string }>(
    `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 AND is_identity = 'YES'`,
    [table],
  );
  for (const { column_name: column } of identities.rows) {
    await pool.query(`SELECT setval(pg_get_serial_sequence($1, $2), max(${column})) FROM ${table} HAVING max(${column}) IS NOT NULL`, [table, column]);
  }
}
