/**
 * Sections 1 and 2: approveApps / removeAppApprovals over real HTTP beside two raw better-sqlite3
 * floors: today's (appgov's own schema, bench/floor.ts) and the minimal one (bench/minimal-floor.ts),
 * each in the set-based and the per-row shape, each shape on its own identical file.
 *
 * appgov is the compiled server as `npm start` runs it (bench/postgres-http.ts: buildBenchServer,
 * startBenchServer; rate limits raised out of reach, still metered; the request log on stderr), its
 * own process on a WAL file of 20,000 apps and 100,000 history events. The floors are a server
 * process too (bench/floor-server.ts, bundled and started the same way, with the same node flags):
 * it takes the same request body and answers the same bytes, so a floor call pays for HTTP and JSON
 * as any server would, and for nothing appgov adds (GraphQL, validation, auth, limits, the log, the
 * writer thread's hop).
 *
 * Measured per call, as the pipeline section measures per batch (bench/cpu.ts): the server's CPU,
 * the sum over all its threads of /proc/<pid>/task/<tid>/schedstat's ns on CPU, read before the
 * request and 20 ms after its answer; and the round trip's wall time as this process sees it. Every
 * step sends the same ids to appgov and to each of the four floor shapes, in turn, the order
 * reversed every other step, so the machine's drift lands on all alike; each step's ratio appgov ÷
 * floor is one paired sample, and the figure is their median with its quartiles and range.
 *
 * Beside the floors, two framework references (bench/bulk-reference-server.ts), one process each on
 * its own identical file: Fastify REST routes and Mercurius, each running appgov's own bulk service
 * in-process. appgov ÷ those prices what appgov's pipeline (GraphQL, validation, auth, limits, the
 * log, the writer thread's hop) adds over a framework a user might pick, on the very same SQL.
 *
 * The SQL statements per call (section 2) are counted on a third server in this process (the old
 * in-process setup, with Drizzle's logger counting), on its own copy of the data, with calls that
 * are not timed: the count costs the writer thread a message per statement, which the measured
 * server must not pay.
 */
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
// @ts-expect-error: a plain ES module script without type declarations
import { buildServer } from '../scripts/build.mjs';
import { loadConfig } from '../src/config';
import type { DbSync } from '../src/db/open';
import { startWriter } from '../src/db/writer';
import { createHttpServer } from '../src/http';
import { createAppgovYoga } from '../src/yoga';
import { idleCpuUsPerSecond, serverCpu } from './cpu';
import { buildDataset, clientId, idsFor, openCounted, type Dataset } from './datasets';
import type { FloorServerConfig, FloorShape } from './floor-server';
import { buildMinimalFloor } from './minimal-floor';
import { buildBenchServer, startBenchServer, type BenchServer } from './postgres-http';
import { serverLogger } from './server-logger';
import { pairedRatios, summarize, type Spread, type Summary } from './stats';

export type BulkKind = 'approveApps, changing' | 'removeAppApprovals, changing' | 'approveApps, repeat';
export const BULK_KINDS: readonly BulkKind[] = ['approveApps, changing', 'removeAppApprovals, changing', 'approveApps, repeat'];

/** What one target's calls of one kind and size cost (milliseconds). */
export interface Measured {
  /** The round trip as this process sees it: the body sent, the answer read. */
  wall: Summary;
  /** The server's CPU per call, all threads. */
  cpu: Summary;
  /** Medians of the main thread's share and of the busiest other thread's (appgov: the writer thread). */
  cpuMain: number;
  cpuTopOther: number;
  /** Floors only: the floor call's own time inside its process (the SQL and the JS around it), median. */
  inProcess?: number;
}

/** The framework references (bench/bulk-reference-server.ts): appgov's own bulk service on Fastify REST and on Mercurius. */
export type ReferenceKind = 'fastify-rest' | 'mercurius';
export const REFERENCE_KINDS: readonly ReferenceKind[] = ['fastify-rest', 'mercurius'];

export interface Floors<T> {
  setBased: T;
  perRow: T;
}

