/**
 * Section 12, the request pipeline (issue 21): what one request costs the server in CPU, appgov
 * beside the servers a user might pick instead, each doing the same work, on two queries:
 *
 * - the small read, `client(id) { apps(first: 10) { nodes { id name isApproved } } }` of the demo
 *   client, and
 * - `{ __typename }`, sent with a token: the cost of the pipeline itself (authentication, the rate
 *   limiter, document limits, the request log, context and loaders) with next to nothing executed.
 *
 * appgov is the compiled server as `npm start` runs it (bench/postgres-http.ts: buildBenchServer,
 * startBenchServer; rate limits raised out of reach, still metered) on a fresh SQLite file with the
 * demo data, called with the demo token. The references are bundled the same way and started with the
 * same node flags, each its own process on the same file, the same token checked with one string
 * compare, the same schema and prepared statement (bench/reference-data.ts):
 *
 *   bare yoga           bench/bare-yoga-server.ts: graphql-yoga 5, its defaults, on node:http
 *   yoga + graphql-jit  the same with @envelop/graphql-jit (REFERENCE_JIT=1)
 *   mercurius           bench/mercurius-server.ts: Mercurius on Fastify 5, its defaults
 *   mercurius + jit     the same with Mercurius's jit: 1 (REFERENCE_JIT=1)
 *   fastify REST        bench/fastify-rest-server.ts: GET /clients/:id/apps, a response schema (the small read only)
 *
 * Every answer is compared with appgov's: the same bytes, or it is printed.
 *
 * Measured: per round, every server answers two batches of requests, in the order of a rotation of
 * the servers and then its reverse (A B C … C B A, the rotation moving by one each round), over
 * keep-alive connections (IN_FLIGHT callers, each sending its share one after another); the server's
 * CPU is the sum over all its threads of /proc/<pid>/task/<tid>/schedstat's first field (ns on CPU),
 * read before and after the batch (bench/cpu.ts). CPU µs per request = Δns / 1000 / N. Reported per
 * server: the median over rounds with its quartiles, and appgov's ratio to it as the median of the
 * per-round ratios with their quartiles and range; the wall time per request beside them (the batch's
 * wall time ÷ N: with IN_FLIGHT in flight on this machine's cores, shared with this process, so it moves
 * with the machine's load; CPU less so).
 */
import { rmSync } from 'node:fs';
import { request, type Agent } from 'node:http';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error: a plain ES module script without type declarations
import { buildServer } from '../scripts/build.mjs';
import { DEMO_CLIENT_ID } from '../src/services/demo';
import { idleCpuUsPerSecond, machineBusyNs, processCpuNs, serverCpu, threadCpuNs } from './cpu';
import { buildBenchServer, caller, postGraphql, SMALL_READ, startBenchServer, type BenchServer } from './postgres-http';
import { command, count, section, table, times, verdict, type Check } from './report';
import { median, pairedRatios, spread, type Spread } from './stats';

export type PipelineQuery = 'smallRead' | 'typename';
export type ServerName = 'appgov' | 'bare' | 'yogaJit' | 'mercurius' | 'mercuriusJit' | 'fastifyRest';

/** appgov ÷ a reference, CPU per request: at most this. */
export const PIPELINE_TARGETS: Record<PipelineQuery, Partial<Record<ServerName, number>>> = {
  smallRead: { bare: 1.0, mercurius: 2.0 },
  typename: { bare: 1.3 },
};

/** Callers at once, each on its own keep-alive connection: appgov's default in-flight cap per token. */
const IN_FLIGHT = 4;

interface Reference {
  name: Exclude<ServerName, 'appgov'>;
  label: string;
  entry: 'bare-yoga-server' | 'mercurius-server' | 'fastify-rest-server';
  env: Record<string, string>;
  /** The queries it serves (a REST route serves the small read only). */
  queries: readonly PipelineQuery[];
}

