/**
 * Section 13, storage and plans:
 *  - the bytes a million history events take with their state rows, on SQLite (dbstat: every page of
 *    app_history_events, client_app_states and each of their indexes) and on Postgres (pg_relation_size
 *    of each table, its TOAST and each index, after VACUUM), from `events` events spread over 4 clients
 *    × 20,000 apps as appgov writes them (the same columns and values: UUID event ids, the actor's id,
 *    kind and name, the JSON data, the per-client sequence; one state row per decided pair);
 *  - the appHistory first page on a small database (2,000 events, 200 on the paged app) with no planner
 *    statistics, after ANALYZE and after PRAGMA optimize: its time (the service call the field makes,
 *    historyPages) and whether EXPLAIN QUERY PLAN of every statement it runs is the same in all three.
 */
import { copyFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Logger } from 'drizzle-orm/logger';
import { openDatabase } from '../src/db/open';
import { openPostgres } from '../src/db/postgres';
import { historyPages } from '../src/services/history';
import { startTestPostgres } from '../test/helpers/postgres-server';
import { appId, buildDataset, clientId } from './datasets';
import { command, count, ms, section, table, times, verdict, type Check } from './report';
import { summarize } from './stats';

export const STORAGE_TARGETS = { mbPerMillionEvents: 400, planTimeRatio: 2 } as const;

export interface RelationSize {
  name: string;
  /** What it is: the history table, one of its indexes, the state table, one of its indexes. */
  of: 'history' | 'history index' | 'states' | 'states index';
  bytes: number;
}

export interface StoreSize {
  store: 'sqlite' | 'postgres';
  events: number;
  stateRows: number;
  relations: RelationSize[];
  /** All of the relations above, per million events (MB = 2^20 bytes). */
  mbPerMillion: number;
  historyRowBytes: number;
  historyIndexBytes: number;
}

export interface PlanState {
  state: 'no statistics' | 'after ANALYZE' | 'after PRAGMA optimize';
  medianMs: number;
  p95Ms: number;
  /** EXPLAIN QUERY PLAN of each statement the page ran, joined. */
  plan: string;
  /** Whether sqlite_stat1 held rows when timed. */
  statistics: boolean;
}

export interface StorageResult {
  sizes: StoreSize[];
  plans: PlanState[];
  planEvents: number;
}

const MB = 1024 * 1024;
const SHAPE = { clients: 4, apps: 20_000 };

function sqliteSize(path: string, events: number): StoreSize {
  const db = new Database(path, { readonly: true });
  try {
    const kinds = new Map<string, RelationSize['of']>([['app_history_events', 'history'], ['client_app_states', 'states']]);
    for (const row of db.prepare(`SELECT name, tbl_name FROM sqlite_schema WHERE type = 'index' AND tbl_name IN ('app_history_events', 'client_app_states')`).all() as { name: string; tbl_name: string }[]) {
      kinds.set(row.name, row.tbl_name === 'app_history_events' ? 'history index' : 'states index');
    }
    const sizes = db.prepare('SELECT name, sum(pgsize) AS bytes FROM dbstat GROUP BY name').all() as { name: string; bytes: number }[];
    const relations = sizes.filter((s) => kinds.has(s.name)).map((s) => ({ name: s.name, of: kinds.get(s.name)!, bytes: s.bytes }));
    const stateRows = db.prepare('SELECT count(*) FROM client_app_states').pluck().get() as number;
    return summarizeSize('sqlite', events, stateRows, relations);
  } finally {
    db.close();
  }
}

function summarizeSize(store: StoreSize['store'], events: number, stateRows: number, relations: RelationSize[]): StoreSize {
  const sum = (of: RelationSize['of']) => relations.filter((r) => r.of === of).reduce((a, r) => a + r.bytes, 0);
  const total = relations.reduce((a, r) => a + r.bytes, 0);
  relations.sort((a, b) => b.bytes - a.bytes);
  return { store, events, stateRows, relations, mbPerMillion: ((total / events) * 1e6) / MB, historyRowBytes: sum('history') / events, historyIndexBytes: sum('history index') / events };
}

