/**
 * The contract tests' machinery (test/postgres-*.test.ts): the same call on SQLite and on Postgres,
 * answers and refusals in one comparable shape, and every row the writes touch read raw from each
 * store in one shape (JSON text vs jsonb, 0/1 vs boolean, int8 as text vs numbers).
 */
import { expect } from 'vitest';
import type { Principal } from '../../src/auth/principal';
import type { OpenedDatabase } from '../../src/db/open';
import { openPostgres, type OpenedPostgres } from '../../src/db/postgres';
import { copyRows, freshPostgresDatabase } from './postgres';

const parsed = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
const bool = (v: unknown) => (v === null ? null : v === true || v === 1);
const num = (v: unknown) => (v === null ? null : Number(v));

type Row = Record<string, unknown>;
type Read = (text: string) => Promise<Record<string, unknown>[]>;

/** Every row the writes touch, read raw and in one shape for both stores (event ids are random: left out). */
export async function dumpRows(read: Read) {
  return {
    requests: (await read('SELECT * FROM install_requests ORDER BY id')).map((r): Row => ({ ...r, scopes: parsed(r.scopes), created_at: num(r.created_at), resolved_at: num(r.resolved_at) })),
    states: (await read('SELECT * FROM client_app_states ORDER BY client_id, app_id')).map((r): Row => ({
      ...r,
      // Postgres's name for SQLite's rowid (the org decision listing's order): not a column on SQLite.
      row_seq: undefined,
      approved_scopes: parsed(r.approved_scopes),
      needs_reapproval: bool(r.needs_reapproval),
      decided_at: num(r.decided_at),
      updated_at: num(r.updated_at),
    })),
    workspace: (await read('SELECT * FROM workspace_app_decisions ORDER BY workspace_id, app_id')).map((r): Row => ({ ...r, approved_scopes: parsed(r.approved_scopes), decided_at: num(r.decided_at) })),
    events: (await read('SELECT client_id, app_id, type, actor_id, actor_kind, actor_name, data, created_at, client_seq FROM app_history_events ORDER BY client_id, client_seq')).map((r): Row => ({
      ...r,
      data: parsed(r.data),
      created_at: num(r.created_at),
      client_seq: num(r.client_seq),
    })),
    heads: (await read('SELECT id, history_seq, history_at FROM clients ORDER BY id')).map((r): Row => ({ ...r, history_seq: num(r.history_seq), history_at: num(r.history_at) })),
  };
}

/** An answer or a refusal, in one comparable shape (`drop`: fields left out, e.g. a random event id). */
export async function outcome(call: () => unknown, drop: readonly string[] = []): Promise<unknown> {
  try {
    const value = await call();
    return { ok: JSON.parse(JSON.stringify(value ?? null, (key, v) => (drop.includes(key) ? undefined : v))) };
  } catch (error) {
    const e = error as { constructor: { name: string }; code?: string; message: string; details?: unknown };
    return { error: { class: e.constructor.name, code: e.code, message: e.message, details: e.details } };
  }
}

/** One step of a scenario, the same call on each store. */
export interface Step {
  name: string;
  lite: (db: OpenedDatabase['db'], actor: Principal) => unknown;
  pg: (db: OpenedPostgres['db'], actor: Principal) => Promise<unknown>;
  /** Answer fields that legitimately differ between the stores (random ids). */
  drop?: readonly string[];
}

/** A call that reads the same on both stores: `fn(store)(input)` with the input built once. */
export function both<I>(
  name: string,
  input: (actor: Principal) => I,
  lite: (db: OpenedDatabase['db'], i: I) => unknown,
  pg: (db: OpenedPostgres['db'], i: I) => Promise<unknown>,
  drop?: readonly string[],
): Step {
  return { name, lite: (db, actor) => lite(db, input(actor)), pg: (db, actor) => pg(db, input(actor)), ...(drop ? { drop } : {}) };
}

/** A fresh Postgres database holding `tables` copied raw from `lite`. */
export async function pgFrom(lite: OpenedDatabase, tables: readonly string[], poolSize = 2): Promise<OpenedPostgres & { url: string }> {
  const url = await freshPostgresDatabase();
  const opened = await openPostgres(url, { poolSize, connectTimeoutMs: 15_000 });
  for (const table of tables) await copyRows(lite.sqlite, opened.pool, table);
  return { ...opened, url };
}

/** Plays `steps` on both stores from the same seed; the answers, then the rows, must be equal. */
export async function playBoth(
  seed: () => { lite: OpenedDatabase; actor: Principal },
  tables: readonly string[],
  steps: readonly Step[],
): Promise<{ answers: unknown[]; rows: Awaited<ReturnType<typeof dumpRows>> }> {
  const { lite: store, actor } = seed();
  const postgres = await pgFrom(store, tables);
  try {
    const answers: unknown[] = [];
    for (const step of steps) {
      const a = await outcome(() => step.lite(store.db, actor), step.drop);
      const b = await outcome(() => step.pg(postgres.db, actor), step.drop);
      expect(b, step.name).toEqual(a);
      answers.push(a);
    }
    const liteRows = await dumpRows(async (text) => store.sqlite.prepare(text).all() as Record<string, unknown>[]);
    const pgRowsRead = await dumpRows(async (text) => (await postgres.pool.query(text)).rows);
    expect(pgRowsRead).toEqual(liteRows);
    return { answers, rows: liteRows };
  } finally {
    store.close();
    await postgres.close();
  }
}

/** The error code of each answer ('ok' for an answer), to check a scenario exercised what it claims. */
export const codesOf = (answers: readonly unknown[]) => answers.map((a) => (a as { error?: { code: string } }).error?.code ?? 'ok');
