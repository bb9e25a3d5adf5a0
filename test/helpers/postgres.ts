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
 * both stores".
 */
export async function copyRows(sqlite: { prepare(sql: string): { all(): unknown[] } }, pool: pg.Pool, table: string): Promise<void> {
  for (const row of sqlite.prepare(`SELECT * FROM ${table}`).all() as Record<string, unknown>[]) {
    const columns = Object.keys(row);
    await pool.query(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((_, i) => `$${i + 1}`).join(', ')})`, columns.map((c) => row[c]));
  }
}
