/**
 * Issue 16: many stateless instances on one Postgres database. Three compiled servers (as
 * `npm start` runs them) start at once on an EMPTY database (the migrations and the demo race),
 * then take concurrent, overlapping bulk calls of one client's apps spread over all three: org
 * approve, org remove, org restrict and workspace approve. No request fails; the ids each answer
 * reports changed are exactly the history events written; every app's history, in listing order,
 * is one chain; no app ends restricted org-wide beside a workspace approval; a cursor from one
 * instance pages on another; and one token's rate budget holds across the three.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres, type OpenedPostgres } from '../src/db/postgres';
import { createApp } from '../src/store/postgres/catalog';
import { createClient, createWorkspace } from '../src/store/postgres/tenants';
import { createToken } from '../src/store/postgres/tokens';
import { freshPostgresDatabase } from './helpers/postgres';
import { startServer, stopServer, type StartedServer } from './helpers/server';

const CLIENT = 'c0000000-0000-4000-8000-0000000000c1';
const WORKSPACE = 'e0000000-0000-4000-8000-0000000000e1';
const APPS = Array.from({ length: 24 }, (_, i) => `a0000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`);
const ROUNDS = 24;

let url: string;
let pg: OpenedPostgres;
let servers: StartedServer[] = [];
let token: string;

async function call(server: StartedServer, query: string, variables: Record<string, unknown>, bearer = token) {
  const res = await fetch(`${server.base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as { data?: Record<string, any>; errors?: { extensions?: { code?: string } }[] } };
}

beforeAll(async () => {
  url = await freshPostgresDatabase();
  // All three on the empty database at once: each migrates under the lock, one of them loads the demo.
  servers = await Promise.all([1, 2, 3].map(() => startServer({ APPGOV_DATABASE_URL: url, APPGOV_DB_POOL_SIZE: '4', APPGOV_MAX_QUEUED_PER_TOKEN: '200', APPGOV_QUEUE_WAIT_MS: '30000' })));
  pg = await openPostgres(url, { poolSize: 2 });
  await createClient(pg.db, { id: CLIENT, name: 'Many instances' });
  await createWorkspace(pg.db, { id: WORKSPACE, clientId: CLIENT, name: 'Sales' });
  for (const [i, id] of APPS.entries()) await createApp(pg.db, { id, name: `Instance app ${i}` });
  token = (await createToken(pg.db, { kind: 'internal', name: 'instances' })).token;
}, 60_000);

afterAll(async () => {
  await Promise.all(servers.map(stopServer));
  await pg?.close();
});

describe('three instances on one Postgres database', () => {
  it('all came up on the empty database; exactly one loaded the demo', async () => {
    const demoLoaded = servers.filter((s) => s.stdout().includes('Loaded the demo organisation'));
    expect(demoLoaded).toHaveLength(1);
    for (const server of servers) expect((await fetch(`${server.base}/health`)).status).toBe(200);
    const { rows } = await pg.pool.query('SELECT count(*)::int AS n FROM clients');
    expect(rows[0].n).toBe(3); // the demo's two and this test's
  });

  it('concurrent overlapping bulk calls: no failure, changed ids = events written, chains hold, never restricted beside a workspace approval', async () => {
    const mutations = {
      approve: `mutation($ids: [ID!]!) { approveApps(clientId: "${CLIENT}", appIds: $ids) { changed failed { id code } } }`,
      remove: `mutation($ids: [ID!]!) { removeAppApprovals(clientId: "${CLIENT}", appIds: $ids) { changed failed { id code } } }`,
      restrict: `mutation($ids: [ID!]!) { restrictApps(clientId: "${CLIENT}", appIds: $ids) { changed failed { id code } } }`,
      wsApprove: `mutation($ids: [ID!]!) { approveApps(workspaceId: "${WORKSPACE}", appIds: $ids) { changed failed { id code } } }`,
    } as const;
    const kinds = Object.keys(mutations) as (keyof typeof mutations)[];
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const calls = Array.from({ length: ROUNDS * 4 }, (_, i) => {
      const kind = kinds[i % kinds.length]!;
      const ids = APPS.filter(() => random() < 0.5);
      return { kind, ids, server: servers[i % servers.length]! };
    });
    const answers = await Promise.all(calls.map((c) => call(c.server, mutations[c.kind], { ids: c.ids })));
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body.errors).toBeUndefined();
    }
    const results = answers.map((a) => Object.values(a.body.data!)[0] as { changed: string[]; failed: { id: string; code: string }[] });
    // The only refusals a rule gives here: a workspace approval of an app restricted org-wide.
    for (const r of results) for (const f of r.failed) expect(f.code).toBe('APP_RESTRICTED_ORG_WIDE');
    const changed = results.reduce((n, r) => n + r.changed.length, 0);
    const { rows: events } = await pg.pool.query(
      `SELECT app_id, type, data, created_at, client_seq FROM app_history_events WHERE client_id = $1 AND type IN ('APPROVAL_STATUS_CHANGED', 'WORKSPACE_RESOLUTION_CHANGED', 'WORKSPACE_APPROVAL_VOIDED')
       ORDER BY created_at, client_seq`,
      [CLIENT],
    );
    // One decision event per changed id; an org restriction's voiding of a workspace approval is an event of its own.
    expect(events.filter((e) => e.type !== 'WORKSPACE_APPROVAL_VOIDED').length).toBe(changed);
    expect(changed).toBeGreaterThan(ROUNDS);
    // Each app's org chain and its workspace chain, in commit order: every event starts where the one before ended.
    const last = new Map<string, string>();
    for (const e of events) {
      const voided = e.type === 'WORKSPACE_APPROVAL_VOIDED';
      const key = `${e.app_id}/${voided ? 'WORKSPACE_RESOLUTION_CHANGED' : e.type}`;
      // A void ends a workspace approval: the workspace's chain goes on from "unresolved".
      const from = voided ? 'approved' : e.data.from;
      const to = voided ? 'unresolved' : e.data.to;
      expect([key, typeof from, typeof to]).toEqual([key, 'string', 'string']);
      expect([key, from]).toEqual([key, last.get(key) ?? from]);
      last.set(key, to);
    }
    const seqs = events.map((e) => Number(e.client_seq));
    expect(new Set(seqs).size).toBe(seqs.length);
    const { rows: clash } = await pg.pool.query(
      `SELECT s.app_id FROM client_app_states AS s JOIN workspace_app_decisions AS w ON w.app_id = s.app_id AND w.client_id = s.client_id
       WHERE s.client_id = $1 AND s.resolution = 'restricted' AND w.resolution = 'approved'`,
      [CLIENT],
    );
    expect(clash).toEqual([]);
  }, 120_000);

  it('a cursor taken on one instance pages on another', async () => {
    const page = `query($after: String) { client(id: "${CLIENT}") { apps(first: 5, after: $after) { nodes { id } pageInfo { endCursor hasNextPage } } } }`;
    const walk = async (pick: (page: number) => StartedServer) => {
      const seen: string[] = [];
      let after: string | null = null;
      for (let i = 0; ; i++) {
        const { body } = await call(pick(i), page, { after });
        expect(body.errors).toBeUndefined();
        const apps = body.data!.client.apps;
        seen.push(...apps.nodes.map((n: { id: string }) => n.id));
        if (!apps.pageInfo.hasNextPage) return seen;
        after = apps.pageInfo.endCursor;
      }
    };
    const across = await walk((i) => servers[i % 3]!);
    expect(across).toEqual(await walk(() => servers[0]!));
    expect(across).toEqual(expect.arrayContaining(APPS));
    expect(new Set(across).size).toBe(across.length);
  });

  it("one token's rate budget holds across the three (kept in the database, not per instance)", async () => {
    // Three more instances with a small budget: 20 units, refilled at 1 a second; a viewer query costs 1.
    const limited = await Promise.all(
      [1, 2, 3].map(() => startServer({ APPGOV_DATABASE_URL: url, NODE_ENV: 'production', APPGOV_RATE_LIMIT_PER_SECOND: '1', APPGOV_RATE_LIMIT_BURST: '20' })),
    );
    try {
      const own = (await createToken(pg.db, { kind: 'internal', name: 'budget' })).token;
      const started = Date.now();
      const answers = await Promise.all(Array.from({ length: 60 }, (_, i) => call(limited[i % 3]!, '{ viewer { id } }', {}, own)));
      const seconds = (Date.now() - started) / 1000;
      const admitted = answers.filter((a) => a.status === 200 && !a.body.errors).length;
      const refused = answers.filter((a) => a.body.errors?.[0]?.extensions?.code === 'RATE_LIMITED').length;
      expect(admitted + refused).toBe(60);
      // One budget: 20, plus what refilled meanwhile. Three budgets would have admitted up to 60.
      expect(admitted).toBeGreaterThanOrEqual(20);
      expect(admitted).toBeLessThanOrEqual(20 + Math.ceil(seconds) + 1);
    } finally {
      await Promise.all(limited.map(stopServer));
    }
  }, 60_000);
});
