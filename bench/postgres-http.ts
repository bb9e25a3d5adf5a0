/**
 * The compiled server (`node scripts/build.mjs`, as `npm start` runs it) as separate processes for
 * the Postgres section's HTTP figures (bench/postgres-decisions.ts): built into a folder of this
 * run's own, started on 127.0.0.1 port 0 with the environment given (APPGOV_DATABASE_URL or
 * APPGOV_DB), stopped with SIGTERM (SIGKILL if it hangs, and always when this process exits).
 * Also the small read on Postgres ÷ on SQLite, and the throughput of 10-id calls from many tokens
 * with the CPU each process used meanwhile (from /proc: Linux only).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
// @ts-expect-error: a plain ES module script without type declarations
import { buildServer, startFlags } from '../scripts/build.mjs';
import { percentile, median } from './stats';

export interface BenchServer {
  base: string;
  /** The server process (for its CPU time). */
  pid: number;
  stdout(): string;
  /** The last 4,000 characters of its stderr (the request log, errors). */
  stderrTail(): string;
  stop(): Promise<void>;
}

export interface ServerBundle {
  bundle: string;
  remove(): void;
}

/** dist/bench-<pid>/server.mjs (the bundle's package imports resolve from node_modules above it). */
export async function buildBenchServer(): Promise<ServerBundle> {
  const outdir = (await buildServer({ outdir: `dist/bench-${process.pid}` })) as string;
  const remove = () => rmSync(outdir, { recursive: true, force: true });
  // Also when bench/run.ts exits on Ctrl-C, which skips the callers' finally blocks.
  process.once('exit', remove);
  return {
    bundle: join(outdir, 'server.mjs'),
    remove: () => {
      process.off('exit', remove);
      remove();
    },
  };
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * The per-token rate budget is raised so the limiter meters every call but never refuses one: the
 * 1,000-id calls spend 1,000 ids each, faster than the default 5,000 a second refills.
 */
const BENCH_ENV = { APPGOV_RATE_LIMIT_PER_SECOND: '10000000', APPGOV_RATE_LIMIT_BURST: '100000000' };

export function startBenchServer(bundle: string, env: Record<string, string>): Promise<BenchServer> {
  const inherited = { ...process.env };
  delete inherited.APPGOV_DATABASE_URL;
  delete inherited.APPGOV_DB;
  const child = spawn(process.execPath, [...(startFlags() as string[]), bundle], {
    env: { ...inherited, PORT: '0', HOST: '127.0.0.1', ...BENCH_ENV, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  let errTail = '';
  // Request log lines go to stderr: only the tail is kept, for an error message.
  child.stderr!.on('data', (d: Buffer) => (errTail = (errTail + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => (running.delete(child), resolve())));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.kill('SIGTERM');
    await exited;
    clearTimeout(timer);
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`bench server did not start in 30 s: ${errTail}`));
    }, 30_000);
    let started = false;
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (!started) reject(new Error(`bench server exited with ${code}: ${errTail}`));
    });
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const match = /serving (http:\/\/[^/\s]+)\/graphql/.exec(out);
      // The whole banner (the demo's lines included) is one write.
      if (match && out.includes('\n')) {
        if (started) return;
        started = true;
        clearTimeout(timer);
        resolve({ base: match[1]!, pid: child.pid!, stdout: () => out, stderrTail: () => errTail, stop });
      }
    });
  });
}

/** One keep-alive connection per caller, as a client with its own socket. */
export const caller = () => new Agent({ keepAlive: true, maxSockets: 1 });

