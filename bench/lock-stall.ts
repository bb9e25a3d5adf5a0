/**
 * Finding 6: another connection holds the write lock (as the CLI, a second
 * server or sqlite3 would) for `holdMs`. Meanwhile one mutation is sent and
 * /livez is polled every 50 ms. Prints the mutation's answer and time, the
 * slowest /livez and the event loop's longest stall.
 * Run: npx tsx bench/lock-stall.ts [holdMs]
 */
import { createServer } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/open';
import { createAppgovYoga } from '../src/yoga';
import { appId, benchDir, buildDataset } from './datasets';

const holdMs = Number(process.argv[2] ?? 6000);
const dir = benchDir();
const dataset = buildDataset(dir.file('lock.db'), { clients: 1, apps: 10, events: 0, hotEvery: 0 });
const config = { ...loadConfig(), dbPath: dataset.path };
const database = openDatabase(dataset.path, config);
const server = createServer(createAppgovYoga({ db: database.db, config }));
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const address = server.address();
const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

// Warm up (first-request compilation) so the figures below measure the lock alone.
await (await fetch(`${base}/graphql`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${dataset.token}` },
  body: JSON.stringify({ query: `mutation { removeAppApprovals(clientId: "${dataset.clientId}", appIds: ["${appId(1)}"]) { succeeded } }` }),
})).text();
const holder = new Database(dataset.path);
holder.exec('BEGIN IMMEDIATE');
const delay = monitorEventLoopDelay({ resolution: 10 });
delay.enable();
const started = performance.now();
const mutation = fetch(`${base}/graphql`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', authorization: `Bearer ${dataset.token}` },
  body: JSON.stringify({ query: `mutation { approveApps(clientId: "${dataset.clientId}", appIds: ["${appId(1)}"]) { succeeded } }` }),
}).then(async (response) => ({ ms: performance.now() - started, status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.text() }));
const livez: number[] = [];
const poll = (async () => {
  while (performance.now() - started < holdMs + 500) {
    const t = performance.now();
    await fetch(`${base}/livez`);
    livez.push(performance.now() - t);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
})();
setTimeout(() => holder.exec('COMMIT'), holdMs);
const answer = await mutation;
await poll;
delay.disable();
console.log(`write lock held ${holdMs} ms by another connection`);
console.log(`mutation: HTTP ${answer.status} after ${answer.ms.toFixed(0)} ms, Retry-After ${answer.retryAfter}, ${answer.body.slice(0, 160)}`);
console.log(`/livez: ${livez.length} polls, slowest ${Math.max(...livez).toFixed(1)} ms`);
console.log(`event loop: longest stall ${(delay.max / 1e6).toFixed(1)} ms`);
holder.close();
server.close();
server.closeAllConnections();
database.close();
dir.remove();