export type Shape = 'set-based' | 'per-row';

export interface BulkRow {
  n: number;
  kind: BulkKind;
  /** appgov's wall times (the round trip; kept as the wall figure's numerator). */
  service: Summary;
  /** Today's floor on appgov's schema: the shape with the lower CPU median at this size and kind; its wall times. */
  floor: Summary;
  floorShape: Shape;
  /** The minimal floor: the shape with the lower CPU median; its wall times. */
  minimal: Summary;
  minimalShape: Shape;
  /** Everything measured, per target. */
  measured: { service: Measured; floors: Floors<Measured>; minimals: Floors<Measured>; references: Record<ReferenceKind, Measured> };
  /** Paired per call: appgov's server CPU ÷ each framework reference's running appgov's own SQL, and the wall ratio. */
  references: Record<ReferenceKind, { cpuRatio: Spread; wallRatio: Spread }>;
  /** Paired per call: appgov's server CPU ÷ the floor's (the figure), and the same for the round trip's wall time. */
  cpuRatio: Spread;
  cpuRatioMinimal: Spread;
  wallRatio: Spread;
  wallRatioMinimal: Spread;
  /** Medians of the wall ratios (the figures before CPU: kept for comparison). */
  ratio: number;
  ratioMinimal: number;
  /** Distinct statement counts seen over the counted calls (one value when constant). */
  statements: number[];
  /** Whether every floor answered the bytes appgov answered, on every call. */
  sameAnswers: boolean;
}

export interface BulkResult {
  rows: BulkRow[];
  /** Each server's CPU while idle, µs per second (timers, pollers), measured after the rounds; the 20 ms of settling after each call holds that much. */
  idleUsPerSecond: { appgov: number; floors: number };
  settleMs: number;
  /** Threads that ended inside a measured call (their time is missing from it): 0 expected. */
  endedThreads: number;
  /** The first answer of a floor that differed from appgov's, if any. */
  differing?: { n: number; kind: BulkKind; shape: FloorShape | ReferenceKind; service: string; floor: string };
}

export interface BulkOptions {
  sizes: readonly number[];
  /** Timed calls of each kind at size n (at least 3). */
  samples(n: number): number;
  /** Untimed approve + remove pairs before timing at size n. */
  warmup(n: number): number;
  catalogApps: number;
  /** History events already in every database (so indexes are as deep as in use). */
  historyEvents: number;
  /** APPGOV_DB_SYNC for the service and every floor alike; default: the environment's (loadConfig). */
  dbSync?: DbSync;
  /** Calls of each kind and size on the counting server (section 2); default 3. */
  countedCalls?: number;
}

const mutation = (field: string) => `mutation Bulk($clientId: ID!, $appIds: [ID!]!) {
  ${field}(clientId: $clientId, appIds: $appIds) { succeeded failed { id error code } }
}`;
const APPROVE = mutation('approveApps');
const REMOVE = mutation('removeAppApprovals');

/** After an answer, before the CPU is read: the server's trailing work (the log line, a GC helper) lands in its call. */
const SETTLE_MS = 20;

interface BulkAnswer {
  succeeded: string[];
  failed: unknown[];
}

function expectCounts(what: string, result: BulkAnswer, known: number, n: number) {
  if (result.succeeded.length !== known || result.failed.length !== n - known) {
    throw new Error(`${what}: expected ${known} succeeded and ${n - known} failed, got ${result.succeeded.length} / ${result.failed.length}`);
  }
}

