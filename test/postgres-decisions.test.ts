/**
 * Issue 16: the bulk decisions (approveApps, removeAppApprovals, restrictApps, org and workspace
 * level) on Postgres, behind the same Writer the SQLite writer thread serves. The same calls on
 * both stores give the same answers and leave the same rows (read raw, not through the stores);
 * the statements per call do not grow with the ids; concurrent writers on several pools of one
 * database keep every rule; conflicts, lock waits and a database that does not answer are bounded
 * and coded.
 */
import Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import type { Logger } from 'drizzle-orm/logger';
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../src/auth/principal';
import { openDatabase } from '../src/db/open';
import { openPostgres, type OpenedPostgres } from '../src/db/postgres';
import * as pgSchema from '../src/db/postgres-schema';
import { inThreadWriter, type Writer } from '../src/db/writer';
import type { BulkApprovalInput, BulkResult } from '../src/services/approvals';
import { postgresWriter } from '../src/store/postgres/writer';
import { inTransaction, isUnavailable } from '../src/store/postgres/transaction';
import { freshPostgresDatabase } from './helpers/postgres';
import { uuid } from './helpers/db';

const MINE = 'd0000000-0000-4000-8000-000000000001';
const OTHER = 'd0000000-0000-4000-8000-000000000002';
const CLIENT = 'c0000000-0000-4000-8000-000000000001';
const W1 = 'e0000000-0000-4000-8000-000000000001';
const W2 = 'e0000000-0000-4000-8000-000000000002';
const REQUEST = 'f0000000-0000-4000-8000-000000000001';
const actor: Principal = { tokenId: 't0000000-0000-4000-8000-000000000001', kind: 'internal', name: 'admin', clientId: null, scopes: ['apps:read', 'apps:write'] };
const T0 = 1_800_000_000_000;

/** The same rows on both stores: two directories, a business of the first, two workspaces, apps (two private), a pending request. */
interface Fixture {
  apps: { id: string; owner: string | null; scopes: string[] }[];
}
function fixture(appCount: number): Fixture {
  const apps = Array.from({ length: appCount }, (_, i) => ({ id: uuid(i + 1), owner: i === 0 ? MINE : i === 1 ? OTHER : null, scopes: i % 3 === 0 ? ['chat:write'] : [] }));
  return { apps };
}

function seedSqlite(sqlite: Database.Database, f: Fixture): void {
  const run = (text: string, ...params: unknown[]) => sqlite.prepare(text).run(...params);
  run('INSERT INTO directories (id, name, created_at) VALUES (?, ?, ?), (?, ?, ?)', MINE, 'Mine', T0, OTHER, 'Other', T0);
  run('INSERT INTO clients (id, name, created_at, directory_id) VALUES (?, ?, ?, ?)', CLIENT, 'Business', T0, MINE);
  run('INSERT INTO workspaces (id, client_id, name, created_at) VALUES (?, ?, ?, ?), (?, ?, ?, ?)', W1, CLIENT, 'One', T0, W2, CLIENT, 'Two', T0);
  sqlite
    .prepare(`INSERT INTO apps (id, code_name, name, scopes, created_at, owner_directory_id, hidden_from_market)
      SELECT j.value ->> 0, 'app-' || j.key, 'App ' || j.key, j.value ->> 2, ?, j.value ->> 1, 0 FROM json_each(?) AS j`)
    .run(T0, JSON.stringify(f.apps.map((a) => [a.id, a.owner, JSON.stringify(a.scopes)])));
  run(`INSERT INTO install_requests (id, client_id, workspace_id, app_id, scopes, message, requester, status, created_at)
       VALUES (?, ?, ?, ?, '[]', NULL, 'someone', 'pending', ?)`, REQUEST, CLIENT, W1, uuid(7), T0);
}

