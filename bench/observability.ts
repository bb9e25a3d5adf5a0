/**
 * What the request log and metrics cost on the bench's small authenticated
 * read: one process, two servers on the same database, without (A) and with
 * (B) them, run in alternating batches (A B B A …) so drift on a shared
 * machine hits both alike. Logs go to /dev/null through a real file
 * descriptor, as they would to stderr.
 *
 *   npx tsx bench/observability.ts [rounds=30] [batch=200] [log level=info] [metrics=on|off]
 *
 * `off` measures what a deployment without APPGOV_METRICS_TOKEN (the default) pays: the log alone.
 * With a log level above info (warn), B keeps request ids, metrics and
 * unexpected-error logs but writes no per-request line.
 */
import { performance } from 'node:perf_hooks';
import { pino } from 'pino';
import { openDatabase } from '../src/db/open';
import { createApp } from '../src/services/apps';
import { seedDemoIfEmpty } from '../src/services/demo';
import { createLogger, type LogLevel } from '../src/observability/logger';
import { createMetrics } from '../src/observability/metrics';
import { createAppgovYoga, type AppgovYoga } from '../src/yoga';
import { SMALL_READ } from './http';
import { median } from './stats';

const rounds = Number(process.argv[2] ?? 30);
const batch = Number(process.argv[3] ?? 200);
const level = (process.argv[4] ?? 'info') as LogLevel;
const withMetrics = (process.argv[5] ?? 'on') !== 'off';

// The demo data plus four apps: the read returns a full page of ten.
const { db } = openDatabase(':memory:');
const { clientId, token } = seedDemoIfEmpty(db)!;
for (const name of ['Board Games', 'Calendar Sync', 'Doc Signer', 'Expense Scanner']) createApp(db, { name });
const config = { maxBulkIds: 1000 };
const plain = createAppgovYoga({ db, config });
const observed = createAppgovYoga({
  db,
  config,
  logger: createLogger({ level, destination: pino.destination({ dest: '/dev/null', sync: true }) }),
  ...(withMetrics ? { metrics: createMetrics(), metricsToken: 'bench-metrics-secret-0123456789' } : {}),
});
const body = JSON.stringify({ query: SMALL_READ, variables: { clientId } });
const init = { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body };

async function runBatch(yoga: AppgovYoga): Promise<{ wall: number; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < batch; i++) {
    const res = await yoga.fetch('http://127.0.0.1/graphql', init);
    const text = await res.text();
    if (res.status !== 200 || text.includes('"errors"')) throw new Error(`small read failed: ${res.status} ${text}`);
  }
  const wall = (performance.now() - t0) / batch;
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: (cpu.user + cpu.system) / 1000 / batch };
}

// Warm both up (JIT, statement cache) before measuring.
for (let i = 0; i < 3; i++) {
  await runBatch(plain);
  await runBatch(observed);
}
const a: { wall: number; cpu: number }[] = [];
const b: { wall: number; cpu: number }[] = [];
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? ([plain, observed] as const) : ([observed, plain] as const);
  for (const yoga of order) (yoga === plain ? a : b).push(await runBatch(yoga));
}

const ratio = (pick: (m: { wall: number; cpu: number }) => number) => median(a.map((m, i) => pick(b[i]!) / pick(m)));
const fmt = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;
const report = {
  requests: rounds * batch * 2,
  logLevel: level,
  withoutMedianWall: fmt(median(a.map((m) => m.wall))),
  withMedianWall: fmt(median(b.map((m) => m.wall))),
  withoutMedianCpu: fmt(median(a.map((m) => m.cpu))),
  withMedianCpu: fmt(median(b.map((m) => m.cpu))),
  overheadWall: `${((ratio((m) => m.wall) - 1) * 100).toFixed(1)}%`,
  overheadCpu: `${((ratio((m) => m.cpu) - 1) * 100).toFixed(1)}%`,
};
console.log(JSON.stringify(report, null, 2));
