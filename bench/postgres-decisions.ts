/**
 * Issue 16's Postgres figures for the bulk decisions, at the store (the server does not serve on
 * Postgres yet, so there is no HTTP figure): a throwaway Postgres with durable settings (fsync and
 * synchronous_commit on), 20,000 catalog apps, one client; 1,000 changing ids per call, approve
 * and remove alternating, through postgresWriter (validation, tenant lock, lookup, rules, writes,
 * history) against a raw `pg` floor doing the least of the same work in one transaction (lock,
 * lookup, upsert the states, append the events, bump the head) on the same schema. Also the
 * statements per call at 10, 100 and 1,000 ids. Prints what it measured.
 *
 *   npx tsx bench/postgres-decisions.ts            # 30 rounds
 *   npx tsx bench/postgres-decisions.ts --rounds 10
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from 'drizzle-orm/logger';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import type { Principal } from '../src/auth/principal';
import { openPostgres } from '../src/db/postgres';
import * as pgSchema from '../src/db/postgres-schema';
import { postgresWriter } from '../src/store/postgres/writer';
import { startTestPostgres } from '../test/helpers/postgres-server';

import { fileURLToPath } from 'node:url';

const arg = (name: string, fallback: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1]! : fallback);
const APPS = 20_000;
const CLIENT = 'c0000000-0000-4000-8000-000000000001';
const actor: Principal = { tokenId: 't0000000-0000-4000-8000-000000000001', kind: 'internal', name: 'bench', clientId: null, scopes: ['apps:write'] };
const appId = (i: number) => `a0000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;

class Count implements Logger {
  n = 0;
  logQuery(): void {
    this.n++;
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function floorCall(pool: pg.Pool, ids: string[], to: 'approved' | 'unresolved', from: 'approved' | 'unresolved'): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT 1 FROM clients WHERE id = $1 FOR NO KEY UPDATE', [CLIENT]);
    const found = await client.query(
      `SELECT j.value AS id, s.resolution FROM jsonb_array_elements_text($1::jsonb) AS j(value)
       JOIN apps AS a ON a.id = j.value LEFT JOIN client_app_states AS s ON s.client_id = $2 AND s.app_id = a.id`,
      [JSON.stringify(ids), CLIENT],
    );
    const changed = (found.rows as { id: string; resolution: string | null }[]).filter((r) => (r.resolution ?? 'unresolved') !== to).map((r) => r.id);
    const now = Date.now();
    const head = await client.query('UPDATE clients SET history_seq = history_seq + $2, history_at = GREATEST(history_at, $3) WHERE id = $1 RETURNING history_seq', [CLIENT, changed.length, now]);
    const first = Number(head.rows[0].history_seq) - changed.length + 1;
    await client.query(
      `INSERT INTO client_app_states (client_id, app_id, resolution, needs_reapproval, decided_at, decided_by, version, updated_at)
       SELECT $1, j.value, $2, false, $3, $4, 1, $3 FROM jsonb_array_elements_text($5::jsonb) AS j(value)
       ON CONFLICT (client_id, app_id) DO UPDATE SET resolution = excluded.resolution, decided_at = excluded.decided_at,
         decided_by = excluded.decided_by, version = client_app_states.version + 1, updated_at = excluded.updated_at`,
      [CLIENT, to, now, actor.tokenId, JSON.stringify(changed)],
    );
    await client.query(
      `INSERT INTO app_history_events (id, client_id, app_id, type, actor_id, actor_kind, actor_name, data, created_at, client_seq)
       SELECT j.value ->> 0, $1, j.value ->> 1, 'APPROVAL_STATUS_CHANGED', $2, 'internal', 'bench', $3::jsonb, $4, $5 + j.ord - 1
       FROM jsonb_array_elements($6::jsonb) WITH ORDINALITY AS j(value, ord)`,
      [CLIENT, actor.tokenId, JSON.stringify({ from, to, reason: null }), now, first, JSON.stringify(changed.map((id) => [randomUUID(), id]))],
    );
    await client.query('COMMIT');
    return changed.length;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  } finally {
    client.release();
  }
}

/** What one run measured (bench/run.ts's `postgres` section writes it to results.json). */
export interface PostgresDecisionsResult {
  postgres: string;
  fsync: string;
  synchronousCommit: string;
  apps: number;
  rounds: number;
  storeMedianMs: number;
  floorMedianMs: number;
  ratio: number;
  statements: Record<string, number>;
}

