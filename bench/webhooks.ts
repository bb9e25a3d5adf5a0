/**
 * Webhooks (issue 19): what delivering them costs, printed, never asserted but the one target.
 *
 * - deliveries/s: compiled servers as `npm start` runs them (a SQLite file; Postgres), 1 and then
 *   10 webhooks of the demo client pointed at a receiver in this process (node:http, 200 at once,
 *   every signature checked). Notes are written through the GraphQL API, a few in flight; the time
 *   runs from the first write sent to the last delivery received (deliveries = webhooks × events).
 * - the cost to a 1,000-id bulk call (in process, SQLite files, the writer thread as src/server.ts
 *   runs it, over HTTP on 127.0.0.1): median of approveApps / removeAppApprovals alternating (every
 *   call changes 1,000 ids) on three databases, round by round, the order turning: a client with no
 *   webhooks; one with 10 webhooks that no runner here delivers (as when another instance sends
 *   them): the outbox's own cost, target ≤ 1.10×; one with 10 webhooks whose runner delivers a
 *   backlog in this process meanwhile (its reads, HTTP requests and commits share the cores and the
 *   file with the call): printed. With no webhook the call writes nothing extra: the history is the
 *   outbox; the statements of the call are counted to show it (with webhooks, the webhook_wake
 *   trigger of the history claim updates their rows in the call's transaction: no statement of its own).
 *
 * Receivers, writers and (in the second part) the runner run in this process, on the same cores as
 * the servers: figures are of this machine under that load.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Agent } from 'node:http';
import { sqliteBackend } from '../src/backend';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/open';
import { startWriter } from '../src/db/writer';
import { createHttpServer } from '../src/http';
import { WebhookRunner } from '../src/live/webhooks';
import { signWebhook } from '../src/live/webhook-send';
import { approveApps, removeAppApprovals } from '../src/services/approvals';
import { DEMO_APPS, DEMO_CLIENT_ID } from '../src/services/demo';
import { createWebhook, newWebhook } from '../src/services/webhooks';
import { createAppgovYoga } from '../src/yoga';
import { startTestPostgres } from '../test/helpers/postgres-server';
import { appId, buildDataset, clientId, openCounted } from './datasets';
import { buildBenchServer, caller, graphqlData, startBenchServer, type BenchServer } from './postgres-http';
import { command, count, ms, section, table, times, verdict, type Check } from './report';
import { serverLogger } from './server-logger';
import { breathe, median } from './stats';

export interface DeliveryRow {
  setup: string;
  webhooks: number;
  events: number;
  deliveries: number;
  seconds: number;
  deliveriesPerSecond: number;
  /** Notes written per second (first sent to last answered). */
  writesPerSecond: number;
  /** Deliveries received more than once (at least once: none expected here). */
  duplicates: number;
}

export interface BulkCostResult {
  ids: number;
  webhooks: number;
  rounds: number;
  noneMs: number;
  withMs: number;
  ratio: number;
  /** The same side's calls with its 10 webhooks registered and no runner delivering meanwhile: the outbox's own cost. */
  registeredMs: number;
  registeredRatio: number;
  registeredSamples: number[];
  /** Every timed call (ms), in round order: approve on even rounds, remove on odd. */
  noneSamples: number[];
  withSamples: number[];
  /** Median of the per-round ratios (each round: with ÷ none). */
  pairedRatio: number;
  /** Deliveries the receiver got while the timed calls with webhooks ran, per second of those calls. */
  competingDeliveriesPerSecond: number;
  /** Deliveries the receiver got over the whole part (warm-up included). */
  deliveriesReceived: number;
  /** What the runner logged (e.g. SQLITE_BUSY when its commit met the bulk call's). */
  runnerErrors: number;
  /** Each kind of error the runner logged (the error and its causes), and how often. */
  runnerErrorKinds: { error: string; count: number }[];
  statementsNone: number;
  statementsWith: number;
  /** Rows in webhooks / webhook_deliveries on the side with none, after every call. */
  noneWebhookRows: number;
  noneDeliveryRows: number;
  /** 1,000-id calls made on the side with webhooks, and the wake-ups its webhooks counted (the webhook_wake trigger: one per webhook per call). */
  withCalls: number;
  withWakes: number;
}

export interface WebhooksResult {
  deliveries: DeliveryRow[];
  bulk: BulkCostResult;
}