async function seedPostgres(pool: pg.Pool, f: Fixture): Promise<void> {
  await pool.query('INSERT INTO directories (id, name, created_at) VALUES ($1, $2, $3), ($4, $5, $3)', [MINE, 'Mine', T0, OTHER, 'Other']);
  await pool.query('INSERT INTO clients (id, name, created_at, directory_id) VALUES ($1, $2, $3, $4)', [CLIENT, 'Business', T0, MINE]);
  await pool.query('INSERT INTO workspaces (id, client_id, name, created_at) VALUES ($1, $2, $3, $4), ($5, $2, $6, $4)', [W1, CLIENT, 'One', T0, W2, 'Two']);
  await pool.query(
    `INSERT INTO apps (id, code_name, name, scopes, created_at, owner_directory_id, hidden_from_market)
     SELECT j.value ->> 0, 'app-' || (j.ord - 1), 'App ' || (j.ord - 1), (j.value ->> 2)::jsonb, $1, j.value ->> 1, false
     FROM jsonb_array_elements($2::jsonb) WITH ORDINALITY AS j(value, ord)`,
    [T0, JSON.stringify(f.apps.map((a) => [a.id, a.owner, JSON.stringify(a.scopes)]))],
  );
  await pool.query(
    `INSERT INTO install_requests (id, client_id, workspace_id, app_id, scopes, message, requester, status, created_at)
     VALUES ($1, $2, $3, $4, '[]', NULL, 'someone', 'pending', $5)`,
    [REQUEST, CLIENT, W1, uuid(7), T0],
  );
}

const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
const bool = (v: unknown) => (v === null ? null : v === true || v === 1);

/** Every row a decision writes, read raw and in one shape for both stores (event ids are random: left out). */
async function dump(read: (text: string) => Promise<Record<string, unknown>[]>) {
  const states = (await read('SELECT client_id, app_id, resolution, approved_scopes, needs_reapproval, decided_at, decided_by, version, updated_at FROM client_app_states ORDER BY app_id')).map((r) => ({
    ...r,
    approved_scopes: json(r.approved_scopes),
    needs_reapproval: bool(r.needs_reapproval),
  }));
  const workspace = (await read('SELECT workspace_id, app_id, client_id, resolution, approved_scopes, decided_at, decided_by, decided_by_name FROM workspace_app_decisions ORDER BY workspace_id, app_id')).map((r) => ({
    ...r,
    approved_scopes: json(r.approved_scopes),
  }));
  const requests = await read('SELECT id, status, resolved_at, resolved_by FROM install_requests ORDER BY id');
  const events = (await read('SELECT client_id, app_id, type, actor_id, actor_kind, actor_name, data, created_at, client_seq FROM app_history_events ORDER BY client_seq')).map((r) => ({ ...r, data: json(r.data) }));
  const heads = await read('SELECT id, history_seq, history_at FROM clients ORDER BY id');
  return { states, workspace, requests, events, heads };
}

class Statements implements Logger {
  count = 0;
  logQuery(): void {
    this.count++;
  }
}

const databases: OpenedPostgres[] = [];
const pools: pg.Pool[] = [];
afterAll(async () => {
  for (const pool of pools.splice(0)) await pool.end();
  for (const db of databases.splice(0)) await db.close();
});

async function postgresStore(f: Fixture): Promise<{ opened: OpenedPostgres; url: string }> {
  const url = await freshPostgresDatabase();
  const opened = await openPostgres(url, { poolSize: 4 });
  databases.push(opened);
  await seedPostgres(opened.pool, f);
  return { opened, url };
}

type Call = [op: 'approveApps' | 'removeAppApprovals' | 'restrictApps', input: Partial<BulkApprovalInput> & { appIds: string[] }];

const SCENARIO: Call[] = [
  // Public apps, an unknown id, another directory's private app (unknown to this client), its own private app.
  ['approveApps', { appIds: [uuid(3), uuid(4), uuid(5), uuid(99), uuid(2), uuid(1)] }],
  ['approveApps', { appIds: [uuid(3)] }],
  ['approveApps', { appIds: [uuid(6), uuid(7)], workspaceId: W1 }],
  ['approveApps', { appIds: [uuid(6)], workspaceId: W2 }],
  // The org restriction voids both workspaces' approvals of 6 and resolves the pending request on 7.
  ['restrictApps', { appIds: [uuid(6), uuid(7), uuid(3)], reason: 'vendor review' }],
  ['approveApps', { appIds: [uuid(6), uuid(8)], workspaceId: W1 }],
  ['removeAppApprovals', { appIds: [uuid(3), uuid(4), uuid(5), uuid(6)] }],
  ['restrictApps', { appIds: [uuid(8), uuid(9)], workspaceId: W2 }],
  ['approveApps', { appIds: [uuid(9), uuid(10)], dryRun: true }],
  ['removeAppApprovals', { appIds: [uuid(8)], workspaceId: W1 }],
];

