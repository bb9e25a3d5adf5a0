/**
 * The same A/B as bench/observability.ts, over real HTTP on 127.0.0.1: one
 * server process holds both servers (A without, B with the request log and
 * metrics, on two ports, one database); this process sends autocannon
 * batches to A and B in turn and reads the server process's CPU time around
 * each batch.
 *
 *   npx tsx bench/observability-http.ts [rounds=20] [batch=1000] [log level=info]
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { pino } from 'pino';
import { openDatabase } from '../src/db/open';
import { createApp } from '../src/services/apps';
import { seedDemoIfEmpty } from '../src/services/demo';
import { createLogger, type LogLevel } from '../src/observability/logger';
import { createMetrics } from '../src/observability/metrics';
import { createAppgovYoga } from '../src/yoga';
import { SMALL_READ } from './http';
import { median } from './stats';

type FromServer = { type: 'ready'; ports: [number, number]; clientId: string; token: string } | { type: 'cpu'; micros: number };

if (process.argv[2] === 'serve') {
  const { db } = openDatabase(':memory:');
  const { clientId, token } = seedDemoIfEmpty(db)!;
  for (const name of ['Board Games', 'Calendar Sync', 'Doc Signer', 'Expense Scanner']) createApp(db, { name });
  const config = { maxBulkIds: 1000 };
  const plain = createServer(createAppgovYoga({ db, config }));
  const observed = createServer(
    createAppgovYoga({
      db,
      config,
      logger: createLogger({ level: process.argv[3] as LogLevel, destination: pino.destination({ dest: '/dev/null', sync: true }) }),
      metrics: createMetrics(),
      metricsToken: 'bench-metrics-secret-0123456789',
    }),
  );
  await Promise.all([plain, observed].map((s) => new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve))));
  const port = (s: typeof plain) => (s.address() as { port: number }).port;
  const send = (m: FromServer) => process.send!(m);
  send({ type: 'ready', ports: [port(plain), port(observed)], clientId, token });
  process.on('message', (m: string) => {
    if (m === 'cpu') {
      const used = process.cpuUsage();
      send({ type: 'cpu', micros: used.user + used.system });
    } else process.exit(0);
  });
} else {
  const rounds = Number(process.argv[2] ?? 20);
  const batch = Number(process.argv[3] ?? 1000);
  const level = process.argv[4] ?? 'info';
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['serve', level], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = <T extends FromServer['type']>(type: T) =>
    new Promise<Extract<FromServer, { type: T }>>((resolve) => {
      const on = (m: FromServer) => {
        if (m.type !== type) return;
        child.off('message', on);
        resolve(m as Extract<FromServer, { type: T }>);
      };
      child.on('message', on);
    });
  const ready = await next('ready');
  const cpu = async () => {
    child.send('cpu');
    return (await next('cpu')).micros;
  };
  const body = JSON.stringify({ query: SMALL_READ, variables: { clientId: ready.clientId } });
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${ready.token}` };
  const run = async (port: number, amount: number) => {
    const before = await cpu();
    const result = await autocannon({ url: `http://127.0.0.1:${port}/graphql`, method: 'POST', headers, body, connections: 4, amount });
    if (result.non2xx + result.errors > 0) throw new Error(`failures on port ${port}`);
    return (await cpu()) - before;
  };
  for (const port of ready.ports) await run(port, batch);
  const a: number[] = [];
  const b: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? [0, 1] : [1, 0];
    for (const which of order) (which === 0 ? a : b).push((await run(ready.ports[which]!, batch)) / batch);
  }
  child.send('stop');
  console.log(
    JSON.stringify(
      {
        requests: rounds * batch * 2,
        logLevel: level,
        withoutServerCpu: `${median(a).toFixed(1)} µs`,
        withServerCpu: `${median(b).toFixed(1)} µs`,
        overheadCpu: `${((median(b.map((v, i) => v / a[i]!)) - 1) * 100).toFixed(1)}%`,
      },
      null,
      2,
    ),
  );
}