const TARGET = 1.1;
const IDS = 1000;
const HOOKS = 10;
const SECRET = 'bench-webhook-secret-0123456789abcdef';
/** Notes in flight at once (one connection each) in the delivery runs. */
const WRITERS = 4;
const WEBHOOK_ENV = {
  APPGOV_WEBHOOK_ALLOW_PRIVATE: '1',
  APPGOV_WEBHOOK_POLL_MS: '50',
  // As bench/live.ts raises them: the writers' connections and requests in flight are never refused.
  APPGOV_MAX_CONNECTIONS_PER_ADDRESS: '1000',
  APPGOV_MAX_STREAMS_PER_TOKEN: '1000',
  APPGOV_MAX_STREAMS_PER_ADDRESS: '1000',
  APPGOV_MAX_IN_FLIGHT_PER_TOKEN: '64',
};

// ---------------------------------------------------------------------------------------------
// The receiver: answers 200 at once; checks every signature; tells the current run what came.

interface Delivery {
  webhookId: string;
  eventId: string;
  sequence: number;
  note: string | null;
}

class Receiver {
  private server: Server | null = null;
  url = '';
  received = 0;
  badSignatures = 0;
  onDelivery: ((d: Delivery) => void) | null = null;

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        this.received++;
        const raw = Buffer.concat(chunks).toString('utf8');
        const timestamp = Number(req.headers['x-appgov-request-timestamp']);
        const expected = Buffer.from(signWebhook(SECRET, timestamp, raw));
        const got = Buffer.from(String(req.headers['x-appgov-signature'] ?? ''));
        if (got.length !== expected.length || !timingSafeEqual(got, expected)) this.badSignatures++;
        if (!this.onDelivery) return;
        const body = JSON.parse(raw) as { webhookId: string; sequence: number; event: { id: string; note?: string } };
        this.onDelivery({ webhookId: body.webhookId, eventId: body.event.id, sequence: body.sequence, note: body.event.note ?? null });
      });
    });
    // Every delivery is a connection of its own (agent: false): room for the backlog of accepts.
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', 511, resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hook`;
    return this;
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

// ---------------------------------------------------------------------------------------------
// 1. Deliveries per second on compiled servers.

const CREATE = JSON.stringify({
  query: 'mutation ($c: ID!, $u: String!, $s: String!) { createWebhook(clientId: $c, url: $u, secret: $s) { webhook { id } } }',
  variables: { c: DEMO_CLIENT_ID, u: 'URL', s: SECRET },
});
const noteBody = (note: string) =>
  JSON.stringify({
    query: 'mutation ($c: ID!, $a: ID!, $n: String!) { addAppHistoryNote(clientId: $c, appId: $a, note: $n) { id } }',
    variables: { c: DEMO_CLIENT_ID, a: DEMO_APPS[0]!.id, n: note },
  });

const tokenOf = (server: BenchServer) => /token:\s+(\S+)/.exec(server.stdout())![1]!;

async function addWebhooks(server: BenchServer, token: string, receiver: Receiver, n: number): Promise<void> {
  const agent = caller();
  try {
    for (let i = 0; i < n; i++) await graphqlData(agent, server.base, token, CREATE.replace('URL', `${receiver.url}/${i}`));
  } finally {
    agent.destroy();
  }
}