const REFERENCES: readonly Reference[] = [
  { name: 'bare', label: 'bare graphql-yoga', entry: 'bare-yoga-server', env: {}, queries: ['smallRead', 'typename'] },
  { name: 'yogaJit', label: 'yoga + @envelop/graphql-jit', entry: 'bare-yoga-server', env: { REFERENCE_JIT: '1' }, queries: ['smallRead', 'typename'] },
  { name: 'mercurius', label: 'mercurius (fastify)', entry: 'mercurius-server', env: {}, queries: ['smallRead', 'typename'] },
  { name: 'mercuriusJit', label: 'mercurius + jit', entry: 'mercurius-server', env: { REFERENCE_JIT: '1' }, queries: ['smallRead', 'typename'] },
  { name: 'fastifyRest', label: 'fastify REST route', entry: 'fastify-rest-server', env: {}, queries: ['smallRead'] },
];

/** One server's figures on one query. */
export interface ServerRow {
  name: ServerName;
  label: string;
  body: string;
  /** Whether it answered appgov's bytes. */
  identical: boolean;
  /** Per round: server CPU µs per request, and wall µs per request (batch wall time ÷ requests). */
  cpuUs: number[];
  wallUs: number[];
  cpu: Spread;
  wallMedian: number;
  /** appgov ÷ this server, per round (references only). */
  ratio?: Spread;
  wallRatio?: number;
  target?: number;
}

export interface PipelineRow {
  query: PipelineQuery;
  label: string;
  rounds: number;
  /** Requests per server per round (in two batches). */
  requests: number;
  /** Requests each server answered on this query before the rounds, not counted. */
  warmup: number;
  inFlight: number;
  answerBytes: number;
  /** appgov first, then the references that serve this query. */
  servers: ServerRow[];
  /** The rest of the machine over the rounds (every CPU's busy time but the servers' and this process's), in cores. */
  otherCores: number;
}

export interface PipelineResult {
  rows: PipelineRow[];
  /** Each server's CPU while idle, µs per second (timers, pollers, V8's background work), measured after the rounds. */
  idleUsPerSecond: Partial<Record<ServerName, number>>;
  /** Threads each server had when measured. */
  threads: Partial<Record<ServerName, number>>;
  /** Threads that ended within a measured batch (their time is missing from it): 0 expected. */
  endedThreads: number;
}

interface Served {
  name: ServerName;
  label: string;
  server: BenchServer;
  agents: Agent[];
  queries: readonly PipelineQuery[];
}

/** After a batch, before the CPU is read: the server's trailing work (the last log lines, a write) lands in its batch. */
const SETTLE_MS = 20;