async function play(writer: Writer): Promise<BulkResult[]> {
  const answers: BulkResult[] = [];
  let step = 0;
  for (const [op, input] of SCENARIO) {
    step++;
    answers.push(await writer.run(op, { clientId: CLIENT, actor, maxIds: 1000, now: new Date(T0 + step * 1000), ...input }));
  }
  return answers;
}

describe('the bulk decisions on Postgres', () => {
  it('answer as on SQLite and leave the same rows, call for call', async () => {
    const f = fixture(12);
    const lite = openDatabase(':memory:');
    seedSqlite(lite.sqlite, f);
    const { opened } = await postgresStore(f);
    const liteAnswers = await play(inThreadWriter(lite.db));
    const pgAnswers = await play(postgresWriter(opened.db));
    expect(pgAnswers).toEqual(liteAnswers);
    // The scenario exercised what it claims: failures, voids, a resolved request, a dry run.
    expect(liteAnswers[0]!.failed.map((f) => f.code)).toEqual(['APP_NOT_FOUND', 'APP_NOT_FOUND']);
    expect(liteAnswers[5]!.failed.map((f) => f.code)).toEqual(['APP_RESTRICTED_ORG_WIDE']);
    const liteRows = await dump(async (text) => lite.sqlite.prepare(text).all() as Record<string, unknown>[]);
    const pgRows = await dump(async (text) => (await opened.pool.query(text)).rows);
    expect(pgRows).toEqual(liteRows);
    // W1's approval of app 7 (step 3) resolved W1's pending request for it.
    expect(liteRows.requests).toEqual([{ id: REQUEST, status: 'approved', resolved_at: T0 + 3000, resolved_by: 'admin' }]);
    expect((liteRows.events as Record<string, unknown>[]).map((e) => e.type)).toContain('WORKSPACE_APPROVAL_VOIDED');
    expect(liteRows.events.length).toBeGreaterThan(10);
    lite.close();
  });

  it('run the same number of statements for 10, 100 and 1,000 ids', async () => {
    const f = fixture(3000);
    const url = await freshPostgresDatabase();
    const setup = await openPostgres(url);
    databases.push(setup);
    await seedPostgres(setup.pool, f);
    const log = new Statements();
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    pools.push(pool);
    const writer = postgresWriter(drizzle(pool, { schema: pgSchema, logger: log }));
    const counts: number[] = [];
    // Public apps nobody decided on yet, with no pending request: each call runs the same statements.
    for (const [n, offset] of [[10, 1000], [100, 1100], [1000, 2000]] as const) {
      const ids = f.apps.slice(offset, offset + n).map((a) => a.id);
      log.count = 0;
      const result = await writer.run('restrictApps', { clientId: CLIENT, appIds: ids, actor, maxIds: 1000 });
      expect(result.changed.length).toBeGreaterThan(0);
      counts.push(log.count);
    }
    expect(new Set(counts).size).toBe(1);
    expect(counts[0]).toBeGreaterThan(3);
  });
});