/** The same rows on Postgres: the catalog, then `events` events over every (client, app) pair in turn, then the state rows they leave. */
async function postgresSize(events: number): Promise<StoreSize> {
  const server = await startTestPostgres();
  const stopOnExit = () => server.stop();
  process.once('exit', stopOnExit);
  try {
    const db = await openPostgres(server.url, { poolSize: 1 });
    try {
      const c = await db.pool.connect();
      try {
        await c.query('SET statement_timeout = 0');
        const actor = 't0000000-0000-4000-8000-000000000001';
        const start = Date.now() - events * 1000;
        await c.query(`INSERT INTO clients (id, name, created_at) SELECT 'c0000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'), 'Client ' || i, $2 FROM generate_series(1, $1) AS i`, [SHAPE.clients, start]);
        await c.query(
          `INSERT INTO apps (id, code_name, name, scopes, created_at, hidden_from_market)
           SELECT 'a0000000-0000-4000-8000-' || lpad(to_hex(i), 12, '0'), 'app-' || lpad(i::text, 7, '0'), 'App ' || i, '["users:read","files:write"]'::jsonb, $2, false
           FROM generate_series(1, $1) AS i`,
          [SHAPE.apps, start],
        );
        const pairs = SHAPE.clients * SHAPE.apps;
        await c.query(
          `INSERT INTO app_history_events (id, client_id, app_id, type, actor_id, actor_kind, actor_name, data, created_at, client_seq)
           SELECT gen_random_uuid()::text,
                  'c0000000-0000-4000-8000-' || lpad(to_hex(1 + ((i - 1) % $2) / $3), 12, '0'),
                  'a0000000-0000-4000-8000-' || lpad(to_hex(1 + ((i - 1) % $2) % $3), 12, '0'),
                  'APPROVAL_STATUS_CHANGED', $4, 'internal', 'bench token',
                  CASE WHEN ((i - 1) / $2) % 2 = 0 THEN '{"from":"unresolved","to":"approved"}'::jsonb ELSE '{"from":"approved","to":"unresolved"}'::jsonb END,
                  $5::bigint + i * 1000, i
           FROM generate_series(1, $1) AS i`,
          [events, pairs, SHAPE.apps, actor, start],
        );
        await c.query(
          `INSERT INTO client_app_states (client_id, app_id, resolution, decided_at, decided_by, version, updated_at)
           SELECT client_id, app_id, CASE WHEN count(*) % 2 = 1 THEN 'approved' ELSE 'unresolved' END, max(created_at), $1, count(*), max(created_at)
           FROM app_history_events GROUP BY client_id, app_id`,
          [actor],
        );
        await c.query('VACUUM ANALYZE app_history_events, client_app_states');
        const { rows } = await c.query<{ name: string; of: RelationSize['of']; bytes: string }>(`
          SELECT t.relname AS name, CASE t.relname WHEN 'app_history_events' THEN 'history' ELSE 'states' END AS of,
                 pg_relation_size(t.oid) + coalesce(pg_total_relation_size(t.reltoastrelid), 0) AS bytes
          FROM pg_class AS t WHERE t.relname IN ('app_history_events', 'client_app_states')
          UNION ALL
          SELECT i.relname, CASE t.relname WHEN 'app_history_events' THEN 'history index' ELSE 'states index' END, pg_relation_size(i.oid)
          FROM pg_index AS x JOIN pg_class AS i ON i.oid = x.indexrelid JOIN pg_class AS t ON t.oid = x.indrelid
          WHERE t.relname IN ('app_history_events', 'client_app_states')`);
        const stateRows = Number((await c.query<{ n: string }>('SELECT count(*) AS n FROM client_app_states')).rows[0]!.n);
        return summarizeSize('postgres', events, stateRows, rows.map((r) => ({ name: r.name, of: r.of, bytes: Number(r.bytes) })));
      } finally {
        c.release();
      }
    } finally {
      await db.close();
    }
  } finally {
    process.off('exit', stopOnExit);
    server.stop();
  }
}

class Statements implements Logger {
  all: { query: string; params: unknown[] }[] = [];
  logQuery(query: string, params: unknown[]): void {
    this.all.push({ query, params });
  }
}

/** The appHistory first page (20 events of the app with the long history) on a copy of `path`, after `prepare`. */
function timePage(path: string, state: PlanState['state'], runs: number): PlanState {
  const log = new Statements();
  const opened = openDatabase(path, { logger: log });
  try {
    const page = () => historyPages(opened.db, [{ clientId: clientId(1), appId: appId(1), first: 20, after: null, filter: { types: null, since: null, until: null } }]);
    if (state === 'after ANALYZE') opened.sqlite.exec('ANALYZE');
    if (state === 'after PRAGMA optimize') {
      // As SQLite recommends for long-lived connections: run the queries, then optimize (0x10002: analyze whatever would benefit, now).
      for (let i = 0; i < 5; i++) page();
      opened.sqlite.pragma('optimize=0x10002');
    }
    const statistics = (opened.sqlite.prepare(`SELECT count(*) FROM sqlite_schema WHERE name = 'sqlite_stat1'`).pluck().get() as number) > 0 &&
      (opened.sqlite.prepare('SELECT count(*) FROM sqlite_stat1').pluck().get() as number) > 0;
    log.all.length = 0;
    const items = page()[0]!.items.length;
    if (items !== 20) throw new Error(`the appHistory page held ${items} events, not 20`);
    const plan = log.all
      .map(({ query, params }) => (opened.sqlite.prepare(`EXPLAIN QUERY PLAN ${query}`).all(...(params as unknown[])) as { detail: string }[]).map((r) => r.detail).join(' | '))
      .join(' ;; ');
    const timesMs: number[] = [];
    for (let i = 0; i < runs + 20; i++) {
      const started = performance.now();
      page();
      if (i >= 20) timesMs.push(performance.now() - started);
    }
    const summary = summarize(timesMs);
    return { state, medianMs: summary.median, p95Ms: summary.p95, plan, statistics };
  } finally {
    opened.close();
  }
}

