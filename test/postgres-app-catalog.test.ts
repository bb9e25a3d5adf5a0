/**
 * Issue 16: the catalog update (`appgov app update`: rename an app, change what it requests, and lose
 * every org-level approval that no longer covers it) on Postgres as on SQLite. The same calls on both
 * stores from the same rows (copied raw) give the same answers and refusals and leave the same rows;
 * the statements per call do not grow with the clients that approved the app; decisions and catalog
 * updates racing on two pools never leave an approval with the old scopes, never undo each other, and
 * keep every client's history one chain; a deadlock with a decision is broken and retried.
 */
import type { Logger } from 'drizzle-orm/logger';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import pgDriver from 'pg';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../src/auth/principal';
import { openDatabase, type OpenedDatabase } from '../src/db/open';
import { openPostgres, type OpenedPostgres } from '../src/db/postgres';
import * as pgSchema from '../src/db/postgres-schema';
import * as liteDecisions from '../src/services/app-decisions';
import { createApp } from '../src/services/apps';
import { createClient } from '../src/services/clients';
import { createDirectory } from '../src/services/directories';
import { createWorkspace } from '../src/services/workspaces';
import { updateAppCatalog } from '../src/store/postgres/app-catalog';
import * as pgDecisions from '../src/store/postgres/app-decisions';
import { decidePg } from '../src/store/postgres/decisions';
import { inTransaction } from '../src/store/postgres/transaction';
import { principalFor, uuid } from './helpers/db';
import { copyRows, freshPostgresDatabase } from './helpers/postgres';
import { dumpRows as contractRows, outcome } from './helpers/postgres-contract';