function getJson(agent: Agent, url: string, token: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

const QUERIES: Record<PipelineQuery, { label: string; graphql: string; variables?: Record<string, unknown> }> = {
  smallRead: { label: 'small read: client(id) { apps(first: 10) { nodes { id name isApproved } } }', graphql: SMALL_READ, variables: { id: DEMO_CLIENT_ID } },
  typename: { label: '{ __typename } with a token', graphql: '{ __typename }' },
};

/** The one request `s` is sent for `query`: POST /graphql with the same body everywhere, the REST route's GET for the REST server. */
function sender(s: Served, query: PipelineQuery, token: string): (agent: Agent) => Promise<{ status: number; text: string }> {
  if (s.name === 'fastifyRest') return (agent) => getJson(agent, `${s.server.base}/clients/${DEMO_CLIENT_ID}/apps?first=10`, token);
  const q = QUERIES[query];
  const payload = JSON.stringify(q.variables ? { query: q.graphql, variables: q.variables } : { query: q.graphql });
  return (agent) => postGraphql(agent, s.server.base, token, payload);
}

async function batch(s: Served, send: (agent: Agent) => Promise<{ status: number; text: string }>, expected: string, requests: number) {
  const perCaller = requests / s.agents.length;
  const { cpu, wallMs } = await serverCpu(
    s.server.pid,
    () =>
      Promise.all(
        s.agents.map(async (agent) => {
          for (let i = 0; i < perCaller; i++) {
            const answer = await send(agent);
            if (answer.status !== 200 || answer.text !== expected) {
              throw new Error(`${s.name}: HTTP ${answer.status}, an answer other than its first: ${answer.text.slice(0, 300)}${s.name === 'appgov' ? `\n${s.server.stderrTail()}` : ''}`);
            }
          }
        }),
      ),
    SETTLE_MS,
  );
  return { cpuUs: cpu.ns / 1000 / requests, wallUs: (wallMs * 1000) / requests, ended: cpu.ended };
}

async function measure(query: PipelineQuery, all: readonly Served[], token: string, options: { rounds: number; requests: number; warmup: number }) {
  const servers = all.filter((s) => s.queries.includes(query));
  const sends = new Map(servers.map((s) => [s.name, sender(s, query, token)]));
  const bodies = new Map<ServerName, string>();
  for (const s of servers) {
    const answer = await sends.get(s.name)!(s.agents[0]!);
    if (answer.status !== 200) throw new Error(`${s.name} answered HTTP ${answer.status}: ${answer.text.slice(0, 300)}`);
    bodies.set(s.name, answer.text);
  }
  const per = new Map(servers.map((s) => [s.name, { cpu: [] as number[], wall: [] as number[] }]));
  let ended = 0;
  // Not counted: every server warms up (V8's optimising compiler, caches, connections) on this query first.
  for (const s of servers) await batch(s, sends.get(s.name)!, bodies.get(s.name)!, options.warmup);
  const pids = servers.map((s) => s.server.pid);
  const at = () => ({ t: performance.now(), machine: machineBusyNs(), servers: pids.reduce((sum, pid) => sum + processCpuNs(pid), 0), bench: process.cpuUsage() });
  const start = at();
  for (let round = 0; round < options.rounds; round++) {
    // A rotation, then its reverse: every server runs early and late in each round alike, and where it starts moves each round.
    const k = round % servers.length;
    const rotation = [...servers.slice(k), ...servers.slice(0, k)];
    const sum = new Map(servers.map((s) => [s.name, { cpu: 0, wall: 0 }]));
    for (const s of [...rotation, ...[...rotation].reverse()]) {
      const b = await batch(s, sends.get(s.name)!, bodies.get(s.name)!, options.requests / 2);
      sum.get(s.name)!.cpu += b.cpuUs / 2;
      sum.get(s.name)!.wall += b.wallUs / 2;
      ended += b.ended;
    }
    for (const s of servers) {
      per.get(s.name)!.cpu.push(sum.get(s.name)!.cpu);
      per.get(s.name)!.wall.push(sum.get(s.name)!.wall);
    }
  }
  const end = at();
  const benchNs = (end.bench.user - start.bench.user + end.bench.system - start.bench.system) * 1000;
  const otherCores = Math.max(0, end.machine - start.machine - (end.servers - start.servers) - benchNs) / ((end.t - start.t) * 1e6);
  const appgov = per.get('appgov')!;
  const appgovBody = bodies.get('appgov')!;
  const rows: ServerRow[] = servers.map((s) => {
    const mine = per.get(s.name)!;
    const target = PIPELINE_TARGETS[query][s.name];
    return {
      name: s.name,
      label: s.label,
      body: bodies.get(s.name)!,
      identical: bodies.get(s.name) === appgovBody,
      cpuUs: mine.cpu,
      wallUs: mine.wall,
      cpu: spread(mine.cpu),
      wallMedian: median(mine.wall),
      ...(s.name === 'appgov'
        ? {}
        : { ratio: pairedRatios(appgov.cpu, mine.cpu), wallRatio: pairedRatios(appgov.wall, mine.wall).median }),
      ...(target === undefined ? {} : { target }),
    };
  });
  const row: PipelineRow = {
    query,
    label: QUERIES[query].label,
    rounds: options.rounds,
    requests: options.requests,
    warmup: options.warmup,
    inFlight: IN_FLIGHT,
    answerBytes: Buffer.byteLength(appgovBody),
    servers: rows,
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
  // Every server's CPU per request keeps falling for the first few thousand requests (V8's tiers, the heap's
  // growth): the first query warms longer; the second runs the same pipeline, already warm.
  const options = quick ? { rounds: 12, requests: 160, warmup: [2_000, 1_000] } : { rounds: 32, requests: 200, warmup: [5_000, 2_500] };
  const appgovBundle = await buildBenchServer();
  const refDir = (await buildServer({
    outdir: `dist/bench-references-${process.pid}`,
    entryPoints: [...new Set(REFERENCES.map((r) => `bench/${r.entry}.ts`))],
  })) as string;
  const removeRefs = () => rmSync(refDir, { recursive: true, force: true });
  process.once('exit', removeRefs);
  const started: BenchServer[] = [];
  const servers: Served[] = [];
  try {
    const dbFile = file('pipeline.db');
    const appgovServer = await startBenchServer(appgovBundle.bundle, { APPGOV_DB: dbFile });
    started.push(appgovServer);
    const token = /token:\s+(\S+)/.exec(appgovServer.stdout())?.[1];
    if (!token) throw new Error(`appgov printed no demo token: ${appgovServer.stdout()}`);
    const agents = () => Array.from({ length: IN_FLIGHT }, caller);
    servers.push({ name: 'appgov', label: 'appgov', server: appgovServer, agents: agents(), queries: ['smallRead', 'typename'] });
    // Started after appgov has migrated and seeded the file; the same token, so the requests are the same bytes.
    for (const ref of REFERENCES) {
      const server = await startBenchServer(join(refDir, `${ref.entry}.mjs`), { APPGOV_DB: dbFile, REFERENCE_TOKEN: token, ...ref.env });
      started.push(server);
      servers.push({ name: ref.name, label: ref.label, server, agents: agents(), queries: ref.queries });
    }

    const smallRead = await measure('smallRead', servers, token, { ...options, warmup: options.warmup[0]! });
    const typename = await measure('typename', servers, token, { ...options, warmup: options.warmup[1]! });
    const idleMs = quick ? 500 : 1000;
    const idle = await Promise.all(servers.map((s) => idleCpuUsPerSecond(s.server.pid, idleMs)));
    return {
      rows: [smallRead.row, typename.row],
      idleUsPerSecond: Object.fromEntries(servers.map((s, i) => [s.name, idle[i]!])),
      threads: Object.fromEntries(servers.map((s) => [s.name, threadCpuNs(s.server.pid).size])),
      endedThreads: smallRead.ended + typename.ended,
    };
  } finally {
    for (const s of servers) for (const agent of s.agents) agent.destroy();
    await Promise.all(started.map((s) => s.stop()));
    appgovBundle.remove();
    process.off('exit', removeRefs);
    removeRefs();
  }
}

const us = (value: number) => value.toFixed(0);
const twoPlaces = (s: Spread) => `${s.p25.toFixed(2)}-${s.p75.toFixed(2)}×`;

export function renderPipeline(r: PipelineResult, checks: Check[]): string {
  for (const row of r.rows) {
    const appgov = row.servers[0]!;
    for (const s of row.servers.slice(1)) {
      const ratio = s.ratio!;
      checks.push({
        section: '12 pipeline',
        what: `${row.label}: server CPU per request, appgov ÷ ${s.label} (median of ${row.rounds} paired rounds)`,
        figure: `${times(ratio.median)} (${us(appgov.cpu.median)} ÷ ${us(s.cpu.median)} µs; IQR ${twoPlaces(ratio)}, range ${ratio.min.toFixed(2)}-${ratio.max.toFixed(2)}×; wall ${times(s.wallRatio!)})`,
        target: s.target === undefined ? '-' : `≤ ${s.target.toFixed(1)}`,
        verdict: s.target === undefined ? 'info' : verdict(ratio.median <= s.target),
        command: command('pipeline'),
      });
    }
  }
  const first = r.rows[0]!;
  const body = r.rows.flatMap((row, i) => [
    ...(i > 0 ? [''] : []),
    `${row.label} (${count(row.answerBytes)} B answer; ${count(row.rounds)} rounds after ${count(row.warmup)} warm-up requests per server)`,
    table(
      ['server', 'same bytes', 'CPU µs/req', 'IQR', 'appgov ÷', 'IQR', 'min-max', 'wall µs/req', 'wall ÷', 'target', 'result'],
      row.servers.map((s) => [
        s.label,
        s.identical ? 'yes' : 'NO',
        us(s.cpu.median),
        `${us(s.cpu.p25)}-${us(s.cpu.p75)}`,
        s.ratio ? times(s.ratio.median) : '-',
        s.ratio ? twoPlaces(s.ratio) : '-',
        s.ratio ? `${s.ratio.min.toFixed(2)}-${s.ratio.max.toFixed(2)}×` : '-',
        us(s.wallMedian),
        s.wallRatio === undefined ? '-' : times(s.wallRatio),
        s.target === undefined ? '-' : `≤ ${s.target.toFixed(1)}`,
        s.target === undefined ? (s.ratio ? 'info' : '-') : verdict(s.ratio!.median <= s.target),
      ]),
    ),
  ]);
  const differing = r.rows.flatMap((row) => row.servers.filter((s) => !s.identical).map((s) => ({ row, s })));
  const names = Object.keys(r.idleUsPerSecond) as ServerName[];
  return section(
    '12. Request pipeline: server CPU per request (all threads, /proc schedstat), appgov (compiled, npm start, SQLite file, demo data) beside the servers a user might pick instead',
    body.join('\n'),
    [
      `Each round: every server answers ${count(first.requests)} requests in two batches, ordered as a rotation of the servers and its reverse (the rotation moving each round), ${first.inFlight} in flight on keep-alive connections.`,
      "CPU µs = Δ(sum over the server's threads of /proc/<pid>/task/*/schedstat ns on CPU) / 1000 / requests, medians over rounds with their quartiles; appgov ÷ is the median of the per-round ratios, then their quartiles and range.",
      `wall µs = the batch's wall time / requests (${first.inFlight} in flight; the load generator shares the machine's cores): printed beside, not the figure.`,
      'References (bench/reference-data.ts): each its own process, bundled and started as appgov is, on the same file, one prepared better-sqlite3 statement, the same four-type schema, one string compare of Authorization against the same token; ' +
        'bare graphql-yoga 5 (defaults) on node:http; the same with @envelop/graphql-jit; Mercurius on Fastify 5 (defaults), and with jit: 1; a Fastify REST route (GET /clients/:id/apps, response schema) answering the same bytes. ' +
        'None looks the token up, checks scopes or the client, rate-limits, limits documents, logs requests, counts metrics or creates loaders: all of that is appgov\'s pipeline.',
      'appgov: the demo token (hashed and looked up in the store on every request, as deployed), rate limits raised out of reach but metered, the request log on stderr at its default level.',
      `Idle CPU after the rounds, µs/s: ${names.map((n) => `${n} ${us(r.idleUsPerSecond[n]!)}`).join(', ')} (inside each batch's window too, plus ${SETTLE_MS} ms of settling); threads: ${names.map((n) => `${n} ${r.threads[n]}`).join(', ')}` +
        (r.endedThreads ? `; ${r.endedThreads} thread(s) ended inside a batch, whose time is missing from it.` : '.'),
      `The rest of the machine meanwhile (busy CPU in /proc/stat but the servers' and the bench's): ${r.rows.map((row) => `${row.query} ${row.otherCores.toFixed(2)}`).join(', ')} cores of ${availableParallelism()}; other load on shared cores and caches moves every server's CPU per request, which is why rounds are paired and rotate.`,
      `The demo client sees ${count((JSON.parse(first.servers[0]!.body) as { data: { client: { apps: { nodes: unknown[] } } } }).data.client.apps.nodes.length)} apps: the small read answers ${count(first.answerBytes)} bytes here.`,
      ...differing.flatMap(({ row, s }) => [`${row.label}: ${s.label} answers other bytes:`, `  appgov: ${row.servers[0]!.body}`, `  ${s.name}: ${s.body}`]),
    ],
  );
}
