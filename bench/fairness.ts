/**
 * Finding 11: one token hammers, another tenant reads. 16 connections send
 * bulk calls of 1,000 changing ids for client 1 (approve, then remove, …)
 * for `seconds`; meanwhile a client-2 token sends one small read every
 * 20 ms. Prints that tenant's p50/p99 idle and under load, and how the
 * hammering calls were answered. Bounded: a few seconds, loopback only.
 * Run: npx tsx bench/fairness.ts [seconds]
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createToken } from '../src/auth/tokens';
import { openDatabase } from '../src/db/open';
import { appId, benchDir, buildDataset, clientId } from './datasets';
import { percentile } from './stats';

const seconds = Number(process.argv[2] ?? 8);
const dir = benchDir();
const dataset = buildDataset(dir.file('fair.db'), { clients: 2, apps: 1000, events: 0, hotEvery: 0 });
const seeding = openDatabase(dataset.path);
const reader = createToken(seeding.db, { kind: 'client', clientId: clientId(2), name: 'other tenant', scopes: ['apps:read'] });
seeding.close();

const child = fork(fileURLToPath(new URL('./fairness-server.ts', import.meta.url)), [dataset.path], {
  execArgv: ['--import', 'tsx'],
});
const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
const base = `http://127.0.0.1:${port}/graphql`;
const post = (token: string, query: string) =>
  fetch(base, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });

const smallRead = `{ client(id: "${clientId(2)}") { name apps(first: 10) { nodes { id isApproved } } } }`;
async function sampleReads(until: () => boolean): Promise<number[]> {
  const samples: number[] = [];
  while (!until()) {
    const started = performance.now();
    const response = await post(reader.token, smallRead);
    await response.text();
    if (response.status !== 200) throw new Error(`small read answered ${response.status}`);
    samples.push(performance.now() - started);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return samples;
}
const describe = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return `p50 ${percentile(sorted, 50).toFixed(1)} ms, p99 ${percentile(sorted, 99).toFixed(1)} ms (${samples.length} reads)`;
};

const idleUntil = performance.now() + 3000;
const idle = await sampleReads(() => performance.now() > idleUntil);

const ids = JSON.stringify(Array.from({ length: 1000 }, (_, i) => appId(i + 1)));
const answers = new Map<string, number>();
let stop = false;
const hammer = async (n: number) => {
  for (let i = n; !stop; i++) {
    const field = i % 2 ? 'approveApps' : 'removeAppApprovals';
    const response = await post(dataset.token, `mutation { ${field}(clientId: "${dataset.clientId}", appIds: ${ids}) { succeeded } }`);
    const text = await response.text();
    const code = /"code":"([A-Z_]+)"/.exec(text)?.[1] ?? 'ok';
    answers.set(`${response.status} ${code}`, (answers.get(`${response.status} ${code}`) ?? 0) + 1);
    if (response.status === 429) await new Promise((resolve) => setTimeout(resolve, 50));
  }
};
const hammers = Array.from({ length: 16 }, (_, n) => hammer(n));
const loadUntil = performance.now() + seconds * 1000;
const loaded = await sampleReads(() => performance.now() > loadUntil);
stop = true;
await Promise.all(hammers);

console.log(`other tenant idle:            ${describe(idle)}`);
console.log(`other tenant, 16 hammering:   ${describe(loaded)}`);
console.log(`hammering calls in ${seconds} s: ${JSON.stringify(Object.fromEntries(answers))}`);
child.send('stop');
await new Promise((resolve) => child.once('exit', resolve));
dir.remove();