export function postGraphql(agent: Agent, base: string, token: string, payload: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}/graphql`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), authorization: `Bearer ${token}` },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The answer's data, or an error naming what came back (status, GraphQL errors). */
export async function graphqlData<T>(agent: Agent, base: string, token: string, payload: string): Promise<{ data: T; text: string }> {
  const { status, text } = await postGraphql(agent, base, token, payload);
  const body = JSON.parse(text) as { data?: T; errors?: unknown };
  if (status !== 200 || body.errors || !body.data) throw new Error(`HTTP ${status}: ${text.slice(0, 300)}`);
  return { data: body.data, text };
}

export const SMALL_READ = `query SmallRead($id: ID!) { client(id: $id) { apps(first: 10) { nodes { id name isApproved } } } }`;

export interface ReadLatency {
  concurrency: number;
  /** Requests timed on each store. */
  samples: number;
  postgresMedianMs: number;
  sqliteMedianMs: number;
  postgresP99Ms: number;
  sqliteP99Ms: number;
  ratio: number;
}

interface Target {
  base: string;
  /** One token per concurrent caller. */
  tokens: string[];
}

/**
 * The small read at each concurrency, Postgres and SQLite in turn within every round (which goes
 * first alternates), `concurrency` callers each with its own token and connection, each sending
 * `perCaller` reads one after another per round. Both answers are compared first: equal bodies.
 */
export async function benchSmallRead(
  stores: { postgres: Target; sqlite: Target },
  clientId: string,
  options: { concurrencies: readonly number[]; rounds: number; perCaller: number },
): Promise<{ body: string; rows: ReadLatency[] }> {
  const payload = JSON.stringify({ query: SMALL_READ, variables: { id: clientId } });
  const pgAnswer = await graphqlData<unknown>(caller(), stores.postgres.base, stores.postgres.tokens[0]!, payload);
  const sqliteAnswer = await graphqlData<unknown>(caller(), stores.sqlite.base, stores.sqlite.tokens[0]!, payload);
  if (pgAnswer.text !== sqliteAnswer.text) throw new Error(`the small read differs:\n  Postgres: ${pgAnswer.text}\n  SQLite:   ${sqliteAnswer.text}`);
  const rows: ReadLatency[] = [];
  for (const concurrency of options.concurrencies) {
    const callers = { postgres: Array.from({ length: concurrency }, caller), sqlite: Array.from({ length: concurrency }, caller) };
    const took: { postgres: number[]; sqlite: number[] } = { postgres: [], sqlite: [] };
    for (let round = 0; round < options.rounds + 1; round++) {
      const order = round % 2 === 0 ? (['postgres', 'sqlite'] as const) : (['sqlite', 'postgres'] as const);
      for (const store of order) {
        const target = stores[store];
        await Promise.all(
          callers[store].map(async (agent, k) => {
            for (let i = 0; i < options.perCaller; i++) {
              const started = performance.now();
              const answer = await postGraphql(agent, target.base, target.tokens[k]!, payload);
              const ms = performance.now() - started;
              if (answer.status !== 200 || answer.text !== pgAnswer.text) throw new Error(`small read on ${store}: HTTP ${answer.status}: ${answer.text.slice(0, 300)}`);
              if (round > 0) took[store].push(ms); // round 0 warms up
            }
          }),
        );
      }
    }
    for (const list of Object.values(callers)) for (const agent of list) agent.destroy();
    const sorted = { postgres: [...took.postgres].sort((a, b) => a - b), sqlite: [...took.sqlite].sort((a, b) => a - b) };
    rows.push({
      concurrency,
      samples: took.postgres.length,
      postgresMedianMs: median(sorted.postgres),
      sqliteMedianMs: median(sorted.sqlite),
      postgresP99Ms: percentile(sorted.postgres, 99),
      sqliteP99Ms: percentile(sorted.sqlite, 99),
      ratio: median(sorted.postgres) / median(sorted.sqlite),
    });
  }
  return { body: pgAnswer.text, rows };
}

/** Clock ticks per second of /proc's CPU times (USER_HZ; 100 on Linux unless told otherwise). */
const TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** /proc/<pid>/stat: the parent, and the CPU ticks of the process and of its reaped children; null when it is gone. */
function procStat(pid: number): { ppid: number; own: number; reaped: number } | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // After the command name (in parentheses, which may hold spaces): state ppid … utime(14) stime(15) cutime(16) cstime(17).
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(f[1]), own: Number(f[11]) + Number(f[12]), reaped: Number(f[13]) + Number(f[14]) };
}

/**
 * The CPU ticks of a Postgres server: the postmaster's own, its reaped children's (a backend that
 * ended counts there, from its start), and every live child's (backends and the background
 * processes, found by the parent pid in each /proc/<pid>/stat).
 */
function postgresTicks(postmaster: number): { ticks: number; live: Map<number, number> } {
  const main = procStat(postmaster);
  if (!main) throw new Error(`Postgres (pid ${postmaster}) is gone`);
  const live = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = procStat(Number(name));
    if (stat?.ppid === postmaster) live.set(Number(name), stat.own);
  }
  return { ticks: main.own + main.reaped, live };
}

/** All CPUs' busy ticks (everything but idle and iowait) from /proc/stat. */
function machineTicks(): number {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0); // user nice system idle iowait irq softirq steal (guest is inside user)
  return total - f[3]! - f[4]!;
}

interface CpuSnapshot {
  at: number;
  postgres: { ticks: number; live: Map<number, number> };
  instances: number[];
  bench: NodeJS.CpuUsage;
  machine: number;
}

/** Which processes to sample: the postmaster and the server instances (the bench is this process). */
export interface CpuTargets {
  postmasterPid: number;
  instancePids: readonly number[];
}

function snapshot(targets: CpuTargets): CpuSnapshot {
  return {
    at: performance.now(),
    postgres: postgresTicks(targets.postmasterPid),
    instances: targets.instancePids.map((pid) => {
      const stat = procStat(pid);
      if (!stat) throw new Error(`server instance (pid ${pid}) is gone`);
      return stat.own;
    }),
    bench: process.cpuUsage(),
    machine: machineTicks(),
  };
}

/** CPU used between two snapshots, each as % of one core over the window's wall clock. */
export interface CpuShare {
  /** The postmaster and all its children (backends, WAL writer, checkpointer…). */
  postgres: number;
  /** Each server instance process, in order. */
  instances: number[];
  /** This process: the load generator (process.cpuUsage). */
  bench: number;
  /** Every process on the machine (/proc/stat), of cores × 100%. */
  machine: number;
}

function cpuBetween(a: CpuSnapshot, b: CpuSnapshot): CpuShare {
  const seconds = (b.at - a.at) / 1000;
  const pct = (ticks: number) => (100 * ticks) / TICKS / seconds;
  let pgTicks = b.postgres.ticks - a.postgres.ticks;
  // A child alive at both ends: its growth; born since: all of it; ended since: in the reaped ticks above.
  for (const [pid, ticks] of b.postgres.live) pgTicks += ticks - (a.postgres.live.get(pid) ?? 0);
  for (const [pid, ticks] of a.postgres.live) if (!b.postgres.live.has(pid)) pgTicks -= ticks;
  const benchMicros = b.bench.user - a.bench.user + (b.bench.system - a.bench.system);
  return {
    postgres: pct(pgTicks),
    instances: b.instances.map((t, i) => pct(t - a.instances[i]!)),
    bench: (100 * benchMicros) / 1e6 / seconds,
    machine: pct(b.machine - a.machine),
  };
}

export interface ThroughputRun {
  /** What the load looks like, e.g. "1 client" or "16 clients". */
  shape: string;
  /** Distinct clients the tokens write. */
  clients: number;
  instances: number;
  tokens: number;
  seconds: number;
  calls: number;
  callsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU over the measured window (after the warm-up). */
  cpu?: CpuShare;
}

const BULK10 = (field: string) => `mutation($clientId: ID!, $ids: [ID!]!) { ${field}(clientId: $clientId, appIds: $ids) { changed failed { id code } } }`;

/**
 * 10-id calls from `tokens.length` callers at once (each its own token, connection and 10 apps of
 * the client `clientOf` names, approving then removing them, so every call changes 10 states),
 * spread over the instances round-robin: the calls that finished in the `seconds` after a warm-up,
 * a second, and their latency; given `cpu`, the CPU each process used over those seconds.
 */
export async function benchThroughput(
  bases: readonly string[],
  tokens: readonly string[],
  clientOf: (caller: number) => string,
  appIdsOf: (caller: number) => string[],
  /** Per caller: whether its apps are unresolved (its next call approves); kept up to date for the next run. */
  approveNext: boolean[],
  options: { seconds: number; warmupSeconds: number; shape: string; cpu?: CpuTargets },
): Promise<ThroughputRun> {
  const approve = BULK10('approveApps');
  const remove = BULK10('removeAppApprovals');
  const latencies: number[] = [];
  const warmEnd = performance.now() + options.warmupSeconds * 1000;
  const end = warmEnd + options.seconds * 1000;
  const snapshots: CpuSnapshot[] = [];
  const timers = options.cpu
    ? [warmEnd, end].map((at) => setTimeout(() => snapshots.push(snapshot(options.cpu!)), at - performance.now()))
    : [];
  try {
    await Promise.all(
      tokens.map(async (token, k) => {
        const agent = caller();
        const base = bases[k % bases.length]!;
        const ids = appIdsOf(k);
        const clientId = clientOf(k);
        try {
          for (;;) {
            const started = performance.now();
            if (started >= end) break;
            const approving = approveNext[k]!;
            const field = approving ? 'approveApps' : 'removeAppApprovals';
            const { data } = await graphqlData<Record<string, { changed: string[]; failed: unknown[] }>>(
              agent, base, token, JSON.stringify({ query: approving ? approve : remove, variables: { clientId, ids } }),
            );
            approveNext[k] = !approving;
            const finished = performance.now();
            if (data[field]!.changed.length !== ids.length) throw new Error(`caller ${k}: ${field} changed ${data[field]!.changed.length} of ${ids.length}`);
            if (finished >= warmEnd && finished <= end) latencies.push(finished - started);
          }
        } finally {
          agent.destroy();
        }
      }),
    );
  } catch (error) {
    for (const timer of timers) clearTimeout(timer);
    throw error;
  }
  // Every caller stops once the end has come, perhaps just before the end snapshot's timer fires: wait for it.
  while (options.cpu && snapshots.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    shape: options.shape,
    clients: new Set(tokens.map((_, k) => clientOf(k))).size,
    instances: bases.length,
    tokens: tokens.length,
    seconds: options.seconds,
    calls: latencies.length,
    callsPerSecond: latencies.length / options.seconds,
    p50Ms: median(sorted),
    p99Ms: percentile(sorted, 99),
    ...(snapshots.length === 2 ? { cpu: cpuBetween(snapshots[0]!, snapshots[1]!) } : {}),
  };
}