async function deliveryRun(setup: string, server: BenchServer, token: string, receiver: Receiver, webhooks: number, events: number): Promise<DeliveryRow> {
  const tag = randomUUID().slice(0, 8);
  const prefix = `webhook bench ${tag} `;
  const expected = webhooks * events;
  const seen = new Set<string>();
  let duplicates = 0;
  let lastAt = 0;
  let done: () => void = () => {};
  const allIn = new Promise<void>((resolve) => (done = resolve));
  receiver.onDelivery = (d) => {
    if (!d.note?.startsWith(prefix)) return;
    const key = `${d.webhookId} ${d.eventId}`;
    if (seen.has(key)) {
      duplicates++;
      return;
    }
    seen.add(key);
    if (seen.size === expected) {
      lastAt = performance.now();
      done();
    }
  };
  const agents = Array.from({ length: WRITERS }, caller);
  let next = 0;
  try {
    const started = performance.now();
    const writing = Promise.all(
      agents.map(async (agent) => {
        for (let i = next++; i < events; i = next++) await graphqlData(agent, server.base, token, noteBody(`${prefix}${i}`));
      }),
    ).then(() => performance.now() - started);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const errors = server
          .stderrTail()
          .split('\n')
          .filter((line) => /"level":(40|50|60)/.test(line))
          .slice(-5);
        reject(new Error(`${setup}, ${webhooks} webhooks: ${seen.size} of ${expected} deliveries after 120 s; the server's last warnings:\n${errors.join('\n') || '(none)'}`));
      }, 120_000);
    });
    try {
      await Promise.race([Promise.all([writing, allIn]), timeout]);
    } finally {
      clearTimeout(timer);
    }
    const writeMs = await writing;
    const seconds = (lastAt - started) / 1000;
    return { setup, webhooks, events, deliveries: expected, seconds, deliveriesPerSecond: expected / seconds, writesPerSecond: events / (writeMs / 1000), duplicates };
  } finally {
    receiver.onDelivery = null;
    for (const agent of agents) agent.destroy();
  }
}

async function deliveriesPerSecond(file: (name: string) => string, receiver: Receiver, events: number): Promise<DeliveryRow[]> {
  const bundle = await buildBenchServer();
  const postgres = await startTestPostgres({ durable: true });
  const servers: BenchServer[] = [];
  try {
    const admin = await import('pg').then(({ default: pg }) => new pg.Client({ connectionString: postgres.url }));
    await admin.connect();
    await admin.query('CREATE DATABASE appgov_webhooks');
    await admin.end();
    const url = new URL(postgres.url);
    url.pathname = '/appgov_webhooks';
    const setups: [string, Record<string, string>][] = [
      ['SQLite file', { APPGOV_DB: file('webhooks-server.db') }],
      ['Postgres', { APPGOV_DATABASE_URL: url.toString() }],
    ];
    const rows: DeliveryRow[] = [];
    for (const [setup, env] of setups) {
      const server = await startBenchServer(bundle.bundle, { ...WEBHOOK_ENV, ...env });
      servers.push(server);
      const token = tokenOf(server);
      await addWebhooks(server, token, receiver, 1);
      // A few untimed notes first: connections, statement caches and the runner's path warm.
      await deliveryRun(setup, server, token, receiver, 1, 20);
      rows.push(await deliveryRun(setup, server, token, receiver, 1, events));
      await addWebhooks(server, token, receiver, HOOKS - 1);
      rows.push(await deliveryRun(setup, server, token, receiver, HOOKS, events));
      await server.stop();
    }
    return rows;
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    postgres.stop();
    bundle.remove();
  }
}

// ---------------------------------------------------------------------------------------------
// 2. The cost to a 1,000-id bulk call.

const bulkMutation = (field: string) => `mutation ($c: ID!, $ids: [ID!]!) { ${field}(clientId: $c, appIds: $ids) { succeeded failed { id } } }`;
const APPROVE = bulkMutation('approveApps');
const REMOVE = bulkMutation('removeAppApprovals');

interface Side {
  path: string;
  base: string;
  token: string;
  agent: Agent;
  approveNext: boolean;
  /** Starts this side's runner (none: it runs throughout, finding no lane). */
  startRunner(): void;
  stopRunner(): Promise<void>;
  close(): Promise<void>;
}

