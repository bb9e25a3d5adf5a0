/**
 * Sections 1 and 2: approveApps / removeAppApprovals over real HTTP (an
 * in-process server on 127.0.0.1 built as src/server.ts builds it), beside
 * two raw better-sqlite3 floors: today's (appgov's own schema, bench/floor.ts)
 * and the minimal one (bench/minimal-floor.ts). Every step runs the same ids
 * on the service and on each floor in turn, so drift on the machine lands on
 * all alike. Also counts the SQL statements each service call executed.
 */
import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Database from 'better-sqlite3';
import { loadConfig } from '../src/config';
import { openDatabase, type DbSync } from '../src/db/open';
import { startWriter } from '../src/db/writer';
import { createHttpServer } from '../src/http';
import { createAppgovYoga } from '../src/yoga';
import { serverLogger } from './server-logger';
import { appId, buildDataset, clientId, openCounted, unknownAppId, type CountingLogger } from './datasets';
import { perRowFloor, setBasedFloor, type FloorCall, type FloorResult } from './floor';
import { minimalFloor } from './minimal-floor';
import { breathe, summarize, timed, type Summary } from './stats';

export type BulkKind = 'approveApps, changing' | 'removeAppApprovals, changing' | 'approveApps, repeat';
export const BULK_KINDS: readonly BulkKind[] = ['approveApps, changing', 'removeAppApprovals, changing', 'approveApps, repeat'];

export interface Floors {
  setBased: Summary;
  perRow: Summary;
}

export interface BulkRow {
  n: number;
  kind: BulkKind;
  /** The whole call as a client sees it: JSON body built, POST /graphql over 127.0.0.1, response parsed. */
  service: Summary;
  /** Today's floor on appgov's schema: the faster of its two shapes at this size and kind (by median). */
  floor: Summary;
  floorShape: 'set-based' | 'per-row';
  floors: Floors;
  /** The minimal floor: the faster of its two shapes. */
  minimal: Summary;
  minimalShape: 'set-based' | 'per-row';
  minimals: Floors;
  /** service median ÷ today's floor median */
  ratio: number;
  /** service median ÷ minimal floor median */
  ratioMinimal: number;
  /** Distinct statement counts seen over the timed service calls (one value when constant). */
  statements: number[];
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
}

const mutation = (field: string) => `mutation Bulk($clientId: ID!, $appIds: [ID!]!) {
  ${field}(clientId: $clientId, appIds: $appIds) { succeeded failed { id error code } }
}`;
const APPROVE = mutation('approveApps');
const REMOVE = mutation('removeAppApprovals');

interface BulkData {
  approveApps?: { succeeded: string[]; failed: unknown[] };
  removeAppApprovals?: { succeeded: string[]; failed: unknown[] };
}

/** N ids: every 10th well-formed but unknown, the rest known apps from `firstApp` on (disjoint per size). */
export function idsFor(n: number, firstApp: number): { ids: string[]; known: number } {
  const ids: string[] = [];
  let known = 0;
  for (let k = 0; k < n; k++) {
    if (k % 10 === 9) ids.push(unknownAppId(firstApp + k));
    else ids.push(appId(firstApp + known++));
  }
  return { ids, known };
}

type Shapes = { setBased: FloorCall; perRow: FloorCall };

interface Side {
  url: string;
  token: string;
  sql: CountingLogger;
  floors: Shapes;
  minimals: Shapes;
  floorDbs: Database.Database[];
  serviceDb: Database.Database;
}

function expectCounts(what: string, result: { succeeded: unknown[]; failed: unknown[] }, known: number, n: number) {
  if (result.succeeded.length !== known || result.failed.length !== n - known) {
    throw new Error(`${what}: expected ${known} succeeded and ${n - known} failed, got ${result.succeeded.length} / ${result.failed.length}`);
  }
}

/** A keep-alive node:http client: the lightest a caller can be, so the figure is the server's and the wire's. */
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

