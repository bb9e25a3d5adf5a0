/**
 * Live events (Subscription.historyEvents over SSE), on compiled servers as `npm start` runs them:
 *
 * - latency: a note written through the GraphQL API, from the moment its request is sent to the
 *   moment the event reaches a subscriber, on one instance (SQLite file; Postgres) and across two
 *   Postgres instances (written on B, followed on A: LISTEN/NOTIFY). The write's own round trip is
 *   printed beside it: the event cannot arrive before the write commits, which is before it answers.
 * - fan-out: 100 subscribers on one instance while one caller writes notes as fast as it can; the
 *   event deliveries per second from the first write to the last event at the last subscriber.
 *
 * Subscribers and writers run in this process (on the same cores as the servers): figures are of
 * this machine under that load.
 */
import { randomUUID } from 'node:crypto';
import { DEMO_APPS, DEMO_CLIENT_ID } from '../src/services/demo';
import { startTestPostgres } from '../test/helpers/postgres-server';
import { subscribe, type Subscriber } from '../test/helpers/sse';
import { buildBenchServer, caller, graphqlData, startBenchServer, type BenchServer } from './postgres-http';
import { command, count, ms, section, table, type Check } from './report';
import { percentile } from './stats';

export interface LatencyRow {
  setup: string;
  samples: number;
  p50: number;
  p99: number;
  writeP50: number;
}

export interface FanoutRow {
  setup: string;
  subscribers: number;
  events: number;
  seconds: number;
  deliveriesPerSecond: number;
  writesPerSecond: number;
}

export interface LiveResult {
  latency: LatencyRow[];
  fanout: FanoutRow[];
}

const EVENTS = `subscription ($c: ID!) { historyEvents(clientId: $c, types: [NOTE_ADDED]) { id ... on NoteAddedEvent { note } } }`;
const NOTE = JSON.stringify({
  query: 'mutation ($c: ID!, $a: ID!, $n: String!) { addAppHistoryNote(clientId: $c, appId: $a, note: $n) { id } }',
  variables: { c: DEMO_CLIENT_ID, a: DEMO_APPS[0]!.id, n: 'NOTE' },
});
const LIVE_ENV = { APPGOV_MAX_CONNECTIONS_PER_ADDRESS: '1000', APPGOV_MAX_STREAMS_PER_TOKEN: '1000', APPGOV_MAX_STREAMS_PER_ADDRESS: '1000', APPGOV_MAX_IN_FLIGHT_PER_TOKEN: '64' };

const tokenOf = (server: BenchServer) => /token:\s+(\S+)/.exec(server.stdout())![1]!;

async function latency(setup: string, follow: BenchServer, write: BenchServer, token: string, samples: number): Promise<LatencyRow> {
  const stream = await subscribe(follow.base, EVENTS, { c: DEMO_CLIENT_ID }, token);
  const agent = caller();
  const arrivals: number[] = [];
  const writes: number[] = [];
  try {
    for (let i = 0; i < samples + 5; i++) {
      const note = `latency ${randomUUID()}`;
      const sent = performance.now();
      const written = graphqlData(agent, write.base, token, NOTE.replace('NOTE', note)).then(() => performance.now() - sent);
      const payload = await stream.next(10_000);
      const arrived = performance.now() - sent;
      if (payload.data?.historyEvents?.note !== note) throw new Error(`unexpected payload ${JSON.stringify(payload).slice(0, 200)}`);
      const wrote = await written;
      // The first few warm the connections and the statement caches.
      if (i >= 5) {
        arrivals.push(arrived);
        writes.push(wrote);
      }
    }
  } finally {
    agent.destroy();
    await stream.close();
  }
  arrivals.sort((a, b) => a - b);
  writes.sort((a, b) => a - b);
  return { setup, samples, p50: percentile(arrivals, 50), p99: percentile(arrivals, 99), writeP50: percentile(writes, 50) };
}

