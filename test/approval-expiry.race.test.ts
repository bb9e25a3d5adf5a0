/**
 * Exactly once with several writers (issue 20): the same lapsed approvals swept by three writers at
 * once (three SQLite writer threads, each its own connection to one file; three Postgres pools on one
 * database, as three instances would be), while approvals of other apps of the same clients are
 * written meanwhile. Every approval's expiry is written once, and each client's history stays one
 * chain: numbered 1, 2, 3… in commit order, its time never falling along that numbering.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open';
import { openPostgres, type OpenedPostgres } from '../src/db/postgres';
import { startWriter, type Writer } from '../src/db/writer';
import { createLogger } from '../src/observability/logger';
import { approveApps } from '../src/services/approvals';
import { decidePg } from '../src/store/postgres/decisions';
import { expireApprovalsPg } from '../src/store/postgres/expiry';
import { principalFor, seedTenant, testDatabase } from './helpers/db';
import { copyRows, freshPostgresDatabase } from './helpers/postgres';

const T0 = new Date('2027-05-01T00:00:00.000Z').getTime();
const END = T0 + 60_000;
const CLIENTS = 3;
const APPS = 12;
/** After the end: each writer sweeps this many times, at these times. */
const SWEEPS = [1, 2, 3, 4].map((s) => new Date(END + s * 1000));

/** Three clients of APPS apps each (apps of their own), every one approved until END; APPS more apps each, not yet approved. */
function seed(db: ReturnType<typeof testDatabase>['db']) {
  const actor = principalFor(db);
  const tenants: { clientId: string; lapsing: string[]; others: string[] }[] = [];
  for (let c = 1; c <= CLIENTS; c++) {
    const { clientId, appIds } = seedTenant(db, { clientNumber: 700 + c, appCount: 2 * APPS, firstApp: 70_000 + c * 100 });
    approveApps(db, { clientId, appIds: appIds.slice(0, APPS), actor, maxIds: 100, expiresAt: new Date(END), now: new Date(T0) });
    tenants.push({ clientId, lapsing: appIds.slice(0, APPS), others: appIds.slice(APPS) });
  }
  return { actor, tenants };
}

interface EventRow {
  client_id: string;
  app_id: string;
  type: string;
  created_at: number | string;
  client_seq: number | string;
}

function checkHistory(rows: EventRow[], tenants: { clientId: string; lapsing: string[] }[]) {
  const expired = rows.filter((r) => r.type === 'APPROVAL_EXPIRED');
  // Exactly once: one per lapsed approval, none twice.
  expect(expired).toHaveLength(CLIENTS * APPS);
  expect(new Set(expired.map((r) => `${r.client_id}/${r.app_id}`)).size).toBe(CLIENTS * APPS);
  for (const { clientId, lapsing } of tenants) {
    const mine = rows.filter((r) => r.client_id === clientId).sort((a, b) => Number(a.client_seq) - Number(b.client_seq));
    expect(mine.map((r) => Number(r.client_seq))).toEqual(mine.map((_, i) => i + 1));
    for (let i = 1; i < mine.length; i++) expect(Number(mine[i]!.created_at)).toBeGreaterThanOrEqual(Number(mine[i - 1]!.created_at));
    // Each lapsed app: approved, then expired, at the end's time (every writer came after it).
    for (const appId of lapsing) {
      expect(mine.filter((r) => r.app_id === appId).map((r) => [r.type, Number(r.created_at)])).toEqual([
        ['APPROVAL_STATUS_CHANGED', T0],
        ['APPROVAL_EXPIRED', END],
      ]);
    }
  }
}

describe('three SQLite writer threads on one file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'appgov-expiry-race-'));
  const writers: Writer[] = [];
  afterAll(async () => {
    await Promise.all(writers.map((w) => w.close()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('write each expiry once, while approvals of the same clients are written meanwhile', async () => {
    const database = openDatabase(join(dir, 'race.db'));
    const { actor, tenants } = seed(database.db);
    const logger = createLogger({ level: 'silent' });
    for (let i = 0; i < 3; i++) writers.push(startWriter(database, { writeWorker: true, dbBusyTimeoutMs: 1000 }, logger));
    const results = await Promise.all([
      ...writers.map(async (writer) => {
        let expired = 0;
        for (const now of SWEEPS) expired += (await writer.run('expireApprovals', { now: now.getTime() })).expired;
        return expired;
      }),
      // A fourth writer (this thread's connection): approvals of the clients' other apps, each one's claim also due.
      (async () => {
        for (const { clientId, others } of tenants) {
          await new Promise((resolve) => setImmediate(resolve));
          approveApps(database.db, { clientId, appIds: others, actor, maxIds: 100, now: SWEEPS[0]! });
        }
        return 0;
      })(),
    ]);
    const rows = database.sqlite.prepare('SELECT client_id, app_id, type, created_at, client_seq FROM app_history_events').all() as EventRow[];
    checkHistory(rows, tenants);
    // The sweeps report what they wrote: together, at most every expiry (the approvals' claims wrote the rest).
    expect(results.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(CLIENTS * APPS);
    database.close();
  });
});

describe('three Postgres pools on one database (three instances)', () => {
  const pools: OpenedPostgres[] = [];
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.close()));
  });

  it('write each expiry once, while approvals of the same clients are written meanwhile', async () => {
    const lite = testDatabase();
    const { actor, tenants } = seed(lite.db);
    const url = await freshPostgresDatabase();
    for (let i = 0; i < 3; i++) pools.push(await openPostgres(url, { poolSize: 3 }));
    const copy = pools[0]!.pool as pg.Pool;
    for (const table of ['directories', 'clients', 'apps', 'tokens', 'client_app_states', 'app_history_events']) await copyRows(lite.sqlite, copy, table);
    const results = await Promise.all([
      ...pools.map(async ({ db }) => {
        let expired = 0;
        for (const now of SWEEPS) expired += (await expireApprovalsPg(db, now)).expired;
        return expired;
      }),
      ...tenants.map(({ clientId, others }, i) =>
        decidePg(pools[i]!.db, {
          clientId,
          workspaceId: null,
          appIds: others,
          action: 'approve',
          scopes: null,
          reason: null,
          requestId: null,
          actor,
          now: SWEEPS[0]!,
        }).then(() => 0),
      ),
    ]);
    const { rows } = await copy.query<EventRow>('SELECT client_id, app_id, type, created_at, client_seq FROM app_history_events');
    checkHistory(rows, tenants);
    expect(results.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(CLIENTS * APPS);
    lite.sqlite.close();
  });
});

