/**
 * Reading what Postgres does with one store statement: the statement a store call sends (captured
 * from Drizzle's logger on a one-connection pool of its own), and its plan nodes as EXPLAIN
 * (ANALYZE, FORMAT JSON) gives them, depth first.
 */
import type { Logger } from 'drizzle-orm/logger';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { expect } from 'vitest';
import type { PgDb } from '../../src/db/postgres';
import * as pgSchema from '../../src/db/postgres-schema';

export interface Statement {
  query: string;
  params: unknown[];
}

/** Drizzle's logger, keeping every statement it is told of. */
export class Statements implements Logger {
  statements: Statement[] = [];
  logQuery(query: string, params: unknown[]): void {
    this.statements.push({ query, params });
  }
}

/** The one statement `run` sends to the database at `url` (a pool of its own, kept in `pools` for the caller to end). */
export async function statementOf(url: string, pools: pg.Pool[], run: (db: PgDb) => Promise<unknown>): Promise<Statement> {
  const log = new Statements();
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  pools.push(pool);
  await run(drizzle(pool, { schema: pgSchema, logger: log }));
  expect(log.statements).toHaveLength(1);
  return log.statements[0]!;
}

/** Every plan node of `statement` run with its own parameters (with ANALYZE: what it actually read). */
export async function planNodes(on: pg.Pool | pg.PoolClient, statement: Statement, analyze = true): Promise<Record<string, unknown>[]> {
  const { rows } = await on.query(`EXPLAIN (${analyze ? 'ANALYZE, ' : ''}FORMAT JSON) ${statement.query}`, statement.params);
  const nodes: Record<string, unknown>[] = [];
  const visit = (node: Record<string, unknown>) => {
    nodes.push(node);
    for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) visit(child);
  };
  visit((rows[0]['QUERY PLAN'] as { Plan: Record<string, unknown> }[])[0]!.Plan);
  return nodes;
}
