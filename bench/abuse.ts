/**
 * Findings 1–3 of issue 10, measured against a real server on 127.0.0.1:
 * the server's RSS growth and peak, the event-loop stall seen by a /livez
 * probe every 25 ms, and the wall time of each abuse. Bounded: a fixed
 * number of requests per scenario, each scenario cut off after 60 s.
 *
 *   npx tsx bench/abuse.ts                  # this checkout
 *   npx tsx bench/abuse.ts --root /work/main  # another checkout, for a before/after
 *
 * The server is `<root>/src/server.ts` with NODE_ENV=production on a fresh
 * database in a temporary folder (seeded here: one client, 1,000 apps, one
 * internal token). Not part of `npm test` or `npm run bench`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createToken } from '../src/auth/tokens';
import { openDatabase } from '../src/db/open';
import { apps } from '../src/db/schema';
import { createClient } from '../src/services/clients';

const root = resolve(process.argv.includes('--root') ? process.argv[process.argv.indexOf('--root') + 1]! : '.');
const SCENARIO_TIMEOUT_MS = 60_000;
const CLIENT_ID = 'c0000000-0000-4000-8000-000000000001';
const appId = (i: number) => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;

function seed(dbPath: string): string {
  const { db, close } = openDatabase(dbPath);
  createClient(db, { id: CLIENT_ID, name: 'Bench client' });
  const rows = Array.from({ length: 1000 }, (_, i) => ({ id: appId(i + 1), codeName: `bench-${i + 1}`, name: `Bench ${i + 1}`, scopes: [], createdAt: new Date() }));
  db.insert(apps).values(rows).run();
  const { token } = createToken(db, { kind: 'internal', clientId: null, name: 'bench' });
  close();
  return token;
}

async function startServer(dbPath: string): Promise<{ child: ChildProcess; base: string }> {
  // tsx as a loader, not its CLI: the CLI runs the server in a second process, whose RSS this would miss.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'production', HOST: '127.0.0.1', PORT: '0', APPGOV_DB: dbPath },
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const base = await new Promise<string>((done, fail) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += String(chunk);
      const match = /serving (http:\/\/127\.0\.0\.1:\d+)\/graphql/.exec(out);
      if (match) done(match[1]!);
    });
    child.on('exit', (code) => fail(new Error(`server exited with ${code}`)));
  });
  return { child, base };
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
}

interface Figures {
  scenario: string;
  requests: number;
  statuses: string;
  seconds: number;
  rssBeforeMb: number;
  rssPeakMb: number;
  rssAfterMb: number;
  maxLivezMs: number;
}

async function measure(base: string, pid: number, scenario: string, requests: (() => Promise<Response>)[], concurrency: number): Promise<Figures> {
  const rssBefore = rssMb(pid);
  let peak = rssBefore;
  const sampler = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 25);
  // The probe runs in its own thread: this thread's own work (building bodies) must not count as the server's stall.
  const probe = new Worker(PROBE, { eval: true, workerData: `${base}/livez` });
  await once(probe, 'message');
  const statuses = new Map<number, number>();
  const started = performance.now();
  const deadline = started + SCENARIO_TIMEOUT_MS;
  let next = 0;
  const worker = async () => {
    while (next < requests.length && performance.now() < deadline) {
      const response = await requests[next++]!();
      await response.arrayBuffer();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  await new Promise((r) => setTimeout(r, 200));
  clearInterval(sampler);
  probe.postMessage('stop');
  const [maxLivez] = (await once(probe, 'message')) as [number];
  return {
    scenario,
    requests: next,
    statuses: [...statuses].map(([s, n]) => `${n}×${s}`).join(' '),
    seconds: Number(seconds.toFixed(2)),
    rssBeforeMb: Math.round(rssBefore),
    rssPeakMb: Math.round(peak),
    rssAfterMb: Math.round(rssMb(pid)),
    maxLivezMs: Math.round(maxLivez),
  };
}

/** Fetches /livez every 25 ms until told to stop, then reports the slowest answer in ms. */
const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
let running = true, max = 0;
parentPort.on('message', () => { running = false; });
(async () => {
  parentPort.postMessage('started');
  while (running) {
    const started = performance.now();
    await fetch(workerData).then((r) => r.arrayBuffer());
    max = Math.max(max, performance.now() - started);
    await new Promise((r) => setTimeout(r, 25));
  }
  parentPort.postMessage(max);
})();
`;

const post = (base: string, query: string, token?: string) => () =>
  fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });

const DEEP_SCHEMA = '__schema { types { name kind fields { name args { name type { name kind ofType { name } } } type { name kind ofType { name } } } } }';

async function main() {
  const folder = mkdtempSync(join(tmpdir(), 'appgov-abuse-'));
  const dbPath = join(folder, 'bench.db');
  const token = seed(dbPath);
  const { child, base } = await startServer(dbPath);
  const pid = child.pid!;
  const results: Figures[] = [];
  try {
    // Finding 1: unique documents padded with comments; 2 MB each (over the new body limit), then 100 KB each (under it).
    const unique = (i: number, bytes: number) => `{ __typename } # ${i} ${'x'.repeat(bytes)}`;
    results.push(await measure(base, pid, '1a: 100 unique 2 MB documents (no token)', Array.from({ length: 100 }, (_, i) => post(base, unique(i, 2_000_000))), 4));
    results.push(await measure(base, pid, '1b: 1,500 unique 100 KB documents (no token)', Array.from({ length: 1500 }, (_, i) => post(base, unique(i, 100_000))), 4));
    // Finding 2: one request of 500 aliased deep __schema selections.
    const bomb = `{ ${Array.from({ length: 500 }, (_, i) => `s${i}: ${DEEP_SCHEMA}`).join(' ')} }`;
    results.push(await measure(base, pid, '2: 500 aliases of a deep __schema (no token)', [post(base, bomb)], 1));
    // Finding 3: one request of 30 aliased approveApps of 1,000 ids each (30,000 changes if executed).
    const ids = Array.from({ length: 1000 }, (_, i) => `"${appId(i + 1)}"`).join(',');
    const bulk = (alias: string, field: string) => `${alias}: ${field}(clientId: "${CLIENT_ID}", appIds: [${ids}]) { changed }`;
    const thirty = `mutation { ${Array.from({ length: 30 }, (_, i) => bulk(`m${i}`, i % 2 ? 'removeAppApprovals' : 'approveApps')).join(' ')} }`;
    results.push(await measure(base, pid, '3a: 30 aliased bulk calls × 1,000 ids (token)', [post(base, thirty, token)], 1));
    const small = Array.from({ length: 30 }, (_, i) => i * 30);
    const thirtyOfThirty = `mutation { ${small
      .map((from, i) => `m${i}: approveApps(clientId: "${CLIENT_ID}", appIds: [${ids.split(',').slice(from, from + 30).join(',')}]) { changed }`)
      .join(' ')} }`;
    results.push(await measure(base, pid, '3b: 30 aliased bulk calls × 30 ids (token)', [post(base, thirtyOfThirty, token)], 1));
  } finally {
    child.kill('SIGTERM');
    rmSync(folder, { recursive: true, force: true });
  }
  console.log(`appgov abuse bench against ${root}`);
  console.table(results);
}

await main();