describe('many writers on one Postgres database', () => {
  it('three pools, 60 overlapping bulk calls: no error, changed ids equal events, every chain consistent, never a restriction beside a workspace approval', async () => {
    const f = fixture(60);
    const { url } = await postgresStore(f);
    const writers = [0, 1, 2].map(() => {
      const pool = new pg.Pool({ connectionString: url, max: 3 });
      pools.push(pool);
      return postgresWriter(drizzle(pool, { schema: pgSchema }));
    });
    const ids = f.apps.slice(2).map((a) => a.id);
    const calls: Promise<BulkResult>[] = [];
    for (let i = 0; i < 60; i++) {
      const writer = writers[i % 3]!;
      const some = ids.filter((_, k) => (k + i) % 3 !== 0);
      const op = (['approveApps', 'removeAppApprovals', 'restrictApps', 'approveApps'] as const)[i % 4]!;
      const workspaceId = i % 5 === 0 ? W1 : i % 7 === 0 ? W2 : null;
      calls.push(writer.run(op, { clientId: CLIENT, appIds: some, actor, maxIds: 1000, ...(workspaceId ? { workspaceId } : {}) }));
    }
    const answers = await Promise.all(calls);
    const check = new pg.Pool({ connectionString: url, max: 1 });
    pools.push(check);
    const events = (await check.query(`SELECT app_id, type, data, created_at, client_seq FROM app_history_events ORDER BY created_at, client_seq`)).rows as { app_id: string; type: string; data: { from: string; to: string; workspaceId?: string }; created_at: number; client_seq: number }[];
    // Every event a call reports as a change was written once: org and workspace changes are one event per changed id,
    // plus one void per workspace approval an org restriction removed and one per request it resolved.
    const changes = answers.reduce((n, a) => n + a.changed.length, 0);
    const changeEvents = events.filter((e) => e.type === 'APPROVAL_STATUS_CHANGED' || e.type === 'WORKSPACE_RESOLUTION_CHANGED').length;
    expect(changeEvents).toBe(changes);
    // client_seq runs 1..n with no gap or repeat, in time order.
    expect(events.map((e) => Number(e.client_seq))).toEqual(events.map((_, i) => i + 1));
    // Each app's org chain and each workspace's chain: every change starts where the previous one ended.
    const last = new Map<string, string>();
    for (const e of events) {
      // An org restriction's void ends a workspace approval: that workspace has no decision of its own after it.
      if (e.type === 'WORKSPACE_APPROVAL_VOIDED') last.set(`${e.app_id}:${e.data.workspaceId}`, 'unresolved');
      if (e.type !== 'APPROVAL_STATUS_CHANGED' && e.type !== 'WORKSPACE_RESOLUTION_CHANGED') continue;
      const key = `${e.app_id}:${e.data.workspaceId ?? 'org'}`;
      expect(e.data.from, `${key} at ${e.client_seq}`).toBe(last.get(key) ?? 'unresolved');
      last.set(key, e.data.to);
    }
    const clash = await check.query(`
      SELECT count(*)::int AS n FROM workspace_app_decisions AS d JOIN client_app_states AS s ON s.client_id = d.client_id AND s.app_id = d.app_id
      WHERE d.resolution = 'approved' AND s.resolution = 'restricted'`);
    expect(clash.rows[0].n).toBe(0);
    const head = await check.query('SELECT history_seq FROM clients WHERE id = $1', [CLIENT]);
    expect(head.rows[0].history_seq).toBe(String(events.length));
  }, 60_000);
});

describe('the Postgres transaction runner', () => {
  let url: string;
  let opened: OpenedPostgres;
  beforeAll(async () => {
    ({ opened, url } = await postgresStore(fixture(8)));
  });

  it('retries a deadlock: both transactions commit', async () => {
    const a = new pg.Pool({ connectionString: url, max: 1 });
    const b = new pg.Pool({ connectionString: url, max: 1 });
    pools.push(a, b);
    let attempts = 0;
    const swap = (pool: pg.Pool, first: string, second: string) =>
      inTransaction(drizzle(pool, { schema: pgSchema }), async (tx) => {
        attempts++;
        await tx.execute(sql.raw(`UPDATE apps SET name = name || '' WHERE id = '${first}'`));
        await new Promise((resolve) => setTimeout(resolve, 100));
        await tx.execute(sql.raw(`UPDATE apps SET name = name || '' WHERE id = '${second}'`));
        return 'done';
      });
    expect(await Promise.all([swap(a, uuid(1), uuid(2)), swap(b, uuid(2), uuid(1))])).toEqual(['done', 'done']);
    // One of the two was chosen as the deadlock victim and ran again.
    expect(attempts).toBe(3);
  });

  it('a lock held past lock_timeout is UNAVAILABLE (503, Retry-After), with nothing written', async () => {
    const holder = await opened.pool.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT 1 FROM clients WHERE id = $1 FOR UPDATE', [CLIENT]);
      const writer = postgresWriter(opened.db, { lockTimeoutMs: 200, statementTimeoutMs: 1000, deadlineMs: 500 });
      const started = Date.now();
      const refused = await writer.run('approveApps', { clientId: CLIENT, appIds: [uuid(3)], actor, maxIds: 10 }).catch((e: unknown) => e);
      expect(refused).toMatchObject({ code: 'UNAVAILABLE', details: expect.objectContaining({ http: expect.objectContaining({ status: 503 }) }) });
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    expect((await opened.pool.query('SELECT count(*)::int AS n FROM app_history_events')).rows[0].n).toBe(0);
  });

  it('a database that does not answer is UNAVAILABLE within the connect bound, never a hang', async () => {
    const nowhere = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/none', max: 1, connectionTimeoutMillis: 500 });
    pools.push(nowhere);
    const refused = await postgresWriter(drizzle(nowhere, { schema: pgSchema }))
      .run('approveApps', { clientId: CLIENT, appIds: [uuid(3)], actor, maxIds: 10 })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'UNAVAILABLE' });
    expect(isUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
  });
});