const MINE = 'd0000000-0000-4000-8000-000000000001';
const C = (n: number) => `c0000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const W = 'e0000000-0000-4000-8000-000000000001';
const T0 = 1_800_000_000_000;

const parsed = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
type Row = Record<string, unknown>;

/** Every row an update touches (the contract tests' dump, and the catalog's own columns), in one shape for both stores. */
async function dumpRows(read: (text: string) => Promise<Row[]>) {
  return {
    apps: (await read('SELECT id, code_name, name, scopes FROM apps ORDER BY id')).map((r): Row => ({ ...r, scopes: parsed(r.scopes) })),
    ...(await contractRows(read)),
  };
}

const SEEDED = ['directories', 'clients', 'workspaces', 'apps', 'tokens', 'client_app_states', 'workspace_app_decisions'];

async function pgFrom(lite: OpenedDatabase, poolSize = 2): Promise<OpenedPostgres & { url: string }> {
  const url = await freshPostgresDatabase();
  const opened = await openPostgres(url, { poolSize });
  for (const table of SEEDED) await copyRows(lite.sqlite, opened.pool, table);
  // The seed's history too, but for the identity column (Postgres numbers its own rows).
  const events = lite.sqlite.prepare('SELECT id, client_id, app_id, type, actor_id, actor_kind, actor_name, data, created_at, client_seq FROM app_history_events').all();
  await opened.pool.query(
    `INSERT INTO app_history_events (id, client_id, app_id, type, actor_id, actor_kind, actor_name, data, created_at, client_seq)
     SELECT e.id, e.client_id, e.app_id, e.type, e.actor_id, e.actor_kind, e.actor_name, e.data::jsonb, e.created_at, e.client_seq
     FROM jsonb_to_recordset($1::jsonb) AS e(id text, client_id text, app_id text, type text, actor_id text, actor_kind text, actor_name text, data text, created_at bigint, client_seq bigint)`,
    [JSON.stringify(events)],
  );
  return { ...opened, url };
}

/**
 * The contract seed, built with the SQLite services: clients 3, 1, 2 (created in that order, so id
 * order is not creation order), app 1 with two scopes approved by all three (client 2 with one
 * scope only) and in a workspace of client 1, app 2 approved by client 1, app 3 approved by nobody.
 */
function seedLite(): { lite: OpenedDatabase; actor: Principal } {
  const lite = openDatabase(':memory:');
  const db = lite.db;
  createDirectory(db, { id: MINE, name: 'Mine' });
  for (const n of [3, 1, 2]) createClient(db, { id: C(n), name: `Client ${n}`, directoryId: MINE });
  createWorkspace(db, { id: W, clientId: C(1), name: 'W' });
  createApp(db, { id: uuid(1), name: 'One', scopes: ['chat:write', 'files:read'] });
  createApp(db, { id: uuid(2), name: 'Two', scopes: ['chat:write'] });
  createApp(db, { id: uuid(3), name: 'Three' });
  const actor = principalFor(db);
  const approve = (client: number, app: number, scopes: string[] | null, workspaceId: string | null = null) =>
    liteDecisions.decideApp(db, { clientId: C(client), workspaceId, subject: { appId: uuid(app) }, action: 'approve', scopes, actor, now: new Date(T0) });
  approve(3, 1, null);
  approve(1, 1, null);
  approve(2, 1, ['chat:write']);
  approve(1, 1, ['chat:write'], W);
  approve(1, 2, null);
  return { lite, actor };
}

interface Step {
  name: string;
  lite: (db: OpenedDatabase['db'], actor: Principal) => unknown;
  pg: (db: OpenedPostgres['db'], actor: Principal) => Promise<unknown>;
}

const update = (name: string, input: (actor: Principal) => liteDecisions.UpdateAppCatalogInput): Step => ({
  name,
  lite: (db, actor) => liteDecisions.updateAppCatalog(db, input(actor)),
  pg: (db, actor) => updateAppCatalog(db, input(actor)),
});
const approve = (name: string, client: number, app: number, now: number): Step => {
  const input = (actor: Principal): liteDecisions.DecideAppInput => ({ clientId: C(client), workspaceId: null, subject: { appId: uuid(app) }, action: 'approve', actor, now: new Date(now) });
  return { name, lite: (db, actor) => liteDecisions.decideApp(db, input(actor)), pg: (db, actor) => pgDecisions.decideApp(db, input(actor)) };
};

const STEPS: Step[] = [
  // Client 2's one-scope approval does not cover what app 1 requests: any update loses it, a rename too.
  update('a rename, trimmed', (actor) => ({ appId: uuid(1), name: '  One renamed  ', actor, now: new Date(T0 + 1000) })),
  update('the same scopes, repeated and padded', (actor) => ({ appId: uuid(1), scopes: [' files:read', 'chat:write', 'files:read', ''], actor, now: new Date(T0 + 2000) })),
  approve('client 2 approves again, every scope', 2, 1, T0 + 3000),
  update('a scope more, with a reason: every approval lost, in client id order', (actor) => ({ appId: uuid(1), scopes: ['chat:write', 'files:read', 'users:read'], reason: ' new feature ', actor, now: new Date(T0 + 4000) })),
  update('again: nothing left to lose', (actor) => ({ appId: uuid(1), scopes: ['users:read', 'chat:write', 'files:read', 'admin'], actor, now: new Date(T0 + 5000) })),
  // Client 1's head is at T0 + 4000: the loss is stamped then, never before its previous event.
  update('a clock that went back', (actor) => ({ appId: uuid(2), scopes: ['chat:write', 'files:write'], actor, now: new Date(T0 + 500) })),
  update('fewer scopes: nothing lost', (actor) => ({ appId: uuid(1), scopes: ['chat:write'], name: '   ', actor, now: new Date(T0 + 6000) })),
  approve('client 3 approves app 1 again', 3, 1, T0 + 7000),
  update('no scopes at all', (actor) => ({ appId: uuid(1), scopes: [], actor, now: new Date(T0 + 8000) })),
  update('an app nobody approved', (actor) => ({ appId: uuid(3), name: 'Three again', scopes: ['a', 'b'], actor, now: new Date(T0 + 9000) })),
  update('an unknown app', (actor) => ({ appId: uuid(99), name: 'Nobody', actor })),
  update('a malformed app id', (actor) => ({ appId: 'nope', scopes: ['x'], actor })),
  update('a reason too long', (actor) => ({ appId: uuid(1), scopes: ['x'], reason: 'x'.repeat(5000), actor })),
];

describe('the catalog update on Postgres', () => {
  it('answers, refuses and writes as on SQLite, call for call', async () => {
    const { lite, actor } = seedLite();
    const postgres = await pgFrom(lite);
    try {
      const answers: unknown[] = [];
      for (const step of STEPS) {
        const a = await outcome(() => step.lite(lite.db, actor));
        const b = await outcome(() => step.pg(postgres.db, actor));
        expect(b, step.name).toEqual(a);
        answers.push(a);
      }
      const liteRows = await dumpRows(async (text) => lite.sqlite.prepare(text).all() as Row[]);
      const pgRows = await dumpRows(async (text) => (await postgres.pool.query(text)).rows);
      expect(pgRows).toEqual(liteRows);
      // The scenario exercised what it claims.
      const lost = answers.map((a) => {
        const { ok, error } = a as { ok?: { lostApprovals?: string[] }; error?: { code: string } };
        return error ? error.code : (ok!.lostApprovals ?? 'decided');
      });
      expect(lost).toEqual([[C(2)], [], 'decided', [C(1), C(2), C(3)], [], [C(1)], [], 'decided', [], [], 'NOT_FOUND', 'BAD_USER_INPUT', 'BAD_USER_INPUT']);
      expect((answers[3] as { ok: unknown }).ok).toEqual({ id: uuid(1), name: 'One renamed', scopes: ['chat:write', 'files:read', 'users:read'], lostApprovals: [C(1), C(2), C(3)] });
      const losses = (liteRows.events as Row[]).filter((e) => e['type'] === 'APPROVAL_LOST_SCOPE_CHANGE');
      expect(losses.map((e) => [e['client_id'], e['app_id'], e.created_at])).toEqual([
        [C(1), uuid(1), T0 + 4000],
        [C(1), uuid(2), T0 + 4000],
        [C(2), uuid(1), T0 + 1000],
        [C(2), uuid(1), T0 + 4000],
        [C(3), uuid(1), T0 + 4000],
      ]);
      expect(losses[0]!.data).toEqual({ approvedScopes: ['chat:write', 'files:read'], requestedScopes: ['chat:write', 'files:read', 'users:read'], uncoveredScopes: ['users:read'], reason: 'new feature' });
      // The workspace's own approval stays.
      expect((liteRows.workspace as Row[]).map((d) => [d['workspace_id'], d['app_id'], d['resolution']])).toEqual([[W, uuid(1), 'approved']]);
    } finally {
      lite.close();
      await postgres.close();
    }
  });

  it('runs the same number of statements whether 1, 10 or 100 clients lose their approval', async () => {
    const lite = openDatabase(':memory:');
    const db = lite.db;
    const actor = principalFor(db);
    const sizes = [1, 10, 100];
    sizes.forEach((_, i) => createApp(db, { id: uuid(i + 1), name: `App ${i}`, scopes: ['chat:write'] }));
    // The approvals written straight (the rows a decision leaves): 100 clients, the first n approving app i.
    const clients = JSON.stringify(Array.from({ length: 100 }, (_, i) => C(i + 1)));
    lite.sqlite.prepare(`INSERT INTO clients (id, name, created_at) SELECT value, 'Client ' || key, ? FROM json_each(?)`).run(T0, clients);
    sizes.forEach((n, i) =>
      lite.sqlite
        .prepare(`INSERT INTO client_app_states (client_id, app_id, resolution, approved_scopes, decided_at, version, updated_at)
                  SELECT value, ?, 'approved', '["chat:write"]', ?, 1, ? FROM json_each(?) WHERE key < ?`)
        .run(uuid(i + 1), T0, T0, clients, n),
    );
    const setup = await pgFrom(lite);
    lite.close();
    const pool = new pgDriver.Pool({ connectionString: setup.url, max: 2 });
    try {
      let count = 0;
      const logger: Logger = { logQuery: () => void count++ };
      const counted = drizzle(pool, { schema: pgSchema, logger });
      const counts: number[] = [];
      for (const [i, n] of sizes.entries()) {
        count = 0;
        const result = await updateAppCatalog(counted, { appId: uuid(i + 1), scopes: ['chat:write', 'files:read'], actor });
        expect(result.lostApprovals.length).toBe(n);
        counts.push(count);
      }
      expect(new Set(counts).size).toBe(1);
      const [{ n }] = (await pool.query(`SELECT count(*)::int AS n FROM app_history_events WHERE type = 'APPROVAL_LOST_SCOPE_CHANGE'`)).rows;
      expect(n).toBe(111);
    } finally {
      await pool.end();
      await setup.close();
    }
  });
});

type Event = { client_id: string; app_id: string; type: string; data: { from?: string; to?: string; approvedScopes?: string[] }; client_seq: string };

/**
 * Every client's history, newest last, is one chain: client_seq 1..n, each org change starting where
 * the previous one of that app ended, each loss taking exactly the approval that stood; and each
 * chain ends in the state the rows hold.
 */
async function expectConsistentChains(pool: pgDriver.Pool): Promise<void> {
  const events = (await pool.query(`SELECT client_id, app_id, type, data, client_seq FROM app_history_events ORDER BY client_id, created_at, client_seq`)).rows as Event[];
  const states = (await pool.query(`SELECT client_id, app_id, resolution, approved_scopes FROM client_app_states`)).rows as { client_id: string; app_id: string; resolution: string; approved_scopes: string[] | null }[];
  const heads = new Map(((await pool.query('SELECT id, history_seq FROM clients')).rows as { id: string; history_seq: number }[]).map((h) => [h.id, Number(h.history_seq)]));
  const last = new Map<string, { resolution: string; scopes: string[] | null }>();
  const seq = new Map<string, number>();
  for (const e of events) {
    const at = `${e.client_id} ${e.app_id} #${e.client_seq}`;
    expect(Number(e.client_seq), at).toBe((seq.get(e.client_id) ?? 0) + 1);
    seq.set(e.client_id, Number(e.client_seq));
    const key = `${e.client_id}:${e.app_id}`;
    const before = last.get(key) ?? { resolution: 'unresolved', scopes: null };
    if (e.type === 'APPROVAL_STATUS_CHANGED') {
      expect(e.data.from, at).toBe(before.resolution);
      last.set(key, { resolution: e.data.to!, scopes: e.data.approvedScopes ?? null });
    } else if (e.type === 'APPROVAL_LOST_SCOPE_CHANGE') {
      expect(before, at).toEqual({ resolution: 'approved', scopes: e.data.approvedScopes });
      last.set(key, { resolution: 'unresolved', scopes: null });
    }
  }
  for (const [client, n] of seq) expect(heads.get(client), client).toBe(n);
  for (const s of states) expect(last.get(`${s.client_id}:${s.app_id}`) ?? { resolution: 'unresolved', scopes: null }, `${s.client_id}:${s.app_id}`).toEqual({ resolution: s.resolution, scopes: s.approved_scopes });
}

