/**
 * Sections 1 and 2: approveApps / removeAppApprovals through yoga.fetch on a
 * WAL file database, beside the raw better-sqlite3 floor on identically
 * built files, and the SQL statements each service call executed.
 */
import type Database from 'better-sqlite3';
import { openDatabase } from '../src/db/open';
import { createAppgovYoga, type AppgovYoga } from '../src/yoga';
import { appId, buildDataset, clientId, openCounted, unknownAppId, type CountingLogger } from './datasets';
import { perRowFloor, setBasedFloor, type FloorCall, type FloorResult } from './floor';
import { post } from './graphql';
import { breathe, summarize, timed, type Summary } from './stats';

export type BulkKind = 'approveApps, changing' | 'removeAppApprovals, changing' | 'approveApps, repeat';
export const BULK_KINDS: readonly BulkKind[] = ['approveApps, changing', 'removeAppApprovals, changing', 'approveApps, repeat'];

export interface BulkRow {
  n: number;
  kind: BulkKind;
  service: Summary;
  /** The faster of the two floor shapes at this size and kind (by median). */
  floor: Summary;
  floorShape: 'set-based' | 'per-row';
  floors: { setBased: Summary; perRow: Summary };
  /** service median ÷ floor median */
  ratio: number;
  /** Distinct statement counts seen over the timed service calls (one value when constant). */
  statements: number[];
}

export interface BulkOptions {
  sizes: readonly number[];
  /** Timed calls of each kind at size n (at least 20). */
  samples(n: number): number;
  /** Untimed approve + remove pairs before timing at size n. */
  warmup(n: number): number;
  catalogApps: number;
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

interface Side {
  yoga: AppgovYoga;
  token: string;
  sql: CountingLogger;
  floors: { setBased: FloorCall; perRow: FloorCall };
  floorDbs: Database.Database[];
  serviceDb: Database.Database;
}

function expectCounts(what: string, result: { succeeded: unknown[]; failed: unknown[] }, known: number, n: number) {
  if (result.succeeded.length !== known || result.failed.length !== n - known) {
    throw new Error(`${what}: expected ${known} succeeded and ${n - known} failed, got ${result.succeeded.length} / ${result.failed.length}`);
  }
}

/** One step of the same work on the service and on both floors; returns their times. */
async function step(side: Side, ids: string[], known: number, approve: boolean) {
  await breathe();
  side.sql.reset();
  const served = await post<BulkData>(side.yoga, side.token, approve ? APPROVE : REMOVE, {
    clientId: clientId(1),
    appIds: ids,
  });
  const statements = side.sql.statements;
  expectCounts('service', (approve ? served.data.approveApps : served.data.removeAppApprovals)!, known, ids.length);
  const setBased = await timed<FloorResult>(() => side.floors.setBased(ids, approve));
  const perRow = await timed<FloorResult>(() => side.floors.perRow(ids, approve));
  expectCounts('set-based floor', setBased.value, known, ids.length);
  expectCounts('per-row floor', perRow.value, known, ids.length);
  return { service: served.ms, setBased: setBased.ms, perRow: perRow.ms, statements };
}

/** The service and both floors must have written exactly the same rows. */
function assertSameWrites(side: Side): void {
  const fingerprint = (db: Database.Database) =>
    JSON.stringify(
      db
        .prepare(`SELECT (SELECT count(*) FROM app_history_events) AS events,
                         (SELECT count(*) FROM client_app_states WHERE resolution = 'approved') AS approved,
                         (SELECT sum(version) FROM client_app_states) AS versions`)
        .get(),
    );
  const expected = fingerprint(side.serviceDb);
  for (const db of side.floorDbs) {
    const got = fingerprint(db);
    if (got !== expected) throw new Error(`floor wrote ${got}, service wrote ${expected}`);
  }
}

export async function benchBulk(file: (name: string) => string, options: BulkOptions): Promise<BulkRow[]> {
  const shape = { clients: 4, apps: options.catalogApps, events: 0, hotEvery: 0 };
  const serviceSet = buildDataset(file('bulk-service.db'), shape);
  const service = openCounted(serviceSet.path);
  const floorDbs = ['bulk-floor-set.db', 'bulk-floor-row.db'].map((name) => {
    const built = buildDataset(file(name), shape);
    const opened = openDatabase(built.path);
    const token = opened.sqlite.prepare('SELECT id FROM tokens').pluck().get() as string;
    return { opened, actor: { tokenId: token, kind: 'internal' as const, name: 'bench token' } };
  });
  const [setDb, rowDb] = floorDbs as [(typeof floorDbs)[0], (typeof floorDbs)[0]];
  const side: Side = {
    yoga: createAppgovYoga({ db: service.db, config: { maxBulkIds: Math.max(...options.sizes) } }),
    token: serviceSet.token,
    sql: service.sql,
    floors: {
      setBased: setBasedFloor(setDb.opened.sqlite, clientId(1), setDb.actor),
      perRow: perRowFloor(rowDb.opened.sqlite, clientId(1), rowDb.actor),
    },
    floorDbs: floorDbs.map((f) => f.opened.sqlite),
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
        const floorShape = floors.setBased.median <= floors.perRow.median ? 'set-based' : 'per-row';
        const floor = floorShape === 'set-based' ? floors.setBased : floors.perRow;
        rows.push({
          n,
          kind,
          service: serviceSummary,
          floor,
          floorShape,
          floors,
          ratio: serviceSummary.median / floor.median,
          statements: [...new Set(t.map((x) => x.statements))].sort((a, b) => a - b),
        });
      }
    }
  } finally {
    service.close();
    for (const f of floorDbs) f.opened.close();
  }
  return rows;
}