/** A 1,000-app SQLite file served in process as src/server.ts serves it (the writer thread, the request log, a webhook runner told of every mutation). */
async function serveSide(path: string, hooks: number, receiver: Receiver, errors: unknown[]): Promise<Side> {
  const dataset = buildDataset(path, { clients: 4, apps: IDS, events: 10_000, hotEvery: 0 });
  const config = {
    ...loadConfig({ APPGOV_MAX_BULK_IDS: String(IDS), APPGOV_WEBHOOK_ALLOW_PRIVATE: '1', APPGOV_WEBHOOK_POLL_MS: '50' }),
    rateLimitPerSecond: 1e9,
    rateLimitBurst: 1e9,
  };
  const opened = openDatabase(path, { dbBusyTimeoutMs: config.dbBusyTimeoutMs, dbSync: config.dbSync });
  const tokenId = opened.sqlite.prepare('SELECT id FROM tokens').pluck().get() as string;
  const actor = { tokenId, kind: 'internal' as const, name: 'bench token', clientId: null, scopes: ['apps:read', 'apps:write', 'webhooks:write'] as const };
  for (let i = 0; i < hooks; i++) {
    createWebhook(opened.db, newWebhook({ clientId: clientId(1), url: `${receiver.url}/cost/${i}`, secret: SECRET, actor, allowPrivate: true }));
  }
  const logger = serverLogger(config);
  const writer = startWriter(opened, config, logger);
  const backend = sqliteBackend(opened.db, { file: opened.file, writer });
  let runner: WebhookRunner | null = null;
  const yoga = createAppgovYoga({ backend, config, logger, webhooks: { nudge: () => runner?.nudge() } });
  const server = createHttpServer(yoga, config);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const startRunner = () => {
    runner = new WebhookRunner({ queue: backend.webhookQueue, store: backend.store, config, log: (error) => errors.push(error) }).start();
  };
  const stopRunner = async () => {
    const r = runner;
    runner = null;
    await r?.stop();
  };
  return {
    path,
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    token: dataset.token,
    agent: caller(),
    approveNext: true,
    startRunner,
    stopRunner,
    close: async () => {
      await stopRunner();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await writer.close();
      opened.close();
    },
  };
}

const APP_IDS = Array.from({ length: IDS }, (_, k) => appId(k + 1));

/** One 1,000-id call, timed as a client sees it (body built, sent, answered, parsed); the next call on the side undoes it. */
async function bulkCall(side: Side): Promise<number> {
  const approving = side.approveNext;
  const field = approving ? 'approveApps' : 'removeAppApprovals';
  const payload = JSON.stringify({ query: approving ? APPROVE : REMOVE, variables: { c: clientId(1), ids: APP_IDS } });
  const started = performance.now();
  const { data } = await graphqlData<Record<string, { succeeded: string[]; failed: unknown[] }>>(side.agent, side.base, side.token, payload);
  const took = performance.now() - started;
  if (data[field]!.succeeded.length !== IDS) throw new Error(`${field} changed ${data[field]!.succeeded.length} of ${IDS}`);
  side.approveNext = !approving;
  return took;
}

/** An error and its causes, one line (drizzle wraps the driver's error: the cause says why). */
function describe(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error; e !== undefined && e !== null && parts.length < 4; e = e instanceof Error ? e.cause : undefined) {
    parts.push(e instanceof Error ? `${(e as NodeJS.ErrnoException).code ? `${(e as NodeJS.ErrnoException).code}: ` : ''}${e.message}` : String(e));
  }
  return parts.join(' ← ').replace(/\s+/g, ' ').slice(0, 300);
}

const sleep = (msToWait: number) => new Promise((resolve) => setTimeout(resolve, msToWait));
/** The runner of the side with webhooks is started this long before its timed call: its lanes claimed, deliveries under way. */
const RAMP_MS = 100;