function postJson(url: string, token: string, payload: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), authorization: `Bearer ${token}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** One call as a client makes it: the body built, sent, answered and parsed. Any error stops the bench. */
async function callService(side: Side, ids: string[], approve: boolean) {
  const payload = JSON.stringify({ query: approve ? APPROVE : REMOVE, variables: { clientId: clientId(1), appIds: ids } });
  const { status, text } = await postJson(side.url, side.token, payload);
  const body = JSON.parse(text) as { data?: BulkData; errors?: unknown[] };
  if (status !== 200 || body.errors || !body.data) throw new Error(`service: HTTP ${status} ${text.slice(0, 300)}`);
  return (approve ? body.data.approveApps : body.data.removeAppApprovals)!;
}

/** One step of the same work on the service and on all four floors; returns their times. */
async function step(side: Side, ids: string[], known: number, approve: boolean) {
  await breathe();
  side.sql.reset();
  const served = await timed(() => callService(side, ids, approve));
  const statements = side.sql.statements;
  expectCounts('service', served.value, known, ids.length);
  const times = { service: served.ms, setBased: 0, perRow: 0, minimalSet: 0, minimalRow: 0, statements };
  const floors: [keyof typeof times, FloorCall][] = [
    ['setBased', side.floors.setBased],
    ['perRow', side.floors.perRow],
    ['minimalSet', side.minimals.setBased],
    ['minimalRow', side.minimals.perRow],
  ];
  for (const [name, call] of floors) {
    await breathe();
    const floor = await timed<FloorResult>(() => call(ids, approve));
    expectCounts(name, floor.value, known, ids.length);
    times[name] = floor.ms;
  }
  return times;
}

/** The service and every floor must have written exactly the same rows. */
function assertSameWrites(side: Side): void {
  const fingerprint = (db: Database.Database) =>
    JSON.stringify(
      db
        .prepare(`SELECT (SELECT count(*) FROM app_history_events) AS events,
                         (SELECT count(*) FROM client_app_states WHERE client_id = '${clientId(1)}' AND resolution = 'approved') AS approved,
                         (SELECT sum(version) FROM client_app_states) AS versions`)
        .get(),
    );
  const expected = fingerprint(side.serviceDb);
  for (const db of side.floorDbs) {
    const got = fingerprint(db);
    if (got !== expected) throw new Error(`floor wrote ${got}, service wrote ${expected}`);
  }
}

const faster = (a: Summary, b: Summary) => (a.median <= b.median ? (['set-based', a] as const) : (['per-row', b] as const));

export async function benchBulk(file: (name: string) => string, options: BulkOptions): Promise<BulkRow[]> {
  const shape = { clients: 4, apps: options.catalogApps, events: options.historyEvents, hotEvery: 0 };
  const serviceSet = buildDataset(file('bulk-service.db'), shape);
  const dbSync = options.dbSync ?? loadConfig().dbSync;
  const service = openCounted(serviceSet.path, dbSync);
  const floorDbs = ['bulk-floor-set.db', 'bulk-floor-row.db'].map((name) => {
    const built = buildDataset(file(name), shape);
    const opened = openDatabase(built.path, { dbSync });
    const token = opened.sqlite.prepare('SELECT id FROM tokens').pluck().get() as string;
    return { opened, actor: { tokenId: token, kind: 'internal' as const, name: 'bench token' } };
  });
  const [setDb, rowDb] = floorDbs as [(typeof floorDbs)[0], (typeof floorDbs)[0]];
  // Each shape on its own file, so every call of each sees the same state as the service's.
  const [minimalSet, minimalRow] = ['bulk-minimal-set.db', 'bulk-minimal-row.db'].map((name) =>
    minimalFloor(file(name), { apps: options.catalogApps, events: options.historyEvents }, clientId(1), setDb.actor.tokenId, dbSync),
  ) as [ReturnType<typeof minimalFloor>, ReturnType<typeof minimalFloor>];

  // The server as src/server.ts builds it, with room for the largest call and a budget no bulk run reaches.
  const config = { ...loadConfig({ APPGOV_MAX_BULK_IDS: String(Math.max(...options.sizes)), APPGOV_DB_SYNC: dbSync }), rateLimitPerSecond: 1e9, rateLimitBurst: 1e9 };
  const logger = serverLogger(config);
  // As src/server.ts: the bulk calls run in the writer thread; its statements are counted with the main connection's.
  const writer = startWriter(service, config, logger, service.sql);
  const server = createHttpServer(createAppgovYoga({ db: service.db, config, logger, writer }), config);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const side: Side = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`,
    token: serviceSet.token,
    sql: service.sql,
    floors: {
      setBased: setBasedFloor(setDb.opened.sqlite, clientId(1), setDb.actor),
      perRow: perRowFloor(rowDb.opened.sqlite, clientId(1), rowDb.actor),
    },
    minimals: { setBased: minimalSet.setBased, perRow: minimalRow.perRow },
    floorDbs: [...floorDbs.map((f) => f.opened.sqlite), minimalSet.sqlite, minimalRow.sqlite],
    serviceDb: service.sqlite,
  };

  const rows: BulkRow[] = [];
  let firstApp = 1;
  try {
    for (const n of options.sizes) {
      const { ids, known } = idsFor(n, firstApp);
      firstApp += n;
      for (let w = 0; w < options.warmup(n); w++) {
        await step(side, ids, known, true);
        await step(side, ids, known, false);
      }
      const times = new Map<BulkKind, Awaited<ReturnType<typeof step>>[]>(BULK_KINDS.map((k) => [k, []]));
      for (let s = 0; s < options.samples(n); s++) {
        times.get('approveApps, changing')!.push(await step(side, ids, known, true));
        times.get('removeAppApprovals, changing')!.push(await step(side, ids, known, false));
      }
      await step(side, ids, known, true); // all approved: every approveApps below is an idempotent repeat
      for (let s = 0; s < options.samples(n); s++) times.get('approveApps, repeat')!.push(await step(side, ids, known, true));
      assertSameWrites(side);

      for (const kind of BULK_KINDS) {
        const t = times.get(kind)!;
        const serviceSummary = summarize(t.map((x) => x.service));
        const floors = { setBased: summarize(t.map((x) => x.setBased)), perRow: summarize(t.map((x) => x.perRow)) };
        const minimals = { setBased: summarize(t.map((x) => x.minimalSet)), perRow: summarize(t.map((x) => x.minimalRow)) };
        const [floorShape, floor] = faster(floors.setBased, floors.perRow);
        const [minimalShape, minimal] = faster(minimals.setBased, minimals.perRow);
        rows.push({
          n,
          kind,
          service: serviceSummary,
          floor,
          floorShape,
          floors,
          minimal,
          minimalShape,
          minimals,
          ratio: serviceSummary.median / floor.median,
          ratioMinimal: serviceSummary.median / minimal.median,
          statements: [...new Set(t.map((x) => x.statements))].sort((a, b) => a - b),
        });
      }
    }
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await writer.close();
    service.close();
    for (const f of floorDbs) f.opened.close();
    minimalSet.close();
    minimalRow.close();
  }
  return rows;
}