function post(agent: Agent, url: string, token: string, payload: string): Promise<{ status: number; text: string; floorUs: number }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), authorization: `Bearer ${token}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), floorUs: Number(res.headers['x-floor-us'] ?? 0) }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

const payloadFor = (ids: readonly string[], approve: boolean) => JSON.stringify({ query: approve ? APPROVE : REMOVE, variables: { clientId: clientId(1), appIds: ids } });

/** The answer's bulk result, or an error naming what came back. */
function bulkResult(what: string, status: number, text: string, approve: boolean): BulkAnswer {
  const body = JSON.parse(text) as { data?: Record<string, BulkAnswer>; errors?: unknown[] };
  if (status !== 200 || body.errors || !body.data) throw new Error(`${what}: HTTP ${status} ${text.slice(0, 300)}`);
  return body.data[approve ? 'approveApps' : 'removeAppApprovals']!;
}

type Target = 'service' | FloorShape | ReferenceKind;
const FLOOR_SHAPES: readonly FloorShape[] = ['floor-set', 'floor-row', 'minimal-set', 'minimal-row'];
const TARGETS: readonly Target[] = ['service', ...FLOOR_SHAPES, ...REFERENCE_KINDS];
const isReference = (target: Target): target is ReferenceKind => (REFERENCE_KINDS as readonly string[]).includes(target);

interface Call {
  cpuMs: number;
  mainMs: number;
  topOtherMs: number;
  wallMs: number;
  floorMs: number;
}

interface Side {
  server: BenchServer;
  agent: Agent;
  token: string;
}

/** A content fingerprint of what a file's bulk calls wrote: the service and every floor must agree. */
function fingerprint(path: string): string {
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return JSON.stringify(
      db
        .prepare(`SELECT (SELECT count(*) FROM app_history_events) AS events,
                         (SELECT count(*) FROM client_app_states WHERE client_id = '${clientId(1)}' AND resolution = 'approved') AS approved,
                         (SELECT sum(version) FROM client_app_states) AS versions`)
        .get(),
    );
  } finally {
    db.close();
  }
}

export async function benchBulk(file: (name: string) => string, options: BulkOptions): Promise<BulkResult> {
  const shape = { clients: 4, apps: options.catalogApps, events: options.historyEvents, hotEvery: 0 };
  const dbSync = options.dbSync ?? loadConfig().dbSync;
  const maxIds = Math.max(...options.sizes);
  const serviceSet = buildDataset(file('bulk-service.db'), shape);
  const tokenOf = (path: string) => {
    const db = new Database(path, { readonly: true });
    try {
      return db.prepare('SELECT id FROM tokens').pluck().get() as string;
    } finally {
      db.close();
    }
  };
  const todayFiles = { 'floor-set': file('bulk-floor-set.db'), 'floor-row': file('bulk-floor-row.db') };
  for (const path of Object.values(todayFiles)) buildDataset(path, shape);
  const files = {} as FloorServerConfig['files'];
  for (const [name, path] of Object.entries(todayFiles)) files[name as FloorShape] = { path, actorId: tokenOf(path) };
  // The minimal floor's history names today's set-based floor's token as the actor, as before (no foreign keys there).
  for (const name of ['minimal-set', 'minimal-row'] as const) {
    const path = file(`bulk-${name}.db`);
    buildMinimalFloor(path, { apps: options.catalogApps, events: options.historyEvents }, files['floor-set'].actorId, dbSync);
    files[name] = { path, actorId: files['floor-set'].actorId };
  }
  const referenceSets = Object.fromEntries(REFERENCE_KINDS.map((kind) => [kind, buildDataset(file(`bulk-${kind}.db`), shape)])) as Record<ReferenceKind, Dataset>;

  const appgovBundle = await buildBenchServer();
  const floorDir = (await buildServer({ outdir: `dist/bench-floor-${process.pid}`, entryPoints: ['bench/floor-server.ts', 'bench/bulk-reference-server.ts'] })) as string;
  const removeFloor = () => rmSync(floorDir, { recursive: true, force: true });
  process.once('exit', removeFloor);
  const started: BenchServer[] = [];
  const agents: Agent[] = [];
  const agent = () => {
    const a = new Agent({ keepAlive: true, maxSockets: 1 });
    agents.push(a);
    return a;
  };
  try {
    const env = { APPGOV_MAX_BULK_IDS: String(maxIds), APPGOV_DB_SYNC: dbSync };
    const appgov = await startBenchServer(appgovBundle.bundle, { ...env, APPGOV_DB: serviceSet.path });
    started.push(appgov);
    const floorConfig: FloorServerConfig = { clientId: clientId(1), dbSync, files };
    const floors = await startBenchServer(join(floorDir, 'floor-server.mjs'), { FLOOR_CONFIG: JSON.stringify(floorConfig) });
    started.push(floors);
    const service: Side = { server: appgov, agent: agent(), token: serviceSet.token };
    const floorSide: Side = { server: floors, agent: agent(), token: serviceSet.token };
    const references = {} as Record<ReferenceKind, Side>;
    for (const kind of REFERENCE_KINDS) {
      const set = referenceSets[kind];
      const server = await startBenchServer(join(floorDir, 'bulk-reference-server.mjs'), { ...env, APPGOV_DB: set.path, REFERENCE_TOKEN: set.token, REFERENCE_KIND: kind });
      started.push(server);
      references[kind] = { server, agent: agent(), token: set.token };
    }
    const sideOf = (target: Target): Side => (target === 'service' ? service : isReference(target) ? references[target] : floorSide);
    /** Where each target takes the call: appgov and Mercurius its GraphQL body, the floors the same body at their path, Fastify REST its route. */
    const requestOf = (target: Target, payload: string, ids: readonly string[], approve: boolean): { url: string; body: string } => {
      if (target === 'service') return { url: `${appgov.base}/graphql`, body: payload };
      if (target === 'mercurius') return { url: `${references.mercurius.server.base}/graphql`, body: payload };
      if (target === 'fastify-rest') {
        return { url: `${references['fastify-rest'].server.base}/clients/${clientId(1)}/apps/${approve ? 'approve' : 'remove'}`, body: JSON.stringify({ appIds: ids }) };
      }
      return { url: `${floors.base}/${target}`, body: payload };
    };

    let endedThreads = 0;
    let differing: BulkResult['differing'];
    const differs = new Set<string>();
    const callOne = async (target: Target, payload: string, ids: readonly string[], approve: boolean, known: number) => {
      const side = sideOf(target);
      const { url, body } = requestOf(target, payload, ids, approve);
      const { cpu, wallMs, value } = await serverCpu(side.server.pid, () => post(side.agent, url, side.token, body), SETTLE_MS);
      try {
        expectCounts(target, bulkResult(target, value.status, value.text, approve), known, ids.length);
      } catch (error) {
        if (target === 'service' || isReference(target)) console.error(side.server.stderrTail());
        throw error;
      }
      endedThreads += cpu.ended;
      const call: Call = { cpuMs: cpu.ns / 1e6, mainMs: cpu.mainNs / 1e6, topOtherMs: cpu.topOtherNs / 1e6, wallMs, floorMs: value.floorUs / 1000 };
      return { call, text: value.text };
    };
    /** One step: the same ids, in turn, to appgov and to every floor shape; the order reversed on odd steps. */
    const step = async (index: number, ids: string[], known: number, approve: boolean, kind: BulkKind) => {
      const payload = payloadFor(ids, approve);
      const order = index % 2 === 0 ? TARGETS : [...TARGETS].reverse();
      const calls = {} as Record<Target, Call>;
      const texts = {} as Record<Target, string>;
      for (const target of order) {
        const { call, text } = await callOne(target, payload, ids, approve, known);
        calls[target] = call;
        texts[target] = text;
      }
      for (const shape of [...FLOOR_SHAPES, ...REFERENCE_KINDS]) {
        if (texts[shape] === texts.service) continue;
        differs.add(`${ids.length} ${kind}`);
        differing ??= { n: ids.length, kind, shape, service: texts.service.slice(0, 400), floor: texts[shape].slice(0, 400) };
      }
      return calls;
    };
    const assertSameWrites = () => {
      const expected = fingerprint(serviceSet.path);
      for (const shape of FLOOR_SHAPES) {
        const got = fingerprint(files[shape].path);
        if (got !== expected) throw new Error(`floor ${shape} wrote ${got}, appgov wrote ${expected}`);
      }
      for (const kind of REFERENCE_KINDS) {
        const got = fingerprint(referenceSets[kind].path);
        if (got !== expected) throw new Error(`reference ${kind} wrote ${got}, appgov wrote ${expected}`);
      }
    };

    const rows: Omit<BulkRow, 'statements'>[] = [];
    let firstApp = 1;
    let stepIndex = 0;
    for (const n of options.sizes) {
      const { ids, known } = idsFor(n, firstApp);
      firstApp += n;
      for (let w = 0; w < options.warmup(n); w++) {
        await step(stepIndex++, ids, known, true, 'approveApps, changing');
        await step(stepIndex++, ids, known, false, 'removeAppApprovals, changing');
      }
      const steps = new Map<BulkKind, Record<Target, Call>[]>(BULK_KINDS.map((k) => [k, []]));
      for (let s = 0; s < options.samples(n); s++) {
        steps.get('approveApps, changing')!.push(await step(stepIndex++, ids, known, true, 'approveApps, changing'));
        steps.get('removeAppApprovals, changing')!.push(await step(stepIndex++, ids, known, false, 'removeAppApprovals, changing'));
      }
      await step(stepIndex++, ids, known, true, 'approveApps, changing'); // all approved: every approveApps below is an idempotent repeat
      for (let s = 0; s < options.samples(n); s++) steps.get('approveApps, repeat')!.push(await step(stepIndex++, ids, known, true, 'approveApps, repeat'));
      assertSameWrites();

      for (const kind of BULK_KINDS) {
        const t = steps.get(kind)!;
        const of = (target: Target, what: keyof Call) => t.map((c) => c[target][what]);
        const measured = (target: Target): Measured => ({
          wall: summarize(of(target, 'wallMs')),
          cpu: summarize(of(target, 'cpuMs')),
          cpuMain: summarize(of(target, 'mainMs')).median,
          cpuTopOther: summarize(of(target, 'topOtherMs')).median,
          ...(target === 'service' || isReference(target) ? {} : { inProcess: summarize(of(target, 'floorMs')).median }),
        });
        const m = {
          service: measured('service'),
          floors: { setBased: measured('floor-set'), perRow: measured('floor-row') },
          minimals: { setBased: measured('minimal-set'), perRow: measured('minimal-row') },
          references: { 'fastify-rest': measured('fastify-rest'), mercurius: measured('mercurius') },
        };
        // The floor is the cheaper shape in CPU (the figure) at this size and kind.
        const pick = (set: FloorShape, row: FloorShape, both: Floors<Measured>) =>
          both.setBased.cpu.median <= both.perRow.cpu.median ? { shape: 'set-based' as const, target: set, m: both.setBased } : { shape: 'per-row' as const, target: row, m: both.perRow };
        const today = pick('floor-set', 'floor-row', m.floors);
        const minimal = pick('minimal-set', 'minimal-row', m.minimals);
        const wallRatio = pairedRatios(of('service', 'wallMs'), of(today.target, 'wallMs'));
        const wallRatioMinimal = pairedRatios(of('service', 'wallMs'), of(minimal.target, 'wallMs'));
        rows.push({
          n,
          kind,
          service: m.service.wall,
          floor: today.m.wall,
          floorShape: today.shape,
          minimal: minimal.m.wall,
          minimalShape: minimal.shape,
          measured: m,
          references: {
            'fastify-rest': { cpuRatio: pairedRatios(of('service', 'cpuMs'), of('fastify-rest', 'cpuMs')), wallRatio: pairedRatios(of('service', 'wallMs'), of('fastify-rest', 'wallMs')) },
            mercurius: { cpuRatio: pairedRatios(of('service', 'cpuMs'), of('mercurius', 'cpuMs')), wallRatio: pairedRatios(of('service', 'wallMs'), of('mercurius', 'wallMs')) },
          },
          cpuRatio: pairedRatios(of('service', 'cpuMs'), of(today.target, 'cpuMs')),
          cpuRatioMinimal: pairedRatios(of('service', 'cpuMs'), of(minimal.target, 'cpuMs')),
          wallRatio,
          wallRatioMinimal,
          ratio: wallRatio.median,
          ratioMinimal: wallRatioMinimal.median,
          sameAnswers: true,
        });
      }
    }
    const idleMs = 1000;
    const [idleAppgov, idleFloors] = await Promise.all([idleCpuUsPerSecond(appgov.pid, idleMs), idleCpuUsPerSecond(floors.pid, idleMs)]);
    for (const a of agents) a.destroy();
    await Promise.all(started.map((s) => s.stop()));
    started.length = 0;

    const statements = await countStatements(file('bulk-count.db'), shape, options, dbSync);
    return {
      rows: rows.map((r) => ({
        ...r,
        statements: statements.get(`${r.n} ${r.kind}`) ?? [],
        sameAnswers: !differs.has(`${r.n} ${r.kind}`),
      })),
      idleUsPerSecond: { appgov: idleAppgov, floors: idleFloors },
      settleMs: SETTLE_MS,
      endedThreads,
      ...(differing ? { differing } : {}),
    };
  } finally {
    for (const a of agents) a.destroy();
    await Promise.all(started.map((s) => s.stop()));
    appgovBundle.remove();
    process.off('exit', removeFloor);
    removeFloor();
  }
}

/**
 * Section 2: the SQL statements each call executes, counted by Drizzle's logger on a server in this
 * process (src/server.ts's SQLite setup: writer thread, rate limits out of reach), on its own copy of
 * the data, with the measured sequence of calls at every size (untimed).
 */
async function countStatements(
  path: string,
  shape: { clients: number; apps: number; events: number; hotEvery: number },
  options: BulkOptions,
  dbSync: DbSync,
): Promise<Map<string, number[]>> {
  const set = buildDataset(path, shape);
  const service = openCounted(set.path, dbSync);
  const config = { ...loadConfig({ APPGOV_MAX_BULK_IDS: String(Math.max(...options.sizes)), APPGOV_DB_SYNC: dbSync }), rateLimitPerSecond: 1e9, rateLimitBurst: 1e9 };
  const logger = serverLogger(config);
  // The writer thread's statements are counted with the main connection's (each one a message back: why this server is not the measured one).
  const writer = startWriter(service, config, logger, service.sql);
  const server = createHttpServer(createAppgovYoga({ db: service.db, config, logger, writer }), config);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const counts = new Map<string, Set<number>>();
  const calls = options.countedCalls ?? 3;
  try {
    const call = async (n: number, kind: BulkKind, ids: string[], known: number, approve: boolean) => {
      service.sql.reset();
      const { status, text } = await post(agent, url, set.token, payloadFor(ids, approve));
      const statements = service.sql.statements;
      expectCounts('counted appgov', bulkResult('counted appgov', status, text, approve), known, ids.length);
      const key = `${n} ${kind}`;
      counts.set(key, (counts.get(key) ?? new Set()).add(statements));
    };
    let firstApp = 1;
    for (const n of options.sizes) {
      const { ids, known } = idsFor(n, firstApp);
      firstApp += n;
      // Not counted, as the measured calls' warm-up: the first calls also fill caches (the token, prepared statements).
      for (let w = 0; w < options.warmup(n); w++) {
        for (const approve of [true, false]) {
          const { status, text } = await post(agent, url, set.token, payloadFor(ids, approve));
          bulkResult('counted appgov', status, text, approve);
        }
      }
      for (let s = 0; s < calls; s++) {
        await call(n, 'approveApps, changing', ids, known, true);
        await call(n, 'removeAppApprovals, changing', ids, known, false);
      }
      await call(n, 'approveApps, changing', ids, known, true);
      for (let s = 0; s < calls; s++) await call(n, 'approveApps, repeat', ids, known, true);
    }
  } finally {
    agent.destroy();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await writer.close();
    service.close();
  }
  return new Map([...counts].map(([key, values]) => [key, [...values].sort((a, b) => a - b)]));
}
