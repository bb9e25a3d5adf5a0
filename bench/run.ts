/**
 * `npm run bench`: what appgov adds on top of SQLite, and whether it stays
 * flat as the catalog and history grow. One run, this machine; prints every
 * figure beside its target and writes the same figures to bench/results.json.
 * Progress goes to stderr, the tables to stdout.
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { benchBulk } from './bulk';
import { benchDecisionStatements, renderDecisionStatements } from './decisions';
import { benchDir, buildDataset, type DatasetShape } from './datasets';
import { benchHttp } from './http';
import { benchMemory } from './memory';
import { benchGrowth, benchReadPath } from './reads';
import { renderBulk, renderChecks, renderGrowth, renderHttp, renderMemory, renderReadPath, renderStatements, TARGETS } from './render';
import { count, type Check } from './report';

const SIZES = [100, 1_000, 10_000] as const;
const CATALOG_FOR_BULK = 20_000;
const READ_SHAPE: DatasetShape = { clients: 4, apps: 10_000, events: 200_000, hotEvery: 0 };
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
    progress('1-2. bulk approvals vs the floor');
    const bulk = await benchBulk(dir.file, {
      sizes: SIZES,
      samples: (n) => (n >= 10_000 ? 20 : 40),
      warmup: (n) => (n >= 10_000 ? 1 : 3),
      catalogApps: CATALOG_FOR_BULK,
    });

    progress('2b. seed-002 bulk decisions: statements');
    const decisions = benchDecisionStatements(dir.file, SIZES);

    progress('6. memory at N = 10,000 (fresh process)');
    const memorySet = buildDataset(dir.file('memory.db'), { clients: 4, apps: CATALOG_FOR_BULK, events: 0, hotEvery: 0 });
    const memory = await benchMemory(memorySet, 10_000);

    progress(`3. read path: building ${describe(READ_SHAPE)}`);
    const readSet = buildDataset(dir.file('read.db'), READ_SHAPE);
    const readPath = await benchReadPath(readSet, { samples: 100, warmup: 20 });

    progress(`4. growth: building ${describe(SMALL_SHAPE)} and ${describe(BIG_SHAPE)}`);
    const smallSet = buildDataset(dir.file('small.db'), SMALL_SHAPE);
    const bigSet = buildDataset(dir.file('big.db'), BIG_SHAPE);
    progress('4. growth: measuring');
    const growth = await benchGrowth(smallSet, bigSet, { samples: 100, warmup: 20 });

    progress('5. HTTP throughput (autocannon)');
    const http = await benchHttp(readSet, { seconds: 5, warmupSeconds: 1, connections: 10 });

    const checks: Check[] = [];
    const sqliteVersion = new Database(':memory:').prepare('SELECT sqlite_version()').pluck().get() as string;
    const meta = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      nodeEnv: process.env.NODE_ENV ?? null,
      sqlite: sqliteVersion,
      seconds: (performance.now() - started) / 1000,
    };
    const out = [
      `appgov bench: ${meta.date}, Node ${meta.node}, ${meta.cpus} × ${meta.cpuModel}, SQLite ${meta.sqlite}, ` +
        `NODE_ENV=${meta.nodeEnv ?? '(unset)'}, databases: WAL files under ${dir.path}`,
      renderBulk(bulk, checks),
      renderStatements(bulk, SIZES, checks),
      renderDecisionStatements(decisions, SIZES, checks),
      renderReadPath(readPath, describe(READ_SHAPE), checks),
      renderGrowth(growth, describe(SMALL_SHAPE), describe(BIG_SHAPE), checks),
      renderHttp(http, checks),
      renderMemory(memory, checks),
    ];
    // Section order in the summary follows the numbering.
    checks.sort((a, b) => a.section.localeCompare(b.section));
    out.push(renderChecks(checks), `\nWhole run: ${elapsed()}. Figures also in ${RESULTS_FILE}.`);
    console.log(out.join('\n'));

    const results = {
      meta,
      targets: TARGETS,
      datasets: { bulkCatalogApps: CATALOG_FOR_BULK, read: READ_SHAPE, growthSmall: SMALL_SHAPE, growthBig: BIG_SHAPE },
      bulk,
      decisions,
      readPath,
      growth,
      http,
      memory,
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
