/**
 * Issue 16's Postgres figures, on a throwaway Postgres with durable settings (fsync and
 * synchronous_commit on), 20,000 catalog apps, one client:
 *  - 1,000 changing ids per call, approve and remove alternating, through postgresWriter
 *    (validation, tenant lock, lookup, rules, writes, history) and over HTTP against the compiled
 *    server (bench/postgres-http.ts) with APPGOV_DATABASE_URL, each against a raw `pg` floor doing
 *    the least of the same work in one transaction (lock, lookup, upsert the states, append the
 *    events, bump the head) on the same schema; the statements per call at 10, 100 and 1,000 ids;
 *  - the small read over HTTP on Postgres ÷ on SQLite (both servers loaded the demo), at 1 and 8
 *    callers;
 *  - 10-id calls from 16 tokens at once on 1, 2 and 4 server instances on one database, the tokens
 *    writing one client (its row lock serializes them) or 16 clients, one each; and the CPU over each
 *    window of Postgres (the postmaster and its backends), each instance, this process and the machine.
 * Prints what it measured; stops its servers and Postgres itself.
 *
 *   npx tsx bench/postgres-decisions.ts            # 30 rounds
 *   npx tsx bench/postgres-decisions.ts --rounds 10
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'drizzle-orm/logger';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import type { Principal } from '../src/auth/principal';
import { createToken as createSqliteToken } from '../src/auth/tokens';
import { openDatabase } from '../src/db/open';
import { openPostgres } from '../src/db/postgres';
import * as pgSchema from '../src/db/postgres-schema';
import { DEMO_CLIENT_ID } from '../src/services/demo';
import { createToken as createPgToken } from '../src/store/postgres/tokens';
import { postgresWriter } from '../src/store/postgres/writer';
import { startTestPostgres } from '../test/helpers/postgres-server';
import {
  benchSmallRead, benchThroughput, buildBenchServer, caller, graphqlData, SMALL_READ, startBenchServer,
  type BenchServer, type ReadLatency, type ServerBundle, type ThroughputRun,
} from './postgres-http';
// @ts-expect-error: a plain ES module script without type declarations
import { buildServer } from '../scripts/build.mjs';
import { cpuNsBetween, threadCpuNs } from './cpu';
import { pgFloorCall } from './pg-floor';
import { command, count, ms, table, times, verdict, type Check } from './report';
import { pairedRatios, summarize, type Spread, type Summary } from './stats';

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
  /** The 1,000-id call as a client sees it: JSON body built, POST /graphql to the compiled server, answer parsed. */
  httpMedianMs: number;
  /** httpMedianMs ÷ floorMedianMs (the floor timed in the same rounds). */
  httpRatio: number;
  statements: Record<string, number>;
  /**
   * Server CPU per 1,000-id call over HTTP, paired per round: the compiled server and the floor server
   * (bench/pg-floor-server.ts), each its own process (all its threads, /proc schedstat), and Postgres
   * (the postmaster and every child) in the same window, ms.
   */
  cpu: {
    appgov: { server: Summary; postgres: Summary; wall: Summary };
    floor: { server: Summary; postgres: Summary; wall: Summary };
    /** appgov ÷ floor, per round: server + Postgres, the server alone, Postgres alone, the round trip's wall time. */
    total: Spread;
    server: Spread;
    postgres: Spread;
    wall: Spread;
    sameAnswers: boolean;
  };
  /** Small read: the answer both stores gave, and the latencies. */
  smallRead?: { body: string; rows: ReadLatency[] };
  throughput?: ThroughputRun[];
  cpus: number;
}

export interface PostgresBenchOptions {
  rounds: number;
  /** Small read: rounds (each Postgres and SQLite in turn) and reads per caller per round; 0 rounds: skipped. */
  readRounds: number;
  readsPerCaller: number;
  /** 10-id throughput: seconds per instance count after the warm-up; 0: skipped. */
  throughputSeconds: number;
  throughputWarmupSeconds: number;
}

type Opened = Awaited<ReturnType<typeof openPostgres>>;

/** After an answer, before the CPU is read: the trailing work (a log line, Postgres's WAL writer) lands in its call. */
const SETTLE_MS = 20;

interface HttpCall {
  serverMs: number;
  postgresMs: number;
  wallMs: number;
}

