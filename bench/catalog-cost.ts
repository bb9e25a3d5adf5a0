/**
 * Issue 17 item 2: does one read request that filters or counts the catalog
 * freeze everyone else? A real server on 127.0.0.1 (`<root>/src/server.ts`,
 * NODE_ENV=production) on a fresh catalog; one client token (the attacker)
 * sends, one after another, a request of 100 aliases of one `Client.apps`
 * shape; meanwhile another client's token (the victim) sends a small read
 * (`apps(first: 1)`) and a /livez probe, each every 20 ms from its own thread.
 * Printed per shape: the attacker's request time and answer, and the victim's
 * p50/p99 idle (no attack) and during the attack.
 *
 *   npx tsx bench/catalog-cost.ts                      # 20,000 catalog apps, this checkout
 *   npx tsx bench/catalog-cost.ts --apps 200000        # a bigger catalog
 *   npx tsx bench/catalog-cost.ts --root /work/main    # another checkout (before/after)
 *
 * Bounded: each shape runs for --seconds (default 4) or 40 attack requests, whichever ends first.
 * Not part of `npm test` or `npm run bench`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';

const arg = (name: string, fallback: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1]! : fallback);
const root = resolve(arg('--root', '.'));
const APPS = Number(arg('--apps', '20000'));
const SECONDS = Number(arg('--seconds', '4'));
const MAX_ATTACKS = 40;
const ATTACKER = 'c0000000-0000-4000-8000-00000000000a';
const VICTIM = 'c0000000-0000-4000-8000-00000000000b';

type Open = typeof import('../src/db/open');
type Tokens = typeof import('../src/auth/tokens');
type Clients = typeof import('../src/services/clients');

async function seed(dbPath: string): Promise<{ attacker: string; victim: string }> {
  const { openDatabase } = (await import(`${root}/src/db/open.ts`)) as Open;
  const { createToken } = (await import(`${root}/src/auth/tokens.ts`)) as Tokens;
  const { createClient } = (await import(`${root}/src/services/clients.ts`)) as Clients;
  const { db, sqlite, close } = openDatabase(dbPath);
  createClient(db, { id: ATTACKER, name: 'Attacker' });
  createClient(db, { id: VICTIM, name: 'Victim' });
  sqlite
    .prepare(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
      INSERT INTO apps (id, code_name, name, scopes, created_at, hidden_from_market)
      SELECT printf('a0000000-0000-4000-8000-%012x', i), printf('app-%07d', i), printf('App %07d', (i * 7919) % 1000003), '[]', i, 0 FROM n`)
    .run(APPS);
  // The attacker has decided on some apps: 500 approved, 200 rated HIGH in category "crm".
  sqlite
    .prepare(`INSERT INTO client_app_states (client_id, app_id, resolution, decided_at, category, risk_level, version, updated_at)
      SELECT ?, id, CASE WHEN rowid <= 500 THEN 'approved' ELSE 'unresolved' END, rowid, CASE WHEN rowid > 500 THEN 'crm' END,
             CASE WHEN rowid > 500 THEN 'HIGH' END, 1, rowid FROM apps WHERE rowid <= 700`)
    .run(ATTACKER);
  const attacker = createToken(db, { kind: 'client', clientId: ATTACKER, name: 'attacker', scopes: ['apps:read'] }).token;
  const victim = createToken(db, { kind: 'client', clientId: VICTIM, name: 'victim', scopes: ['apps:read'] }).token;
  close();
  return { attacker, victim };
}

async function startServer(dbPath: string): Promise<{ child: ChildProcess; base: string }> {
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

/** Requests `url` (GET, or POST `body`) every 20 ms until told to stop, then reports every latency in ms. */
const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
let running = true;
const times = [];
parentPort.on('message', () => { running = false; });
(async () => {
  parentPort.postMessage('started');
  while (running) {
    const started = performance.now();
    const r = await fetch(workerData.url, workerData.body ? { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' + workerData.token }, body: workerData.body } : {});
    await r.arrayBuffer();
    if (r.status !== 200) throw new Error('probe got ' + r.status);
    times.push(performance.now() - started);
    await new Promise((r) => setTimeout(r, 20));
  }
  parentPort.postMessage(times);
})();
`;

const pct = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! : NaN;
};

interface Probes {
  read: number[];
  livez: number[];
}

/** Runs both victim probes while `during` runs, returns their latencies. */
async function probed(base: string, victim: string, during: () => Promise<void>): Promise<Probes> {
  const smallRead = JSON.stringify({ query: `{ client(id: "${VICTIM}") { apps(first: 1) { nodes { id } } } }` });
  const probes = [
    new Worker(PROBE, { eval: true, workerData: { url: `${base}/graphql`, body: smallRead, token: victim } }),
    new Worker(PROBE, { eval: true, workerData: { url: `${base}/livez` } }),
  ];
  await Promise.all(probes.map((p) => once(p, 'message')));
  await during();
  const [read, livez] = (await Promise.all(probes.map((p) => (p.postMessage('stop'), once(p, 'message'))))).map(([times]) => times as number[]);
  await Promise.all(probes.map((p) => p.terminate()));
  return { read: read!, livez: livez! };
}

const SHAPES: [name: string, field: string][] = [
  ['search "zzzq" totalCount', 'apps(search: "zzzq", first: 1) { totalCount }'],
  ['search "zzzq" page', 'apps(search: "zzzq", first: 1) { nodes { id } }'],
  ['search "zq" (2 chars) page', 'apps(search: "zq", first: 1) { nodes { id } }'],
  ['search "app" (all match) totalCount', 'apps(search: "app", first: 1) { totalCount }'],
  ['category "zzzq" totalCount', 'apps(category: "zzzq", first: 1) { totalCount }'],
  ['riskLevel LOW totalCount', 'apps(riskLevel: LOW, first: 1) { totalCount }'],
  ['approved: true totalCount', 'apps(approved: true, first: 1) { totalCount }'],
  ['approved: false totalCount', 'apps(approved: false, first: 1) { totalCount }'],
  ['unfiltered totalCount', 'apps(first: 1) { totalCount }'],
  ['search "zzzq" by UPDATED_AT', 'apps(search: "zzzq", first: 1, orderBy: { field: UPDATED_AT }) { nodes { id } }'],
];

async function main() {
  const folder = mkdtempSync(join(tmpdir(), 'appgov-catalog-cost-'));
  const dbPath = join(folder, 'bench.db');
  process.stderr.write(`[catalog-cost] seeding ${APPS} apps\n`);
  const { attacker, victim } = await seed(dbPath);
  const { child, base } = await startServer(dbPath);
  const rows: Record<string, string | number>[] = [];
  const ms = (v: number) => Math.round(v * 10) / 10;
  try {
    const idle = await probed(base, victim, () => new Promise((r) => setTimeout(r, SECONDS * 1000)));
    rows.push({ shape: '(idle: no attack)', attacks: 0, 'attack ms p50': '', 'attack ms max': '', answer: '', 'victim read p50': ms(pct(idle.read, 50)), 'victim read p99': ms(pct(idle.read, 99)), 'livez p99': ms(pct(idle.livez, 99)) });
    for (const [name, field] of SHAPES) {
      process.stderr.write(`[catalog-cost] ${name}\n`);
      const query = `{ client(id: "${ATTACKER}") { ${Array.from({ length: 100 }, (_, i) => `a${i}: ${field}`).join(' ')} } }`;
      const times: number[] = [];
      const answers = new Map<string, number>();
      const seen = await probed(base, victim, async () => {
        const deadline = performance.now() + SECONDS * 1000;
        while (performance.now() < deadline && times.length < MAX_ATTACKS) {
          const started = performance.now();
          const response = await fetch(`${base}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${attacker}` },
            body: JSON.stringify({ query }),
          });
          const body = (await response.json()) as { errors?: { extensions?: { code?: string } }[]; data?: unknown };
          times.push(performance.now() - started);
          const codes = [...new Set((body.errors ?? []).map((e) => e.extensions?.code ?? '?'))];
          const answer = `${response.status} ${codes.length ? `${body.errors!.length} errors ${codes.join('/')}` : 'ok'}`;
          answers.set(answer, (answers.get(answer) ?? 0) + 1);
          if (response.status === 429) await new Promise((r) => setTimeout(r, 1000));
        }
      });
      rows.push({
        shape: name,
        attacks: times.length,
        'attack ms p50': ms(pct(times, 50)),
        'attack ms max': ms(Math.max(...times)),
        answer: [...answers].map(([a, n]) => `${n}× ${a}`).join(', '),
        'victim read p50': ms(pct(seen.read, 50)),
        'victim read p99': ms(pct(seen.read, 99)),
        'livez p99': ms(pct(seen.livez, 99)),
      });
    }
  } finally {
    child.kill('SIGTERM');
    rmSync(folder, { recursive: true, force: true });
  }
  console.log(`appgov catalog-cost bench against ${root}: ${APPS} catalog apps; each attack request is 100 aliases of the shape; victim probes every 20 ms`);
  console.table(rows);
}

await main();
