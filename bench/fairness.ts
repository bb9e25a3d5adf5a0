/**
 * Finding 11: one token hammers, another tenant reads. 16 connections send
 * bulk calls of 1,000 changing ids for client 1 (approve, then remove, …)
 * for `seconds`; meanwhile a client-2 token sends one small read every
 * 20 ms. Reports that tenant's p50/p99 idle and under load, and how the
 * hammering calls were answered. The server runs with src/server.ts's real
 * configuration (per-token rate limits included). Bounded: a few seconds,
 * loopback only.
 * The server writes as src/server.ts does: bulk calls in the writer thread
 * unless APPGOV_WRITE_WORKER=0 (the environment reaches the server).
 * Run alone: npx tsx bench/fairness.ts [seconds]
 * FAIRNESS_CPU_PROF=<folder>: the server writes CPU profiles there (one per thread).
 */
import { fork } from 'node:child_process';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createToken } from '../src/auth/tokens';
import { openDatabase } from '../src/db/open';
import { appId, benchDir, buildDataset, clientId } from './datasets';
import { percentile } from './stats';
// @ts-expect-error: a plain ES module script without type declarations
import { startFlags } from '../scripts/build.mjs';

export interface Latencies {
  p50: number;
  p99: number;
  samples: number;
}

export interface FairnessResult {
  idle: Latencies;
  loaded: Latencies;
  /** loaded p99 ÷ idle p99: the figure held to the target. */
  ratio: number;
  /** How the hammering calls were answered: "200 ok", "429 RATE_LIMITED", … → count. */
  answers: Record<string, number>;
  idleSeconds: number;
  loadSeconds: number;
}

const latencies = (samples: number[]): Latencies => {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), samples: samples.length };
};

export async function benchFairness(options: { idleSeconds: number; loadSeconds: number }): Promise<FairnessResult> {
  const dir = benchDir();
  const dataset = buildDataset(dir.file('fair.db'), { clients: 2, apps: 1000, events: 0, hotEvery: 0 });
  const seeding = openDatabase(dataset.path);
  const reader = createToken(seeding.db, { kind: 'client', clientId: clientId(2), name: 'other tenant', scopes: ['apps:read'] });
  seeding.close();

  const child = fork(fileURLToPath(new URL('./fairness-server.ts', import.meta.url)), [dataset.path], {
    // tsx (the script is TypeScript) plus the node flags npm start gives the server.
    execArgv: ['--import', 'tsx', ...(startFlags() as string[]), ...(process.env.FAIRNESS_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.FAIRNESS_CPU_PROF}`] : [])],
  });
  try {
    const port = await new Promise<number>((resolve) => child.once('message', (m: { port: number }) => resolve(m.port)));
    const base = `http://127.0.0.1:${port}/graphql`;
    const post = (token: string, query: string) =>
      fetch(base, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });

    const smallRead = `{ client(id: "${clientId(2)}") { name apps(first: 10) { nodes { id isApproved } } } }`;
    const sampleReads = async (until: () => boolean): Promise<number[]> => {
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
    };

    // The first requests compile statements and warm the JIT: not part of "idle".
    for (let i = 0; i < 20; i++) await (await post(reader.token, smallRead)).text();
    const idleUntil = performance.now() + options.idleSeconds * 1000;
    const idle = await sampleReads(() => performance.now() > idleUntil);

    const ids = JSON.stringify(Array.from({ length: 1000 }, (_, i) => appId(i + 1)));
    const answers: Record<string, number> = {};
    let stop = false;
    const hammer = async (n: number) => {
      for (let i = n; !stop; i++) {
        const field = i % 2 ? 'approveApps' : 'removeAppApprovals';
        const response = await post(dataset.token, `mutation { ${field}(clientId: "${dataset.clientId}", appIds: ${ids}) { succeeded } }`);
        const text = await response.text();
        const key = `${response.status} ${/"code":"([A-Z_]+)"/.exec(text)?.[1] ?? 'ok'}`;
        answers[key] = (answers[key] ?? 0) + 1;
        if (response.status === 429) await new Promise((resolve) => setTimeout(resolve, 50));
      }
    };
    const hammers = Array.from({ length: 16 }, (_, n) => hammer(n));
    const loadUntil = performance.now() + options.loadSeconds * 1000;
    const loaded = await sampleReads(() => performance.now() > loadUntil);
    stop = true;
    await Promise.all(hammers);
    const idleL = latencies(idle);
    const loadedL = latencies(loaded);
    return { idle: idleL, loaded: loadedL, ratio: loadedL.p99 / idleL.p99, answers, ...options };
  } finally {
    child.send('stop');
    await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
    dir.remove();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const seconds = Number(process.argv[2] ?? 8);
  const r = await benchFairness({ idleSeconds: 3, loadSeconds: seconds });
  const show = (l: Latencies) => `p50 ${l.p50.toFixed(1)} ms, p99 ${l.p99.toFixed(1)} ms (${l.samples} reads)`;
  console.log(`other tenant idle:            ${show(r.idle)}`);
  console.log(`other tenant, 16 hammering:   ${show(r.loaded)}`);
  console.log(`p99 loaded ÷ idle:            ${r.ratio.toFixed(2)}×`);
  console.log(`hammering calls in ${seconds} s: ${JSON.stringify(r.answers)}`);
}