export async function benchStorage(file: (name: string) => string, quick: boolean): Promise<StorageResult> {
  const events = quick ? 50_000 : 200_000;
  const sized = buildDataset(file('storage.db'), { ...SHAPE, events, hotEvery: 0 });
  const sizes = [sqliteSize(sized.path, events), await postgresSize(events)];

  const planEvents = 2_000;
  const small = buildDataset(file('plans.db'), { clients: 1, apps: 20, events: planEvents, hotEvery: 10 });
  const states: PlanState['state'][] = ['no statistics', 'after ANALYZE', 'after PRAGMA optimize'];
  const plans = states.map((state, i) => {
    const copy = file(`plans-${i}.db`);
    copyFileSync(small.path, copy);
    return timePage(copy, state, quick ? 200 : 1000);
  });
  return { sizes, plans, planEvents };
}

export function renderStorage(result: StorageResult, checks: Check[]): string {
  const sizeRows = result.sizes.map((s) => {
    const ok = s.mbPerMillion <= STORAGE_TARGETS.mbPerMillionEvents;
    const store = s.store === 'sqlite' ? 'SQLite' : 'Postgres';
    checks.push({
      section: '13',
      what: `database size per million history events with their state rows, ${store}`,
      figure: `${s.mbPerMillion.toFixed(0)} MB (history row ${s.historyRowBytes.toFixed(0)} B, its indexes ${s.historyIndexBytes.toFixed(0)} B per event)`,
      target: `≤ ${STORAGE_TARGETS.mbPerMillionEvents} MB`,
      verdict: verdict(ok),
      command: command('storage'),
    });
    return [store, `${s.mbPerMillion.toFixed(0)} MB`, `${s.historyRowBytes.toFixed(0)} B`, `${s.historyIndexBytes.toFixed(0)} B`, count(s.stateRows), `≤ ${STORAGE_TARGETS.mbPerMillionEvents} MB`, verdict(ok)];
  });
  const relationRows = result.sizes.flatMap((s) =>
    s.relations.map((r) => [s.store === 'sqlite' ? 'SQLite' : 'Postgres', r.name, r.of, `${(r.bytes / MB).toFixed(1)} MB`, `${((r.bytes / s.events) * 1e6 / MB).toFixed(0)} MB`]),
  );
  const fastest = Math.min(...result.plans.map((p) => p.medianMs));
  const slowest = Math.max(...result.plans.map((p) => p.medianMs));
  const samePlan = result.plans.every((p) => p.plan === result.plans[0]!.plan);
  const planOk = samePlan && slowest / fastest <= STORAGE_TARGETS.planTimeRatio;
  checks.push({
    section: '13',
    what: `appHistory first page on a ${count(result.planEvents)}-event database: the same plan with no statistics, after ANALYZE and after PRAGMA optimize`,
    figure: `${result.plans.map((p) => `${ms(p.medianMs)} ms`).join(' / ')}; plans ${samePlan ? 'identical' : 'DIFFER'}; slowest ÷ fastest ${times(slowest / fastest)}`,
    target: `same plan, ≤ ${STORAGE_TARGETS.planTimeRatio}×`,
    verdict: verdict(planOk),
    command: command('storage'),
  });
  const planRows = result.plans.map((p) => [p.state, p.statistics ? 'yes' : 'no', ms(p.medianMs), ms(p.p95Ms), p.plan === result.plans[0]!.plan ? 'same' : 'DIFFERENT']);
  return section(
    `13. Storage: bytes per million history events with their state rows (${count(result.sizes[0]!.events)} events over ${SHAPE.clients} clients × ${count(SHAPE.apps)} apps), and the appHistory page's plan with and without planner statistics`,
    [
      table(['store', 'per million events', 'history row / event', 'history indexes / event', 'state rows', 'target', 'result'], sizeRows),
      '',
      'Per relation (the tables include their TOAST on Postgres):',
      table(['store', 'relation', 'of', 'size', 'per million events'], relationRows),
      '',
      `appHistory first page (20 of the paged app's ${count(result.planEvents / 10)} events) on a ${count(result.planEvents)}-event SQLite file, each state on its own copy:`,
      table(['state', 'statistics', 'median ms', 'p95 ms', 'plan'], planRows),
      `result: ${planOk ? 'PASS' : 'MISS'} (target: the same plan in every state, slowest ÷ fastest ≤ ${STORAGE_TARGETS.planTimeRatio}×)`,
    ].join('\n'),
    [
      'SQLite: dbstat (every page of each table and index, free space inside the pages included); Postgres: a throwaway server, pg_relation_size after VACUUM, the rows inserted as the writes insert them (one index entry at a time).',
      `plan: EXPLAIN QUERY PLAN of every statement historyPages ran, e.g. ${result.plans[0]!.plan.slice(0, 240)}`,
    ],
  );
}