async function bulkCost(file: (name: string) => string, receiver: Receiver, quick: boolean): Promise<BulkCostResult> {
  const errors: unknown[] = [];
  const none = await serveSide(file('webhooks-none.db'), 0, receiver, errors);
  const withHooks = await serveSide(file('webhooks-ten.db'), HOOKS, receiver, errors);
  // 10 webhooks that no runner here delivers (as when another instance sends them): the outbox's work alone in the call, on a database the deliveries never wrote to.
  const registered = await serveSide(file('webhooks-registered.db'), HOOKS, receiver, errors);
  const receivedBefore = receiver.received;
  const rounds = quick ? 10 : 40;
  const noneTimes: number[] = [];
  const withTimes: number[] = [];
  const registeredTimes: number[] = [];
  let competingDeliveries = 0;
  let withCalls = 0;
  let competingMs = 0;
  try {
    // The side with none runs its runner throughout, as a server does: it finds no lane.
    none.startRunner();
    const timeWith = async () => {
      withHooks.startRunner();
      await sleep(RAMP_MS);
      const before = receiver.received;
      const took = await bulkCall(withHooks);
      withCalls++;
      competingDeliveries += receiver.received - before;
      competingMs += took;
      // Stopped while the other side is timed: both share this process. The backlog grows (10,000 deliveries a call), so it never runs dry.
      await withHooks.stopRunner();
      return took;
    };
    // Warm-up: caches, the writer thread, and the backlog the runner works through while timed.
    for (let i = 0; i < 4; i++) {
      await bulkCall(none);
      await bulkCall(registered);
      await timeWith();
    }
    competingDeliveries = 0;
    competingMs = 0;
    for (let round = 0; round < rounds; round++) {
      await breathe();
      // Three calls a round: none, registered (its runner stopped: only the outbox's work in the call), delivering; the order turns.
      const calls = [
        async () => noneTimes.push(await bulkCall(none)),
        async () => registeredTimes.push(await bulkCall(registered)),
        async () => withTimes.push(await timeWith()),
      ];
      for (let k = 0; k < calls.length; k++) {
        await calls[(round + k) % calls.length]!();
        await breathe();
      }
    }
  } finally {
    await none.close();
    await withHooks.close();
    await registered.close();
  }
  // Before the counted calls below, which wake the webhooks too.
  const withCheck = openDatabase(withHooks.path);
  const withWakes = withCheck.sqlite.prepare('SELECT coalesce(sum(wakes), 0) FROM webhooks').pluck().get() as number;
  withCheck.close();
  // The call's statements on each side (its service function, as the writer thread runs it), the runners stopped.
  const statementsOf = (side: Side) => {
    const counted = openCounted(side.path);
    try {
      const tokenId = counted.sqlite.prepare('SELECT id FROM tokens').pluck().get() as string;
      const input = { clientId: clientId(1), appIds: APP_IDS, actor: { tokenId, kind: 'internal' as const, name: 'bench token', clientId: null, scopes: [] }, maxIds: IDS };
      if (!side.approveNext) removeAppApprovals(counted.db, input);
      counted.sql.reset();
      approveApps(counted.db, input);
      return counted.sql.statements;
    } finally {
      counted.close();
    }
  };
  const statementsNone = statementsOf(none);
  const statementsWith = statementsOf(withHooks);
  const check = openDatabase(none.path);
  const rowsOf = (table: string) => check.sqlite.prepare(`SELECT count(*) FROM ${table}`).pluck().get() as number;
  const noneWebhookRows = rowsOf('webhooks');
  const noneDeliveryRows = rowsOf('webhook_deliveries');
  check.close();
  const noneMs = median(noneTimes);
  const withMs = median(withTimes);
  const registeredMs = median(registeredTimes);
  const kinds = new Map<string, number>();
  for (const error of errors) kinds.set(describe(error), (kinds.get(describe(error)) ?? 0) + 1);
  return {
    ids: IDS,
    webhooks: HOOKS,
    rounds,
    noneMs,
    withMs,
    ratio: withMs / noneMs,
    registeredMs,
    registeredRatio: registeredMs / noneMs,
    registeredSamples: registeredTimes.map((t) => Number(t.toFixed(2))),
    noneSamples: noneTimes.map((t) => Number(t.toFixed(2))),
    withSamples: withTimes.map((t) => Number(t.toFixed(2))),
    pairedRatio: median(withTimes.map((w, i) => w / noneTimes[i]!)),
    competingDeliveriesPerSecond: competingDeliveries / (competingMs / 1000),
    deliveriesReceived: receiver.received - receivedBefore,
    runnerErrors: errors.length,
    runnerErrorKinds: [...kinds].map(([error, n]) => ({ error, count: n })).sort((x, y) => y.count - x.count),
    statementsNone,
    statementsWith,
    noneWebhookRows,
    noneDeliveryRows,
    withCalls,
    withWakes,
  };
}

// ---------------------------------------------------------------------------------------------

export async function benchWebhooks(file: (name: string) => string, quick: boolean): Promise<WebhooksResult> {
  const receiver = await new Receiver().start();
  try {
    const deliveries = await deliveriesPerSecond(file, receiver, quick ? 200 : 500);
    const bulk = await bulkCost(file, receiver, quick);
    if (receiver.badSignatures > 0) throw new Error(`${receiver.badSignatures} deliveries did not carry a valid X-Appgov-Signature`);
    return { deliveries, bulk };
  } finally {
    await receiver.close();
  }
}