describe('catalog updates racing decisions on one Postgres database', () => {
  const CLIENTS = 6;
  const ROUNDS = 16;
  const FILLERS = 100;
  const filler = (client: number, i: number) => `f${client}000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  const fillersOf = (client: number) => Array.from({ length: FILLERS }, (_, i) => filler(client, i));

  function raceSeed(): { lite: OpenedDatabase; actor: Principal } {
    const lite = openDatabase(':memory:');
    for (let n = 1; n <= CLIENTS; n++) createClient(lite.db, { id: C(n), name: `Client ${n}` });
    for (let r = 1; r <= ROUNDS; r++) createApp(lite.db, { id: uuid(r), name: `App ${r}`, scopes: ['chat:write'] });
    // Each client's own filler apps, decided in the same call as the raced app: a decision that takes
    // a while between reading the app and committing (a wide window for an update to slip into).
    const fillers = JSON.stringify(Array.from({ length: CLIENTS * FILLERS }, (_, i) => [filler(Math.floor(i / FILLERS) + 1, i % FILLERS), `f-${i}`]));
    lite.sqlite.prepare(`INSERT INTO apps (id, code_name, name, scopes, created_at, hidden_from_market) SELECT value ->> 0, value ->> 1, value ->> 1, '[]', ?, 0 FROM json_each(?)`).run(T0, fillers);
    return { lite, actor: principalFor(lite.db) };
  }

  it('two pools: a scope change and a rename of an app while it is approved for several clients with the old scopes; no approval with the old scopes survives, neither update undoes the other, every chain holds', async () => {
    const { lite, actor } = raceSeed();
    const setup = await pgFrom(lite, 1);
    lite.close();
    const pools = [0, 1].map(() => new pgDriver.Pool({ connectionString: setup.url, max: CLIENTS + 2 }));
    try {
      const [catalog, decisions] = pools.map((pool) => drizzle(pool, { schema: pgSchema }));
      let lostTotal = 0;
      for (let r = 1; r <= ROUNDS; r++) {
        const app = uuid(r);
        // Half the clients approved before the round: the scope change has something to lose at once.
        for (let n = 1; n <= CLIENTS / 2; n++) await decidePg(decisions!, { clientId: C(n), workspaceId: null, appIds: [app], action: 'approve', scopes: null, reason: null, requestId: null, actor });
        // The other half approves it now, with the scopes it reads (the old ones, unless it waits for the update),
        // and the update starts while they are under way (it waits for no lock of theirs: they hold no approval yet).
        const approvals = Array.from({ length: CLIENTS / 2 }, (_, k) => {
          const n = CLIENTS / 2 + k + 1;
          return decidePg(decisions!, { clientId: C(n), workspaceId: null, appIds: [app, ...fillersOf(n)], action: 'approve', scopes: null, reason: null, requestId: null, actor });
        });
        await new Promise((resolve) => setTimeout(resolve, r % 4));
        const updates = [
          updateAppCatalog(catalog!, { appId: app, scopes: ['chat:write', 'files:read'], actor }),
          updateAppCatalog(decisions!, { appId: app, name: `App ${r} renamed`, actor }),
        ];
        const [answers] = await Promise.all([Promise.all(updates), Promise.all(approvals)]);
        lostTotal += answers[0]!.lostApprovals.length + answers[1]!.lostApprovals.length;
        // The fillers undecided again, for the next round's approvals to write them anew.
        for (let n = CLIENTS / 2 + 1; n <= CLIENTS; n++) await decidePg(catalog!, { clientId: C(n), workspaceId: null, appIds: fillersOf(n), action: 'unapprove', scopes: null, reason: null, requestId: null, actor });
        const [row] = (await pools[0]!.query('SELECT name, scopes FROM apps WHERE id = $1', [app])).rows;
        expect(row, `round ${r}`).toEqual({ name: `App ${r} renamed`, scopes: ['chat:write', 'files:read'] });
      }
      // No client holds an org approval that does not cover what its app requests now.
      const stale = (await pools[0]!.query(`
        SELECT s.client_id, s.app_id, s.approved_scopes, a.scopes FROM client_app_states AS s JOIN apps AS a ON a.id = s.app_id
        WHERE s.resolution = 'approved' AND NOT (s.approved_scopes @> a.scopes)`)).rows;
      expect(stale).toEqual([]);
      expect(lostTotal).toBeGreaterThanOrEqual(ROUNDS * (CLIENTS / 2));
      await expectConsistentChains(pools[0]!);
    } finally {
      for (const pool of pools) await pool.end();
      await setup.close();
    }
  }, 60_000);

  it('two pools: a rename and a scope change of an app nobody approved, at once, round after round: neither undoes the other', async () => {
    const { lite, actor } = raceSeed();
    const setup = await pgFrom(lite, 1);
    lite.close();
    const pools = [0, 1].map(() => new pgDriver.Pool({ connectionString: setup.url, max: 2 }));
    try {
      const [one, two] = pools.map((pool) => drizzle(pool, { schema: pgSchema }));
      for (let r = 1; r <= ROUNDS; r++) {
        await Promise.all([
          updateAppCatalog(one!, { appId: uuid(r), name: `App ${r} renamed`, actor }),
          updateAppCatalog(two!, { appId: uuid(r), scopes: ['chat:write', 'files:read'], actor }),
        ]);
      }
      const apps = (await pools[0]!.query(`SELECT id, name, scopes FROM apps WHERE id NOT LIKE 'f%' ORDER BY id`)).rows;
      expect(apps).toEqual(Array.from({ length: ROUNDS }, (_, i) => ({ id: uuid(i + 1), name: `App ${i + 1} renamed`, scopes: ['chat:write', 'files:read'] })));
    } finally {
      for (const pool of pools) await pool.end();
      await setup.close();
    }
  }, 30_000);

  it('a decision of the app holding its client (then reading the app FOR SHARE, as decidePg does) and an update of the app at once: the update waits for the client before it locks the app, so no deadlock; both commit once', async () => {
    const { lite, actor } = raceSeed();
    liteDecisions.decideApp(lite.db, { clientId: C(1), workspaceId: null, subject: { appId: uuid(1) }, action: 'approve', actor, now: new Date(T0) });
    const setup = await pgFrom(lite, 1);
    lite.close();
    const pools = [0, 1, 2].map(() => new pgDriver.Pool({ connectionString: setup.url, max: 1 }));
    try {
      // The update's attempts: each starts by bounding its transaction.
      let updateAttempts = 0;
      const logger: Logger = { logQuery: (query) => void (/SET LOCAL lock_timeout/.test(query) && updateAttempts++) };
      const a = drizzle(pools[0]!, { schema: pgSchema });
      const b = drizzle(pools[1]!, { schema: pgSchema, logger });
      const watch = pools[2]!;
      const waitingForLock = async () => {
        for (let i = 0; i < 200; i++) {
          const [{ n }] = (await watch.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`)).rows;
          if (n > 0) return;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        throw new Error('the update never waited');
      };
      let attempts = 0;
      let update: Promise<liteDecisions.AppCatalogUpdate> | undefined;
      // decidePg's order: the client's row, then the app's (FOR SHARE, as its lookup reads it).
      const decision = inTransaction(a, async (tx) => {
        attempts++;
        await tx.execute(sql`SELECT 1 FROM clients WHERE id = ${C(1)} FOR NO KEY UPDATE`);
        if (!update) {
          update = updateAppCatalog(b, { appId: uuid(1), scopes: ['chat:write', 'files:read'], actor });
          await waitingForLock();
        }
        await tx.execute(sql`SELECT 1 FROM apps WHERE id = ${uuid(1)} FOR SHARE`);
        await tx.execute(sql`UPDATE clients SET name = 'decided' WHERE id = ${C(1)}`);
      });
      let decided = false;
      await decision.then(() => (decided = true));
      const result = await update!.then((r) => ({ ...r, afterTheDecision: decided }));
      expect(result).toEqual({ id: uuid(1), name: 'App 1', scopes: ['chat:write', 'files:read'], lostApprovals: [C(1)], afterTheDecision: true });
      const [client] = (await watch.query('SELECT name FROM clients WHERE id = $1', [C(1)])).rows;
      expect(client.name).toBe('decided');
      // An update that locked the app before the client deadlocks here: one of the two runs again.
      expect([attempts, updateAttempts]).toEqual([1, 1]);
      await expectConsistentChains(watch);
    } finally {
      for (const pool of pools) await pool.end();
      await setup.close();
    }
  }, 30_000);
});
