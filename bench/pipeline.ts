/**
 * Section 12, the request pipeline (issue 21): what one request costs the server in CPU, appgov
 * beside a bare graphql-yoga server doing the same work, on two queries:
 *
 * - the small read, `client(id) { apps(first: 10) { nodes { id name isApproved } } }` of the demo
 *   client, and
 * - `{ __typename }`, sent with a token: the cost of the pipeline itself (authentication, the rate
 *   limiter, document limits, the request log, context and loaders) with next to nothing executed.
 *
 * appgov is the compiled server as `npm start` runs it (bench/postgres-http.ts: buildBenchServer,
 * startBenchServer; rate limits raised out of reach, still metered) on a fresh SQLite file with the
 * demo data, called with the demo token. The reference is bench/bare-yoga-server.ts, bundled the same
 * way and started with the same node flags: Yoga's defaults, a four-type schema, one prepared
 * statement on the same file, and a string compare of the Authorization header against the same
 * token (sent byte for byte the same). Both answers are compared: the same bytes, or it is printed.
 *
 * Measured: per round, four batches of requests, appgov bare bare appgov (the reverse next round),
 * over keep-alive connections (IN_FLIGHT callers, each sending its share one after another); the
 * server's CPU is the sum over all its threads of /proc/<pid>/task/<tid>/schedstat's first field
 * (ns on CPU), read before and after the batch (bench/cpu.ts). CPU µs per request = Δns / 1000 / N.
 * Reported: the median over rounds for each, the median of the per-round ratios with their quartiles and range,
 * and the wall time per request beside them (the batch's wall time ÷ N: with IN_FLIGHT in flight on
 * this machine's cores, shared with this process, so it moves with the machine's load; CPU less so).
 */
import { rmSync } from 'node:fs';
import type { Agent } from 'node:http';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error: a plain ES module script without type declarations
import { buildServer } from '../scripts/build.mjs';
import { DEMO_CLIENT_ID } from '../src/services/demo';
import { cpuNsBetween, machineBusyNs, processCpuNs, threadCpuNs } from './cpu';
import { buildBenchServer, caller, postGraphql, SMALL_READ, startBenchServer, type BenchServer } from './postgres-http';
import { command, count, section, table, times, verdict, type Check } from './report';
import { median, percentile } from './stats';

export const PIPELINE_TARGETS = { smallRead: 1.0, typename: 1.3 } as const;

/** Callers at once, each on its own keep-alive connection: appgov's default in-flight cap per token. */
const IN_FLIGHT = 4;

export type PipelineQuery = 'smallRead' | 'typename';

export interface PipelineRow {
  query: PipelineQuery;
  label: string;
  target: number;
  rounds: number;
  /** Requests per server per round (in two batches: A B B A). */
  requests: number;
  /** Requests each server answered on this query before the rounds, not counted. */
  warmup: number;
  inFlight: number;
  /** The answer's size, and whether both servers answered the same bytes. */
  answerBytes: number;
  identical: boolean;
  appgovBody: string;
  bareBody: string;
  /** Per round: server CPU µs per request, and wall µs per request (batch wall time ÷ requests). */
  appgovCpuUs: number[];
  bareCpuUs: number[];
  appgovWallUs: number[];
  bareWallUs: number[];
  /** Medians over rounds. */
  appgovCpuMedian: number;
  bareCpuMedian: number;
  /** Median of the per-round ratios appgov ÷ bare, their quartiles and their range. */
  ratio: number;
  ratioP25: number;
  ratioP75: number;
  ratioMin: number;
  ratioMax: number;
  appgovWallMedian: number;
  bareWallMedian: number;
  wallRatio: number;
  /** The rest of the machine over the rounds (every CPU's busy time but the two servers' and this process's), in cores. */
  otherCores: number;
}

export interface PipelineResult {
  rows: PipelineRow[];
  /** Each server's CPU while idle, µs per second (timers, pollers, V8's background work), measured after the rounds. */
  idleUsPerSecond: { appgov: number; bare: number };
  /** Threads each server had when measured. */
  threads: { appgov: number; bare: number };
  /** Threads that ended within a measured batch (their time is missing from it): 0 expected. */
  endedThreads: number;
  reference: string;
}