async function fanout(setup: string, server: BenchServer, token: string, subscribers: number, events: number): Promise<FanoutRow> {
  const streams: Subscriber[] = [];
  for (let i = 0; i < subscribers; i++) streams.push(await subscribe(server.base, EVENTS, { c: DEMO_CLIENT_ID }, token));
  const agent = caller();
  try {
    const started = performance.now();
    const writing = (async () => {
      for (let i = 0; i < events; i++) await graphqlData(agent, server.base, token, NOTE.replace('NOTE', `fan-out ${i}`));
      return performance.now() - started;
    })();
    await Promise.all(
      streams.map(async (stream) => {
        for (let i = 0; i < events; i++) {
          const payload = await stream.next(30_000);
          if (payload.data?.historyEvents?.note !== `fan-out ${i}`) throw new Error(`out of order or missing: ${JSON.stringify(payload).slice(0, 200)}`);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const writeMs = await writing;
    return { setup, subscribers, events, seconds, deliveriesPerSecond: (subscribers * events) / seconds, writesPerSecond: events / (writeMs / 1000) };
  } finally {
    agent.destroy();
    await Promise.all(streams.map((s) => s.close()));
  }
}

export async function benchLive(file: (name: string) => string, quick: boolean): Promise<LiveResult> {
  const samples = quick ? 50 : 200;
  const events = quick ? 50 : 200;
  const bundle = await buildBenchServer();
  const postgres = await startTestPostgres({ durable: true });
  const servers: BenchServer[] = [];
  try {
    const sqlite = await startBenchServer(bundle.bundle, { ...LIVE_ENV, APPGOV_DB: file('live.db') });
    servers.push(sqlite);
    const url = new URL(postgres.url);
    const admin = await import('pg').then(({ default: pg }) => new pg.Client({ connectionString: postgres.url }));
    await admin.connect();
    await admin.query('CREATE DATABASE appgov_live');
    await admin.end();
    url.pathname = '/appgov_live';
    const a = await startBenchServer(bundle.bundle, { ...LIVE_ENV, APPGOV_DATABASE_URL: url.toString() });
    servers.push(a);
    const b = await startBenchServer(bundle.bundle, { ...LIVE_ENV, APPGOV_DATABASE_URL: url.toString() });
    servers.push(b);
    const sqliteToken = tokenOf(sqlite);
    const pgToken = tokenOf(a);
    const latencyRows = [
      await latency('SQLite file, one instance', sqlite, sqlite, sqliteToken, samples),
      await latency('Postgres, one instance', a, a, pgToken, samples),
      await latency('Postgres, written on B, followed on A', a, b, pgToken, samples),
    ];
    const fanoutRows = [await fanout('SQLite file, one instance', sqlite, sqliteToken, 100, events), await fanout('Postgres, one instance', a, pgToken, 100, events)];
    return { latency: latencyRows, fanout: fanoutRows };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
    postgres.stop();
    bundle.remove();
  }
}

export function renderLive(r: LiveResult, checks: Check[]): string {
  for (const row of r.latency) {
    checks.push({ section: '10 live', what: `commit-to-subscriber latency, ${row.setup} (p50 / p99)`, figure: `${ms(row.p50)} / ${ms(row.p99)} ms`, target: 'none set: printed', verdict: 'info', command: command('live') });
  }
  for (const row of r.fanout) {
    checks.push({ section: '10 live', what: `fan-out to ${row.subscribers} subscribers, ${row.setup}`, figure: `${count(Math.round(row.deliveriesPerSecond))} events/s`, target: 'none set: printed', verdict: 'info', command: command('live') });
  }
  return [
    section(
      '10. Live events: from a note\'s request sent to its event at a subscriber (ms)',
      table(
        ['setup', 'samples', 'p50', 'p99', 'the write alone, p50'],
        r.latency.map((row) => [row.setup, count(row.samples), ms(row.p50), ms(row.p99), ms(row.writeP50)]),
      ),
      ['The event cannot arrive before its write commits, so the write\'s own round trip is a floor of the first column.'],
    ),
    section(
      '    Fan-out: 100 subscribers on one instance, one caller writing notes back to back',
      table(
        ['setup', 'subscribers', 'events', 'seconds', 'deliveries/s', 'writes/s'],
        r.fanout.map((row) => [row.setup, count(row.subscribers), count(row.events), row.seconds.toFixed(2), count(Math.round(row.deliveriesPerSecond)), count(Math.round(row.writesPerSecond))]),
      ),
      ['Deliveries: events × subscribers, from the first write sent to the last event at the last subscriber. Subscribers and the writer run in the bench process, on the same cores.'],
    ),
  ].join('\n');
}

