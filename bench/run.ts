/**
 * `npm run bench`: what appgov adds on top of SQLite, and whether it stays
 * flat as the catalog and history grow. One run, this machine; prints every
 * figure beside its target and the command that reproduces it, and writes the
 * same figures to bench/results.json. Progress goes to stderr, the tables to
 * stdout.
 *
 *   npm run bench                          every section
 *   npm run bench -- --quick               fewer samples and shorter runs (iterating)
 *   npm run bench -- --only=bulk,http      some sections: bulk, memory, reads, growth, http, fairness, postgres, expiry, live, webhooks, pipeline, storage
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { benchBulk, type BulkResult } from './bulk';
import { benchDecisionStatements, renderDecisionStatements, type DecisionRow } from './decisions';
import { benchDir, buildDataset, type DatasetShape } from './datasets';
import { benchExpiry, renderExpiry, type ExpiryResult } from './expiry';
import { benchFairness, type FairnessResult } from './fairness';
import { benchLive, renderLive, type LiveResult } from './live';
import { benchWebhooks, renderWebhooks, type WebhooksResult } from './webhooks';
import { benchStorage, renderStorage, type StorageResult } from './storage';
import { benchPipeline, renderPipeline, type PipelineResult } from './pipeline';
import { benchHttp, type HttpResult } from './http';
import { benchMemory } from './memory';
import { benchHttpMemory, type HttpMemoryRun } from './memory-http';
import { benchPostgresDecisions, renderPostgresDecisions, type PostgresDecisionsResult } from './postgres-decisions';
import type { MemoryReport } from './memory-child';
import { benchGrowth, benchReadPath, type GrowthRow, type ReadPathResult } from './reads';
import {
  renderBulk, renderChecks, renderFairness, renderGrowth, renderHttp, renderMemory, renderReadPath, renderStatements, TARGETS,
} from './render';
import { count, type Check } from './report';

const SECTIONS = ['bulk', 'memory', 'reads', 'growth', 'http', 'fairness', 'postgres', 'expiry', 'live', 'webhooks', 'pipeline', 'storage'] as const;
type Section = (typeof SECTIONS)[number];

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const onlyArg = args.find((a) => a.startsWith('--only='))?.slice('--only='.length);
const only = onlyArg ? onlyArg.split(',') : [...SECTIONS];
const unknown = only.filter((s) => !(SECTIONS as readonly string[]).includes(s));
if (unknown.length || args.some((a) => a !== '--quick' && !a.startsWith('--only='))) {
  console.error(`usage: npm run bench -- [--quick] [--only=${SECTIONS.join(',')}]`);
  process.exit(2);
}
const runs = (section: Section) => only.includes(section);

const SIZES = quick ? ([1_000, 10_000] as const) : ([100, 1_000, 10_000] as const);
const CATALOG_FOR_BULK = 20_000;
const HISTORY_FOR_BULK = 100_000;
const READ_SHAPE: DatasetShape = { clients: 4, apps: 10_000, events: quick ? 20_000 : 200_000, hotEvery: 0 };
// Every 10th event goes to one app, so the history page reads a long history (100 and 100,000 events).
const SMALL_SHAPE: DatasetShape = { clients: 4, apps: 1_000, events: 1_000, hotEvery: 10 };
const BIG_SHAPE: DatasetShape = { clients: 4, apps: 100_000, events: 1_000_000, hotEvery: 10 };
const RESULTS_FILE = fileURLToPath(new URL('./results.json', import.meta.url));

const describe = (s: DatasetShape) =>
  `${count(s.apps)} apps, ${count(s.events)} history events, ${s.clients} clients` +
  (s.hotEvery ? `; the paged app has ${count(Math.floor(s.events / s.hotEvery))} events` : '');

const started = performance.now();
const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
const progress = (message: string) => process.stderr.write(`[bench ${elapsed()}] ${message}\n`);

async function main(): Promise<void> {
  const dir = benchDir();
  // Ctrl-C still removes the databases (the forked server and memory processes get the same signal).
  process.once('SIGINT', () => {
    dir.remove();
    process.exit(130);
  });
  progress(`databases in ${dir.path}`);
  try {
    const loadBefore = loadavg()[0]!;
    let bulk: BulkResult | undefined;
    if (runs('bulk')) {
      progress('1-2. bulk approvals over HTTP vs both floors (each server its own process; server CPU per call from /proc, paired per call)');
      bulk = await benchBulk(dir.file, {
        sizes: SIZES,
        samples: (n) => (quick ? (n >= 10_000 ? 4 : 8) : n >= 10_000 ? 15 : 30),
        warmup: (n) => (n >= 10_000 ? 1 : quick ? 2 : 3),
        catalogApps: CATALOG_FOR_BULK,
        historyEvents: HISTORY_FOR_BULK,
      });
    }

    let decisions: DecisionRow[] | undefined;
    if (runs('bulk')) {
      progress('2b. seed-002 bulk decisions: statements');
      decisions = benchDecisionStatements(dir.file, SIZES);
    }

    let memory: MemoryReport | undefined;
    let httpMemory: HttpMemoryRun[] | undefined;
    if (runs('memory')) {
      progress('6. memory through 50 calls of N = 10,000 (fresh process)');
      const memorySet = buildDataset(dir.file('memory.db'), { clients: 4, apps: CATALOG_FOR_BULK, events: 0, hotEvery: 0 });
      memory = await benchMemory(memorySet, 10_000);
      const calls = quick ? 10 : 50;
      progress(`6. memory: the compiled server's peak RSS over HTTP through ${calls} calls of N = 10,000, on SQLite and on Postgres (throwaway server)`);
      httpMemory = await benchHttpMemory(buildDataset(dir.file('memory-http.db'), { clients: 4, apps: CATALOG_FOR_BULK, events: 0, hotEvery: 0 }), 10_000, calls);
    }

    const readSet = runs('reads') || runs('http') ? (progress(`building ${describe(READ_SHAPE)}`), buildDataset(dir.file('read.db'), READ_SHAPE)) : null;
    let readPath: ReadPathResult | undefined;
    if (runs('reads')) {
      progress('3. read path');
      readPath = await benchReadPath(readSet!, quick ? { samples: 30, warmup: 10 } : { samples: 100, warmup: 20 });
    }

    let growth: GrowthRow[] | undefined;
    if (runs('growth')) {
      progress(`4. growth: building ${describe(SMALL_SHAPE)} and ${describe(BIG_SHAPE)}`);
      const smallSet = buildDataset(dir.file('small.db'), SMALL_SHAPE);
      const bigSet = buildDataset(dir.file('big.db'), BIG_SHAPE);
      progress('4. growth: measuring');
      growth = await benchGrowth(smallSet, bigSet, quick ? { samples: 30, warmup: 10 } : { samples: 100, warmup: 20 });
    }

    let http: HttpResult | undefined;
    if (runs('http')) {
      progress('5. HTTP throughput (autocannon)');
      http = await benchHttp(readSet!, quick ? { seconds: 1, warmupSeconds: 0.5, connections: 10, rounds: 2 } : { seconds: 3, warmupSeconds: 1, connections: 10, rounds: 3 });
    }

    let fairness: FairnessResult | undefined;
    if (runs('fairness')) {
      progress('7. fairness: another tenant reads while one token hammers');
      fairness = await benchFairness(quick ? { idleSeconds: 2, loadSeconds: 4 } : { idleSeconds: 5, loadSeconds: 10 });
    }

    let postgres: PostgresDecisionsResult | undefined;
    if (runs('postgres')) {
      progress('8. Postgres (durable throwaway server): 1,000-id decision over HTTP and in the store vs a raw pg floor, statements per call, the small read vs SQLite, 10-id throughput on 1, 2 and 4 instances from 1 and 16 clients');
      postgres = await benchPostgresDecisions(
        quick
          ? { rounds: 10, readRounds: 4, readsPerCaller: 25, throughputSeconds: 3, throughputWarmupSeconds: 1 }
          : { rounds: 30, readRounds: 10, readsPerCaller: 50, throughputSeconds: 10, throughputWarmupSeconds: 2 },
      );
    }

    let expiry: ExpiryResult | undefined;
    if (runs('expiry')) {
      progress('9. time-limited approvals: a 1,000-id approve with an end vs without, and the sweep of 1,000 lapsed approvals');
      expiry = benchExpiry(dir.file('expiry.db'), quick);
    }

    let live: LiveResult | undefined;
    if (runs('live')) {
      progress('10. live events: commit-to-subscriber latency on one instance and across two, fan-out to 100 subscribers (SQLite file and Postgres)');
      live = await benchLive(dir.file, quick);
    }

    let webhooks: WebhooksResult | undefined;
    if (runs('webhooks')) {
      progress('11. webhooks: deliveries/s to a local receiver with 1 and 10 webhooks (SQLite file and Postgres), the cost of 10 delivering webhooks to a 1,000-id call');
      webhooks = await benchWebhooks(dir.file, quick);
    }

    let pipeline: PipelineResult | undefined;
    if (runs('pipeline')) {
      progress('12. request pipeline: server CPU per request (all threads, /proc schedstat), appgov vs bare graphql-yoga, yoga + graphql-jit, Mercurius (with and without jit) and a Fastify REST route, the small read and { __typename } with a token, paired rounds');
      pipeline = await benchPipeline(dir.file, quick);
    }

    let storage: StorageResult | undefined;
    if (runs('storage')) {
      progress('13. storage: bytes per million history events on SQLite and Postgres (throwaway server); the appHistory page with and without planner statistics');
      storage = await benchStorage(dir.file, quick);
    }

    const checks: Check[] = [];
    const sqliteVersion = new Database(':memory:').prepare('SELECT sqlite_version()').pluck().get() as string;
    const meta = {
      date: new Date().toISOString(),
      mode: quick ? 'quick' : 'full',
      sections: only,
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      loadAverage: { before: loadBefore, after: loadavg()[0]! },
      nodeEnv: process.env.NODE_ENV ?? null,
      sqlite: sqliteVersion,
      seconds: (performance.now() - started) / 1000,
    };
    const out = [
      `appgov bench (${meta.mode}${onlyArg ? `, --only=${onlyArg}` : ''}): ${meta.date}, Node ${meta.node}, ${meta.cpus} × ${meta.cpuModel}, SQLite ${meta.sqlite}, ` +
        `NODE_ENV=${meta.nodeEnv ?? '(unset)'}, load average ${meta.loadAverage.before.toFixed(1)} → ${meta.loadAverage.after.toFixed(1)}, databases: WAL files under ${dir.path}`,
    ];
    if (bulk) out.push(renderBulk(bulk, checks), renderStatements(bulk.rows, SIZES, checks));
    if (decisions) out.push(renderDecisionStatements(decisions, SIZES, checks));
    if (readPath) out.push(renderReadPath(readPath, describe(READ_SHAPE), checks));
    if (growth) out.push(renderGrowth(growth, describe(SMALL_SHAPE), describe(BIG_SHAPE), checks));
    if (http) out.push(renderHttp(http, checks));
    if (memory) out.push(renderMemory(memory, checks, httpMemory ?? []));
    if (fairness) out.push(renderFairness(fairness, checks));
    if (postgres) out.push(renderPostgresDecisions(postgres, checks));
    if (expiry) out.push(renderExpiry(expiry, checks));
    if (live) out.push(renderLive(live, checks));
    if (webhooks) out.push(renderWebhooks(webhooks, checks));
    if (pipeline) out.push(renderPipeline(pipeline, checks));
    if (storage) out.push(renderStorage(storage, checks));
    // Section order in the summary follows the issue's numbering.
    checks.sort((a, b) => a.section.localeCompare(b.section, 'en', { numeric: true }));
    out.push(renderChecks(checks), `\nWhole run: ${elapsed()}. Figures also in ${RESULTS_FILE}.`);
    console.log(out.join('\n'));

    const results = {
      meta,
      targets: TARGETS,
      datasets: { bulkCatalogApps: CATALOG_FOR_BULK, bulkHistoryEvents: HISTORY_FOR_BULK, read: READ_SHAPE, growthSmall: SMALL_SHAPE, growthBig: BIG_SHAPE },
      bulk,
      decisions,
      readPath,
      growth,
      http,
      memory,
      httpMemory,
      fairness,
      postgres,
      expiry,
      live,
      webhooks,
      pipeline,
      storage,
      checks,
    };
    writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    dir.remove();
  }
}

main().catch((error: unknown) => {
  console.error('bench failed:', error);
  process.exitCode = 1;
});