/** The CPU ns of Postgres: the postmaster and each live child (backends, WAL writer, checkpointer…), from /proc schedstat. */
function postgresCpuNs(postmaster: number): number {
  let ns = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue;
    }
    if (pid !== postmaster && Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== postmaster) continue;
    try {
      for (const value of threadCpuNs(pid).values()) ns += value;
    } catch {
      // ended between the listing and the read
    }
  }
  return ns;
}

/** One client and the 20,000 apps; the statistics taken. */
async function seedCatalog(db: Opened): Promise<void> {
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

const THROUGHPUT_TOKENS = 16;
const THROUGHPUT_INSTANCES = [1, 2, 4] as const;
/** The many-tenant shape's clients, one per token. */
const tenantId = (k: number) => `c0000000-0000-4000-8000-${(0x100 + k).toString(16).padStart(12, '0')}`;
const READ_CALLERS = [1, 8] as const;

export async function benchPostgresDecisions(options: PostgresBenchOptions): Promise<PostgresDecisionsResult> {
  const ROUNDS = options.rounds;
  const server = await startTestPostgres({ durable: true });
  let sqliteDir: string | undefined;
  // Ctrl-C (bench/run.ts exits on SIGINT) skips the finally below: Postgres is stopped on the way out all the same.
  const stopOnExit = () => {
    if (sqliteDir) rmSync(sqliteDir, { recursive: true, force: true });
    server.stop();
  };
  process.once('exit', stopOnExit);
  const servers: BenchServer[] = [];
  const opened: Opened[] = [];
  let bundle: ServerBundle | undefined;
  let floorDir: string | undefined;
  try {
    bundle = await buildBenchServer();
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    for (const name of ['bench_store', 'bench_floor', 'bench_http', 'bench_read', 'bench_floor_http']) await admin.query(`CREATE DATABASE ${name}`);
    const settings = await admin.query(`SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS sync, version() AS version`);
    await admin.end();
    const urlOf = (name: string) => server.url.replace(/\/postgres$/, `/${name}`);
    const dbs = await Promise.all(['bench_store', 'bench_floor', 'bench_http', 'bench_floor_http'].map((name) => openPostgres(urlOf(name), { poolSize: 2 })));
    opened.push(...dbs);
    for (const db of dbs) await seedCatalog(db);
    const [store, floor, httpDb] = dbs as [Opened, Opened, Opened];
    floorDir = (await buildServer({ outdir: `dist/bench-pg-floor-${process.pid}`, entryPoints: ['bench/pg-floor-server.ts'] })) as string;
    const floorServer = await startBenchServer(join(floorDir, 'pg-floor-server.mjs'), { PG_FLOOR_URL: urlOf('bench_floor_http'), PG_FLOOR_ACTOR: actor.tokenId });
    servers.push(floorServer);
    // The postmaster: the parent of any backend.
    const backend = Number((await httpDb.pool.query('SELECT pg_backend_pid() AS pid')).rows[0].pid);
    const postmasterPid = Number(readFileSync(`/proc/${backend}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
    // The HTTP database: the same rows, one internal token, and the compiled server on it (production: no demo).
    const token = (await createPgToken(httpDb.db, { kind: 'internal', name: 'bench' })).token;
    const httpServer = await startBenchServer(bundle.bundle, { APPGOV_DATABASE_URL: urlOf('bench_http'), NODE_ENV: 'production' });
    servers.push(httpServer);
    const agent = caller();
    const count = new Count();
    const writer = postgresWriter(drizzle(store.pool, { schema: pgSchema, logger: count }));
    const ids = Array.from({ length: 1000 }, (_, i) => appId(i + 1));
    const mutation = (field: string) => `mutation($clientId: ID!, $ids: [ID!]!) { ${field}(clientId: $clientId, appIds: $ids) { changed failed { id code } } }`;
    const storeMs: number[] = [];
    const floorMs: number[] = [];
    const httpMs: number[] = [];
    const floorAgent = caller();
    const cpuOf = { appgov: [] as HttpCall[], floor: [] as HttpCall[] };
    let sameAnswers = true;
    /** One call over HTTP to `base`, with what it cost the server process `pid` and Postgres. */
    const httpCall = async (target: 'appgov' | 'floor', field: string): Promise<{ call: HttpCall; text: string }> => {
      const [server, a] = target === 'appgov' ? [httpServer, agent] : [floorServer, floorAgent];
      const serverBefore = threadCpuNs(server.pid);
      const pgBefore = postgresCpuNs(postmasterPid);
      const started = performance.now();
      const { data, text } = await graphqlData<Record<string, { changed: string[]; failed: unknown[] }>>(
        a, server.base, token, JSON.stringify({ query: mutation(field), variables: { clientId: CLIENT, ids } }),
      );
      const wallMs = performance.now() - started;
      if (data[field]!.changed.length !== 1000) throw new Error(`HTTP ${target} ${field} changed ${data[field]!.changed.length}`);
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const serverMs = cpuNsBetween(serverBefore, threadCpuNs(server.pid)).ns / 1e6;
      const postgresMs = (postgresCpuNs(postmasterPid) - pgBefore) / 1e6;
      return { call: { serverMs, postgresMs, wallMs }, text };
    };
    for (let round = 0; round < ROUNDS + 2; round++) {
      const approve = round % 2 === 0;
      const field = approve ? 'approveApps' : 'removeAppApprovals';
      // Paired and rotated: which goes first changes every round.
      const runs = [
        async () => {
          const started = performance.now();
          const result = await writer.run(field, { clientId: CLIENT, appIds: ids, actor, maxIds: 1000 });
          if (result.changed.length !== 1000) throw new Error(`store changed ${result.changed.length}`);
          return performance.now() - started;
        },
        async () => {
          const started = performance.now();
          const { changed } = await pgFloorCall(floor.pool, CLIENT, actor.tokenId, ids, approve);
          if (changed.length !== 1000) throw new Error(`floor changed ${changed.length}`);
          return performance.now() - started;
        },
        async () => {
          const { call, text } = await httpCall('appgov', field);
          texts.appgov = text;
          calls.appgov = call;
          return call.wallMs;
        },
        async () => {
          const { call, text } = await httpCall('floor', field);
          texts.floor = text;
          calls.floor = call;
          return call.wallMs;
        },
      ];
      const texts = { appgov: '', floor: '' };
      const calls = {} as { appgov: HttpCall; floor: HttpCall };
      const order = [0, 1, 2, 3].map((k) => (k + round) % 4);
      const took: number[] = [];
      for (const k of order) took[k] = await runs[k]!();
      if (texts.appgov !== texts.floor) sameAnswers = false;
      if (round < 2) continue; // warm-up
      storeMs.push(took[0]!);
      floorMs.push(took[1]!);
      httpMs.push(took[2]!);
      cpuOf.appgov.push(calls.appgov);
      cpuOf.floor.push(calls.floor);
    }
    agent.destroy();
    floorAgent.destroy();
    const side = (of: HttpCall[]) => ({ server: summarize(of.map((c) => c.serverMs)), postgres: summarize(of.map((c) => c.postgresMs)), wall: summarize(of.map((c) => c.wallMs)) });
    const pairs = (pick: (c: HttpCall) => number) => pairedRatios(cpuOf.appgov.map(pick), cpuOf.floor.map(pick));
    const cpu: PostgresDecisionsResult['cpu'] = {
      appgov: side(cpuOf.appgov),
      floor: side(cpuOf.floor),
      total: pairs((c) => c.serverMs + c.postgresMs),
      server: pairs((c) => c.serverMs),
      postgres: pairs((c) => c.postgresMs),
      wall: pairs((c) => c.wallMs),
      sameAnswers,
    };
    const statements: Record<string, number> = {};
    for (const n of [10, 100, 1000]) {
      const some = Array.from({ length: n }, (_, i) => appId(5000 + i));
      count.n = 0;
      await writer.run('restrictApps', { clientId: CLIENT, appIds: some, actor, maxIds: 1000 });
      statements[`${n} ids`] = count.n;
    }

    // The small read: a Postgres server and a SQLite server, each started on an empty database, so each loads the demo.
    let smallRead: PostgresDecisionsResult['smallRead'];
    if (options.readRounds > 0) {
      sqliteDir = mkdtempSync(join(tmpdir(), 'appgov-bench-read-'));
      const sqliteFile = join(sqliteDir, 'read.db');
      const [pgRead, sqliteRead] = await Promise.all([
        startBenchServer(bundle.bundle, { APPGOV_DATABASE_URL: urlOf('bench_read') }),
        startBenchServer(bundle.bundle, { APPGOV_DB: sqliteFile }),
      ]);
      servers.push(pgRead, sqliteRead);
      for (const s of [pgRead, sqliteRead]) if (!s.stdout().includes('Loaded the demo organisation')) throw new Error(`the server did not load the demo:\n${s.stdout()}`);
      // One token per caller on each (internal: sees what the demo's own admin token sees).
      const callers = Math.max(...READ_CALLERS);
      const readPg = await openPostgres(urlOf('bench_read'), { poolSize: 1 });
      opened.push(readPg);
      const pgTokens: string[] = [];
      for (let k = 0; k < callers; k++) pgTokens.push((await createPgToken(readPg.db, { kind: 'internal', name: `reader ${k}` })).token);
      const sqlite = openDatabase(sqliteFile);
      const sqliteTokens = Array.from({ length: callers }, (_, k) => createSqliteToken(sqlite.db, { kind: 'internal', name: `reader ${k}` }).token);
      sqlite.close();
      smallRead = await benchSmallRead(
        { postgres: { base: pgRead.base, tokens: pgTokens }, sqlite: { base: sqliteRead.base, tokens: sqliteTokens } },
        DEMO_CLIENT_ID,
        { concurrencies: READ_CALLERS, rounds: options.readRounds, perCaller: options.readsPerCaller },
      );
      await Promise.all([pgRead.stop(), sqliteRead.stop()]);
    }

    // Throughput: 16 tokens, each its own 10 apps (past the ones timed above), on 1, 2 and then 4 instances of the HTTP
    // database, in two shapes: all 16 writing the one client (its row lock serializes them) and each writing a client of
    // its own (the same tokens and app ids, 16 more clients). The order of the two shapes alternates with the instance count.
    let throughput: ThroughputRun[] | undefined;
    if (options.throughputSeconds > 0) {
      const tokens: string[] = [];
      for (let k = 0; k < THROUGHPUT_TOKENS; k++) tokens.push((await createPgToken(httpDb.db, { kind: 'internal', name: `caller ${k}` })).token);
      const tenants = Array.from({ length: THROUGHPUT_TOKENS }, (_, k) => tenantId(k));
      for (const [k, id] of tenants.entries()) {
        await httpDb.pool.query('INSERT INTO clients (id, name, created_at) VALUES ($1, $2, $3)', [id, `Bench tenant ${k}`, Date.now()]);
      }
      await httpDb.pool.query('ANALYZE clients');
      const appsOf = (k: number) => Array.from({ length: 10 }, (_, i) => appId(10_001 + k * 10 + i));
      const shapes = [
        { shape: '1 client', clientOf: () => CLIENT, approveNext: tokens.map(() => true) },
        { shape: `${THROUGHPUT_TOKENS} clients`, clientOf: (k: number) => tenants[k]!, approveNext: tokens.map(() => true) },
      ];
      throughput = [];
      const instances = [httpServer];
      for (const [round, n] of THROUGHPUT_INSTANCES.entries()) {
        while (instances.length < n) {
          const another = await startBenchServer(bundle.bundle, { APPGOV_DATABASE_URL: urlOf('bench_http'), NODE_ENV: 'production' });
          servers.push(another);
          instances.push(another);
        }
        for (const { shape, clientOf, approveNext } of round % 2 === 0 ? shapes : [...shapes].reverse()) {
          throughput.push(
            await benchThroughput(instances.map((s) => s.base), tokens, clientOf, appsOf, approveNext, {
              seconds: options.throughputSeconds,
              warmupSeconds: options.throughputWarmupSeconds,
              shape,
              cpu: { postmasterPid, instancePids: instances.map((s) => s.pid) },
            }),
          );
        }
      }
      throughput.sort((a, b) => a.clients - b.clients || a.instances - b.instances);
    }

    const s = median(storeMs);
    const f = median(floorMs);
    const h = median(httpMs);
    return {
      postgres: String(settings.rows[0].version).split(' ')[1]!,
      fsync: String(settings.rows[0].fsync),
      synchronousCommit: String(settings.rows[0].sync),
      apps: APPS,
      rounds: ROUNDS,
      storeMedianMs: s,
      floorMedianMs: f,
      ratio: s / f,
      httpMedianMs: h,
      httpRatio: h / f,
      statements,
      cpu,
      ...(smallRead ? { smallRead } : {}),
      ...(throughput ? { throughput } : {}),
      cpus: cpus().length,
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    await Promise.all(opened.map((db) => db.close().catch(() => {})));
    bundle?.remove();
    if (floorDir) rmSync(floorDir, { recursive: true, force: true });
    process.off('exit', stopOnExit);
    stopOnExit();
  }
}

/** The HTTP 1,000-id call ÷ the raw pg floor: issue 16's target. */
export const HTTP_TARGET = 1.5;

/** The table bench/run.ts prints (and this file prints when run by itself); the checks go to `checks`. */
export function renderPostgresDecisions(r: PostgresDecisionsResult, checks: Check[] = []): string {
  const c = r.cpu;
  const iqr = (x: Spread) => `IQR ${x.p25.toFixed(2)}-${x.p75.toFixed(2)}×, range ${x.min.toFixed(2)}-${x.max.toFixed(2)}×`;
  const rows: [string, string, string][] = [
    ['CPU per call over HTTP, appgov: server + Postgres (median ms)', `${ms(c.appgov.server.median)} + ${ms(c.appgov.postgres.median)}`, ''],
    ['CPU per call over HTTP, floor server: server + Postgres (median ms)', `${ms(c.floor.server.median)} + ${ms(c.floor.postgres.median)}`, ''],
    ['appgov ÷ floor, server + Postgres CPU', `${times(c.total.median)}`, `≤ ${HTTP_TARGET}: ${verdict(c.total.median <= HTTP_TARGET)} (${iqr(c.total)})`],
    ['appgov ÷ floor, server process CPU alone', `${times(c.server.median)}`, iqr(c.server)],
    ['appgov ÷ floor, Postgres CPU alone', `${times(c.postgres.median)}`, iqr(c.postgres)],
    ['appgov ÷ floor server, wall clock', `${times(c.wall.median)}`, `${iqr(c.wall)}; same answers: ${c.sameAnswers ? 'yes' : 'NO'}`],
    ['1,000-id decision over HTTP, compiled server (median ms)', r.httpMedianMs.toFixed(1), ''],
    ['1,000-id decision through postgresWriter (median ms)', r.storeMedianMs.toFixed(1), ''],
    ['raw pg floor in the bench process, same minimal work (median ms)', r.floorMedianMs.toFixed(1), ''],
    ['HTTP ÷ in-process floor (wall clock)', r.httpRatio.toFixed(2), ''],
    ['store ÷ floor (wall clock, store level, no HTTP)', r.ratio.toFixed(2), ''],
    ...Object.entries(r.statements).map(([k, v]): [string, string, string] => [`statements per call, ${k}`, String(v), 'constant']),
  ];
  const constant = new Set(Object.values(r.statements)).size === 1;
  checks.push(
    {
      section: '8',
      what: 'Postgres: 1,000-id approve/remove over HTTP ÷ a raw pg floor server, server + Postgres CPU per call',
      figure:
        `${times(c.total.median)} (${iqr(c.total)}; ${ms(c.appgov.server.median + c.appgov.postgres.median)} ÷ ${ms(c.floor.server.median + c.floor.postgres.median)} ms CPU; ` +
        `server alone ${times(c.server.median)}, Postgres alone ${times(c.postgres.median)}; wall ${times(c.wall.median)})`,
      target: `≤ ${HTTP_TARGET}`,
      verdict: verdict(c.total.median <= HTTP_TARGET),
      command: command('postgres'),
    },
    {
      section: '8',
      what: `Postgres: SQL statements per call at ${Object.keys(r.statements).join(' | ')}`,
      figure: Object.values(r.statements).join(' | '),
      target: 'equal at every N',
      verdict: verdict(constant),
      command: command('postgres'),
    },
  );
  const out = [
    `\nPostgres (issue 16): Postgres ${r.postgres}, fsync=${r.fsync}, synchronous_commit=${r.synchronousCommit}; ${r.apps} apps; ${r.rounds} rounds of 1,000 changing ids, ` +
      `the four in rotated order each round (the compiled server over HTTP, the floor server over HTTP, postgresWriter and the floor in this process); the server is the compiled bundle (node scripts/build.mjs) with APPGOV_DATABASE_URL, NODE_ENV=production; ` +
      `the floor server (bench/pg-floor-server.ts, same node flags, its own database) takes the same body and answers the same bytes with raw pg (bench/pg-floor.ts). ` +
      `CPU = Δ of /proc schedstat ns over the server's threads, and over the postmaster and all its children, from before the request to ${SETTLE_MS} ms after its answer; ÷ is the median of the per-round ratios`,
    ...rows.map(([f, v, t]) => `  ${f.padEnd(58)} ${v.padStart(8)}  ${t}`),
  ];
  if (r.smallRead) {
    out.push(
      `\nPostgres ÷ SQLite, the small read over HTTP (each server loaded the demo; the same answer checked first): ${SMALL_READ.replace(/^query SmallRead\(\$id: ID!\) /, '')}`,
      table(
        ['callers', 'reads each store', 'Postgres median', 'SQLite median', 'Postgres p99', 'SQLite p99', 'Postgres ÷ SQLite'],
        r.smallRead.rows.map((row) => [
          String(row.concurrency), count(row.samples), `${ms(row.postgresMedianMs)} ms`, `${ms(row.sqliteMedianMs)} ms`, `${ms(row.postgresP99Ms)} ms`, `${ms(row.sqliteP99Ms)} ms`, times(row.ratio),
        ]),
      ),
    );
    for (const row of r.smallRead.rows) {
      checks.push({
        section: '8',
        what: `Postgres ÷ SQLite: small read over HTTP, ${row.concurrency} caller${row.concurrency === 1 ? '' : 's'} (median)`,
        figure: `${times(row.ratio)} (${ms(row.postgresMedianMs)} / ${ms(row.sqliteMedianMs)} ms)`,
        target: 'none set (issue 16 asks for the figure)',
        verdict: 'info',
        command: command('postgres'),
      });
    }
  }
  if (r.throughput) {
    const pct = (v: number) => `${v.toFixed(0)}%`;
    out.push(
      `\nPostgres: 10-id approve/remove calls from ${r.throughput[0]!.tokens} tokens at once (each its own connection and 10 apps), 1, 2 and 4 instances on one database, ` +
        `${r.throughput[0]!.seconds} s each after a warm-up. "1 client": all tokens write one client's apps, and each call holds that client's row lock to its durable commit ` +
        `(one tenant's ceiling); "${r.throughput[0]!.tokens} clients": each token writes a client of its own. ` +
        `CPU over each window in % of one core: Postgres (postmaster and all its backends), each instance, this load generator, and every process on the machine ` +
        `(${r.cpus} cores: at most ${r.cpus * 100}%), shared by all of them; "other": the machine's less the three (other work on this machine); "CPU ms/call": the machine's CPU time per call.`,
      table(
        ['shape', 'instances', 'calls', 'calls/s', 'p50', 'p99', 'Postgres CPU', 'instances CPU', 'bench CPU', 'machine CPU', 'other', 'CPU ms/call'],
        r.throughput.map((t) => [
          t.shape, String(t.instances), count(t.calls), t.callsPerSecond.toFixed(0), `${ms(t.p50Ms)} ms`, `${ms(t.p99Ms)} ms`,
          t.cpu ? pct(t.cpu.postgres) : '-',
          t.cpu ? `${pct(t.cpu.instances.reduce((a, b) => a + b, 0))}${t.cpu.instances.length > 1 ? ` (${t.cpu.instances.map((v) => v.toFixed(0)).join('+')})` : ''}` : '-',
          t.cpu ? pct(t.cpu.bench) : '-',
          t.cpu ? pct(t.cpu.machine) : '-',
          t.cpu ? pct(t.cpu.machine - t.cpu.postgres - t.cpu.instances.reduce((a, b) => a + b, 0) - t.cpu.bench) : '-',
          t.cpu && t.calls > 0 ? ((t.cpu.machine * 10 * t.seconds) / t.calls).toFixed(1) : '-',
        ]),
      ),
    );
    for (const t of r.throughput) {
      checks.push({
        section: '8',
        what: `Postgres: 10-id calls, ${t.tokens} tokens on ${t.shape}, ${t.instances} instance${t.instances === 1 ? '' : 's'} (${r.cpus} cores)`,
        figure:
          `${t.callsPerSecond.toFixed(0)} calls/s, p50 ${ms(t.p50Ms)} ms, p99 ${ms(t.p99Ms)} ms` +
          (t.cpu ? `; CPU Postgres ${pct(t.cpu.postgres)}, instances ${pct(t.cpu.instances.reduce((a, b) => a + b, 0))}, bench ${pct(t.cpu.bench)}, machine ${pct(t.cpu.machine)}` : ''),
        target: 'none set (how it grows)',
        verdict: 'info',
        command: command('postgres'),
      });
    }
  }
  return out.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rounds = Number(arg('--rounds', '30'));
  console.log(renderPostgresDecisions(await benchPostgresDecisions({ rounds, readRounds: 10, readsPerCaller: 20, throughputSeconds: 5, throughputWarmupSeconds: 1 })));
}