export async function benchPostgresDecisions(ROUNDS: number): Promise<PostgresDecisionsResult> {
  const server = await startTestPostgres({ durable: true });
  try {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query('CREATE DATABASE bench_store');
    await admin.query('CREATE DATABASE bench_floor');
    const settings = await admin.query(`SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS sync, version() AS version`);
    await admin.end();
    const urlOf = (name: string) => server.url.replace(/\/postgres$/, `/${name}`);
    const dbs = await Promise.all(['bench_store', 'bench_floor'].map((name) => openPostgres(urlOf(name), { poolSize: 2 })));
    for (const db of dbs) {
      await db.pool.query('INSERT INTO clients (id, name, created_at) VALUES ($1, $2, $3)', [CLIENT, 'Bench', Date.now()]);
      // Seeding is not a request: the store's statement bound (and a per-row trigger) would cancel it on a loaded machine.
      const seeder = await db.pool.connect();
      await seeder.query('SET statement_timeout = 0');
      await seeder.query(
        `INSERT INTO apps (id, code_name, name, scopes, created_at, hidden_from_market)
         SELECT 'a0000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'), 'app-' || i, 'App ' || i, '[]'::jsonb, 0, false FROM generate_series(1, $1) AS i`,
        [APPS],
      );
      await seeder.query('RESET statement_timeout');
      seeder.release();
      await db.pool.query('ANALYZE');
    }
    const [store, floor] = dbs as [Awaited<ReturnType<typeof openPostgres>>, Awaited<ReturnType<typeof openPostgres>>];
    const count = new Count();
    const writer = postgresWriter(drizzle(store.pool, { schema: pgSchema, logger: count }));
    const ids = Array.from({ length: 1000 }, (_, i) => appId(i + 1));
    const storeMs: number[] = [];
    const floorMs: number[] = [];
    for (let round = 0; round < ROUNDS + 2; round++) {
      const approve = round % 2 === 0;
      // Paired and alternated: which goes first changes every round.
      const runs = [
        async () => {
          const started = performance.now();
          const result = await writer.run(approve ? 'approveApps' : 'removeAppApprovals', { clientId: CLIENT, appIds: ids, actor, maxIds: 1000 });
          if (result.changed.length !== 1000) throw new Error(`store changed ${result.changed.length}`);
          return performance.now() - started;
        },
        async () => {
          const started = performance.now();
          const changed = await floorCall(floor.pool, ids, approve ? 'approved' : 'unresolved', approve ? 'unresolved' : 'approved');
          if (changed !== 1000) throw new Error(`floor changed ${changed}`);
          return performance.now() - started;
        },
      ];
      const order = round % 4 < 2 ? [0, 1] : [1, 0];
      const took: number[] = [];
      for (const k of order) took[k] = await runs[k]!();
      if (round < 2) continue; // warm-up
      storeMs.push(took[0]!);
      floorMs.push(took[1]!);
    }
    const statements: Record<string, number> = {};
    for (const n of [10, 100, 1000]) {
      const some = Array.from({ length: n }, (_, i) => appId(5000 + i));
      count.n = 0;
      await writer.run('restrictApps', { clientId: CLIENT, appIds: some, actor, maxIds: 1000 });
      statements[`${n} ids`] = count.n;
    }
    const s = median(storeMs);
    const f = median(floorMs);
    await Promise.all(dbs.map((db) => db.close()));
    return {
      postgres: String(settings.rows[0].version).split(' ')[1]!,
      fsync: String(settings.rows[0].fsync),
      synchronousCommit: String(settings.rows[0].sync),
      apps: APPS,
      rounds: ROUNDS,
      storeMedianMs: s,
      floorMedianMs: f,
      ratio: s / f,
      statements,
    };
  } finally {
    server.stop();
  }
}

/** The table bench/run.ts prints (and this file prints when run by itself). */
export function renderPostgresDecisions(r: PostgresDecisionsResult): string {
  const rows: [string, string, string][] = [
    ['1,000-id decision through postgresWriter (median ms)', r.storeMedianMs.toFixed(1), ''],
    ['raw pg floor, same minimal work (median ms)', r.floorMedianMs.toFixed(1), ''],
    ['store ÷ floor (wall clock, store level, not HTTP)', r.ratio.toFixed(2), '≤ 1.5 (issue 16, over HTTP)'],
    ...Object.entries(r.statements).map(([k, v]): [string, string, string] => [`statements per call, ${k}`, String(v), 'constant']),
  ];
  return [
    `\nPostgres store (issue 16): Postgres ${r.postgres}, fsync=${r.fsync}, synchronous_commit=${r.synchronousCommit}; ${r.apps} apps; ${r.rounds} rounds of 1,000 changing ids`,
    ...rows.map(([f, v, t]) => `  ${f.padEnd(58)} ${v.padStart(8)}  ${t}`),
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  console.log(renderPostgresDecisions(await benchPostgresDecisions(Number(arg('--rounds', '30')))));
}
