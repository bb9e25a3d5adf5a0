/**
 * The compiled server (`node scripts/build.mjs`, as `npm start` runs it) as separate processes for
 * the Postgres section's HTTP figures (bench/postgres-decisions.ts): built into a folder of this
 * run's own, started on 127.0.0.1 port 0 with the environment given (APPGOV_DATABASE_URL or
 * APPGOV_DB), stopped with SIGTERM (SIGKILL if it hangs, and always when this process exits).
 * Also the small read on Postgres ÷ on SQLite, and the throughput of 10-id calls from many tokens.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { join } from 'node:path';
// @ts-expect-error: a plain ES module script without type declarations
import { buildServer, startFlags } from '../scripts/build.mjs';
import { percentile, median } from './stats';

export interface BenchServer {
  base: string;
  stdout(): string;
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
        resolve({ base: match[1]!, stdout: () => out, stop });
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

export interface ThroughputRun {
  instances: number;
  tokens: number;
  seconds: number;
  calls: number;
  callsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

const BULK10 = (field: string) => `mutation($clientId: ID!, $ids: [ID!]!) { ${field}(clientId: $clientId, appIds: $ids) { changed failed { id code } } }`;

/**
 * 10-id calls from `tokens.length` callers at once (each its own token, connection and 10 apps,
 * approving then removing them, so every call changes 10 states), spread over the instances
 * round-robin: the calls that finished in the `seconds` after a warm-up, a second, and their latency.
 */
export async function benchThroughput(
  bases: readonly string[],
  tokens: readonly string[],
  clientId: string,
  appIdsOf: (caller: number) => string[],
  /** Per caller: whether its apps are unresolved (its next call approves); kept up to date for the next run. */
  approveNext: boolean[],
  options: { seconds: number; warmupSeconds: number },
): Promise<ThroughputRun> {
  const approve = BULK10('approveApps');
  const remove = BULK10('removeAppApprovals');
  const latencies: number[] = [];
  const warmEnd = performance.now() + options.warmupSeconds * 1000;
  const end = warmEnd + options.seconds * 1000;
  await Promise.all(
    tokens.map(async (token, k) => {
      const agent = caller();
      const base = bases[k % bases.length]!;
      const ids = appIdsOf(k);
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
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    instances: bases.length,
    tokens: tokens.length,
    seconds: options.seconds,
    calls: latencies.length,
    callsPerSecond: latencies.length / options.seconds,
    p50Ms: median(sorted),
    p99Ms: percentile(sorted, 99),
  };
}