export function renderWebhooks(r: WebhooksResult, checks: Check[]): string {
  const b = r.bulk;
  for (const row of r.deliveries) {
    checks.push({
      section: '11 webhooks',
      what: `deliveries/s to a local receiver, ${row.setup}, ${row.webhooks} webhook${row.webhooks === 1 ? '' : 's'}`,
      figure: `${count(Math.round(row.deliveriesPerSecond))} deliveries/s`,
      target: 'none set: printed',
      verdict: 'info',
      command: command('webhooks'),
    });
  }
  checks.push({
    section: '11 webhooks',
    what: `${b.ids}-id call with ${b.webhooks} webhooks registered ÷ with none: the outbox's cost (median of ${b.rounds} rounds each, paired)`,
    figure: times(b.registeredRatio),
    target: `≤ ${TARGET.toFixed(2)}`,
    verdict: verdict(b.registeredRatio <= TARGET),
    command: command('webhooks'),
  });
  checks.push({
    section: '11 webhooks',
    what: `${b.ids}-id call while ${b.webhooks} webhooks deliver in the same process ÷ with none (2 cores shared)`,
    figure: times(b.ratio),
    target: 'none set: printed',
    verdict: 'info',
    command: command('webhooks'),
  });
  checks.push({
    section: '11 webhooks',
    what: `statements: ${b.ids}-id approve with ${b.webhooks} webhooks / with none`,
    figure: `${b.statementsWith} / ${b.statementsNone}`,
    target: 'equal',
    verdict: verdict(b.statementsWith === b.statementsNone),
    command: command('webhooks'),
  });
  return [
    section(
      '11. Webhooks: deliveries to a receiver in the bench process (compiled server, npm start; notes written through GraphQL, 4 in flight)',
      table(
        ['setup', 'webhooks', 'events', 'deliveries', 'seconds', 'deliveries/s', 'writes/s', 'duplicates'],
        r.deliveries.map((row) => [
          row.setup,
          count(row.webhooks),
          count(row.events),
          count(row.deliveries),
          row.seconds.toFixed(2),
          count(Math.round(row.deliveriesPerSecond)),
          count(Math.round(row.writesPerSecond)),
          count(row.duplicates),
        ]),
      ),
      [
        'From the first note sent to the last delivery received; deliveries = webhooks × events. Each webhook is one lane: one POST at a time, in commit order,',
        'each on a connection of its own, its outcome committed before the next. APPGOV_WEBHOOK_POLL_MS=50; every signature checked.',
      ],
    ),
    section(
      `    The cost to a ${count(b.ids)}-id bulk call (SQLite file, durable, in process over HTTP; approve / remove alternating, every call changes ${count(b.ids)} ids)`,
      table(
        ['client', 'median', 'statements'],
        [
          ['no webhooks (runner running, finds no lane)', `${ms(b.noneMs)} ms`, String(b.statementsNone)],
          [`${b.webhooks} webhooks registered, delivered elsewhere (the outbox's cost)`, `${ms(b.registeredMs)} ms`, String(b.statementsWith)],
          [`${b.webhooks} webhooks, runner delivering in this process meanwhile`, `${ms(b.withMs)} ms`, String(b.statementsWith)],
          ['registered ÷ none (target ≤ 1.10×)', times(b.registeredRatio), ''],
          ['delivering ÷ none (printed: the deliveries share the 2 cores)', times(b.ratio), ''],
          ['delivering ÷ none, median of the per-round ratios', times(b.pairedRatio), ''],
        ],
      ),
      [
        `${b.rounds} rounds of three calls, their order turning each round. While each call with webhooks ran, the runner delivered ${count(Math.round(b.competingDeliveriesPerSecond))} deliveries/s`,
        `(${count(b.deliveriesReceived)} received over the part); it logged ${count(b.runnerErrors)} errors${b.runnerErrors ? ':' : '.'}`,
        ...b.runnerErrorKinds.map((k) => `  ${count(k.count)} × ${k.error}`),
        `With no webhook the call writes nothing extra: the history itself is the outbox (${b.noneWebhookRows} webhook and ${b.noneDeliveryRows} delivery rows on that side after every call,`,
        'and the same statements either way). The runner there only reads, once per poll and after each commit. With webhooks, the webhook_wake trigger on the',
        `history claim wakes each of them in the call's transaction: ${count(b.withWakes)} wake-ups for ${count(b.withCalls)} calls × ${b.webhooks} webhooks; the deliveries are written by the runner, after.`,
      ],
    ),
  ].join('\n');
}