const REFERENCE =
  'bare graphql-yoga 5 (defaults, no appgov plugins) on node:http, a four-type schema, one prepared better-sqlite3 statement on the same file, ' +
  'and an onRequest string compare of Authorization against the same token';

interface Served {
  name: 'appgov' | 'bare';
  server: BenchServer;
  token: string;
  agents: Agent[];
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** After a batch, before the CPU is read: the server's trailing work (the last log lines, a write) lands in its batch. */
const SETTLE_MS = 20;

async function batch(s: Served, payload: string, expected: string, requests: number): Promise<{ cpuUs: number; wallUs: number; ended: number }> {
  const perCaller = requests / s.agents.length;
  const before = threadCpuNs(s.server.pid);
  const started = performance.now();
  await Promise.all(
    s.agents.map(async (agent) => {
      for (let i = 0; i < perCaller; i++) {
        const answer = await postGraphql(agent, s.server.base, s.token, payload);
        if (answer.status !== 200 || answer.text !== expected) {
          throw new Error(`${s.name}: HTTP ${answer.status}, an answer other than its first: ${answer.text.slice(0, 300)}${s.name === 'appgov' ? `\n${s.server.stderrTail()}` : ''}`);
        }
      }
    }),
  );
  const wallMs = performance.now() - started;
  await sleep(SETTLE_MS);
  const { ns, ended } = cpuNsBetween(before, threadCpuNs(s.server.pid));
  return { cpuUs: ns / 1000 / requests, wallUs: (wallMs * 1000) / requests, ended };
}

async function idleRate(pid: number, ms: number): Promise<number> {
  const before = threadCpuNs(pid);
  await sleep(ms);
  return cpuNsBetween(before, threadCpuNs(pid)).ns / 1000 / (ms / 1000);
}

async function measure(
  query: PipelineQuery,
  label: string,
  payload: string,
  servers: readonly [Served, Served],
  options: { rounds: number; requests: number; warmup: number },
): Promise<{ row: PipelineRow; ended: number }> {
  const [appgov, bare] = servers;
  const first = async (s: Served) => {
    const answer = await postGraphql(s.agents[0]!, s.server.base, s.token, payload);
    if (answer.status !== 200) throw new Error(`${s.name} answered HTTP ${answer.status}: ${answer.text.slice(0, 300)}`);
    return answer.text;
  };
  const bodies = { appgov: await first(appgov), bare: await first(bare) };
  const per = { appgov: { cpu: [] as number[], wall: [] as number[] }, bare: { cpu: [] as number[], wall: [] as number[] } };
  let ended = 0;
  // Not counted: both warm up (V8's optimising compiler, caches, connections) on this query first.
  for (const s of servers) await batch(s, payload, bodies[s.name], options.warmup);
  const at = () => ({ t: performance.now(), machine: machineBusyNs(), servers: processCpuNs(appgov.server.pid) + processCpuNs(bare.server.pid), bench: process.cpuUsage() });
  const start = at();
  // Each round A B B A (or B A A B, alternating), half the round's requests in each batch: a drift in the
  // machine's speed within the round lands on both servers alike.
  for (let round = 0; round < options.rounds; round++) {
    const order = round % 2 === 0 ? [appgov, bare, bare, appgov] : [bare, appgov, appgov, bare];
    const sum = { appgov: { cpu: 0, wall: 0 }, bare: { cpu: 0, wall: 0 } };
    for (const s of order) {
      const b = await batch(s, payload, bodies[s.name], options.requests / 2);
      sum[s.name].cpu += b.cpuUs / 2;
      sum[s.name].wall += b.wallUs / 2;
      ended += b.ended;
    }
    for (const name of ['appgov', 'bare'] as const) {
      per[name].cpu.push(sum[name].cpu);
      per[name].wall.push(sum[name].wall);
    }
  }
  const end = at();
  const benchNs = (end.bench.user - start.bench.user + end.bench.system - start.bench.system) * 1000;
  const otherCores = Math.max(0, end.machine - start.machine - (end.servers - start.servers) - benchNs) / ((end.t - start.t) * 1e6);
  const ratios = per.appgov.cpu.map((a, i) => a / per.bare.cpu[i]!).sort((a, b) => a - b);
  const row: PipelineRow = {
    query,
    label,
    target: PIPELINE_TARGETS[query],
    rounds: options.rounds,
    requests: options.requests,
    warmup: options.warmup,
    inFlight: IN_FLIGHT,
    answerBytes: Buffer.byteLength(bodies.appgov),
    identical: bodies.appgov === bodies.bare,
    appgovBody: bodies.appgov,
    bareBody: bodies.bare,
    appgovCpuUs: per.appgov.cpu,
    bareCpuUs: per.bare.cpu,
    appgovWallUs: per.appgov.wall,
    bareWallUs: per.bare.wall,
    appgovCpuMedian: median(per.appgov.cpu),
    bareCpuMedian: median(per.bare.cpu),
    ratio: median(ratios),
    ratioP25: percentile(ratios, 25),
    ratioP75: percentile(ratios, 75),
    ratioMin: ratios[0]!,
    ratioMax: ratios.at(-1)!,
    appgovWallMedian: median(per.appgov.wall),
    bareWallMedian: median(per.bare.wall),
    wallRatio: median(per.appgov.wall.map((a, i) => a / per.bare.wall[i]!)),
    otherCores,
  };
  return { row, ended };
}

export async function benchPipeline(file: (name: string) => string, quick: boolean): Promise<PipelineResult> {
  try {
    threadCpuNs(process.pid);
  } catch {
    throw new Error('the pipeline section reads server CPU from /proc/<pid>/task/*/schedstat: Linux only');
  }
  // Both servers' CPU per request keeps falling for the first few thousand requests (V8's tiers, the heap's
  // growth): the first query warms longer; the second runs the same pipeline, already warm.
  const options = quick ? { rounds: 12, requests: 160, warmup: [2_000, 1_000] } : { rounds: 32, requests: 200, warmup: [5_000, 2_500] };
  const appgovBundle = await buildBenchServer();
  const bareDir = (await buildServer({ outdir: `dist/bench-bare-${process.pid}`, entryPoints: ['bench/bare-yoga-server.ts'] })) as string;
  const removeBare = () => rmSync(bareDir, { recursive: true, force: true });
  process.once('exit', removeBare);
  const started: BenchServer[] = [];
  const servers: Served[] = [];
  try {
    const dbFile = file('pipeline.db');
    const appgovServer = await startBenchServer(appgovBundle.bundle, { APPGOV_DB: dbFile });
    started.push(appgovServer);
    const token = /token:\s+(\S+)/.exec(appgovServer.stdout())?.[1];
    if (!token) throw new Error(`appgov printed no demo token: ${appgovServer.stdout()}`);
    // Started after appgov has migrated and seeded the file; the same token, so the requests are the same bytes.
    const bareServer = await startBenchServer(join(bareDir, 'bare-yoga-server.mjs'), { APPGOV_DB: dbFile, BARE_YOGA_TOKEN: token });
    started.push(bareServer);
    const appgov: Served = { name: 'appgov', server: appgovServer, token, agents: Array.from({ length: IN_FLIGHT }, caller) };
    const bare: Served = { name: 'bare', server: bareServer, token, agents: Array.from({ length: IN_FLIGHT }, caller) };
    servers.push(appgov, bare);

    const smallRead = await measure(
      'smallRead',
      'small read: client(id) { apps(first: 10) { nodes { id name isApproved } } }',
      JSON.stringify({ query: SMALL_READ, variables: { id: DEMO_CLIENT_ID } }),
      [appgov, bare],
      { ...options, warmup: options.warmup[0]! },
    );
    const typename = await measure('typename', '{ __typename } with a token', JSON.stringify({ query: '{ __typename }' }), [appgov, bare], {
      ...options,
      warmup: options.warmup[1]!,
    });
    const idleMs = quick ? 500 : 1000;
    const [idleAppgov, idleBare] = await Promise.all([idleRate(appgovServer.pid, idleMs), idleRate(bareServer.pid, idleMs)]);
    return {
      rows: [smallRead.row, typename.row],
      idleUsPerSecond: { appgov: idleAppgov, bare: idleBare },
      threads: { appgov: threadCpuNs(appgovServer.pid).size, bare: threadCpuNs(bareServer.pid).size },
      endedThreads: smallRead.ended + typename.ended,
      reference: REFERENCE,
    };
  } finally {
    for (const s of servers) for (const agent of s.agents) agent.destroy();
    await Promise.all(started.map((s) => s.stop()));
    appgovBundle.remove();
    process.off('exit', removeBare);
    removeBare();
  }
}

const us = (value: number) => value.toFixed(0);

export function renderPipeline(r: PipelineResult, checks: Check[]): string {
  for (const row of r.rows) {
    checks.push({
      section: '12 pipeline',
      what: `${row.label}: server CPU per request, appgov ÷ bare graphql-yoga (median of ${row.rounds} paired rounds)`,
      figure: `${times(row.ratio)} (${us(row.appgovCpuMedian)} ÷ ${us(row.bareCpuMedian)} µs; rounds' quartiles ${row.ratioP25.toFixed(2)}-${row.ratioP75.toFixed(2)}×; wall ${times(row.wallRatio)})`,
      target: `≤ ${row.target.toFixed(1)}`,
      verdict: verdict(row.ratio <= row.target),
      command: command('pipeline'),
    });
  }
  const differing = r.rows.filter((row) => !row.identical);
  const first = r.rows[0]!;
  return section(
    `12. Request pipeline: server CPU per request (all threads, /proc schedstat), appgov (compiled, npm start, SQLite file, demo data) ÷ bare graphql-yoga`,
    table(
      ['query', 'answer', 'same bytes', 'appgov CPU µs', 'bare CPU µs', '÷', 'p25-p75', 'min-max', 'appgov wall µs', 'bare wall µs', 'wall ÷', 'target', 'result'],
      r.rows.map((row) => [
        row.label,
        `${count(row.answerBytes)} B`,
        row.identical ? 'yes' : 'NO',
        us(row.appgovCpuMedian),
        us(row.bareCpuMedian),
        times(row.ratio),
        `${row.ratioP25.toFixed(2)}-${row.ratioP75.toFixed(2)}×`,
        `${row.ratioMin.toFixed(2)}-${row.ratioMax.toFixed(2)}×`,
        us(row.appgovWallMedian),
        us(row.bareWallMedian),
        times(row.wallRatio),
        `≤ ${row.target.toFixed(1)}`,
        verdict(row.ratio <= row.target),
      ]),
    ),
    [
      `${first.rounds} rounds after ${r.rows.map((row) => `${count(row.warmup)} (${row.query})`).join(' and ')} warm-up requests per server, each ${count(first.requests)} requests per server in two batches, ${first.inFlight} in flight on keep-alive connections, ordered appgov, bare, bare, appgov and the reverse in turn.`,
      'CPU µs = Δ(sum over the server\'s threads of /proc/<pid>/task/*/schedstat ns on CPU) / 1000 / requests, medians over rounds; ÷ is the median of the per-round ratios, then their quartiles and range.',
      `wall µs = the batch's wall time / requests (${first.inFlight} in flight; the load generator shares the machine's cores): printed beside, not the figure.`,
      `Reference: ${r.reference}. It does not look the token up, check scopes or the client, rate-limit, limit documents, log requests, count metrics or create loaders: all of that is appgov's pipeline.`,
      'appgov: the demo token (hashed and looked up in the store on every request, as deployed), rate limits raised out of reach but metered, the request log on stderr at its default level.',
      `Idle CPU after the rounds: appgov ${us(r.idleUsPerSecond.appgov)} µs/s, bare ${us(r.idleUsPerSecond.bare)} µs/s (inside each batch's window too, plus ${SETTLE_MS} ms of settling); threads: appgov ${r.threads.appgov}, bare ${r.threads.bare}` +
        (r.endedThreads ? `; ${r.endedThreads} thread(s) ended inside a batch, whose time is missing from it.` : '.'),
      `The rest of the machine meanwhile (busy CPU in /proc/stat but the servers' and the bench's): ${r.rows.map((row) => `${row.query} ${row.otherCores.toFixed(2)}`).join(', ')} cores of ${availableParallelism()}; other load on shared cores and caches moves both servers' CPU per request, which is why rounds are paired and alternate.`,
      `The demo client sees ${count((JSON.parse(first.appgovBody) as { data: { client: { apps: { nodes: unknown[] } } } }).data.client.apps.nodes.length)} apps: the small read answers ${count(first.answerBytes)} bytes here.`,
      ...differing.flatMap((row) => [`${row.label}: the answers differ:`, `  appgov: ${row.appgovBody}`, `  bare:   ${row.bareBody}`]),
    ],
  );
}
